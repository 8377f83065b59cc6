//! Playback through the real wasm guest (and the native build of the same
//! DSP): neutral bit-exactness, channel handling, block-size invariance,
//! native/wasm identity, and the demo.

use crate::common;
use common::*;

use wasm_sampler::cli::demo;
use wasm_sampler::cli::render::{length_for, render, to_frames, Blocks};
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::kit::{Automation, Mapping, PadSettings};
use wasm_sampler::DspBackend;

#[test]
fn neutral_mono_sample_is_reproduced_bit_exactly_at_the_notes_frame_on_both_channels() {
    let dir = tempdir();
    let src = signal(9_000, 7);
    let path = path_in(&dir, "mono48k.wav");
    write_float_wav(&path, 48_000, 1, &src);
    for kind in KINDS {
        let e = engine(kind, 48_000.0);
        e.load_file(0, &path).unwrap();
        // Frame 1000 is not aligned to the block size (256).
        let out = render_fixed(&e, &[note_on(1_000, 36, 1.0)], 12_000, 256);
        let mut expected = vec![0.0f32; 12_000];
        expected[1_000..10_000].copy_from_slice(&src);
        assert_eq!(first_difference(&out.left, &expected), None, "{kind:?} left");
        assert_eq!(first_difference(&out.right, &expected), None, "{kind:?} right");
    }
}

#[test]
fn neutral_stereo_sample_keeps_its_channels_bit_exactly() {
    let dir = tempdir();
    let (l, r) = (signal(5_000, 1), signal(5_000, 2));
    let interleaved: Vec<f32> = l.iter().zip(&r).flat_map(|(a, b)| [*a, *b]).collect();
    let path = path_in(&dir, "stereo.wav");
    write_float_wav(&path, 48_000, 2, &interleaved);
    for kind in KINDS {
        let e = engine(kind, 48_000.0);
        e.load_file(0, &path).unwrap();
        let out = render_fixed(&e, &[note_on(333, 36, 1.0)], 6_000, 256);
        assert_eq!(first_difference(&out.left[333..5_333], &l), None, "{kind:?}");
        assert_eq!(first_difference(&out.right[333..5_333], &r), None, "{kind:?}");
        assert!(out.left[..333].iter().chain(&out.left[5_333..]).all(|&s| s == 0.0));
    }
}

#[test]
fn a_trimmed_pad_plays_exactly_its_start_to_end_frames_read_in_place() {
    let dir = tempdir();
    let (l, r) = (signal(6_000, 21), signal(6_000, 22));
    let interleaved: Vec<f32> = l.iter().zip(&r).flat_map(|(a, b)| [*a, *b]).collect();
    let path = path_in(&dir, "trim.wav");
    write_float_wav(&path, 48_000, 2, &interleaved);
    for kind in KINDS {
        let e = engine(kind, 48_000.0);
        e.load_file(0, &path).unwrap();
        let (used, map) = (e.stats().allocator.used, e.memory_map());
        e.set_window(0, 1_500, 4_000);
        assert_eq!((e.stats().allocator.used, e.memory_map()), (used, map), "trimming allocates, frees and moves nothing");
        let out = render_fixed(&e, &[note_on(100, 36, 1.0)], 6_000, 256);
        assert_eq!(first_difference(&out.left[100..2_600], &l[1_500..4_000]), None, "{kind:?} left");
        assert_eq!(first_difference(&out.right[100..2_600], &r[1_500..4_000]), None, "{kind:?} right");
        assert!(out.left[2_600..].iter().chain(&out.right[2_600..]).all(|&s| s == 0.0), "{kind:?}: stops at the end marker");

        // Untrimmed again: the whole sample plays.
        e.set_window(0, 0, 0);
        let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 6_000, 256);
        assert_eq!(first_difference(&out.left, &l), None, "{kind:?} untrimmed");
    }
}

#[test]
fn two_notes_in_one_block_start_at_their_own_frames_and_sum() {
    let dir = tempdir();
    let src = signal(300, 3);
    let path = path_in(&dir, "short.wav");
    write_float_wav(&path, 48_000, 1, &src);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    let out = render_fixed(&e, &[note_on(10, 36, 1.0), note_on(110, 36, 1.0)], 512, 512);
    for i in 0..512 {
        let a = if (10..310).contains(&i) { src[i - 10] } else { 0.0 };
        let b = if (110..410).contains(&i) { src[i - 110] } else { 0.0 };
        assert_eq!(out.left[i], a + b, "frame {i}");
    }
}

#[test]
fn velocity_gain_and_pan_scale_the_sample() {
    let dir = tempdir();
    let src = signal(1_000, 4);
    let path = path_in(&dir, "v.wav");
    write_float_wav(&path, 48_000, 1, &src);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    e.set_settings(0, PadSettings { pan: 0.5, ..PadSettings::default() });
    // Velocity 0.5 -> gain 0.25 (square law); pan 0.5 -> left 0.5, right 1.
    let out = render_fixed(&e, &[note_on(0, 36, 0.5)], 1_000, 256);
    for (i, &x) in src.iter().enumerate() {
        assert_eq!(out.left[i], x * (0.25 * 0.5), "left {i}");
        assert_eq!(out.right[i], x * 0.25, "right {i}");
    }
}

/// A busy workload: demo kit, pitched and rate-converted voices, choke, gate
/// releases, plus 80 simultaneous hits that force voice stealing.
fn busy_events(rate: u32) -> Vec<wasm_sampler::cli::render::FrameEvent> {
    let mut events = to_frames(&demo::pattern(), rate);
    for i in 0..80u64 {
        events.push(note_on(20_000 + i * 3, 24 + (i % 36) as u8, 0.9));
    }
    events.sort_by_key(|e| e.frame);
    events
}

#[test]
fn output_is_identical_for_every_block_size() {
    for kind in KINDS {
        let e = engine(kind, 48_000.0);
        demo::load_kit(&e).unwrap();
        let events = busy_events(48_000);
        let frames = length_for(&events, 48_000, 0.5);
        let reference = render(&e.engine, &events, frames, &Blocks::Fixed(256));
        assert!(e.stats().voices_stolen > 0, "the workload must steal voices");
        assert!(reference.left.iter().any(|&s| s.abs() > 0.1));
        let daw_like = Blocks::Cycle(vec![512, 441, 1, 1024, 17, 2048, 333, 4096, 128, 5000]);
        for blocks in [Blocks::Fixed(1), Blocks::Fixed(64), Blocks::Fixed(4096), daw_like] {
            let e = engine(kind, 48_000.0);
            demo::load_kit(&e).unwrap();
            let out = render(&e.engine, &events, frames, &blocks);
            assert_identical(&out, &reference, &format!("{kind:?} {blocks:?}"));
        }
    }
}

#[test]
fn native_and_wasm_guests_render_identically() {
    for rate in [44_100, 48_000, 96_000] {
        let events = busy_events(rate);
        let frames = length_for(&events, rate, 0.5);
        let mut outs = Vec::new();
        for kind in KINDS {
            let e = engine(kind, rate as f32);
            demo::load_kit(&e).unwrap();
            outs.push(render(&e.engine, &events, frames, &Blocks::Fixed(256)));
        }
        assert_identical(&outs[0], &outs[1], &format!("native vs wasm at {rate} Hz"));
    }
}

#[test]
fn more_than_64_simultaneous_notes_steal_the_oldest_with_a_short_fade() {
    let dir = tempdir();
    // A constant 0.5 for a long time: any cut shows as a jump.
    let path = path_in(&dir, "dc.wav");
    write_float_wav(&path, 48_000, 1, &vec![0.5; 48_000]);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    // 64 voices at frames 0..64, then a 65th at frame 1000.
    let mut events: Vec<_> = (0..64).map(|i| note_on(i, 36, 1.0)).collect();
    events.push(note_on(1_000, 36, 1.0));
    let out = render_fixed(&e, &events, 2_000, 256);
    let stats = e.stats();
    assert_eq!((stats.voices_started, stats.voices_stolen), (65, 1));
    assert_eq!(out.left[999], 32.0); // 64 voices x 0.5
                                     // The 65th voice adds 0.5 at once; the oldest fades over 5 ms (240 frames)
                                     // by at most 0.5/240 per frame: no step larger than that after the start.
    assert_eq!(out.left[1_000], 32.5);
    for i in 1_001..1_300 {
        let step = (out.left[i] - out.left[i - 1]).abs();
        // Sums near 32 round to 2^-18 (3.8e-6); allow two such steps.
        assert!(step <= 0.5 / 240.0 + 8e-6, "step {step} at frame {i}");
    }
    assert_eq!(out.left[1_300], 32.0, "back to 64 voices once the fade ends");
}

#[test]
fn gate_pad_releases_on_note_off_and_one_shot_ignores_it() {
    let dir = tempdir();
    let path = path_in(&dir, "dc.wav");
    write_float_wav(&path, 48_000, 1, &vec![0.25; 10_000]);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    e.load_file(1, &path).unwrap();
    e.set_mapping(0, Mapping::drum(36)); // one-shot
    let mut gate = Mapping::drum(38);
    gate.mode = wasm_sampler::kit::PlayMode::Gate;
    e.set_mapping(1, gate);
    e.set_settings(1, PadSettings { release: 0.01, ..PadSettings::default() }); // 480 frames
    let events = [note_on(0, 36, 1.0), note_on(0, 38, 1.0), note_off(1_000, 36), note_off(1_000, 38)];
    let out = render_fixed(&e, &events, 12_000, 256);
    assert_eq!(out.left[999], 0.5);
    assert!(out.left[1_200] < 0.5 && out.left[1_200] > 0.25, "gate voice fading");
    assert_eq!(out.left[1_490], 0.25, "gate voice gone 480 frames after note-off, one-shot plays on");
    assert_eq!(out.left[9_999], 0.25);
    assert_eq!(out.left[10_000], 0.0, "one-shot ends with its sample");
}

#[test]
fn choke_group_fades_the_open_hat_when_the_closed_hat_plays() {
    let dir = tempdir();
    let path = path_in(&dir, "dc.wav");
    write_float_wav(&path, 48_000, 1, &vec![0.25; 10_000]);
    let e = engine(DspBackend::Wasm, 48_000.0);
    for (pad, note) in [(0, 42u8), (1, 46u8)] {
        e.load_file(pad, &path).unwrap();
        let mut m = Mapping::drum(note);
        m.choke_group = 1;
        e.set_mapping(pad, m);
    }
    let out = render_fixed(&e, &[note_on(0, 46, 1.0), note_on(2_000, 42, 1.0)], 4_000, 256);
    assert_eq!(out.left[1_999], 0.25);
    assert_eq!(out.left[2_000], 0.5, "closed hat starts on top of the fading open hat");
    assert_eq!(out.left[2_250], 0.25, "open hat gone within 5 ms");
}

#[test]
fn demo_renders_sound_with_the_embedded_kit() {
    let e = engine(DspBackend::Wasm, 48_000.0);
    demo::load_kit(&e).unwrap();
    let events = to_frames(&demo::pattern(), 48_000);
    let frames = length_for(&events, 48_000, 2.0);
    let out = render(&e.engine, &events, frames, &Blocks::Fixed(256));
    let peak = out.left.iter().chain(&out.right).fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(peak > 0.3 && peak < 1.0, "the demo is loud but never clips: peak {peak}");
    let stats = e.stats();
    assert_eq!(stats.pads_loaded, 6);
    assert!(stats.peak_voices >= 3);
    assert_eq!(stats.faults, 0);
}

#[test]
fn more_events_on_one_frame_than_the_queue_holds_are_all_delivered_and_shift_nothing() {
    let dir = tempdir();
    let src = signal(600, 21);
    let path = path_in(&dir, "s.wav");
    write_float_wav(&path, 48_000, 1, &src);
    for block in [256usize, 2048] {
        let e = engine(DspBackend::Wasm, 48_000.0);
        e.load_file(0, &path).unwrap();
        // 2100 note-offs of silent notes at frame 0 (a DAW "panic"), then a note at frame 10.
        let mut notes: Vec<NoteEvent> = (0..2100).map(|i| NoteEvent::Off { frame: 0, channel: (i % 16) as u8, note: (i % 128) as u8 }).collect();
        notes.push(NoteEvent::On { frame: 10, channel: 0, note: 36, velocity: 1.0 });
        let (mut l, mut r) = (vec![0.0f32; block], vec![0.0f32; block]);
        e.process(&notes, &mut l, &mut r);
        assert_eq!(l[9], 0.0, "block {block}");
        let n = (block - 10).min(600);
        assert_eq!(first_difference(&l[10..10 + n], &src[..n]), None, "block {block}: the note plays at frame 10");
        assert_eq!(e.stats().events_dropped, 0, "a frame's overflow goes to the guest in a call of no frames");
    }
}

#[test]
fn five_thousand_note_ons_on_one_frame_all_reach_the_guest_which_starts_64_and_cuts_none() {
    let dir = tempdir();
    let path = path_in(&dir, "s.wav");
    write_float_wav(&path, 48_000, 1, &signal(600, 22));
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    let notes: Vec<NoteEvent> = (0..5_000).map(|i| NoteEvent::On { frame: 0, channel: (i % 16) as u8, note: 36, velocity: 1.0 }).collect();
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    e.process(&notes, &mut l, &mut r);
    let stats = e.stats();
    assert_eq!((stats.voices_started, stats.events_ignored, stats.events_dropped, stats.faults), (64, 4_936, 0, 0));
    assert_eq!(stats.voices_stolen, 0, "no voice is stolen before it is heard");
}

#[test]
fn dense_midi_renders_identically_in_huge_blocks() {
    let e_ref = engine(DspBackend::Wasm, 48_000.0);
    demo::load_kit(&e_ref).unwrap();
    // 12,000 notes within 3 seconds: far more than one queue per host block.
    let events: Vec<_> = (0..12_000u64).map(|i| note_on(i * 12, 36 + (i % 6) as u8, 0.5)).collect();
    let frames = 150_000;
    let reference = render(&e_ref.engine, &events, frames, &Blocks::Fixed(256));
    let e = engine(DspBackend::Wasm, 48_000.0);
    demo::load_kit(&e).unwrap();
    let huge = render(&e.engine, &events, frames, &Blocks::Fixed(1 << 20));
    assert_identical(&huge, &reference, "one 150,000-frame block vs 256-frame blocks");
    assert_eq!(e.stats().events_dropped, 0);
}

#[test]
fn automation_wins_over_settings_applied_later_from_a_kit() {
    let dir = tempdir();
    let path = path_in(&dir, "dc.wav");
    write_float_wav(&path, 48_000, 1, &vec![0.5; 4_000]);
    let e = engine(DspBackend::Wasm, 48_000.0);
    // The host's parameter says -6.0206 dB (gain 0.5) before the pad exists.
    let values = Automation { gain_db: -6.020_6, ..Automation::NEUTRAL };
    let (mut l, mut r) = (vec![0.0f32; 64], vec![0.0f32; 64]);
    e.engine.process_automated(&[], &[values], &mut l, &mut r);
    // Then a kit arrives with the pad at 0 dB, a release time (automatable:
    // the parameter's value wins) and a hold time (a kit setting).
    e.load_file(0, &path).unwrap();
    e.set_settings(0, PadSettings { release: 0.2, hold: 0.3, ..PadSettings::default() });
    let params = e.engine.effective_settings(0).unwrap();
    assert_eq!((params.gain_db, params.release, params.hold), (-6.020_6, 0.01, 0.3), "automated gain and release kept, kit hold taken");
    assert_eq!(e.kit().pads[0].settings.gain_db, 0.0, "the automation is a layer: the kit keeps its own value");
    let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 1_000, 256);
    assert!((out.left[10] - 0.25).abs() < 1e-4, "{}", out.left[10]);
}

#[test]
fn reset_silences_every_voice_and_choke_fades_a_one_shot() {
    let dir = tempdir();
    let path = path_in(&dir, "dc.wav");
    write_float_wav(&path, 48_000, 1, &vec![0.5; 48_000]);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    let (mut l, mut r) = (vec![0.0f32; 512], vec![0.0f32; 512]);
    e.process(&[NoteEvent::On { frame: 0, channel: 0, note: 36, velocity: 1.0 }], &mut l, &mut r);
    e.engine.reset();
    e.process(&[], &mut l, &mut r);
    assert!(l.iter().all(|&s| s == 0.0), "nothing rings on after a reset");
    // A choke fades the (one-shot) note within 5 ms.
    e.process(&[NoteEvent::On { frame: 0, channel: 0, note: 36, velocity: 1.0 }, NoteEvent::Choke { frame: 100, channel: 0, note: 36 }], &mut l, &mut r);
    assert_eq!(l[99], 0.5);
    assert!(l[200] < 0.5 && l[200] > 0.0);
    assert_eq!(l[350], 0.0);
}

/// A browser's offline renderer (Chromium's, which the web page's
/// bit-identity rests on) runs its audio thread with denormals flushed to
/// zero and read as zero (x86's MXCSR FTZ and DAZ bits), and the guest runs
/// there under those flags. The demo, at 48 kHz in 128-frame quanta as the
/// browser renders it, must come out the same either way: its sounds,
/// envelopes and filters never meet a subnormal that changes a bit.
#[cfg(target_arch = "x86_64")]
#[test]
fn the_demo_renders_identically_with_denormals_flushed_to_zero() {
    let rate = 48_000;
    let events = to_frames(&demo::pattern(), rate);
    let frames = length_for(&events, rate, 2.0);
    let render_with = |flush: bool| {
        let events = events.clone();
        std::thread::spawn(move || {
            if flush {
                let mut csr = 0u32;
                // SAFETY: stmxcsr stores the 32-bit control register into
                // a live local; ldmxcsr loads a value with only the FTZ
                // (bit 15) and DAZ (bit 6) flags added, affecting this
                // thread alone, which ends after the render.
                unsafe {
                    std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr);
                    csr |= 0x8040;
                    std::arch::asm!("ldmxcsr [{}]", in(reg) &csr);
                }
                // In force: half the smallest normal float is now zero.
                assert_eq!(std::hint::black_box(f32::MIN_POSITIVE) * std::hint::black_box(0.5), 0.0);
            }
            let e = engine(DspBackend::Wasm, rate as f32);
            demo::load_kit(&e).unwrap();
            render(&e.engine, &events, frames, &Blocks::Fixed(128))
        })
        .join()
        .unwrap()
    };
    assert_identical(&render_with(false), &render_with(true), "denormals kept vs flushed");
}
