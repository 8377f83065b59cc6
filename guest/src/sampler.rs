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
    /// voices in use (`abi::voice_span`): only `voices[..span]` is scanned.
    polyphony: u32,
    span: usize,
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
        self.voices[..self.span].iter().filter(|v| v.is_active()).count() as u32
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
            for v in self.voices[..self.span].iter_mut().filter(|v| v.is_active()) {
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

        let active = self.active_voices();
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
        // pad started at this very frame are the same hit (velocity layers
        // crossfading) and are neither cut nor counted.
        let mine = |v: &Voice| v.stage == Stage::Sustain && v.pad == slot.pad && v.born != now;
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
mod tests {
    use super::*;
    use std::boxed::Box;
    use std::vec;
    use std::vec::Vec;

    /// Voices at the default polyphony.
    const SPAN: u32 = abi::voice_span(abi::POLYPHONY);

    /// A new sampler, built in a zeroed box as the native host builds it.
    fn new_sampler() -> Box<Sampler> {
        // SAFETY: all-zero bytes are a valid `Sampler` (see its docs).
        let mut s = unsafe { Box::<Sampler>::new_zeroed().assume_init() };
        s.prepare();
        s
    }

    /// A linear memory in a Vec: the I/O region plus `sample` at SAMPLE_BASE.
    struct TestMemory {
        bytes: Vec<u64>, // u64 for 8-byte alignment of the event queue
    }

    impl TestMemory {
        fn new(sample: &[f32]) -> Self {
            let len = abi::SAMPLE_BASE as usize + sample.len() * 4;
            let mut m = TestMemory { bytes: vec![0u64; len.div_ceil(8)] };
            for (i, s) in sample.iter().enumerate() {
                m.write_f32(abi::SAMPLE_BASE as usize + i * 4, *s);
            }
            m
        }
        fn write_f32(&mut self, at: usize, v: f32) {
            let p = self.bytes.as_mut_ptr().cast::<u8>();
            // SAFETY: at + 4 <= the Vec's byte length (callers stay in range).
            unsafe { p.add(at).cast::<f32>().write_unaligned(v) }
        }
        fn write_bytes(&mut self, at: usize, bytes: &[u8]) {
            let p = self.bytes.as_mut_ptr().cast::<u8>();
            // SAFETY: at + bytes.len() <= the Vec's byte length (callers stay in range).
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), p.add(at), bytes.len()) }
        }
        fn view(&mut self) -> Memory {
            // SAFETY: the Vec outlives the view in every test and is not resized.
            unsafe { Memory::new(self.bytes.as_mut_ptr() as usize, self.bytes.len() * 8) }
        }
        fn events(&mut self, events: &[Event]) {
            let p = self.bytes.as_mut_ptr().cast::<u8>();
            // SAFETY: the queue lies inside the memory; Event is plain data.
            unsafe { core::ptr::copy_nonoverlapping(events.as_ptr(), p.add(abi::EVENTS as usize).cast::<Event>(), events.len()) }
        }
        fn out(&mut self, ch: u32, frames: usize) -> Vec<f32> {
            let p = self.bytes.as_ptr().cast::<u8>();
            // SAFETY: the output channel lies inside the memory.
            unsafe { core::slice::from_raw_parts(p.add(abi::out_channel(ch) as usize).cast::<f32>(), frames).to_vec() }
        }
    }

    fn ready(sample: &[f32]) -> (Box<Sampler>, TestMemory) {
        let mut mem = TestMemory::new(sample);
        let mut s = new_sampler();
        assert_eq!(s.init(&mem.view(), 48_000.0, abi::MAX_FRAMES), status::OK);
        assert_eq!(s.slot_load(&mem.view(), 0, 0, abi::SAMPLE_BASE, sample.len() as u32, 1, abi::format::F32, 48_000.0), status::OK);
        (s, mem)
    }

    fn run(s: &mut Sampler, mem: &mut TestMemory, frames: u32, events: &[Event]) -> Vec<f32> {
        mem.events(events);
        // SAFETY: the slot's region lies in `mem` and stays unchanged.
        unsafe { s.process(&mem.view(), frames, events.len() as u32) };
        mem.out(0, frames as usize)
    }

    #[test]
    fn slot_load_refuses_bad_regions_channels_frames_and_rates() {
        let mut mem = TestMemory::new(&[0.5; 16]);
        let m = mem.view();
        let mut s = new_sampler();
        assert_eq!(s.init(&m, 48_000.0, 256), status::OK);
        assert_eq!(s.slot_load(&m, abi::SLOT_CAPACITY, 0, abi::SAMPLE_BASE, 16, 1, abi::format::F32, 48_000.0), status::BAD_SLOT);
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 16, 3, abi::format::F32, 48_000.0), status::BAD_CHANNELS);
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 0, 1, abi::format::F32, 48_000.0), status::NO_FRAMES);
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 16, 1, abi::format::F32, f32::NAN), status::BAD_RATE);
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 17, 1, abi::format::F32, 48_000.0), status::BAD_REGION, "one frame past the end");
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 9, 2, abi::format::F32, 48_000.0), status::BAD_REGION);
        assert_eq!(s.slot_load(&m, 0, 0, abi::IO_BASE, 4, 1, abi::format::F32, 48_000.0), status::BAD_REGION, "below the sample region");
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 2, 4, 1, abi::format::F32, 48_000.0), status::BAD_REGION, "misaligned");
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 16, 1, abi::format::F32, 48_000.0), status::OK);
        assert_eq!(s.slot_load(&m, 1, 0, abi::SAMPLE_BASE, 8, 2, abi::format::F32, 44_100.0), status::OK);
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 16, 1, 4, 48_000.0), status::BAD_FORMAT);
        // 64 bytes hold 32 16-bit samples, 21 packed 24-bit ones (and the
        // byte after), 64 8-bit ones.
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 32, 1, abi::format::I16, 48_000.0), status::OK);
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 33, 1, abi::format::I16, 48_000.0), status::BAD_REGION);
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 1, 4, 1, abi::format::I16, 48_000.0), status::BAD_REGION, "misaligned");
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 1, 21, 1, abi::format::I24, 48_000.0), status::BAD_REGION, "no byte after");
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE, 21, 1, abi::format::I24, 48_000.0), status::OK);
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 3, 60, 1, abi::format::I8, 48_000.0), status::OK);
        assert_eq!(s.slot_load(&m, 0, 0, abi::SAMPLE_BASE + 3, 62, 1, abi::format::I8, 48_000.0), status::BAD_REGION);
    }

    #[test]
    fn integer_samples_play_as_value_over_full_scale_at_neutral_settings() {
        // Each format's extremes and small values, mono, rate 1, gain 1,
        // pan centre: the output is the stored value / 2^(bits-1) exactly.
        let cases: [(u32, Vec<i32>, f32); 3] = [
            (abi::format::I16, vec![0, 1, -1, 12_345, -32_768, 32_767, -2], 32_768.0),
            (abi::format::I24, vec![0, 1, -1, 1_234_567, -8_388_608, 8_388_607, -2], 8_388_608.0),
            (abi::format::I8, vec![0, 1, -1, 77, -128, 127, -2], 128.0),
        ];
        for (format, values, full) in cases {
            let mut mem = TestMemory::new(&[0.0; 16]);
            let size = abi::format::bytes_per_sample(format).unwrap() as usize;
            let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()[..size].to_vec()).collect();
            mem.write_bytes(abi::SAMPLE_BASE as usize, &bytes);
            let mut s = new_sampler();
            assert_eq!(s.init(&mem.view(), 48_000.0, abi::MAX_FRAMES), status::OK);
            assert_eq!(s.slot_load(&mem.view(), 0, 0, abi::SAMPLE_BASE, values.len() as u32, 1, format, 48_000.0), status::OK);
            let out = run(&mut s, &mut mem, values.len() as u32, &[Event::note_on(0, 0, 1, 1.0, 1.0, false)]);
            let expected: Vec<f32> = values.iter().map(|&v| v as f32 / full).collect();
            assert_eq!(out, expected, "format {format}");
            let mut converted = vec![0.0; values.len()];
            assert_eq!(abi::format::to_f32(format, &bytes, &mut converted), values.len());
            assert_eq!(converted, expected, "the host's view of format {format}");
        }
    }

    #[test]
    fn init_refuses_bad_rates_and_block_sizes() {
        let mut mem = TestMemory::new(&[]);
        let mut s = new_sampler();
        assert_eq!(s.init(&mem.view(), 0.0, 256), status::BAD_RATE);
        assert_eq!(s.init(&mem.view(), 48_000.0, 0), status::BAD_FRAMES);
        assert_eq!(s.init(&mem.view(), 48_000.0, abi::MAX_FRAMES + 1), status::BAD_FRAMES);
        // SAFETY: the view covers only the first page: too small for the I/O region.
        let tiny = unsafe { Memory::new(mem.bytes.as_mut_ptr() as usize, 65_536) };
        assert_eq!(s.init(&tiny, 48_000.0, 256), status::BAD_REGION);
    }

    #[test]
    fn pad_param_checks_ids_and_ranges() {
        let (mut s, _mem) = ready(&[0.5; 4]);
        assert_eq!(s.pad_param(0, param::GAIN, 2.0), status::OK);
        assert_eq!(s.pad_param(0, param::GAIN, -1.0), status::BAD_PARAM);
        assert_eq!(s.pad_param(0, param::PAN, 1.5), status::BAD_PARAM);
        assert_eq!(s.pad_param(0, param::RELEASE, 0.0), status::BAD_PARAM);
        assert_eq!(s.pad_param(0, param::INTERPOLATION, 3.0), status::BAD_PARAM);
        assert_eq!(s.pad_param(0, 99, 0.0), status::BAD_PARAM);
        assert_eq!(s.pad_param(0, param::PAN, f32::NAN), status::BAD_PARAM);
        assert_eq!(s.pad_param(abi::PAD_CAPACITY, param::GAIN, 1.0), status::BAD_SLOT);
    }

    #[test]
    fn notes_for_empty_slots_and_unknown_kinds_are_ignored_and_counted() {
        let (mut s, mut mem) = ready(&[0.5; 4]);
        let bad_kind = Event { kind: 77, ..Event::all_notes_off(0) };
        let out = run(&mut s, &mut mem, 8, &[Event::note_on(0, 5, 1, 1.0, 1.0, false), bad_kind, Event::note_on(0, 0, 1, 1.0, f64::NAN, false)]);
        assert_eq!(out, vec![0.0; 8]);
        assert_eq!(s.header().events_ignored, 3);
        assert_eq!(s.header().voices_started, 0);
    }

    #[test]
    fn a_gain_change_ramps_over_5_ms_to_exactly_the_target() {
        let (mut s, mut mem) = ready(&[1.0; 2_000]);
        run(&mut s, &mut mem, 10, &[Event::note_on(0, 0, 1, 1.0, 1.0, false)]);
        let out = run(&mut s, &mut mem, 300, &[Event::pad_param(0, 0, param::GAIN, 0.5)]);
        assert_eq!(out[0], 1.0, "the ramp starts after the event's frame");
        assert!(out[1] < 1.0 && out[1] > 0.99);
        assert!(out[..241].windows(2).all(|w| w[1] <= w[0]));
        assert_eq!(out[240], 0.5, "5 ms at 48 kHz = 240 frames");
        assert_eq!(out[299], 0.5);
    }

    #[test]
    fn retire_fades_the_slots_voices_and_slot_voices_counts_them_down() {
        let (mut s, mut mem) = ready(&[1.0; 4_000]);
        run(&mut s, &mut mem, 16, &[Event::note_on(0, 0, 1, 1.0, 1.0, false), Event::note_on(3, 0, 2, 1.0, 1.0, false)]);
        assert_eq!(s.slot_voices(0), 2);
        s.slot_retire(0);
        let out = run(&mut s, &mut mem, 16, &[Event::note_on(0, 0, 3, 1.0, 1.0, false)]);
        assert_eq!(s.header().events_ignored, 1, "a retired slot no longer triggers");
        assert_eq!(out[0], 2.0);
        assert!(out[15] < 2.0);
        run(&mut s, &mut mem, 256, &[]);
        assert_eq!(s.slot_voices(0), 0, "silent within 5 ms");
        assert_eq!(s.header().active_voices, 0);
    }

    #[test]
    fn all_sound_off_fades_everything_and_all_notes_off_only_gate_voices() {
        let (mut s, mut mem) = ready(&[1.0; 4_000]);
        run(&mut s, &mut mem, 4, &[Event::note_on(0, 0, 1, 1.0, 1.0, false), Event::note_on(0, 0, 2, 1.0, 1.0, true)]);
        run(&mut s, &mut mem, 1_000, &[Event::all_notes_off(0)]);
        assert_eq!(s.active_voices(), 1, "the one-shot plays on");
        run(&mut s, &mut mem, 300, &[Event::all_sound_off(0)]);
        assert_eq!(s.active_voices(), 0);
    }

    #[test]
    fn a_voice_younger_than_its_fade_is_never_stolen_notes_past_the_limit_then_are_dropped() {
        let (mut s, mut mem) = ready(&[1.0; 40_000]);
        let events: Vec<Event> = (0..SPAN + 1).map(|i| Event::note_on(0, 0, i, 1.0, 1.0, false)).collect();
        run(&mut s, &mut mem, 1, &events);
        assert_eq!(s.active_voices(), abi::POLYPHONY);
        assert_eq!(s.header().voices_started, abi::POLYPHONY);
        assert_eq!((s.header().voices_stolen, s.header().events_ignored), (0, SPAN + 1 - abi::POLYPHONY), "no voice cut");
        // Still under 5 ms (240 frames) old: a note is dropped again.
        run(&mut s, &mut mem, 238, &[]);
        run(&mut s, &mut mem, 1, &[Event::note_on(0, 0, 499, 1.0, 1.0, false)]);
        assert_eq!((s.header().voices_stolen, s.header().events_ignored), (0, SPAN + 2 - abi::POLYPHONY));
        // 5 ms on, a note steals (the oldest, all being equal).
        run(&mut s, &mut mem, 1, &[Event::note_on(0, 0, 500, 1.0, 1.0, false)]);
        assert_eq!(s.header().voices_stolen, 1);
        assert_eq!(s.voices.iter().find(|v| v.note_id == 0).map(|v| v.stage), Some(Stage::Fading));
    }

    #[test]
    fn a_steal_takes_the_quietest_voice_then_the_oldest_never_one_just_started() {
        let (mut s, mut mem) = ready(&[1.0; 40_000]);
        let velocity = |i: u32| match i {
            30 => 0.25,
            10 | 20 => 0.5,
            _ => 1.0,
        };
        let first: Vec<Event> = (0..abi::POLYPHONY).map(|i| Event::note_on(0, 0, i, velocity(i), 1.0, false)).collect();
        run(&mut s, &mut mem, 240, &first);
        let stage = |s: &Sampler, id: u32| s.voices.iter().find(|v| v.note_id == id).map(|v| v.stage);
        // 5 ms later: a very quiet note steals the quietest (30); the next
        // two take 10 then 20 (equals: the older first), never the quiet
        // note just started; the fourth the oldest of the rest (0).
        let second: Vec<Event> = [(100, 0.01), (101, 1.0), (102, 1.0), (103, 1.0)].map(|(id, v)| Event::note_on(0, 0, id, v, 1.0, false)).to_vec();
        run(&mut s, &mut mem, 1, &second);
        for (id, expected) in [(30, Stage::Fading), (10, Stage::Fading), (20, Stage::Fading), (0, Stage::Fading), (1, Stage::Sustain), (100, Stage::Sustain)] {
            assert_eq!(stage(&s, id), Some(expected), "note {id}");
        }
        assert_eq!(s.header().voices_stolen, 4);
    }
}
