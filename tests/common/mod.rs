//! Helpers shared by the integration tests: real WAV files written with
//! hound, engines on the real wasm guest (or the native build of the same
//! DSP), and rendering.
#![allow(dead_code)]

pub mod audio;
pub mod clap;
#[cfg(target_os = "linux")]
pub mod gui;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasm_sampler::cli::render::{render, Blocks, FrameEvent, Rendered};
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::engine::{Engine, EngineOptions, Segment};
use wasm_sampler::kit::{KitStore, Mapping, PadSettings};
use wasm_sampler::DspBackend;

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

/// Whether `tools` are installed. Without them a test says SKIPPED and
/// passes, unless the environment variable `require` is `1` (CI), which
/// makes their absence a failure.
pub fn tools_or_skip(require: &str, tools: &[&str], why: &str) -> bool {
    let required = std::env::var_os(require).is_some_and(|v| v == "1");
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !have(t)).collect();
    if missing.is_empty() {
        return true;
    }
    assert!(!required, "{require}=1 but {missing:?} is not installed ({why})");
    eprintln!("SKIPPED: {why} needs {missing:?}");
    false
}

/// Whether `tool` is on the PATH (a shell finds it). Under Wine (Windows
/// tests) there is no `sh`: nothing is found, and tests that need Linux
/// programs say SKIPPED.
pub fn have(tool: &str) -> bool {
    std::process::Command::new("sh").arg("-c").arg(format!("command -v {tool}")).stdout(std::process::Stdio::null()).status().is_ok_and(|s| s.success())
}

/// A temporary directory for a test's files.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

pub fn path_in(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// A kit store with its engine, as the plugin and the CLI have them: edits
/// and loads go through the store (it derefs to it), rendering and the
/// engine's numbers through `engine`.
pub struct Rig {
    pub store: KitStore,
    pub engine: Arc<Engine>,
}

impl std::ops::Deref for Rig {
    type Target = KitStore;
    fn deref(&self) -> &KitStore {
        &self.store
    }
}

impl Rig {
    pub fn set_mapping(&self, pad: usize, mapping: Mapping) {
        self.store.edit(pad, |p| p.mapping = mapping).unwrap();
    }
    pub fn set_settings(&self, pad: usize, settings: PadSettings) {
        self.store.edit(pad, |p| p.settings = settings).unwrap();
    }
    /// Sets the play window of `pad`'s sample.
    pub fn set_window(&self, pad: usize, start: u32, end: u32) {
        self.store
            .edit(pad, |p| {
                p.samples[0].params.start = start;
                p.samples[0].params.end = end;
            })
            .unwrap();
    }
    /// Sets the root key of `pad`'s sample.
    pub fn set_root(&self, pad: usize, root: u8) {
        self.store.edit(pad, |p| p.samples[0].params.root_key = root).unwrap();
    }
    pub fn process(&self, notes: &[NoteEvent], l: &mut [f32], r: &mut [f32]) {
        self.engine.process(notes, l, r)
    }
    pub fn stats(&self) -> wasm_sampler::EngineStats {
        self.engine.stats()
    }
    pub fn housekeeping(&self) -> usize {
        self.engine.housekeeping()
    }
    pub fn sample_data(&self, pad: usize) -> Option<Vec<f32>> {
        self.engine.sample_data(pad)
    }
    pub fn memory_map(&self) -> Vec<Segment> {
        self.engine.memory_map()
    }
}

/// A kit store on an engine on the embedded guest (`Wasm`) or the native DSP.
///
/// Strict: a guest fault may not allocate on the audio thread either, so that
/// the allocation tests see every allocation of the call path.
pub fn engine(kind: DspBackend, rate: f32) -> Rig {
    let engine = Arc::new(Engine::new(EngineOptions { backend: kind, sample_rate: rate, module: None, permit_fault_allocs: false }).unwrap());
    Rig { store: KitStore::with_engine(engine.clone()), engine }
}

/// Both engine kinds, for tests that must hold for each.
pub const KINDS: [DspBackend; 2] = [DspBackend::Wasm, DspBackend::Native];

pub fn note_on(frame: u64, note: u8, velocity: f32) -> FrameEvent {
    FrameEvent { frame, event: NoteEvent::On { frame: 0, channel: 0, note, velocity } }
}

pub fn note_off(frame: u64, note: u8) -> FrameEvent {
    FrameEvent { frame, event: NoteEvent::Off { frame: 0, channel: 0, note } }
}

/// Renders `frames` frames in blocks of `block`.
pub fn render_fixed(rig: &Rig, events: &[FrameEvent], frames: u64, block: usize) -> Rendered {
    render(&rig.engine, events, frames, &Blocks::Fixed(block))
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
