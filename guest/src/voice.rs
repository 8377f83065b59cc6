//! One playing voice: where it reads, how fast, how loud, and how it ends.
//!
//! A voice copies the slot's region (offset, frames, channels) when it starts,
//! so reloading or retiring the slot never changes what a sounding voice
//! reads; the host frees a region only once no voice reads it.

use crate::abi;
use crate::envelope::Envelope;
use crate::filter::Filter;
use crate::interp::{cubic_mono, cubic_pair, cubic_weights, linear, linear_pair, sinc_weights, Kernel, SINC_TAPS};
use crate::lanes::F4;
use crate::looping::Looping;
use crate::memory::{Memory, Stored, F32, I16, I24, I8};
use crate::motion::Motion;

/// The kernels as the loops' const parameter `K`.
pub(crate) const LINEAR: u8 = 0;
pub(crate) const CUBIC: u8 = 1;
pub(crate) const SINC: u8 = 2;

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
    /// Guest slot that started it, the pad that slot belongs to, and the
    /// output bus it plays into.
    pub slot: u32,
    pub pad: u32,
    pub bus: u32,
    /// Note id from the NOTE_ON event (for NOTE_OFF).
    pub note_id: u32,
    /// Gate voices end on note-off; one-shots play to the end.
    pub gate: bool,
    /// Start order, for oldest-first stealing.
    pub stamp: u32,
    /// The sampler's frame clock when it started (its age, for stealing).
    pub born: u32,
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
    /// Reads the region from its last frame to its first.
    pub reverse: bool,
    /// Pitch-bend ratio on the rate (1 = none), its per-frame step while
    /// gliding and the frames of glide left.
    pub bend: f64,
    pub bend_step: f64,
    pub bend_left: u32,
    pub bend_target: f64,
    /// Velocity gain (linear).
    pub velocity: f32,
    /// Fade level 0..=1 and its per-frame decrement while fading (steal,
    /// choke, retire: a straight 5 ms fade over whatever the envelope does).
    pub env: f32,
    pub env_step: f32,
    /// The amp envelope (attack, hold, decay, sustain, release).
    pub amp_env: Envelope,
    /// The filter, and the note's key offset and velocity it tracks.
    pub filter: Filter,
    pub key: f32,
    pub key_velocity: f32,
    /// The loop (or none), in played order.
    pub looping: Looping,
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
        pad: 0,
        bus: 0,
        note_id: 0,
        gate: false,
        stamp: 0,
        born: 0,
        data: 0,
        frames: 0,
        channels: 1,
        format: abi::format::F32,
        pos: 0.0,
        rate: 1.0,
        interp: Kernel::Cubic,
        reverse: false,
        bend: 1.0,
        bend_step: 0.0,
        bend_left: 0,
        bend_target: 1.0,
        velocity: 0.0,
        env: 0.0,
        env_step: 0.0,
        amp_env: Envelope::FLAT,
        filter: Filter::OFF,
        key: 0.0,
        key_velocity: 1.0,
        looping: Looping::none(0),
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

    /// How loud the voice is now, all gains counted: velocity, fade,
    /// envelope and the louder channel's gain (what a steal, and the reuse
    /// of a fading voice, compare).
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn level(&self) -> f32 {
        self.velocity * self.env * self.amp_env.level * self.amp[0].max(self.amp[1])
    }

    /// Starts the envelope's release over `frames` output frames: a gate
    /// voice's note-off. The voice counts as fading from now on.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn release(&mut self, frames: u32) {
        if self.stage != Stage::Free {
            self.amp_env.release(frames);
            self.looping.release(self.frames);
            self.stage = Stage::Fading;
        }
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

    /// Glides the pitch-bend ratio to `target` over `frames` (at least 1);
    /// the last frame lands on `target` exactly.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn glide_to(&mut self, target: f64, frames: u32) {
        let frames = frames.max(1);
        self.bend_step = (target - self.bend) / frames as f64;
        self.bend_left = frames;
        self.bend_target = target;
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

    /// The raw (unscaled) value of channel `ch` at integer frame `i`, 0
    /// outside the sample.
    ///
    /// # Safety
    /// The voice's region must be one published with `slot_load` and not freed.
    #[inline(always)]
    unsafe fn raw_at<S: Stored, const CH: usize, const REV: bool>(&self, mem: &Memory, i: i64, ch: usize) -> f32 {
        // Past a loop's end, the frame the loop plays there.
        let i = if i >= self.looping.tap_end { self.looping.tap(i) } else { i };
        if i < 0 || i >= self.frames as i64 {
            return 0.0;
        }
        // SAFETY: 0 <= i < frames and ch < channels, so the index (mirrored
        // or not) lies in the region.
        unsafe { mem.sample_raw::<S>(self.data, self.frame_at::<REV>(i) * CH + ch) }
    }

    /// Where frame `i` of the played order lies in the region: `i`, or
    /// counted from the end when reversed. `0 <= i < frames`.
    #[inline(always)]
    pub(crate) fn frame_at<const REV: bool>(&self, i: i64) -> usize {
        if REV {
            (self.frames as i64 - 1 - i) as usize
        } else {
            i as usize
        }
    }

    /// Four raw values from frame `i`, with 0 outside the sample: frames
    /// `i..i + 4` of a mono sample, frames `i, i + 1` of a stereo one (left,
    /// right, left, right). The edge-of-sample counterpart of one vector load.
    ///
    /// # Safety
    /// As for [`Voice::raw_at`].
    #[inline(always)]
    unsafe fn raw4<S: Stored, const CH: usize, const REV: bool>(&self, mem: &Memory, i: i64) -> F4 {
        // SAFETY: forwarded; raw_at checks each index.
        unsafe {
            let v = |k: i64| self.raw_at::<S, CH, REV>(mem, i + k / CH as i64, k as usize % CH);
            F4::new(v(0), v(1), v(2), v(3))
        }
    }

    /// Raw source values (left, right) at integer frame `i` plus fraction
    /// `t`, before the format's scale; a mono sample gives the same value
    /// twice. `t == 0` returns the samples themselves (the neutral rule).
    /// Where every tap lies inside the sample the taps come from vector
    /// loads (f32 and 16-bit samples); at the edges they are gathered one by
    /// one with zeros outside.
    ///
    /// # Safety
    /// As for [`Voice::raw_at`]; `0 <= i < frames`.
    #[inline(always)]
    pub(crate) unsafe fn read<S: Stored, const CH: usize, const K: u8, const REV: bool>(&self, mem: &Memory, i: i64, t: f32) -> (f32, f32) {
        // SAFETY: 0 <= i < frames (caller); the `inside` tests check that
        // every tap a vector load reads lies inside the region (the tests are
        // symmetric, so they hold for the mirrored frames too).
        unsafe {
            if t == 0.0 {
                let at = self.frame_at::<REV>(i) * CH;
                let l = mem.sample_raw::<S>(self.data, at);
                return (l, if CH == 2 { mem.sample_raw::<S>(self.data, at + 1) } else { l });
            }
            // Vector loads only where no tap reaches the loop's end (or the
            // sample's); the gathered path maps those taps.
            let frames = self.looping.tap_end;
            if K == SINC {
                let w = sinc_weights(t);
                let first = i - (SINC_TAPS as i64 / 2 - 1);
                let (mut l, mut r) = (0.0f32, 0.0f32);
                if first >= 0 && first + SINC_TAPS as i64 <= frames {
                    for (k, &wk) in w.iter().enumerate() {
                        let at = self.frame_at::<REV>(first + k as i64) * CH;
                        l += wk * mem.sample_raw::<S>(self.data, at);
                        if CH == 2 {
                            r += wk * mem.sample_raw::<S>(self.data, at + 1);
                        }
                    }
                } else {
                    for (k, &wk) in w.iter().enumerate() {
                        l += wk * self.raw_at::<S, CH, REV>(mem, first + k as i64, 0);
                        if CH == 2 {
                            r += wk * self.raw_at::<S, CH, REV>(mem, first + k as i64, 1);
                        }
                    }
                }
                (l, if CH == 2 { r } else { l })
            } else if K == CUBIC {
                let w = cubic_weights(t);
                let inside = i >= 1 && i + 2 < frames;
                // The taps are frames i - 1 ..= i + 2 of the played order;
                // reversed, they lie in memory from frame(i + 2) up, and
                // the loaded lanes are put back in played order. Only asked
                // when `inside` (at the edges those frames do not exist).
                let first = || if REV { self.frame_at::<REV>(i + 2) } else { (i - 1) as usize } * CH;
                if CH == 2 {
                    let (a, b) = if !inside {
                        (self.raw4::<S, CH, REV>(mem, i - 1), self.raw4::<S, CH, REV>(mem, i + 1))
                    } else if REV {
                        let (a, b) = mem.samples8_raw::<S>(self.data, first());
                        (b.swap_halves(), a.swap_halves())
                    } else {
                        mem.samples8_raw::<S>(self.data, first())
                    };
                    cubic_pair(a, b, w).low_pair()
                } else {
                    let y = if !inside {
                        self.raw4::<S, CH, REV>(mem, i - 1)
                    } else if REV {
                        mem.samples4_raw::<S>(self.data, first()).reversed()
                    } else {
                        mem.samples4_raw::<S>(self.data, first())
                    };
                    let v = cubic_mono(y, w);
                    (v, v)
                }
            } else if CH == 2 {
                let v = if i + 1 >= frames {
                    self.raw4::<S, CH, REV>(mem, i)
                } else if REV {
                    mem.samples4_raw::<S>(self.data, self.frame_at::<REV>(i + 1) * 2).swap_halves()
                } else {
                    mem.samples4_raw::<S>(self.data, i as usize * 2)
                };
                linear_pair(v, t).low_pair()
            } else {
                let v = linear(self.raw_at::<S, CH, REV>(mem, i, 0), self.raw_at::<S, CH, REV>(mem, i + 1, 0), t);
                (v, v)
            }
        }
    }

    /// Adds `out_l.len()` frames of this voice to the outputs. Frees the voice
    /// when the sample or its fade ends.
    ///
    /// # Safety
    /// As for [`Voice::raw_at`].
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
    /// count, kernel and direction, so the per-sample work has no branches
    /// on any of them.
    ///
    /// # Safety
    /// As for [`Voice::raw_at`], with the region in format `S`.
    #[inline(always)]
    unsafe fn render_as<S: Stored>(&mut self, mem: &Memory, out_l: &mut [f32], out_r: &mut [f32]) {
        // SAFETY: forwarded from the caller.
        unsafe {
            match (self.interp, self.reverse) {
                (Kernel::Cubic, false) => self.render_channels::<S, CUBIC, false>(mem, out_l, out_r),
                (Kernel::Linear, false) => self.render_channels::<S, LINEAR, false>(mem, out_l, out_r),
                (Kernel::Sinc, false) => self.render_channels::<S, SINC, false>(mem, out_l, out_r),
                (Kernel::Cubic, true) => self.render_channels::<S, CUBIC, true>(mem, out_l, out_r),
                (Kernel::Linear, true) => self.render_channels::<S, LINEAR, true>(mem, out_l, out_r),
                (Kernel::Sinc, true) => self.render_channels::<S, SINC, true>(mem, out_l, out_r),
            }
        }
    }

    /// [`Voice::render_as`] for one kernel `K` and direction: one loop per
    /// channel count.
    ///
    /// # Safety
    /// As for [`Voice::raw_at`], with the region in format `S`.
    #[inline(always)]
    unsafe fn render_channels<S: Stored, const K: u8, const REV: bool>(&mut self, mem: &Memory, out_l: &mut [f32], out_r: &mut [f32]) {
        // SAFETY: forwarded from the caller.
        unsafe {
            if self.channels == 2 {
                self.render_with::<S, 2, K, REV>(mem, out_l, out_r)
            } else {
                self.render_with::<S, 1, K, REV>(mem, out_l, out_r)
            }
        }
    }

    /// [`Voice::render`] for `S` samples, `CH` channels and one kernel;
    /// the per-frame work of a moving level (envelope, fade) or pitch (bend
    /// glide) is compiled in only when one moves. What does not move at the
    /// start of a call (sustain or the neutral settings, no fade, no glide)
    /// cannot start moving before the call ends: that takes an event, and
    /// events fall between calls.
    ///
    /// # Safety
    /// As for [`Voice::raw_at`].
    #[inline(always)]
    unsafe fn render_with<S: Stored, const CH: usize, const K: u8, const REV: bool>(&mut self, mem: &Memory, out_l: &mut [f32], out_r: &mut [f32]) {
        // SAFETY: forwarded from the caller.
        unsafe {
            // Filters and loops take the full loop; the plain voices keep a
            // loop without their per-frame checks, which reads four frames
            // at once for the linear and cubic kernels (guest/src/frames4.rs).
            if self.filter.on() {
                self.render_loop::<S, CH, K, REV, true, true, true>(mem, out_l, out_r)
            } else if self.looping.mode != crate::abi::looping::OFF {
                self.render_loop::<S, CH, K, REV, true, false, true>(mem, out_l, out_r)
            } else if self.amp_env.moving() || (self.stage == Stage::Fading && self.env_step > 0.0) || self.bend_left > 0 {
                if K == SINC {
                    self.render_loop::<S, CH, K, REV, true, false, false>(mem, out_l, out_r)
                } else {
                    self.render_frames4::<S, CH, K, REV, true>(mem, out_l, out_r)
                }
            } else if K == SINC {
                self.render_loop::<S, CH, K, REV, false, false, false>(mem, out_l, out_r)
            } else {
                self.render_frames4::<S, CH, K, REV, false>(mem, out_l, out_r)
            }
        }
    }

    /// The per-frame loop of [`Voice::render_with`]; `MOVING`: the envelope,
    /// the fade or the bend moves. Both variants compute the gain with the same
    /// expression, so a voice sounds the same bits whichever runs
    /// (block-size invariance). `FILTER` (always with `MOVING`): the
    /// filter runs after the gain and before the channel gains (pan), so
    /// the envelope's edges pass through it as they would through a
    /// filter after a VCA. `LOOP` (with `MOVING`): the read position's
    /// range is the loop's (guest/src/looping.rs) and a crossfade may run;
    /// without it the voice ends at its window's end.
    ///
    /// # Safety
    /// As for [`Voice::raw_at`].
    // One function per variant: inlined, the variants made `process` one
    // wasm function of 130 000 instructions; apart, each is a few thousand
    // and Cranelift allocates registers for each loop on its own.
    #[inline(never)]
    pub(crate) unsafe fn render_loop<S: Stored, const CH: usize, const K: u8, const REV: bool, const MOVING: bool, const FILTER: bool, const LOOP: bool>(
        &mut self,
        mem: &Memory,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        // The moving state in locals (guest/src/motion.rs says why).
        let voice = *self;
        let mut m = Motion::of(self);
        let mut filter = self.filter;
        let mut looping = self.looping;
        let (loop_len, end) = (looping.end - looping.start, self.frames as f64);
        // Samples are read raw and the format's scale (a power of two) rides
        // on the velocity gain: scaling by a power of two is exact, so this
        // gives the bits of scaling every sample, for no multiply per frame.
        let velocity = voice.velocity * S::SCALE;
        let steady = m.gain(velocity);
        let mut ended = false;
        for (l, r) in out_l.iter_mut().zip(out_r.iter_mut()) {
            if !LOOP {
                if m.pos >= end {
                    ended = true;
                    break;
                }
            } else if m.pos >= looping.hi || m.pos < looping.lo {
                // The end of the sample, or a loop's turn.
                if !looping.cross(&mut m.pos) {
                    ended = true;
                    break;
                }
                m.step = voice.rate * m.bend * looping.dir;
            }
            let pos = m.pos;
            let i = pos as i64; // pos >= 0, so truncation is floor
            let t = (pos - i as f64) as f32;
            // SAFETY: forwarded from the caller; 0 <= i < frames (checked above).
            let (mut sl, mut sr) = unsafe { voice.read::<S, CH, K, REV>(mem, i, t) };
            if LOOP && pos >= looping.fade_from {
                // A forward loop's crossfade: toward the frames one loop
                // length earlier (fade <= start: they lie in the sample).
                let back = pos - loop_len;
                let j = back as i64;
                // SAFETY: 0 <= back < frames (the slot cut the fade to the loop's start).
                let (bl, br) = unsafe { voice.read::<S, CH, K, REV>(mem, j, (back - j as f64) as f32) };
                let w = ((pos - looping.fade_from) * looping.fade_scale) as f32;
                sl += (bl - sl) * w;
                sr += (br - sr) * w;
            }
            let g = if MOVING { m.gain(velocity) } else { steady };
            if FILTER {
                let (fl, fr) = filter.tick::<CH>(sl * g, sr * g);
                filter.control(m.amp_env.level);
                *l += fl * m.amp[0];
                *r += fr * m.amp[1];
            } else {
                *l += sl * (g * m.amp[0]);
                *r += sr * (g * m.amp[1]);
            }
            if !m.advance::<MOVING>(&voice, looping.dir) {
                ended = true;
                break;
            }
        }
        m.store(self, ended);
        if FILTER {
            self.filter = filter;
        }
        self.looping = looping;
    }
}
