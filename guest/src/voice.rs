//! One playing voice: where it reads, how fast, how loud, and how it ends.
//!
//! A voice copies the slot's region (offset, frames, channels) when it starts,
//! so reloading or retiring the slot never changes what a sounding voice
//! reads; the host frees a region only once no voice reads it.

use crate::abi;
use crate::interp::{hermite, linear, Kernel};
use crate::memory::{Memory, Stored, F32, I16, I24, I8};

/// What the voice's envelope is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Not playing.
    Free,
    /// Playing at full level.
    Sustain,
    /// Fading out linearly to silence, then freed (release, steal, choke).
    Fading,
}

/// A voice. Plain data; `Sampler` owns a fixed array of them.
#[derive(Clone, Copy, Debug)]
pub struct Voice {
    pub stage: Stage,
    /// Guest slot that started it.
    pub slot: u32,
    /// Note id from the NOTE_ON event (for NOTE_OFF).
    pub note_id: u32,
    /// Gate voices end on note-off; one-shots play to the end.
    pub gate: bool,
    /// Start order, for oldest-first stealing.
    pub stamp: u32,
    /// Region of the sample data: byte offset, frames, channels (1 or 2)
    /// and storage format (`abi::format`).
    pub data: u32,
    pub frames: u32,
    pub channels: u32,
    pub format: u32,
    /// Read position in source frames.
    pub pos: f64,
    /// Source frames per output frame.
    pub rate: f64,
    pub interp: Kernel,
    /// Velocity gain (linear).
    pub velocity: f32,
    /// Envelope level 0..=1 and its per-frame decrement while fading.
    pub env: f32,
    pub env_step: f32,
    /// Channel gains from slot gain and pan, ramped to their targets.
    pub amp: [f32; 2],
    pub amp_target: [f32; 2],
    pub amp_step: [f32; 2],
    pub ramp_left: u32,
}

impl Voice {
    /// A free voice.
    pub const IDLE: Voice = Voice {
        stage: Stage::Free,
        slot: 0,
        note_id: 0,
        gate: false,
        stamp: 0,
        data: 0,
        frames: 0,
        channels: 1,
        format: abi::format::F32,
        pos: 0.0,
        rate: 1.0,
        interp: Kernel::Cubic,
        velocity: 0.0,
        env: 0.0,
        env_step: 0.0,
        amp: [0.0; 2],
        amp_target: [0.0; 2],
        amp_step: [0.0; 2],
        ramp_left: 0,
    };

    /// Whether the voice is sounding (including fading).
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.stage != Stage::Free
    }

    /// Starts fading to silence over `frames` output frames (at least 1).
    /// A voice already fading keeps the faster of the two fades.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn fade_out(&mut self, frames: u32) {
        if self.stage == Stage::Free {
            return;
        }
        let step = self.env / frames.max(1) as f32;
        if self.stage != Stage::Fading || step > self.env_step {
            self.env_step = step;
        }
        self.stage = Stage::Fading;
    }

    /// Moves the channel gains to `target` over `ramp` frames (0 = at once).
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn set_amp(&mut self, target: [f32; 2], ramp: u32) {
        self.amp_target = target;
        if ramp == 0 {
            self.amp = target;
            self.ramp_left = 0;
        } else {
            self.amp_step = [(target[0] - self.amp[0]) / ramp as f32, (target[1] - self.amp[1]) / ramp as f32];
            self.ramp_left = ramp;
        }
    }

    /// Reads channel `ch` at integer frame `i` (0 outside the sample).
    ///
    /// # Safety
    /// The voice's region must be one published with `slot_load` and not freed.
    #[inline(always)]
    unsafe fn at<S: Stored, const CH: usize>(&self, mem: &Memory, i: i64, ch: usize) -> f32 {
        if i < 0 || i >= self.frames as i64 {
            return 0.0;
        }
        // SAFETY: 0 <= i < frames and ch < channels, so the index lies in the region.
        unsafe { mem.sample::<S>(self.data, i as usize * CH + ch) }
    }

    /// Source value of channel `ch` at integer frame `i` plus fraction `t`.
    /// `t == 0` returns the sample itself (the neutral rule). Positions with
    /// all taps inside the sample skip the per-tap bounds checks.
    ///
    /// # Safety
    /// As for [`Voice::at`]; `0 <= i < frames`.
    #[inline(always)]
    unsafe fn read<S: Stored, const CH: usize, const CUBIC: bool>(&self, mem: &Memory, i: i64, t: f32, ch: usize) -> f32 {
        // SAFETY: 0 <= i < frames (caller), and the interior branch checks
        // that every tap i-1..=i+2 lies inside the region.
        unsafe {
            if t == 0.0 {
                return mem.sample::<S>(self.data, i as usize * CH + ch);
            }
            if i >= 1 && i + 2 < self.frames as i64 {
                // Raw taps, one scale after: the same bits as scaling each
                // tap (the scale is a power of two), three multiplies fewer.
                let base = (i as usize - 1) * CH + ch;
                let y = |k: usize| mem.sample_raw::<S>(self.data, base + k * CH);
                return if CUBIC { hermite(y(0), y(1), y(2), y(3), t) } else { linear(y(1), y(2), t) } * S::SCALE;
            }
            if CUBIC {
                hermite(self.at::<S, CH>(mem, i - 1, ch), self.at::<S, CH>(mem, i, ch), self.at::<S, CH>(mem, i + 1, ch), self.at::<S, CH>(mem, i + 2, ch), t)
            } else {
                linear(self.at::<S, CH>(mem, i, ch), self.at::<S, CH>(mem, i + 1, ch), t)
            }
        }
    }

    /// Adds `out_l.len()` frames of this voice to the outputs. Frees the voice
    /// when the sample or its fade ends.
    ///
    /// # Safety
    /// As for [`Voice::at`].
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub unsafe fn render(&mut self, mem: &Memory, out_l: &mut [f32], out_r: &mut [f32]) {
        // SAFETY: forwarded from the caller; the format is the region's.
        unsafe {
            match self.format {
                abi::format::I16 => self.render_as::<I16>(mem, out_l, out_r),
                abi::format::I24 => self.render_as::<I24>(mem, out_l, out_r),
                abi::format::I8 => self.render_as::<I8>(mem, out_l, out_r),
                _ => self.render_as::<F32>(mem, out_l, out_r),
            }
        }
    }

    /// [`Voice::render`] for samples stored as `S`: one loop per channel
    /// count and kernel, so the per-sample work has no branches on either.
    ///
    /// # Safety
    /// As for [`Voice::at`], with the region in format `S`.
    #[inline(always)]
    unsafe fn render_as<S: Stored>(&mut self, mem: &Memory, out_l: &mut [f32], out_r: &mut [f32]) {
        // SAFETY: forwarded from the caller.
        unsafe {
            match (self.channels == 2, self.interp == Kernel::Cubic) {
                (false, true) => self.render_with::<S, 1, true>(mem, out_l, out_r),
                (false, false) => self.render_with::<S, 1, false>(mem, out_l, out_r),
                (true, true) => self.render_with::<S, 2, true>(mem, out_l, out_r),
                (true, false) => self.render_with::<S, 2, false>(mem, out_l, out_r),
            }
        }
    }

    /// [`Voice::render`] for `S` samples, `CH` channels and one kernel.
    ///
    /// # Safety
    /// As for [`Voice::at`].
    #[inline(always)]
    unsafe fn render_with<S: Stored, const CH: usize, const CUBIC: bool>(&mut self, mem: &Memory, out_l: &mut [f32], out_r: &mut [f32]) {
        for (l, r) in out_l.iter_mut().zip(out_r.iter_mut()) {
            if self.pos >= self.frames as f64 {
                self.stage = Stage::Free;
                return;
            }
            let i = self.pos as i64; // pos >= 0, so truncation is floor
            let t = (self.pos - i as f64) as f32;
            // SAFETY: forwarded from the caller; 0 <= i < frames (checked above).
            let (sl, sr) = unsafe {
                let a = self.read::<S, CH, CUBIC>(mem, i, t, 0);
                if CH == 2 {
                    (a, self.read::<S, CH, CUBIC>(mem, i, t, 1))
                } else {
                    (a, a)
                }
            };
            let g = self.velocity * self.env;
            *l += sl * (g * self.amp[0]);
            *r += sr * (g * self.amp[1]);

            self.pos += self.rate;
            if self.ramp_left > 0 {
                self.ramp_left -= 1;
                if self.ramp_left == 0 {
                    self.amp = self.amp_target;
                } else {
                    self.amp[0] += self.amp_step[0];
                    self.amp[1] += self.amp_step[1];
                }
            }
            if self.stage == Stage::Fading {
                self.env -= self.env_step;
                if self.env <= 0.0 {
                    self.stage = Stage::Free;
                    return;
                }
            }
        }
    }
}
