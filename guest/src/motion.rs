//! What a voice's loop moves from one output frame to the next: the read
//! position, a pitch glide, a pan ramp, a fade and the amp envelope.
//!
//! Both voice loops (`Voice::render_loop` one frame at a time, and
//! `Voice::render_frames4` four at a time) step this state the same way,
//! in the same order, which is what gives them the same bits; so it is
//! written once, here, and inlined into each.

use crate::envelope::{Envelope, Segment};
use crate::voice::{Stage, Voice};

/// A voice's moving state, copied out of the voice for one call's loop and
/// back at its end. Sample reads go through raw addresses, which the
/// compiler must assume could alias the voice, so fields of the voice
/// itself would be stored and reloaded every frame; a local copy lives in
/// registers (wasm locals).
#[derive(Clone, Copy)]
pub(crate) struct Motion {
    /// Read position in source frames.
    pub pos: f64,
    /// The position's step per output frame: the rate times the bend
    /// times the loop's direction (exactly the rate with no bend and no
    /// reverse loop).
    pub step: f64,
    /// Pitch-bend ratio and the frames of glide left.
    pub bend: f64,
    pub bend_left: u32,
    /// Channel gains (slot gain and pan) and the frames of ramp left.
    pub amp: [f32; 2],
    pub ramp_left: u32,
    /// Fade level 0..=1, and whether a fade (steal, choke, retire) runs.
    pub env: f32,
    pub fading: bool,
    /// The amp envelope.
    pub amp_env: Envelope,
}

impl Motion {
    /// The moving state of `voice` as it stands.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub fn of(voice: &Voice) -> Motion {
        Motion {
            pos: voice.pos,
            step: voice.rate * voice.bend * voice.looping.dir,
            bend: voice.bend,
            bend_left: voice.bend_left,
            amp: voice.amp,
            ramp_left: voice.ramp_left,
            env: voice.env,
            fading: voice.stage == Stage::Fading && voice.env_step > 0.0,
            amp_env: voice.amp_env,
        }
    }

    /// Writes the state back into `voice`, and frees it if it `ended`.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub fn store(self, voice: &mut Voice, ended: bool) {
        (voice.pos, voice.bend, voice.bend_left) = (self.pos, self.bend, self.bend_left);
        (voice.amp, voice.ramp_left, voice.env, voice.amp_env) = (self.amp, self.ramp_left, self.env, self.amp_env);
        if ended {
            voice.stage = Stage::Free;
        }
    }

    /// The current frame's gain before the channel gains: `velocity`
    /// (with the storage format's scale) times the fade times the envelope.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub fn gain(&self, velocity: f32) -> f32 {
        velocity * self.env * self.amp_env.level
    }

    /// Moves to the next output frame: the position by its step, then the
    /// glide (which sets the step from `voice.rate` and the loop's current
    /// direction `dir`), the pan ramp, the fade and the envelope. False
    /// when the voice has ended (its fade or its envelope ran out).
    /// `MOVING` false: only the position and the pan ramp can move (the
    /// caller knows the rest stands still for the whole call).
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub fn advance<const MOVING: bool>(&mut self, voice: &Voice, dir: f64) -> bool {
        self.pos += self.step;
        if MOVING && self.bend_left > 0 {
            self.bend_left -= 1;
            self.bend = if self.bend_left == 0 { voice.bend_target } else { self.bend + voice.bend_step };
            self.step = voice.rate * self.bend * dir;
        }
        if self.ramp_left > 0 {
            self.ramp_left -= 1;
            if self.ramp_left == 0 {
                self.amp = voice.amp_target;
            } else {
                self.amp[0] += voice.amp_step[0];
                self.amp[1] += voice.amp_step[1];
            }
        }
        if MOVING && self.fading {
            self.env -= voice.env_step;
            if self.env <= 0.0 {
                return false;
            }
        }
        if MOVING && self.amp_env.moving() {
            self.amp_env.advance();
            if self.amp_env.segment == Segment::Done {
                return false;
            }
        }
        true
    }
}
