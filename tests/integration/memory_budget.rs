//! The sample memory budget, a kit setting saved with the project: a load
//! that would take the samples past it is refused with what it needs, what
//! is free and the largest block, on the pad and in the error; the pads
//! already loaded keep playing; lowering the budget below what is loaded
//! refuses new loads and unloads nothing; raising it lets them in.

use crate::common;
use common::*;

use wasm_sampler::engine::MIB;
use wasm_sampler::guest::abi;
use wasm_sampler::DspBackend;

/// A mono float WAV of `frames` frames and the bytes its region takes in
/// the guest's memory (stored as 32-bit floats).
fn float_sample(dir: &tempfile::TempDir, name: &str, frames: usize, seed: u32) -> (std::path::PathBuf, Vec<f32>, u64) {
    let path = path_in(dir, name);
    let data = signal(frames, seed);
    write_float_wav(&path, 48_000, 1, &data);
    (path, data, abi::format::region_bytes(abi::format::F32, frames as u64))
}

/// Pad `pad` played from its first frame, alone: the first `frames` frames.
fn plays(rig: &Rig, pad: u8, frames: u64) -> Vec<f32> {
    rig.engine.reset();
    rig.set_mapping(pad as usize, wasm_sampler::kit::Mapping::drum(36 + pad));
    render_fixed(rig, &[note_on(0, 36 + pad, 1.0)], frames, 256).left
}

fn expected_refusal(path: &std::path::Path, needed: u64, free: u64, largest: u64) -> String {
    format!("{}: out of sample memory: {needed} bytes needed, {free} free (largest block {largest})", path.display())
}

#[test]
fn a_load_past_the_budget_is_refused_with_what_is_free_and_the_loaded_pads_keep_playing() {
    let dir = tempdir();
    let rig = engine(DspBackend::Wasm, 48_000.0);
    rig.set_memory_budget_mib(16).unwrap();
    assert_eq!(rig.stats().memory_budget, 16 * MIB);
    let (a, a_data, _) = float_sample(&dir, "a.wav", 3_000_000, 1);
    let (b, _, b_bytes) = float_sample(&dir, "b.wav", 1_500_000, 2);
    rig.load_file(0, &a).unwrap();
    let used = rig.stats().allocator.used;

    let err = rig.load_file(1, &b).unwrap_err().to_string();
    // Replacing pad 1's own sample: the new one must fit beside the old,
    // which plays until the new one is in.
    let replacing = rig.load_file(0, &b).unwrap_err().to_string();
    // Free is the budget less what is loaded; the memory could grow far
    // past it, so the largest block is the budget's too.
    let free = 16 * MIB - used;
    assert_eq!(err, expected_refusal(&b, b_bytes, free, free));
    assert_eq!(replacing, err);
    assert_eq!(rig.pads()[1].error.as_deref(), Some(err.as_str()), "the empty pad shows it");
    assert_eq!(rig.pads()[0].error.as_deref(), Some(err.as_str()), "the loaded pad shows it");
    assert_eq!(rig.stats().allocator.used, used, "nothing allocated");
    assert_eq!(first_difference(&plays(&rig, 0, 4_096), &a_data[..4_096]), None, "pad 1 plays on, bit for bit");
}

#[test]
fn lowering_the_budget_below_what_is_loaded_refuses_new_loads_and_unloads_nothing() {
    let dir = tempdir();
    let rig = engine(DspBackend::Wasm, 48_000.0);
    let (big, big_data, big_bytes) = float_sample(&dir, "big.wav", 5_000_000, 3);
    let (small, small_data, small_bytes) = float_sample(&dir, "small.wav", 1_000, 4);
    rig.load_file(0, &big).unwrap();
    assert!(big_bytes > 16 * MIB);

    rig.set_memory_budget_mib(16).unwrap();
    let used = rig.stats().allocator.used;
    assert!(used >= big_bytes);
    assert_eq!(first_difference(&plays(&rig, 0, 4_096), &big_data[..4_096]), None, "still loaded, still playing");
    let err = rig.load_file(1, &small).unwrap_err().to_string();
    assert_eq!(err, expected_refusal(&small, small_bytes, 0, 0));
    assert_eq!(rig.stats().allocator.used, used);

    rig.set_memory_budget_mib(64).unwrap();
    rig.load_file(1, &small).unwrap();
    assert_eq!(first_difference(&plays(&rig, 1, 1_000), &small_data), None);
    assert_eq!(rig.pads()[1].error, None);
}

#[test]
fn a_budget_outside_its_range_changes_nothing_and_says_why() {
    let rig = engine(DspBackend::Wasm, 48_000.0);
    assert_eq!(rig.set_memory_budget_mib(8), Err("sample memory 8 MiB is outside 16..=4095 MiB".to_string()));
    assert_eq!(rig.set_memory_budget_mib(4096), Err("sample memory 4096 MiB is outside 16..=4095 MiB".to_string()));
    assert_eq!(rig.memory_budget_mib(), 2048);
    assert_eq!(rig.stats().memory_budget, 2048 * MIB);
}

/// The budget is the kit's: a kit restored from state brings its own to the
/// engine before its pads load.
#[test]
fn a_restored_kit_brings_its_budget_before_its_pads_load() {
    let dir = tempdir();
    let rig = engine(DspBackend::Wasm, 48_000.0);
    let (big, _, big_bytes) = float_sample(&dir, "big.wav", 5_000_000, 5);
    let mut kit = wasm_sampler::kit::Kit { memory_budget_mib: 16, ..Default::default() };
    kit.pad_mut(0).samples.push(wasm_sampler::kit::SampleRecord { file: big.clone(), params: wasm_sampler::kit::SampleParams::whole(36), embedded: None });
    let (restored, note) = wasm_sampler::kit::Kit::from_json(&kit.to_json());
    assert_eq!(note, None);
    assert_eq!(restored.memory_budget_mib, 16);
    rig.set_kit(restored);
    let mut errors = Vec::new();
    rig.load_kit(&std::sync::atomic::AtomicBool::new(false), |pad, e| errors.push((pad, e.to_string())));
    assert_eq!(errors, vec![(0, expected_refusal(&big, big_bytes, 16 * MIB, 16 * MIB))]);
    assert_eq!(rig.stats().memory_budget, 16 * MIB);
}
