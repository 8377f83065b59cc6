//! Interpolation quality: pure tones in a 44.1 kHz sample, played at 48 kHz
//! from two octaves down to two octaves up with each kernel, against the
//! ideal (the same tone computed at the played pitch); the table this
//! prints is the README's. Sinc must beat cubic clearly wherever the tone
//! stays below the output's Nyquist frequency.

use crate::common;
use common::*;

use std::f64::consts::TAU;

use wasm_sampler::kit::{Interpolation, Mapping, PadSettings, PlayMode};
use wasm_sampler::DspBackend;

const SOURCE_RATE: f64 = 44_100.0;
const OUT_RATE: f64 = 48_000.0;

/// Signal-to-error ratio (dB) of `out` against the tone of `freq` Hz at
/// the output rate, over the middle of the note (the kernels' edges
/// excluded); where the played tone is past Nyquist the ideal is silence,
/// and the figure is the output's level below the tone's (dB, negative of
/// what aliased through).
fn quality(out: &[f32], freq: f64, amplitude: f64, frames: usize) -> f64 {
    let (from, to) = (64, frames - 64);
    let ideal = |n: usize| if freq < OUT_RATE / 2.0 { amplitude * (TAU * freq * n as f64 / OUT_RATE).sin() } else { 0.0 };
    let error: f64 = (from..to).map(|n| (out[n] as f64 - ideal(n)).powi(2)).sum();
    10.0 * ((to - from) as f64 * amplitude * amplitude / 2.0 / error.max(1e-30)).log10()
}

#[test]
fn sinc_is_cleaner_than_cubic_which_is_cleaner_than_linear_from_two_octaves_down_to_two_up() {
    let dir = tempdir();
    let amplitude = 0.5;
    let shifts = [-24, -12, -5, 0, 5, 12, 24];
    let kernels = [Interpolation::Linear, Interpolation::Cubic, Interpolation::Sinc];
    println!("| tone | kernel | {} |", shifts.map(|s| format!("{s:+} st")).join(" | "));
    for tone in [1_000.0, 4_000.0, 8_000.0, 16_000.0] {
        let source: Vec<f32> = (0..44_100).map(|n| (amplitude * (TAU * tone * n as f64 / SOURCE_RATE).sin()) as f32).collect();
        let path = path_in(&dir, &format!("tone{tone}.wav"));
        write_float_wav(&path, 44_100, 1, &source);
        let mut rows = Vec::new();
        for interp in kernels {
            let row: Vec<f64> = shifts
                .iter()
                .map(|&s| {
                    let e = engine(DspBackend::Wasm, OUT_RATE as f32);
                    e.set_mapping(0, Mapping { mode: PlayMode::OneShot, ..Mapping::pitched(0, 127) });
                    e.load_file(0, &path).unwrap();
                    e.set_root(0, 60);
                    e.set_settings(0, PadSettings { interpolation: interp, ..PadSettings::default() });
                    let ratio = 2f64.powf(s as f64 / 12.0);
                    // The note's length at the output rate, less the edges.
                    let frames = ((44_100.0 / ratio) * OUT_RATE / SOURCE_RATE) as usize - 8;
                    let frames = frames.min(40_000);
                    let out = render_fixed(&e, &[note_on(0, (60 + s) as u8, 1.0)], frames as u64, 1_024).left;
                    quality(&out, tone * ratio, amplitude, frames)
                })
                .collect();
            println!("| {tone} Hz | {interp:?} | {} |", row.iter().map(|q| format!("{q:.1} dB")).collect::<Vec<_>>().join(" | "));
            rows.push(row);
        }
        for (k, &s) in shifts.iter().enumerate() {
            let (linear, cubic, sinc) = (rows[0][k], rows[1][k], rows[2][k]);
            assert!(linear.is_finite() && cubic.is_finite() && sinc.is_finite());
            if tone * 2f64.powf(s as f64 / 12.0) < OUT_RATE / 2.0 {
                assert!(cubic > linear, "{tone} Hz {s:+}: cubic {cubic:.1} dB vs linear {linear:.1} dB");
                let margin = if tone <= 8_000.0 { 10.0 } else { 0.0 };
                assert!(sinc > cubic + margin, "{tone} Hz {s:+}: sinc {sinc:.1} dB vs cubic {cubic:.1} dB");
            }
        }
    }
}

#[test]
fn sinc_renders_identically_in_wasm_and_native_at_every_block_size_and_copies_samples_at_rate_1() {
    let dir = tempdir();
    let path = path_in(&dir, "stereo.wav");
    let data = signal(9_000, 51);
    write_float_wav(&path, 44_100, 2, &data);
    let sinc = PadSettings { interpolation: Interpolation::Sinc, ..PadSettings::default() };
    let mut renders = Vec::new();
    for kind in KINDS {
        for block in [1, 100, 1_024] {
            let e = engine(kind, 48_000.0);
            e.set_mapping(0, Mapping { mode: PlayMode::OneShot, ..Mapping::pitched(0, 127) });
            e.load_file(0, &path).unwrap();
            e.set_root(0, 60);
            e.set_settings(0, sinc);
            renders.push((kind, block, render_fixed(&e, &[note_on(0, 57, 1.0), note_on(300, 64, 0.7)], 12_000, block)));
        }
    }
    for (kind, block, r) in &renders[1..] {
        assert_identical(&renders[0].2, r, &format!("{kind:?}, blocks of {block}"));
    }
    // At the sample's own rate the sinc kernel is never asked: the samples
    // come out as they are.
    let e = engine(DspBackend::Wasm, 44_100.0);
    e.load_file(0, &path).unwrap();
    e.set_settings(0, sinc);
    let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 4_500, 256);
    let left: Vec<f32> = data.iter().step_by(2).copied().collect();
    assert_eq!(first_difference(&out.left, &left), None);
}

#[test]
fn pads_left_at_the_kit_default_play_with_the_kits_render_quality_and_follow_it_when_it_changes() {
    let dir = tempdir();
    let path = path_in(&dir, "stereo.wav");
    write_float_wav(&path, 44_100, 2, &signal(9_000, 52));
    let notes = [note_on(0, 55, 1.0), note_on(300, 67, 0.8)];
    // A pitched pad with `interpolation`, in a kit of render quality
    // `quality` set before or after the pad.
    let play = |interpolation: Interpolation, quality: Interpolation, quality_first: bool| {
        let e = engine(DspBackend::Wasm, 48_000.0);
        if quality_first {
            e.set_render_quality(quality);
        }
        e.set_mapping(0, Mapping { mode: PlayMode::OneShot, ..Mapping::pitched(0, 127) });
        e.load_file(0, &path).unwrap();
        e.set_root(0, 60);
        e.set_settings(0, PadSettings { interpolation, ..PadSettings::default() });
        if !quality_first {
            e.set_render_quality(quality);
        }
        assert_eq!(e.render_quality(), quality);
        render_fixed(&e, &notes, 10_000, 256)
    };
    assert_eq!(PadSettings::default().interpolation, Interpolation::Default, "new pads follow the kit");
    let explicit = [Interpolation::Cubic, Interpolation::Linear, Interpolation::Sinc].map(|k| play(k, Interpolation::Cubic, true));
    assert_ne!(explicit[0].left, explicit[1].left);
    assert_ne!(explicit[0].left, explicit[2].left);
    for (k, kernel) in [Interpolation::Cubic, Interpolation::Linear, Interpolation::Sinc].into_iter().enumerate() {
        for quality_first in [true, false] {
            let followed = play(Interpolation::Default, kernel, quality_first);
            assert_identical(&explicit[k], &followed, &format!("kit quality {kernel:?}, set first: {quality_first}"));
        }
        // A pad that names its kernel ignores the kit's.
        assert_identical(&explicit[1], &play(Interpolation::Linear, kernel, false), &format!("linear pad in a {kernel:?} kit"));
    }
}
