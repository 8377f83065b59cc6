//! Every setting's range, default, unit and display, in one table.
//!
//! Kit validation ([`crate::kit`]), the engine's clamps
//! ([`crate::kit::PadSettings::guest_params`]), the plugin's parameters
//! ([`crate::plugin::params`]) and the editor's widgets all read these
//! entries; no range is written anywhere else.
//!
//! Text round-trips: for every value `v` in range,
//! `parse(format(v))` gives a value that formats to the same text, so a host
//! that shows a value, takes it back as typed text and shows it again never
//! sees it change (tested over each parameter's whole range in
//! `tests/integration/parameters.rs`). Negative zero is shown as zero.
//!
//! Thread: any. Formatting and parsing allocate; the numbers do not.

use wasm_sampler_guest::abi;

/// How a setting's value is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Display {
    /// A number with this many decimals, then the unit.
    Decimals(usize),
    /// Balance: "C" at the centre, else percent and side ("25L", "100R").
    Pan,
    /// Seconds: milliseconds below one second ("10 ms"), else seconds
    /// with two decimals ("1.50 s").
    Seconds,
    /// A whole number; 0 is shown as this word ("off" for choke groups,
    /// "all" for a pad's voices).
    ZeroIs(&'static str),
    /// Frequency: whole hertz below 1 kHz ("440 Hz"), else kilohertz with
    /// two decimals ("2.50 kHz").
    Hertz,
}

/// One setting: what it is called, its range, default, unit and display.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setting {
    /// Name shown to the user (parameter name, editor label).
    pub name: &'static str,
    pub min: f32,
    pub max: f32,
    pub default: f32,
    /// Unit appended to the number, with its leading space (" dB"), or "".
    pub unit: &'static str,
    /// Resolution of automation and of the editor's drag steps.
    pub step: f32,
    pub display: Display,
}

/// Output gain of the whole instrument (dB).
pub const MASTER_GAIN_DB: Setting =
    Setting { name: "Master Gain", min: -60.0, max: 12.0, default: 0.0, unit: " dB", step: 0.01, display: Display::Decimals(2) };
/// A pad's gain (dB); the guest takes it linear, up to `abi::param::GAIN_MAX`.
pub const PAD_GAIN_DB: Setting = Setting { name: "Gain", min: -60.0, max: 24.0, default: 0.0, unit: " dB", step: 0.1, display: Display::Decimals(1) };
/// A pad's balance, -1 (left) ..= 1 (right).
pub const PAN: Setting = Setting { name: "Pan", min: abi::param::PAN_MIN, max: abi::param::PAN_MAX, default: 0.0, unit: "", step: 0.01, display: Display::Pan };
/// A pad's transposition (semitones).
pub const TUNE_SEMITONES: Setting = Setting { name: "Tune", min: -48.0, max: 48.0, default: 0.0, unit: " st", step: 1.0, display: Display::Decimals(0) };
/// A pad's fine tune (cents).
pub const TUNE_CENTS: Setting = Setting { name: "Fine", min: -100.0, max: 100.0, default: 0.0, unit: " ct", step: 0.1, display: Display::Decimals(1) };
/// Release time of gate voices (seconds).
pub const RELEASE_S: Setting = Setting {
    name: "Release",
    min: abi::param::RELEASE_MIN,
    max: abi::param::RELEASE_MAX,
    default: abi::param::RELEASE_DEFAULT,
    unit: "",
    step: 0.001,
    display: Display::Seconds,
};
/// Amp envelope attack (seconds).
pub const ATTACK_S: Setting =
    Setting { name: "Attack", min: 0.0, max: abi::param::ENV_TIME_MAX, default: 0.0, unit: "", step: 0.001, display: Display::Seconds };
/// Amp envelope hold at full level after the attack (seconds).
pub const HOLD_S: Setting = Setting { name: "Hold", min: 0.0, max: abi::param::ENV_TIME_MAX, default: 0.0, unit: "", step: 0.001, display: Display::Seconds };
/// Amp envelope decay to the sustain level (seconds).
pub const DECAY_S: Setting =
    Setting { name: "Decay", min: 0.0, max: abi::param::ENV_TIME_MAX, default: abi::param::DECAY_DEFAULT, unit: "", step: 0.001, display: Display::Seconds };
/// Amp envelope sustain level (percent of full level, linear).
pub const SUSTAIN_PCT: Setting = Setting { name: "Sustain", min: 0.0, max: 100.0, default: 100.0, unit: " %", step: 0.1, display: Display::Decimals(1) };
/// Shape of the envelope's attack, decay and release: 0 straight lines,
/// positive moves fast first (a decay falls like an exponential), negative
/// slow first. The guest's shape constant is `8^(-curve / 100)`
/// ([`env_curve_constant`]).
pub const ENV_CURVE_PCT: Setting = Setting { name: "Curve", min: -100.0, max: 100.0, default: 0.0, unit: " %", step: 1.0, display: Display::Decimals(0) };
/// How much velocity changes the level: 0 plays every velocity at full
/// level, 100 % follows the velocity curve fully.
pub const VELOCITY_AMOUNT_PCT: Setting =
    Setting { name: "Velocity amount", min: 0.0, max: 100.0, default: 100.0, unit: " %", step: 1.0, display: Display::Decimals(0) };
/// The velocity curve: gain = velocity^(2 * 4^(curve / 100)), so 0 is the
/// square law (-12 dB at half velocity), -100 % a square root, +100 % the
/// eighth power ([`crate::engine::triggering::velocity_gain`]).
pub const VELOCITY_CURVE_PCT: Setting =
    Setting { name: "Velocity curve", min: -100.0, max: 100.0, default: 0.0, unit: " %", step: 1.0, display: Display::Decimals(0) };
/// How far a full pitch bend moves a pad (semitones, up and down).
pub const BEND_RANGE_ST: Setting = Setting {
    name: "Bend range",
    min: 0.0,
    max: abi::param::BEND_RANGE_MAX,
    default: abi::param::BEND_RANGE_DEFAULT,
    unit: " st",
    step: 1.0,
    display: Display::Decimals(0),
};
/// The filter's cutoff (Hz), before key, velocity and envelope tracking.
pub const CUTOFF_HZ: Setting = Setting {
    name: "Cutoff",
    min: abi::param::CUTOFF_MIN,
    max: abi::param::CUTOFF_MAX,
    default: abi::param::CUTOFF_DEFAULT,
    unit: "",
    step: 1.0,
    display: Display::Hertz,
};
/// The filter's resonance: the peak, in dB, a 12 dB/oct low-pass section
/// has over Butterworth at the cutoff (`Q = 10^(dB/20)/√2`).
pub const RESONANCE_DB: Setting =
    Setting { name: "Resonance", min: 0.0, max: abi::param::RESONANCE_MAX, default: 0.0, unit: " dB", step: 0.1, display: Display::Decimals(1) };
/// How far the cutoff follows the note: 100 % moves it an octave per
/// octave above the pad's root.
/// How far a key-range pad's pitch follows the keys: cents per key (100
/// plays a semitone per key, 0 every key at the root's pitch, 50 quarter
/// tones; SFZ `pitch_keytrack`).
pub const PITCH_KEYTRACK_CT: Setting =
    Setting { name: "Pitch tracking", min: -1200.0, max: 1200.0, default: 100.0, unit: " ct/key", step: 1.0, display: Display::Decimals(0) };
pub const KEYTRACK_PCT: Setting = Setting { name: "Key tracking", min: 0.0, max: 100.0, default: 0.0, unit: " %", step: 1.0, display: Display::Decimals(0) };
/// Octaves the cutoff falls from full velocity to velocity 0 (negative:
/// rises).
pub const FILTER_VELOCITY_OCT: Setting = Setting {
    name: "Velocity to cutoff",
    min: -abi::param::MOD_OCTAVES_MAX,
    max: abi::param::MOD_OCTAVES_MAX,
    default: 0.0,
    unit: " oct",
    step: 0.01,
    display: Display::Decimals(2),
};
/// Octaves the amp envelope adds to the cutoff at its full level.
pub const FILTER_ENVELOPE_OCT: Setting = Setting {
    name: "Envelope to cutoff",
    min: -abi::param::MOD_OCTAVES_MAX,
    max: abi::param::MOD_OCTAVES_MAX,
    default: 0.0,
    unit: " oct",
    step: 0.01,
    display: Display::Decimals(2),
};
/// A forward loop's crossfade (seconds).
pub const LOOP_CROSSFADE_S: Setting = Setting { name: "Crossfade", min: 0.0, max: 1.0, default: 0.0, unit: "", step: 0.001, display: Display::Seconds };
/// Pads sharing a choke group (1..) cut each other off; 0 = none.
pub const CHOKE_GROUP: Setting = Setting { name: "Choke group", min: 0.0, max: 16.0, default: 0.0, unit: "", step: 1.0, display: Display::ZeroIs("off") };
/// How fast a choke fades a pad's voices (when its off mode is fast).
pub const CHOKE_FADE_S: Setting = Setting {
    name: "Choke fade",
    min: abi::param::CHOKE_FADE_MIN,
    max: abi::param::CHOKE_FADE_MAX,
    default: 0.005,
    unit: "",
    step: 0.001,
    display: Display::Seconds,
};
/// A pad's voices at once: a note at the limit fades its oldest voice over
/// 5 ms; 0, "all", leaves only the global limit.
pub const PAD_VOICES: Setting =
    Setting { name: "Voices", min: 0.0, max: abi::param::VOICES_MAX, default: 0.0, unit: "", step: 1.0, display: Display::ZeroIs("all") };
/// A sample's own gain within its pad (dB), added to the pad's.
pub const SAMPLE_GAIN_DB: Setting = Setting { name: "Sample gain", min: -60.0, max: 24.0, default: 0.0, unit: " dB", step: 0.1, display: Display::Decimals(1) };
/// A sample's own tuning within its pad (cents), added to the pad's.
pub const SAMPLE_TUNE_CENTS: Setting =
    Setting { name: "Sample tune", min: -1200.0, max: 1200.0, default: 0.0, unit: " ct", step: 0.1, display: Display::Decimals(1) };
/// How wide (in MIDI velocity steps) a pad's neighbouring velocity layers
/// crossfade at their boundary; 0 switches at the boundary.
pub const LAYER_CROSSFADE: Setting =
    Setting { name: "Layer crossfade", min: 0.0, max: 64.0, default: 0.0, unit: " vel", step: 1.0, display: Display::ZeroIs("off") };
/// The output a pad plays into: 0 the main stereo output, 1..=8 the
/// auxiliary ones ("Out 2" … "Out 9").
pub const OUTPUT: Setting =
    Setting { name: "Output", min: 0.0, max: (abi::OUT_BUSES - 1) as f32, default: 0.0, unit: "", step: 1.0, display: Display::ZeroIs("main") };
/// Voices sounding at once in the whole instrument before the quietest is
/// stolen (a setting of the plugin, saved with the project).
pub const POLYPHONY: Setting =
    Setting { name: "Polyphony", min: 1.0, max: abi::MAX_POLYPHONY as f32, default: abi::POLYPHONY as f32, unit: "", step: 1.0, display: Display::Decimals(0) };
/// The most memory the samples may take (MiB), a setting of the plugin
/// saved with the project, never automated: default 2 GiB, well below the
/// guest's 4 GiB address space; at most all of it.
pub const MEMORY_BUDGET_MIB: Setting = Setting {
    name: "Sample memory",
    min: 16.0,
    max: ((abi::MAX_PAGES as u64 * abi::PAGE_SIZE as u64) >> 20) as f32,
    default: 2048.0,
    unit: " MiB",
    step: 16.0,
    display: Display::Decimals(0),
};
/// MIDI notes.
pub const NOTE: Setting = Setting { name: "Note", min: 0.0, max: 127.0, default: 60.0, unit: "", step: 1.0, display: Display::Decimals(0) };
/// MIDI velocities that can play a pad.
pub const VELOCITY: Setting = Setting { name: "Velocity", min: 1.0, max: 127.0, default: 127.0, unit: "", step: 1.0, display: Display::Decimals(0) };

/// Every entry, for tests and documentation.
pub const ALL: [Setting; 31] = [
    MASTER_GAIN_DB,
    PAD_GAIN_DB,
    PAN,
    TUNE_SEMITONES,
    TUNE_CENTS,
    RELEASE_S,
    ATTACK_S,
    HOLD_S,
    DECAY_S,
    SUSTAIN_PCT,
    ENV_CURVE_PCT,
    VELOCITY_AMOUNT_PCT,
    VELOCITY_CURVE_PCT,
    BEND_RANGE_ST,
    PITCH_KEYTRACK_CT,
    CUTOFF_HZ,
    RESONANCE_DB,
    KEYTRACK_PCT,
    FILTER_VELOCITY_OCT,
    FILTER_ENVELOPE_OCT,
    LOOP_CROSSFADE_S,
    CHOKE_GROUP,
    CHOKE_FADE_S,
    PAD_VOICES,
    SAMPLE_GAIN_DB,
    SAMPLE_TUNE_CENTS,
    LAYER_CROSSFADE,
    OUTPUT,
    POLYPHONY,
    MEMORY_BUDGET_MIB,
    NOTE,
];

/// Pads whose gain, pan, tune and fine tune are automatable parameters
/// (ids `pgain_N`, `pan_N`, `tune_N`, `fine_N`, N = 1..=16).
pub const AUTOMATED_PADS: usize = 16;

/// Pads a kit can have (one entry of the guest's pad table each).
pub const MAX_PADS: usize = abi::PAD_CAPACITY as usize;

/// Samples (velocity layers times round-robin hits) one pad holds; a kit
/// holds at most `abi::SLOT_CAPACITY` in all.
pub const MAX_SAMPLES_PER_PAD: usize = 256;

impl Setting {
    /// The range as `min..=max`, for widgets.
    ///
    /// Thread: any. No allocation.
    pub fn range(&self) -> std::ops::RangeInclusive<f32> {
        self.min..=self.max
    }

    /// Whether `v` is a valid value (finite and in range).
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn contains(&self, v: f32) -> bool {
        v.is_finite() && (self.min..=self.max).contains(&v)
    }

    /// `v` clamped into range; the default for NaN.
    ///
    /// Thread: any, the audio thread included. No allocation.
    pub fn clamp(&self, v: f32) -> f32 {
        if v.is_nan() {
            self.default
        } else {
            v.clamp(self.min, self.max)
        }
    }

    /// `v` as text, without the unit.
    ///
    /// Thread: any non-real-time thread. Allocates.
    pub fn format(&self, v: f32) -> String {
        match self.display {
            Display::Decimals(d) => fixed(v, d),
            Display::Pan => {
                let percent = zero_free((v * 100.0).round());
                match percent {
                    p if p < 0.0 => format!("{}L", -p),
                    p if p > 0.0 => format!("{p}R"),
                    _ => "C".into(),
                }
            }
            Display::Seconds => {
                if v < 0.9995 {
                    format!("{} ms", fixed(v * 1000.0, 0))
                } else {
                    format!("{} s", fixed(v, 2))
                }
            }
            Display::ZeroIs(word) => {
                if v.round() == 0.0 {
                    word.into()
                } else {
                    fixed(v.round(), 0)
                }
            }
            Display::Hertz => {
                if v < 999.5 {
                    format!("{} Hz", fixed(v, 0))
                } else {
                    format!("{} kHz", fixed(v / 1000.0, 2))
                }
            }
        }
    }

    /// `v` as text with its unit.
    ///
    /// Thread: any non-real-time thread. Allocates.
    pub fn format_with_unit(&self, v: f32) -> String {
        match self.display {
            // "off", not "off vel".
            Display::ZeroIs(word) if v.round() == 0.0 => word.to_string(),
            _ => format!("{}{}", self.format(v), self.unit),
        }
    }

    /// Text (with or without the unit) back to a value, clamped into range;
    /// `None` if it is not a number of this setting.
    ///
    /// Thread: any non-real-time thread. No allocation.
    pub fn parse(&self, text: &str) -> Option<f32> {
        let t = text.trim();
        let t = t.strip_suffix(self.unit.trim()).unwrap_or(t).trim();
        let v = match self.display {
            Display::Decimals(_) => t.parse::<f32>().ok()?,
            Display::Pan => {
                if t.eq_ignore_ascii_case("c") || t.eq_ignore_ascii_case("center") || t.eq_ignore_ascii_case("centre") {
                    0.0
                } else if let Some(l) = t.strip_suffix(['L', 'l']) {
                    -l.trim().parse::<f32>().ok()? / 100.0
                } else if let Some(r) = t.strip_suffix(['R', 'r']) {
                    r.trim().parse::<f32>().ok()? / 100.0
                } else {
                    t.parse::<f32>().ok()?
                }
            }
            Display::Seconds => {
                if let Some(ms) = t.strip_suffix("ms") {
                    ms.trim().parse::<f32>().ok()? / 1000.0
                } else {
                    t.strip_suffix('s').unwrap_or(t).trim().parse::<f32>().ok()?
                }
            }
            Display::ZeroIs(word) => {
                if t.eq_ignore_ascii_case(word) {
                    0.0
                } else {
                    t.parse::<f32>().ok()?
                }
            }
            Display::Hertz => {
                if let Some(k) = strip_suffix_ignoring_case(t, "khz").or_else(|| strip_suffix_ignoring_case(t, "k")) {
                    k.trim().parse::<f32>().ok()? * 1000.0
                } else {
                    strip_suffix_ignoring_case(t, "hz").unwrap_or(t).trim().parse::<f32>().ok()?
                }
            }
        };
        v.is_finite().then(|| self.clamp(v))
    }
}

/// The guest's envelope shape constant (`abi::param::CURVE`) for an
/// [`ENV_CURVE_PCT`] value: `8^(-curve / 100)`, exactly 1 at 0.
///
/// Thread: any, the audio thread included. No allocation.
pub fn env_curve_constant(curve_pct: f32) -> f32 {
    let c = ENV_CURVE_PCT.clamp(curve_pct);
    if c == 0.0 {
        1.0
    } else {
        libm::exp2f(-3.0 * c / 100.0).clamp(abi::param::CURVE_MIN, abi::param::CURVE_MAX)
    }
}

/// `v` with `decimals` decimals, never "-0".
fn fixed(v: f32, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    }
}

/// `t` without `suffix` (ASCII, any case), if it ends with it.
fn strip_suffix_ignoring_case<'a>(t: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = t.len().checked_sub(suffix.len())?;
    (t.is_char_boundary(cut) && t[cut..].eq_ignore_ascii_case(suffix)).then(|| &t[..cut])
}

/// `v` with negative zero made positive.
fn zero_free(v: f32) -> f32 {
    if v == 0.0 {
        0.0
    } else {
        v
    }
}

/// dB to linear gain, exactly 1.0 at 0 dB. Uses `libm` rather than the
/// platform's maths library, so the same settings give the same bytes on
/// every platform and in a browser.
///
/// Thread: any, the audio thread included. No allocation.
pub fn db_to_gain(db: f32) -> f32 {
    if db == 0.0 {
        1.0
    } else {
        libm::powf(10.0, db / 20.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_zero_and_values_that_round_to_zero_show_as_zero() {
        assert_eq!(PAD_GAIN_DB.format(-0.0), "0.0");
        assert_eq!(PAD_GAIN_DB.format(-0.04), "0.0");
        assert_eq!(TUNE_CENTS.format(-0.01), "0.0");
        assert_eq!(PAN.format(-0.001), "C");
        assert_eq!(PAN.format(0.004), "C");
        assert_eq!(PAN.format(-0.25), "25L");
        assert_eq!(PAN.format(1.0), "100R");
    }

    #[test]
    fn text_parses_back_to_the_value_it_shows_for_every_setting() {
        for s in ALL {
            for i in 0..=20_000 {
                let v = s.min + (s.max - s.min) * i as f32 / 20_000.0;
                let text = s.format_with_unit(v);
                let back = s.parse(&text).unwrap_or_else(|| panic!("{}: {text:?} does not parse", s.name));
                assert_eq!(s.format_with_unit(back), text, "{}: {v} -> {text} -> {back}", s.name);
            }
        }
    }

    #[test]
    fn parsing_accepts_the_unit_or_none_and_clamps_into_range() {
        assert_eq!(PAD_GAIN_DB.parse("-6.5 dB"), Some(-6.5));
        assert_eq!(PAD_GAIN_DB.parse("-6.5"), Some(-6.5));
        assert_eq!(PAD_GAIN_DB.parse("99"), Some(24.0));
        assert_eq!(PAN.parse("C"), Some(0.0));
        assert_eq!(PAN.parse("30L"), Some(-0.3));
        assert_eq!(PAN.parse("30 R"), Some(0.3));
        assert_eq!(RELEASE_S.parse("250 ms"), Some(0.25));
        assert_eq!(RELEASE_S.parse("2.5 s"), Some(2.5));
        assert_eq!(CHOKE_GROUP.parse("off"), Some(0.0));
        assert_eq!(CUTOFF_HZ.parse("440 Hz"), Some(440.0));
        assert_eq!(CUTOFF_HZ.parse("2.5 kHz"), Some(2500.0));
        assert_eq!(CUTOFF_HZ.parse("12k"), Some(12_000.0));
        assert_eq!(CUTOFF_HZ.format_with_unit(999.4), "999 Hz");
        assert_eq!(CUTOFF_HZ.format_with_unit(999.5), "1.00 kHz");
        assert_eq!(PAD_GAIN_DB.parse("loud"), None);
        assert_eq!(PAD_GAIN_DB.parse("NaN"), None);
    }

    #[test]
    fn defaults_lie_in_range_and_clamp_replaces_nan_with_the_default() {
        for s in ALL {
            assert!(s.contains(s.default), "{}", s.name);
            assert_eq!(s.clamp(f32::NAN), s.default);
        }
        assert_eq!(PAD_GAIN_DB.clamp(100.0), 24.0);
    }

    #[test]
    fn zero_db_is_exactly_unity_and_minus_six_is_half_power() {
        assert_eq!(db_to_gain(0.0), 1.0);
        assert!((db_to_gain(-6.0) - 0.501_187_2).abs() < 1e-6);
        assert!(db_to_gain(PAD_GAIN_DB.max) <= abi::param::GAIN_MAX, "the guest takes the loudest pad gain");
    }
}
