//! Every parameter the plugin shows a host: value → text → value → text is
//! stable over its whole range (what clap-validator's parameter fuzzer
//! checks), no text reads "-0", and the ranges are the settings table's.

use nice_plug::prelude::Plugin;
use wasm_sampler::plugin::WasmSampler;
use wasm_sampler::settings;

/// Normalized values tried per parameter: an even grid plus the ends.
const STEPS: usize = 20_000;

#[test]
fn every_parameters_text_reads_back_to_the_same_text_over_its_whole_range() {
    let plugin = WasmSampler::<false>::default();
    let params = plugin.params();
    let map = params.param_map();
    assert_eq!(map.len(), 1 + 10 * settings::AUTOMATED_PADS, "master gain and ten per automated pad");
    for (id, ptr, _group) in &map {
        for i in 0..=STEPS {
            let normalized = i as f32 / STEPS as f32;
            for unit in [true, false] {
                // SAFETY: `ptr` points into `params`, which lives (through
                // `plugin`) for the whole test; nothing else touches it.
                let (text, back, again) = unsafe {
                    let text = ptr.normalized_value_to_string(normalized, unit);
                    let back = ptr.string_to_normalized_value(&text).unwrap_or_else(|| panic!("{id}: {text:?} does not parse"));
                    (text.clone(), back, ptr.normalized_value_to_string(back, unit))
                };
                assert_eq!(again, text, "{id}: {normalized} -> {text:?} -> {back} -> {again:?}");
                assert!(!is_negative_zero(&text), "{id}: {text:?}");
            }
        }
    }
}

#[test]
fn parameter_ranges_and_defaults_come_from_the_settings_table() {
    let plugin = WasmSampler::<false>::default();
    let params = plugin.params();
    let table = [
        ("gain", settings::MASTER_GAIN_DB),
        ("pgain_1", settings::PAD_GAIN_DB),
        ("pan_1", settings::PAN),
        ("tune_1", settings::TUNE_SEMITONES),
        ("fine_1", settings::TUNE_CENTS),
        ("att_1", settings::ATTACK_S),
        ("dec_16", settings::DECAY_S),
        ("sus_1", settings::SUSTAIN_PCT),
        ("rel_1", settings::RELEASE_S),
        ("cut_1", settings::CUTOFF_HZ),
        ("res_16", settings::RESONANCE_DB),
    ];
    for (id, s) in table {
        let (_, ptr, _) = params.param_map().into_iter().find(|(i, _, _)| i == id).unwrap_or_else(|| panic!("no parameter {id}"));
        // SAFETY: as above, `params` outlives these calls.
        let (lo, hi, default, name) = unsafe { (ptr.preview_plain(0.0), ptr.preview_plain(1.0), ptr.default_plain_value(), ptr.name().to_string()) };
        assert_eq!((lo, hi, default), (s.min, s.max, s.default), "{id}");
        assert_eq!(name, s.name, "{id}");
    }
}

#[test]
fn a_pan_just_off_centre_reads_as_centre_both_ways() {
    let plugin = WasmSampler::<false>::default();
    let params = plugin.params();
    let (_, pan, _) = params.param_map().into_iter().find(|(i, _, _)| i == "pan_1").unwrap();
    // SAFETY: as above.
    unsafe {
        let near = pan.preview_normalized(-0.001);
        assert_eq!(pan.normalized_value_to_string(near, true), "C");
        assert_eq!(pan.string_to_normalized_value("C"), Some(0.5));
        assert_eq!(pan.normalized_value_to_string(pan.preview_normalized(-0.25), true), "25L");
    }
}

/// Whether `text` shows zero with a minus sign ("-0.0 dB", "-0").
fn is_negative_zero(text: &str) -> bool {
    let number: String = text.chars().take_while(|c| c.is_ascii_digit() || *c == '-' || *c == '.').collect();
    number.starts_with('-') && number.parse::<f32>() == Ok(0.0)
}
