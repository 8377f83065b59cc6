//! Choke groups through the real wasm guest (and the native DSP): whose
//! notes choke a pad (its own group, none, or another group only, as SFZ
//! `off_by`), how long the choke's fade takes (1 to 100 ms), and a choke
//! that releases instead. Every choke stays under the step bound on a
//! full-scale 1 kHz sine at 48 kHz.
//!
//! Both pads play silence, then the sine: the note that chokes is silent
//! while the voice it chokes ends, so the choke is heard alone.

use crate::common;
use common::*;

use std::f64::consts::PI;

use wasm_sampler::cli::render::Rendered;
use wasm_sampler::kit::{Mapping, OffMode, PadSettings, PlayMode};
use wasm_sampler::DspBackend;

const LEAD: usize = 4_800;
/// The sine's own largest step (0.1308) plus 0.01.
const STEP_BOUND: f32 = 0.141;

fn lead_sine() -> Vec<f32> {
    let sine = (0..48_000).map(|i| (2.0 * PI * 1_000.0 * i as f64 / 48_000.0).sin() as f32);
    std::iter::repeat_n(0.0, LEAD).chain(sine).collect()
}

/// Pad A on note 42 and pad B on note 46 (one-shots, choke groups and
/// settings as given); plays `first` at frame 0 and `second` at `at`, in
/// wasm and native (checked identical).
fn play(a: (u8, Option<u8>, PadSettings), b: (u8, Option<u8>, PadSettings), first: u8, second: u8, at: usize) -> Rendered {
    let dir = tempdir();
    let path = path_in(&dir, "sine.wav");
    write_float_wav(&path, 48_000, 1, &lead_sine());
    let mut renders = Vec::new();
    for (kind, block) in [(DspBackend::Wasm, 256), (DspBackend::Native, 77)] {
        let e = engine(kind, 48_000.0);
        for (pad, note, (group, by, settings)) in [(0, 42, a), (1, 46, b)] {
            e.load_file(pad, &path).unwrap();
            e.set_mapping(pad, Mapping { mode: PlayMode::OneShot, choke_group: group, choked_by: by, ..Mapping::drum(note) });
            e.set_settings(pad, settings);
        }
        renders.push(render_fixed(&e, &[note_on(0, first, 1.0), note_on(at as u64, second, 1.0)], (at + LEAD) as u64, block));
    }
    assert_identical(&renders[0], &renders[1], "wasm and native");
    renders.remove(0)
}

fn largest_step(x: &[f32]) -> f32 {
    x.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max)
}

/// Frames after `at` until the output is silent for good (within the
/// render).
fn ends_after(out: &Rendered, at: usize) -> usize {
    out.left[at..].iter().rposition(|&v| v != 0.0).map_or(0, |i| i + 1)
}

#[test]
fn a_choke_fades_over_the_choked_pads_fade_time_from_1_to_100_ms_without_a_step_above_the_bound() {
    let at = LEAD + 1_000;
    for (ms, frames) in [(1.0, 48), (5.0, 240), (20.0, 960), (100.0, 4_800)] {
        let choked = PadSettings { choke_fade: ms / 1_000.0, ..PadSettings::default() };
        let out = play((1, None, PadSettings::default()), (1, None, choked), 46, 42, at);
        let end = ends_after(&out, at);
        assert!((frames - 1..=frames + 1).contains(&end), "{ms} ms: silent {end} frames after the choke (expected {frames})");
        let step = largest_step(&out.left);
        assert!(step <= STEP_BOUND, "{ms} ms: a step of {step} (bound {STEP_BOUND})");
    }
}

#[test]
fn off_mode_normal_ends_a_choked_one_shot_with_its_release() {
    let at = LEAD + 1_000;
    let choked = PadSettings { off_mode: OffMode::Normal, release: 0.05, choke_fade: 0.001, ..PadSettings::default() };
    let out = play((1, None, PadSettings::default()), (1, None, choked), 46, 42, at);
    let end = ends_after(&out, at);
    assert!((2_300..=2_400).contains(&end), "silent {end} frames after the choke: the 50 ms release, not the 1 ms fade");
    assert!(largest_step(&out.left) <= STEP_BOUND);
}

#[test]
fn choked_by_another_group_is_one_way_and_none_is_never_choked() {
    let at = LEAD + 1_000;
    let plain = PadSettings::default();
    // The closed hat (A, group 1, choked by no one) and the open hat (B,
    // group 2, choked by group 1), as SFZ off_by writes them.
    let (closed, open) = ((1, Some(0), plain), (2, Some(1), plain));
    let out = play(closed, open, 46, 42, at);
    assert!(ends_after(&out, at) <= 241, "the closed hat chokes the open hat: {}", ends_after(&out, at));
    let out = play(closed, open, 42, 46, at);
    assert!(out.left[at + 240..at + LEAD].iter().any(|&v| v.abs() > 0.5), "the open hat does not choke the closed hat");
    // By default a group's pads choke each other.
    let out = play((1, None, plain), (1, None, plain), 42, 46, at);
    assert!(ends_after(&out, at) <= 241, "mutual by default");
}
