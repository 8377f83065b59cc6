//! A pad's sample and the settings that go with it reach the audio thread
//! together: while a new file decodes (slowly, on another thread) the pad
//! keeps playing exactly as it was, and then plays exactly as it should —
//! never the new settings on the old sample, or the old ones on the new.

use crate::common;
use common::*;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::kit::{Kit, PadSettings, SampleParams, SampleRecord};
use wasm_sampler::DspBackend;

/// Frames compared per block.
const PROBE: usize = 64;

/// What one probe block sounded like.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Heard {
    /// The state before the change.
    Before,
    /// The state after it.
    After,
}

/// Plays `PROBE` frames of pad 0 from a silent start (reset, note-on at
/// frame 0) and says which of the two expected outputs it was; panics on
/// anything else (a mix of old and new).
fn probe(rig: &Rig, before: &[f32], after: &[f32]) -> Heard {
    let (mut l, mut r) = (vec![0.0f32; PROBE], vec![0.0f32; PROBE]);
    rig.engine.reset();
    rig.engine.process(&[NoteEvent::On { frame: 0, channel: 0, note: 36, velocity: 1.0 }], &mut l, &mut r);
    if first_difference(&l, &before[..PROBE]).is_none() {
        Heard::Before
    } else if first_difference(&l, &after[..PROBE]).is_none() {
        Heard::After
    } else {
        panic!("heard neither the old pad nor the new one: {:?} vs before {:?} / after {:?}", &l[..4], &before[..4], &after[..4]);
    }
}

/// Probes pad 0 while `change` runs on another thread; returns what was
/// heard, in order, ending with a probe after the change finished.
fn probe_during(rig: &Arc<Rig>, before: &[f32], after: &[f32], change: impl FnOnce(&Rig) + Send + 'static) -> Vec<Heard> {
    let done = Arc::new(AtomicBool::new(false));
    let worker = {
        let (rig, done) = (rig.clone(), done.clone());
        std::thread::spawn(move || {
            change(&rig);
            done.store(true, Ordering::Release);
        })
    };
    let mut heard = Vec::new();
    while !done.load(Ordering::Acquire) {
        heard.push(probe(rig, before, after));
    }
    worker.join().unwrap();
    heard.push(probe(rig, before, after));
    heard
}

/// A long stereo file, so that decoding it takes a while.
fn long_file(dir: &tempfile::TempDir, name: &str, seed: u32) -> (std::path::PathBuf, Vec<f32>) {
    let path = path_in(dir, name);
    let left = signal(48_000 * 40, seed);
    let interleaved: Vec<f32> = left.iter().flat_map(|&x| [x, -x]).collect();
    write_float_wav(&path, 48_000, 2, &interleaved);
    (path, left)
}

/// Heard the old state first, then only the new one from some point on.
fn assert_switched_once(heard: &[Heard], what: &str) {
    let switch = heard.iter().position(|&h| h == Heard::After).unwrap_or_else(|| panic!("{what}: never heard the new pad"));
    assert!(switch > 0, "{what}: the change was over before the first probe; nothing was tested");
    assert!(heard[switch..].iter().all(|&h| h == Heard::After), "{what}: went back to the old pad: {heard:?}");
}

#[test]
fn a_slow_load_into_a_trimmed_pad_never_plays_the_old_sample_whole_or_the_new_one_trimmed() {
    let dir = tempdir();
    let old = path_in(&dir, "old.wav");
    let old_signal = signal(4_000, 1);
    write_float_wav(&old, 48_000, 1, &old_signal);
    let (new, new_signal) = long_file(&dir, "new.wav", 2);
    let rig = Arc::new(engine(DspBackend::Wasm, 48_000.0));
    rig.load_file(0, &old).unwrap();
    rig.set_window(0, 1_000, 3_000);

    // Before: the old sample from frame 1000. After: the new one whole (a
    // new sample resets the window). The old sample whole or the new one
    // from frame 1000 would be neither, and fail the probe.
    let heard = probe_during(&rig, &old_signal[1_000..], &new_signal, move |rig| {
        rig.load_file(0, &new).unwrap();
    });
    assert_switched_once(&heard, "load");
    assert_eq!(rig.kit().pads[0].samples[0].params, SampleParams::whole(36), "saved untrimmed");
}

#[test]
fn a_restored_kit_never_plays_its_settings_on_the_previous_kits_samples() {
    let dir = tempdir();
    let old = path_in(&dir, "old.wav");
    let old_signal = signal(4_000, 3);
    write_float_wav(&old, 48_000, 1, &old_signal);
    let (new, new_signal) = long_file(&dir, "new.wav", 4);
    let rig = Arc::new(engine(DspBackend::Wasm, 48_000.0));
    rig.load_file(0, &old).unwrap();

    // The restored kit trims pad 0's new sample and turns it down 6 dB.
    let mut kit = Kit::default();
    let pad = kit.pad_mut(0);
    pad.settings = PadSettings { gain_db: -6.0, ..PadSettings::default() };
    pad.samples.push(SampleRecord { file: new.clone(), params: SampleParams { start: 500, end: 0, ..SampleParams::whole(36) }, embedded: None });
    let gain = wasm_sampler::settings::db_to_gain(-6.0);
    let after: Vec<f32> = new_signal[500..].iter().take(PROBE).map(|&x| x * gain).collect();

    let heard = probe_during(&rig, &old_signal, &after, move |rig| {
        rig.set_kit(kit);
        rig.load_kit(&AtomicBool::new(false), |pad, e| panic!("pad {pad}: {e}"));
    });
    assert_switched_once(&heard, "kit restore");
}

#[test]
fn an_edit_made_while_a_restored_kit_waits_to_load_is_published_with_its_sample() {
    let dir = tempdir();
    let (old, new) = (path_in(&dir, "old.wav"), path_in(&dir, "new.wav"));
    write_float_wav(&old, 48_000, 1, &signal(2_000, 5));
    write_float_wav(&new, 48_000, 1, &signal(2_000, 6));
    let rig = engine(DspBackend::Wasm, 48_000.0);
    rig.load_file(0, &old).unwrap();
    let mut kit = Kit::default();
    kit.pad_mut(0).samples.push(SampleRecord { file: new.clone(), params: SampleParams::whole(36), embedded: None });
    rig.set_kit(kit);
    // The kit has not loaded yet: the edit is kept, not put on the old sample.
    rig.set_settings(0, PadSettings { pan: 0.5, ..PadSettings::default() });
    assert_eq!(rig.engine.pads()[0].settings.pan, 0.0, "the old pad plays as it was");
    rig.load_kit(&AtomicBool::new(false), |pad, e| panic!("pad {pad}: {e}"));
    let published = &rig.engine.pads()[0];
    assert_eq!(published.settings.pan, 0.5, "the edit arrives with the new sample");
    assert!(matches!(&published.sample().unwrap().source, wasm_sampler::engine::SampleSource::File(p) if p == &new));
    assert!(!rig.is_loading(0));
}
