//! The plain voice's loop four output frames at a time.
//!
//! A voice without filter or loop (most voices: one-shots and gated notes at
//! any pitch, envelope moving or not) spends its time reading taps and
//! weighting them. One frame at a time, the four taps of a cubic fill one
//! vector and the sum across its lanes costs shuffles per frame. Here the
//! scalar part (position, fraction, gains, envelope) still runs frame by
//! frame, exactly as in `Voice::render_loop`, but the reads of four frames
//! are transposed so that each vector holds one tap of four frames: the
//! weights, the products and the sums then run once per four frames, and
//! the mix into the outputs is one vector add per channel.
//!
//! Every lane does the operations the one-frame loop does for that frame,
//! in the same order, so the output is the same bits (checked by the tests
//! in `voice.rs` and the host's wasm = native and block-size tests). Frames
//! a batch cannot take (fraction 0, taps past the sample's edges, the last
//! frames of a block or of the voice) go through `Voice::read` one by one.

use crate::interp::{cubic4, cubic_weights4};
use crate::lanes::F4;
use crate::memory::{Memory, Stored};
use crate::motion::Motion;
use crate::voice::{Voice, CUBIC};

impl Voice {
    /// [`Voice::render`]'s loop for a voice without filter or loop, with the
    /// linear or cubic kernel (`K`), reading four frames at once where it
    /// can; `MOVING` as in `render_loop`. The same bits as `render_loop`.
    ///
    /// # Safety
    /// The voice's region must be one published with `slot_load` in format
    /// `S` and not freed.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    // Not inlined, for the reason `render_loop` gives.
    #[inline(never)]
    pub(crate) unsafe fn render_frames4<S: Stored, const CH: usize, const K: u8, const REV: bool, const MOVING: bool>(
        &mut self,
        mem: &Memory,
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        // The moving state in locals (guest/src/motion.rs says why).
        let voice = *self;
        let mut m = Motion::of(self);
        let (end, dir) = (self.frames as f64, voice.looping.dir);
        let velocity = voice.velocity * S::SCALE;
        let steady = m.gain(velocity);
        let frames = out_l.len().min(out_r.len());
        let mut ended = false;
        let mut done = 0;
        while done < frames && !ended {
            // Four frames at a time while nothing but the position and the
            // envelope moves (no fade, glide or pan ramp).
            if m.ramp_left == 0 && (!MOVING || (!m.fading && m.bend_left == 0)) {
                // SAFETY: forwarded from the caller.
                done += unsafe { voice.batches4::<S, CH, K, REV, MOVING>(mem, &mut m, (velocity, steady), &mut out_l[done..frames], &mut out_r[done..frames]) };
                if done == frames {
                    break;
                }
            }
            // The scalar part of up to four frames: where each reads and
            // with what gain per channel.
            let want = (frames - done).min(4);
            let (mut at, mut frac, mut gl, mut gr) = ([0i64; 4], [0.0f32; 4], [0.0f32; 4], [0.0f32; 4]);
            let mut got = 0;
            // A loop of constant trip count, so that the compiler unrolls it
            // and the arrays above live in registers (wasm locals), not in
            // the stack's memory.
            for _ in 0..4 {
                if got == want {
                    break;
                }
                if m.pos >= end {
                    ended = true;
                    break;
                }
                let i = m.pos as i64; // pos >= 0, so truncation is floor
                at[got] = i;
                frac[got] = (m.pos - i as f64) as f32;
                let g = if MOVING { m.gain(velocity) } else { steady };
                gl[got] = g * m.amp[0];
                gr[got] = g * m.amp[1];
                got += 1;
                if !m.advance::<MOVING>(&voice, dir) {
                    ended = true;
                    break;
                }
            }
            let (ol, or) = (&mut out_l[done..done + got], &mut out_r[done..done + got]);
            let (gl, gr) = (F4::new(gl[0], gl[1], gl[2], gl[3]), F4::new(gr[0], gr[1], gr[2], gr[3]));
            if got == 4 {
                // SAFETY: forwarded from the caller; 0 <= at[k] < frames
                // (checked against `end` above).
                unsafe { voice.mix4::<S, CH, K, REV>(mem, at, frac, (gl, gr), ol, or) };
            } else {
                // SAFETY: as above.
                unsafe { voice.mix_frames::<S, CH, K, REV>(mem, at, frac, (gl, gr), ol, or) };
            }
            done += got;
        }
        m.store(self, ended);
    }

    /// Renders four frames at a time into `out_l` and `out_r` while all
    /// four lie inside the sample and no envelope segment ends within
    /// them, for a voice whose only moving state is its position and its
    /// envelope (`m`; no fade, glide or pan ramp); returns the frames done,
    /// a multiple of 4. Each batch's positions and gains come without a
    /// branch per frame. `(velocity, steady)`: the velocity gain with the
    /// format's scale, and the gain of a voice whose envelope stands still.
    ///
    /// A function of its own, so that Cranelift allocates the registers
    /// of this loop apart from the rest of the voice's: inside
    /// `render_frames4` the loop spilled its state to the stack and
    /// reloaded it on every batch.
    ///
    /// # Safety
    /// As for [`Voice::render_frames4`].
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(never)]
    unsafe fn batches4<S: Stored, const CH: usize, const K: u8, const REV: bool, const MOVING: bool>(
        &self,
        mem: &Memory,
        motion: &mut Motion,
        (velocity, steady): (f32, f32),
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) -> usize {
        let mut m = *motion;
        let end = self.frames as f64;
        // A voice without a loop reads forward (its step is the rate times
        // the bend, both positive); checked once here, so that a batch's
        // positions rise from its first to its last (adding a non-negative
        // number never lowers a float) and those two bound all four.
        if m.step.is_nan() || m.step < 0.0 {
            return 0;
        }
        let mut done = 0;
        for (l4, r4) in out_l.chunks_exact_mut(4).zip(out_r.chunks_exact_mut(4)) {
            let (pos, step) = (m.pos, m.step);
            let p = [pos, pos + step, pos + step + step, pos + step + step + step];
            // 0 <= p[0] <= p[k] <= p[3] < end; a NaN fails the test.
            let levels = if !(p[0] >= 0.0 && p[3] < end) {
                None
            } else if !MOVING {
                Some(F4::splat(steady))
            } else if m.amp_env.moving() {
                m.amp_env.step4().map(|levels| F4::splat(velocity * m.env) * levels)
            } else {
                Some(F4::splat(m.gain(velocity)))
            };
            let Some(g) = levels else { break };
            m.pos = p[3] + step;
            // SAFETY: 0 <= p[k] < end <= u32::MAX (checked above), so each
            // is finite and its integer part fits; truncation is floor.
            // (The checked cast costs a saturating sequence in wasm.)
            let at = p.map(|x| unsafe { x.to_int_unchecked::<i64>() });
            let frac: [f32; 4] = core::array::from_fn(|k| (p[k] - at[k] as f64) as f32);
            let (gl, gr) = (g * F4::splat(m.amp[0]), g * F4::splat(m.amp[1]));
            // SAFETY: forwarded from the caller; 0 <= at[k] < frames.
            unsafe { self.mix4::<S, CH, K, REV>(mem, at, frac, (gl, gr), l4, r4) };
            done += 4;
        }
        *motion = m;
        done
    }

    /// Adds four frames to `out_l[..4]` and `out_r[..4]`: frame `k` read
    /// at integer frame `at[k]` plus fraction `frac[k]`, times lane `k` of
    /// the gains `(gl, gr)` (left, right). One vector read where every tap lies
    /// inside and no fraction is 0 (a 0 reads the sample itself), else
    /// frame by frame; the same bits either way.
    ///
    /// # Safety
    /// As for `Voice::read`, for every `at[k]`; the outputs hold 4 frames.
    #[inline(always)]
    unsafe fn mix4<S: Stored, const CH: usize, const K: u8, const REV: bool>(
        &self,
        mem: &Memory,
        at: [i64; 4],
        frac: [f32; 4],
        (gl, gr): (F4, F4),
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let tap_end = self.looping.tap_end;
        // The four positions move one way (the step keeps its sign, and
        // adding a non-negative number never lowers a float), so the
        // first and the last bound them.
        let (lo, hi) = (at[0].min(at[3]), at[0].max(at[3]));
        let t = F4::new(frac[0], frac[1], frac[2], frac[3]);
        let inside = lo >= 1 && hi + 2 < tap_end && !t.any_zero();
        match (inside, out_l.first_chunk_mut::<4>(), out_r.first_chunk_mut::<4>()) {
            (true, Some(l4), Some(r4)) => {
                // SAFETY: every tap lies inside the region (`inside`),
                // which the caller guarantees.
                let (sl, sr) = unsafe { self.read4::<S, CH, K, REV>(mem, at, t) };
                (sl * gl).add_to(l4);
                (sr * gr).add_to(r4);
            }
            // SAFETY: the caller's.
            _ => unsafe { self.mix_frames::<S, CH, K, REV>(mem, at, frac, (gl, gr), out_l, out_r) },
        }
    }

    /// [`mix4`](Self::mix4) frame by frame, with `Voice::read`, for as many
    /// frames as the outputs hold (up to 4), with per-frame gains: for
    /// frames whose taps reach past the sample's edges or whose fraction
    /// is 0, and for the last frames of a block or of the voice. Not inlined: it is rare, and inlined into the batch loop its
    /// four reads made Cranelift spill that loop's state on every batch.
    ///
    /// # Safety
    /// As for [`mix4`](Self::mix4).
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(never)]
    unsafe fn mix_frames<S: Stored, const CH: usize, const K: u8, const REV: bool>(
        &self,
        mem: &Memory,
        at: [i64; 4],
        frac: [f32; 4],
        (gl, gr): (F4, F4),
        out_l: &mut [f32],
        out_r: &mut [f32],
    ) {
        let (gl, gr) = (gl.to_array(), gr.to_array());
        for (k, (l, r)) in out_l.iter_mut().zip(out_r.iter_mut()).take(4).enumerate() {
            // SAFETY: the caller's.
            let (sl, sr) = unsafe { self.read::<S, CH, K, REV>(mem, at[k], frac[k]) };
            *l += sl * gl[k];
            *r += sr * gr[k];
        }
    }

    /// The interpolated raw values (left, right) of four frames: frame `k`
    /// at integer frame `at[k]` plus lane `k` of `t`, with the linear or
    /// cubic kernel (`K`); a mono sample gives the same vector twice. Lane
    /// `k` equals `Voice::read` of frame `k` bit for bit.
    ///
    /// # Safety
    /// As for `Voice::read`, and every tap (frames `at[k] - 1 ..= at[k] + 2`)
    /// inside the region.
    #[inline(always)]
    unsafe fn read4<S: Stored, const CH: usize, const K: u8, const REV: bool>(&self, mem: &Memory, at: [i64; 4], t: F4) -> (F4, F4) {
        // Frames i - 1 ..= i + 2 of the played order start in memory at
        // frame i - 1, or, reversed, at frame(i + 2) and run backwards.
        let first = |i: i64| if REV { self.frame_at::<REV>(i + 2) } else { (i - 1) as usize } * CH;
        // Taps y(-1), y(0), y(1), y(2), each across the four frames.
        let (l, r): ([F4; 4], [F4; 4]) = if CH == 2 {
            // SAFETY: the caller guarantees every tap lies in the region.
            let rows: [(F4, F4); 4] = core::array::from_fn(|k| unsafe { mem.samples8_raw::<S>(self.data, first(at[k])) });
            // Frame by frame: [l, r, l, r] of two taps, twice.
            let (a0, a1, a2, a3) = F4::transpose(rows[0].0, rows[1].0, rows[2].0, rows[3].0);
            let (b0, b1, b2, b3) = F4::transpose(rows[0].1, rows[1].1, rows[2].1, rows[3].1);
            if REV {
                ([b2, b0, a2, a0], [b3, b1, a3, a1])
            } else {
                ([a0, a2, b0, b2], [a1, a3, b1, b3])
            }
        } else {
            // SAFETY: as above.
            let rows: [F4; 4] = core::array::from_fn(|k| unsafe { mem.samples4_raw::<S>(self.data, first(at[k])) });
            let (c0, c1, c2, c3) = F4::transpose(rows[0], rows[1], rows[2], rows[3]);
            let y = if REV { [c3, c2, c1, c0] } else { [c0, c1, c2, c3] };
            (y, y)
        };
        if K == CUBIC {
            let w = cubic_weights4(t);
            let sl = cubic4(l, w);
            (sl, if CH == 2 { cubic4(r, w) } else { sl })
        } else {
            let sl = l[1] + (l[2] - l[1]) * t;
            (sl, if CH == 2 { r[1] + (r[2] - r[1]) * t } else { sl })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi;
    use crate::envelope::Envelope;
    use crate::interp::Kernel;
    use crate::looping::Looping;
    use crate::memory::{F32, I16};
    use crate::voice::Stage;
    use crate::voice::LINEAR;
    use std::vec;
    use std::vec::Vec;

    /// A region of `values` stored as `S` (f32 or i16) in a Vec, and its
    /// memory view.
    struct Region {
        bytes: Vec<u64>,
    }

    impl Region {
        fn new(values: &[f32], i16s: bool) -> Region {
            let mut raw = Vec::new();
            for &v in values {
                if i16s {
                    raw.extend_from_slice(&((v * 32767.0) as i16).to_le_bytes());
                } else {
                    raw.extend_from_slice(&v.to_le_bytes());
                }
            }
            let mut bytes = vec![0u64; raw.len().div_ceil(8)];
            // SAFETY: the Vec holds at least raw.len() bytes.
            unsafe { core::ptr::copy_nonoverlapping(raw.as_ptr(), bytes.as_mut_ptr().cast::<u8>(), raw.len()) };
            Region { bytes }
        }
        fn view(&mut self) -> Memory {
            // SAFETY: the Vec outlives the view and is not resized.
            unsafe { Memory::new(self.bytes.as_mut_ptr() as usize, self.bytes.len() * 8) }
        }
    }

    /// A voice over `frames` frames of `channels` at offset 0 with the
    /// given kernel, direction, rate and moving parts.
    fn voice(frames: u32, channels: u32, kernel: Kernel, reverse: bool, rate: f64, moving: bool) -> Voice {
        let mut v = Voice {
            stage: Stage::Sustain,
            data: 0,
            frames,
            channels,
            pos: 0.25,
            rate,
            interp: kernel,
            reverse,
            velocity: 0.8,
            env: 1.0,
            looping: Looping::none(frames),
            ..Voice::IDLE
        };
        v.set_amp([0.9, 0.4], 0);
        if moving {
            // A curved envelope for the mono voices, a straight one for the stereo.
            v.amp_env = Envelope::start(37, 5, 300, 0.5, if channels == 1 { 0.3 } else { 1.0 });
            v.set_amp([0.3, 0.7], 50); // a pan ramp
            v.glide_to(1.1, 90); // a bend glide (a ratio on the rate)
        }
        v
    }

    /// Renders `total` frames in blocks of `block` frames with the
    /// four-frame loop, or with the one-frame loop a frame at a time; a
    /// moving voice is released at frame 600 (its release segment, then its
    /// end).
    fn render<S: Stored, const CH: usize, const K: u8, const REV: bool, const MOVING: bool>(
        mut v: Voice,
        mem: &Memory,
        total: usize,
        block: usize,
        batched: bool,
    ) -> (Vec<f32>, Vec<f32>, Voice) {
        let (mut l, mut r) = (vec![0.125f32; total], vec![-0.5f32; total]);
        let release = if MOVING { 600 } else { total };
        for (from, to) in [(0, release), (release, total)] {
            if from == release && MOVING {
                v.release(200);
            }
            for (bl, br) in l[from..to].chunks_mut(block).zip(r[from..to].chunks_mut(block)) {
                if v.stage == Stage::Free {
                    break;
                }
                // SAFETY: the region lies in `mem` (Region::new).
                unsafe {
                    if batched {
                        v.render_frames4::<S, CH, K, REV, MOVING>(mem, bl, br);
                    } else {
                        v.render_loop::<S, CH, K, REV, MOVING, false, false>(mem, bl, br);
                    }
                }
            }
        }
        (l, r, v)
    }

    fn same_bits<S: Stored, const CH: usize, const K: u8, const REV: bool, const MOVING: bool>(i16s: bool) {
        let frames = 700u32;
        let values: Vec<f32> = (0..frames as usize * CH).map(|k| (k as f32 * 0.173).sin() * 0.9).collect();
        let mut region = Region::new(&values, i16s);
        let mem = region.view();
        let kernel = if K == CUBIC { Kernel::Cubic } else { Kernel::Linear };
        for &rate in &[44_100.0 / 48_000.0, 1.0, 0.5, 2.0 + 1.0 / 3.0, 0.999_9] {
            let v = voice(frames, CH as u32, kernel, REV, rate, MOVING);
            let (want_l, want_r, want_v) = render::<S, CH, K, REV, MOVING>(v, &mem, 2000, 1, false);
            for block in [1, 3, 4, 7, 64, 2000] {
                let (l, r, got_v) = render::<S, CH, K, REV, MOVING>(v, &mem, 2000, block, true);
                let what = format!("rate {rate}, block {block}, {CH} ch, kernel {K}, reverse {REV}, moving {MOVING}, i16 {i16s}");
                assert_eq!(l.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want_l.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), "left: {what}");
                assert_eq!(r.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want_r.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), "right: {what}");
                assert_eq!((got_v.stage, got_v.pos.to_bits(), got_v.env.to_bits()), (want_v.stage, want_v.pos.to_bits(), want_v.env.to_bits()), "{what}");
            }
            assert_eq!(want_v.stage, Stage::Free, "the voice played to its end: rate {rate}, pos {}, {CH} ch, K {K}, rev {REV}, moving {MOVING}", want_v.pos);
        }
    }

    fn every_variant<S: Stored>(i16s: bool) {
        same_bits::<S, 1, CUBIC, false, false>(i16s);
        same_bits::<S, 1, CUBIC, true, true>(i16s);
        same_bits::<S, 2, CUBIC, false, true>(i16s);
        same_bits::<S, 2, CUBIC, true, false>(i16s);
        same_bits::<S, 1, LINEAR, false, true>(i16s);
        same_bits::<S, 1, LINEAR, true, false>(i16s);
        same_bits::<S, 2, LINEAR, false, false>(i16s);
        same_bits::<S, 2, LINEAR, true, true>(i16s);
    }

    #[test]
    fn four_frames_at_once_give_the_one_frame_loops_bits_for_every_rate_block_size_and_variant() {
        every_variant::<F32>(false);
        every_variant::<I16>(true);
        assert_eq!(abi::format::F32, Voice::IDLE.format);
    }
}
