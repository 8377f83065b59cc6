//! The CLAP / VST3 instrument: nice-plug glue around the [`Engine`].
//!
//! - Instantiation does no file I/O and compiles nothing: the engine (guest
//!   memory and instance) is made at the first `activate`, from the process's
//!   already-deserialized module.
//! - The kit is a persisted field. Restoring it (project open) only stores it
//!   and wakes this instance's loader thread; the samples decode there, never
//!   on the DAW's UI thread or the audio thread.
//! - The loader thread also does the engine's housekeeping (freeing regions
//!   of replaced samples once their voices are silent) every 20 ms.
//! - `process` translates the DAW's notes and the per-pad parameters into
//!   engine events and applies the master gain. It allocates nothing; a guest
//!   fault costs one block: the engine re-instantiates the guest right after.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use nice_plug::midi::Key;
use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;
use parking_lot::Mutex;

use crate::engine::{Engine, EngineOptions};
use crate::kit::{EmbeddedAudio, Kit, KitPad, PadAudio, MAX_PADS};
use crate::params::{SamplerParams, AUTOMATED_PADS};
use crate::triggering::{Automation, NoteEvent as EngineNote, PadParams};

/// Auditions (pad clicks in the editor) one block can take.
const AUDITION_CAPACITY: usize = 64;
/// The note channel auditions play on: past MIDI's 16, so an audition's
/// note-off never releases a note the DAW is holding.
pub const AUDITION_CHANNEL: u8 = 16;
/// Messages the editor's message line keeps.
const MESSAGES_KEPT: usize = 32;

/// A note the editor asks the audio thread to play (pad click) or release.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audition {
    On { note: u8, velocity: u8 },
    Off { note: u8 },
}

/// How often the loader thread does housekeeping when idle.
const HOUSEKEEPING_PERIOD: Duration = Duration::from_millis(20);
/// Note events one block can carry to the engine.
const NOTE_CAPACITY: usize = 4096;
/// MIDI channel-mode messages (CC numbers).
const CC_ALL_SOUND_OFF: u8 = 120;
const CC_ALL_NOTES_OFF: u8 = 123;

/// Work for an instance's loader thread.
enum Job {
    /// (Re)load every pad of the kit into the engine.
    LoadKit,
    /// Load one file into one pad and record it in the kit.
    LoadPad(usize, PathBuf),
}

/// What the plugin, its loader thread and (later) its editor share.
pub struct Shared {
    /// Made at the first activation; its sample rate follows later ones.
    engine: OnceLock<Arc<Engine>>,
    /// The persistent truth about the pads.
    kit: Mutex<Kit>,
    /// Lazily started loader thread: its queue and its handle.
    jobs: Mutex<Option<Sender<Job>>>,
    loader: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Set when the plugin goes away: the loader stops between pads.
    stopping: AtomicBool,
    /// Kits loaded completely (for hosts and tests that wait for loading).
    kits_loaded: AtomicU64,
    /// A kit waits for the engine (restored before the first activation).
    kit_pending: AtomicBool,
    /// Mirror of the "Embed Samples in Project" parameter, read at save time.
    embed_audio: AtomicBool,
    /// Pads with a load queued or running (the editor's loading indicator).
    loading: Mutex<BTreeSet<usize>>,
    /// Errors and notices for the editor's message line, newest last, each
    /// with a sequence number.
    messages: Mutex<VecDeque<(u64, String)>>,
    message_seq: AtomicU64,
    /// Note-ons seen by the audio thread, per note (the pads' play flash),
    /// and the velocity of the latest.
    note_hits: [AtomicU32; 128],
    note_velocity: [AtomicU8; 128],
    /// Editor to audio thread: notes to audition. Producers lock (UI
    /// threads only); the audio thread owns the consumer.
    audition: Mutex<rtrb::Producer<Audition>>,
    audition_rx: Mutex<Option<rtrb::Consumer<Audition>>>,
}

impl Shared {
    fn new() -> Arc<Self> {
        let (audition, audition_rx) = rtrb::RingBuffer::new(AUDITION_CAPACITY);
        Arc::new(Shared {
            loading: Mutex::new(BTreeSet::new()),
            messages: Mutex::new(VecDeque::new()),
            message_seq: AtomicU64::new(0),
            note_hits: std::array::from_fn(|_| AtomicU32::new(0)),
            note_velocity: std::array::from_fn(|_| AtomicU8::new(0)),
            audition: Mutex::new(audition),
            audition_rx: Mutex::new(Some(audition_rx)),
            engine: OnceLock::new(),
            kit: Mutex::new(Kit::default()),
            jobs: Mutex::new(None),
            loader: Mutex::new(None),
            stopping: AtomicBool::new(false),
            kits_loaded: AtomicU64::new(0),
            kit_pending: AtomicBool::new(false),
            embed_audio: AtomicBool::new(false),
        })
    }

    /// Follows the "Embed Samples in Project" parameter.
    ///
    /// Thread: any (the parameter callback may run on the audio thread). No allocation.
    pub fn set_embed_audio(&self, on: bool) {
        self.embed_audio.store(on, Ordering::Release);
    }

    /// The engine, once the plugin has been activated.
    ///
    /// Thread: any. No allocation.
    pub fn engine(&self) -> Option<&Arc<Engine>> {
        self.engine.get()
    }

    /// A copy of the kit.
    ///
    /// Thread: non-real-time (allocates).
    pub fn kit(&self) -> Kit {
        self.kit.lock().clone()
    }

    /// The kit's pads without their embedded audio (the editor reads this
    /// every frame; embedded audio can be megabytes).
    ///
    /// Thread: non-real-time. Allocates. Short lock.
    pub fn kit_pads(&self) -> Vec<KitPad> {
        self.kit.lock().pads.iter().map(|p| KitPad { file: p.file.clone(), mapping: p.mapping, params: p.params, embedded: None }).collect()
    }

    /// How many kit loads have completed.
    ///
    /// Thread: any. No allocation.
    pub fn kits_loaded(&self) -> u64 {
        self.kits_loaded.load(Ordering::Acquire)
    }

    /// Loads `path` into `pad` in the background and records it in the kit
    /// (before the first activation it is only recorded, and loads with the
    /// kit at activation). Until it is done the pad is reported as loading;
    /// a failure leaves the pad as it was and posts a message naming the file
    /// and the reason. Pads from [`MAX_PADS`] on do not exist: refused with a
    /// message.
    ///
    /// Thread: any non-real-time thread (may start the loader thread). Allocates.
    pub fn load_pad(self: &Arc<Self>, pad: usize, path: PathBuf) {
        if pad >= MAX_PADS {
            self.post_message(format!("{}: not loaded, there are only {MAX_PADS} pads", path.display()));
            return;
        }
        self.loading.lock().insert(pad);
        self.send(Job::LoadPad(pad, path));
    }

    /// Whether `pad` has a load queued or running.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn is_loading(&self, pad: usize) -> bool {
        self.loading.lock().contains(&pad)
    }

    /// Changes a pad's kit entry (mapping, settings) and applies it to the
    /// engine at once. The change is saved with the project. Pads from
    /// [`MAX_PADS`] on are ignored.
    ///
    /// Thread: non-real-time (the editor). May allocate.
    pub fn edit_pad(&self, pad: usize, edit: impl FnOnce(&mut KitPad)) {
        if pad >= MAX_PADS {
            return;
        }
        let entry = {
            let mut kit = self.kit.lock();
            let entry = kit.pad_mut(pad);
            edit(entry);
            entry.clone()
        };
        if let Some(engine) = self.engine.get() {
            engine.set_mapping(pad, entry.mapping);
            engine.set_params(pad, entry.params);
        }
    }

    /// Empties a pad: its sample goes (voices fade out), its settings stay.
    ///
    /// Thread: non-real-time (the editor). Short locks; may allocate (grows
    /// the kit's pad list up to `pad`).
    pub fn clear_pad(&self, pad: usize) {
        if pad >= MAX_PADS {
            return;
        }
        {
            let mut kit = self.kit.lock();
            let entry = kit.pad_mut(pad);
            entry.file = None;
            entry.embedded = None;
        }
        if let Some(engine) = self.engine.get() {
            engine.clear_pad(pad);
            engine.set_pad_error(pad, None);
        }
    }

    /// Posts a one-line message (an error or notice) to the editor.
    ///
    /// Thread: non-real-time. Allocates.
    pub fn post_message(&self, message: String) {
        let seq = self.message_seq.fetch_add(1, Ordering::AcqRel) + 1;
        let mut messages = self.messages.lock();
        if messages.len() == MESSAGES_KEPT {
            messages.pop_front();
        }
        messages.push_back((seq, message));
    }

    /// The sequence number of the newest message (0: none yet).
    ///
    /// Thread: any. No allocation, no lock.
    pub fn message_seq(&self) -> u64 {
        self.message_seq.load(Ordering::Acquire)
    }

    /// Whether any pad has a load queued or running.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn any_loading(&self) -> bool {
        !self.loading.lock().is_empty()
    }

    /// The messages kept, oldest first, with their sequence numbers.
    ///
    /// Thread: non-real-time. Allocates the copy.
    pub fn messages(&self) -> Vec<(u64, String)> {
        self.messages.lock().iter().cloned().collect()
    }

    /// How many note-ons the audio thread has seen for each note, and the
    /// latest velocity of each (for the pads' play flash).
    ///
    /// Thread: any. No allocation.
    pub fn note_hits(&self) -> ([u32; 128], [u8; 128]) {
        (
            std::array::from_fn(|n| self.note_hits[n].load(Ordering::Relaxed)),
            std::array::from_fn(|n| self.note_velocity[n].load(Ordering::Relaxed)),
        )
    }

    /// Asks the audio thread to play or release a note (pad audition). It
    /// plays in the next processed block. Returns false if the queue cannot
    /// take it (the audio thread is not running): a note-on is refused
    /// unless there is also room for its note-off, so a note never hangs.
    ///
    /// Thread: non-real-time (the editor). No allocation.
    pub fn audition(&self, audition: Audition) -> bool {
        let mut queue = self.audition.lock();
        let room = match audition {
            Audition::On { .. } => 2,
            Audition::Off { .. } => 1,
        };
        queue.slots() >= room && queue.push(audition).is_ok()
    }

    fn send(self: &Arc<Self>, job: Job) {
        let mut jobs = self.jobs.lock();
        if jobs.is_none() {
            let (tx, rx) = mpsc::channel();
            let weak = Arc::downgrade(self);
            let spawned = std::thread::Builder::new().name("wasm-sampler-loader".into()).spawn(move || loader_thread(weak, rx));
            match spawned {
                Ok(handle) => {
                    *jobs = Some(tx);
                    *self.loader.lock() = Some(handle);
                }
                Err(e) => {
                    nice_error!("wasm-sampler: cannot start the loader thread: {e}");
                    return;
                }
            }
        }
        if let Some(tx) = jobs.as_ref() {
            let _ = tx.send(job);
        }
    }

    /// Replaces the kit (state restore) and schedules its loading.
    fn set_kit(self: &Arc<Self>, kit: Kit) {
        self.loading.lock().extend(kit.pads.iter().enumerate().filter(|(_, p)| p.file.is_some() || p.embedded.is_some()).map(|(i, _)| i));
        *self.kit.lock() = kit;
        if self.engine.get().is_some() {
            self.send(Job::LoadKit);
        } else {
            self.kit_pending.store(true, Ordering::Release);
        }
    }

    /// Loader thread: applies the whole kit to the engine.
    fn load_kit(&self, engine: &Engine) {
        let mut i = 0;
        loop {
            if self.stopping.load(Ordering::Acquire) {
                return;
            }
            // Each pad as the kit has it now: an edit made in the editor
            // while earlier pads were loading is not undone.
            let Some(pad) = self.kit.lock().pads.get(i).cloned() else { break };
            let pad = &pad;
            engine.set_mapping(i, pad.mapping);
            engine.set_params(i, pad.params);
            let result = match pad.audio() {
                PadAudio::File(path) => engine.load_file(i, path).map(|_| ()),
                PadAudio::Embedded(audio) => {
                    let original = pad.file.clone().unwrap_or_else(|| PathBuf::from(&audio.name));
                    match audio.bytes() {
                        Ok(bytes) => engine.load_wav_bytes(i, &original, bytes).map(|_| ()),
                        Err(reason) => Err(crate::loader::LoadError::new(&original, reason)),
                    }
                }
                // Keeps the pad and its settings; the engine marks it with the
                // reason ("file not found") and its path.
                PadAudio::Missing(path) => engine.load_file(i, path).map(|_| ()),
                PadAudio::Empty => {
                    engine.clear_pad(i);
                    Ok(())
                }
            };
            if let Err(e) = result {
                nice_error!("wasm-sampler: pad {}: {e}", i + 1);
                self.post_message(format!("Pad {}: {e}", i + 1));
                // Not the previous kit's sample under this kit's settings:
                // the pad stays empty, marked with the error.
                engine.clear_pad(i);
            }
            self.loading.lock().remove(&i);
            i += 1;
        }
        // Pads beyond the kit (from an earlier, longer kit) are emptied.
        for i in i..engine.pads().len() {
            engine.clear_pad(i);
        }
        self.kits_loaded.fetch_add(1, Ordering::AcqRel);
    }

    /// Loader thread: one file into one pad. The kit records the absolute
    /// path. A new sample plays whole: the pad's start/end markers belonged
    /// to the previous one (if the load fails, they stay as they were).
    fn load_one(&self, engine: &Engine, pad: usize, path: &Path) {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let path = absolute.as_path();
        let previous = self.kit.lock().pad_mut(pad).params;
        let whole = PadParams { start: 0, end: 0, ..previous };
        engine.set_params(pad, whole);
        let result = engine.load_file(pad, path);
        match result {
            Ok(_) => {
                // File I/O before taking the kit lock (the editor reads the kit).
                let embedded = if self.kit.lock().embed_audio { read_embedded(path) } else { None };
                let mut kit = self.kit.lock();
                let entry = kit.pad_mut(pad);
                entry.file = Some(path.to_path_buf());
                entry.embedded = embedded;
                entry.params = whole;
            }
            Err(e) => {
                engine.set_params(pad, previous);
                nice_error!("wasm-sampler: {e}");
                self.post_message(format!("Pad {}: {e}", pad + 1));
            }
        }
    }

    /// Before activation there is no engine: a pad load is recorded in the
    /// kit and happens with the kit at activation.
    fn record_for_activation(&self, pad: usize, path: &Path) {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut kit = self.kit.lock();
        let entry = kit.pad_mut(pad);
        entry.file = Some(absolute);
        entry.embedded = None;
        entry.params.start = 0;
        entry.params.end = 0;
        self.kit_pending.store(true, Ordering::Release);
    }
}

fn read_embedded(path: &Path) -> Option<EmbeddedAudio> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    match std::fs::read(path) {
        Ok(bytes) => Some(EmbeddedAudio::new(&name, &bytes)),
        Err(e) => {
            nice_error!("wasm-sampler: {}: cannot embed ({e})", path.display());
            None
        }
    }
}

fn loader_thread(shared: Weak<Shared>, jobs: mpsc::Receiver<Job>) {
    loop {
        let job = match jobs.recv_timeout(HOUSEKEEPING_PERIOD) {
            Ok(job) => Some(job),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let Some(shared) = shared.upgrade() else { return };
        let Some(engine) = shared.engine.get().cloned() else {
            if let Some(Job::LoadPad(pad, path)) = job {
                shared.record_for_activation(pad, &path);
                shared.loading.lock().remove(&pad);
            }
            continue;
        };
        match job {
            Some(Job::LoadKit) => shared.load_kit(&engine),
            Some(Job::LoadPad(pad, path)) => {
                shared.load_one(&engine, pad, &path);
                shared.loading.lock().remove(&pad);
            }
            None => {}
        }
        engine.housekeeping();
    }
}

/// The persisted kit field: restoring it stores the kit and schedules the
/// loading; saving writes the kit, with each pad's audio when embedding is on.
pub struct KitField(pub Arc<Shared>);

impl<'a> PersistentField<'a, serde_json::Value> for KitField {
    fn set(&self, value: serde_json::Value) {
        let (kit, problem) = Kit::from_json(&value);
        if let Some(problem) = problem {
            nice_error!("wasm-sampler: {problem}");
        }
        self.0.set_kit(kit);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&serde_json::Value) -> R,
    {
        let embed = self.0.embed_audio.load(Ordering::Acquire);
        let mut kit = self.0.kit.lock();
        kit.embed_audio = embed;
        for pad in kit.pads.iter_mut() {
            if !embed {
                pad.embedded = None;
            } else if let (Some(file), None) = (&pad.file, &pad.embedded) {
                pad.embedded = read_embedded(file);
            }
        }
        f(&kit.to_json())
    }
}

/// The plugin.
pub struct WasmSampler {
    params: Arc<SamplerParams>,
    shared: Arc<Shared>,
    notes: Vec<EngineNote>,
    /// Auditions from the editor (this instance's end of the queue).
    auditions: rtrb::Consumer<Audition>,
    /// Automatable values last sent per pad (the engine keeps them across
    /// kit loads, so only changes need sending).
    sent: [Option<Automation>; AUTOMATED_PADS],
    /// Linear master gain, ramped over 10 ms when the parameter moves.
    master: Smoother<f32>,
    master_db: f32,
    sample_rate: f32,
}

impl Default for WasmSampler {
    fn default() -> Self {
        let shared = Shared::new();
        let auditions = shared.audition_rx.lock().take().expect("a new Shared has its consumer");
        WasmSampler {
            auditions,
            params: Arc::new(SamplerParams::new(KitField(shared.clone()))),
            shared,
            notes: Vec::with_capacity(NOTE_CAPACITY),
            sent: [None; AUTOMATED_PADS],
            master: Smoother::new(SmoothingStyle::Linear(10.0)),
            master_db: 0.0,
            sample_rate: 48_000.0,
        }
    }
}

impl Drop for WasmSampler {
    /// Stops and joins the loader thread, so that nothing of ours runs once
    /// the host has destroyed the instance (it may unload the library next).
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        drop(self.shared.jobs.lock().take());
        if let Some(handle) = self.shared.loader.lock().take() {
            let _ = handle.join();
        }
    }
}

impl WasmSampler {
    /// What the plugin shares with its loader thread and editor.
    ///
    /// Thread: any. No allocation.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    fn push_note(&mut self, e: EngineNote) {
        if self.notes.len() < self.notes.capacity() {
            self.notes.push(e);
        }
    }

    /// Queues automation for every pad whose parameters changed since they
    /// were last sent (all of them on the first block), at frame 0.
    fn queue_automation(&mut self) {
        for pad in 0..AUTOMATED_PADS {
            let values = self.params.pads[pad].automation();
            if self.sent[pad] != Some(values) {
                self.sent[pad] = Some(values);
                self.push_note(EngineNote::Automation { frame: 0, pad: pad as u16, values });
            }
        }
    }
}

impl Plugin for WasmSampler {
    const NAME: &'static str = "Wasm Sampler";
    const VENDOR: &'static str = "Wasm Sampler developers";
    const URL: &'static str = "https://github.com/wasm-sampler/wasm-sampler";
    const EMAIL: &'static str = "dev@wasm-sampler.invalid";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: None,
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    }];
    const MIDI_INPUT: MidiConfig = MidiConfig::MidiCCs;
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
        match self.shared.engine.get() {
            Some(engine) => {
                if let Err(e) = engine.set_sample_rate(config.sample_rate) {
                    nice_error!("wasm-sampler: {e}");
                    return false;
                }
            }
            None => match Engine::new(EngineOptions { sample_rate: config.sample_rate, ..EngineOptions::default() }) {
                Ok(engine) => {
                    let _ = self.shared.engine.set(Arc::new(engine));
                    // Start the loader (housekeeping) even for an empty kit.
                    self.shared.kit_pending.store(true, Ordering::Release);
                }
                Err(e) => {
                    nice_error!("wasm-sampler: {e}");
                    return false;
                }
            },
        }
        if self.shared.kit_pending.swap(false, Ordering::AcqRel) {
            self.shared.send(Job::LoadKit);
        }
        self.sample_rate = config.sample_rate;
        while self.auditions.pop().is_ok() {}
        true
    }

    fn reset(&mut self) {
        // The host restarts the stream: no voice may ring on from before.
        if let Some(engine) = self.shared.engine.get() {
            engine.reset();
        }
        self.notes.clear();
        // Clicks made while the host was not processing are stale.
        while self.auditions.pop().is_ok() {}
        self.master_db = self.params.master_gain.value();
        self.master.reset(db_to_gain_exact(self.master_db));
    }

    fn process(&mut self, buffer: &mut Buffer, _aux: &mut AuxiliaryBuffers, context: &mut impl ProcessContext<Self>) -> ProcessStatus {
        if self.shared.engine.get().is_none() {
            for ch in buffer.as_slice() {
                ch.fill(0.0);
            }
            return ProcessStatus::Normal;
        }
        self.notes.clear();
        self.queue_automation();
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
                _ => None,
            };
            if let Some(note) = note {
                self.push_note(note);
            }
        }
        while let Ok(audition) = self.auditions.pop() {
            let note = match audition {
                Audition::On { note, velocity } => {
                    EngineNote::On { frame: 0, channel: AUDITION_CHANNEL, note, velocity: velocity as f32 / 127.0 }
                }
                Audition::Off { note } => EngineNote::Off { frame: 0, channel: AUDITION_CHANNEL, note },
            };
            self.push_note(note);
        }
        // The editor's play flash.
        for note in &self.notes {
            if let EngineNote::On { note, velocity, .. } = *note {
                let n = note as usize & 127;
                self.shared.note_velocity[n].store(crate::triggering::midi_velocity(velocity), Ordering::Relaxed);
                self.shared.note_hits[n].fetch_add(1, Ordering::Relaxed);
            }
        }

        let out = buffer.as_slice();
        let (left, rest) = out.split_at_mut(1);
        if let Some(engine) = self.shared.engine.get() {
            engine.process(&self.notes, left[0], rest[0]);
        }

        let db = self.params.master_gain.value();
        if db != self.master_db {
            self.master_db = db;
            self.master.set_target(self.sample_rate, db_to_gain_exact(db));
        }
        // At 0 dB and at rest the output is the engine's, bit for bit.
        if self.master.is_smoothing() || self.master_db != 0.0 {
            for (l, r) in left[0].iter_mut().zip(rest[0].iter_mut()) {
                let g = self.master.next();
                *l *= g;
                *r *= g;
            }
        }
        ProcessStatus::Normal
    }
}

/// dB to linear gain, exactly 1.0 at 0 dB.
fn db_to_gain_exact(db: f32) -> f32 {
    if db == 0.0 {
        1.0
    } else {
        util::db_to_gain(db)
    }
}

impl ClapPlugin for WasmSampler {
    const CLAP_ID: &'static str = "org.wasm-sampler.wasm-sampler";
    const CLAP_DESCRIPTION: Option<&'static str> = Some("A sampler whose DSP runs as a sandboxed WebAssembly guest");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[ClapFeature::Instrument, ClapFeature::Sampler, ClapFeature::Stereo];
}

impl Vst3Plugin for WasmSampler {
    const VST3_CLASS_ID: [u8; 16] = *b"WasmSamplerPlug1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[Vst3SubCategory::Instrument, Vst3SubCategory::Sampler];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggering::Mapping;

    #[test]
    fn instantiating_makes_no_engine_and_starts_no_thread() {
        let plugin = WasmSampler::default();
        assert!(plugin.shared().engine().is_none(), "the guest is instantiated at activation, not before");
        assert!(plugin.shared().jobs.lock().is_none(), "no loader thread until there is work");
        assert_eq!(plugin.shared().kit(), Kit::default());
    }

    #[test]
    fn a_missing_file_marks_its_pad_with_path_and_reason_and_the_kit_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("present.wav");
        write_wav(&present, 100);
        let missing = dir.path().join("gone.wav");

        let shared = Shared::new();
        let engine = Arc::new(Engine::new(EngineOptions::default()).unwrap());
        let _ = shared.engine.set(engine.clone());
        let mut kit = Kit::default();
        kit.pad_mut(0).file = Some(present.clone());
        kit.pad_mut(1).file = Some(missing.clone());
        kit.pad_mut(1).mapping = Mapping::pitched(40, 50, 45);
        shared.set_kit(kit.clone());
        wait_until("the kit to load", || shared.kits_loaded() > 0);
        let pads = engine.pads();
        assert!(pads[0].sample.is_some() && pads[0].error.is_none());
        assert!(pads[1].sample.is_none());
        let error = pads[1].error.clone().unwrap();
        assert_eq!(error, format!("{}: file not found", missing.display()));
        assert_eq!(pads[1].mapping, Mapping::pitched(40, 50, 45), "settings kept");
        assert_eq!(shared.kit(), kit, "the kit still holds the missing pad as it was");
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
        let shared = Shared::new();
        shared.load_pad(3, wav.clone());
        wait_until("the load to be recorded", || !shared.is_loading(3));
        assert_eq!(shared.kit().pads[3].file.as_deref(), Some(wav.as_path()));
        assert!(shared.kit_pending.load(Ordering::Acquire), "loads with the kit at activation");
        // Activation (as `activate` does): the kit loads into the new engine.
        let engine = Arc::new(Engine::new(EngineOptions::default()).unwrap());
        let _ = shared.engine.set(engine.clone());
        shared.kit_pending.store(false, Ordering::Release);
        shared.send(Job::LoadKit);
        wait_until("the kit to load", || shared.kits_loaded() == 1);
        assert_eq!(engine.pads()[3].sample.as_ref().map(|s| s.info.frames), Some(500));
        drop(shared.jobs.lock().take());
    }

    #[test]
    fn a_new_sample_in_a_trimmed_pad_plays_whole_and_a_failed_one_keeps_the_trim() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
        write_wav(&a, 1_000);
        write_wav(&b, 2_000);
        let shared = Shared::new();
        let engine = Arc::new(Engine::new(EngineOptions::default()).unwrap());
        let _ = shared.engine.set(engine.clone());
        shared.load_pad(0, a.clone());
        wait_until("a to load", || !shared.is_loading(0));
        shared.edit_pad(0, |p| {
            p.params.start = 100;
            p.params.end = 900;
        });
        assert_eq!(engine.pads()[0].params.window(1_000), (100, 800));

        // A file that is not there: nothing changes, the trim stays.
        shared.load_pad(0, dir.path().join("missing.wav"));
        wait_until("the failed load", || !shared.is_loading(0));
        assert_eq!((shared.kit().pads[0].params.start, shared.kit().pads[0].params.end), (100, 900));
        assert_eq!(engine.pads()[0].params.window(1_000), (100, 800));
        assert!(shared.messages().last().unwrap().1.contains("missing.wav: file not found"));

        shared.load_pad(0, b.clone());
        wait_until("b to load", || !shared.is_loading(0));
        let kit_params = shared.kit().pads[0].params;
        assert_eq!((kit_params.start, kit_params.end), (0, 0), "saved untrimmed");
        let pad = &engine.pads()[0];
        assert_eq!(pad.params.window(pad.sample.as_ref().unwrap().info.frames), (0, 2_000), "plays whole");
        drop(shared.jobs.lock().take());
    }

    #[test]
    fn an_audition_note_on_needs_room_for_its_note_off() {
        let shared = Shared::new();
        for _ in 0..AUDITION_CAPACITY - 1 {
            assert!(shared.audition(Audition::Off { note: 1 }));
        }
        assert!(!shared.audition(Audition::On { note: 36, velocity: 100 }), "one slot left: no note-on");
        assert!(shared.audition(Audition::Off { note: 36 }), "a note-off still fits");
        assert!(!shared.audition(Audition::Off { note: 36 }), "full");
    }
}
