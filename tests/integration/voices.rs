//! Every way a voice is cut short, through the real wasm guest and the
//! native DSP: a pad's voice limit (its oldest voice fades), a cutting
//! retrigger (the same note's voice; ringing lets it play on), a steal past
//! 64 voices (the quietest), a replaced sample and all-sound-off. Each is a
//! 5 ms fade with no sample-to-sample step above the bound on a full-scale
//! 1 kHz sine at 48 kHz (chokes: `tests/integration/chokes.rs`).
//!
//! The sample is silence, then the sine: a new hit is silent while the
//! voice it cuts fades, so the cut is heard alone.

use crate::common;
use common::*;

use std::f64::consts::PI;

use wasm_sampler::cli::render::{FrameEvent, Rendered};
use wasm_sampler::kit::{Mapping, PadSettings, PlayMode, Retrigger};
use wasm_sampler::DspBackend;

/// Frames of silence before the sine.
const LEAD: usize = 4_800;
/// The fade of a cut voice: 5 ms at 48 kHz.
const FADE: usize = 240;
/// The sine's own largest step (0.1308) plus 0.01.
const STEP_BOUND: f32 = 0.141;

fn lead_sine() -> Vec<f32> {
    let sine = (0..48_000).map(|i| (2.0 * PI * 1_000.0 * i as f64 / 48_000.0).sin() as f32);
    std::iter::repeat_n(0.0, LEAD).chain(sine).collect()
}

/// Renders `events` on one pad with `settings` and `mapping`.
fn render(kind: DspBackend, settings: PadSettings, mapping: Mapping, events: &[FrameEvent], frames: u64, block: usize) -> Rendered {
    let dir = tempdir();
    let path = path_in(&dir, "sine.wav");
    write_float_wav(&path, 48_000, 1, &lead_sine());
    let e = engine(kind, 48_000.0);
    e.set_mapping(0, mapping);
    e.load_file(0, &path).unwrap();
    e.set_root(0, 60);
    e.set_settings(0, settings);
    render_fixed(&e, events, frames, block)
}

/// Renders in wasm and native at two block sizes; asserts they agree and
/// returns the render.
fn render_everywhere(settings: PadSettings, mapping: Mapping, events: &[FrameEvent], frames: u64) -> Rendered {
    let first = render(DspBackend::Wasm, settings, mapping, events, frames, 256);
    for (kind, block) in [(DspBackend::Wasm, 61), (DspBackend::Native, 256), (DspBackend::Native, 1_000)] {
        assert_identical(&first, &render(kind, settings, mapping, events, frames, block), &format!("{kind:?}, blocks of {block}"));
    }
    first
}

fn largest_step(x: &[f32]) -> f32 {
    x.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0, f32::max)
}

fn drum() -> Mapping {
    Mapping { mode: PlayMode::OneShot, ..Mapping::drum(36) }
}

/// Asserts the voice sounding at `cut` fades out within [`FADE`] frames
/// (sounding at first, then exactly silent until `until`), with no step
/// above the bound anywhere.
fn assert_faded(out: &Rendered, cut: usize, until: usize, what: &str) {
    let fading = &out.left[cut..cut + FADE];
    assert!(fading.iter().any(|&v| v.abs() > 0.5), "{what}: the voice still sounds as the fade begins");
    assert_eq!(first_difference(&out.left[cut + FADE + 1..until], &vec![0.0; until - cut - FADE - 1]), None, "{what}: silent 5 ms after the cut");
    let step = largest_step(&out.left);
    assert!(step <= STEP_BOUND, "{what}: a step of {step} (bound {STEP_BOUND})");
}

#[test]
fn a_pad_at_its_voice_limit_fades_its_oldest_voice_over_5_ms_without_a_step_above_the_bound() {
    let cut = LEAD + 1_000;
    let events = [note_on(0, 36, 1.0), note_on(cut as u64, 36, 1.0)];
    let limited = render_everywhere(PadSettings { voices: 1, ..PadSettings::default() }, drum(), &events, (cut + LEAD) as u64);
    assert_faded(&limited, cut, cut + LEAD, "one voice");
    // Without a limit of its own the first voice plays on.
    let free = render_everywhere(PadSettings::default(), drum(), &events, (cut + LEAD) as u64);
    assert!(free.left[cut + FADE + 1..cut + LEAD].iter().any(|&v| v.abs() > 0.5), "no limit: both voices sound");
}

#[test]
fn at_a_limit_of_two_the_third_note_fades_the_oldest_and_the_second_plays_on_untouched() {
    // The third note comes while the first plays its sine and the second
    // is still in its silence (its sine starts at 7 200, after the fade).
    let (second, third) = (2_400usize, LEAD + 1_500);
    let frames = (third + LEAD) as u64;
    let settings = PadSettings { voices: 2, ..PadSettings::default() };
    let out = render_everywhere(settings, drum(), &[note_on(0, 36, 1.0), note_on(second as u64, 36, 1.0), note_on(third as u64, 36, 1.0)], frames);
    // After the fade only the second voice sounds: the same bits as the
    // second note alone.
    let alone = render_everywhere(settings, drum(), &[note_on(second as u64, 36, 1.0)], frames);
    assert!(out.left[third..third + FADE] != alone.left[third..third + FADE], "the first voice is still fading in");
    assert_eq!(first_difference(&out.left[third + FADE + 1..], &alone.left[third + FADE + 1..]), None);
    let step = largest_step(&out.left[third..]);
    assert!(step <= STEP_BOUND, "a step of {step} at the cut (bound {STEP_BOUND})");
}

#[test]
fn a_cutting_retrigger_fades_the_same_notes_voice_and_ringing_or_another_key_plays_on() {
    let cut = LEAD + 1_000;
    let keys = Mapping { mode: PlayMode::OneShot, ..Mapping::pitched(48, 72) };
    let cutting = PadSettings { retrigger: Retrigger::Cut, ..PadSettings::default() };
    // The sample's root is 60: note 60 plays it at its own pitch.
    let same = [note_on(0, 60, 1.0), note_on(cut as u64, 60, 1.0)];
    let out = render_everywhere(cutting, keys, &same, (cut + LEAD) as u64);
    assert_faded(&out, cut, cut + LEAD, "retrigger cut, the same note");
    for (what, settings, events) in [
        ("retrigger cut, another key", cutting, [note_on(0, 60, 1.0), note_on(cut as u64, 67, 1.0)]),
        ("retrigger ring, the same note", PadSettings::default(), same),
    ] {
        let out = render_everywhere(settings, keys, &events, (cut + LEAD) as u64);
        let alone = render_everywhere(settings, keys, &events[..1], (cut + LEAD) as u64);
        // Until the second note's sine begins (7 semitones up, its silence
        // lasts 3 204 frames).
        let until = cut + 3_000;
        assert_eq!(first_difference(&out.left[..until], &alone.left[..until]), None, "{what}: the first note plays on untouched");
    }
}

#[test]
fn past_64_voices_the_quietest_is_stolen_with_a_5_ms_fade_and_no_step_above_the_bound() {
    let dir = tempdir();
    let (sine, silence) = (path_in(&dir, "sine.wav"), path_in(&dir, "silence.wav"));
    write_float_wav(&sine, 48_000, 1, &lead_sine());
    write_float_wav(&silence, 48_000, 1, &vec![0.0; 48_000]);
    let cut = LEAD + 1_000;
    // 63 silent voices at full velocity, then the sine at velocity 0.9
    // (gain 0.81), then a 65th note: the sine's voice is the quietest,
    // though not the oldest.
    let mut events: Vec<_> = (0..63).map(|i| note_on(i, 38, 1.0)).collect();
    events.push(note_on(63, 36, 0.9));
    events.push(note_on(cut as u64, 38, 1.0));
    let mut renders = Vec::new();
    for (kind, block) in [(DspBackend::Wasm, 256), (DspBackend::Native, 100)] {
        let e = engine(kind, 48_000.0);
        e.load_file(0, &sine).unwrap();
        e.set_mapping(0, drum());
        e.load_file(1, &silence).unwrap();
        e.set_mapping(1, Mapping { mode: PlayMode::OneShot, ..Mapping::drum(38) });
        let out = render_fixed(&e, &events, (cut + 2_000) as u64, block);
        assert_eq!((e.stats().voices_started, e.stats().voices_stolen), (65, 1));
        renders.push(out);
    }
    assert_identical(&renders[0], &renders[1], "wasm and native");
    assert_faded(&renders[0], cut, cut + 2_000, "the stolen voice");
}

#[test]
fn replacing_the_sample_and_all_sound_off_fade_the_sine_over_5_ms_without_a_step_above_the_bound() {
    let dir = tempdir();
    let (sine, other) = (path_in(&dir, "sine.wav"), path_in(&dir, "other.wav"));
    write_float_wav(&sine, 48_000, 1, &lead_sine());
    write_float_wav(&other, 48_000, 1, &signal(1_000, 3));
    let cut = LEAD + 1_000;
    for kind in KINDS {
        for how in ["the sample replaced", "all sound off"] {
            let e = engine(kind, 48_000.0);
            e.load_file(0, &sine).unwrap();
            let mut out = render_fixed(&e, &[note_on(0, 36, 1.0)], cut as u64, 256).left;
            let events = match how {
                "all sound off" => vec![FrameEvent { frame: 0, event: wasm_sampler::engine::triggering::NoteEvent::AllSoundOff { frame: 0 } }],
                _ => {
                    e.load_file(0, &other).unwrap();
                    vec![]
                }
            };
            out.extend(render_fixed(&e, &events, 1_000, 256).left);
            let what = format!("{kind:?}, {how}");
            assert!(out[cut..cut + FADE].iter().any(|&v| v.abs() > 0.5), "{what}: the voice sounds as the fade begins");
            assert_eq!(first_difference(&out[cut + FADE + 1..], &[0.0; 1_000 - FADE - 1]), None, "{what}: silent 5 ms later");
            let step = largest_step(&out);
            assert!(step <= STEP_BOUND, "{what}: a step of {step} (bound {STEP_BOUND})");
        }
    }
}
