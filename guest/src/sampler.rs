//! The sampler: slot table, voice table, event intake and block rendering.
//!
//! Everything here is plain safe data plus the reads through [`Memory`]; the
//! wasm exports in `wasm.rs` are thin wrappers around these methods, and the
//! host's native engine calls them directly.

use crate::abi::{self, kind, param, status, Event, Header};
use crate::envelope::Envelope;
use crate::filter::{self, Filter};
use crate::looping::Looping;
use crate::memory::Memory;
use crate::voice::{Stage, Voice};

pub use crate::pad::{Pad, Slot, DEFAULT_RELEASE_SECONDS, FADE_SECONDS};

/// Ramp for gain and pan changes on sounding voices (seconds).
pub const PARAM_RAMP_SECONDS: f32 = 0.005;

/// The whole DSP state. Fixed size, no allocation; about 1.1 MiB, so it is
/// never built on a stack: every byte of it zero is a valid value (numbers,
/// bools and enums with a variant 0; no references), the wasm build keeps
/// it in zeroed memory and the native one in a zeroed box
/// ([`Sampler::boxed`] under `std`), and [`Sampler::prepare`] makes it a
/// new sampler in place.
pub struct Sampler {
    sample_rate: f32,
    max_frames: u32,
    slots: [Slot; abi::SLOT_CAPACITY as usize],
    pads: [Pad; abi::PAD_CAPACITY as usize],
    voices: [Voice; abi::VOICE_CAPACITY as usize],
    /// Voices sounding at once before one is stolen, and the physical
    /// voices in use (`abi::voice_span`): events look no further than
    /// `voices[..span]` (a block, no further than `top`).
    polyphony: u32,
    span: usize,
    /// One past the highest voice that may be sounding: every voice from
    /// `top` on is free. Voices start at the lowest free index, so the
    /// sounding ones crowd the start and a block scans only `..top`, not
    /// the whole span (an idle voice costs nothing). Raised when a voice
    /// starts, lowered at each block's end.
    top: usize,
    /// Each channel's pitch bend, -1..=1.
    bends: [f32; abi::CHANNELS as usize],
    next_stamp: u32,
    /// Frames rendered since `init` (wrapping), and the frame the event
    /// being applied takes effect at: a voice's age is counted on it, so
    /// the same events steal the same voices at every block size.
    clock: u32,
    now: u32,
    header: Header,
}

impl Sampler {
    /// Makes a zeroed (or any) sampler a new one at 48 kHz with every slot
    /// empty and every pad at its defaults, in place; then call
    /// [`Sampler::init`].
    ///
    /// Thread: the one running the DSP. No allocation (the guest has no allocator).
    pub fn prepare(&mut self) {
        self.sample_rate = 48_000.0;
        self.max_frames = abi::MAX_FRAMES;
        for s in self.slots.iter_mut() {
            *s = Slot::default();
        }
        for p in self.pads.iter_mut() {
            *p = Pad::DEFAULT;
        }
        for v in self.voices.iter_mut() {
            *v = Voice::IDLE;
        }
        self.polyphony = abi::POLYPHONY;
        self.span = abi::voice_span(abi::POLYPHONY) as usize;
        self.top = 0;
        self.bends = [0.0; abi::CHANNELS as usize];
        self.next_stamp = 0;
        (self.clock, self.now) = (0, 0);
        self.header =
            Header { abi_version: abi::ABI_VERSION, sample_rate: 48_000.0, max_frames: abi::MAX_FRAMES, polyphony: abi::POLYPHONY, ..Header::default() };
    }

    /// Sets the output rate and block limit, silences every voice and resets
    /// the telemetry. Slots keep their samples and parameters.
    ///
    /// Thread: the one running the DSP (the audio thread for `process`; the engine lock holder otherwise). No allocation (the guest has no allocator).
    pub fn init(&mut self, mem: &Memory, sample_rate: f32, max_frames: u32) -> i32 {
        if !(sample_rate.is_finite() && sample_rate > 0.0) {
            return status::BAD_RATE;
        }
        if max_frames == 0 || max_frames > abi::MAX_FRAMES {
            return status::BAD_FRAMES;
        }
        if !mem.contains(abi::IO_BASE, (abi::SAMPLE_BASE - abi::IO_BASE) as u64) {
            return status::BAD_REGION;
        }
        self.sample_rate = sample_rate;
        self.max_frames = max_frames;
        self.reset(mem);
        status::OK
    }

    /// Silences every voice at once and resets the telemetry.
    ///
    /// Thread: the one running the DSP (the audio thread for `process`; the engine lock holder otherwise). No allocation (the guest has no allocator).
    pub fn reset(&mut self, mem: &Memory) {
        for v in self.voices.iter_mut() {
            *v = Voice::IDLE;
        }
        self.top = 0;
        self.next_stamp = 0;
        (self.clock, self.now) = (0, 0);
        self.header = Header {
            abi_version: abi::ABI_VERSION,
            sample_rate: self.sample_rate,
            max_frames: self.max_frames,
            polyphony: self.polyphony,
            ..Header::default()
        };
        if mem.contains(abi::HEADER, abi::HEADER_SIZE as u64) {
            // SAFETY: the header lies inside the memory (just checked).
            unsafe { mem.write_header(&self.header) };
        }
    }

    /// Sets the polyphony (1..=`abi::MAX_POLYPHONY`): the voices sounding
    /// at once before one is stolen. Silences every voice at once, as
    /// `reset` does (it is a setting, not a performance gesture).
    ///
    /// Thread: the one running the DSP. No allocation (the guest has no allocator).
    pub fn set_polyphony(&mut self, mem: &Memory, polyphony: u32) -> i32 {
        if !(1..=abi::MAX_POLYPHONY).contains(&polyphony) {
            return status::BAD_POLYPHONY;
        }
        self.polyphony = polyphony;
        self.span = abi::voice_span(polyphony) as usize;
        self.reset(mem);
        status::OK
    }

    /// Publishes sample data for `slot`, a sample of `pad`. Copies nothing: voices read the region
    /// in place. The previous content of the slot (if any) stops being
    /// triggerable; its sounding voices keep reading their own region.
    ///
    /// Thread: the one running the DSP (the audio thread for `process`; the engine lock holder otherwise). No allocation (the guest has no allocator).
    #[allow(clippy::too_many_arguments)] // the `slot_load` export's arguments, one for one
    pub fn slot_load(&mut self, mem: &Memory, slot: u32, pad: u32, data: u32, frames: u32, channels: u32, format: u32, source_rate: f32) -> i32 {
        if pad >= abi::PAD_CAPACITY {
            return status::BAD_SLOT;
        }
        let Some(s) = self.slots.get_mut(slot as usize) else {
            return status::BAD_SLOT;
        };
        if channels != 1 && channels != 2 {
            return status::BAD_CHANNELS;
        }
        if frames == 0 {
            return status::NO_FRAMES;
        }
        if !(source_rate.is_finite() && source_rate > 0.0) {
            return status::BAD_RATE;
        }
        if abi::format::bytes_per_sample(format).is_none() {
            return status::BAD_FORMAT;
        }
        let bytes = abi::format::region_bytes(format, frames as u64 * channels as u64);
        if data < abi::SAMPLE_BASE || !data.is_multiple_of(abi::format::align(format)) || !mem.contains(data, bytes) {
            return status::BAD_REGION;
        }
        s.loaded = true;
        s.pad = pad;
        s.data = data;
        s.frames = frames;
        // A new region starts without a loop (`slot_loop` sets one).
        s.loop_mode = abi::looping::OFF;
        s.channels = channels;
        s.format = format;
        s.source_rate = source_rate;
        status::OK
    }

    /// Sets `slot`'s loop: `mode` from `abi::looping`, `start..end` in the
    /// loaded window's frames, and `fade` frames of crossfade (forward
    /// loops; cut to the loop's start and length so that every frame it
    /// reads lies in the window). Applies to notes started afterwards.
    ///
    /// Thread: the one running the DSP (the audio thread for `process`; the engine lock holder otherwise). No allocation (the guest has no allocator).
    pub fn slot_loop(&mut self, slot: u32, mode: u32, start: u32, end: u32, fade: u32) -> i32 {
        let Some(s) = self.slots.get_mut(slot as usize) else {
            return status::BAD_SLOT;
        };
        let kind = mode & !abi::looping::SUSTAIN;
        if kind > abi::looping::PING_PONG || mode > (abi::looping::PING_PONG | abi::looping::SUSTAIN) {
            return status::BAD_LOOP;
        }
        if kind != abi::looping::OFF && !(start < end && end <= s.frames) {
            return status::BAD_LOOP;
        }
        s.loop_mode = mode;
        (s.loop_start, s.loop_end) = (start, end);
        s.loop_fade = if kind == abi::looping::FORWARD { fade.min(start).min(end - start) } else { 0 };
        status::OK
    }

    /// Empties `slot` and fades out its voices. They keep reading their region
    /// until the fade ends; `slot_voices` tells when none does.
    ///
    /// Thread: the one running the DSP (the audio thread for `process`; the engine lock holder otherwise). No allocation (the guest has no allocator).
    pub fn slot_retire(&mut self, slot: u32) {
        if let Some(s) = self.slots.get_mut(slot as usize) {
            s.loaded = false;
            self.fade_voices(|v| v.slot == slot);
        }
    }

    /// Voices (sounding or fading) started from `slot`.
    ///
    /// Thread: the one running the DSP (the audio thread for `process`; the engine lock holder otherwise). No allocation (the guest has no allocator).
    pub fn slot_voices(&self, slot: u32) -> u32 {
        self.voices[..self.span].iter().filter(|v| v.is_active() && v.slot == slot).count() as u32
    }

    /// Sets a pad parameter at once (outside `process`; for sample-accurate
    /// changes send a `PAD_PARAM` event instead). Gain and pan ramp on the
    /// pad's sounding voices, and the filter glides to its new settings.
    ///
    /// Thread: the one running the DSP. No allocation (the guest has no allocator).
    pub fn pad_param(&mut self, pad: u32, id: u32, value: f32) -> i32 {
        let ramp = self.fade_frames(PARAM_RAMP_SECONDS);
        let Some(p) = self.pads.get_mut(pad as usize) else {
            return status::BAD_SLOT;
        };
        let result = p.set(id, value);
        if result != status::OK {
            return result;
        }
        let p = *p;
        let controls = self.frames(filter::RAMP_SECONDS).div_ceil(filter::CONTROL_FRAMES);
        let per_octave = filter::SECONDS_PER_OCTAVE * self.sample_rate / filter::CONTROL_FRAMES as f32;
        let voices = &mut self.voices[..self.span];
        if id == param::GAIN || id == param::PAN {
            let amp = p.amp();
            for v in voices.iter_mut().filter(|v| v.is_active() && v.pad == pad) {
                v.set_amp(amp, ramp);
            }
        }
        if (param::FILTER_TYPE..=param::FILTER_ENVELOPE).contains(&id) {
            for v in voices.iter_mut().filter(|v| v.is_active() && v.pad == pad) {
                v.filter.retarget(&p.filter, v.key, v.key_velocity, v.amp_env.level, controls, per_octave);
            }
        }
        status::OK
    }

    /// The telemetry written after the last call.
    ///
    /// Thread: the one running the DSP (the audio thread for `process`; the engine lock holder otherwise). No allocation (the guest has no allocator).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Voices sounding now.
    ///
    /// Thread: the one running the DSP (the audio thread for `process`; the engine lock holder otherwise). No allocation (the guest has no allocator).
    pub fn active_voices(&self) -> u32 {
        self.voices[..self.top].iter().filter(|v| v.is_active()).count() as u32
    }

    fn fade_frames(&self, seconds: f32) -> u32 {
        self.frames(seconds).max(1)
    }

    /// `seconds` as whole output frames (rounded).
    fn frames(&self, seconds: f32) -> u32 {
        (seconds * self.sample_rate + 0.5) as u32
    }

    /// Renders `frames` frames into the output buffers, applying the
    /// `event_count` events in the queue at their frames.
    ///
    /// # Safety
    /// Every region published with `slot_load` and still read by a voice must
    /// be unchanged and inside `mem`; `init` must have succeeded on `mem`.
    ///
    /// Thread: the one running the DSP (the audio thread for `process`; the engine lock holder otherwise). No allocation (the guest has no allocator).
    pub unsafe fn process(&mut self, mem: &Memory, frames: u32, event_count: u32) -> u32 {
        let frames = frames.min(self.max_frames);
        // SAFETY: init checked that the I/O region is inside the memory.
        let events = unsafe { mem.events(event_count) };
        for ch in 0..abi::OUT_CHANNELS {
            // SAFETY: as above; the slice lives for this statement only.
            unsafe { mem.out_channel(ch, frames) }.fill(0.0);
        }

        let mut next = 0;
        let mut cursor = 0u32;
        loop {
            self.now = self.clock.wrapping_add(cursor);
            while next < events.len() && events[next].frame <= cursor {
                self.apply(&events[next]);
                next += 1;
            }
            if cursor >= frames {
                break;
            }
            let end = events.get(next).map_or(frames, |e| e.frame.min(frames));
            let (a, b) = (cursor as usize, end as usize);
            for v in self.voices[..self.top].iter_mut().filter(|v| v.is_active()) {
                // SAFETY: the bus's two channels are distinct buffers inside
                // the I/O region (`bus < OUT_BUSES`, checked by `Pad::set`),
                // and these are their only slices while the voice renders;
                // the region it reads is forwarded from the caller.
                unsafe {
                    let (out_l, out_r) = (mem.out_channel(2 * v.bus, frames), mem.out_channel(2 * v.bus + 1, frames));
                    v.render(mem, &mut out_l[a..b], &mut out_r[a..b])
                };
            }
            cursor = end;
        }
        // Events past the block end take effect at its end.
        self.now = self.clock.wrapping_add(frames);
        for e in &events[next..] {
            self.apply(e);
        }
        self.clock = self.clock.wrapping_add(frames);

        // The active count, and `top` lowered past the voices that ended.
        let mut active = 0;
        let mut top = 0;
        for (i, v) in self.voices[..self.top].iter().enumerate() {
            if v.is_active() {
                active += 1;
                top = i + 1;
            }
        }
        self.top = top;
        self.header.frames = frames;
        self.header.event_count = events.len() as u32;
        self.header.active_voices = active;
        self.header.peak_voices = self.header.peak_voices.max(active);
        // SAFETY: as above.
        unsafe { mem.write_header(&self.header) };
        active
    }

    fn apply(&mut self, e: &Event) {
        match e.kind {
            kind::NOTE_ON => self.note_on(e),
            kind::NOTE_OFF => {
                self.release_gates(|v| v.note_id == e.id);
                // A one-shot ignores note-off, except that its sustain loop
                // lets go.
                for v in self.voices[..self.span].iter_mut().filter(|v| v.is_active() && !v.gate && v.note_id == e.id) {
                    v.looping.release(v.frames);
                }
            }
            kind::CHOKE => self.choke(e.slot),
            kind::PAD_PARAM => {
                if self.pad_param(e.slot, e.id, e.value) != status::OK {
                    self.header.events_ignored += 1;
                }
            }
            kind::ALL_NOTES_OFF => self.release_gates(|_| true),
            kind::ALL_SOUND_OFF => self.fade_voices(|_| true),
            kind::NOTE_CHOKE => self.fade_voices(|v| v.note_id == e.id),
            kind::BEND => self.bend(e),
            _ => self.header.events_ignored += 1,
        }
    }

    /// Starts the envelope release of the sounding gate voices `which`
    /// selects, each with its pad's release time.
    fn release_gates(&mut self, which: impl Fn(&Voice) -> bool) {
        let (voices, pads, rate) = (&mut self.voices[..self.span], &self.pads, self.sample_rate);
        for v in voices.iter_mut().filter(|v| v.stage == Stage::Sustain && v.gate && which(v)) {
            let release = pads.get(v.pad as usize).map_or(DEFAULT_RELEASE_SECONDS, |p| p.release);
            v.release(((release * rate + 0.5) as u32).max(1));
        }
    }

    /// Ends the sounding voices of `pad` as its choke settings say: a fade
    /// over its choke time, or its release.
    fn choke(&mut self, pad: u32) {
        let Some(p) = self.pads.get(pad as usize).copied() else {
            self.header.events_ignored += 1;
            return;
        };
        let frames = if p.choke_release { self.fade_frames(p.release) } else { self.fade_frames(p.choke_fade) };
        for v in self.voices[..self.span].iter_mut().filter(|v| v.pad == pad) {
            match (v.stage, p.choke_release) {
                (Stage::Sustain, true) => v.release(frames),
                (Stage::Sustain | Stage::Fading, false) => v.fade_out(frames),
                _ => {}
            }
        }
    }

    /// Fades out the sounding voices `which` selects over `FADE_SECONDS`.
    fn fade_voices(&mut self, which: impl Fn(&Voice) -> bool) {
        let fade = self.fade_frames(FADE_SECONDS);
        for v in self.voices[..self.span].iter_mut().filter(|v| v.is_active() && which(v)) {
            v.fade_out(fade);
        }
    }

    /// A channel's pitch bend: kept for later notes, and its sounding
    /// voices glide to it.
    fn bend(&mut self, e: &Event) {
        let ramp = self.fade_frames(PARAM_RAMP_SECONDS);
        let Some(bend) = self.bends.get_mut(e.id as usize).filter(|_| e.value.is_finite()) else {
            self.header.events_ignored += 1;
            return;
        };
        *bend = e.value.clamp(-1.0, 1.0);
        let (voices, pads, bend) = (&mut self.voices[..self.span], &self.pads, *bend);
        for v in voices.iter_mut().filter(|v| v.is_active() && v.note_id >> 7 == e.id) {
            let range = pads.get(v.pad as usize).map_or(param::BEND_RANGE_DEFAULT, |p| p.bend_range);
            v.glide_to(bend_ratio(bend, range), ramp);
        }
    }

    fn note_on(&mut self, e: &Event) {
        let slot = match self.slots.get(e.slot as usize) {
            Some(s) if s.loaded && e.rate.is_finite() && e.rate > 0.0 && e.value.is_finite() => *s,
            _ => {
                self.header.events_ignored += 1;
                return;
            }
        };
        let pad = self.pads.get(slot.pad as usize).copied().unwrap_or(Pad::DEFAULT);
        let fade = self.fade_frames(FADE_SECONDS);
        let now = self.now;

        // The pad's own rules: a cutting retrigger fades its voices of
        // this note; at its voice limit its oldest voices fade. Voices the
        // pad started at this very frame for this very note are the same
        // hit (velocity layers crossfading) and are neither cut nor counted;
        // another note at the same frame (a chord) counts.
        let mine = |v: &Voice| v.stage == Stage::Sustain && v.pad == slot.pad && !(v.born == now && v.note_id == e.id);
        let span = self.span;
        if pad.retrigger_cut {
            for v in self.voices[..span].iter_mut().filter(|v| mine(v) && v.note_id == e.id) {
                v.fade_out(fade);
            }
        }
        if pad.voices > 0 {
            let stamp = self.next_stamp;
            let mut sounding = self.voices[..span].iter().filter(|v| mine(v)).count() as u32;
            while sounding >= pad.voices {
                match self.voices[..span].iter_mut().filter(|v| mine(v)).max_by_key(|v| stamp.wrapping_sub(v.stamp)) {
                    Some(v) => v.fade_out(fade),
                    None => break,
                }
                sounding -= 1;
            }
        }

        // Polyphony limit: fade the quietest sounding voice (the oldest of
        // equals), never one younger than its fade would be (it would not
        // yet have been heard); when every one is, the note is dropped (the
        // spare voices stay for fades).
        let sustaining = self.voices[..span].iter().filter(|v| v.stage == Stage::Sustain).count() as u32;
        if sustaining >= self.polyphony {
            let stamp = self.next_stamp;
            let older = |v: &&mut Voice| v.stage == Stage::Sustain && now.wrapping_sub(v.born) >= fade;
            let mut victim: Option<&mut Voice> = None;
            for v in self.voices[..span].iter_mut().filter(older) {
                let better = match &victim {
                    None => true,
                    Some(w) => v.level() < w.level() || (v.level() == w.level() && stamp.wrapping_sub(v.stamp) > stamp.wrapping_sub(w.stamp)),
                };
                if better {
                    victim = Some(v);
                }
            }
            match victim {
                Some(v) => {
                    v.fade_out(fade);
                    self.header.voices_stolen += 1;
                }
                None => {
                    self.header.events_ignored += 1;
                    return;
                }
            }
        }
        // A free voice, or else the quietest fading one (nearly silent);
        // with neither, the note is dropped: a sounding voice is never cut
        // without its fade.
        let index = match self.voices[..span].iter().position(|v| v.stage == Stage::Free) {
            Some(i) => i,
            None => {
                let mut best = None;
                for (i, v) in self.voices[..span].iter().enumerate() {
                    if v.stage == Stage::Fading && best.is_none_or(|b: usize| v.level() < self.voices[b].level()) {
                        best = Some(i);
                    }
                }
                match best {
                    Some(i) => i,
                    None => {
                        self.header.events_ignored += 1;
                        return;
                    }
                }
            }
        };

        let amp = pad.amp();
        let amp_env = Envelope::start(self.frames(pad.attack), self.frames(pad.hold), self.frames(pad.decay), pad.sustain, pad.curve);
        let (key, key_velocity) = e.key();
        self.top = self.top.max(index + 1);
        self.voices[index] = Voice {
            stage: Stage::Sustain,
            slot: e.slot,
            pad: slot.pad,
            bus: pad.bus,
            note_id: e.id,
            gate: e.flags & abi::FLAG_GATE != 0,
            stamp: self.next_stamp,
            born: self.now,
            data: slot.data,
            frames: slot.frames,
            channels: slot.channels,
            format: slot.format,
            pos: 0.0,
            rate: e.rate,
            interp: pad.interp,
            reverse: pad.reverse,
            bend: self.bends.get((e.id >> 7) as usize).map_or(1.0, |&b| bend_ratio(b, pad.bend_range)),
            bend_step: 0.0,
            bend_left: 0,
            bend_target: 1.0,
            velocity: e.value,
            env: 1.0,
            env_step: 0.0,
            amp_env,
            filter: Filter::start(&pad.filter, key, key_velocity, amp_env.level, self.sample_rate),
            looping: Looping::start(slot.loop_mode, slot.loop_start, slot.loop_end, slot.loop_fade, slot.frames, pad.reverse),
            key,
            key_velocity,
            amp,
            amp_target: amp,
            amp_step: [0.0; 2],
            ramp_left: 0,
        };
        self.next_stamp = self.next_stamp.wrapping_add(1);
        self.header.voices_started += 1;
    }
}

/// The rate ratio of a bend (-1..=1) over a range in semitones: exactly 1
/// with no bend.
fn bend_ratio(bend: f32, range: f32) -> f64 {
    if bend == 0.0 {
        1.0
    } else {
        libm::exp2(bend as f64 * range as f64 / 12.0)
    }
}

#[cfg(test)]
mod tests;
