//! The audio-thread path allocates nothing: `Engine::process` runs under
//! `assert_no_alloc` (the guard of nice-plug's `assert_process_allocs`, whose
//! allocator the plugin installs in debug builds) with notes, long blocks,
//! voice stealing, and samples loading and being replaced on another thread
//! at the same time.

use crate::common;
use common::*;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use nice_assert_no_alloc::assert_no_alloc;
use wasm_sampler::cli::demo;
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::kit::{
    Automation, CcRange, FilterSettings, FilterSlope, FilterType, Interpolation, Loop, LoopMode, Mapping, PadSettings, PlayMode, Retrigger, RoundRobin,
};
use wasm_sampler::settings::AUTOMATED_PADS;

// The global allocator is nice-plug's AllocDisabler (feature
// `assert_process_allocs`, debug builds), linked in through the plugin crate:
// an allocation inside `assert_no_alloc` aborts this test process.

#[test]
fn process_never_allocates_while_samples_load_on_another_thread() {
    let dir = tempdir();
    let (a, b) = (path_in(&dir, "a.wav"), path_in(&dir, "b.wav"));
    write_float_wav(&a, 44_100, 2, &signal(60_000, 1));
    write_int_wav(&b, 48_000, 1, 24, &(0..30_000).map(|i| (i * 97) % 8_000_000 - 4_000_000).collect::<Vec<_>>());
    for kind in KINDS {
        let engine = Arc::new(engine(kind, 48_000.0));
        demo::load_kit(&engine).unwrap();
        engine.load_file(6, &a).unwrap();

        // Another thread keeps replacing pad 6 and loading pad 7 while we play.
        let stop = Arc::new(AtomicBool::new(false));
        let loader = {
            let (engine, stop, a, b) = (engine.clone(), stop.clone(), a.clone(), b.clone());
            std::thread::spawn(move || {
                let mut loads = 0;
                while !stop.load(Ordering::Relaxed) {
                    engine.load_file(6, if loads % 2 == 0 { &b } else { &a }).unwrap();
                    engine.load_file(7, &a).unwrap();
                    engine.housekeeping();
                    loads += 1;
                }
                loads
            })
        };

        let mut left = vec![0.0f32; 5_000];
        let mut right = vec![0.0f32; 5_000];
        let mut notes: Vec<NoteEvent> = Vec::with_capacity(256);
        let sizes = [1usize, 64, 256, 1024, 1025, 3000, 5000];
        for block in 0..400 {
            let n = sizes[block % sizes.len()];
            notes.clear();
            for i in 0..(block % 90) as u32 {
                let frame = (i * 37) % n as u32;
                notes.push(NoteEvent::On { frame, channel: 9, note: 36 + (i % 8) as u8, velocity: 0.8 });
            }
            notes.sort_by_key(|e| e.frame()); // outside the guarded call
            if block % 7 == 0 {
                notes.push(NoteEvent::Off { frame: n as u32 - 1, channel: 9, note: 37 });
            }
            let (l, r) = (&mut left[..n], &mut right[..n]);
            assert_no_alloc(|| engine.process(&notes, l, r));
        }
        stop.store(true, Ordering::Relaxed);
        let loads = loader.join().unwrap();
        assert!(loads > 0, "the loader thread ran");
        let stats = engine.stats();
        assert!(stats.voices_stolen > 0 && stats.faults == 0, "{stats:?}");
    }
}

/// Every feature the audio path has, on, for 10 000 blocks of every size
/// (1 frame to several guest calls), each `process` under `assert_no_alloc`
/// on a strict engine (the guest call itself is not inside `permit_alloc`,
/// so an allocation anywhere on the normal path aborts the test): drum,
/// pitched, gate and one-shot pads, choke groups, resampling at two source
/// rates with both interpolations, velocity layers, automation of gain, pan
/// tune, envelope, cutoff and resonance moving every few blocks, filters of
/// every type with key, velocity and envelope tracking, forward (crossfaded,
/// sustain) and ping-pong loops, auditions on their own channel, notes
/// off, chokes, all-notes-off, all-sound-off, resets, a pad of three
/// samples (two crossfading velocity layers, one a random round robin) on
/// an auxiliary output rendered through all nine outputs, a pedal pad
/// played by CC 4, aftertouch chokes, and another thread replacing
/// samples, trimming them, editing settings and changing the polyphony
/// meanwhile.
#[test]
fn the_normal_path_allocates_nothing_over_10000_blocks_with_every_feature_on() {
    let dir = tempdir();
    let a = path_in(&dir, "a.wav");
    write_float_wav(&a, 44_100, 2, &signal(20_000, 3));
    for kind in KINDS {
        let rig = Arc::new(engine(kind, 48_000.0));
        demo::load_kit(&rig).unwrap();
        rig.load_file(6, &a).unwrap();
        rig.set_mapping(6, Mapping { choke_group: 2, ..Mapping::pitched(70, 90) });
        rig.load_file(7, &a).unwrap();
        rig.set_mapping(7, Mapping { velocity: (1, 63), ..Mapping::drum(60) });
        // A voice limit and a cutting retrigger on pad 7 (their fades run
        // on the audio thread too).
        rig.set_settings(7, PadSettings { interpolation: Interpolation::Linear, voices: 2, retrigger: Retrigger::Cut, ..PadSettings::default() });
        // Loops: forward with a crossfade and a sustain loop on pad 7,
        // ping-pong on pad 6.
        rig.store
            .edit(7, |p| p.samples[0].params.looping = Loop { mode: LoopMode::Forward, start: 5_000, end: 9_000, crossfade: 0.01, sustain: true })
            .unwrap();
        rig.store.edit(6, |p| p.samples[0].params.looping = Loop { mode: LoopMode::PingPong, start: 2_000, end: 2_500, ..Loop::default() }).unwrap();
        // Pad 9: three samples on note 62, output 2: a soft layer and a loud
        // one of two hits at random, crossfading over 20 steps.
        rig.load_file(9, &a).unwrap();
        rig.add_file(9, &a).unwrap();
        rig.add_file(9, &a).unwrap();
        rig.store
            .edit(9, |p| {
                p.mapping = Mapping { aftertouch_chokes: true, ..Mapping::drum(62) };
                p.settings = PadSettings { round_robin: RoundRobin::RandomNoRepeat, layer_crossfade: 20.0, output: 2, ..PadSettings::default() };
                p.samples[0].params.velocity = (1, 63);
                (p.samples[1].params.velocity, p.samples[2].params.velocity) = ((64, 127), (64, 127));
            })
            .unwrap();
        // Pad 10: the pedal's chick, choking pad 9.
        rig.load_file(10, &a).unwrap();
        rig.set_mapping(10, Mapping { pedal: Some(CcRange { cc: 4, lo: 100, hi: 127 }), choke_group: 3, ..Mapping::drum(44) });
        rig.store.edit(9, |p| p.mapping.choke_group = 3).unwrap();
        // Filters on the demo kit's first pads: every type, both slopes,
        // every modulation.
        for (pad, kind) in [FilterType::LowPass, FilterType::HighPass, FilterType::BandPass].into_iter().enumerate() {
            let filter = FilterSettings {
                kind,
                slope: if pad == 1 { FilterSlope::Db24 } else { FilterSlope::Db12 },
                keytrack: 50.0,
                velocity: 2.0,
                envelope: 3.0,
                ..FilterSettings::default()
            };
            rig.set_settings(pad, PadSettings { filter, decay: 0.2, sustain: 30.0, ..PadSettings::default() });
        }

        let stop = Arc::new(AtomicBool::new(false));
        let editor = {
            let (rig, stop, a) = (rig.clone(), stop.clone(), a.clone());
            std::thread::spawn(move || {
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    rig.load_file(8, &a).unwrap();
                    rig.set_mapping(8, Mapping { velocity: (64, 127), mode: PlayMode::Gate, ..Mapping::drum(60) });
                    rig.set_window(8, n % 5_000, 10_000 + n % 3_000);
                    rig.set_settings(6, PadSettings { release: 0.05 + (n % 10) as f32 * 0.01, pan: -0.5, ..PadSettings::default() });
                    if n.is_multiple_of(50) {
                        rig.set_polyphony([64, 1_024, 8][(n / 50) as usize % 3]).unwrap();
                    }
                    rig.housekeeping();
                    n += 1;
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                n
            })
        };

        let mut left = vec![0.0f32; 3_000];
        let mut right = vec![0.0f32; 3_000];
        let mut channels = vec![vec![0.0f32; 3_000]; 18];
        let mut notes: Vec<NoteEvent> = Vec::with_capacity(512);
        let sizes = [1usize, 17, 64, 128, 256, 512, 1024, 1025, 2500];
        let neutral = Automation::NEUTRAL;
        let mut automation = [neutral; AUTOMATED_PADS];
        let (mut started, mut stolen) = (0u32, 0u32);
        for block in 0..10_000usize {
            let n = sizes[block % sizes.len()];
            notes.clear();
            for i in 0..(block % 24) as u32 {
                let note = [36u8, 38, 39, 42, 46, 60, 75, 80, 62][(i as usize + block) % 9];
                let velocity = [0.3f32, 0.6, 1.0][(i as usize) % 3];
                notes.push(NoteEvent::On { frame: (i * 31) % n as u32, channel: (i % 17) as u8, note, velocity });
            }
            match block % 50 {
                7 => notes.push(NoteEvent::Off { frame: 0, channel: 1, note: 60 }),
                13 => notes.push(NoteEvent::Choke { frame: 0, channel: 2, note: 36 }),
                29 => notes.push(NoteEvent::AllNotesOff { frame: 0 }),
                41 => notes.push(NoteEvent::AllSoundOff { frame: 0 }),
                _ => {}
            }
            // The pedal up and down, and aftertouch on pad 10's note.
            notes.push(NoteEvent::Controller { frame: 0, channel: 0, cc: 4, value: [0u8, 127, 60, 110][block % 4] });
            if block % 11 == 0 {
                notes.push(NoteEvent::Pressure { frame: 0, channel: 0, note: 62, pressure: 0.8 });
            }
            notes.sort_by_key(|e| e.frame()); // outside the guarded call
            if block % 5 == 0 {
                for (pad, values) in automation.iter_mut().enumerate() {
                    let t = (block / 5 + pad) as f32;
                    *values = Automation {
                        gain_db: -(t % 12.0),
                        pan: (t % 7.0) / 7.0 - 0.5,
                        tune_semitones: (t % 5.0) as i32 - 2,
                        tune_cents: t % 50.0,
                        attack: (t % 3.0) / 100.0,
                        decay: 0.5 + (t % 4.0) / 10.0,
                        sustain: 100.0 - (t % 9.0) * 10.0,
                        release: 0.01 + (t % 2.0) / 10.0,
                        cutoff: 100.0 + (t % 10.0) * 1_500.0,
                        resonance: t % 30.0,
                    };
                }
            }
            if block % 2 == 0 {
                let (l, r) = (&mut left[..n], &mut right[..n]);
                assert_no_alloc(|| rig.engine.process_automated(&notes, &automation, l, r));
            } else {
                // All nine outputs (an array of the channels' slices).
                let mut outs: [&mut [f32]; 18] = Default::default();
                for (o, c) in outs.iter_mut().zip(channels.iter_mut()) {
                    *o = &mut c[..n];
                }
                assert_no_alloc(|| rig.engine.process_outputs(&notes, &automation, &mut outs));
            }
            if block % 997 == 0 {
                // The guest's counters restart at each reset: count them first.
                let stats = rig.stats();
                (started, stolen) = (started + stats.voices_started, stolen + stats.voices_stolen);
                assert_no_alloc(|| rig.engine.reset());
            }
        }
        stop.store(true, Ordering::Relaxed);
        let edits = editor.join().unwrap();
        assert!(edits > 0, "the other thread ran");
        let stats = rig.stats();
        // Over the whole run: the blocks after the last reset alone may
        // steal nothing, if the other thread's polyphony is 1024 then.
        let (started, stolen) = (started + stats.voices_started, stolen + stats.voices_stolen);
        assert!(started > 100 && stolen > 0 && stats.faults == 0, "{kind:?}: {started} started, {stolen} stolen, {stats:?}");
    }
}
