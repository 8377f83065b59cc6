//! Offline rendering: drive an [`Engine`] block by block over a list of timed
//! events, as a DAW would, and collect the output.
//!
//! Thread: non-real-time (allocates the output). It calls
//! [`Engine::housekeeping`] between blocks, as the plugin's background task
//! does.

use std::path::Path;
// The engine's clock: std's, or in a web page the page's.
use crate::engine::backend::Instant;

use crate::cli::midi::TimedEvent;
use crate::engine::triggering::NoteEvent;
use crate::engine::Engine;

/// A note event at an absolute output frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameEvent {
    pub frame: u64,
    pub event: NoteEvent,
}

/// Converts timed events to frames at `rate` (rounded to the nearest frame).
///
/// Thread: non-real-time. Allocates.
pub fn to_frames(events: &[TimedEvent], rate: u32) -> Vec<FrameEvent> {
    events.iter().map(|e| FrameEvent { frame: (e.seconds * rate as f64).round() as u64, event: e.event }).collect()
}

/// What [`render`] produced.
pub struct Rendered {
    /// The main output.
    pub left: Vec<f32>,
    pub right: Vec<f32>,
    /// The auxiliary outputs rendered ("Out 2" first), left and right.
    pub aux: Vec<[Vec<f32>; 2]>,
    /// Wall-clock seconds spent in the engine's `process` calls.
    pub process_seconds: f64,
    /// Wall-clock seconds for the whole loop (process plus housekeeping).
    pub wall_seconds: f64,
}

/// The block sizes to drive the engine with.
#[derive(Clone, Debug)]
pub enum Blocks {
    /// Every block this long.
    Fixed(usize),
    /// Cycle through these lengths (a DAW that varies its block size).
    Cycle(Vec<usize>),
}

/// Renders `frames` frames of `engine` with `events` (sorted by frame),
/// calling `process` once per block of `blocks`.
///
/// Thread: non-real-time. Allocates.
pub fn render(engine: &Engine, events: &[FrameEvent], frames: u64, blocks: &Blocks) -> Rendered {
    render_outputs(engine, events, frames, blocks, 1)
}

/// [`render`] into the main output and the first `buses - 1` auxiliary
/// ones (`buses` 1..=`abi::OUT_BUSES`).
///
/// Thread: non-real-time (it is the render loop). Allocates the output.
pub fn render_outputs(engine: &Engine, events: &[FrameEvent], frames: u64, blocks: &Blocks, buses: usize) -> Rendered {
    let buses = buses.clamp(1, wasm_sampler_guest::abi::OUT_BUSES as usize);
    let mut channels: Vec<Vec<f32>> = vec![vec![0.0f32; frames as usize]; 2 * buses];
    let mut block_notes: Vec<NoteEvent> = Vec::new();
    let mut next = 0usize;
    let mut at = 0u64;
    let mut i = 0usize;
    let mut process_seconds = 0.0;
    let start = Instant::now();
    while at < frames {
        let len = match blocks {
            Blocks::Fixed(n) => *n,
            Blocks::Cycle(v) => v[i % v.len()],
        }
        .max(1) as u64;
        i += 1;
        let end = (at + len).min(frames);
        block_notes.clear();
        while next < events.len() && events[next].frame < end {
            let f = events[next].frame.saturating_sub(at) as u32;
            block_notes.push(events[next].event.at(f));
            next += 1;
        }
        let mut outs: Vec<&mut [f32]> = channels.iter_mut().map(|c| &mut c[at as usize..end as usize]).collect();
        let t = Instant::now();
        engine.process_outputs(&block_notes, &[], &mut outs);
        process_seconds += t.elapsed().as_secs_f64();
        engine.housekeeping();
        at = end;
    }
    let mut channels = channels.into_iter();
    let (left, right) = (channels.next().unwrap_or_default(), channels.next().unwrap_or_default());
    let mut aux = Vec::new();
    while let (Some(l), Some(r)) = (channels.next(), channels.next()) {
        aux.push([l, r]);
    }
    Rendered { left, right, aux, process_seconds, wall_seconds: start.elapsed().as_secs_f64() }
}

/// Frames to render for `events`: the last event plus `tail_seconds`.
///
/// Thread: any. No allocation.
pub fn length_for(events: &[FrameEvent], rate: u32, tail_seconds: f64) -> u64 {
    let last = events.iter().map(|e| e.frame + 1).max().unwrap_or(0);
    last + (tail_seconds * rate as f64).round() as u64
}

/// Writes a 32-bit float stereo WAV.
///
/// Thread: non-real-time. Allocates.
pub fn write_wav(path: &Path, rate: u32, left: &[f32], right: &[f32]) -> Result<(), String> {
    let err = |e: hound::Error| format!("{}: cannot write the WAV file ({e})", path.display());
    let spec = hound::WavSpec { channels: 2, sample_rate: rate, bits_per_sample: 32, sample_format: hound::SampleFormat::Float };
    let mut w = hound::WavWriter::create(path, spec).map_err(err)?;
    for (&l, &r) in left.iter().zip(right) {
        w.write_sample(l).map_err(err)?;
        w.write_sample(r).map_err(err)?;
    }
    w.finalize().map_err(err)
}
