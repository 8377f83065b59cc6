//! The whole plugin against the bare engine, in the same run: the built
//! CLAP plugin (the release cdylib cargo builds next to this bench) loaded
//! by a CLAP host (clack-host, the tests' harness) and driven block by
//! block, against `Engine::process_outputs` on an engine with the same
//! samples, the same notes and the same automation. The difference is what
//! the plugin's `process()` adds per block: the wrapper's event and
//! parameter handling, note translation, the per-pad automation snapshot,
//! the output bus plumbing and the master gain.
//!
//! - `plugin/idle_64_frames/{Engine,Plugin}`: a 64-frame block with nothing
//!   to play (all nine stereo outputs given, as CLAP hosts give them);
//! - `plugin/notes_automation_64_frames/{Engine,Plugin}`: a note-on (16
//!   pads in turn, 0.05 s one-shots, so about 37 voices sound) and a
//!   change of pad 1's gain parameter in every block.
//!
//! Run: `cargo bench --bench plugin` (figures in README "Performance").

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use clack_extensions::params::{ParamInfoBuffer, PluginParams};
use clack_host::events::event_types::{NoteOnEvent, ParamValueEvent};
use clack_host::events::Match;
use clack_host::prelude::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use common::clap::{start_with_kit, Host, Instance, TestHost};
use wasm_sampler::engine::triggering::NoteEvent;
use wasm_sampler::kit::{Automation, Kit};
use wasm_sampler::settings::AUTOMATED_PADS;
use wasm_sampler::DspBackend;

const BLOCK: usize = 64;
const PADS: usize = 16;
/// Nine stereo buses, as the plugin's CLAP ports are.
const CHANNELS: usize = 18;

/// Pad `i`'s sample: 0.05 s at 48 kHz (the host's rate: no resampling).
fn sample(i: usize) -> Vec<f32> {
    common::signal(2_400, i as u32 + 1)
}

/// The pad gain values the automation alternates between: as the CLAP
/// parameter's normalized value (nice-plug's CLAP parameters run 0..1) and
/// in dB (range -60..24 dB: 0.5 is -18 dB and 0.75 is +3 dB, exactly).
const GAINS: [(f64, f32); 2] = [(0.5, -18.0), (0.75, 3.0)];

/// Pad 1's gain parameter (the first pad gain the plugin lists): its CLAP id.
fn pad_gain_param(inst: &mut Instance) -> ClapId {
    let params: PluginParams = inst.plugin_handle().get_extension().expect("clap.params");
    let handle = inst.plugin_handle();
    let mut buffer = ParamInfoBuffer::new();
    (0..params.count(&handle))
        .find_map(|i| {
            let info = params.get_info(&handle, i, &mut buffer)?;
            let name = String::from_utf8_lossy(info.name).to_string();
            (name.contains("Gain") && !name.contains("Master")).then_some(info.id)
        })
        .expect("a pad gain parameter")
}

/// One plugin block: the host's event list and buffers, reused.
struct PluginRig {
    _inst: Instance,
    proc: StartedPluginAudioProcessor<TestHost>,
    steady: u64,
    gain: ClapId,
    out: Vec<Vec<f32>>,
    ports: AudioPorts,
    events: EventBuffer,
}

impl PluginRig {
    fn block(&mut self, k: u64, notes: bool) {
        self.events.clear();
        if notes {
            let key = 36 + (k % PADS as u64) as u16;
            self.events.push(&NoteOnEvent::new(0, Pckn::new(0u16, 0u16, key, Match::All), 0.8));
            self.events.push(&ParamValueEvent::new(0, self.gain, Pckn::match_all(), GAINS[(k % 2) as usize].0));
        }
        let mut channels = self.out.iter_mut();
        let mut outputs = self.ports.with_output_buffers((0..CHANNELS / 2).map(|_| {
            let (l, r) = (channels.next().unwrap(), channels.next().unwrap());
            AudioPortBuffer { latency: 0, channels: AudioPortBufferType::f32_output_only([&mut l[..], &mut r[..]].into_iter()) }
        }));
        self.proc
            .process(&InputAudioBuffers::empty(), &mut outputs, &self.events.as_input(), &mut OutputEvents::void(), Some(self.steady), None)
            .expect("process");
        self.steady += BLOCK as u64;
    }
}

/// The bare engine with the same samples, fed the same notes and the
/// automation the plugin's parameters give.
struct EngineRig {
    rig: common::Rig,
    out: Vec<Vec<f32>>,
    automation: [Automation; AUTOMATED_PADS],
}

impl EngineRig {
    fn block(&mut self, k: u64, notes: bool) {
        let on = [NoteEvent::On { frame: 0, channel: 0, note: 36 + (k % PADS as u64) as u8, velocity: 0.8 }];
        if notes {
            self.automation[0].gain_db = GAINS[(k % 2) as usize].1;
        }
        let mut channels = self.out.iter_mut();
        let mut outs: [&mut [f32]; CHANNELS] = std::array::from_fn(|_| channels.next().unwrap().as_mut_slice());
        self.rig.engine.process_outputs(if notes { &on } else { &[] }, &self.automation, &mut outs);
    }
}

fn plugin(c: &mut Criterion) {
    let dir = common::tempdir();
    let mut kit = Kit::default();
    for i in 0..PADS {
        let path = common::path_in(&dir, &format!("pad{i}.wav"));
        common::write_float_wav(&path, 48_000, 1, &sample(i));
        kit.pad_mut(i).samples.push(common::clap::record(&path, 36 + i as u8));
    }
    let host = Host::load();
    let (mut inst, proc, steady) = start_with_kit(&host, &kit, 36 + PADS as u16 - 1);
    let gain = pad_gain_param(&mut inst);
    let mut plugin = PluginRig {
        _inst: inst,
        proc,
        steady,
        gain,
        out: vec![vec![0.0; BLOCK]; CHANNELS],
        ports: AudioPorts::with_capacity(CHANNELS, CHANNELS / 2),
        events: EventBuffer::with_capacity(8),
    };

    let mut engine =
        EngineRig { rig: common::engine(DspBackend::Wasm, 48_000.0), out: vec![vec![0.0; BLOCK]; CHANNELS], automation: [Automation::NEUTRAL; AUTOMATED_PADS] };
    for i in 0..PADS {
        engine.rig.store.load_samples(i, &format!("pad{i}.wav"), &sample(i), 1, 48_000).unwrap();
    }

    // The same work on both sides: 400 blocks of the pattern give the same
    // main output, bit for bit.
    for k in 0..400 {
        engine.block(k, true);
        plugin.block(k, true);
        assert!(engine.out[..2] == plugin.out[..2], "block {k}: the plugin's output differs from the engine's");
    }

    let mut g = c.benchmark_group("plugin");
    g.sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    for (name, notes) in [("idle_64_frames", false), ("notes_automation_64_frames", true)] {
        g.bench_function(BenchmarkId::new(name, "Engine"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for k in 0..iters {
                    engine.block(black_box(k), notes);
                }
                start.elapsed()
            })
        });
        g.bench_function(BenchmarkId::new(name, "Plugin"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for k in 0..iters {
                    plugin.block(black_box(k), notes);
                }
                start.elapsed()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, plugin);
criterion_main!(benches);
