//! The amp envelope and the velocity response, through the real wasm guest
//! and the native DSP: levels at every stage boundary follow the documented
//! formula (guest/src/envelope.rs), release follows note-off in gate mode, a
//! one-shot ends when its decay reaches silence, the curve bends segments,
//! and every render is identical across engines and block sizes.

use crate::common;
use common::*;

use wasm_sampler::kit::{Automation, Mapping, PadSettings, PlayMode};
use wasm_sampler::DspBackend;

/// A constant 0.5 for two seconds at 48 kHz: the output is 0.5 times the
/// envelope level.
fn dc_pad(kind: DspBackend, settings: PadSettings, mode: PlayMode) -> (Rig, tempfile::TempDir) {
    let dir = tempdir();
    let path = path_in(&dir, "dc.wav");
    write_float_wav(&path, 48_000, 1, &vec![0.5; 96_000]);
    let e = engine(kind, 48_000.0);
    e.set_mapping(0, Mapping { mode, ..Mapping::drum(36) });
    e.load_file(0, &path).unwrap();
    e.set_settings(0, settings);
    (e, dir)
}

/// Attack 10 ms (480 frames), hold 5 ms (240), decay 20 ms (960) to 25 %,
/// release 10 ms (480), straight segments.
fn shaped() -> PadSettings {
    PadSettings { attack: 0.010, hold: 0.005, decay: 0.020, sustain: 25.0, release: 0.010, ..PadSettings::default() }
}

#[test]
fn a_gate_note_rises_holds_decays_sustains_and_releases_at_the_documented_levels() {
    for kind in KINDS {
        let (e, _dir) = dc_pad(kind, shaped(), PlayMode::Gate);
        let out = render_fixed(&e, &[note_on(0, 36, 1.0), note_off(3_000, 36)], 4_000, 256);
        // Level at frame n of a segment of len frames: from + (to - from) n / len.
        let level = |n: usize| -> f32 {
            match n {
                0..480 => n as f32 * (1.0 / 480.0),
                480..720 => 1.0,
                720..1_680 => 1.0 + (0.25 - 1.0) * ((n - 720) as f32 * (1.0 / 960.0)),
                1_680..3_000 => 0.25,
                3_000..3_480 => 0.25 + (0.0 - 0.25) * ((n - 3_000) as f32 * (1.0 / 480.0)),
                _ => 0.0,
            }
        };
        for (n, &got) in out.left.iter().enumerate() {
            let want = 0.5 * level(n);
            assert!((got - want).abs() <= 1e-6, "{kind:?} frame {n}: {got} vs {want}");
        }
        // The boundaries themselves, exactly.
        assert_eq!((out.left[0], out.left[240], out.left[480], out.left[720]), (0.0, 0.25, 0.5, 0.5), "{kind:?}");
        assert_eq!((out.left[1_200], out.left[1_680], out.left[2_999]), (0.3125, 0.125, 0.125), "{kind:?}");
        assert_eq!(out.left[3_240], 0.0625, "{kind:?}: half way through the release");
        assert_eq!(e.stats().active_voices, 0, "{kind:?}: the release ended the voice");
    }
}

#[test]
fn a_one_shot_ignores_note_off_and_ends_when_its_decay_reaches_silence() {
    let settings = PadSettings { decay: 0.1, sustain: 0.0, ..PadSettings::default() };
    let (e, _dir) = dc_pad(DspBackend::Wasm, settings, PlayMode::OneShot);
    let out = render_fixed(&e, &[note_on(0, 36, 1.0), note_off(100, 36)], 6_000, 256);
    assert_eq!(out.left[0], 0.5, "no attack: full level at once");
    assert_eq!(out.left[2_400], 0.25, "half way down at 50 ms, note-off notwithstanding");
    assert!(out.left[4_799] > 0.0 && out.left[4_800..].iter().all(|&v| v == 0.0), "silent from 100 ms on");
    assert_eq!(e.stats().active_voices, 0, "the voice ended before its sample did");
}

#[test]
fn the_curve_bends_a_decay_fast_first_or_slow_first() {
    for (curve, halfway) in [(100.0, 1.0 / 9.0), (0.0, 0.5), (-100.0, 8.0 / 9.0)] {
        // Decay 1 s to silence: half way, the level is 1 - f(1/2) = 1 - 1 / (1 + c),
        // with c = 8^(-curve/100).
        let settings = PadSettings { decay: 1.0, sustain: 0.0, curve, ..PadSettings::default() };
        let (e, _dir) = dc_pad(DspBackend::Wasm, settings, PlayMode::OneShot);
        let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 24_001, 512);
        let got = out.left[24_000] / 0.5;
        assert!((got - halfway as f32).abs() < 1e-5, "curve {curve}: {got} vs {halfway}");
    }
}

#[test]
fn velocity_amount_zero_plays_every_velocity_at_full_level() {
    let settings = PadSettings { velocity_amount: 0.0, ..PadSettings::default() };
    let (e, _dir) = dc_pad(DspBackend::Wasm, settings, PlayMode::OneShot);
    let out = render_fixed(&e, &[note_on(0, 36, 0.2)], 100, 64);
    assert_eq!(out.left[10], 0.5);
    let (e, _dir) = dc_pad(DspBackend::Wasm, PadSettings::default(), PlayMode::OneShot);
    let out = render_fixed(&e, &[note_on(0, 36, 0.5)], 100, 64);
    assert_eq!(out.left[10], 0.125, "the default square law: a quarter at half velocity");
}

#[test]
fn envelopes_render_identically_in_wasm_and_native_and_at_every_block_size() {
    let settings = PadSettings { curve: 60.0, velocity_curve: -40.0, velocity_amount: 70.0, ..shaped() };
    let events = [note_on(0, 36, 0.8), note_on(700, 36, 0.6), note_off(2_500, 36), note_on(2_600, 36, 1.0), note_off(3_900, 36)];
    let mut renders = Vec::new();
    for kind in KINDS {
        for block in [1, 64, 256, 1_000] {
            let (e, _dir) = dc_pad(kind, settings, PlayMode::Gate);
            renders.push((kind, block, render_fixed(&e, &events, 5_000, block)));
        }
    }
    let (_, _, first) = &renders[0];
    assert!(first.left.iter().any(|&v| v != 0.0));
    for (kind, block, r) in &renders[1..] {
        assert_identical(first, r, &format!("{kind:?}, blocks of {block}"));
    }
}

#[test]
fn the_hosts_attack_decay_sustain_and_release_parameters_shape_the_next_note() {
    let (e, _dir) = dc_pad(DspBackend::Wasm, PadSettings::default(), PlayMode::Gate);
    // Pad 1's parameters: attack 10 ms, no decay, sustain 50 %, release 5 ms.
    let values = Automation { attack: 0.010, decay: 0.0, sustain: 50.0, release: 0.005, ..Automation::NEUTRAL };
    let (mut l, mut r) = (vec![0.0f32; 64], vec![0.0f32; 64]);
    e.engine.process_automated(&[], &[values], &mut l, &mut r);
    assert_eq!(e.kit().pads[0].settings, PadSettings::default(), "a layer over the kit, not written into it");
    let out = render_fixed(&e, &[note_on(0, 36, 1.0), note_off(1_000, 36)], 1_400, 128);
    assert_eq!((out.left[0], out.left[240]), (0.0, 0.25), "the attack rises over 480 frames");
    assert_eq!((out.left[480], out.left[999]), (0.25, 0.25), "then sustains at half level");
    assert_eq!(out.left[1_120], 0.125, "half way through the 240-frame release");
    assert!(out.left[1_240..].iter().all(|&v| v == 0.0));
}
