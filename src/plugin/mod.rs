//! The CLAP / VST3 instrument: nice-plug glue around the kit store and the
//! engine. Who runs what:
//!
//! - the host's audio thread: [`WasmSampler::process`] (this file) turns
//!   the DAW's notes, the editor's auditions and the per-pad parameters into
//!   one engine call per block; it allocates nothing;
//! - the host's main thread: instantiation, activation, state
//!   ([`state::KitField`]); no decoding, and no file I/O except reading
//!   sample files not yet embedded when a project is saved with embedding
//!   on;
//! - this instance's loader thread ([`loader_thread`]): decoding into the
//!   [`KitStore`], and the engine's housekeeping (freeing regions, replacing
//!   a faulted guest);
//! - the editor's thread ([`crate::editor`]): edits through the kit store,
//!   messages, note flashes and auditions through the [`EditorLink`].
//!
//! Instantiation compiles nothing: the engine (guest memory and instance) is
//! made at the first `activate`, from the process's already-deserialized
//! module.

mod clap_entry;
pub mod editor_link;
pub mod loader_thread;
pub mod params;
pub mod state;

use std::num::NonZeroU32;
use std::sync::Arc;

use nice_plug::midi::Key;
use nice_plug::prelude::*;

use crate::engine::triggering::{midi_velocity, NoteEvent as EngineNote};
use crate::engine::{Engine, EngineOptions};
use crate::kit::{Automation, KitStore};
use crate::settings::{self, AUTOMATED_PADS};
pub use editor_link::{Audition, EditorLink, AUDITION_CHANNEL};
use loader_thread::{Job, Loader};
use params::SamplerParams;
use state::KitField;
use wasm_sampler_guest::abi;

/// Events a host can send in one block without the wrapper's queue growing
/// (nice-plug's default, 1024, overflowed in Ardour at engine start, and a
/// growing queue allocates on the audio thread). 8192 events take about
/// 400 KB per instance.
const EVENT_CAPACITY: usize = 8192;
/// Note events one block can carry to the engine: every event the wrapper
/// can queue.
const NOTE_CAPACITY: usize = EVENT_CAPACITY;
/// MIDI channel-mode messages (CC numbers).
const CC_ALL_SOUND_OFF: u8 = 120;
const CC_ALL_NOTES_OFF: u8 = 123;

/// What the plugin, its loader thread and its editor share: the kit store
/// (the one owner of every pad setting, and the engine once activated), the
/// loader thread, and the editor link. Each has its own lock or none.
#[derive(Default)]
pub struct Shared {
    pub store: KitStore,
    pub loader: Loader,
    pub link: EditorLink,
}

impl Shared {
    /// The engine, once the plugin has been activated.
    ///
    /// Thread: any. No allocation.
    pub fn engine(&self) -> Option<&Arc<Engine>> {
        self.store.engine()
    }
}

/// The plugin.
pub struct WasmSampler<const STEREO_FIRST: bool = false> {
    params: Arc<SamplerParams>,
    shared: Arc<Shared>,
    notes: Vec<EngineNote>,
    /// Auditions from the editor (this instance's end of the queue).
    auditions: rtrb::Consumer<Audition>,
    /// The per-pad parameters' values this block (filled without allocating).
    automation: [Automation; AUTOMATED_PADS],
    /// Linear master gain, ramped over 10 ms when the parameter moves.
    master: Smoother<f32>,
    master_db: f32,
    sample_rate: f32,
}

thread_local! {
    /// The shared state of the plugin last made on this thread, for the
    /// CLAP entry (`clap_entry`) to keep beside the instance it hands out.
    /// (Weak: an instance made by another format's entry, which never
    /// takes it, is not kept alive by it.)
    static CREATED: std::cell::RefCell<std::sync::Weak<Shared>> = const { std::cell::RefCell::new(std::sync::Weak::new()) };
}

/// Takes the shared state of the plugin last made on this thread, if it
/// still lives.
///
/// Thread: the thread that made it. No allocation.
pub(crate) fn take_created() -> Option<Arc<Shared>> {
    CREATED.with(|c| std::mem::take(&mut *c.borrow_mut()).upgrade())
}

impl<const STEREO_FIRST: bool> Default for WasmSampler<STEREO_FIRST> {
    fn default() -> Self {
        let shared = Arc::new(Shared::default());
        CREATED.with(|c| *c.borrow_mut() = Arc::downgrade(&shared));
        let auditions = shared.link.take_audition_consumer().expect("a new link has its consumer");
        let neutral = Automation::NEUTRAL;
        WasmSampler {
            auditions,
            params: Arc::new(SamplerParams::new(KitField(shared.clone()))),
            shared,
            notes: Vec::with_capacity(NOTE_CAPACITY),
            automation: [neutral; AUTOMATED_PADS],
            master: Smoother::new(SmoothingStyle::Linear(10.0)),
            master_db: 0.0,
            sample_rate: 48_000.0,
        }
    }
}

impl<const STEREO_FIRST: bool> Drop for WasmSampler<STEREO_FIRST> {
    /// Stops and joins the loader thread, so that nothing of ours runs once
    /// the host has destroyed the instance (it may unload the library next).
    fn drop(&mut self) {
        self.shared.loader.stop();
    }
}

impl<const STEREO_FIRST: bool> WasmSampler<STEREO_FIRST> {
    /// What the plugin shares with its loader thread and editor.
    ///
    /// Thread: any. No allocation.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl<const STEREO_FIRST: bool> Plugin for WasmSampler<STEREO_FIRST> {
    const NAME: &'static str = "Wasm Sampler";
    const VENDOR: &'static str = "Wasm Sampler developers";
    const URL: &'static str = "https://github.com/wasm-sampler/wasm-sampler";
    const EMAIL: &'static str = "dev@wasm-sampler.invalid";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    /// Main stereo plus 8 stereo auxiliary outputs, and the main output
    /// alone; which comes first is the type's choice ([`WasmSamplerVst3`]).
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = if STEREO_FIRST { &[STEREO_LAYOUT, MULTI_LAYOUT] } else { &[MULTI_LAYOUT, STEREO_LAYOUT] };
    const MIDI_INPUT: MidiConfig = MidiConfig::MidiCCs;
    const INPUT_EVENT_CAPACITY: usize = EVENT_CAPACITY;
    const SAMPLE_ACCURATE_AUTOMATION: bool = false;

    type Editor = crate::editor::SamplerEditor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        Some(crate::editor::SamplerEditor::new(self.params.clone(), self.shared.clone()))
    }

    fn activate(&mut self, _layout: &AudioIOLayout, config: &BufferConfig, _context: &mut impl ActivateContext<Self>) -> bool {
        match self.shared.engine() {
            Some(engine) => {
                if let Err(e) = engine.set_sample_rate(config.sample_rate) {
                    nice_error!("wasm-sampler: {e}");
                    return false;
                }
            }
            None => match Engine::new(EngineOptions { sample_rate: config.sample_rate, ..EngineOptions::default() }) {
                Ok(engine) => {
                    self.shared.store.attach(Arc::new(engine));
                    // Start the loader (housekeeping) even for an empty kit.
                    self.shared.loader.defer_kit();
                }
                Err(e) => {
                    nice_error!("wasm-sampler: {e}");
                    return false;
                }
            },
        }
        if self.shared.loader.take_deferred_kit() {
            self.shared.send(Job::LoadKit);
        }
        self.sample_rate = config.sample_rate;
        while self.auditions.pop().is_ok() {}
        true
    }

    fn reset(&mut self) {
        // The host restarts the stream: no voice may ring on from before.
        if let Some(engine) = self.shared.engine() {
            engine.reset();
        }
        self.notes.clear();
        // Clicks made while the host was not processing are stale.
        while self.auditions.pop().is_ok() {}
        self.master_db = self.params.master_gain.value();
        self.master.reset(settings::db_to_gain(self.master_db));
    }

    fn process(&mut self, buffer: &mut Buffer, aux: &mut AuxiliaryBuffers, context: &mut impl ProcessContext<Self>) -> ProcessStatus {
        let Some(engine) = self.shared.engine() else {
            for ch in buffer.as_slice().iter_mut() {
                ch.fill(0.0);
            }
            for ch in aux.outputs.iter_mut().flat_map(|b| b.as_slice().iter_mut()) {
                ch.fill(0.0);
            }
            return ProcessStatus::Normal;
        };
        self.notes.clear();
        for (values, set) in self.automation.iter_mut().zip(self.params.pads.iter()) {
            *values = set.automation();
        }
        while let Some(event) = context.next_event() {
            let note = match event {
                NoteEvent::NoteOn { timing, channel, key: Key::Number(note), velocity, .. } => {
                    Some(EngineNote::On { frame: timing, channel: channel.number().unwrap_or(0), note, velocity })
                }
                NoteEvent::NoteOff { timing, channel, key: Key::Number(note), .. } => {
                    Some(EngineNote::Off { frame: timing, channel: channel.number().unwrap_or(0), note })
                }
                NoteEvent::Choke { timing, channel, key: Key::Number(note), .. } => {
                    Some(EngineNote::Choke { frame: timing, channel: channel.number().unwrap_or(0), note })
                }
                NoteEvent::MidiCC { timing, cc: CC_ALL_NOTES_OFF, .. } => Some(EngineNote::AllNotesOff { frame: timing }),
                NoteEvent::MidiCC { timing, cc: CC_ALL_SOUND_OFF, .. } => Some(EngineNote::AllSoundOff { frame: timing }),
                NoteEvent::PolyPressure { timing, channel, key: Key::Number(note), pressure, .. } => {
                    Some(EngineNote::Pressure { frame: timing, channel: channel.number().unwrap_or(0), note, pressure })
                }
                // Any other controller: its value, for pads that play in a
                // range of it (nice-plug gives value / 127).
                NoteEvent::MidiCC { timing, channel, cc, value } => {
                    Some(EngineNote::Controller { frame: timing, channel, cc, value: (value * 127.0).round().clamp(0.0, 127.0) as u8 })
                }
                // nice-plug gives the 14-bit value over 16383; back to the
                // integer, so that a centred wheel is exactly no bend.
                NoteEvent::MidiPitchBend { timing, channel, value } => Some(EngineNote::PitchBend {
                    frame: timing,
                    channel,
                    value: crate::engine::triggering::bend_from_14_bit((value.clamp(0.0, 1.0) * 16_383.0).round() as u16),
                }),
                _ => None,
            };
            if let Some(note) = note {
                push_note(&mut self.notes, note);
            }
        }
        while let Ok(audition) = self.auditions.pop() {
            let note = match audition {
                Audition::On { note, velocity } => EngineNote::On { frame: 0, channel: AUDITION_CHANNEL, note, velocity: velocity as f32 / 127.0 },
                Audition::Off { note } => EngineNote::Off { frame: 0, channel: AUDITION_CHANNEL, note },
            };
            push_note(&mut self.notes, note);
        }
        // The editor's play flash.
        for note in &self.notes {
            if let EngineNote::On { note, velocity, .. } = *note {
                self.shared.link.note_played(note, midi_velocity(velocity));
            }
        }

        // The buses in order, main first, two channels each, by port (a
        // fixed array of the host's slices: nothing is allocated). A channel
        // the host did not give stays empty, and the engine skips it.
        let mut outs: [&mut [f32]; abi::OUT_CHANNELS as usize] = Default::default();
        let mut count = 0;
        for (c, ch) in buffer.as_slice().iter_mut().enumerate().take(2) {
            outs[c] = std::mem::take(ch);
            count = 2;
        }
        for (port, b) in aux.outputs.iter_mut().enumerate().take(abi::OUT_BUSES as usize - 1) {
            for (c, ch) in b.as_slice().iter_mut().enumerate().take(2) {
                outs[2 * (port + 1) + c] = std::mem::take(ch);
            }
            count = 2 * (port + 2);
        }
        let outs = &mut outs[..count];
        engine.process_outputs(&self.notes, &self.automation, outs);

        let db = self.params.master_gain.value();
        if db != self.master_db {
            self.master_db = db;
            self.master.set_target(self.sample_rate, settings::db_to_gain(db));
        }
        // At 0 dB and at rest the output is the engine's, bit for bit.
        if self.master.is_smoothing() || self.master_db != 0.0 {
            let frames = outs.iter().map(|o| o.len()).max().unwrap_or(0);
            for i in 0..frames {
                let g = self.master.next();
                for o in outs.iter_mut().filter(|o| i < o.len()) {
                    o[i] *= g;
                }
            }
        }
        ProcessStatus::Normal
    }
}

/// Appends a note if the block's list has room (it never grows).
///
/// Thread: audio. No allocation.
fn push_note(notes: &mut Vec<EngineNote>, e: EngineNote) {
    if notes.len() < notes.capacity() {
        notes.push(e);
    }
}

/// The plugin as VST3 hosts get it: the stereo output first (the multi-out
/// layout second, for a host that asks for nine buses). nice-plug 0.4's
/// VST3 wrapper skips processing altogether when a host leaves an
/// auxiliary bus without buffers or channels, as JUCE-based hosts do for
/// buses they disable (measured: pedalboard heard nothing), so offering
/// the auxiliary buses first would silence the plugin there. CLAP hosts
/// give every port a buffer (the spec asks it) and pick a configuration,
/// so CLAP gets the multi-out layout first.
pub type WasmSamplerVst3 = WasmSampler<true>;

/// Main stereo plus 8 stereo auxiliary outputs.
const MULTI_LAYOUT: AudioIOLayout = AudioIOLayout {
    main_input_channels: None,
    main_output_channels: NonZeroU32::new(2),
    aux_output_ports: &[STEREO; abi::OUT_BUSES as usize - 1],
    names: PORT_NAMES_MULTI,
    ..AudioIOLayout::const_default()
};

/// The main stereo output alone.
const STEREO_LAYOUT: AudioIOLayout = AudioIOLayout {
    main_input_channels: None,
    main_output_channels: NonZeroU32::new(2),
    names: PortNames { layout: Some("Stereo"), ..PORT_NAMES_MULTI },
    ..AudioIOLayout::const_default()
};

/// A stereo port.
const STEREO: NonZeroU32 = match NonZeroU32::new(2) {
    Some(n) => n,
    None => unreachable!(),
};

/// The outputs' names, as hosts show them: "Main", then "Out 2" … "Out 9".
/// (nice-plug 0.4.2 names the main output after `main_input` — a slip in
/// its `main_output_name` — so both are set; the plugin has no input.)
const PORT_NAMES_MULTI: PortNames = PortNames {
    layout: Some("Multi-out (main + 8)"),
    main_input: Some("Main"),
    main_output: Some("Main"),
    aux_inputs: &[],
    aux_outputs: &["Out 2", "Out 3", "Out 4", "Out 5", "Out 6", "Out 7", "Out 8", "Out 9"],
};

impl<const STEREO_FIRST: bool> ClapPlugin for WasmSampler<STEREO_FIRST> {
    const CLAP_ID: &'static str = "org.wasm-sampler.wasm-sampler";
    const CLAP_DESCRIPTION: Option<&'static str> = Some("A sampler whose DSP runs as a sandboxed WebAssembly guest");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[ClapFeature::Instrument, ClapFeature::Sampler, ClapFeature::Stereo];
}

impl<const STEREO_FIRST: bool> Vst3Plugin for WasmSampler<STEREO_FIRST> {
    const VST3_CLASS_ID: [u8; 16] = *b"WasmSamplerPlug1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[Vst3SubCategory::Instrument, Vst3SubCategory::Sampler];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::{Kit, Mapping, SampleParams, SampleRecord};
    use nice_plug::params::persist::PersistentField;
    use std::path::Path;
    use std::time::Duration;

    #[test]
    fn instantiating_makes_no_engine_and_starts_no_thread() {
        let plugin = WasmSampler::<false>::default();
        assert!(plugin.shared().engine().is_none(), "the guest is instantiated at activation, not before");
        assert!(!plugin.shared().loader.is_running(), "no loader thread until there is work");
        assert_eq!(plugin.shared().store.kit(), Kit::default());
    }

    fn activated() -> (Arc<Shared>, Arc<Engine>) {
        let shared = Arc::new(Shared::default());
        let engine = Arc::new(Engine::new(EngineOptions::default()).unwrap());
        shared.store.attach(engine.clone());
        (shared, engine)
    }

    fn record(file: &Path, root: u8) -> SampleRecord {
        SampleRecord { file: file.to_path_buf(), params: SampleParams::whole(root), embedded: None }
    }

    #[test]
    fn a_missing_file_marks_its_pad_with_path_and_reason_and_the_kit_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("present.wav");
        write_wav(&present, 100);
        let missing = dir.path().join("gone.wav");

        let (shared, engine) = activated();
        let mut kit = Kit::default();
        kit.pad_mut(0).samples.push(record(&present, 36));
        kit.pad_mut(1).samples.push(record(&missing, 45));
        kit.pad_mut(1).mapping = Mapping::pitched(40, 50);
        KitField(shared.clone()).set(kit.to_json());
        wait_until("the kit to load", || shared.store.kits_loaded() > 0);
        let pads = shared.store.pads();
        assert!(pads[0].sample.is_some() && pads[0].error.is_none());
        assert!(pads[1].sample.is_none());
        let error = pads[1].error.clone().unwrap();
        assert_eq!(error, format!("{}: file not found", missing.display()));
        assert_eq!(engine.pads()[1].mapping, Mapping::pitched(40, 50), "settings kept");
        assert_eq!(shared.store.kit(), kit, "the kit still holds the missing pad as it was");
        shared.loader.stop();
    }

    fn write_wav(path: &Path, frames: usize) {
        let spec = hound::WavSpec { channels: 1, sample_rate: 48_000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for i in 0..frames {
            w.write_sample((i % 1000) as i16).unwrap();
        }
        w.finalize().unwrap();
    }

    fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "timed out: {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_file_loaded_before_activation_is_kept_in_the_kit_and_loads_at_activation() {
        let dir = tempfile::tempdir().unwrap();
        let wav = dir.path().join("early.wav");
        write_wav(&wav, 500);
        let shared = Arc::new(Shared::default());
        shared.load_pad(3, wav.clone());
        wait_until("the load to be recorded", || !shared.store.is_loading(3));
        assert_eq!(shared.store.kit().pads[3].samples[0].file, wav);
        assert!(shared.loader.take_deferred_kit(), "loads with the kit at activation");
        // Activation (as `activate` does): the kit loads into the new engine.
        let engine = Arc::new(Engine::new(EngineOptions::default()).unwrap());
        shared.store.attach(engine.clone());
        shared.send(Job::LoadKit);
        wait_until("the kit to load", || shared.store.kits_loaded() == 1);
        assert_eq!(engine.pads()[3].sample().map(|s| s.info.frames), Some(500));
        shared.loader.stop();
    }

    #[test]
    fn a_new_sample_in_a_trimmed_pad_plays_whole_and_a_failed_one_keeps_the_trim() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
        write_wav(&a, 1_000);
        write_wav(&b, 2_000);
        let (shared, engine) = activated();
        shared.load_pad(0, a.clone());
        wait_until("a to load", || !shared.store.is_loading(0));
        shared
            .store
            .edit(0, |p| {
                p.samples[0].params.start = 100;
                p.samples[0].params.end = 900;
            })
            .unwrap();
        assert_eq!(engine.pads()[0].sample_params().unwrap().window(1_000), (100, 800));

        // A file that is not there: nothing changes, the trim stays.
        shared.load_pad(0, dir.path().join("missing.wav"));
        wait_until("the failed load", || !shared.store.is_loading(0));
        let trim = |s: &Shared| (s.store.kit().pads[0].samples[0].params.start, s.store.kit().pads[0].samples[0].params.end);
        assert_eq!(trim(&shared), (100, 900));
        assert_eq!(engine.pads()[0].sample_params().unwrap().window(1_000), (100, 800));
        assert!(shared.link.messages().last().unwrap().1.contains("missing.wav: file not found"));

        shared.load_pad(0, b.clone());
        wait_until("b to load", || !shared.store.is_loading(0));
        assert_eq!(trim(&shared), (0, 0), "saved untrimmed");
        let pad = &engine.pads()[0];
        assert_eq!(pad.sample_params().unwrap().window(pad.sample().unwrap().info.frames), (0, 2_000), "plays whole");
        shared.loader.stop();
    }

    #[test]
    fn a_moved_sample_is_found_by_name_under_a_folder_and_its_pad_loads_it_with_its_settings() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.wav");
        write_wav(&a, 1_000);
        let (shared, engine) = activated();
        shared.load_pad(0, a.clone());
        wait_until("a to load", || !shared.store.is_loading(0));
        shared.store.edit(0, |p| p.samples[0].params.start = 100).unwrap();
        // The sample moves into a folder of folders; the kit reloads
        // (as a project opening) and misses it.
        let moved = dir.path().join("library/drums/A.WAV");
        std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
        std::fs::rename(&a, &moved).unwrap();
        let kit = shared.store.kit();
        shared.store.set_kit(kit);
        shared.send(loader_thread::Job::LoadKit);
        wait_until("the reload to miss the file", || shared.store.pads()[0].error.as_deref().is_some_and(|e| e.contains("file not found")));
        shared.find_missing(dir.path().join("library"));
        wait_until("the pad to point at the moved file", || shared.store.kit().pads[0].samples[0].file == moved && shared.store.pads()[0].error.is_none());
        wait_until("the message", || shared.link.messages().iter().any(|(_, m)| m.starts_with("Found 1 of 1 missing samples")));
        let pad = &engine.pads()[0];
        assert_eq!(pad.sample().map(|s| s.info.frames), Some(1_000), "loaded");
        assert_eq!(pad.sample_params().unwrap().start, 100, "with its settings");
        shared.loader.stop();
    }
}
