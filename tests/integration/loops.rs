//! Loops through the real wasm guest (and the native DSP where said):
//! forward loops repeat with the loop's length exactly, ping-pong mirrors at
//! its turns, a crossfade bounds the seam's step, a sustain loop lets go at
//! note-off and plays on to the end, a continuous one runs through the
//! release, reversed voices loop the mirrored region, a loop moved under a
//! sounding voice changes nothing it reads, and every render is identical
//! across engines and block sizes.

use crate::common;
use common::*;

use wasm_sampler::kit::{Loop, LoopMode, Mapping, PadSettings, PlayMode};
use wasm_sampler::DspBackend;

const FRAMES: usize = 4_000;
const LOOP: (u32, u32) = (1_000, 1_600);
const LEN: usize = (LOOP.1 - LOOP.0) as usize;

/// A pad on `data` (mono, 48 kHz) with the loop `looping`, and `settings`.
fn looped(kind: DspBackend, data: &[f32], looping: Loop, mapping: Mapping, settings: PadSettings) -> (Rig, tempfile::TempDir) {
    let dir = tempdir();
    let path = path_in(&dir, "x.wav");
    write_float_wav(&path, 48_000, 1, data);
    let e = engine(kind, 48_000.0);
    e.set_mapping(0, mapping);
    e.load_file(0, &path).unwrap();
    e.set_settings(0, settings);
    e.store.edit(0, |p| p.samples[0].params.looping = looping).unwrap();
    (e, dir)
}

fn forward() -> Loop {
    Loop { mode: LoopMode::Forward, start: LOOP.0, end: LOOP.1, ..Loop::default() }
}

#[test]
fn a_forward_loop_plays_up_to_its_end_then_repeats_with_its_length_exactly() {
    let data = signal(FRAMES, 1);
    for kind in KINDS {
        let (e, _dir) = looped(kind, &data, forward(), Mapping::drum(36), PadSettings::default());
        let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 12_000, 512).left;
        assert_eq!(first_difference(&out[..LOOP.1 as usize], &data[..LOOP.1 as usize]), None, "{kind:?}: the sample up to the loop's end");
        assert_eq!(first_difference(&out[LOOP.1 as usize..LOOP.1 as usize + LEN], &data[LOOP.0 as usize..LOOP.1 as usize]), None, "{kind:?}: then the loop");
        assert_eq!(first_difference(&out[LOOP.0 as usize + LEN..], &out[LOOP.0 as usize..12_000 - LEN]), None, "{kind:?}: periodic with the loop's length");
        assert_eq!(e.stats().active_voices, 1, "{kind:?}: a one-shot with a continuous loop keeps sounding");
    }
}

#[test]
fn at_half_speed_the_loop_repeats_every_two_lengths_bit_for_bit_across_the_seam() {
    // Note 48 on a pad rooted at 60: rate 0.5, so taps fall between frames
    // and the cubic kernel reads across the seam (wrapped taps).
    let data = signal(FRAMES, 2);
    let mapping = Mapping { mode: PlayMode::OneShot, ..Mapping::pitched(0, 127) };
    let (e, _dir) = looped(DspBackend::Wasm, &data, forward(), mapping, PadSettings::default());
    e.set_root(0, 60);
    let out = render_fixed(&e, &[note_on(0, 48, 1.0)], 12_000, 512).left;
    let period = 2 * LEN;
    assert_eq!(first_difference(&out[2 * LOOP.0 as usize + period..], &out[2 * LOOP.0 as usize..12_000 - period]), None);
    // Half a frame before the end, the cubic's taps past the end read the
    // loop's first frames: Catmull-Rom at t = ½ is (-y0 + 9 y1 + 9 y2 - y3) / 16.
    let (s, e) = (LOOP.0 as usize, LOOP.1 as usize);
    let wrapped = (-data[e - 2] + 9.0 * data[e - 1] + 9.0 * data[s] - data[s + 1]) / 16.0;
    let n = 2 * e - 1;
    assert!((out[n] - wrapped).abs() < 1e-6, "across the seam: {} vs {wrapped}", out[n]);
}

#[test]
fn a_ping_pong_loop_turns_back_at_its_end_and_mirrors_the_sample_there() {
    let data = signal(FRAMES, 3);
    let ping = Loop { mode: LoopMode::PingPong, ..forward() };
    for kind in KINDS {
        let (e, _dir) = looped(kind, &data, ping, Mapping::drum(36), PadSettings::default());
        let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 8_000, 512).left;
        let (s, end) = (LOOP.0 as usize, LOOP.1 as usize);
        assert_eq!(first_difference(&out[..end], &data[..end]), None, "{kind:?}");
        // Back down from the last frame (the turn repeats it) ...
        let back: Vec<f32> = data[s..end].iter().rev().copied().collect();
        assert_eq!(first_difference(&out[end..end + LEN], &back), None, "{kind:?}: mirrored after the end");
        // ... and up again from the first (repeated too).
        assert_eq!(first_difference(&out[end + LEN..end + 2 * LEN], &data[s..end]), None, "{kind:?}");
        assert_eq!(first_difference(&out[s + 2 * LEN..], &out[s..8_000 - 2 * LEN]), None, "{kind:?}: a cycle of two lengths");
    }
}

#[test]
fn a_crossfade_bounds_the_step_at_the_seam() {
    // A rising ramp: at the seam, without a crossfade, the output drops by
    // the loop's length times the ramp's slope.
    let slope = 1.0 / FRAMES as f32;
    let data: Vec<f32> = (0..FRAMES).map(|i| i as f32 * slope).collect();
    let step = |looping: Loop| {
        let (e, _dir) = looped(DspBackend::Wasm, &data, looping, Mapping::drum(36), PadSettings::default());
        let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 6_000, 256).left;
        out.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0f32, f32::max)
    };
    let hard = step(forward());
    assert!((hard - (LEN - 1) as f32 * slope).abs() < 1e-6, "without a crossfade the seam jumps by {hard}");
    // 100 frames at 48 kHz: the blend takes the drop over 100 frames.
    let fade = 100.0;
    let soft = step(Loop { crossfade: fade / 48_000.0, ..forward() });
    let bound = slope + LEN as f32 * slope / fade;
    assert!(soft <= bound + 1e-6, "with a crossfade the largest step is {soft}, bound {bound}");
    assert!(soft < hard / 10.0);
}

#[test]
fn a_sustain_loop_lets_go_at_note_off_and_plays_on_to_the_end_of_the_sample() {
    let data = signal(FRAMES, 4);
    let sustain = Loop { sustain: true, ..forward() };
    for mode in [PlayMode::OneShot, PlayMode::Gate] {
        // A release longer than the rest of the sample, so the level at the
        // end is still measurable; a one-shot ignores note-off otherwise.
        let settings = PadSettings { release: 30.0, ..PadSettings::default() };
        let (e, _dir) = looped(DspBackend::Wasm, &data, sustain, Mapping { mode, ..Mapping::drum(36) }, settings);
        // Note-off at frame 2 000: the loop has played 1 000..1 600 and
        // 1 000..1 400, so the voice reads frame 1 400 next and plays on.
        let out = render_fixed(&e, &[note_on(0, 36, 1.0), note_off(2_000, 36)], 5_000, 500).left;
        let rest = FRAMES - 1_400;
        if mode == PlayMode::OneShot {
            assert_eq!(first_difference(&out[2_000..2_000 + rest], &data[1_400..]), None, "{mode:?}: plays on, unchanged");
        } else {
            // The release's level falls by 1/1 440 000 a frame: the signal
            // continues from 1 400, scaled by it.
            for k in 0..rest {
                let level = 1.0 - k as f32 / 1_440_000.0;
                assert!((out[2_000 + k] - data[1_400 + k] * level).abs() < 1e-5, "{mode:?} frame {k}");
            }
        }
        assert!(out[2_000 + rest..].iter().all(|&v| v == 0.0), "{mode:?}: ends with the sample");
        assert_eq!(e.stats().active_voices, 0, "{mode:?}");
    }
}

#[test]
fn a_continuous_loop_keeps_looping_through_the_release_until_it_ends() {
    let data = signal(FRAMES, 5);
    let settings = PadSettings { release: 0.1, ..PadSettings::default() };
    let (e, _dir) = looped(DspBackend::Wasm, &data, forward(), Mapping { mode: PlayMode::Gate, ..Mapping::drum(36) }, settings);
    let out = render_fixed(&e, &[note_on(0, 36, 1.0), note_off(3_000, 36)], 10_000, 256).left;
    // The release runs 4 800 frames, through the loop's wraps.
    for n in 3_000..7_800 {
        let level = 1.0 - (n - 3_000) as f32 / 4_800.0;
        let looped = data[LOOP.0 as usize + (n - LOOP.0 as usize) % LEN];
        assert!((out[n] - looped * level).abs() < 1e-5, "frame {n}");
    }
    assert!(out[7_800..].iter().all(|&v| v == 0.0));
    assert_eq!(e.stats().active_voices, 0);
}

#[test]
fn a_reversed_voice_loops_the_mirrored_region() {
    let data = signal(FRAMES, 6);
    let reversed: Vec<f32> = data.iter().rev().copied().collect();
    let settings = PadSettings { reverse: true, ..PadSettings::default() };
    let (e, _dir) = looped(DspBackend::Wasm, &data, forward(), Mapping::drum(36), settings);
    let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 8_000, 512).left;
    // Played order: the file backwards; the loop 1 000..1 600 of the file
    // is 2 400..3 000 of it.
    assert_eq!(first_difference(&out[..3_000], &reversed[..3_000]), None);
    assert_eq!(first_difference(&out[3_000..3_600], &reversed[2_400..3_000]), None);
    assert_eq!(first_difference(&out[3_000..], &out[2_400..8_000 - 600]), None);
}

#[test]
fn moving_the_loop_or_window_under_a_sounding_voice_changes_nothing_it_reads() {
    let data = signal(FRAMES, 7);
    let (e, _dir) = looped(DspBackend::Wasm, &data, forward(), Mapping::drum(36), PadSettings::default());
    let first = render_fixed(&e, &[note_on(0, 36, 1.0)], 2_048, 512).left;
    // A tiny window and a loop at its very end: new notes use them; the
    // sounding voice keeps what it started with.
    e.store
        .edit(0, |p| {
            let params = &mut p.samples[0].params;
            (params.start, params.end) = (10, 40);
            params.looping = Loop { start: 30, end: 40, crossfade: 0.5, ..forward() };
        })
        .unwrap();
    let more = render_fixed(&e, &[], 6_000, 512).left;
    let out: Vec<f32> = first.into_iter().chain(more).collect();
    assert_eq!(first_difference(&out[LOOP.0 as usize + LEN..], &out[LOOP.0 as usize..out.len() - LEN]), None, "still the old loop");
    // A note started now plays the new window and loop: window frames
    // 0..30, then 20..30 again and again.
    let (fresh, _dir2) = looped(DspBackend::Wasm, &data, Loop { start: 30, end: 40, ..forward() }, Mapping::drum(36), PadSettings::default());
    fresh.store.edit(0, |p| (p.samples[0].params.start, p.samples[0].params.end) = (10, 40)).unwrap();
    let alone = render_fixed(&fresh, &[note_on(0, 36, 1.0)], 200, 64).left;
    assert_eq!(first_difference(&alone[..30], &data[10..40]), None);
    assert_eq!(first_difference(&alone[30..], &alone[20..190]), None, "a loop of 10 frames from window frame 20");
}

#[test]
fn loops_render_identically_in_wasm_and_native_and_at_every_block_size() {
    let data = signal(FRAMES, 8);
    let cases = [Loop { crossfade: 0.002, sustain: true, ..forward() }, Loop { mode: LoopMode::PingPong, ..forward() }];
    for looping in cases {
        let mut renders = Vec::new();
        for kind in KINDS {
            for block in [1, 64, 1_000] {
                let mapping = Mapping { mode: PlayMode::Gate, ..Mapping::pitched(0, 127) };
                let (e, _dir) = looped(kind, &data, looping, mapping, PadSettings { release: 0.05, ..PadSettings::default() });
                e.set_root(0, 60);
                let events = [note_on(0, 60, 1.0), note_on(300, 67, 0.7), note_off(5_000, 60), note_on(5_500, 55, 1.0), note_off(9_000, 67)];
                renders.push((kind, block, render_fixed(&e, &events, 12_000, block)));
            }
        }
        let (_, _, first) = &renders[0];
        for (kind, block, r) in &renders[1..] {
            assert_identical(first, r, &format!("{looping:?}: {kind:?}, blocks of {block}"));
        }
    }
}
