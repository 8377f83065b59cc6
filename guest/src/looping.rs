//! A voice's loop: where its read position may go, what happens when it
//! leaves that range, and where interpolation taps past the loop's end
//! read.
//!
//! Positions are in the voice's played order (a reversed voice's loop is
//! mirrored into it at note-on). The voice checks one range per frame,
//! `lo <= pos < hi`; only when the position leaves it does [`Looping::cross`]
//! run:
//!
//! - no loop: `[0, frames)`; leaving it ends the voice;
//! - forward: `[.., end)`; at `end` the position moves back by the loop's
//!   length (`start` is where it lands);
//! - ping-pong: `[.., end - ½)` going forward, `[start - ½, ..)` going
//!   back (`[0, ..)` for a loop from frame 0); the position reflects about
//!   those half-frame points, so at rate
//!   1 the turn repeats the end frames (`…, e-2, e-1, e-1, e-2, …`) and the
//!   cycle is exactly twice the loop's length.
//!
//! Interpolation taps at or past `end` read the frames the loop would
//! play there (wrapped forward, mirrored for ping-pong), so the seam is
//! interpolated as one continuous signal. A forward loop may crossfade: over
//! its last `fade` frames the output blends linearly from the frames
//! themselves to the frames one loop length earlier, which are the ones
//! that continue after the wrap; `fade` is at most `start` and the loop's
//! length, so every frame read lies inside the sample.

use crate::abi::looping;

/// A voice's loop state. Plain data, copied with the voice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Looping {
    /// `looping::OFF`, `FORWARD` or `PING_PONG` (without the sustain flag).
    pub mode: u32,
    /// Leave the loop at note-off and play on to the end.
    pub sustain: bool,
    /// The loop, in played-order frames: `start < end <= frames`.
    pub start: f64,
    pub end: f64,
    /// The read position's allowed range.
    pub lo: f64,
    pub hi: f64,
    /// +1 forward, -1 going back (ping-pong).
    pub dir: f64,
    /// Taps at or past this frame are mapped into the loop.
    pub tap_end: i64,
    /// Where the crossfade starts (infinity: none) and 1 / its length.
    pub fade_from: f64,
    pub fade_scale: f64,
}

impl Looping {
    /// No loop over a window of `frames` frames.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub const fn none(frames: u32) -> Looping {
        Looping {
            mode: looping::OFF,
            sustain: false,
            start: 0.0,
            end: frames as f64,
            lo: 0.0,
            hi: frames as f64,
            dir: 1.0,
            tap_end: frames as i64,
            fade_from: f64::INFINITY,
            fade_scale: 0.0,
        }
    }

    /// The loop of a voice starting now: `mode` (with the sustain flag),
    /// `start..end` and `fade` frames of crossfade, in the window's
    /// frames, checked by the slot; `reverse` mirrors it into played
    /// order.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn start(mode: u32, start: u32, end: u32, fade: u32, frames: u32, reverse: bool) -> Looping {
        let kind = mode & !looping::SUSTAIN;
        if kind == looping::OFF {
            return Looping::none(frames);
        }
        let (s, e) = if reverse { (frames - end, frames - start) } else { (start, end) };
        let (start, end) = (s as f64, e as f64);
        let mut l = Looping { mode: kind, sustain: mode & looping::SUSTAIN != 0, start, end, tap_end: e as i64, ..Looping::none(frames) };
        if kind == looping::PING_PONG {
            l.hi = end - 0.5;
        } else {
            l.hi = end;
            if fade > 0 {
                l.fade_from = end - fade as f64;
                l.fade_scale = 1.0 / fade as f64;
            }
        }
        l
    }

    /// The position has left `lo..hi`: wraps or reflects it back into the
    /// loop; `false` when the voice has reached the end of its sample.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[cold]
    pub fn cross(&mut self, pos: &mut f64) -> bool {
        let len = self.end - self.start;
        match self.mode {
            looping::FORWARD if *pos >= self.hi => {
                *pos = self.start + (*pos - self.start) % len;
                true
            }
            looping::PING_PONG => {
                // Reflect about end - ½ going forward and start - ½ going
                // back, until inside (a step longer than the loop can cross
                // it more than once).
                // (A loop from frame 0 turns at 0: positions stay >= 0.)
                let (top, bottom) = (self.end - 0.5, (self.start - 0.5).max(0.0));
                for _ in 0..64 {
                    if *pos >= top && self.dir > 0.0 {
                        *pos = 2.0 * top - *pos;
                        self.dir = -1.0;
                        self.lo = bottom;
                    } else if *pos < bottom && self.dir < 0.0 {
                        *pos = 2.0 * bottom - *pos;
                        self.dir = 1.0;
                    } else {
                        return true;
                    }
                }
                *pos = self.start;
                true
            }
            _ => false,
        }
    }

    /// Note-off: a sustain loop lets go, and the voice plays on forward
    /// from where it is to the end of its window.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn release(&mut self, frames: u32) {
        if self.sustain && self.mode != looping::OFF {
            *self = Looping::none(frames);
        }
    }

    /// The frame tap `i` (played order, `i >= tap_end`) reads.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline]
    pub fn tap(&self, i: i64) -> i64 {
        let (start, end) = (self.start as i64, self.end as i64);
        match self.mode {
            looping::FORWARD => start + (i - start) % (end - start),
            looping::PING_PONG => (2 * end - 1 - i).max(start),
            _ => i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forward_loop_wraps_by_its_length_and_a_ping_pong_turns_at_its_half_frames() {
        let mut f = Looping::start(looping::FORWARD, 10, 20, 0, 100, false);
        let mut pos = 20.25;
        assert!(f.cross(&mut pos));
        assert_eq!(pos, 10.25);
        let mut pos = 45.0; // a step of several loop lengths
        assert!(f.cross(&mut pos));
        assert_eq!(pos, 15.0);
        let mut p = Looping::start(looping::PING_PONG, 10, 20, 0, 100, false);
        let mut pos = 19.5;
        assert!(p.cross(&mut pos));
        assert_eq!((pos, p.dir), (19.5, -1.0), "19.5 reflects about 19.5 onto itself");
        let mut q = Looping::start(looping::PING_PONG, 10, 20, 0, 100, false);
        let mut pos = 20.0;
        assert!(q.cross(&mut pos));
        assert_eq!(pos, 19.0);
        let mut pos = 9.0;
        assert!(p.cross(&mut pos));
        assert_eq!((pos, p.dir), (10.0, 1.0));
    }

    #[test]
    fn taps_past_the_end_read_what_the_loop_plays_there_and_no_loop_ends_the_voice() {
        let f = Looping::start(looping::FORWARD, 10, 20, 0, 100, false);
        assert_eq!((f.tap(20), f.tap(21)), (10, 11));
        let p = Looping::start(looping::PING_PONG, 10, 20, 0, 100, false);
        assert_eq!((p.tap(20), p.tap(21)), (19, 18));
        let r = Looping::start(looping::FORWARD, 10, 20, 0, 100, true);
        assert_eq!((r.start, r.end), (80.0, 90.0), "mirrored into played order");
        let mut none = Looping::none(100);
        assert!(!none.cross(&mut 100.0));
    }

    #[test]
    fn a_sustain_loop_lets_go_at_note_off_and_a_continuous_one_does_not() {
        let mut s = Looping::start(looping::FORWARD | looping::SUSTAIN, 10, 20, 4, 100, false);
        assert_eq!(s.fade_from, 16.0);
        s.release(100);
        assert_eq!(s, Looping::none(100));
        let mut c = Looping::start(looping::FORWARD, 10, 20, 0, 100, false);
        c.release(100);
        assert_eq!(c.mode, looping::FORWARD);
    }
}
