//! Helpers shared by the integration tests: real WAV files written with
//! hound, engines on the real wasm guest (or the native build of the same
//! DSP), and rendering.
#![allow(dead_code)]

pub mod clap;

use std::path::{Path, PathBuf};

use wasm_sampler::engine::{Engine, EngineOptions};
use wasm_sampler::render::{render, Blocks, FrameEvent, Rendered};
use wasm_sampler::triggering::NoteEvent;
use wasm_sampler::EngineKind;

/// A deterministic test signal in -1..1 with no exact zeros: a mix of two
/// sines and a pseudo-random component, so misplacement by one frame or a
/// swapped channel always shows.
pub fn signal(frames: usize, seed: u32) -> Vec<f32> {
    let mut x = seed | 1;
    (0..frames)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let noise = (x >> 8) as f32 / (1 << 24) as f32 - 0.5;
            let t = i as f32;
            0.4 * (t * 0.031).sin() + 0.3 * (t * 0.0071 + seed as f32).cos() + 0.25 * noise + 0.001
        })
        .collect()
}

/// Writes interleaved f32 samples as a 32-bit float WAV.
pub fn write_float_wav(path: &Path, rate: u32, channels: u16, data: &[f32]) {
    let spec = hound::WavSpec { channels, sample_rate: rate, bits_per_sample: 32, sample_format: hound::SampleFormat::Float };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in data {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// Writes interleaved integer samples as `bits`-bit PCM.
pub fn write_int_wav(path: &Path, rate: u32, channels: u16, bits: u16, data: &[i32]) {
    let spec = hound::WavSpec { channels, sample_rate: rate, bits_per_sample: bits, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in data {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// A temporary directory for a test's files.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn path_in(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// An engine on the embedded guest (`Wasm`) or the native DSP.
///
/// Strict: a guest fault may not allocate on the audio thread either, so that
/// the allocation tests see every allocation of the call path.
pub fn engine(kind: EngineKind, rate: f32) -> Engine {
    Engine::new(EngineOptions { kind, sample_rate: rate, module: None, permit_fault_allocs: false }).unwrap()
}

/// Both engine kinds, for tests that must hold for each.
pub const KINDS: [EngineKind; 2] = [EngineKind::Wasm, EngineKind::Native];

pub fn note_on(frame: u64, note: u8, velocity: f32) -> FrameEvent {
    FrameEvent { frame, event: NoteEvent::On { frame: 0, channel: 0, note, velocity } }
}

pub fn note_off(frame: u64, note: u8) -> FrameEvent {
    FrameEvent { frame, event: NoteEvent::Off { frame: 0, channel: 0, note } }
}

/// Renders `frames` frames in blocks of `block`.
pub fn render_fixed(engine: &Engine, events: &[FrameEvent], frames: u64, block: usize) -> Rendered {
    render(engine, events, frames, &Blocks::Fixed(block))
}

/// Index and values of the first difference between two channels.
pub fn first_difference(a: &[f32], b: &[f32]) -> Option<(usize, f32, f32)> {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter().zip(b).enumerate().find(|(_, (x, y))| x.to_bits() != y.to_bits()).map(|(i, (x, y))| (i, *x, *y))
}

/// Asserts two renders are identical to the bit.
pub fn assert_identical(a: &Rendered, b: &Rendered, what: &str) {
    assert_eq!(first_difference(&a.left, &b.left), None, "{what}: left channels differ");
    assert_eq!(first_difference(&a.right, &b.right), None, "{what}: right channels differ");
}
