//! The pad filter through the real wasm guest (and the native DSP where
//! said): its measured response against the analog prototypes at 44.1 and
//! 96 kHz, stability at full resonance, key, velocity and envelope tracking
//! (exact where the maths is exact), identity across engines and block
//! sizes, and no zipper noise when any continuous setting jumps.

use crate::common;
use common::*;

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use wasm_sampler::cli::render::Rendered;
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::kit::{Automation, FilterSettings, FilterSlope, FilterType, Mapping, PadSettings, PlayMode};
use wasm_sampler::DspBackend;

/// Frames of the impulse responses: every response measured here has died
/// away long before (the slowest, 100 Hz at Q 1.3, within 2 000 frames).
const IR_FRAMES: usize = 16_384;

fn filtered(kind: FilterType, slope: FilterSlope, cutoff: f32) -> PadSettings {
    PadSettings { filter: FilterSettings { kind, slope, cutoff, ..FilterSettings::default() }, ..PadSettings::default() }
}

/// A pad on `data` (mono, at `rate`, played at `rate`: the read is exact)
/// with `settings`.
fn pad(kind: DspBackend, rate: u32, data: &[f32], settings: PadSettings, mapping: Mapping) -> (Rig, tempfile::TempDir) {
    let dir = tempdir();
    let path = path_in(&dir, "x.wav");
    write_float_wav(&path, rate, 1, data);
    let e = engine(kind, rate as f32);
    e.set_mapping(0, mapping);
    e.load_file(0, &path).unwrap();
    e.set_settings(0, settings);
    (e, dir)
}

/// The filter's impulse response: a unit impulse played through the pad.
fn impulse_response(rate: u32, settings: PadSettings) -> Vec<f32> {
    let mut impulse = vec![0.0; IR_FRAMES];
    impulse[0] = 1.0;
    let (e, _dir) = pad(DspBackend::Wasm, rate, &impulse, settings, Mapping::drum(36));
    render_fixed(&e, &[note_on(0, 36, 1.0)], IR_FRAMES as u64, 512).left
}

/// |H(f)| of an impulse response, by its DFT at `f`.
fn magnitude(ir: &[f32], f: f64, rate: f64) -> f64 {
    let w = 2.0 * PI * f / rate;
    let (re, im) = ir.iter().enumerate().fold((0.0, 0.0), |(re, im), (n, &h)| (re + h as f64 * (w * n as f64).cos(), im - h as f64 * (w * n as f64).sin()));
    (re * re + im * im).sqrt()
}

/// The analog prototype's |H| at `x` = f / cutoff (guest/src/filter.rs).
fn prototype(kind: FilterType, slope: FilterSlope, x: f64) -> f64 {
    let section = |q: f64| {
        let (re, im) = (1.0 - x * x, x / q);
        let den = (re * re + im * im).sqrt();
        match kind {
            FilterType::LowPass => 1.0 / den,
            FilterType::HighPass => x * x / den,
            _ => x / q / den,
        }
    };
    match (kind, slope) {
        // One pole: 1/(1+jx) and jx/(1+jx); the band-pass stays second-order.
        (FilterType::LowPass, FilterSlope::Db6) => 1.0 / (1.0 + x * x).sqrt(),
        (FilterType::HighPass, FilterSlope::Db6) => x / (1.0 + x * x).sqrt(),
        (_, FilterSlope::Db12 | FilterSlope::Db6) => section(FRAC_1_SQRT_2),
        (FilterType::BandPass, FilterSlope::Db24) => section(FRAC_1_SQRT_2).powi(2),
        _ => section(0.541_196_100_146_197) * section(1.306_562_964_876_376_5),
    }
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

#[test]
fn low_and_high_pass_are_3_db_down_at_the_cutoff_and_every_type_and_slope_follows_its_analog_prototype_within_1_db_up_to_0_45_fs() {
    let mut worst: f64 = 0.0;
    for rate in [44_100u32, 96_000] {
        let fs = rate as f64;
        for kind in [FilterType::LowPass, FilterType::HighPass, FilterType::BandPass] {
            for slope in [FilterSlope::Db6, FilterSlope::Db12, FilterSlope::Db24] {
                for cutoff in [100.0, 1_000.0, 5_000.0, 0.15 * fs, 0.2 * fs, 0.3 * fs, 0.45 * fs] {
                    // The setting's range ends at 20 kHz (0.21 fs at 96 kHz).
                    let cutoff = f64::min(cutoff, 20_000.0);
                    let what = format!("{rate} Hz {kind:?} {slope:?} at {cutoff:.0} Hz");
                    let ir = impulse_response(rate, filtered(kind, slope, cutoff as f32));
                    // One octave either side, up to 0.45 fs.
                    let (lo, hi) = (cutoff / 2.0, (cutoff * 2.0).min(0.45 * fs));
                    let mut off: f64 = 0.0;
                    for k in 0..=24 {
                        let f = lo * (hi / lo).powf(k as f64 / 24.0);
                        off = off.max((db(magnitude(&ir, f, fs)) - db(prototype(kind, slope, f / cutoff))).abs());
                    }
                    eprintln!("{what}: within {off:.2} dB of the prototype");
                    assert!(off <= 1.0, "{what}: {off:.2} dB off the prototype");
                    worst = worst.max(off);
                    if kind == FilterType::BandPass {
                        assert!(db(magnitude(&ir, cutoff, fs)).abs() < 0.05, "{what}: the band-pass peaks at 0 dB");
                        continue;
                    }
                    // The -3 dB point, by bisection on the measured response.
                    let falling = kind == FilterType::LowPass;
                    let (mut a, mut b) = (cutoff * 0.9, (cutoff * 1.1).min(0.499 * fs));
                    for _ in 0..40 {
                        let m = 0.5 * (a + b);
                        if (db(magnitude(&ir, m, fs)) > -3.0103) == falling {
                            a = m;
                        } else {
                            b = m;
                        }
                    }
                    let f3 = 0.5 * (a + b);
                    assert!((f3 / cutoff - 1.0).abs() <= 0.02, "{what}: -3 dB at {f3:.1} Hz");
                }
            }
        }
    }
    eprintln!("largest deviation from the analog prototypes: {worst:.3} dB");
}

#[test]
fn full_resonance_stays_bounded_at_every_cutoff_and_silence_decays_without_subnormals() {
    // Half a second of noise, then silence.
    let mut data = signal(24_000, 7);
    data.resize(120_000, 0.0);
    for rate in [44_100u32, 192_000] {
        for kind in [FilterType::LowPass, FilterType::HighPass, FilterType::BandPass] {
            for slope in [FilterSlope::Db6, FilterSlope::Db12, FilterSlope::Db24] {
                for cutoff in [20.0, 1_000.0, 20_000.0] {
                    let mut settings = filtered(kind, slope, cutoff);
                    settings.filter.resonance = 40.0;
                    let (e, _dir) = pad(DspBackend::Wasm, rate, &data, settings, Mapping::drum(36));
                    let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 120_000, 1_024);
                    let what = format!("{rate} Hz {kind:?} {slope:?} at {cutoff} Hz");
                    let peak = out.left.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                    assert!(out.left.iter().all(|v| v.is_finite()), "{what}: not finite");
                    // Q 70.7 (or 0.54 x 130.7) on noise of peak 1: well below 200.
                    assert!(peak < 200.0, "{what}: peak {peak}");
                    assert!(out.left.iter().all(|v| !v.is_subnormal()), "{what}: subnormal output");
                }
            }
        }
    }
}

#[test]
fn the_filter_type_off_is_bit_exact_whatever_its_other_settings() {
    let data = signal(4_000, 3);
    let mut off = filtered(FilterType::Off, FilterSlope::Db24, 300.0);
    off.filter.resonance = 30.0;
    off.filter.envelope = 3.0;
    off.filter.velocity = 2.0;
    for kind in KINDS {
        let (e, _dir) = pad(kind, 48_000, &data, off, Mapping::drum(36));
        let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 4_000, 256);
        assert_eq!(first_difference(&out.left, &data), None, "{kind:?}");
    }
}

/// Renders `data` on a pitched pad (root 60) with `settings`, one note.
fn pitched_note(data: &[f32], settings: PadSettings, note: u8, velocity: f32) -> Vec<f32> {
    let (e, _dir) = pad(DspBackend::Wasm, 48_000, data, settings, Mapping { mode: PlayMode::OneShot, ..Mapping::pitched(0, 127) });
    e.set_root(0, 60);
    render_fixed(&e, &[note_on(0, note, velocity)], 3_000, 256).left
}

#[test]
fn key_tracking_velocity_and_the_envelope_move_the_cutoff_by_their_octaves_exactly() {
    let data = signal(8_000, 11);
    let low =
        |cutoff: f32, f: FilterSettings| PadSettings { filter: FilterSettings { cutoff, ..f }, ..filtered(FilterType::LowPass, FilterSlope::Db12, cutoff) };
    let base = low(1_024.0, FilterSettings::default()).filter;
    let base = FilterSettings { kind: FilterType::LowPass, ..base };
    // An octave above the root with 100 % key tracking: the cutoff doubles.
    let tracked = pitched_note(&data, low(1_024.0, FilterSettings { keytrack: 100.0, ..base }), 72, 1.0);
    assert_eq!(first_difference(&tracked, &pitched_note(&data, low(2_048.0, base), 72, 1.0)), None, "key tracking");
    assert_ne!(first_difference(&tracked, &pitched_note(&data, low(1_024.0, base), 72, 1.0)), None, "and it does change the sound");
    // Two octaves of velocity at half velocity: one octave down.
    let soft = pitched_note(&data, low(4_096.0, FilterSettings { velocity: 2.0, ..base }), 60, 0.5);
    assert_eq!(first_difference(&soft, &pitched_note(&data, low(2_048.0, base), 60, 0.5)), None, "velocity");
    // +2 octaves of envelope, with the default envelope at full level.
    let opened = pitched_note(&data, low(1_024.0, FilterSettings { envelope: 2.0, ..base }), 60, 1.0);
    assert_eq!(first_difference(&opened, &pitched_note(&data, low(4_096.0, base), 60, 1.0)), None, "envelope");
}

/// Share of a signal's energy in its first difference: grows with the
/// high-frequency content.
fn brightness(x: &[f32]) -> f64 {
    let e: f64 = x.iter().map(|&v| v as f64 * v as f64).sum();
    let d: f64 = x.windows(2).map(|w| (w[1] - w[0]) as f64).map(|v| v * v).sum();
    d / e
}

#[test]
fn an_envelope_amount_closes_a_low_pass_as_the_decay_falls() {
    let data = signal(48_000, 5);
    let mut settings = filtered(FilterType::LowPass, FilterSlope::Db24, 200.0);
    settings.filter.envelope = 6.0;
    settings.decay = 0.4;
    settings.sustain = 0.0;
    let (e, _dir) = pad(DspBackend::Wasm, 48_000, &data, settings, Mapping::drum(36));
    let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 19_200, 256).left;
    let (early, late) = (brightness(&out[480..1_440]), brightness(&out[14_400..19_200]));
    assert!(early > 20.0 * late, "the sound darkens as the envelope falls: {early} then {late}");
}

#[test]
fn every_filter_feature_renders_identically_in_wasm_and_native_and_at_every_block_size() {
    let dir = tempdir();
    let path = path_in(&dir, "stereo.wav");
    write_float_wav(&path, 44_100, 2, &signal(12_000, 9));
    for (response, slope) in [(FilterType::BandPass, FilterSlope::Db24), (FilterType::LowPass, FilterSlope::Db6)] {
        let settings = PadSettings {
            attack: 0.01,
            decay: 0.05,
            sustain: 40.0,
            release: 0.02,
            filter: FilterSettings { kind: response, slope, cutoff: 900.0, resonance: 12.0, keytrack: 50.0, velocity: 1.5, envelope: 3.0 },
            ..PadSettings::default()
        };
        identical_everywhere(&path, settings);
    }
}

/// Renders a gate pad with `settings` in both engines at three block
/// sizes and asserts the renders are identical (and not silent).
fn identical_everywhere(path: &std::path::Path, settings: PadSettings) {
    let events = [note_on(0, 60, 0.9), note_on(500, 67, 0.4), note_off(2_000, 60), note_on(2_100, 55, 1.0), note_off(4_000, 67)];
    let mut renders = Vec::new();
    for kind in KINDS {
        for block in [1, 64, 1_000] {
            let e = engine(kind, 48_000.0);
            e.set_mapping(0, Mapping { mode: PlayMode::Gate, ..Mapping::pitched(0, 127) });
            e.load_file(0, path).unwrap();
            e.set_root(0, 60);
            e.set_settings(0, settings);
            renders.push((kind, block, render_fixed(&e, &events, 6_000, block)));
        }
    }
    let (_, _, first) = &renders[0];
    assert!(first.left.iter().any(|&v| v != 0.0) && first.left != first.right);
    for (kind, block, r) in &renders[1..] {
        assert_identical(first, r, &format!("{kind:?}, blocks of {block}"));
    }
}

/// A full-scale 1 kHz sine at 48 kHz for one second.
fn sine() -> Vec<f32> {
    (0..48_000).map(|i| (2.0 * PI * 1_000.0 * i as f64 / 48_000.0).sin() as f32).collect()
}

/// The largest sample-to-sample step of either channel over `range`.
fn largest_step(out: &Rendered, range: std::ops::Range<usize>) -> f32 {
    [&out.left, &out.right].iter().flat_map(|c| c[range.clone()].windows(2).map(|w| (w[1] - w[0]).abs())).fold(0.0, f32::max)
}

/// The sine's own largest step (0.1308) plus 0.01.
const STEP_BOUND: f32 = 0.141;

/// Renders the sine with the pad's host parameters at `before`, then at
/// `after` from frame 12 288 on (a block boundary; parameters change per
/// block), and pitch-bend events `bends`.
fn automated(kind: DspBackend, settings: PadSettings, before: Automation, after: Automation, bends: &[(usize, f32)]) -> Rendered {
    let (e, _dir) = pad(kind, 48_000, &sine(), settings, Mapping { mode: PlayMode::Gate, ..Mapping::drum(36) });
    let block = 256;
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for start in (0..24_576).step_by(block) {
        let mut notes = Vec::new();
        if start == 0 {
            notes.push(NoteEvent::On { frame: 0, channel: 0, note: 36, velocity: 1.0 });
        }
        for &(at, value) in bends.iter().filter(|(at, _)| (start..start + block).contains(at)) {
            notes.push(NoteEvent::PitchBend { frame: (at - start) as u32, channel: 0, value });
        }
        let (mut l, mut r) = (vec![0.0; block], vec![0.0; block]);
        let values = if start < 12_288 { before } else { after };
        e.engine.process_automated(&notes, &[values], &mut l, &mut r);
        left.extend(l);
        right.extend(r);
    }
    Rendered { left, right, aux: Vec::new(), process_seconds: 0.0, wall_seconds: 0.0 }
}

/// What a step changes: its name, the pad's settings, the host's
/// parameters before and after, and pitch bends (frame, value).
type Step = (&'static str, PadSettings, Automation, Automation, Vec<(usize, f32)>);

#[test]
fn full_range_steps_of_gain_pan_cutoff_resonance_and_pitch_bend_ramp_without_zipper_noise() {
    let n = Automation::NEUTRAL;
    let low = |slope| filtered(FilterType::LowPass, slope, 20_000.0);
    let cases: [Step; 9] = [
        ("gain -60 dB to 0 dB", PadSettings::default(), Automation { gain_db: -60.0, ..n }, n, vec![]),
        ("gain 0 dB to -60 dB", PadSettings::default(), n, Automation { gain_db: -60.0, ..n }, vec![]),
        ("pan left to right", PadSettings::default(), Automation { pan: -1.0, ..n }, Automation { pan: 1.0, ..n }, vec![]),
        ("cutoff 20 Hz to 20 kHz", low(FilterSlope::Db12), Automation { cutoff: 20.0, ..n }, n, vec![]),
        ("cutoff 20 kHz to 20 Hz", low(FilterSlope::Db12), n, Automation { cutoff: 20.0, ..n }, vec![]),
        ("24 dB cutoff 20 Hz to 20 kHz", low(FilterSlope::Db24), Automation { cutoff: 20.0, ..n }, n, vec![]),
        ("resonance 0 to 40 dB", low(FilterSlope::Db12), Automation { cutoff: 5_000.0, ..n }, Automation { cutoff: 5_000.0, resonance: 40.0, ..n }, vec![]),
        ("resonance 40 to 0 dB", low(FilterSlope::Db24), Automation { cutoff: 5_000.0, resonance: 40.0, ..n }, Automation { cutoff: 5_000.0, ..n }, vec![]),
        // Bending up raises the sine's own steps, so the bend goes from the
        // bottom of its range to the centre.
        ("pitch bend -1 to 0", PadSettings::default(), n, n, vec![(0, -1.0), (12_288, 0.0)]),
    ];
    for (what, settings, before, after, bends) in cases {
        for kind in KINDS {
            let out = automated(kind, settings, before, after, &bends);
            let step = largest_step(&out, 12_000..13_800);
            eprintln!("{what} ({kind:?}): largest step {step:.4}");
            assert!(step <= STEP_BOUND, "{what} ({kind:?}): a step of {step}");
            // The change did happen: 150 periods later the output differs.
            let change = (7_200..7_680).map(|i| (out.left[i + 7_200] - out.left[i]).abs()).fold(0.0, f32::max);
            assert!(change > 0.02, "{what} ({kind:?}): nothing changed ({change})");
        }
    }
}
