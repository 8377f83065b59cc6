//! Rate conversion and pitch: a sample at another rate lasts the right time
//! and matches the ideal resampling (the analytic signal) within a stated
//! tolerance; transposition changes the length by the pitch ratio.

use crate::common;
use common::*;

use wasm_sampler::cli::render::FrameEvent;
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::kit::{Interpolation, Mapping, PadSettings};
use wasm_sampler::DspBackend;

const F: f64 = 1_000.0;

/// 0.5 + 0.25 sin(2π F t): never zero, so the sounding length is visible.
fn tone(rate: f64, frames: usize) -> Vec<f32> {
    (0..frames).map(|i| (0.5 + 0.25 * (std::f64::consts::TAU * F * i as f64 / rate).sin()) as f32).collect()
}

fn sounding_frames(x: &[f32]) -> usize {
    x.iter().rposition(|&s| s != 0.0).map_or(0, |i| i + 1)
}

/// Max error against the analytic tone at 48 kHz, away from the two ends
/// (where the kernels see the silence outside the sample).
fn max_error(out: &[f32], frames: usize) -> f64 {
    (4..frames - 4).map(|i| (out[i] as f64 - (0.5 + 0.25 * (std::f64::consts::TAU * F * i as f64 / 48_000.0).sin())).abs()).fold(0.0, f64::max)
}

/// Stated tolerances for a 1 kHz tone at 44.1 kHz played at 48 kHz: cubic
/// Hermite within 2e-5 of the ideal (-88 dB re the 0.25 amplitude), linear
/// within 7e-4 (the textbook bound A (ωT)²/8 = 6.3e-4).
const CUBIC_TOLERANCE: f64 = 2e-5;
const LINEAR_TOLERANCE: f64 = 7e-4;

#[test]
fn a_44k1_sample_at_48k_lasts_frames_times_48000_over_44100_and_matches_the_ideal() {
    let dir = tempdir();
    let path = path_in(&dir, "tone44k.wav");
    write_float_wav(&path, 44_100, 1, &tone(44_100.0, 44_100));
    for kind in KINDS {
        let mut errors = Vec::new();
        for interp in [Interpolation::Cubic, Interpolation::Linear] {
            let e = engine(kind, 48_000.0);
            e.load_file(0, &path).unwrap();
            e.set_settings(0, PadSettings { interpolation: interp, ..PadSettings::default() });
            let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 50_000, 256);
            let len = sounding_frames(&out.left) as i64;
            assert!((len - 48_000).abs() <= 1, "{kind:?} {interp:?}: lasted {len} frames");
            errors.push(max_error(&out.left, 48_000));
            eprintln!("{kind:?} {interp:?}: max error {:.3e}", errors.last().unwrap());
        }
        assert!(errors[0] < CUBIC_TOLERANCE, "{kind:?} cubic error {}", errors[0]);
        assert!(errors[1] < LINEAR_TOLERANCE, "{kind:?} linear error {}", errors[1]);
        assert!(errors[0] < errors[1] / 10.0, "cubic must beat linear clearly: {errors:?}");
    }
}

#[test]
fn a_48k_sample_at_96k_lasts_twice_as_many_frames() {
    let dir = tempdir();
    let path = path_in(&dir, "tone48k.wav");
    write_float_wav(&path, 48_000, 1, &tone(48_000.0, 4_800));
    let e = engine(DspBackend::Wasm, 96_000.0);
    e.load_file(0, &path).unwrap();
    let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 12_000, 512);
    assert_eq!(sounding_frames(&out.left), 9_600);
    // Every other output frame lands exactly on a source frame.
    let src = tone(48_000.0, 4_800);
    for (i, &x) in src.iter().enumerate() {
        assert_eq!(out.left[2 * i], x, "frame {}", 2 * i);
    }
}

#[test]
fn pitched_pad_an_octave_up_plays_at_double_speed_and_tune_shifts_pitch() {
    let dir = tempdir();
    let path = path_in(&dir, "tone.wav");
    let src = tone(48_000.0, 9_600);
    write_float_wav(&path, 48_000, 1, &src);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    let mut m = Mapping::pitched(36, 96);
    m.mode = wasm_sampler::kit::PlayMode::OneShot;
    e.set_mapping(0, m);
    e.set_root(0, 60);
    let up = render_fixed(&e, &[note_on(0, 72, 1.0)], 10_000, 256);
    assert_eq!(sounding_frames(&up.left), 4_800);
    for i in 0..4_800 {
        assert_eq!(up.left[i], src[2 * i], "octave up reads every other frame exactly");
    }
    let down = render_fixed(&e, &[note_on(0, 48, 1.0)], 20_000, 256);
    // Positions 0, 0.5, ..., 9599.5: exactly twice the frames.
    assert_eq!(sounding_frames(&down.left), 19_200, "octave down: 2x length");
    // +12 semitones of tune on the root key equals the octave-up note.
    e.set_settings(0, PadSettings { tune_semitones: 12, ..PadSettings::default() });
    let tuned = render_fixed(&e, &[note_on(0, 60, 1.0)], 10_000, 256);
    assert_identical(&tuned, &up, "tune +12 at root vs root +12");
}

/// Integer samples are interpolated as raw integers and scaled through the
/// voice gain (guest/src/voice.rs), in vector kernels (guest/src/lanes.rs).
/// Scaling by a power of two is exact, so at any pitch, with either kernel,
/// mono or stereo, every depth must play exactly the bits of the same values
/// stored as float, in the wasm and the native engine alike, including the
/// first and last frames where the taps run off the sample.
#[test]
fn every_depth_at_a_pitch_plays_the_bits_of_its_values_as_float_in_wasm_and_native() {
    let dir = tempdir();
    for (bits, scale) in [(8u16, 128.0f64), (16, 32_768.0), (24, 8_388_608.0)] {
        for channels in [1u16, 2] {
            let max = scale as i32 - 1;
            let mut ints: Vec<i32> = signal(301 * channels as usize, bits as u32).iter().map(|&x| (x as f64 * max as f64) as i32).collect();
            // Full scale both ways at each end, where the edge taps are.
            let n = ints.len();
            (ints[0], ints[1], ints[n - 2], ints[n - 1]) = (max, -max - 1, -max - 1, max);
            let int_path = path_in(&dir, &format!("i{bits}_{channels}.wav"));
            write_int_wav(&int_path, 44_100, channels, bits, &ints);
            let float_path = path_in(&dir, &format!("f{bits}_{channels}.wav"));
            write_float_wav(&float_path, 44_100, channels, &ints.iter().map(|&v| (v as f64 / scale) as f32).collect::<Vec<_>>());
            for interp in [Interpolation::Cubic, Interpolation::Linear, Interpolation::Sinc] {
                let mut outs = Vec::new();
                for kind in KINDS {
                    for path in [&int_path, &float_path] {
                        let e = pitched_pad(kind, path, PadSettings { interpolation: interp, ..PadSettings::default() });
                        // Up a fifth and down a major third, at 44.1 kHz
                        // into 48 kHz: no position lands on a whole frame.
                        outs.push(render_fixed(&e, &[note_on(0, 67, 0.9), note_on(0, 56, 0.6)], 600, 128));
                    }
                }
                let what = format!("{bits}-bit, {channels} ch, {interp:?}");
                assert!(outs[0].left.iter().filter(|&&v| v != 0.0).count() > 400, "{what}: it plays");
                // outs: KINDS (wasm, native) x (integer, float).
                assert_identical(&outs[0], &outs[1], &format!("{what}: wasm, integer vs float"));
                assert_identical(&outs[2], &outs[3], &format!("{what}: native, integer vs float"));
                assert_identical(&outs[0], &outs[2], &format!("{what}: integer, wasm vs native"));
                assert_identical(&outs[1], &outs[3], &format!("{what}: float, wasm vs native"));
            }
        }
    }
}

/// Reverse plays the window from its last frame to its first: at neutral
/// settings exactly the reversed samples; at any pitch, depth, channel
/// count and kernel exactly what the reversed file plays forward (the guest
/// reads the mirrored taps and puts the lanes back in played order), in
/// wasm and natively.
#[test]
fn reverse_plays_the_bits_of_the_reversed_file_at_every_depth_pitch_and_kernel() {
    let dir = tempdir();
    // Neutral: a 48 kHz float file on a drum pad plays reversed, bit for bit.
    let values = signal(2_000, 4);
    let path = path_in(&dir, "neutral.wav");
    write_float_wav(&path, 48_000, 1, &values);
    for kind in KINDS {
        let e = engine(kind, 48_000.0);
        e.load_file(0, &path).unwrap();
        e.set_settings(0, PadSettings { reverse: true, ..PadSettings::default() });
        let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 2_100, 256);
        let expected: Vec<f32> = values.iter().rev().map(|v| v + 0.0).chain([0.0; 100]).collect();
        assert_eq!(first_difference(&out.left, &expected), None, "{kind:?}: the reversed samples");
    }
    for bits in [16u16, 24] {
        for channels in [1u16, 2] {
            let scale = (1i64 << (bits - 1)) as f64;
            let ints: Vec<i32> = signal(401 * channels as usize, bits as u32 + 7).iter().map(|&x| (x as f64 * (scale - 1.0)) as i32).collect();
            let reversed: Vec<i32> = ints.chunks(channels as usize).rev().flatten().copied().collect();
            let (fwd, rev) = (path_in(&dir, &format!("f{bits}_{channels}.wav")), path_in(&dir, &format!("r{bits}_{channels}.wav")));
            write_int_wav(&fwd, 44_100, channels, bits, &ints);
            write_int_wav(&rev, 44_100, channels, bits, &reversed);
            for interp in [Interpolation::Cubic, Interpolation::Linear, Interpolation::Sinc] {
                for kind in KINDS {
                    let play = |path: &std::path::Path, reverse: bool| {
                        let e = pitched_pad(kind, path, PadSettings { interpolation: interp, reverse, ..PadSettings::default() });
                        render_fixed(&e, &[note_on(0, 60, 1.0), note_on(3, 67, 0.7), note_on(5, 53, 0.5)], 900, 100)
                    };
                    let (reversed_playback, forward_of_reversed) = (play(&fwd, true), play(&rev, false));
                    assert!(reversed_playback.left.iter().filter(|&&v| v != 0.0).count() > 400);
                    assert_identical(&reversed_playback, &forward_of_reversed, &format!("{kind:?} {bits}-bit {channels} ch {interp:?}"));
                }
            }
        }
    }
}

fn bend(frame: u64, channel: u8, value: f32) -> FrameEvent {
    FrameEvent { frame, event: NoteEvent::PitchBend { frame: 0, channel, value } }
}

/// Upward zero crossings of `x` in `range`.
fn crossings(x: &[f32], range: std::ops::Range<usize>) -> usize {
    x[range].windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count()
}

#[test]
fn a_full_bend_over_a_twelve_semitone_range_doubles_the_frequency() {
    let dir = tempdir();
    // 480 Hz at 48 kHz: a period of 100 frames.
    let sine: Vec<f32> = (0..48_000).map(|i| (std::f64::consts::TAU * i as f64 / 100.0).sin() as f32 * 0.5).collect();
    let path = path_in(&dir, "sine.wav");
    write_float_wav(&path, 48_000, 1, &sine);
    let mut renders = Vec::new();
    for kind in KINDS {
        for block in [64, 256, 1_000] {
            // Channel 1 bends fully up at frame 2000 (a 5 ms glide): a note
            // on channel 0 does not move; one on channel 1 does.
            let straight = [note_on(0, 60, 1.0), bend(2_000, 1, 1.0)];
            let bent = [FrameEvent { frame: 0, event: NoteEvent::On { frame: 0, channel: 1, note: 62, velocity: 1.0 } }, bend(2_000, 1, 1.0)];
            let play = |events: &[FrameEvent]| render_fixed(&engine_with_bend(kind, &path), events, 6_000, block);
            renders.push((kind, block, play(&straight), play(&bent)));
        }
    }
    for (kind, block, straight, bent) in &renders {
        assert_eq!(crossings(&straight.left, 1_000..5_000), 40, "{kind:?} {block}: 480 Hz unbent");
        // Note 62 is 2 semitones up before the bend; a full bend adds 12.
        let before = crossings(&bent.left, 100..1_900) as f64 / 1_800.0 * 48_000.0;
        let after = crossings(&bent.left, 2_400..5_900) as f64 / 3_500.0 * 48_000.0;
        assert!((after / before - 2.0).abs() < 0.06, "{kind:?} {block}: {before} Hz -> {after} Hz");
    }
    for (kind, block, straight, bent) in &renders[1..] {
        assert_identical(straight, &renders[0].2, &format!("{kind:?} blocks of {block}, unbent"));
        assert_identical(bent, &renders[0].3, &format!("{kind:?} blocks of {block}, bent"));
    }
}

/// An engine with a pitched pad of `path`, 12-semitone bend range.
fn engine_with_bend(kind: DspBackend, path: &std::path::Path) -> Rig {
    pitched_pad(kind, path, PadSettings { bend_range: 12.0, ..PadSettings::default() })
}

/// An engine at 48 kHz with pad 0 playing `path` over the whole keyboard,
/// root key 60, with `settings`.
fn pitched_pad(kind: DspBackend, path: &std::path::Path, settings: PadSettings) -> Rig {
    let e = engine(kind, 48_000.0);
    e.set_mapping(0, Mapping::pitched(0, 127));
    e.load_file(0, path).unwrap();
    e.set_root(0, 60);
    e.set_settings(0, settings);
    e
}

#[test]
fn a_centred_bend_keeps_neutral_playback_bit_exact_and_a_bend_sets_later_notes() {
    let dir = tempdir();
    let values = signal(3_000, 9);
    let path = path_in(&dir, "tone.wav");
    write_float_wav(&path, 48_000, 1, &values);
    let e = engine_with_bend(DspBackend::Wasm, &path);
    let out = render_fixed(&e, &[bend(0, 0, 0.0), note_on(10, 60, 1.0)], 3_100, 256);
    assert_eq!(first_difference(&out.left[10..3_010], &values), None, "bend 0: the file bit for bit");
    // A bend sent before a note: the note starts bent (an octave up: half as long).
    let e = engine_with_bend(DspBackend::Wasm, &path);
    let out = render_fixed(&e, &[bend(0, 0, 1.0), note_on(10, 60, 1.0)], 3_100, 256);
    assert_eq!(out.left[10..].iter().rposition(|&v| v != 0.0).map(|i| i + 1), Some(1_500), "an octave up from the first frame");
}
