//! The pad model: everything a user sets on a pad, in one place.
//!
//! A [`PadModel`] is the mapping (which notes and velocities play it, and
//! how, [`super::mapping`]), the pad's sound settings ([`PadSettings`]:
//! envelope, filter, voices, choke, round robin, output), and its list of
//! sample records ([`super::sample`]: file, window, loop, root key, gain,
//! tune and velocity range, each sample its own). A pad holds up to
//! [`MAX_SAMPLES_PER_PAD`](crate::settings::MAX_SAMPLES_PER_PAD) samples:
//! velocity layers, and within a layer round-robin hits.
//!
//! The [`KitStore`](crate::kit::KitStore) owns the models; the engine only
//! ever receives published copies. [`PadModel::validate`] is the one place
//! ranges are checked, against [`crate::settings`].
//!
//! Thread: any. Nothing here allocates except where a doc says so.

use serde::{Deserialize, Serialize};
use wasm_sampler_guest::abi;

pub use crate::kit::mapping::{CcRange, Mapping, PlayMode, Trigger};
pub use crate::kit::sample::{Loop, LoopMode, LoopPoints, SampleParams, SampleRecord};
use crate::settings::{self, Setting};

/// Interpolation used when the playback rate is not 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interpolation {
    /// The kit's render quality ([`crate::kit::Kit::render_quality`]),
    /// whatever it is set to: what new pads use. Kits from before it keep
    /// the kernel their pads name.
    Default,
    Cubic,
    Linear,
    /// 16-point windowed sinc: the cleanest, about 4 times the cubic's work.
    Sinc,
}

impl Interpolation {
    /// The kernel a pad set to `self` plays with when the kit's render
    /// quality is `quality` (cubic if that is `Default` too).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn or(self, quality: Interpolation) -> Interpolation {
        match (self, quality) {
            (Interpolation::Default, Interpolation::Default) => Interpolation::Cubic,
            (Interpolation::Default, quality) => quality,
            (kernel, _) => kernel,
        }
    }

    /// The guest's code for it (`abi::param::INTERPOLATION`). `Default`
    /// never reaches the engine (the kit store resolves it with
    /// [`Interpolation::or`]); if it did, it would play cubic.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn guest_code(self) -> f32 {
        match self {
            Interpolation::Cubic | Interpolation::Default => 0.0,
            Interpolation::Linear => 1.0,
            Interpolation::Sinc => 2.0,
        }
    }

    /// The name the editor and the CLI show.
    ///
    /// Thread: any. No allocation.
    pub fn name(self) -> &'static str {
        match self {
            Interpolation::Default => "Kit default",
            Interpolation::Cubic => "Cubic",
            Interpolation::Linear => "Linear",
            Interpolation::Sinc => "Sinc",
        }
    }
}

/// The filter's response type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterType {
    Off,
    LowPass,
    HighPass,
    BandPass,
}

/// The filter's slope: one pole, one second-order section or two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterSlope {
    /// One pole (low- and high-pass; a band-pass stays at 12 dB/oct).
    #[serde(rename = "6db")]
    Db6,
    #[serde(rename = "12db")]
    Db12,
    #[serde(rename = "24db")]
    Db24,
}

impl FilterSlope {
    /// The guest's code for it (`abi::param::FILTER_SLOPE`).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn guest_code(self) -> f32 {
        match self {
            FilterSlope::Db12 => 0.0,
            FilterSlope::Db24 => 1.0,
            FilterSlope::Db6 => 2.0,
        }
    }

    /// The guest's slope.
    ///
    /// Thread: any. No allocation.
    pub fn guest(self) -> wasm_sampler_guest::filter::Slope {
        match self {
            FilterSlope::Db6 => wasm_sampler_guest::filter::Slope::Db6,
            FilterSlope::Db12 => wasm_sampler_guest::filter::Slope::Db12,
            FilterSlope::Db24 => wasm_sampler_guest::filter::Slope::Db24,
        }
    }
}

/// A pad's filter (guest/src/filter/ has the design). Ranges, units and
/// defaults: [`crate::settings`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FilterSettings {
    #[serde(rename = "type")]
    pub kind: FilterType,
    pub slope: FilterSlope,
    /// [`settings::CUTOFF_HZ`].
    pub cutoff: f32,
    /// [`settings::RESONANCE_DB`].
    pub resonance: f32,
    /// [`settings::KEYTRACK_PCT`].
    pub keytrack: f32,
    /// [`settings::FILTER_VELOCITY_OCT`].
    pub velocity: f32,
    /// [`settings::FILTER_ENVELOPE_OCT`]: the amp envelope moves the cutoff.
    pub envelope: f32,
}

impl Default for FilterSettings {
    fn default() -> Self {
        FilterSettings {
            kind: FilterType::Off,
            slope: FilterSlope::Db12,
            cutoff: settings::CUTOFF_HZ.default,
            resonance: settings::RESONANCE_DB.default,
            keytrack: settings::KEYTRACK_PCT.default,
            velocity: settings::FILTER_VELOCITY_OCT.default,
            envelope: settings::FILTER_ENVELOPE_OCT.default,
        }
    }
}

impl FilterSettings {
    /// The guest's code for the type (`abi::param::FILTER_TYPE`).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn type_code(&self) -> f32 {
        (match self.kind {
            FilterType::Off => abi::param::FILTER_OFF,
            FilterType::LowPass => abi::param::FILTER_LOW_PASS,
            FilterType::HighPass => abi::param::FILTER_HIGH_PASS,
            FilterType::BandPass => abi::param::FILTER_BAND_PASS,
        }) as f32
    }
}

/// The pad's sound settings (shared by all of its samples). Ranges, units
/// and defaults: [`crate::settings`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PadSettings {
    /// [`settings::PAD_GAIN_DB`].
    pub gain_db: f32,
    /// [`settings::PAN`].
    pub pan: f32,
    /// [`settings::TUNE_SEMITONES`].
    pub tune_semitones: i32,
    /// [`settings::TUNE_CENTS`].
    pub tune_cents: f32,
    /// Gate release in seconds, [`settings::RELEASE_S`]: the envelope's
    /// release after note-off.
    pub release: f32,
    /// The kernel; [`Interpolation::Default`] follows the kit's render
    /// quality.
    pub interpolation: Interpolation,
    /// Amp envelope: [`settings::ATTACK_S`], [`settings::HOLD_S`],
    /// [`settings::DECAY_S`], [`settings::SUSTAIN_PCT`] and the segments'
    /// shape [`settings::ENV_CURVE_PCT`]. Kits from before the envelope
    /// load with the defaults, which leave the sound as it was.
    #[serde(default = "defaults::attack")]
    pub attack: f32,
    #[serde(default = "defaults::hold")]
    pub hold: f32,
    #[serde(default = "defaults::decay")]
    pub decay: f32,
    #[serde(default = "defaults::sustain")]
    pub sustain: f32,
    #[serde(default = "defaults::curve")]
    pub curve: f32,
    /// Velocity response: [`settings::VELOCITY_AMOUNT_PCT`] and
    /// [`settings::VELOCITY_CURVE_PCT`].
    #[serde(default = "defaults::velocity_amount")]
    pub velocity_amount: f32,
    #[serde(default = "defaults::velocity_curve")]
    pub velocity_curve: f32,
    /// Plays the sample's window from its last frame to its first.
    #[serde(default)]
    pub reverse: bool,
    /// [`settings::BEND_RANGE_ST`].
    #[serde(default = "defaults::bend_range")]
    pub bend_range: f32,
    /// The filter; kits from before it load with it off.
    #[serde(default)]
    pub filter: FilterSettings,
    /// [`settings::PITCH_KEYTRACK_CT`]: how a key-range pad's pitch
    /// follows the keys.
    #[serde(default = "defaults::pitch_keytrack")]
    pub pitch_keytrack: f32,
    /// [`settings::PAD_VOICES`]: the pad's voices at once (0: no limit of
    /// its own).
    #[serde(default)]
    pub voices: u32,
    /// What a note does to the pad's voices still playing the same note.
    #[serde(default)]
    pub retrigger: Retrigger,
    /// How a choke ends the pad's voices: a fade over
    /// [`settings::CHOKE_FADE_S`], or its release.
    #[serde(default = "defaults::choke_fade")]
    pub choke_fade: f32,
    #[serde(default)]
    pub off_mode: OffMode,
    /// How the samples of one velocity layer take turns.
    #[serde(default)]
    pub round_robin: RoundRobin,
    /// [`settings::LAYER_CROSSFADE`].
    #[serde(default)]
    pub layer_crossfade: f32,
    /// [`settings::OUTPUT`]: the main output (0) or an auxiliary one.
    #[serde(default)]
    pub output: u8,
}

/// How the samples of a velocity layer (a pad's samples with the same
/// velocity range) take turns, hit by hit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundRobin {
    /// In the list's order, then from the first again.
    #[default]
    Cycle,
    /// Any of them, at random (the same seed every render).
    Random,
    /// At random, but never the one the last hit played.
    RandomNoRepeat,
}

impl RoundRobin {
    /// The name the editor shows.
    ///
    /// Thread: any. No allocation.
    pub fn name(self) -> &'static str {
        match self {
            RoundRobin::Cycle => "Cycle",
            RoundRobin::Random => "Random",
            RoundRobin::RandomNoRepeat => "Random, no repeat",
        }
    }
}

/// How a choke ends a pad's voices (SFZ `off_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffMode {
    /// A fade over the pad's choke time.
    #[default]
    Fast,
    /// The pad's release, as a note-off would (one-shots too).
    Normal,
}

/// What a new note does to a pad's voices of the same note (channel and
/// key) that are still sounding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retrigger {
    /// They play on (a cymbal washing over itself).
    #[default]
    Ring,
    /// They fade out over 5 ms (a drum that restarts).
    Cut,
}

/// Serde defaults for settings older kits lack: the table's defaults.
mod defaults {
    use crate::settings;
    pub fn attack() -> f32 {
        settings::ATTACK_S.default
    }
    pub fn hold() -> f32 {
        settings::HOLD_S.default
    }
    pub fn decay() -> f32 {
        settings::DECAY_S.default
    }
    pub fn sustain() -> f32 {
        settings::SUSTAIN_PCT.default
    }
    pub fn curve() -> f32 {
        settings::ENV_CURVE_PCT.default
    }
    pub fn velocity_amount() -> f32 {
        settings::VELOCITY_AMOUNT_PCT.default
    }
    pub fn velocity_curve() -> f32 {
        settings::VELOCITY_CURVE_PCT.default
    }
    pub fn bend_range() -> f32 {
        settings::BEND_RANGE_ST.default
    }
    pub fn pitch_keytrack() -> f32 {
        settings::PITCH_KEYTRACK_CT.default
    }
    pub fn choke_fade() -> f32 {
        settings::CHOKE_FADE_S.default
    }
}

impl Default for PadSettings {
    fn default() -> Self {
        PadSettings {
            gain_db: settings::PAD_GAIN_DB.default,
            pan: settings::PAN.default,
            tune_semitones: settings::TUNE_SEMITONES.default as i32,
            tune_cents: settings::TUNE_CENTS.default,
            release: settings::RELEASE_S.default,
            interpolation: Interpolation::Default,
            attack: defaults::attack(),
            hold: defaults::hold(),
            decay: defaults::decay(),
            sustain: defaults::sustain(),
            curve: defaults::curve(),
            velocity_amount: defaults::velocity_amount(),
            velocity_curve: defaults::velocity_curve(),
            reverse: false,
            bend_range: defaults::bend_range(),
            filter: FilterSettings::default(),
            pitch_keytrack: defaults::pitch_keytrack(),
            voices: 0,
            retrigger: Retrigger::Ring,
            choke_fade: defaults::choke_fade(),
            off_mode: OffMode::Fast,
            round_robin: RoundRobin::Cycle,
            layer_crossfade: 0.0,
            output: 0,
        }
    }
}

/// The automatable part of a pad's settings (the plugin's per-pad
/// parameters). The engine keeps the host's latest values as a layer over
/// the published [`PadSettings`]; it never writes them into the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Automation {
    pub gain_db: f32,
    pub pan: f32,
    pub tune_semitones: i32,
    pub tune_cents: f32,
    /// The amp envelope's attack, decay, sustain and release.
    pub attack: f32,
    pub decay: f32,
    pub sustain: f32,
    pub release: f32,
    /// The filter's cutoff and resonance.
    pub cutoff: f32,
    pub resonance: f32,
}

impl Automation {
    /// Every value at its default (the parameters of a new instance).
    pub const NEUTRAL: Automation = Automation {
        gain_db: settings::PAD_GAIN_DB.default,
        pan: settings::PAN.default,
        tune_semitones: settings::TUNE_SEMITONES.default as i32,
        tune_cents: settings::TUNE_CENTS.default,
        attack: settings::ATTACK_S.default,
        decay: settings::DECAY_S.default,
        sustain: settings::SUSTAIN_PCT.default,
        release: settings::RELEASE_S.default,
        cutoff: settings::CUTOFF_HZ.default,
        resonance: settings::RESONANCE_DB.default,
    };
}

impl PadSettings {
    /// These settings with the automatable ones replaced by `automation`.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn with(&self, automation: Option<&Automation>) -> PadSettings {
        match automation {
            Some(a) => PadSettings {
                gain_db: a.gain_db,
                pan: a.pan,
                tune_semitones: a.tune_semitones,
                tune_cents: a.tune_cents,
                attack: a.attack,
                decay: a.decay,
                sustain: a.sustain,
                release: a.release,
                filter: FilterSettings { cutoff: a.cutoff, resonance: a.resonance, ..self.filter },
                ..*self
            },
            None => *self,
        }
    }

    /// The pad parameters the guest keeps, as (id, value); each value
    /// clamped by the table. Gain is exactly 1.0 at 0 dB. (A sample's own
    /// gain goes with each of its notes.)
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn guest_params(&self) -> [(u32, f32); 23] {
        let f = &self.filter;
        [
            (abi::param::GAIN, settings::db_to_gain(settings::PAD_GAIN_DB.clamp(self.gain_db)).min(abi::param::GAIN_MAX)),
            (abi::param::PAN, settings::PAN.clamp(self.pan)),
            (abi::param::RELEASE, settings::RELEASE_S.clamp(self.release)),
            (abi::param::INTERPOLATION, self.interpolation.guest_code()),
            (abi::param::ATTACK, settings::ATTACK_S.clamp(self.attack)),
            (abi::param::HOLD, settings::HOLD_S.clamp(self.hold)),
            (abi::param::DECAY, settings::DECAY_S.clamp(self.decay)),
            (abi::param::SUSTAIN, settings::SUSTAIN_PCT.clamp(self.sustain) / 100.0),
            (abi::param::CURVE, settings::env_curve_constant(self.curve)),
            (abi::param::REVERSE, if self.reverse { 1.0 } else { 0.0 }),
            (abi::param::BEND_RANGE, settings::BEND_RANGE_ST.clamp(self.bend_range)),
            (abi::param::FILTER_TYPE, f.type_code()),
            (abi::param::FILTER_SLOPE, f.slope.guest_code()),
            (abi::param::CUTOFF, settings::CUTOFF_HZ.clamp(f.cutoff)),
            (abi::param::RESONANCE, settings::RESONANCE_DB.clamp(f.resonance)),
            (abi::param::KEYTRACK, settings::KEYTRACK_PCT.clamp(f.keytrack) / 100.0),
            (abi::param::FILTER_VELOCITY, settings::FILTER_VELOCITY_OCT.clamp(f.velocity)),
            (abi::param::FILTER_ENVELOPE, settings::FILTER_ENVELOPE_OCT.clamp(f.envelope)),
            (abi::param::VOICES, settings::PAD_VOICES.clamp(self.voices as f32).round()),
            (abi::param::RETRIGGER, if self.retrigger == Retrigger::Cut { 1.0 } else { 0.0 }),
            (abi::param::CHOKE_FADE, settings::CHOKE_FADE_S.clamp(self.choke_fade)),
            (abi::param::OFF_MODE, if self.off_mode == OffMode::Normal { 1.0 } else { 0.0 }),
            (abi::param::OUTPUT, settings::OUTPUT.clamp(self.output as f32).round()),
        ]
    }

    /// The pitch offset in semitones of a note `keys` above the sample's
    /// root (`Mapping::transpose`): exactly `keys` at 100 cents per key.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn key_semitones(&self, keys: i32) -> f64 {
        let cents = settings::PITCH_KEYTRACK_CT.clamp(self.pitch_keytrack);
        if cents == 100.0 {
            keys as f64
        } else {
            keys as f64 * cents as f64 / 100.0
        }
    }

    /// The pad's transposition in semitones (tune plus fine tune).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn semitones(&self) -> f64 {
        settings::TUNE_SEMITONES.clamp(self.tune_semitones as f32) as f64 + settings::TUNE_CENTS.clamp(self.tune_cents) as f64 / 100.0
    }
}

/// Everything a user sets on one pad.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PadModel {
    pub mapping: Mapping,
    pub settings: PadSettings,
    /// At most [`settings::MAX_SAMPLES_PER_PAD`].
    #[serde(default)]
    pub samples: Vec<SampleRecord>,
}

impl PadModel {
    /// An empty pad with the default mapping for its index.
    ///
    /// Thread: any. No allocation.
    pub fn empty(index: usize) -> Self {
        PadModel { mapping: Mapping::default_for(index), settings: PadSettings::default(), samples: Vec::new() }
    }

    /// The pad's (first) sample record.
    ///
    /// Thread: any. No allocation.
    pub fn sample(&self) -> Option<&SampleRecord> {
        self.samples.first()
    }

    /// The parameters the pad's sample plays with; for a pad without a
    /// sample, those a new sample would get.
    ///
    /// Thread: any. No allocation.
    pub fn sample_params(&self) -> SampleParams {
        self.sample().map(|s| s.params).unwrap_or_else(|| SampleParams::whole(self.default_root()))
    }

    /// The root key a new sample gets: the previous sample's, else the
    /// drum note, else the middle of the key range.
    ///
    /// Thread: any. No allocation.
    pub fn default_root(&self) -> u8 {
        match (self.sample(), self.mapping.trigger) {
            (Some(s), _) => s.params.root_key,
            (None, Trigger::Note(n)) => n,
            (None, Trigger::Range { lo, hi }) => ((lo as u16 + hi as u16) / 2) as u8,
        }
    }

    /// A copy without embedded audio (what viewers read every frame;
    /// embedded audio can be megabytes).
    ///
    /// Thread: non-real-time. Allocates.
    pub fn without_audio(&self) -> PadModel {
        PadModel {
            mapping: self.mapping,
            settings: self.settings,
            samples: self.samples.iter().map(|s| SampleRecord { file: s.file.clone(), params: s.params, embedded: None }).collect(),
        }
    }

    /// Checks every setting against [`crate::settings`]; the reason names
    /// the setting and the value, in one line.
    ///
    /// Thread: any. Allocates the reason only.
    pub fn validate(&self) -> Result<(), String> {
        let check = |s: &Setting, v: f32| if s.contains(v) { Ok(()) } else { Err(format!("{} {v} is outside {}..={}", s.name.to_lowercase(), s.min, s.max)) };
        let note = |n: u8| check(&settings::NOTE, n as f32);
        let m = &self.mapping;
        match m.trigger {
            Trigger::Note(n) => note(n)?,
            Trigger::Range { lo, hi } => {
                note(lo)?;
                note(hi)?;
                if lo > hi {
                    return Err(format!("key range {lo}..{hi} is reversed"));
                }
            }
        }
        check(&settings::VELOCITY, m.velocity.0 as f32)?;
        check(&settings::VELOCITY, m.velocity.1 as f32)?;
        if m.velocity.0 > m.velocity.1 {
            return Err(format!("velocity range {}..{} is reversed", m.velocity.0, m.velocity.1));
        }
        check(&settings::CHOKE_GROUP, m.choke_group as f32)?;
        if let Some(g) = m.choked_by {
            check(&settings::CHOKE_GROUP, g as f32)?;
        }
        if let Some(c) = m.cc {
            if c.cc > 127 || c.lo > c.hi || c.hi > 127 {
                return Err(format!("controller condition CC {} {}..{} is not a controller and a range of 0..=127", c.cc, c.lo, c.hi));
            }
        }
        let s = &self.settings;
        check(&settings::CHOKE_FADE_S, s.choke_fade)?;
        check(&settings::PAD_GAIN_DB, s.gain_db)?;
        check(&settings::PAN, s.pan)?;
        check(&settings::TUNE_SEMITONES, s.tune_semitones as f32)?;
        check(&settings::TUNE_CENTS, s.tune_cents)?;
        check(&settings::RELEASE_S, s.release)?;
        check(&settings::ATTACK_S, s.attack)?;
        check(&settings::HOLD_S, s.hold)?;
        check(&settings::DECAY_S, s.decay)?;
        check(&settings::SUSTAIN_PCT, s.sustain)?;
        check(&settings::ENV_CURVE_PCT, s.curve)?;
        check(&settings::VELOCITY_AMOUNT_PCT, s.velocity_amount)?;
        check(&settings::VELOCITY_CURVE_PCT, s.velocity_curve)?;
        check(&settings::BEND_RANGE_ST, s.bend_range)?;
        check(&settings::CUTOFF_HZ, s.filter.cutoff)?;
        check(&settings::RESONANCE_DB, s.filter.resonance)?;
        check(&settings::KEYTRACK_PCT, s.filter.keytrack)?;
        check(&settings::FILTER_VELOCITY_OCT, s.filter.velocity)?;
        check(&settings::FILTER_ENVELOPE_OCT, s.filter.envelope)?;
        check(&settings::LAYER_CROSSFADE, s.layer_crossfade)?;
        check(&settings::OUTPUT, s.output as f32)?;
        if self.samples.len() > settings::MAX_SAMPLES_PER_PAD {
            return Err(format!("{} samples, at most {}", self.samples.len(), settings::MAX_SAMPLES_PER_PAD));
        }
        for r in &self.samples {
            note(r.params.root_key)?;
            check(&settings::SAMPLE_GAIN_DB, r.params.gain_db)?;
            check(&settings::SAMPLE_TUNE_CENTS, r.params.tune_cents)?;
            let (lo, hi) = r.params.velocity;
            check(&settings::VELOCITY, lo as f32)?;
            check(&settings::VELOCITY, hi as f32)?;
            if lo > hi {
                return Err(format!("velocity layer {lo}..{hi} is reversed"));
            }
            if let Some(l) = r.params.file_loop.filter(|l| l.start >= l.end) {
                return Err(format!("loop {}..{} is empty or reversed", l.start, l.end));
            }
            let l = &r.params.looping;
            if l.end != 0 && l.start >= l.end {
                return Err(format!("loop {}..{} is empty or reversed", l.start, l.end));
            }
            check(&settings::LOOP_CROSSFADE_S, l.crossfade)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn play_window_clamps_into_the_sample_and_keeps_at_least_a_frame() {
        let trim = |start, end| SampleParams { start, end, ..SampleParams::whole(60) };
        assert_eq!(SampleParams::whole(60).window(1_000), (0, 1_000), "untrimmed: all of it");
        assert_eq!(trim(100, 900).window(1_000), (100, 800));
        assert_eq!(trim(100, 0).window(1_000), (100, 900), "end 0 = to the end");
        assert_eq!(trim(0, 5_000).window(1_000), (0, 1_000), "end past the sample");
        assert_eq!(trim(5_000, 0).window(1_000), (999, 1), "start past the sample");
        assert_eq!(trim(500, 400).window(1_000), (500, 1), "end before start");
        assert_eq!(trim(0, 0).window(0), (0, 0));
    }

    #[test]
    fn validation_names_the_setting_out_of_range() {
        let mut p = PadModel::empty(0);
        assert_eq!(p.validate(), Ok(()));
        p.mapping.choke_group = 17;
        assert_eq!(p.validate(), Err("choke group 17 is outside 0..=16".into()));
        p.mapping.choke_group = 0;
        p.settings.gain_db = f32::NAN;
        assert!(p.validate().unwrap_err().starts_with("gain NaN"));
        p.settings.gain_db = 0.0;
        p.mapping = Mapping::pitched(60, 10);
        assert_eq!(p.validate(), Err("key range 60..10 is reversed".into()));
        p.mapping = Mapping::drum(36);
        p.samples.push(SampleRecord { file: "/a.wav".into(), params: SampleParams { root_key: 200, ..SampleParams::whole(60) }, embedded: None });
        assert_eq!(p.validate(), Err("note 200 is outside 0..=127".into()));
    }

    #[test]
    fn neutral_settings_give_exactly_unity_gain_and_automation_is_a_layer() {
        let s = PadSettings::default();
        assert_eq!(s.guest_params()[0], (abi::param::GAIN, 1.0));
        let a = Automation { gain_db: -6.0, pan: 0.5, tune_semitones: 2, ..Automation::NEUTRAL };
        let layered = s.with(Some(&a));
        assert_eq!((layered.gain_db, layered.pan, layered.tune_semitones, layered.release), (-6.0, 0.5, 2, s.release));
        assert_eq!(s.with(None), s);
    }

    #[test]
    fn a_new_sample_takes_the_previous_root_else_the_drum_note_else_the_range_middle() {
        let mut p = PadModel::empty(2);
        assert_eq!(p.default_root(), 38);
        p.mapping = Mapping::pitched(48, 72);
        assert_eq!(p.default_root(), 60);
        p.samples.push(SampleRecord { file: "/a.wav".into(), params: SampleParams::whole(45), embedded: None });
        assert_eq!(p.default_root(), 45);
    }
}
