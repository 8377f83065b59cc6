//! Benchmarks, each against a reference in the same run:
//! - `dsp/*`: the same DSP compiled to wasm (run by wasmtime) vs natively,
//!   rendering the demo pattern and a 64-voice resampling stress;
//! - `load/*`: a plain hound decode into a `Vec<f32>` vs our loader decoding
//!   straight into the guest's linear memory;
//! - `module/*`: deserializing the embedded precompiled guest vs compiling
//!   the embedded wasm (the fallback), and instantiating an engine;
//! - `formats/*`: a minute of 16-bit stereo as WAV, FLAC, Ogg Vorbis and
//!   MP3, decoded plainly into a `Vec` vs loaded by our loader into linear
//!   memory (the encoded files only when `flac` and `ffmpeg` are installed;
//!   for Ogg and MP3 the gap is the one temporary buffer our loader uses);
//! - `voice_depth/*`: the 64-voice stress reading 16-bit vs f32 samples,
//!   wasm and native.
//!
//! Run: `cargo bench --bench engine` (figures in README "Performance").

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::sync::Arc;

use wasm_sampler::cli::demo;
use wasm_sampler::cli::render::{length_for, render, to_frames, Blocks, FrameEvent};
use wasm_sampler::engine::backend::GuestModule;
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::engine::{Engine, EngineOptions};
use wasm_sampler::kit::{FilterSettings, FilterSlope, FilterType, Interpolation, KitStore, Loop, LoopMode, Mapping, PadSettings};
use wasm_sampler::DspBackend;

fn engine(backend: DspBackend) -> Engine {
    Engine::new(EngineOptions { backend, ..EngineOptions::default() }).unwrap()
}

/// An engine and the kit store that loads into it.
fn rig(backend: DspBackend) -> (Arc<Engine>, KitStore) {
    let e = Arc::new(engine(backend));
    (e.clone(), KitStore::with_engine(e))
}

fn dsp(c: &mut Criterion) {
    let mut g = c.benchmark_group("dsp");
    g.sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));

    let events = to_frames(&demo::pattern(), 48_000);
    let frames = length_for(&events, 48_000, 2.0);
    g.throughput(Throughput::Elements(frames));
    for kind in [DspBackend::Native, DspBackend::Wasm] {
        let (e, kit) = rig(kind);
        demo::load_kit(&kit).unwrap();
        g.bench_with_input(BenchmarkId::new("demo_pattern_10s", format!("{kind:?}")), &kind, |b, _| {
            b.iter(|| black_box(render(&e, &events, frames, &Blocks::Fixed(256))))
        });
    }

    // 64 voices of a 44.1 kHz stereo pad, pitched (cubic interpolation on every frame).
    let stress: Vec<FrameEvent> =
        (0..64u64).map(|i| FrameEvent { frame: i, event: NoteEvent::On { frame: 0, channel: 0, note: 36 + (i % 24) as u8, velocity: 0.8 } }).collect();
    let frames = 48_000u64;
    g.throughput(Throughput::Elements(frames));
    for kind in [DspBackend::Native, DspBackend::Wasm] {
        let (e, kit) = rig(kind);
        let data: Vec<f32> = (0..441_000).map(|i| ((i as f32) * 0.01).sin() * 0.1).collect();
        kit.edit(0, |p| p.mapping = Mapping::pitched(0, 127)).unwrap();
        kit.load_samples(0, "stress", &data, 2, 44_100).unwrap();
        kit.edit(0, |p| p.samples[0].params.root_key = 48).unwrap();
        g.bench_with_input(BenchmarkId::new("64_voices_1s", format!("{kind:?}")), &kind, |b, _| {
            b.iter(|| black_box(render(&e, &stress, frames, &Blocks::Fixed(256))))
        });
        // The same voices through a 24 dB/oct low-pass whose cutoff the amp
        // envelope moves the whole second (coefficients remade every 8
        // frames), then with a crossfaded forward loop instead.
        let filter =
            FilterSettings { kind: FilterType::LowPass, slope: FilterSlope::Db24, cutoff: 300.0, resonance: 6.0, envelope: 5.0, ..FilterSettings::default() };
        kit.edit(0, |p| p.settings = PadSettings { filter, decay: 2.0, sustain: 0.0, ..PadSettings::default() }).unwrap();
        g.bench_with_input(BenchmarkId::new("64_voices_1s_filter_24db_moving", format!("{kind:?}")), &kind, |b, _| {
            b.iter(|| black_box(render(&e, &stress, frames, &Blocks::Fixed(256))))
        });
        kit.edit(0, |p| {
            p.settings = PadSettings::default();
            p.samples[0].params.looping = Loop { mode: LoopMode::Forward, start: 1_000, end: 5_410, crossfade: 0.02, sustain: false };
        })
        .unwrap();
        g.bench_with_input(BenchmarkId::new("64_voices_1s_loop", format!("{kind:?}")), &kind, |b, _| {
            b.iter(|| black_box(render(&e, &stress, frames, &Blocks::Fixed(256))))
        });
        // The plain voices with the 16-point sinc kernel.
        kit.edit(0, |p| {
            p.samples[0].params.looping = Loop::default();
            p.settings = PadSettings { interpolation: Interpolation::Sinc, ..PadSettings::default() };
        })
        .unwrap();
        g.bench_with_input(BenchmarkId::new("64_voices_1s_sinc", format!("{kind:?}")), &kind, |b, _| {
            b.iter(|| black_box(render(&e, &stress, frames, &Blocks::Fixed(256))))
        });
    }
    g.finish();
}

fn load(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ten_seconds_stereo_24bit.wav");
    let spec = hound::WavSpec { channels: 2, sample_rate: 48_000, bits_per_sample: 24, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for i in 0..960_000i32 {
        w.write_sample(((i as i64 * 7919) % 8_000_000 - 4_000_000) as i32).unwrap();
    }
    w.finalize().unwrap();

    let mut g = c.benchmark_group("load");
    g.sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Bytes(960_000 * 4));
    g.bench_function("hound_to_vec", |b| {
        b.iter(|| {
            let mut r = hound::WavReader::open(&path).unwrap();
            let v: Vec<f32> = r.samples::<i32>().map(|s| s.unwrap() as f32 / 8_388_608.0).collect();
            black_box(v)
        })
    });
    let (e, kit) = rig(DspBackend::Wasm);
    g.bench_function("engine_into_linear_memory", |b| {
        b.iter(|| {
            kit.load_file(0, &path).unwrap();
            e.housekeeping();
        })
    });
    g.finish();
}

fn module(c: &mut Criterion) {
    // The process's very first instance also starts the epoch thread.
    let first = {
        let start = std::time::Instant::now();
        let e = engine(DspBackend::Wasm);
        let (mut l, mut r) = ([0.0f32; 256], [0.0f32; 256]);
        e.process(&[], &mut l, &mut r);
        let t = start.elapsed();
        drop(e);
        t
    };
    println!("module/first_instance_in_process (one shot, includes the epoch thread start): {first:?}");
    // From here on one engine stays alive, as in a DAW session with the
    // plugin already in use, so the figures exclude starting that thread.
    let _session = engine(DspBackend::Wasm);
    let mut g = c.benchmark_group("module");
    g.sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    g.bench_function("deserialize_precompiled", |b| b.iter(|| black_box(GuestModule::deserialize_precompiled().unwrap())));
    g.bench_function("compile_fallback", |b| b.iter(|| black_box(GuestModule::compile_embedded().unwrap())));
    // What a plugin's first activation costs: get the module, make the
    // engine (memory, instance, init), render the first block.
    for (name, precompiled) in [("activate_to_first_block_precompiled", true), ("activate_to_first_block_fallback_compile", false)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let module = if precompiled { GuestModule::deserialize_precompiled() } else { GuestModule::compile_embedded() }.unwrap();
                let e = Engine::new(EngineOptions { module: Some(std::sync::Arc::new(module)), ..EngineOptions::default() }).unwrap();
                let (mut l, mut r) = ([0.0f32; 256], [0.0f32; 256]);
                e.process(&[], &mut l, &mut r);
                black_box(e)
            })
        });
    }
    // Later instances share the process's module.
    let _ = GuestModule::embedded().unwrap();
    g.bench_function("engine_new_and_first_block", |b| {
        b.iter(|| {
            let e = engine(DspBackend::Wasm);
            let (mut l, mut r) = ([0.0f32; 256], [0.0f32; 256]);
            e.process(&[], &mut l, &mut r);
            black_box(e)
        })
    });
    g.finish();
}

/// A minute of 16-bit stereo at 44.1 kHz (a tone with some noise, so FLAC
/// has work to do), as a WAV at `path`.
fn minute_of_16_bit(path: &std::path::Path) {
    let spec = hound::WavSpec { channels: 2, sample_rate: 44_100, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let mut x = 1u32;
    for i in 0..44_100 * 60 * 2 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let tone = ((i / 2) as f32 * 0.031).sin() * 12_000.0;
        w.write_sample((tone + (x >> 24) as f32 - 128.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// A plain decode of `path` into a `Vec<S>` with symphonia, no sink, no
/// engine: the reference for our loader (`i16` for the lossless files,
/// `f32` for the lossy ones, the types our loader stores them as).
fn plain_decode<S>(path: &std::path::Path) -> Vec<S>
where
    S: symphonia::core::sample::Sample + symphonia::core::conv::ConvertibleSample,
{
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::DecoderOptions;
    use symphonia::core::io::MediaSourceStream;
    let file = std::fs::File::open(path).unwrap();
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let probed = symphonia::default::get_probe().format(&Default::default(), stream, &Default::default(), &Default::default()).unwrap();
    let mut reader = probed.format;
    let track = reader.default_track().unwrap();
    let mut decoder = symphonia::default::get_codecs().make(&track.codec_params, &DecoderOptions { verify: false }).unwrap();
    let mut out = Vec::with_capacity(track.codec_params.n_frames.unwrap_or(0) as usize * 2);
    let mut buf: Option<SampleBuffer<S>> = None;
    while let Ok(packet) = reader.next_packet() {
        let decoded = decoder.decode(&packet).unwrap();
        let b = buf.get_or_insert_with(|| SampleBuffer::new(decoded.capacity() as u64, *decoded.spec()));
        b.copy_interleaved_ref(decoded);
        out.extend_from_slice(b.samples());
    }
    out
}

/// Makes `out` from `wav` with `args` to `tool`; false (and a note) when the
/// tool is missing.
fn encode(tool: &str, args: &[&str], wav: &std::path::Path, out: &std::path::Path) -> bool {
    let mut cmd = std::process::Command::new(tool);
    if tool == "flac" {
        cmd.args(["--silent", "-o"]).arg(out).arg(wav);
    } else {
        cmd.args(["-v", "error", "-y", "-i"]).arg(wav).args(args).arg(out);
    }
    let made = cmd.status().is_ok_and(|s| s.success());
    if !made {
        println!("formats/{}: SKIPPED (no `{tool}` to make the file)", out.file_name().unwrap().to_string_lossy());
    }
    made
}

fn formats(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("minute.wav");
    minute_of_16_bit(&wav);
    let mut files = vec![("wav", wav.clone(), true)];
    for (name, tool, args) in
        [("flac", "flac", &[][..]), ("ogg", "ffmpeg", &["-c:a", "libvorbis", "-q:a", "6"][..]), ("mp3", "ffmpeg", &["-c:a", "libmp3lame", "-b:a", "256k"][..])]
    {
        let path = dir.path().join(format!("minute.{name}"));
        if encode(tool, args, &wav, &path) {
            files.push((name, path, name == "flac"));
        }
    }
    let mut g = c.benchmark_group("formats");
    g.sample_size(10).measurement_time(Duration::from_secs(6)).warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(44_100 * 60));
    let (e, kit) = rig(DspBackend::Wasm);
    for (name, path, lossless) in &files {
        if *lossless {
            g.bench_function(format!("{name}_plain_decode_to_vec"), |b| b.iter(|| black_box(plain_decode::<i16>(path))));
        } else {
            g.bench_function(format!("{name}_plain_decode_to_vec"), |b| b.iter(|| black_box(plain_decode::<f32>(path))));
        }
        g.bench_function(format!("{name}_our_loader_into_linear_memory"), |b| {
            b.iter(|| {
                kit.load_file(0, path).unwrap();
                e.housekeeping();
            })
        });
    }
    g.finish();
}

fn voice_depth(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    // The same 10 s stereo tone as a 16-bit and as a float file.
    let values: Vec<i16> = (0..441_000).map(|i| (((i / 2) as f32 * 0.01).sin() * 3_000.0) as i16).collect();
    let (i16_path, f32_path) = (dir.path().join("tone16.wav"), dir.path().join("tonef32.wav"));
    let spec = |bits, format| hound::WavSpec { channels: 2, sample_rate: 44_100, bits_per_sample: bits, sample_format: format };
    let mut w = hound::WavWriter::create(&i16_path, spec(16, hound::SampleFormat::Int)).unwrap();
    values.iter().for_each(|&v| w.write_sample(v).unwrap());
    w.finalize().unwrap();
    let mut w = hound::WavWriter::create(&f32_path, spec(32, hound::SampleFormat::Float)).unwrap();
    values.iter().for_each(|&v| w.write_sample(v as f32 / 32_768.0).unwrap());
    w.finalize().unwrap();

    let stress: Vec<FrameEvent> =
        (0..64u64).map(|i| FrameEvent { frame: i, event: NoteEvent::On { frame: 0, channel: 0, note: 36 + (i % 24) as u8, velocity: 0.8 } }).collect();
    let frames = 48_000u64;
    let mut g = c.benchmark_group("voice_depth");
    g.sample_size(10).measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(frames));
    for kind in [DspBackend::Native, DspBackend::Wasm] {
        for (depth, path) in [("i16", &i16_path), ("f32", &f32_path)] {
            let (e, kit) = rig(kind);
            kit.edit(0, |p| p.mapping = Mapping::pitched(0, 127)).unwrap();
            kit.load_file(0, path).unwrap();
            kit.edit(0, |p| p.samples[0].params.root_key = 48).unwrap();
            g.bench_function(BenchmarkId::new(format!("64_voices_1s_{depth}"), format!("{kind:?}")), |b| {
                b.iter(|| black_box(render(&e, &stress, frames, &Blocks::Fixed(256))))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, dsp, load, module, formats, voice_depth);
criterion_main!(benches);
