//! Measures how long a guest fault silences the plugin: an engine whose guest
//! traps on demand is attached to a plugin instance's kit store, the
//! instance's own loader thread does housekeeping as in a DAW, and an audio
//! loop paced in real time (256-frame blocks at 48 kHz) makes the guest trap
//! and counts the silent blocks until the replacement guest plays again.
//!
//! Run: `cargo run --example fault_recovery` (the README quotes
//! its figures).

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::engine::{Engine, EngineOptions, GuestModule};
use wasm_sampler::guest::abi;
use wasm_sampler::plugin::Shared;

include!("../tests/common/test_guest.rs");

/// The test guest (outputs 0.5), made to trap when a block carries any event.
fn trapping_guest(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("trapping.wasm");
    let wat = Wat { prelude: "(if (i32.gt_u (local.get $events) (i32.const 0)) (then unreachable))", ..Wat::default() };
    std::fs::write(&path, wat.to_wasm()).expect("writing the guest");
    path
}

fn main() {
    const BLOCK: usize = 256;
    const RATE: f64 = 48_000.0;
    // As many as housekeeping recovers on its own (see MAX_AUTO_RECOVERIES).
    const FAULTS: usize = wasm_sampler::engine::MAX_AUTO_RECOVERIES as usize;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let module = Arc::new(GuestModule::from_file(&trapping_guest(dir.path())).expect("the test guest loads"));
    let engine = Arc::new(Engine::new(EngineOptions { module: Some(module), sample_rate: RATE as f32, ..EngineOptions::default() }).expect("engine"));
    let shared = Arc::new(Shared::default());
    shared.store.attach(engine.clone());
    // Any job starts the instance's loader thread, which then does
    // housekeeping every HOUSEKEEPING_PERIOD, as in the plugin.
    shared.load_pad(0, dir.path().join("none.wav"));

    let (mut l, mut r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let period = Duration::from_secs_f64(BLOCK as f64 / RATE);
    let mut next = Instant::now();
    let mut tick = || {
        next += period;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    };
    let trigger = [NoteEvent::AllSoundOff { frame: 0 }];
    let mut blocks = Vec::new();
    let mut millis = Vec::new();
    let mut seed = 0x2545_f491u32;
    for _ in 0..FAULTS {
        // Play a little (a varying number of blocks, so that faults fall at
        // every phase of the housekeeping period), then fault.
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        for _ in 0..10 + seed % 7 {
            engine.process(&[], &mut l, &mut r);
            tick();
        }
        let start = Instant::now();
        engine.process(&trigger, &mut l, &mut r);
        let mut silent = 1;
        loop {
            tick();
            engine.process(&[], &mut l, &mut r);
            if l[0] == 0.5 {
                break;
            }
            silent += 1;
        }
        blocks.push(silent);
        millis.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    blocks.sort_unstable();
    millis.sort_by(f64::total_cmp);
    let stats = engine.stats();
    println!(
        "{FAULTS} faults, {BLOCK}-frame blocks at {RATE} Hz ({:.2} ms each), housekeeping every {:?}:",
        period.as_secs_f64() * 1000.0,
        wasm_sampler::plugin::loader_thread::HOUSEKEEPING_PERIOD
    );
    println!("  silent blocks per fault: min {}, median {}, max {}", blocks[0], blocks[FAULTS / 2], blocks[FAULTS - 1]);
    println!("  silence until the replacement played: min {:.1} ms, median {:.1} ms, max {:.1} ms", millis[0], millis[FAULTS / 2], millis[FAULTS - 1]);
    println!("  engine: {} faults, {} silent blocks in all", stats.faults, stats.fault_silent_blocks);
    shared.loader.stop();
}
