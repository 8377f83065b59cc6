//! Voice benchmarks, each the same DSP compiled to wasm (run by wasmtime)
//! against the same DSP compiled natively, in the same run:
//! - `voices/{N}_{mono|stereo}_{kernel}`: N voices of one pitched pad
//!   (44.1 kHz sample, 48 kHz output, so every frame interpolates) for 0.1 s
//!   in 256-frame blocks; criterion's throughput is voice-frames, so its
//!   "elem/s" inverted is the time per voice and output frame;
//! - `headroom/1024_voices_64_frames{,_filter}`: one 64-frame block of 1024
//!   stereo voices, cubic, the amp envelope moving (and a 24 dB/oct
//!   low-pass on, in the second): at 48 kHz a block has 1333 µs, half of
//!   it is the target;
//! - `block/empty_32_frames`: one 32-frame block with no voice (the fixed
//!   cost: the call, the event area, the output copy).
//!
//! Run: `cargo bench --bench voices` (figures in README "Performance").

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::engine::{Engine, EngineOptions};
use wasm_sampler::kit::{FilterSettings, FilterSlope, FilterType, Interpolation, KitStore, Mapping, PadSettings};
use wasm_sampler::DspBackend;

const BACKENDS: [DspBackend; 2] = [DspBackend::Native, DspBackend::Wasm];

/// An engine allowed 1024 voices, with pad 0 a pitched pad over every key
/// playing `seconds` of a `channels`-channel 44.1 kHz tone (root key 60).
fn rig(backend: DspBackend, channels: usize, seconds: usize, settings: PadSettings) -> (Arc<Engine>, KitStore) {
    let e = Arc::new(Engine::new(EngineOptions { backend, ..EngineOptions::default() }).unwrap());
    e.set_polyphony(1024).unwrap();
    let kit = KitStore::with_engine(e.clone());
    let data: Vec<f32> = (0..44_100 * seconds * channels).map(|i| ((i as f32) * 0.01).sin() * 0.1).collect();
    kit.edit(0, |p| p.mapping = Mapping::pitched(0, 127)).unwrap();
    kit.load_samples(0, "voices", &data, channels as u16, 44_100).unwrap();
    kit.edit(0, |p| {
        p.samples[0].params.root_key = 60;
        p.settings = settings;
    })
    .unwrap();
    (e, kit)
}

/// `n` note-ons at the start of a block, over keys 48..72 (rates near 1,
/// none exactly 1).
fn chord(n: usize) -> Vec<NoteEvent> {
    (0..n).map(|i| NoteEvent::On { frame: 0, channel: 0, note: 48 + (i % 24) as u8, velocity: 0.8 }).collect()
}

fn voices(c: &mut Criterion) {
    let mut g = c.benchmark_group("voices");
    g.sample_size(10).measurement_time(Duration::from_secs(1)).warm_up_time(Duration::from_millis(300));
    const FRAMES: usize = 4_800;
    const BLOCK: usize = 256;
    let (mut l, mut r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    for backend in BACKENDS {
        for channels in [1usize, 2] {
            for (kernel, name) in [(Interpolation::Linear, "linear"), (Interpolation::Cubic, "cubic"), (Interpolation::Sinc, "sinc")] {
                let (e, _kit) = rig(backend, channels, 1, PadSettings { interpolation: kernel, ..PadSettings::default() });
                for n in [1usize, 16, 64, 256, 1024] {
                    let notes = chord(n);
                    let id = format!("{n}_{}_{name}", if channels == 1 { "mono" } else { "stereo" });
                    g.throughput(Throughput::Elements((n * FRAMES) as u64));
                    g.bench_with_input(BenchmarkId::new(id, format!("{backend:?}")), &n, |b, _| {
                        b.iter(|| {
                            e.reset();
                            for k in 0..FRAMES / BLOCK {
                                e.process(if k == 0 { &notes } else { &[] }, &mut l, &mut r);
                            }
                            black_box(&l);
                        })
                    });
                }
            }
        }
    }
    g.finish();
}

/// Times single 64-frame blocks of 1024 sounding voices, restarting them
/// (untimed) every 1000 blocks so none reaches its sample's end.
fn headroom(c: &mut Criterion) {
    let mut g = c.benchmark_group("headroom");
    g.sample_size(20).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_millis(500));
    let moving = PadSettings { decay: 4.0, sustain: 50.0, ..PadSettings::default() };
    let filter = FilterSettings { kind: FilterType::LowPass, slope: FilterSlope::Db24, cutoff: 2_000.0, resonance: 3.0, ..FilterSettings::default() };
    for (name, settings) in [("1024_voices_64_frames", moving), ("1024_voices_64_frames_filter", PadSettings { filter, ..moving })] {
        for backend in BACKENDS {
            let (e, _kit) = rig(backend, 2, 20, settings);
            let notes = chord(1024);
            let (mut l, mut r) = (vec![0.0f32; 64], vec![0.0f32; 64]);
            g.bench_function(BenchmarkId::new(name, format!("{backend:?}")), |b| {
                b.iter_custom(|iters| {
                    let mut took = Duration::ZERO;
                    for k in 0..iters {
                        if k.is_multiple_of(1000) {
                            e.reset();
                            e.process(&notes, &mut l, &mut r);
                        }
                        let start = Instant::now();
                        e.process(&[], &mut l, &mut r);
                        took += start.elapsed();
                    }
                    black_box(&l);
                    took
                })
            });
        }
    }
    g.finish();
}

fn empty_block(c: &mut Criterion) {
    let mut g = c.benchmark_group("block");
    g.sample_size(20).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(300));
    for backend in BACKENDS {
        let (e, _kit) = rig(backend, 1, 1, PadSettings::default());
        let (mut l, mut r) = (vec![0.0f32; 32], vec![0.0f32; 32]);
        g.bench_function(BenchmarkId::new("empty_32_frames", format!("{backend:?}")), |b| {
            b.iter(|| {
                e.process(&[], &mut l, &mut r);
                black_box(&l);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, voices, headroom, empty_block);
criterion_main!(benches);
