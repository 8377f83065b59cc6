//! The plugin's parameters: master gain on the front, and gain, pan, tune,
//! fine tune, the amp envelope's attack, decay, sustain and release and the
//! filter's cutoff and resonance for
//! each of the first [`AUTOMATED_PADS`] pads, all built from
//! [`crate::settings`] (range, default, unit, step, text both ways).
//!
//! Parameter ids are a contract with saved projects: `gain` for the master,
//! `pgain_N`, `pan_N`, `tune_N`, `fine_N`, `att_N`, `dec_N`, `sus_N`, `rel_N`,
//! `cut_N`, `res_N` for pad N (1-based). New parameters get new ids; these never change
//! meaning. The kit (samples, mappings, the
//! other pad settings, whether audio is embedded) is the persisted field
//! `kit`. The per-pad parameters are an automation layer over the kit's
//! values: the engine applies them on top, the kit never stores them.

use std::sync::Arc;

use nice_plug::prelude::*;

use crate::kit::Automation;
use crate::plugin::state::KitField;
use crate::settings::{self, Setting, AUTOMATED_PADS};

/// All parameters and the persisted kit.
#[derive(Params)]
pub struct SamplerParams {
    /// The kit (samples, mappings, per-pad settings): persisted as JSON.
    #[persist = "kit"]
    pub kit: KitField,

    /// Output gain, [`settings::MASTER_GAIN_DB`] (the plugin ramps the
    /// linear gain over 10 ms).
    #[id = "gain"]
    pub master_gain: FloatParam,

    /// The editor window's size in logical points, saved with the project.
    #[persist = "editor-size"]
    pub editor_size: Arc<parking_lot::RwLock<EditorSize>>,

    /// Per-pad automatable settings, ids `<id>_1` .. `<id>_16`.
    #[nested(array, group = "Pad")]
    pub pads: [PadParamSet; AUTOMATED_PADS],
}

/// The editor's size in logical points (before the host's scale factor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EditorSize {
    pub width: u32,
    pub height: u32,
}

impl EditorSize {
    /// The size a new instance opens at.
    pub const DEFAULT: EditorSize = EditorSize { width: 1000, height: 660 };
    /// The smallest size the layout works at.
    pub const MIN: EditorSize = EditorSize { width: 820, height: 560 };
    /// A generous upper bound (hosts clamp to the screen anyway).
    pub const MAX: EditorSize = EditorSize { width: 3840, height: 2400 };

    /// Clamped into [`MIN`](Self::MIN)..=[`MAX`](Self::MAX) (a project
    /// may hold anything).
    ///
    /// Thread: any. No allocation.
    pub fn clamped(self) -> EditorSize {
        EditorSize { width: self.width.clamp(Self::MIN.width, Self::MAX.width), height: self.height.clamp(Self::MIN.height, Self::MAX.height) }
    }
}

/// One pad's automatable settings.
#[derive(Params)]
pub struct PadParamSet {
    /// [`settings::PAD_GAIN_DB`].
    #[id = "pgain"]
    pub gain: FloatParam,
    /// [`settings::PAN`].
    #[id = "pan"]
    pub pan: FloatParam,
    /// [`settings::TUNE_SEMITONES`].
    #[id = "tune"]
    pub tune: IntParam,
    /// [`settings::TUNE_CENTS`].
    #[id = "fine"]
    pub fine: FloatParam,
    /// [`settings::ATTACK_S`].
    #[id = "att"]
    pub attack: FloatParam,
    /// [`settings::DECAY_S`].
    #[id = "dec"]
    pub decay: FloatParam,
    /// [`settings::SUSTAIN_PCT`].
    #[id = "sus"]
    pub sustain: FloatParam,
    /// [`settings::RELEASE_S`].
    #[id = "rel"]
    pub release: FloatParam,
    /// [`settings::CUTOFF_HZ`].
    #[id = "cut"]
    pub cutoff: FloatParam,
    /// [`settings::RESONANCE_DB`].
    #[id = "res"]
    pub resonance: FloatParam,
}

/// A float parameter from its table entry: range, default, unit, step, and
/// the table's text in both directions.
fn float_param(s: &'static Setting) -> FloatParam {
    FloatParam::new(s.name, s.default, FloatRange::Linear { min: s.min, max: s.max })
        .with_unit(s.unit)
        .with_step_size(s.step)
        .with_value_to_string(Arc::new(move |v| s.format(v)))
        .with_string_to_value(Arc::new(move |t| s.parse(t)))
}

/// A time parameter (seconds): as [`float_param`], on a skewed range so
/// that the short times a drum needs get most of a knob's travel.
fn time_param(s: &'static Setting) -> FloatParam {
    FloatParam::new(s.name, s.default, FloatRange::Skewed { min: s.min, max: s.max, factor: FloatRange::skew_factor(-2.5) })
        .with_step_size(s.step)
        .with_value_to_string(Arc::new(move |v| s.format(v)))
        .with_string_to_value(Arc::new(move |t| s.parse(t)))
}

/// A frequency parameter (Hz): as [`float_param`], on a range skewed so
/// that equal knob travel is close to equal musical intervals.
fn frequency_param(s: &'static Setting) -> FloatParam {
    FloatParam::new(s.name, s.default, FloatRange::Skewed { min: s.min, max: s.max, factor: FloatRange::skew_factor(-2.5) })
        .with_step_size(s.step)
        .with_value_to_string(Arc::new(move |v| s.format(v)))
        .with_string_to_value(Arc::new(move |t| s.parse(t)))
}

/// An integer parameter from its table entry.
fn int_param(s: &'static Setting) -> IntParam {
    IntParam::new(s.name, s.default as i32, IntRange::Linear { min: s.min as i32, max: s.max as i32 })
        .with_unit(s.unit)
        .with_value_to_string(Arc::new(move |v| s.format(v as f32)))
        .with_string_to_value(Arc::new(move |t| s.parse(t).map(|v| v.round() as i32)))
}

impl PadParamSet {
    fn new() -> Self {
        PadParamSet {
            gain: float_param(&settings::PAD_GAIN_DB),
            pan: float_param(&settings::PAN),
            tune: int_param(&settings::TUNE_SEMITONES),
            fine: float_param(&settings::TUNE_CENTS),
            attack: time_param(&settings::ATTACK_S),
            decay: time_param(&settings::DECAY_S),
            sustain: float_param(&settings::SUSTAIN_PCT),
            release: time_param(&settings::RELEASE_S),
            cutoff: frequency_param(&settings::CUTOFF_HZ),
            resonance: float_param(&settings::RESONANCE_DB),
        }
    }

    /// The current values.
    ///
    /// Thread: any. No allocation.
    pub fn automation(&self) -> Automation {
        Automation {
            gain_db: self.gain.value(),
            pan: self.pan.value(),
            tune_semitones: self.tune.value(),
            tune_cents: self.fine.value(),
            attack: self.attack.value(),
            decay: self.decay.value(),
            sustain: self.sustain.value(),
            release: self.release.value(),
            cutoff: self.cutoff.value(),
            resonance: self.resonance.value(),
        }
    }
}

impl SamplerParams {
    /// Defaults: 0 dB master, every pad neutral, an empty kit.
    ///
    /// Thread: non-real-time (the plugin constructor). Allocates.
    pub fn new(kit: KitField) -> Self {
        SamplerParams {
            kit,
            // In dB with a 0.01 dB step: a host that restores parameters from
            // normalized values gets exactly 0 dB back (a gain-domain skewed
            // range would come back as 0.99999994 and break bit-exactness).
            master_gain: float_param(&settings::MASTER_GAIN_DB),
            pads: std::array::from_fn(|_| PadParamSet::new()),
            editor_size: Arc::new(parking_lot::RwLock::new(EditorSize::DEFAULT)),
        }
    }
}

/// Shared pointer type the plugin hands to the wrapper.
pub type SharedParams = Arc<SamplerParams>;
