//! The amp envelope of a voice: attack, hold, decay, sustain, release.
//!
//! Each moving segment goes from one level to another over a whole number
//! of output frames. At frame `n` of a segment `len` frames long the level
//! is `from + (to - from) * f(n / len)`, with the segment shape
//! `f(p) = p / (p + c (1 - p))` (`c` = the slot's curve; `c = 1` is exactly
//! `f(p) = p`, a straight line). The segment's last frame is `n = len - 1`;
//! the next segment starts at its own `from`, which is this one's `to`:
//!
//! - attack: 0 → 1, then hold: 1 for its frames;
//! - decay: 1 → sustain, then sustain: the sustain level until note-off;
//! - release (note-off of a gate voice): the level at note-off → 0.
//!
//! A segment of 0 frames is skipped. A sustain level of 0 ends the voice
//! when the decay reaches it, as does the end of the release. With attack
//! and hold 0 and sustain 1 (the defaults) the level is exactly 1.0 from
//! the first frame and never moves: the neutral path stays bit-exact.

use crate::lanes::F4;

/// Where the envelope is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment {
    Attack,
    Hold,
    Decay,
    /// Constant at the sustain level.
    Sustain,
    Release,
    /// Reached silence: the voice ends.
    Done,
}

/// The envelope's state. Plain data, copied with the voice.
#[derive(Clone, Copy, Debug)]
pub struct Envelope {
    pub segment: Segment,
    /// The level this frame, 0..=1.
    pub level: f32,
    from: f32,
    to: f32,
    /// Frames done in this segment and its length.
    done: u32,
    len: u32,
    /// `1 / len`.
    inv_len: f32,
    /// The shape constant `c`.
    curve: f32,
    hold: u32,
    decay: u32,
    sustain: f32,
}

impl Envelope {
    /// An envelope at its sustain level 1, not moving (a voice before it
    /// starts).
    pub const FLAT: Envelope =
        Envelope { segment: Segment::Sustain, level: 1.0, from: 1.0, to: 1.0, done: 0, len: 0, inv_len: 0.0, curve: 1.0, hold: 0, decay: 0, sustain: 1.0 };

    /// A new envelope at its first frame: segment lengths in frames, the
    /// sustain level (0..=1) and the shape constant.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn start(attack: u32, hold: u32, decay: u32, sustain: f32, curve: f32) -> Envelope {
        let mut e = Envelope { hold, decay, sustain, curve, ..Envelope::FLAT };
        e.enter(Segment::Attack, 0.0, 1.0, attack);
        e
    }

    /// Whether the level changes from frame to frame.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub fn moving(&self) -> bool {
        self.segment != Segment::Sustain
    }

    /// Starts the release: from the level now to 0 over `frames`.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn release(&mut self, frames: u32) {
        if self.segment != Segment::Done {
            self.enter(Segment::Release, self.level, 0.0, frames);
        }
    }

    /// Moves to the next frame.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub fn advance(&mut self) {
        match self.segment {
            Segment::Sustain | Segment::Done => {}
            _ => {
                self.done += 1;
                if self.done >= self.len {
                    self.next();
                } else if self.segment != Segment::Hold {
                    self.level = self.from + (self.to - self.from) * self.shape(self.done as f32 * self.inv_len);
                }
            }
        }
    }

    /// The levels of this frame and the next three, and the envelope moved
    /// past them as four [`advance`](Self::advance)s move it; `None`
    /// (nothing moved) when a segment ends within them or the envelope
    /// does not move. Lane `k` is the level `advance` gives frame `k`, bit
    /// for bit: the same operations per lane.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub fn step4(&mut self) -> Option<F4> {
        if self.done + 4 >= self.len {
            return None;
        }
        let levels = match self.segment {
            Segment::Hold => F4::splat(self.level),
            Segment::Attack | Segment::Decay | Segment::Release => {
                let d = self.done;
                // d < len <= i32::MAX (`enter`).
                let p = F4::counting_from(d as i32) * F4::splat(self.inv_len);
                let shaped = if self.curve == 1.0 { p } else { p / (p + F4::splat(self.curve) * (F4::splat(1.0) - p)) };
                let levels = (F4::splat(self.from) + F4::splat(self.to - self.from) * shaped).with_first(self.level);
                self.level = self.from + (self.to - self.from) * self.shape((d + 4) as f32 * self.inv_len);
                levels
            }
            Segment::Sustain | Segment::Done => return None,
        };
        self.done += 4;
        Some(levels)
    }

    /// `f(p)` for this envelope's curve.
    #[inline(always)]
    fn shape(&self, p: f32) -> f32 {
        if self.curve == 1.0 {
            p
        } else {
            p / (p + self.curve * (1.0 - p))
        }
    }

    /// The segment after the current one has ended.
    fn next(&mut self) {
        match self.segment {
            Segment::Attack => self.enter(Segment::Hold, 1.0, 1.0, self.hold),
            // A decay to 1 changes nothing: straight to sustain.
            Segment::Hold => self.enter(Segment::Decay, 1.0, self.sustain, if self.sustain == 1.0 { 0 } else { self.decay }),
            Segment::Decay => self.enter(Segment::Sustain, self.sustain, self.sustain, 0),
            Segment::Release | Segment::Sustain | Segment::Done => self.enter(Segment::Done, 0.0, 0.0, 0),
        }
    }

    /// Enters `segment` going `from` → `to` over `len` frames; a segment of
    /// no frames is passed straight through. Lengths are capped at
    /// `i32::MAX` frames (11 hours at 48 kHz; only an absurd sample rate
    /// reaches it), which [`step4`](Self::step4) counts in i32 lanes.
    fn enter(&mut self, segment: Segment, from: f32, to: f32, len: u32) {
        let len = len.min(i32::MAX as u32);
        (self.segment, self.from, self.to, self.done, self.len) = (segment, from, to, 0, len);
        self.level = from;
        match segment {
            Segment::Sustain if to == 0.0 => self.enter(Segment::Done, 0.0, 0.0, 0),
            Segment::Sustain | Segment::Done => {}
            _ if len == 0 => self.next(),
            _ => self.inv_len = 1.0 / len as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(e: &mut Envelope, frames: usize) {
        for _ in 0..frames {
            e.advance();
        }
    }

    #[test]
    fn neutral_settings_hold_exactly_one_from_the_first_frame() {
        let mut e = Envelope::start(0, 0, 24_000, 1.0, 1.0);
        assert_eq!((e.segment, e.level), (Segment::Sustain, 1.0));
        assert!(!e.moving());
        run(&mut e, 1_000);
        assert_eq!(e.level, 1.0);
    }

    #[test]
    fn linear_segments_hit_their_levels_at_each_boundary() {
        // Attack 100 frames, hold 50, decay 200 to 0.25.
        let mut e = Envelope::start(100, 50, 200, 0.25, 1.0);
        assert_eq!((e.segment, e.level), (Segment::Attack, 0.0));
        run(&mut e, 50);
        assert_eq!(e.level, 0.5, "half way up");
        run(&mut e, 50);
        assert_eq!((e.segment, e.level), (Segment::Hold, 1.0), "the top at frame 100");
        run(&mut e, 50);
        assert_eq!((e.segment, e.level), (Segment::Decay, 1.0));
        run(&mut e, 100);
        assert_eq!(e.level, 0.625, "half way down to 0.25");
        run(&mut e, 100);
        assert_eq!((e.segment, e.level), (Segment::Sustain, 0.25));
        e.release(10);
        assert_eq!((e.segment, e.level), (Segment::Release, 0.25));
        run(&mut e, 5);
        assert_eq!(e.level, 0.125);
        run(&mut e, 5);
        assert_eq!((e.segment, e.level), (Segment::Done, 0.0));
    }

    #[test]
    fn a_curve_below_one_moves_fast_first_and_above_one_slow_first() {
        for (c, fast_first) in [(0.25f32, true), (4.0, false)] {
            let mut e = Envelope::start(0, 0, 1_000, 0.0, c);
            run(&mut e, 500);
            // f(1/2) = 1 / (1 + c): the decay has fallen 80% or 20% of the way.
            let expected = 1.0 - 1.0 / (1.0 + c);
            assert!((e.level - expected).abs() < 1e-6, "c {c}: {} vs {expected}", e.level);
            assert_eq!(e.level < 0.5, fast_first, "c {c}");
            run(&mut e, 500);
            assert_eq!(e.segment, Segment::Done, "sustain 0 ends the voice");
        }
    }

    #[test]
    fn release_during_the_attack_starts_from_the_level_reached() {
        let mut e = Envelope::start(1_000, 0, 0, 1.0, 1.0);
        run(&mut e, 300);
        let at = e.level;
        assert!((at - 0.3).abs() < 1e-6);
        e.release(100);
        assert_eq!(e.level, at);
        run(&mut e, 100);
        assert_eq!(e.segment, Segment::Done);
    }

    #[test]
    fn empty_segments_are_skipped_and_a_zero_release_ends_at_once() {
        let mut e = Envelope::start(0, 0, 0, 0.5, 1.0);
        assert_eq!((e.segment, e.level), (Segment::Sustain, 0.5));
        e.release(0);
        assert_eq!((e.segment, e.level), (Segment::Done, 0.0));
        assert_eq!(Envelope::start(0, 0, 0, 0.0, 1.0).segment, Segment::Done);
    }
}
