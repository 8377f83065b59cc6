//! Several samples in one pad, through the real wasm guest and the native
//! DSP: velocity layers (with and without a crossfade), round robin (cycle,
//! random, random without repeat), the pad's settings shared by its
//! samples, and outputs. Every sample is a constant level, so the output
//! at a hit names the sample that played.

use crate::common;
use common::*;

use wasm_sampler::cli::render::{render_outputs, Blocks, FrameEvent, Rendered};
use wasm_sampler::kit::{PadSettings, RoundRobin};
use wasm_sampler::DspBackend;

/// Frames between hits, and each sample's length (a hit ends before the
/// next one starts).
const HIT: u64 = 16;
const LEN: usize = 8;

/// A rig whose pad 0 holds one constant sample per `(level, velocities)`,
/// in that order, with `settings` (full level at every velocity unless the
/// settings say otherwise).
fn pad_of(kind: DspBackend, samples: &[(f32, (u8, u8))], settings: PadSettings) -> (Rig, tempfile::TempDir) {
    let dir = tempdir();
    let e = engine(kind, 48_000.0);
    for (i, &(level, _)) in samples.iter().enumerate() {
        let path = path_in(&dir, &format!("hit{i}.wav"));
        write_float_wav(&path, 48_000, 1, &[level; LEN]);
        if i == 0 {
            e.load_file(0, &path).unwrap();
        } else {
            e.add_file(0, &path).unwrap();
        }
    }
    e.edit(0, |p| {
        for (record, &(_, velocity)) in p.samples.iter_mut().zip(samples) {
            record.params.velocity = velocity;
        }
        p.settings = settings;
    })
    .unwrap();
    (e, dir)
}

/// Full level at every velocity.
fn flat() -> PadSettings {
    PadSettings { velocity_amount: 0.0, ..PadSettings::default() }
}

/// One hit every `HIT` frames at these MIDI velocities.
fn hits(velocities: &[u8]) -> Vec<FrameEvent> {
    velocities.iter().enumerate().map(|(i, &v)| note_on(i as u64 * HIT, 36, v as f32 / 127.0)).collect()
}

/// What each hit played: the output two frames into it.
fn heard(r: &Rendered, count: usize) -> Vec<f32> {
    (0..count).map(|i| r.left[i * HIT as usize + 2]).collect()
}

fn play(e: &Rig, events: &[FrameEvent], block: usize) -> Rendered {
    render_fixed(e, events, events.len() as u64 * HIT, block)
}

#[test]
fn velocity_picks_the_layer_exactly_at_its_boundaries() {
    for kind in KINDS {
        let (e, _dir) = pad_of(kind, &[(0.25, (1, 63)), (0.5, (64, 100)), (0.75, (101, 127))], flat());
        let velocities = [1, 40, 63, 64, 100, 101, 127];
        let r = play(&e, &hits(&velocities), 256);
        assert_eq!(heard(&r, velocities.len()), [0.25, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75], "{kind:?}");
    }
}

#[test]
fn a_layer_crossfade_blends_neighbours_at_equal_power_and_leaves_the_middle_alone() {
    // Two layers meeting between 63 and 64, crossfading over 16 steps.
    let (e, _dir) = pad_of(DspBackend::Wasm, &[(0.25, (1, 63)), (0.5, (64, 127))], PadSettings { layer_crossfade: 16.0, ..flat() });
    let velocities = [40u8, 56, 60, 64, 71, 90];
    let r = play(&e, &hits(&velocities), 256);
    let expected: Vec<f32> = velocities
        .iter()
        .map(|&v| {
            // The position through the fade: 0 at 63.5 - 8, 1 at 63.5 + 8.
            let t = ((v as f32 - 63.5) / 16.0 + 0.5).clamp(0.0, 1.0);
            let (soft, hard) = ((t * std::f32::consts::FRAC_PI_2).cos(), (t * std::f32::consts::FRAC_PI_2).sin());
            0.25 * soft + 0.5 * hard
        })
        .collect();
    let got = heard(&r, velocities.len());
    for (v, (g, x)) in velocities.iter().zip(got.iter().zip(&expected)) {
        assert!((g - x).abs() < 1e-6, "velocity {v}: {g} != {x}");
    }
    assert_eq!((got[0], got[5]), (0.25, 0.5), "outside the fade each layer plays alone, at full level");
    // Velocity 64, half a step past the boundary: 0.25 cos(0.53125 π/2) +
    // 0.5 sin(0.53125 π/2), both layers near -3 dB.
    assert!((got[3] - 0.538_365).abs() < 1e-5, "{}", got[3]);
}

#[test]
fn round_robin_cycles_in_the_list_order_per_layer() {
    let samples = [(0.1, (1, 63)), (0.2, (1, 63)), (0.3, (1, 63)), (0.5, (64, 127)), (0.75, (64, 127))];
    let (e, _dir) = pad_of(DspBackend::Wasm, &samples, flat());
    let velocities = [30, 30, 100, 30, 100, 30, 100, 30];
    let r = play(&e, &hits(&velocities), 256);
    let got = heard(&r, velocities.len());
    assert_eq!(got, [0.1, 0.2, 0.5, 0.3, 0.75, 0.1, 0.5, 0.2]);
}

/// The sample each of 10 000 hits played, by index (levels 1, 2, 3 × 0.125).
fn random_hits(kind: DspBackend, mode: RoundRobin, block: usize) -> Vec<usize> {
    let (e, _dir) = pad_of(kind, &[(0.125, (1, 127)), (0.25, (1, 127)), (0.375, (1, 127))], PadSettings { round_robin: mode, ..flat() });
    let r = play(&e, &hits(&[100; 10_000]), block);
    heard(&r, 10_000).iter().map(|&x| (x / 0.125).round() as usize - 1).collect()
}

#[test]
fn random_without_repeat_never_plays_the_same_hit_twice_running_over_10000_hits() {
    let picks = random_hits(DspBackend::Wasm, RoundRobin::RandomNoRepeat, 256);
    assert!(picks.iter().all(|&p| p < 3));
    let repeats = picks.windows(2).filter(|w| w[0] == w[1]).count();
    assert_eq!(repeats, 0, "no hit repeats the one before");
    let counts = [0, 1, 2].map(|k| picks.iter().filter(|&&p| p == k).count());
    assert!(counts.iter().all(|&c| (3_000..3_700).contains(&c)), "about a third each: {counts:?}");
    // Plain random does repeat (about a third of the time).
    let plain = random_hits(DspBackend::Wasm, RoundRobin::Random, 256);
    let repeats = plain.windows(2).filter(|w| w[0] == w[1]).count();
    assert!((3_000..3_700).contains(&repeats), "{repeats} repeats");
}

#[test]
fn round_robin_renders_repeat_exactly_in_wasm_and_native_at_any_block_size() {
    let first = random_hits(DspBackend::Wasm, RoundRobin::RandomNoRepeat, 256);
    for (kind, block) in [(DspBackend::Wasm, 256), (DspBackend::Wasm, 61), (DspBackend::Native, 1_000), (DspBackend::Native, 7)] {
        assert_eq!(random_hits(kind, RoundRobin::RandomNoRepeat, block), first, "{kind:?}, blocks of {block}");
    }
}

#[test]
fn a_pad_routed_to_aux_3_sounds_only_there_bit_exact_and_not_in_the_main_mix() {
    for kind in KINDS {
        let dir = tempdir();
        let e = engine(kind, 48_000.0);
        let (a, b) = (signal(2_000, 1), signal(2_000, 2));
        let (pa, pb) = (path_in(&dir, "a.wav"), path_in(&dir, "b.wav"));
        write_float_wav(&pa, 48_000, 1, &a);
        write_float_wav(&pb, 48_000, 1, &b);
        e.load_file(0, &pa).unwrap();
        e.load_file(1, &pb).unwrap();
        e.edit(1, |p| p.settings.output = 3).unwrap();
        let events = [note_on(10, 36, 1.0), note_on(10, 37, 1.0)];
        for block in [64, 1_000] {
            let r = render_outputs(&e.engine, &events, 2_100, &Blocks::Fixed(block), 9);
            let played = |x: &[f32]| [vec![0.0; 10], x.to_vec(), vec![0.0; 90]].concat();
            assert_eq!(first_difference(&r.left, &played(&a)), None, "{kind:?}: the main output has pad 1 alone");
            assert_eq!(first_difference(&r.right, &played(&a)), None);
            assert_eq!(r.aux.len(), 8);
            assert_eq!(first_difference(&r.aux[2][0], &played(&b)), None, "{kind:?}: aux 3 (\"Out 4\") has pad 2 alone");
            assert_eq!(first_difference(&r.aux[2][1], &played(&b)), None);
            for (i, [l, rr]) in r.aux.iter().enumerate().filter(|(i, _)| *i != 2) {
                assert!(l.iter().chain(rr).all(|&x| x == 0.0), "aux {} is silent", i + 1);
            }
        }
        // A host that connects the main output only hears pad 1.
        let main = render_fixed(&e, &events, 2_100, 256);
        assert_eq!(first_difference(&main.left, &[vec![0.0; 10], a.clone(), vec![0.0; 90]].concat()), None);
    }
}

#[test]
fn a_pad_with_several_samples_saves_and_loads_them_all_in_order() {
    let samples = [(0.1, (1, 63)), (0.2, (1, 63)), (0.5, (64, 127))];
    let (e, _dir) = pad_of(DspBackend::Wasm, &samples, PadSettings { round_robin: RoundRobin::Random, layer_crossfade: 8.0, output: 2, ..flat() });
    let saved = e.store.to_json();
    let restored = engine(DspBackend::Wasm, 48_000.0);
    let (kit, err) = wasm_sampler::kit::Kit::from_json(&saved);
    assert_eq!(err, None);
    restored.set_kit(kit);
    restored.load_kit(&std::sync::atomic::AtomicBool::new(false), |pad, e| panic!("pad {pad}: {e}"));
    assert_eq!(restored.store.kit().pads, e.store.kit().pads, "every sample, range and setting");
    let layers: Vec<u32> = restored.store.pads()[0].layers.iter().map(|l| l.as_ref().unwrap().info.frames).collect();
    assert_eq!(layers, [LEN as u32; 3], "all three loaded");
    assert_eq!(restored.stats().samples_loaded, 3);
}

#[test]
fn removing_a_sample_keeps_the_others_and_their_turns() {
    let (e, _dir) = pad_of(DspBackend::Wasm, &[(0.1, (1, 127)), (0.2, (1, 127)), (0.3, (1, 127))], flat());
    e.remove_sample(0, 1).unwrap();
    let r = play(&e, &hits(&[100, 100, 100]), 256);
    assert_eq!(heard(&r, 3), [0.1, 0.3, 0.1]);
    assert_eq!(e.stats().samples_loaded, 2);
    assert!(e.remove_sample(0, 5).unwrap_err().contains("has no sample 6"));
}

#[test]
fn polyphony_is_a_kit_setting_saved_restored_and_given_to_the_engine() {
    let e = engine(DspBackend::Wasm, 48_000.0);
    assert_eq!((e.polyphony(), e.engine.polyphony()), (64, 64));
    e.set_polyphony(1_024).unwrap();
    assert_eq!(e.engine.polyphony(), 1_024);
    assert_eq!(e.set_polyphony(1_025).unwrap_err(), "polyphony 1025 is outside 1..=1024");
    assert_eq!(e.engine.polyphony(), 1_024, "a refused value changes nothing");
    let saved = e.store.to_json();
    assert_eq!(saved["polyphony"], 1_024);
    let restored = engine(DspBackend::Native, 48_000.0);
    restored.set_kit(wasm_sampler::kit::Kit::from_json(&saved).0);
    restored.load_kit(&std::sync::atomic::AtomicBool::new(false), |pad, e| panic!("pad {pad}: {e}"));
    assert_eq!(restored.engine.polyphony(), 1_024);
}

#[test]
fn a_channel_the_host_leaves_out_is_skipped_and_the_outputs_after_it_keep_their_places() {
    let dir = tempdir();
    let e = engine(DspBackend::Wasm, 48_000.0);
    let b = signal(500, 9);
    let path = path_in(&dir, "b.wav");
    write_float_wav(&path, 48_000, 1, &b);
    e.load_file(0, &path).unwrap();
    e.edit(0, |p| p.settings.output = 3).unwrap();
    // Main, then "Out 2" not connected (no channels), then "Out 3", "Out 4".
    let mut chans = vec![vec![1.0f32; 600]; 8];
    let mut outs: Vec<&mut [f32]> = chans.iter_mut().map(|c| c.as_mut_slice()).collect();
    (outs[2], outs[3]) = (&mut [], &mut []);
    e.engine.process_outputs(&[wasm_sampler::engine::triggering::NoteEvent::On { frame: 0, channel: 0, note: 36, velocity: 1.0 }], &[], &mut outs);
    let expected = [b.clone(), vec![0.0; 100]].concat();
    assert_eq!(first_difference(&chans[6], &expected), None, "Out 4 has the pad, in its place");
    assert_eq!(first_difference(&chans[7], &expected), None);
    for i in [0, 1, 4, 5] {
        assert!(chans[i].iter().all(|&x| x == 0.0), "channel {i} silent");
    }
    assert!(chans[2].iter().chain(&chans[3]).all(|&x| x == 1.0), "the channels left out are not touched");
}
