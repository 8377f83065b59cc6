//! A CLAP host for the tests (clack-host): loads the plugin binary cargo
//! built for this run, saves and loads state, processes blocks with notes,
//! and offers the GUI extension's host side for the editor test.
#![allow(dead_code)]

use std::ffi::CString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clack_extensions::gui::{GuiSize, HostGui, HostGuiImpl};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::note_name::{HostNoteName, HostNoteNameImpl};
use clack_extensions::state::PluginState;
use clack_host::events::event_types::{MidiEvent, NoteOffEvent, NoteOnEvent};
use clack_host::events::Match;
use clack_host::prelude::*;

#[derive(Default)]
pub struct TestShared {
    pub callback_requested: AtomicBool,
    /// Size the plugin asked its window to be (CLAP gui request_resize).
    pub resize_requested: std::sync::Mutex<Option<(u32, u32)>>,
}

impl<'a> SharedHandler<'a> for TestShared {
    fn request_restart(&self) {}
    fn request_process(&self) {}
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::Release);
    }
}

impl HostLogImpl for TestShared {
    fn log(&self, severity: LogSeverity, message: &str) {
        eprintln!("[plugin {severity:?}] {message}");
    }
}

impl HostGuiImpl for TestShared {
    fn resize_hints_changed(&self) {}
    fn request_resize(&self, new_size: GuiSize) -> Result<(), HostError> {
        *self.resize_requested.lock().unwrap() = Some((new_size.width, new_size.height));
        Ok(())
    }
    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn closed(&self, _was_destroyed: bool) {}
}

/// The host's main-thread side: how often the plugin said its note names
/// changed.
#[derive(Default)]
pub struct TestMainThread {
    pub note_names_changed: std::cell::Cell<u32>,
}

impl MainThreadHandler<'_> for TestMainThread {}

impl HostNoteNameImpl for TestMainThread {
    fn changed(&self) {
        self.note_names_changed.set(self.note_names_changed.get() + 1);
    }
}

pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = TestShared;
    type MainThread<'a> = TestMainThread;
    type AudioProcessor<'a> = ();
    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder.register::<HostLog>();
        builder.register::<HostGui>();
        builder.register::<HostNoteName>();
    }
}

pub type Instance = PluginInstance<TestHost>;

/// The plugin binary cargo built for this test run.
pub fn plugin_path() -> PathBuf {
    if let Some(p) = std::env::var_os("WASM_SAMPLER_CLAP") {
        return PathBuf::from(p);
    }
    // The test runs from target/<profile>/deps/, where cargo also puts the
    // cdylib it builds for the tests (`cargo build` copies it one level up).
    let exe = std::env::current_exe().unwrap();
    let name = format!("{}wasm_sampler{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    let deps = exe.parent().unwrap();
    [deps.join(&name), deps.parent().unwrap().join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("plugin binary {name} not built next to {}", exe.display()))
}

pub struct Host {
    pub entry: PluginEntry,
    pub id: CString,
    pub info: HostInfo,
}

impl Host {
    pub fn load() -> Host {
        // SAFETY: the library is our own plugin, built by cargo for this run.
        let entry = unsafe { PluginEntry::load(plugin_path()) }.expect("loading the .clap");
        let id = {
            let factory = entry.get_plugin_factory().expect("a plugin factory");
            let d = factory.plugin_descriptors().next().expect("one plugin");
            d.id().expect("an id").to_owned()
        };
        Host { entry, id, info: HostInfo::new("wasm-sampler tests", "wasm-sampler", "https://invalid", "1").unwrap() }
    }

    pub fn instance(&self) -> Instance {
        PluginInstance::<TestHost>::new(|_| TestShared::default(), |_| TestMainThread::default(), &self.entry, &self.id, &self.info).expect("instantiating")
    }
}

pub fn pump(inst: &mut Instance) {
    if inst.access_shared_handler(|s| s.callback_requested.swap(false, Ordering::AcqRel)) {
        inst.call_on_main_thread_callback();
    }
}

pub fn save_state(inst: &mut Instance) -> Vec<u8> {
    let state: PluginState = inst.plugin_handle().get_extension().expect("clap.state");
    let mut bytes = Vec::new();
    state.save(&inst.plugin_handle(), &mut bytes).expect("state save");
    bytes
}

pub fn load_state(inst: &mut Instance, bytes: &[u8]) {
    let state: PluginState = inst.plugin_handle().get_extension().expect("clap.state");
    state.load(&inst.plugin_handle(), &mut &bytes[..]).expect("state load");
}

/// A note or controller message at a frame of the whole render.
#[derive(Clone, Copy)]
pub enum Msg {
    On(u16),
    Off(u16),
    AllSoundOff,
    /// A MIDI controller change on channel 1: (controller, value).
    Cc(u8, u8),
    /// Polyphonic aftertouch on channel 1: (key, pressure 0..=127).
    Aftertouch(u8, u8),
}

/// Runs an active processor over `total` frames in blocks cycling through
/// `blocks`, with `msgs` at their frames. Returns the main output (left,
/// right).
pub fn run(
    proc: &mut StartedPluginAudioProcessor<TestHost>,
    inst: &mut Instance,
    msgs: &[(usize, Msg)],
    total: usize,
    blocks: &[usize],
    steady: &mut u64,
) -> [Vec<f32>; 2] {
    run_outputs(proc, inst, msgs, total, blocks, steady).swap_remove(0)
}

/// The stereo output ports the plugin has now (as a host asks before
/// activating).
pub fn output_ports(inst: &mut Instance) -> usize {
    let ports: clack_extensions::audio_ports::PluginAudioPorts = inst.plugin_handle().get_extension().expect("audio ports");
    let h = inst.plugin_handle();
    ports.count(&h, false) as usize
}

/// [`run`], with a buffer for every output port the plugin has, as CLAP
/// hosts give them. Returns each port's (left, right), main first.
pub fn run_outputs(
    proc: &mut StartedPluginAudioProcessor<TestHost>,
    inst: &mut Instance,
    msgs: &[(usize, Msg)],
    total: usize,
    blocks: &[usize],
    steady: &mut u64,
) -> Vec<[Vec<f32>; 2]> {
    let count = output_ports(inst);
    let mut out: Vec<[Vec<f32>; 2]> = (0..count).map(|_| [vec![0f32; total], vec![0f32; total]]).collect();
    let mut ports = AudioPorts::with_capacity(2 * count, count);
    let mut events = EventBuffer::with_capacity(64);
    let (mut pos, mut b) = (0usize, 0usize);
    while pos < total {
        let n = blocks[b % blocks.len()].min(total - pos);
        b += 1;
        events.clear();
        for &(t, msg) in msgs.iter().filter(|(t, _)| *t >= pos && *t < pos + n) {
            let time = (t - pos) as u32;
            let pckn = |key: u16| Pckn::new(0u16, 0u16, key, Match::All);
            match msg {
                Msg::On(key) => events.push(&NoteOnEvent::new(time, pckn(key), 1.0)),
                Msg::Off(key) => events.push(&NoteOffEvent::new(time, pckn(key), 0.0)),
                Msg::AllSoundOff => events.push(&MidiEvent::new(time, 0, [0xB0, 120, 0])),
                Msg::Cc(cc, value) => events.push(&MidiEvent::new(time, 0, [0xB0, cc, value])),
                Msg::Aftertouch(key, value) => events.push(&MidiEvent::new(time, 0, [0xA0, key, value])),
            }
        }
        events.sort();
        {
            let mut outputs = ports.with_output_buffers(out.iter_mut().map(|[l, r]| AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_output_only([&mut l[pos..pos + n], &mut r[pos..pos + n]].into_iter()),
            }));
            proc.process(&InputAudioBuffers::empty(), &mut outputs, &events.as_input(), &mut OutputEvents::void(), Some(*steady), None).expect("process");
        }
        *steady += n as u64;
        pos += n;
        pump(inst);
    }
    out
}

pub fn assert_clean(out: &[Vec<f32>; 2], what: &str) {
    for (ch, x) in out.iter().enumerate() {
        if let Some((i, s)) = x.iter().enumerate().find(|(_, s)| !s.is_finite() || (*s != &0.0 && s.abs() < f32::MIN_POSITIVE)) {
            panic!("{what}: channel {ch} frame {i} is {s:e} (NaN, infinite or denormal)");
        }
    }
}

/// A sample record playing `file` whole with root key `root`.
pub fn record(file: &std::path::Path, root: u8) -> wasm_sampler::kit::SampleRecord {
    wasm_sampler::kit::SampleRecord { file: file.to_path_buf(), params: wasm_sampler::kit::SampleParams::whole(root), embedded: None }
}

/// A new instance with `kit` restored from state, activated at 48 kHz and
/// processing once note `probe` sounds (the kit's pads load in order: make
/// it the last one's), then silenced.
pub fn start_with_kit(host: &Host, kit: &wasm_sampler::kit::Kit, probe: u16) -> (Instance, StartedPluginAudioProcessor<TestHost>, u64) {
    let mut inst = host.instance();
    let blob = state_with(&save_state(&mut inst), kit);
    load_state(&mut inst, &blob);
    let (proc, steady, sounded) = activate_and_wait(&mut inst, 48_000, probe, Duration::from_secs(20));
    assert!(sounded, "the kit did not load");
    (inst, proc, steady)
}

/// A state blob whose kit has `files` on pads 1.. (notes 36..), taken from
/// a real saved state so the wrapper's framing is right.
pub fn state_with_kit(default_state: &[u8], files: &[PathBuf]) -> Vec<u8> {
    let mut kit = wasm_sampler::kit::Kit::default();
    for (i, f) in files.iter().enumerate() {
        let root = 36 + i as u8;
        kit.pad_mut(i).samples.push(record(f, root));
    }
    state_with(default_state, &kit)
}

/// A state blob holding `kit`, framed as `default_state` is.
pub fn state_with(default_state: &[u8], kit: &wasm_sampler::kit::Kit) -> Vec<u8> {
    // nice-plug's CLAP state: a u64 little-endian length, then JSON.
    let json: &[u8] = &default_state[8..];
    let mut state: serde_json::Value = serde_json::from_slice(json).expect("state is JSON");
    state["fields"]["kit"] = serde_json::Value::String(serde_json::to_string(&kit.to_json()).unwrap());
    let body = serde_json::to_vec(&state).unwrap();
    let mut blob = (body.len() as u64).to_le_bytes().to_vec();
    blob.extend(body);
    blob
}

/// Activates at `rate` and waits (processing silent blocks, as a DAW keeps
/// doing) until `probe` sounds, i.e. the kit's last pad has loaded; then
/// silences everything. `None` if it never sounds within `patience`.
pub fn activate_and_wait(inst: &mut Instance, rate: u32, probe: u16, patience: Duration) -> (StartedPluginAudioProcessor<TestHost>, u64, bool) {
    let config = PluginAudioConfiguration { sample_rate: rate as f64, min_frames_count: 1, max_frames_count: 4096 };
    let mut proc = inst.activate(|_, _| (), config).expect("activate").start_processing().expect("start");
    let mut steady = 0u64;
    let deadline = Instant::now() + patience;
    let mut sounded = false;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        let out = run(&mut proc, inst, &[(0, Msg::On(probe))], 256, &[256], &mut steady);
        if out[0].iter().any(|&s| s != 0.0) {
            sounded = true;
            break;
        }
    }
    // Silence everything (5 ms fade) before anything is measured.
    run(&mut proc, inst, &[(0, Msg::AllSoundOff)], 2048, &[512], &mut steady);
    (proc, steady, sounded)
}

/// Sets parameter `id` in a saved state blob.
/// `blob` with the kit's "embed samples" setting turned `on`.
pub fn with_embedding(blob: &[u8], on: bool) -> Vec<u8> {
    let mut state: serde_json::Value = serde_json::from_slice(&blob[8..]).unwrap();
    let mut kit: serde_json::Value = serde_json::from_str(state["fields"]["kit"].as_str().unwrap()).unwrap();
    kit["embed_audio"] = serde_json::Value::Bool(on);
    state["fields"]["kit"] = serde_json::Value::String(kit.to_string());
    let body = serde_json::to_vec(&state).unwrap();
    let mut out = (body.len() as u64).to_le_bytes().to_vec();
    out.extend(body);
    out
}

pub fn with_param(blob: &[u8], id: &str, value: serde_json::Value) -> Vec<u8> {
    let mut state: serde_json::Value = serde_json::from_slice(&blob[8..]).unwrap();
    state["params"][id] = value;
    let body = serde_json::to_vec(&state).unwrap();
    let mut out = (body.len() as u64).to_le_bytes().to_vec();
    out.extend(body);
    out
}
