//! The sampler: slot table, voice table, event intake and block rendering.
//!
//! Everything here is plain safe data plus the reads through [`Memory`]; the
//! wasm exports in `wasm.rs` are thin wrappers around these methods, and the
//! host's native engine calls them directly.

use crate::abi::{self, kind, param, status, Event, Header};
use crate::interp::Interpolation;
use crate::memory::Memory;
use crate::voice::{Stage, Voice};

/// Fade used for steals, chokes, retires and all-sound-off (seconds).
pub const FADE_SECONDS: f32 = 0.005;
/// Ramp for gain and pan changes on sounding voices (seconds).
pub const PARAM_RAMP_SECONDS: f32 = 0.005;
/// Default gate release (seconds).
pub const DEFAULT_RELEASE_SECONDS: f32 = 0.010;

/// One entry of the slot table: where the sample is and how the slot plays.
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    pub loaded: bool,
    pub data: u32,
    pub frames: u32,
    pub channels: u32,
    pub source_rate: f32,
    pub gain: f32,
    pub pan: f32,
    pub release: f32,
    pub interp: Interpolation,
}

impl Slot {
    /// An empty slot with default parameters.
    pub const EMPTY: Slot = Slot {
        loaded: false,
        data: 0,
        frames: 0,
        channels: 1,
        source_rate: 48_000.0,
        gain: 1.0,
        pan: 0.0,
        release: DEFAULT_RELEASE_SECONDS,
        interp: Interpolation::Cubic,
    };

    /// Channel gains: gain times a balance law that keeps both sides at unity
    /// in the centre and turns one side down linearly as the pan moves away.
    pub fn amp(&self) -> [f32; 2] {
        let left = 1.0 - if self.pan > 0.0 { self.pan } else { 0.0 };
        let right = 1.0 + if self.pan < 0.0 { self.pan } else { 0.0 };
        [self.gain * left, self.gain * right]
    }
}

/// The whole DSP state. Fixed size, no allocation; about 30 KiB.
pub struct Sampler {
    sample_rate: f32,
    max_frames: u32,
    slots: [Slot; abi::SLOT_CAPACITY as usize],
    voices: [Voice; abi::VOICE_CAPACITY as usize],
    next_stamp: u32,
    header: Header,
}

impl Default for Sampler {
    fn default() -> Self {
        Self::new()
    }
}

impl Sampler {
    /// A sampler at 48 kHz with every slot empty; call [`Sampler::init`].
    pub const fn new() -> Self {
        Sampler {
            sample_rate: 48_000.0,
            max_frames: abi::MAX_FRAMES,
            slots: [Slot::EMPTY; abi::SLOT_CAPACITY as usize],
            voices: [Voice::IDLE; abi::VOICE_CAPACITY as usize],
            next_stamp: 0,
            header: Header {
                abi_version: abi::ABI_VERSION,
                sample_rate: 48_000.0,
                max_frames: abi::MAX_FRAMES,
                frames: 0,
                event_count: 0,
                active_voices: 0,
                peak_voices: 0,
                voices_started: 0,
                voices_stolen: 0,
                events_ignored: 0,
            },
        }
    }

    /// Sets the output rate and block limit, silences every voice and resets
    /// the telemetry. Slots keep their samples and parameters.
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
    pub fn reset(&mut self, mem: &Memory) {
        self.voices = [Voice::IDLE; abi::VOICE_CAPACITY as usize];
        self.next_stamp = 0;
        self.header = Header {
            abi_version: abi::ABI_VERSION,
            sample_rate: self.sample_rate,
            max_frames: self.max_frames,
            ..Header::default()
        };
        if mem.contains(abi::HEADER, abi::HEADER_SIZE as u64) {
            // SAFETY: the header lies inside the memory (just checked).
            unsafe { mem.write_header(&self.header) };
        }
    }

    /// Publishes sample data for `slot`. Copies nothing: voices read the region
    /// in place. The previous content of the slot (if any) stops being
    /// triggerable; its sounding voices keep reading their own region.
    pub fn slot_load(&mut self, mem: &Memory, slot: u32, data: u32, frames: u32, channels: u32, source_rate: f32) -> i32 {
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
        let bytes = frames as u64 * channels as u64 * 4;
        if data < abi::SAMPLE_BASE || data % 4 != 0 || !mem.contains(data, bytes) {
            return status::BAD_REGION;
        }
        s.loaded = true;
        s.data = data;
        s.frames = frames;
        s.channels = channels;
        s.source_rate = source_rate;
        status::OK
    }

    /// Empties `slot` and fades out its voices. They keep reading their region
    /// until the fade ends; `slot_voices` tells when none does.
    pub fn slot_retire(&mut self, slot: u32) {
        let fade = self.fade_frames(FADE_SECONDS);
        if let Some(s) = self.slots.get_mut(slot as usize) {
            s.loaded = false;
            for v in self.voices.iter_mut().filter(|v| v.is_active() && v.slot == slot) {
                v.fade_out(fade);
            }
        }
    }

    /// Voices (sounding or fading) started from `slot`.
    pub fn slot_voices(&self, slot: u32) -> u32 {
        self.voices.iter().filter(|v| v.is_active() && v.slot == slot).count() as u32
    }

    /// Sets a slot parameter at once (outside `process`; for sample-accurate
    /// changes send a `SLOT_PARAM` event instead).
    pub fn slot_param(&mut self, slot: u32, id: u32, value: f32) -> i32 {
        let ramp = self.fade_frames(PARAM_RAMP_SECONDS);
        let Some(s) = self.slots.get_mut(slot as usize) else {
            return status::BAD_SLOT;
        };
        if !value.is_finite() {
            return status::BAD_PARAM;
        }
        match id {
            param::GAIN if (0.0..=16.0).contains(&value) => s.gain = value,
            param::PAN if (-1.0..=1.0).contains(&value) => s.pan = value,
            param::RELEASE if (0.001..=30.0).contains(&value) => s.release = value,
            param::INTERPOLATION if value == 0.0 => s.interp = Interpolation::Cubic,
            param::INTERPOLATION if value == 1.0 => s.interp = Interpolation::Linear,
            _ => return status::BAD_PARAM,
        }
        if id == param::GAIN || id == param::PAN {
            let amp = s.amp();
            for v in self.voices.iter_mut().filter(|v| v.is_active() && v.slot == slot) {
                v.set_amp(amp, ramp);
            }
        }
        status::OK
    }

    /// The telemetry written after the last call.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Voices sounding now.
    pub fn active_voices(&self) -> u32 {
        self.voices.iter().filter(|v| v.is_active()).count() as u32
    }

    fn fade_frames(&self, seconds: f32) -> u32 {
        ((seconds * self.sample_rate) as u32).max(1)
    }

    /// Renders `frames` frames into the output buffers, applying the
    /// `event_count` events in the queue at their frames.
    ///
    /// # Safety
    /// Every region published with `slot_load` and still read by a voice must
    /// be unchanged and inside `mem`; `init` must have succeeded on `mem`.
    pub unsafe fn process(&mut self, mem: &Memory, frames: u32, event_count: u32) -> u32 {
        let frames = frames.min(self.max_frames);
        // SAFETY: init checked that the I/O region is inside the memory; the
        // two output channels are distinct buffers.
        let (events, out_l, out_r) = unsafe { (mem.events(event_count), mem.out_channel(0, frames), mem.out_channel(1, frames)) };
        out_l.fill(0.0);
        out_r.fill(0.0);

        let mut next = 0;
        let mut cursor = 0u32;
        loop {
            while next < events.len() && events[next].frame <= cursor {
                self.apply(&events[next]);
                next += 1;
            }
            if cursor >= frames {
                break;
            }
            let end = events.get(next).map_or(frames, |e| e.frame.min(frames));
            let (a, b) = (cursor as usize, end as usize);
            for v in self.voices.iter_mut().filter(|v| v.is_active()) {
                // SAFETY: forwarded from the caller.
                unsafe { v.render(mem, &mut out_l[a..b], &mut out_r[a..b]) };
            }
            cursor = end;
        }
        // Events past the block end take effect at its end.
        for e in &events[next..] {
            self.apply(e);
        }

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
                for v in self.voices.iter_mut().filter(|v| v.stage == Stage::Sustain && v.gate && v.note_id == e.id) {
                    let release = ((self.slots.get(v.slot as usize).map_or(DEFAULT_RELEASE_SECONDS, |s| s.release)) * self.sample_rate) as u32;
                    v.fade_out(release);
                }
            }
            kind::CHOKE => {
                let fade = self.fade_frames(FADE_SECONDS);
                for v in self.voices.iter_mut().filter(|v| v.is_active() && v.slot == e.slot) {
                    v.fade_out(fade);
                }
            }
            kind::SLOT_PARAM => {
                if self.slot_param(e.slot, e.id, e.value) != status::OK {
                    self.header.events_ignored += 1;
                }
            }
            kind::ALL_NOTES_OFF => {
                for v in self.voices.iter_mut().filter(|v| v.stage == Stage::Sustain && v.gate) {
                    let release = ((self.slots.get(v.slot as usize).map_or(DEFAULT_RELEASE_SECONDS, |s| s.release)) * self.sample_rate) as u32;
                    v.fade_out(release);
                }
            }
            kind::ALL_SOUND_OFF => {
                let fade = self.fade_frames(FADE_SECONDS);
                for v in self.voices.iter_mut() {
                    v.fade_out(fade);
                }
            }
            _ => self.header.events_ignored += 1,
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
        let fade = self.fade_frames(FADE_SECONDS);

        // Polyphony limit: fade the oldest sustaining voice.
        let sustaining = self.voices.iter().filter(|v| v.stage == Stage::Sustain).count() as u32;
        if sustaining >= abi::POLYPHONY {
            let stamp = self.next_stamp;
            if let Some(v) = self
                .voices
                .iter_mut()
                .filter(|v| v.stage == Stage::Sustain)
                .max_by_key(|v| stamp.wrapping_sub(v.stamp))
            {
                v.fade_out(fade);
                self.header.voices_stolen += 1;
            }
        }
        // A free voice, or else the quietest fading one (nearly silent).
        let index = match self.voices.iter().position(|v| v.stage == Stage::Free) {
            Some(i) => i,
            None => {
                let mut best = 0;
                for (i, v) in self.voices.iter().enumerate() {
                    if v.stage == Stage::Fading && (self.voices[best].stage != Stage::Fading || v.env < self.voices[best].env) {
                        best = i;
                    }
                }
                best
            }
        };

        let amp = slot.amp();
        self.voices[index] = Voice {
            stage: Stage::Sustain,
            slot: e.slot,
            note_id: e.id,
            gate: e.flags & abi::FLAG_GATE != 0,
            stamp: self.next_stamp,
            data: slot.data,
            frames: slot.frames,
            channels: slot.channels,
            pos: 0.0,
            rate: e.rate,
            interp: slot.interp,
            velocity: e.value,
            env: 1.0,
            env_step: 0.0,
            amp,
            amp_target: amp,
            amp_step: [0.0; 2],
            ramp_left: 0,
        };
        self.next_stamp = self.next_stamp.wrapping_add(1);
        self.header.voices_started += 1;
    }
}
