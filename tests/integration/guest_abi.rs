//! Guest modules: the embedded one loads precompiled; modules that do not
//! implement the ABI are refused with a clear error; a guest that traps or
//! runs past its deadline silences output, without any allocation of ours
//! on the audio thread, until housekeeping has re-instantiated it.

use crate::common;
use common::*;

use std::sync::Arc;

use wasm_sampler::cli::render::{render, Blocks, FrameEvent};
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::engine::{Engine, EngineOptions};
use wasm_sampler::engine::{GuestModule, ModuleSource};
use wasm_sampler::guest::abi;
use wasm_sampler::DspBackend;

include!("../common/test_guest.rs");

impl Wat {
    fn write(&self, dir: &tempfile::TempDir, name: &str) -> std::path::PathBuf {
        let path = path_in(dir, name);
        std::fs::write(&path, self.to_wasm()).unwrap();
        path
    }
}

#[test]
fn the_embedded_guest_loads_from_its_precompiled_artifact() {
    let m = GuestModule::embedded().unwrap();
    assert_eq!(m.source(), &ModuleSource::Precompiled);
    let compiled = GuestModule::compile_embedded().unwrap();
    assert_eq!(compiled.source(), &ModuleSource::Compiled);
}

/// The embedded artifact is precompiled for x86-64-v2 (the guest's SIMD
/// kernels need SSE4.1 to be fast); a CPU without it gets the engine built
/// for the baseline, which must still compile the embedded wasm.
#[test]
fn the_embedded_guest_also_compiles_for_the_baseline_cpu_level() {
    use wasm_sampler::engine::backend::{engine_config, CpuLevel, BUILD_TARGET, EMBEDDED_WASM};
    let engine = wasmtime::Engine::new(&engine_config(BUILD_TARGET, CpuLevel::Baseline).unwrap()).unwrap();
    wasmtime::Module::new(&engine, EMBEDDED_WASM).unwrap();
    if BUILD_TARGET.starts_with("x86_64") {
        assert_eq!(CpuLevel::for_target(BUILD_TARGET), CpuLevel::X86_64V2);
        assert_eq!(CpuLevel::of_this_cpu(), CpuLevel::X86_64V2, "every CI machine is x86-64-v2");
    }
}

#[test]
fn a_module_implementing_the_abi_runs_in_place_of_the_embedded_guest() {
    let dir = tempdir();
    let path = Wat::default().write(&dir, "dc.wasm");
    let module = Arc::new(GuestModule::from_file(&path).unwrap());
    let e = Engine::new(EngineOptions { module: Some(module), ..EngineOptions::default() }).unwrap();
    let out = render(&e, &[], 1_000, &Blocks::Fixed(300));
    assert!(out.left.iter().chain(&out.right).all(|&s| s == 0.5));
}

#[test]
fn modules_that_do_not_implement_the_abi_are_refused_with_a_clear_error() {
    let dir = tempdir();
    std::fs::write(path_in(&dir, "text.wasm"), "hello").unwrap();
    std::fs::write(path_in(&dir, "broken.wasm"), b"\0asm\x01\0\0\0\x99garbage").unwrap();
    let needs = format!("implements ABI version 99; this host needs {}", abi::ABI_VERSION);
    let cases = [
        (Wat { abi: 99, ..Wat::default() }.write(&dir, "abi99.wasm"), needs.as_str()),
        (Wat { process_name: "render", ..Wat::default() }.write(&dir, "noprocess.wasm"), "has no export `process`"),
        (Wat { heap_base: abi::IO_BASE + 16, ..Wat::default() }.write(&dir, "bigheap.wasm"), "past the I/O region"),
        (Wat { extra: r#"(data (i32.const 0x1ffff0) "0123456789abcdef0123")"#, ..Wat::default() }.write(&dir, "data.wasm"), "guest data reaches 0x200004"),
        (path_in(&dir, "text.wasm"), "not a WebAssembly module"),
        (path_in(&dir, "broken.wasm"), "invalid WebAssembly module"),
        (path_in(&dir, "missing.wasm"), "file not found"),
    ];
    for (path, reason) in cases {
        let err = match GuestModule::from_file(&path) {
            Ok(_) => panic!("{} was accepted", path.display()),
            Err(e) => e.to_string(),
        };
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        assert!(err.contains(reason), "expected `{reason}` in `{err}`");
        assert!(!err.contains('\n'), "{err:?}");
    }
    // A module without the memory import.
    let path = path_in(&dir, "ownmem.wasm");
    std::fs::write(&path, wat::parse_str(r#"(module (memory 1) (func (export "abi_version") (result i32) (i32.const 1)))"#).unwrap()).unwrap();
    let err = GuestModule::from_file(&path).err().unwrap().to_string();
    assert!(err.contains("does not import its memory"), "{err}");
}

fn dc_engine(prelude: &'static str) -> (Engine, tempfile::TempDir) {
    let dir = tempdir();
    let path = Wat { prelude, ..Wat::default() }.write(&dir, "g.wasm");
    let module = Arc::new(GuestModule::from_file(&path).unwrap());
    (Engine::new(EngineOptions { module: Some(module), ..EngineOptions::default() }).unwrap(), dir)
}

/// Blocks 0, 1 play; the event in block 2 makes the guest fail; the render
/// loop's housekeeping after block 2 replaces the guest, so from block 3 on
/// it plays again.
fn assert_one_block_of_silence(e: &Engine) {
    // No pad is loaded, so use an event that always reaches the guest.
    let event = FrameEvent { frame: 600, event: NoteEvent::AllSoundOff { frame: 0 } };
    let out = render(e, &[event], 256 * 6, &Blocks::Fixed(256));
    for (i, (&l, &r)) in out.left.iter().zip(&out.right).enumerate() {
        let expected = if (512..768).contains(&i) { 0.0 } else { 0.5 };
        assert_eq!((l, r), (expected, expected), "frame {i}");
    }
    assert_eq!(e.stats().faults, 1);
    assert_eq!(e.fault(), None, "recovered");
}

#[test]
fn a_trapping_guest_costs_one_block_of_silence_and_is_reinstantiated() {
    let (e, _dir) = dc_engine("(if (i32.gt_u (local.get $events) (i32.const 0)) (then unreachable))");
    assert_one_block_of_silence(&e);
}

#[test]
fn a_guest_that_never_returns_is_stopped_by_its_deadline() {
    let (e, _dir) = dc_engine("(if (i32.gt_u (local.get $events) (i32.const 0)) (then (loop $forever (br $forever))))");
    let t = std::time::Instant::now();
    assert_one_block_of_silence(&e);
    assert!(t.elapsed().as_secs_f64() < 5.0, "deadline took {:?}", t.elapsed());
}

#[test]
fn after_a_fault_the_real_guest_gets_its_pads_back() {
    let dir = tempdir();
    let path = path_in(&dir, "s.wav");
    let src = signal(500, 3);
    write_float_wav(&path, 48_000, 1, &src);
    let e = engine(DspBackend::Wasm, 48_000.0);
    e.load_file(0, &path).unwrap();
    // Reinstantiating wipes the guest's slot table; recovery must publish again.
    e.engine.recover().unwrap();
    let out = render_fixed(&e, &[note_on(0, 36, 1.0)], 500, 128);
    assert_eq!(first_difference(&out.left, &src), None);
}

/// Renders `blocks` blocks of 256 frames, each `process` call under
/// `assert_no_alloc` (an allocation aborts the test process), with an event
/// (which makes the test guests fail) in the blocks of `faulty`, and
/// housekeeping only every `housekeeping_every` blocks, outside the guard,
/// as the plugin's loader thread does it. Returns whether each block sounded.
fn blocks_under_assert_no_alloc(e: &Engine, blocks: usize, faulty: &[usize], housekeeping_every: usize) -> Vec<bool> {
    use nice_assert_no_alloc::assert_no_alloc;
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    let event = [NoteEvent::AllSoundOff { frame: 100 }];
    let mut sounded = Vec::with_capacity(blocks);
    for block in 0..blocks {
        let events: &[NoteEvent] = if faulty.contains(&block) { &event } else { &[] };
        assert_no_alloc(|| e.process(events, &mut l, &mut r));
        let silent = l.iter().chain(&r).all(|&s| s == 0.0);
        let whole = l.iter().chain(&r).all(|&s| s == 0.5);
        assert!(silent || whole, "block {block}: all sound or all silence");
        sounded.push(whole);
        if block % housekeeping_every == housekeeping_every - 1 {
            e.housekeeping();
        }
    }
    sounded
}

#[test]
fn a_trapping_or_hanging_guest_is_silent_until_replaced_and_the_audio_thread_never_allocates() {
    for (what, prelude) in [
        ("trap", "(if (i32.gt_u (local.get $events) (i32.const 0)) (then unreachable))"),
        ("hang", "(if (i32.gt_u (local.get $events) (i32.const 0)) (then (loop $forever (br $forever))))"),
    ] {
        // The plugin's own setting: the guest call runs inside
        // `permit_alloc` (wasmtime allocates its trap report there); what we
        // do around it, on the fault path too, runs under the guard.
        let (e, _dir) = dc_engine(prelude);
        let sounded = blocks_under_assert_no_alloc(&e, 40, &[5, 21], 4);
        // Block 5 faults: silent from there until the housekeeping after
        // block 7; block 21 faults: silent until the one after block 23.
        let expected: Vec<bool> = (0..40).map(|b| !(5..=7).contains(&b) && !(21..=23).contains(&b)).collect();
        assert_eq!(sounded, expected, "{what}");
        let stats = e.stats();
        assert_eq!((stats.faults, stats.fault_silent_blocks), (2, 6), "{what}: {stats:?}");
        assert_eq!(e.fault(), None, "{what}: recovered");
    }
}

#[test]
fn a_guest_that_faults_on_every_call_stays_silent_after_the_recovery_limit() {
    let (e, _dir) = dc_engine("unreachable");
    let rounds = wasm_sampler::engine::MAX_AUTO_RECOVERIES as usize + 4;
    let sounded = blocks_under_assert_no_alloc(&e, rounds, &[], 1);
    assert!(sounded.iter().all(|&s| !s), "never sounds");
    let stats = e.stats();
    assert_eq!(stats.faults, wasm_sampler::engine::MAX_AUTO_RECOVERIES + 1, "recovered up to the limit, then left silent");
    assert!(e.fault().is_some(), "the fault is reported");
}

#[test]
fn a_guest_refusing_samples_fails_a_pads_load_and_gives_every_region_and_slot_back() {
    // A pad of three samples restored from a kit: the guest refuses the
    // first, so the pad's publish fails with the reservations of the other
    // two still in hand; they must go back without waiting for the engine
    // lock the publish holds (a hang here was the bug).
    let dir = tempdir();
    let path = Wat { slot_load_status: abi::status::BAD_REGION, ..Wat::default() }.write(&dir, "refuses.wasm");
    let module = Arc::new(GuestModule::from_file(&path).unwrap());
    let engine = Arc::new(Engine::new(EngineOptions { module: Some(module), ..EngineOptions::default() }).unwrap());
    let store = Arc::new(wasm_sampler::KitStore::with_engine(engine.clone()));
    let wav = path_in(&dir, "hit.wav");
    write_float_wav(&wav, 48_000, 1, &[0.5; 100]);
    let mut kit = wasm_sampler::kit::Kit::default();
    for _ in 0..3 {
        kit.pad_mut(0).samples.push(wasm_sampler::kit::SampleRecord { file: wav.clone(), params: wasm_sampler::kit::SampleParams::whole(36), embedded: None });
    }
    store.set_kit(kit);
    let (done, finished) = std::sync::mpsc::channel();
    let loader = {
        let store = store.clone();
        std::thread::spawn(move || {
            store.load_kit(&std::sync::atomic::AtomicBool::new(false), |_, _| {});
            let _ = done.send(());
        })
    };
    finished.recv_timeout(std::time::Duration::from_secs(20)).expect("the kit load finished (no deadlock)");
    loader.join().unwrap();
    let stats = engine.stats();
    assert_eq!((stats.samples_loaded, stats.allocator.used, stats.regions_pending_free), (0, 0, 0), "nothing loaded, nothing kept");
    // Every slot came back: a working guest could still fill all of them.
    assert_eq!(store.kit().pads[0].samples.len(), 3, "the pad keeps its samples' records");
}

/// Waits up to 10 s for a message from the plugin's loader thread.
fn wait_for_message(shared: &wasm_sampler::plugin::Shared, text: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !shared.link.messages().iter().any(|(_, m)| m == text) {
        assert!(std::time::Instant::now() < deadline, "no message {text:?}; messages: {:?}", shared.link.messages());
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// The plugin's side of the editor's Reset: a guest that faults more often
/// than housekeeping recovers stays silent and says why
/// (`Engine::stopped`, which the editor's banner shows); `reset_guest` (the
/// banner's button) brings it back, and the automatic recoveries count
/// afresh, so the next fault costs one block again.
#[test]
fn a_guest_given_up_on_says_why_and_plays_again_after_the_editors_reset() {
    use wasm_sampler::engine::MAX_AUTO_RECOVERIES;
    let (e, _dir) = dc_engine("(if (i32.gt_u (local.get $events) (i32.const 0)) (then unreachable))");
    let e = Arc::new(e);
    let shared = Arc::new(wasm_sampler::plugin::Shared::default());
    shared.store.attach(e.clone());
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    let fault = [NoteEvent::AllSoundOff { frame: 0 }];
    let mut block = |events: &[NoteEvent]| {
        e.process(events, &mut l, &mut r);
        l.iter().chain(&r).all(|&s| s == 0.5)
    };
    for round in 0..MAX_AUTO_RECOVERIES {
        assert!(!block(&fault));
        e.housekeeping();
        assert!(block(&[]), "recovered after fault {}", round + 1);
        assert_eq!(e.stopped(), None);
    }
    assert!(!block(&fault));
    e.housekeeping();
    let trapped = "the guest trapped (wasm `unreachable` instruction executed)";
    assert_eq!(e.stopped().as_deref(), Some(trapped), "given up: the editor's banner shows this");
    for _ in 0..10 {
        e.housekeeping();
        assert!(!block(&[]), "silent until reset");
    }

    shared.reset_guest();
    wait_for_message(&shared, "The sampler's DSP was reset and plays again");
    assert_eq!(e.stopped(), None);
    assert!(block(&[]), "plays after the reset");
    // The recovery budget starts again: the next fault is recovered on its own.
    assert!(!block(&fault));
    e.housekeeping();
    assert!(block(&[]));
    assert_eq!(e.stats().faults, MAX_AUTO_RECOVERIES + 2);
    shared.loader.stop();
}
