//! The kit store: the one owner of every pad's settings.
//!
//! Everything that changes a pad goes through here — an edit in the editor,
//! a file dropped on a pad, a project restored, a kit built by the CLI. The
//! store validates the change against [`crate::settings`], keeps the new
//! model, and publishes the pad to the engine together with the sample it
//! belongs to, in one step ([`Engine::publish`]): the audio thread never
//! sees new settings on an old sample or the reverse. A file is decoded
//! before anything is published, so a slow load keeps the pad playing as it
//! was until the new sample and its settings arrive together.
//!
//! Locks: the kit lock is held for bookkeeping only, never across file I/O
//! or decoding; publishing takes the engine lock inside it (always in that
//! order).
//!
//! Thread: non-real-time. Loads do file I/O and belong on a loader thread;
//! edits are quick and may come from the UI thread.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;

use crate::decode::{Encoding, LoadError, SampleInfo, SampleSink, WavSource};
use crate::engine::{Engine, LoadedSample, PadSnapshot, SampleChange, SampleSource};
use crate::kit::model::{PadModel, SampleParams, SampleRecord};
use crate::kit::state::{EmbeddedAudio, Kit, SampleAudio};
use crate::settings::MAX_PADS;

/// A pad as a viewer sees it: the model (without embedded audio), the live
/// sample the engine plays, the last load error, and whether a load is
/// under way.
#[derive(Clone, Debug, PartialEq)]
pub struct PadView {
    pub model: PadModel,
    pub sample: Option<LoadedSample>,
    /// The last load that failed on this pad, as one line (the previous
    /// sample, if any, stays).
    pub error: Option<String>,
    pub loading: bool,
}

/// Why a pad is waiting for a load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    /// A file is being loaded into it; edits apply to what plays now.
    File,
    /// A restored kit has not reached it yet: its model is the new kit's,
    /// the engine still plays the previous kit's pad, so edits wait for the
    /// load to publish them with the new sample.
    Kit,
}

/// The owner of the kit. See the module docs.
pub struct KitStore {
    kit: Mutex<Kit>,
    engine: OnceLock<Arc<Engine>>,
    errors: Mutex<BTreeMap<usize, String>>,
    pending: Mutex<BTreeMap<usize, Pending>>,
    /// Bumped by every change to the kit (a viewer re-reads when it moves).
    generation: AtomicU64,
    /// Kits loaded completely (for hosts and tests that wait for loading).
    kits_loaded: AtomicU64,
}

impl Default for KitStore {
    fn default() -> Self {
        KitStore {
            kit: Mutex::new(Kit::default()),
            engine: OnceLock::new(),
            errors: Mutex::new(BTreeMap::new()),
            pending: Mutex::new(BTreeMap::new()),
            generation: AtomicU64::new(0),
            kits_loaded: AtomicU64::new(0),
        }
    }
}

impl KitStore {
    /// An empty kit with no engine yet (a plugin before activation).
    ///
    /// Thread: any non-real-time. Allocates.
    pub fn new() -> Self {
        KitStore::default()
    }

    /// An empty kit publishing to `engine`.
    ///
    /// Thread: any non-real-time. Allocates.
    pub fn with_engine(engine: Arc<Engine>) -> Self {
        let store = KitStore::default();
        store.attach(engine);
        store
    }

    /// Gives the store its engine (once; later calls are ignored). Nothing
    /// is published: [`load_kit`](Self::load_kit) does that.
    ///
    /// Thread: any non-real-time. No allocation.
    pub fn attach(&self, engine: Arc<Engine>) {
        let _ = self.engine.set(engine);
    }

    /// The engine, once attached.
    ///
    /// Thread: any. No allocation.
    pub fn engine(&self) -> Option<&Arc<Engine>> {
        self.engine.get()
    }

    /// A number that moves whenever the kit changes.
    ///
    /// Thread: any. No allocation, no lock.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// How many kit loads have completed.
    ///
    /// Thread: any. No allocation.
    pub fn kits_loaded(&self) -> u64 {
        self.kits_loaded.load(Ordering::Acquire)
    }

    /// A copy of the kit, embedded audio included.
    ///
    /// Thread: non-real-time. Allocates.
    pub fn kit(&self) -> Kit {
        self.kit.lock().clone()
    }

    /// The pads as a viewer sees them.
    ///
    /// Thread: non-real-time. Allocates. Short locks.
    pub fn pads(&self) -> Vec<PadView> {
        let models: Vec<PadModel> = self.kit.lock().pads.iter().map(PadModel::without_audio).collect();
        let live = self.engine().map(|e| e.pads()).unwrap_or_default();
        let errors = self.errors.lock().clone();
        let pending = self.pending.lock().clone();
        let count = models.len().max(live.len());
        (0..count)
            .map(|i| PadView {
                model: models.get(i).cloned().unwrap_or_else(|| PadModel::empty(i)),
                sample: live.get(i).and_then(|p| p.sample.clone()),
                error: errors.get(&i).cloned(),
                loading: pending.contains_key(&i),
            })
            .collect()
    }

    /// Whether `pad` has a load queued or running.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn is_loading(&self, pad: usize) -> bool {
        self.pending.lock().contains_key(&pad)
    }

    /// Whether any pad has a load queued or running.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn any_loading(&self) -> bool {
        !self.pending.lock().is_empty()
    }

    /// Marks `pad` as about to load a file (the editor shows it loading
    /// until the load ends).
    ///
    /// Thread: non-real-time. May allocate. Short lock.
    pub fn mark_loading(&self, pad: usize) {
        self.pending.lock().entry(pad).or_insert(Pending::File);
        self.changed();
    }

    fn done_loading(&self, pad: usize) {
        self.pending.lock().remove(&pad);
        self.changed();
    }

    /// Ends a [`mark_loading`](Self::mark_loading).
    fn finish_file_load(&self, pad: usize) {
        let mut pending = self.pending.lock();
        if pending.get(&pad) == Some(&Pending::File) {
            pending.remove(&pad);
        }
        drop(pending);
        self.changed();
    }

    /// Whether samples are saved inside the project.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn embed_audio(&self) -> bool {
        self.kit.lock().embed_audio
    }

    /// Turns embedding on or off. Off drops the embedded copies at once;
    /// on reads the files when the project is next saved.
    ///
    /// Thread: non-real-time. Short lock.
    pub fn set_embed_audio(&self, on: bool) {
        let mut kit = self.kit.lock();
        kit.embed_audio = on;
        if !on {
            for record in kit.pads.iter_mut().flat_map(|p| p.samples.iter_mut()) {
                record.embedded = None;
            }
        }
        drop(kit);
        self.changed();
    }

    /// Changes `pad`'s model with `edit` (mapping, settings, the sample's
    /// window, root key, gain or tune) and publishes it. An edit that
    /// breaks a range, adds samples, or names a pad that cannot exist
    /// changes nothing and returns why.
    ///
    /// Thread: non-real-time (the editor). Short locks; may allocate.
    pub fn edit(&self, pad: usize, edit: impl FnOnce(&mut PadModel)) -> Result<(), String> {
        if pad >= MAX_PADS {
            return Err(format!("pad {} does not exist (at most {MAX_PADS})", pad + 1));
        }
        let mut kit = self.kit.lock();
        let mut model = kit.pads.get(pad).cloned().unwrap_or_else(|| PadModel::empty(pad));
        let files: Vec<PathBuf> = model.samples.iter().map(|s| s.file.clone()).collect();
        edit(&mut model);
        model.validate()?;
        if model.samples.iter().map(|s| &s.file).ne(files.iter()) {
            return Err("an edit cannot change the samples' files; load them instead".into());
        }
        let waiting = self.pending.lock().get(&pad) == Some(&Pending::Kit);
        if let (Some(engine), false) = (self.engine(), waiting) {
            engine.publish(pad, snapshot(&model), SampleChange::Keep)?;
        }
        *kit.pad_mut(pad) = model;
        drop(kit);
        self.changed();
        Ok(())
    }

    /// Empties `pad`: its sample goes (voices fade out), its settings stay,
    /// its error is cleared.
    ///
    /// Thread: non-real-time (the editor). Short locks.
    pub fn clear(&self, pad: usize) {
        if pad >= MAX_PADS {
            return;
        }
        let mut kit = self.kit.lock();
        if pad < kit.pads.len() || self.engine().is_some_and(|e| e.sample(pad).is_some()) {
            let model = kit.pad_mut(pad);
            model.samples.clear();
            let snap = snapshot(model);
            if let Some(engine) = self.engine() {
                let _ = engine.publish(pad, snap, SampleChange::Clear);
            }
        }
        drop(kit);
        self.errors.lock().remove(&pad);
        self.changed();
    }

    /// Loads a WAV file into `pad` as its sample (creating the pad with the
    /// default mapping if needed). The new sample plays whole with the root
    /// key the pad had; its settings and sample are published together. On
    /// error nothing changes but the pad's error; the previous sample keeps
    /// playing. Without an engine (see [`record_file`](Self::record_file))
    /// it fails.
    ///
    /// Thread: a loader thread (file I/O, decoding). Allocates.
    pub fn load_file(&self, pad: usize, path: &Path) -> Result<SampleInfo, LoadError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let result = self.load_file_inner(pad, &path);
        self.note_result(pad, &result);
        result
    }

    fn load_file_inner(&self, pad: usize, path: &Path) -> Result<SampleInfo, LoadError> {
        check_pad(pad, path)?;
        let engine = self.engine().cloned().ok_or_else(|| LoadError::new(path, "no engine to load into"))?;
        let source = SampleSource::File(path.to_path_buf());
        if self.embed_audio() {
            // One read: the bytes are decoded and kept for the project.
            let bytes = std::fs::read(path).map_err(|e| LoadError::new(path, crate::decode::io_reason(&e, path)))?;
            let embedded = EmbeddedAudio::new(&file_name(path), &bytes);
            let wav = WavSource::from_bytes(path, bytes)?;
            let info = wav.info();
            self.load_decoded(&engine, pad, path, Some(embedded), source, info, |sink| wav.decode_into(sink))
        } else {
            let wav = WavSource::open(path)?;
            let info = wav.info();
            self.load_decoded(&engine, pad, path, None, source, info, |sink| wav.decode_into(sink))
        }
    }

    /// Loads interleaved f32 audio made in memory into `pad` (the demo kit);
    /// `name` names it in the kit and in errors.
    ///
    /// Thread: non-real-time. Allocates.
    pub fn load_samples(&self, pad: usize, name: &str, data: &[f32], channels: u16, sample_rate: u32) -> Result<SampleInfo, LoadError> {
        let path = Path::new(name);
        let result = (|| {
            check_pad(pad, path)?;
            if channels == 0 || channels > 2 {
                return Err(LoadError::new(path, format!("has {channels} channels; only mono and stereo are supported")));
            }
            let frames = (data.len() / channels as usize) as u32;
            if frames == 0 || !data.len().is_multiple_of(channels as usize) {
                return Err(LoadError::new(path, "contains no audio frames (or a partial frame)"));
            }
            if sample_rate == 0 {
                return Err(LoadError::new(path, "sample rate is 0 Hz"));
            }
            let engine = self.engine().cloned().ok_or_else(|| LoadError::new(path, "no engine to load into"))?;
            let info = SampleInfo { channels, frames, sample_rate, encoding: Encoding::Float };
            self.load_decoded(&engine, pad, path, None, SampleSource::Generated(name.to_string()), info, |sink| {
                for &v in data {
                    sink.push(v);
                }
                sink.flush();
                Ok(())
            })
        })();
        self.note_result(pad, &result);
        result
    }

    /// Reserves a region, decodes into it without any lock, then publishes
    /// the pad's current model with a fresh record for this sample, in one
    /// step. An error before publishing gives the region back.
    #[allow(clippy::too_many_arguments)]
    fn load_decoded(
        &self,
        engine: &Engine,
        pad: usize,
        file: &Path,
        embedded: Option<EmbeddedAudio>,
        source: SampleSource,
        info: SampleInfo,
        decode: impl FnOnce(&mut SampleSink<'_>) -> Result<(), LoadError>,
    ) -> Result<SampleInfo, LoadError> {
        let reservation = self.decode(engine, file, info, decode)?;
        let mut kit = self.kit.lock();
        let mut model = kit.pads.get(pad).cloned().unwrap_or_else(|| PadModel::empty(pad));
        model.samples = vec![SampleRecord { file: file.to_path_buf(), params: SampleParams::whole(model.default_root()), embedded }];
        engine.publish(pad, snapshot(&model), SampleChange::Replace(reservation, source)).map_err(|reason| LoadError::new(file, reason))?;
        *kit.pad_mut(pad) = model;
        Ok(info)
    }

    /// Records `path` as `pad`'s sample in the model only, playing whole
    /// (a plugin before activation: the file loads with the kit later).
    ///
    /// Thread: non-real-time. Short lock.
    pub fn record_file(&self, pad: usize, path: &Path) -> Result<(), LoadError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        check_pad(pad, &path)?;
        let mut kit = self.kit.lock();
        let model = kit.pad_mut(pad);
        model.samples = vec![SampleRecord { file: path, params: SampleParams::whole(model.default_root()), embedded: None }];
        drop(kit);
        self.finish_file_load(pad);
        Ok(())
    }

    fn note_result<T>(&self, pad: usize, result: &Result<T, LoadError>) {
        match result {
            Ok(_) => self.errors.lock().remove(&pad),
            Err(e) if pad < MAX_PADS => self.errors.lock().insert(pad, e.to_string()),
            Err(_) => None,
        };
        self.finish_file_load(pad);
    }

    /// Replaces the kit (a project restored). Nothing is published here:
    /// every pad keeps playing as it was until [`load_kit`](Self::load_kit)
    /// publishes it with its new sample.
    ///
    /// Thread: non-real-time (the host's thread). Short locks.
    pub fn set_kit(&self, kit: Kit) {
        {
            let mut pending = self.pending.lock();
            for i in 0..kit.pads.len().max(self.engine().map_or(0, |e| e.pads().len())) {
                pending.insert(i, Pending::Kit);
            }
        }
        *self.kit.lock() = kit;
        self.errors.lock().clear();
        self.changed();
    }

    /// Loads every pad of the kit and publishes each with its sample; pads
    /// beyond the kit are removed. A sample that cannot be loaded leaves its
    /// pad empty (not the previous kit's sample under this kit's settings),
    /// marked with the error, which `report` also receives. Stops between
    /// pads when `stop` is set.
    ///
    /// Thread: a loader thread (file I/O, decoding). Allocates.
    pub fn load_kit(&self, stop: &AtomicBool, mut report: impl FnMut(usize, &LoadError)) {
        let Some(engine) = self.engine().cloned() else { return };
        let mut i = 0;
        loop {
            if stop.load(Ordering::Acquire) {
                return;
            }
            // Each pad as the kit has it now.
            let Some(pad) = self.kit.lock().pads.get(i).cloned() else { break };
            let result = self.load_kit_pad(&engine, i, &pad);
            if let Err(e) = &result {
                report(i, e);
                let kit = self.kit.lock();
                if let Some(model) = kit.pads.get(i) {
                    let _ = engine.publish(i, snapshot(model), SampleChange::Clear);
                }
            }
            self.note_result(i, &result);
            self.done_loading(i);
            i += 1;
        }
        // Pads beyond the kit (from an earlier, longer kit) go.
        engine.truncate_pads(i);
        self.pending.lock().retain(|&p, kind| p < i || *kind != Pending::Kit);
        self.kits_loaded.fetch_add(1, Ordering::AcqRel);
        self.changed();
    }

    fn load_kit_pad(&self, engine: &Engine, i: usize, pad: &PadModel) -> Result<(), LoadError> {
        let Some(record) = pad.sample() else {
            let kit = self.kit.lock();
            let model = kit.pads.get(i).cloned().unwrap_or_else(|| PadModel::empty(i));
            return engine.publish(i, snapshot(&model), SampleChange::Clear).map_err(|r| LoadError::new(Path::new(""), r));
        };
        let (reservation, source) = match record.audio() {
            SampleAudio::File(path) => {
                let wav = WavSource::open(path)?;
                (self.decode(engine, path, wav.info(), |sink| wav.decode_into(sink))?, SampleSource::File(path.to_path_buf()))
            }
            SampleAudio::Embedded(audio) => {
                let bytes = audio.bytes().map_err(|reason| LoadError::new(&record.file, reason))?;
                let wav = WavSource::from_bytes(&record.file, bytes)?;
                (self.decode(engine, &record.file, wav.info(), |sink| wav.decode_into(sink))?, SampleSource::Embedded(record.file.clone()))
            }
            // Keeps the pad and its settings; marked "file not found".
            SampleAudio::Missing(path) => return Err(WavSource::open(path).err().unwrap_or_else(|| LoadError::new(path, "file not found"))),
        };
        // Published with the model as it is now (edited meanwhile or not),
        // if the pad still names this sample.
        let kit = self.kit.lock();
        match kit.pads.get(i) {
            Some(model) if model.sample().map(|s| &s.file) == Some(&record.file) => {
                engine.publish(i, snapshot(model), SampleChange::Replace(reservation, source)).map_err(|r| LoadError::new(&record.file, r))
            }
            _ => Ok(()),
        }
    }

    fn decode<'e>(
        &self,
        engine: &'e Engine,
        file: &Path,
        info: SampleInfo,
        decode: impl FnOnce(&mut SampleSink<'_>) -> Result<(), LoadError>,
    ) -> Result<crate::engine::Reservation<'e>, LoadError> {
        let mut reservation = engine.reserve(info).map_err(|reason| LoadError::new(file, reason))?;
        {
            let len = reservation.len();
            let mut write = |index: usize, chunk: &[f32]| reservation.write(index, chunk);
            decode(&mut SampleSink::new(len, &mut write))?;
        }
        Ok(reservation)
    }

    /// The kit as the project saves it. With embedding on, samples not yet
    /// embedded are read from their files first, without holding the kit
    /// lock, and kept for later saves.
    ///
    /// Thread: non-real-time (file I/O when embedding). Allocates.
    pub fn to_json(&self) -> serde_json::Value {
        let mut kit = self.kit();
        if kit.embed_audio {
            let mut read: Vec<(usize, PathBuf, EmbeddedAudio)> = Vec::new();
            for (i, pad) in kit.pads.iter_mut().enumerate() {
                for record in pad.samples.iter_mut().filter(|r| r.embedded.is_none()) {
                    match std::fs::read(&record.file) {
                        Ok(bytes) => {
                            let e = EmbeddedAudio::new(&file_name(&record.file), &bytes);
                            read.push((i, record.file.clone(), e.clone()));
                            record.embedded = Some(e);
                        }
                        Err(e) => eprintln!("wasm-sampler: {}: cannot embed ({})", record.file.display(), crate::decode::io_reason(&e, &record.file)),
                    }
                }
            }
            let mut live = self.kit.lock();
            for (i, file, e) in read {
                if let Some(r) = live.pads.get_mut(i).and_then(|p| p.samples.first_mut()).filter(|r| r.file == file && r.embedded.is_none()) {
                    r.embedded = Some(e);
                }
            }
        }
        kit.to_json()
    }
}

/// What the engine is given of a model.
fn snapshot(model: &PadModel) -> PadSnapshot {
    PadSnapshot { mapping: model.mapping, settings: model.settings, sample_params: model.sample_params() }
}

fn check_pad(pad: usize, path: &Path) -> Result<(), LoadError> {
    if pad >= MAX_PADS {
        return Err(LoadError::new(path, format!("not loaded, there are only {MAX_PADS} pads")));
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default()
}
