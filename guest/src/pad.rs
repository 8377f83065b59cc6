//! The guest's two tables of what the host sets: pads (how a pad plays:
//! gain, pan, envelope, filter, voices, choke, output) and slots (one per
//! sample: where its data is, its loop, and the pad it belongs to). A pad's
//! velocity layers and round-robin hits are several slots naming one pad,
//! so a pad's settings exist once however many samples it has.
//!
//! Both tables are plain data whose all-zero bytes are a valid (empty)
//! value, so the guest's tables start in zeroed memory (`.bss`) and cost
//! nothing in the module.

use crate::abi::{self, param, status};
use crate::filter::{self, Response};
use crate::interp::Kernel;

/// Fade used for steals, chokes, retires and all-sound-off (seconds).
pub const FADE_SECONDS: f32 = 0.005;
/// Default gate release (seconds).
pub const DEFAULT_RELEASE_SECONDS: f32 = abi::param::RELEASE_DEFAULT;

/// One entry of the slot table: one sample, read in place.
#[derive(Clone, Copy, Debug, Default)]
pub struct Slot {
    pub loaded: bool,
    /// The pad whose settings it plays with.
    pub pad: u32,
    pub data: u32,
    pub frames: u32,
    pub channels: u32,
    /// Storage format of the data (`abi::format`).
    pub format: u32,
    pub source_rate: f32,
    /// The loop: `abi::looping` mode, window frames `start..end`, crossfade
    /// frames (see `slot_loop`).
    pub loop_mode: u32,
    pub loop_start: u32,
    pub loop_end: u32,
    pub loop_fade: u32,
}

/// One entry of the pad table: how the pad's slots play.
#[derive(Clone, Copy, Debug)]
pub struct Pad {
    pub gain: f32,
    pub pan: f32,
    pub release: f32,
    pub interp: Kernel,
    /// Amp envelope times (seconds), sustain level and shape (`abi::param`).
    pub attack: f32,
    pub hold: f32,
    pub decay: f32,
    pub sustain: f32,
    pub curve: f32,
    /// Plays the window from its last frame to its first.
    pub reverse: bool,
    /// Semitones a full pitch bend moves.
    pub bend_range: f32,
    /// Its voice limit (`abi::param::VOICES`, 0 = none of its own) and
    /// retrigger (`abi::param::RETRIGGER`).
    pub voices: u32,
    pub retrigger_cut: bool,
    /// How a choke ends its voices (`abi::param::CHOKE_FADE`, `OFF_MODE`).
    pub choke_fade: f32,
    pub choke_release: bool,
    /// The filter's settings.
    pub filter: filter::Settings,
    /// The output bus (`abi::param::OUTPUT`).
    pub bus: u32,
}

impl Pad {
    /// A pad with every parameter at its default.
    pub const DEFAULT: Pad = Pad {
        gain: 1.0,
        pan: 0.0,
        release: DEFAULT_RELEASE_SECONDS,
        interp: Kernel::Cubic,
        attack: 0.0,
        hold: 0.0,
        decay: param::DECAY_DEFAULT,
        sustain: 1.0,
        curve: 1.0,
        reverse: false,
        bend_range: param::BEND_RANGE_DEFAULT,
        voices: 0,
        retrigger_cut: false,
        choke_fade: FADE_SECONDS,
        choke_release: false,
        filter: filter::Settings::DEFAULT,
        bus: 0,
    };

    /// Channel gains: gain times a balance law that keeps both sides at unity
    /// in the centre and turns one side down linearly as the pan moves away.
    ///
    /// Thread: the one running the DSP. No allocation (the guest has no allocator).
    pub fn amp(&self) -> [f32; 2] {
        let left = 1.0 - if self.pan > 0.0 { self.pan } else { 0.0 };
        let right = 1.0 + if self.pan < 0.0 { self.pan } else { 0.0 };
        [self.gain * left, self.gain * right]
    }

    /// Sets parameter `id` to `value` if it is a parameter and the value is
    /// in its range; else `status::BAD_PARAM` and nothing changes.
    ///
    /// Thread: the one running the DSP. No allocation (the guest has no allocator).
    pub fn set(&mut self, id: u32, value: f32) -> i32 {
        if !value.is_finite() {
            return status::BAD_PARAM;
        }
        let whole = value == (value as u32) as f32;
        match id {
            param::GAIN if (0.0..=param::GAIN_MAX).contains(&value) => self.gain = value,
            param::PAN if (param::PAN_MIN..=param::PAN_MAX).contains(&value) => self.pan = value,
            param::RELEASE if (param::RELEASE_MIN..=param::RELEASE_MAX).contains(&value) => self.release = value,
            param::INTERPOLATION if value == 0.0 => self.interp = Kernel::Cubic,
            param::INTERPOLATION if value == 1.0 => self.interp = Kernel::Linear,
            param::INTERPOLATION if value == 2.0 => self.interp = Kernel::Sinc,
            param::ATTACK if (0.0..=param::ENV_TIME_MAX).contains(&value) => self.attack = value,
            param::HOLD if (0.0..=param::ENV_TIME_MAX).contains(&value) => self.hold = value,
            param::DECAY if (0.0..=param::ENV_TIME_MAX).contains(&value) => self.decay = value,
            param::SUSTAIN if (0.0..=1.0).contains(&value) => self.sustain = value,
            param::CURVE if (param::CURVE_MIN..=param::CURVE_MAX).contains(&value) => self.curve = value,
            param::REVERSE if value == 0.0 || value == 1.0 => self.reverse = value == 1.0,
            param::BEND_RANGE if (0.0..=param::BEND_RANGE_MAX).contains(&value) => self.bend_range = value,
            param::FILTER_TYPE if value == 0.0 => self.filter.response = None,
            param::FILTER_TYPE if whole && Response::from_code(value as u32).is_some() => self.filter.response = Response::from_code(value as u32),
            param::FILTER_SLOPE if filter::Slope::from_code(value).is_some() => {
                self.filter.slope = filter::Slope::from_code(value).unwrap_or(filter::Slope::Db12)
            }
            param::CUTOFF if (param::CUTOFF_MIN..=param::CUTOFF_MAX).contains(&value) => self.filter.cutoff_hz = value,
            param::RESONANCE if (0.0..=param::RESONANCE_MAX).contains(&value) => self.filter.resonance_db = value,
            param::KEYTRACK if (0.0..=1.0).contains(&value) => self.filter.keytrack = value,
            param::FILTER_VELOCITY if value.abs() <= param::MOD_OCTAVES_MAX => self.filter.velocity_octaves = value,
            param::FILTER_ENVELOPE if value.abs() <= param::MOD_OCTAVES_MAX => self.filter.envelope_octaves = value,
            param::VOICES if (0.0..=param::VOICES_MAX).contains(&value) && whole => self.voices = value as u32,
            param::RETRIGGER if value == 0.0 || value == 1.0 => self.retrigger_cut = value == 1.0,
            param::CHOKE_FADE if (param::CHOKE_FADE_MIN..=param::CHOKE_FADE_MAX).contains(&value) => self.choke_fade = value,
            param::OFF_MODE if value == 0.0 || value == 1.0 => self.choke_release = value == 1.0,
            param::OUTPUT if whole && (value as u32) < abi::OUT_BUSES => self.bus = value as u32,
            _ => return status::BAD_PARAM,
        }
        status::OK
    }
}
