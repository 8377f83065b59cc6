//! The per-voice filter: low-pass, high-pass or band-pass, 12 or 24 dB per
//! octave, as one or two second-order sections.
//!
//! **Structure.** Each section runs as a trapezoidal (TPT) state-variable
//! filter: two integrator states per channel, coefficients that can change
//! every few frames without the clicks or blow-ups a direct-form biquad
//! gives under modulation.
//!
//! **Response.** The coefficients are not the usual prewarped bilinear ones,
//! which squash the response towards Nyquist (a 12 dB low-pass set to
//! 0.3·fs would be 19 dB below its analog prototype at 0.45·fs). They
//! follow the analog prototype's magnitude: matched at DC and the cutoff
//! (M. Vicanek's matched second-order design), and above 0.04·fs fitted to
//! it over one octave either side ([`design`] explains both). That biquad
//! is then written as the state-variable filter with the same transfer
//! function ([`Coefs::from_biquad`]), which any stable biquad has. The
//! design runs in f64 with `libm`, so wasm and native get the same bits.
//!
//! **Prototypes.** With resonance `R` dB the quality is `Q = 10^(R/20)/√2`:
//! 0 dB is a Butterworth section, −3 dB at the cutoff. 24 dB/oct is the
//! fourth-order Butterworth pair (Q 0.5412 and 1.3066), resonance raising
//! the second; the band-pass is `(s/Q)/(s² + s/Q + 1)` (0 dB at the
//! cutoff), squared for 24 dB/oct.
//!
//! **Control.** A voice's cutoff lives in octaves (log2 Hz): the slot's
//! cutoff, plus key tracking and velocity fixed at note-on, plus the amp
//! envelope's level times the envelope amount. Cutoff and resonance changes
//! glide over [`RAMP_SECONDS`]; a new design is made every
//! [`CONTROL_FRAMES`] frames of the voice's life while anything moves (and
//! none while nothing does), and the coefficients glide to it frame by
//! frame. The grid is the voice's own frame count,
//! so block sizes do not change the output.

pub mod design;

pub use design::{sections, Biquad, Slope, BUTTERWORTH4};

use crate::abi::param;

/// Frames between designs while the cutoff or resonance moves (0.7 ms at
/// 48 kHz); the coefficients glide from one design to the next in between.
pub const CONTROL_FRAMES: u32 = 32;
/// Shortest glide of cutoff and resonance changes on sounding voices
/// (seconds).
pub const RAMP_SECONDS: f32 = 0.010;
/// Glide time per octave of cutoff change (seconds), when longer than
/// [`RAMP_SECONDS`]: a full-range jump (10 octaves) takes 40 ms. A steep
/// filter opening over a tone shifts its phase by up to a full turn; done
/// faster, that turn is heard as a pitch blip (measured: 24 dB/oct,
/// 20 Hz to 20 kHz in 20 ms raises a 1 kHz sine's largest step by 16 %).
pub const SECONDS_PER_OCTAVE: f32 = 0.004;
/// Lowest and highest cutoff a voice reaches after modulation: 10 Hz and
/// 0.49 of the output rate.
pub const CUTOFF_FLOOR_HZ: f32 = 10.0;
pub const CUTOFF_CEILING: f32 = 0.49;

/// Added and taken away again after each state update: values too small to
/// survive it are rounded onto its grid (multiples of about 1e-27, zero
/// included), so a decaying state never turns subnormal
/// (subnormal arithmetic is slow on x86, and wasm has no flush-to-zero).
const DENORMAL_GUARD: f32 = 1e-20;

/// The filter's response type (`abi::param::FILTER_TYPE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    Low,
    High,
    Band,
}

impl Response {
    /// The response for a `FILTER_TYPE` code; `None` for 0 (off) and
    /// unknown codes.
    ///
    /// Thread: any. No allocation.
    pub fn from_code(code: u32) -> Option<Response> {
        match code {
            param::FILTER_LOW_PASS => Some(Response::Low),
            param::FILTER_HIGH_PASS => Some(Response::High),
            param::FILTER_BAND_PASS => Some(Response::Band),
            _ => None,
        }
    }
}

/// A section's state-variable coefficients: `a1..a3` from the integrator
/// gain `g` and damping `k`, and the mix `m0 x + m1 band + m2 low`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Coefs {
    /// Integrator gain and damping (kept for gliding between designs).
    g: f32,
    k: f32,
    a1: f32,
    a2: f32,
    a3: f32,
    m0: f32,
    m1: f32,
    m2: f32,
}

impl Coefs {
    /// The state-variable filter with the transfer function of `b`: the
    /// biquad taken back through the bilinear map `s = (1/g)(z-1)/(z+1)`,
    /// with `g` chosen so that the analog denominator is `s² + k s + 1`.
    ///
    /// Thread: any. No allocation.
    pub fn from_biquad(b: &Biquad) -> Coefs {
        let d0 = 1.0 + b.a1 + b.a2;
        let g = libm::sqrt(d0 / (1.0 - b.a1 + b.a2));
        let k = 2.0 * g * (1.0 - b.a2) / d0;
        let c2 = g * g * (b.b0 - b.b1 + b.b2) / d0;
        let c1 = 2.0 * g * (b.b0 - b.b2) / d0;
        let c0 = (b.b0 + b.b1 + b.b2) / d0;
        let a1 = 1.0 / (1.0 + g * (g + k));
        Coefs {
            g: g as f32,
            k: k as f32,
            a1: a1 as f32,
            a2: (g * a1) as f32,
            a3: (g * g * a1) as f32,
            m0: c2 as f32,
            m1: (c1 - c2 * k) as f32,
            m2: (c0 - c2) as f32,
        }
    }

    /// These coefficients moved one frame along `delta` (in g, k and the
    /// mix), with `a1..a3` made again from the new g and k.
    #[inline(always)]
    fn glide(&mut self, delta: &Coefs) {
        self.g += delta.g;
        self.k += delta.k;
        self.m0 += delta.m0;
        self.m1 += delta.m1;
        self.m2 += delta.m2;
        self.a1 = 1.0 / (1.0 + self.g * (self.g + self.k));
        self.a2 = self.g * self.a1;
        self.a3 = self.g * self.a2;
    }

    /// The per-frame step from `self` to `to` over `frames` frames.
    fn step_to(&self, to: &Coefs, frames: u32) -> Coefs {
        let n = frames as f32;
        Coefs {
            g: (to.g - self.g) / n,
            k: (to.k - self.k) / n,
            m0: (to.m0 - self.m0) / n,
            m1: (to.m1 - self.m1) / n,
            m2: (to.m2 - self.m2) / n,
            ..Coefs::default()
        }
    }
}

/// One channel of one section: the two integrator states.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct State {
    ic1: f32,
    ic2: f32,
}

impl State {
    #[inline(always)]
    fn tick(&mut self, c: &Coefs, x: f32) -> f32 {
        let v3 = x - self.ic2;
        let v1 = c.a1 * self.ic1 + c.a2 * v3;
        let v2 = self.ic2 + c.a2 * self.ic1 + c.a3 * v3;
        self.ic1 = (2.0 * v1 - self.ic1) + DENORMAL_GUARD - DENORMAL_GUARD;
        self.ic2 = (2.0 * v2 - self.ic2) + DENORMAL_GUARD - DENORMAL_GUARD;
        c.m0 * x + c.m1 * v1 + c.m2 * v2
    }
}

/// A slot's filter settings (`abi::param::FILTER_*`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// `None`: off (the voice skips the filter entirely).
    pub response: Option<Response>,
    /// One-pole (6 dB/oct; band-pass: 12), one section or two.
    pub slope: Slope,
    pub cutoff_hz: f32,
    pub resonance_db: f32,
    /// Octaves of cutoff per octave of note above the root (0..=1).
    pub keytrack: f32,
    /// Octaves the cutoff falls from full velocity to velocity 0.
    pub velocity_octaves: f32,
    /// Octaves the amp envelope's full level adds to the cutoff.
    pub envelope_octaves: f32,
}

impl Settings {
    /// Off, open, no modulation.
    pub const DEFAULT: Settings = Settings {
        response: None,
        slope: Slope::Db12,
        cutoff_hz: param::CUTOFF_DEFAULT,
        resonance_db: 0.0,
        keytrack: 0.0,
        velocity_octaves: 0.0,
        envelope_octaves: 0.0,
    };
}

/// The filter of one voice. Plain data, copied with the voice.
#[derive(Clone, Copy, Debug)]
pub struct Filter {
    response: Option<Response>,
    /// Two sections (24 dB/oct) instead of one.
    steep: bool,
    slope: Slope,
    coefs: [Coefs; 2],
    /// The coefficients of the last design, and the per-frame step the
    /// current ones glide toward them by for `gliding` more frames (a
    /// design every control point, the coefficients in between moving
    /// smoothly: no steps at the control rate).
    target: [Coefs; 2],
    delta: [Coefs; 2],
    gliding: u32,
    /// Section × channel.
    state: [[State; 2]; 2],
    /// The cutoff before the envelope (octaves), gliding to its target.
    octave: f32,
    octave_target: f32,
    octave_step: f32,
    /// Resonance (dB), gliding to its target.
    resonance: f32,
    resonance_target: f32,
    resonance_step: f32,
    /// Control periods of glide left.
    glide_left: u32,
    envelope_octaves: f32,
    /// The envelope level the coefficients were made for.
    designed_level: f32,
    /// Frames to the next control point.
    countdown: u32,
    /// This note's cutoff offset from key tracking and velocity (octaves).
    note_octaves: f32,
    /// Radians per sample per Hz, and the cutoff limits (octaves).
    w_per_hz: f64,
    floor: f32,
    ceiling: f32,
}

impl Filter {
    /// A voice without a filter.
    pub const OFF: Filter = Filter {
        response: None,
        steep: false,
        slope: Slope::Db12,
        coefs: [Coefs { g: 0.0, k: 0.0, a1: 0.0, a2: 0.0, a3: 0.0, m0: 1.0, m1: 0.0, m2: 0.0 }; 2],
        target: [Coefs { g: 0.0, k: 0.0, a1: 0.0, a2: 0.0, a3: 0.0, m0: 1.0, m1: 0.0, m2: 0.0 }; 2],
        delta: [Coefs { g: 0.0, k: 0.0, a1: 0.0, a2: 0.0, a3: 0.0, m0: 0.0, m1: 0.0, m2: 0.0 }; 2],
        gliding: 0,
        state: [[State { ic1: 0.0, ic2: 0.0 }; 2]; 2],
        octave: 0.0,
        octave_target: 0.0,
        octave_step: 0.0,
        resonance: 0.0,
        resonance_target: 0.0,
        resonance_step: 0.0,
        glide_left: 0,
        envelope_octaves: 0.0,
        designed_level: 0.0,
        countdown: CONTROL_FRAMES,
        note_octaves: 0.0,
        w_per_hz: 0.0,
        floor: 0.0,
        ceiling: 0.0,
    };

    /// The filter of a note starting now: `key` semitones from the pad's
    /// root, `velocity` 0..=1, the amp envelope's first level `level`, at
    /// `rate` Hz.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn start(s: &Settings, key: f32, velocity: f32, level: f32, rate: f32) -> Filter {
        let Some(response) = s.response else {
            return Filter::OFF;
        };
        let note_octaves = s.keytrack * key / 12.0 - s.velocity_octaves * (1.0 - velocity);
        let octave = libm::log2f(s.cutoff_hz) + note_octaves;
        let mut f = Filter {
            response: Some(response),
            steep: s.slope == Slope::Db24,
            slope: s.slope,
            octave,
            octave_target: octave,
            resonance: s.resonance_db,
            resonance_target: s.resonance_db,
            envelope_octaves: s.envelope_octaves,
            note_octaves,
            w_per_hz: 2.0 * core::f64::consts::PI / rate as f64,
            floor: libm::log2f(CUTOFF_FLOOR_HZ),
            ceiling: libm::log2f(CUTOFF_CEILING * rate),
            ..Filter::OFF
        };
        f.design(level, true);
        f
    }

    /// Whether the voice runs the filter.
    ///
    /// Thread: any. No allocation.
    #[inline(always)]
    pub fn on(&self) -> bool {
        self.response.is_some()
    }

    /// Applies changed slot settings to a sounding voice: cutoff, key
    /// tracking, velocity amount and resonance glide over at least
    /// `controls` control periods, and `per_octave` for each octave the
    /// cutoff moves; the envelope amount applies from the next control
    /// point; type and slope at once. Turning the filter on or off takes
    /// effect from the voice's next note.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    pub fn retarget(&mut self, s: &Settings, key: f32, velocity: f32, level: f32, controls: u32, per_octave: f32) {
        let (Some(before), Some(response)) = (self.response, s.response) else {
            return;
        };
        self.note_octaves = s.keytrack * key / 12.0 - s.velocity_octaves * (1.0 - velocity);
        self.octave_target = libm::log2f(s.cutoff_hz) + self.note_octaves;
        self.resonance_target = s.resonance_db;
        let n = controls.max(1).max(((self.octave_target - self.octave).abs() * per_octave) as u32);
        self.octave_step = (self.octave_target - self.octave) / n as f32;
        self.resonance_step = (self.resonance_target - self.resonance) / n as f32;
        self.glide_left = n;
        self.envelope_octaves = s.envelope_octaves;
        if response != before || s.slope != self.slope {
            self.response = Some(response);
            self.slope = s.slope;
            self.steep = s.slope == Slope::Db24;
            self.design(level, true);
        }
    }

    /// Designs for the cutoff and resonance now, with the envelope at
    /// `level`: the coefficients take the design at once (`at_once`: a new
    /// note, a new type or slope) or glide to it over the next control
    /// period.
    fn design(&mut self, level: f32, at_once: bool) {
        let Some(response) = self.response else { return };
        let octave = (self.octave + self.envelope_octaves * level).clamp(self.floor, self.ceiling);
        let (sections, count) = sections(response, self.slope, self.w_per_hz * libm::exp2(octave as f64), self.resonance);
        self.designed_level = level;
        for (k, b) in sections.iter().enumerate().take(count) {
            self.target[k] = Coefs::from_biquad(b);
            self.delta[k] = self.coefs[k].step_to(&self.target[k], CONTROL_FRAMES);
        }
        if at_once {
            self.coefs = self.target;
            self.gliding = 0;
        } else {
            self.gliding = CONTROL_FRAMES;
        }
    }

    /// Filters one frame (`CH` channels; a mono voice filters `l` and
    /// returns it twice).
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub fn tick<const CH: usize>(&mut self, l: f32, r: f32) -> (f32, f32) {
        if self.gliding > 0 {
            self.gliding -= 1;
            if self.gliding == 0 {
                self.coefs = self.target;
            } else {
                let [d0, d1] = self.delta;
                self.coefs[0].glide(&d0);
                if self.steep {
                    self.coefs[1].glide(&d1);
                }
            }
        }
        let [c0, c1] = self.coefs;
        let [s0, s1] = &mut self.state;
        let mut yl = s0[0].tick(&c0, l);
        if self.steep {
            yl = s1[0].tick(&c1, yl);
        }
        if CH == 1 {
            return (yl, yl);
        }
        let mut yr = s0[1].tick(&c0, r);
        if self.steep {
            yr = s1[1].tick(&c1, yr);
        }
        (yl, yr)
    }

    /// Counts one frame; at each control point advances the glides and
    /// remakes the coefficients if the cutoff, resonance or envelope
    /// (`level`) moved.
    ///
    /// Thread: the one running the DSP (the audio thread). No allocation (the guest has no allocator).
    #[inline(always)]
    pub fn control(&mut self, level: f32) {
        self.countdown -= 1;
        if self.countdown > 0 {
            return;
        }
        self.countdown = CONTROL_FRAMES;
        let moved = self.glide_left > 0 || (self.envelope_octaves != 0.0 && level != self.designed_level);
        if self.glide_left > 0 {
            self.glide_left -= 1;
            if self.glide_left == 0 {
                (self.octave, self.resonance) = (self.octave_target, self.resonance_target);
            } else {
                self.octave += self.octave_step;
                self.resonance += self.resonance_step;
            }
        }
        if moved {
            self.design(level, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_variable_form_has_the_biquads_response() {
        // Feed an impulse through both forms and compare.
        for (response, w0, q) in [(Response::Low, 0.2, 0.7), (Response::High, 2.5, 3.0), (Response::Band, 1.3, 0.9)] {
            let b = Biquad::matched(response, w0, q);
            let c = Coefs::from_biquad(&b);
            let mut s = State::default();
            let (mut x1, mut x2, mut y1, mut y2) = (0.0f64, 0.0, 0.0, 0.0);
            for n in 0..64 {
                let x = if n == 0 { 1.0 } else { 0.0 };
                let y = b.b0 * x + b.b1 * x1 + b.b2 * x2 - b.a1 * y1 - b.a2 * y2;
                (x2, x1, y2, y1) = (x1, x, y1, y);
                let v = s.tick(&c, x as f32);
                assert!((v as f64 - y).abs() < 1e-5, "{response:?} n {n}: {v} vs {y}");
            }
        }
    }

    #[test]
    fn decaying_states_reach_zero_instead_of_subnormals() {
        let c = Coefs::from_biquad(&Biquad::matched(Response::Low, 0.001, 0.7));
        let mut s = State::default();
        s.tick(&c, 1.0);
        for _ in 0..2_000_000 {
            let y = s.tick(&c, 0.0);
            assert!(!y.is_subnormal() && !s.ic1.is_subnormal() && !s.ic2.is_subnormal());
        }
        // What is left is below anything audible (a limit cycle on the
        // guard's grid), but normal.
        assert!(s.ic1.abs() < 1e-20 && s.ic2.abs() < 1e-20, "{s:?}");
    }
}
