//! The plugin's parameters: master gain on the front, and gain, pan, tune and
//! fine tune for each of the first [`AUTOMATED_PADS`] pads.
//!
//! Parameter ids are a contract with saved projects: `gain` for the master,
//! `pgain_N`, `pan_N`, `tune_N`, `fine_N` for pad N (1-based). New parameters
//! get new ids; these never change meaning. The kit (samples, mappings, the
//! other pad settings) is the persisted field `kit`.

use std::sync::Arc;

use nice_plug::prelude::*;

use crate::plugin::KitField;
use crate::triggering::Automation;

/// Pads whose settings are automatable parameters.
pub const AUTOMATED_PADS: usize = 16;

/// Master gain range in dB.
pub const MASTER_GAIN_DB: (f32, f32) = (-60.0, 12.0);
/// Pad gain range in dB.
pub const PAD_GAIN_DB: (f32, f32) = (-60.0, 24.0);
/// Pad tune range in semitones.
pub const TUNE_SEMITONES: (i32, i32) = (-48, 48);

/// All parameters and the persisted kit.
#[derive(Params)]
pub struct SamplerParams {
    /// The kit (samples, mappings, per-pad settings): persisted as JSON.
    #[persist = "kit"]
    pub kit: KitField,

    /// Output gain in dB, -60..=+12 (the plugin ramps the linear gain over 10 ms).
    #[id = "gain"]
    pub master_gain: FloatParam,

    /// Save each pad's audio inside the project (so it opens on another
    /// machine). Not automatable.
    #[id = "embed"]
    pub embed_samples: BoolParam,

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
        EditorSize {
            width: self.width.clamp(Self::MIN.width, Self::MAX.width),
            height: self.height.clamp(Self::MIN.height, Self::MAX.height),
        }
    }
}

/// One pad's automatable settings.
#[derive(Params)]
pub struct PadParamSet {
    /// Gain in dB, -60..=+24.
    #[id = "pgain"]
    pub gain: FloatParam,
    /// Balance, -1 (left) ..= 1 (right).
    #[id = "pan"]
    pub pan: FloatParam,
    /// Transposition in semitones, -48..=48.
    #[id = "tune"]
    pub tune: IntParam,
    /// Fine tune in cents, -100..=100.
    #[id = "fine"]
    pub fine: FloatParam,
}

impl PadParamSet {
    fn new() -> Self {
        PadParamSet {
            gain: FloatParam::new("Gain", 0.0, FloatRange::Linear { min: PAD_GAIN_DB.0, max: PAD_GAIN_DB.1 })
                .with_unit(" dB")
                .with_step_size(0.1),
            pan: FloatParam::new("Pan", 0.0, FloatRange::Linear { min: -1.0, max: 1.0 })
                .with_value_to_string(formatters::v2s_f32_panning())
                .with_string_to_value(formatters::s2v_f32_panning()),
            tune: IntParam::new("Tune", 0, IntRange::Linear { min: TUNE_SEMITONES.0, max: TUNE_SEMITONES.1 }).with_unit(" st"),
            fine: FloatParam::new("Fine", 0.0, FloatRange::Linear { min: -100.0, max: 100.0 }).with_unit(" ct").with_step_size(0.1),
        }
    }

    /// The current values.
    ///
    /// Thread: any. No allocation.
    pub fn automation(&self) -> Automation {
        Automation { gain_db: self.gain.value(), pan: self.pan.value(), tune_semitones: self.tune.value(), tune_cents: self.fine.value() }
    }
}

impl SamplerParams {
    /// Defaults: 0 dB master, every pad neutral, an empty kit, no embedding.
    ///
    /// Thread: non-real-time (the plugin constructor). Allocates.
    pub fn new(kit: KitField) -> Self {
        let shared = kit.0.clone();
        SamplerParams {
            kit,
            embed_samples: BoolParam::new("Embed Samples in Project", false)
                .non_automatable()
                .with_callback(Arc::new(move |on| shared.set_embed_audio(on))),
            // In dB with a 0.01 dB step: a host that restores parameters from
            // normalized values gets exactly 0 dB back (a gain-domain skewed
            // range would come back as 0.99999994 and break bit-exactness).
            master_gain: FloatParam::new("Master Gain", 0.0, FloatRange::Linear { min: MASTER_GAIN_DB.0, max: MASTER_GAIN_DB.1 })
                .with_unit(" dB")
                .with_step_size(0.01),
            pads: std::array::from_fn(|_| PadParamSet::new()),
            editor_size: Arc::new(parking_lot::RwLock::new(EditorSize::DEFAULT)),
        }
    }
}

/// Shared pointer type the plugin hands to the wrapper.
pub type SharedParams = Arc<SamplerParams>;
