//! The audio-thread path allocates nothing: `Engine::process` runs under
//! `assert_no_alloc` (the guard of nice-plug's `assert_process_allocs`, whose
//! allocator the plugin installs in debug builds) with notes, long blocks,
//! voice stealing, and samples loading and being replaced on another thread
//! at the same time.

mod common;
use common::*;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use nice_assert_no_alloc::assert_no_alloc;
use wasm_sampler::cli::demo;
use wasm_sampler::engine::triggering::NoteEvent;

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
