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

use crate::decode::{AudioFile, LoadError, SampleInfo, SampleSink, StoredFormat};
use crate::engine::{Engine, LoadedSample, PadSnapshot, SampleChange, SampleSource};
use crate::kit::model::{Interpolation, LoopPoints, PadModel, PadSettings, SampleParams, SampleRecord};
use crate::kit::state::{EmbeddedAudio, Kit, SampleAudio};
use crate::settings::MAX_PADS;

/// A load in pieces: see [`KitStore::begin_piece_load`].
pub struct PieceLoad<'e> {
    pad: usize,
    name: PathBuf,
    info: SampleInfo,
    reservation: crate::engine::Reservation<'e>,
}

impl PieceLoad<'_> {
    /// What the region is sized for.
    ///
    /// Thread: non-real-time. No allocation.
    pub fn info(&self) -> SampleInfo {
        self.info
    }

    /// Writes stored samples at byte `offset` of the region; refused (not
    /// written) if they do not fit.
    ///
    /// Thread: non-real-time. No allocation.
    pub fn write(&mut self, offset: usize, bytes: &[u8]) -> Result<(), String> {
        if offset.checked_add(bytes.len()).is_none_or(|end| end > self.reservation.len()) {
            return Err(format!("{} bytes at {offset} do not fit the {}-byte region", bytes.len(), self.reservation.len()));
        }
        self.reservation.write(offset, bytes);
        Ok(())
    }
}

/// A pad as a viewer sees it: the model (without embedded audio), the live
/// sample the engine plays, the last load error, and whether a load is
/// under way.
#[derive(Clone, Debug, PartialEq)]
pub struct PadView {
    pub model: PadModel,
    /// The first loaded sample (a one-sample pad's sample).
    pub sample: Option<LoadedSample>,
    /// Each sample record's live audio, in the model's order (`None`: not
    /// loaded).
    pub layers: Vec<Option<LoadedSample>>,
    /// The last load that failed on this pad, as one line (the previous
    /// sample, if any, stays).
    pub error: Option<String>,
    pub loading: bool,
}

impl PadView {
    /// A pad that does not exist yet, as a viewer shows it.
    ///
    /// Thread: any. No allocation.
    pub fn empty(pad: usize) -> Self {
        PadView { model: PadModel::empty(pad), sample: None, layers: Vec::new(), error: None, loading: false }
    }
}

/// What a pad is waiting for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Pending {
    /// File loads queued or running; edits apply to what plays now.
    files: u32,
    /// A restored kit has not published it yet: its model is the new kit's,
    /// the engine still plays the previous kit's pad, so edits wait for the
    /// load to publish them with the new sample.
    kit: bool,
}

/// The owner of the kit. See the module docs.
pub struct KitStore {
    kit: Mutex<Kit>,
    engine: OnceLock<Arc<Engine>>,
    /// Called after every change (see [`KitStore::watch`]).
    watch: OnceLock<Box<dyn Fn() + Send + Sync>>,
    errors: Mutex<BTreeMap<usize, String>>,
    /// Pads waiting for a load. Kit marks are set and cleared only while the
    /// kit lock is held (so an edit sees them consistently with the model).
    pending: Mutex<BTreeMap<usize, Pending>>,
    /// Bumped by every change to the kit (a viewer re-reads when it moves).
    generation: AtomicU64,
    /// Kits loaded completely (for hosts and tests that wait for loading).
    kits_loaded: AtomicU64,
    /// The user cancelled the kit load running now (cleared by `set_kit`).
    cancel_kit: AtomicBool,
}

impl Default for KitStore {
    fn default() -> Self {
        KitStore {
            kit: Mutex::new(Kit::default()),
            engine: OnceLock::new(),
            watch: OnceLock::new(),
            errors: Mutex::new(BTreeMap::new()),
            pending: Mutex::new(BTreeMap::new()),
            generation: AtomicU64::new(0),
            kits_loaded: AtomicU64::new(0),
            cancel_kit: AtomicBool::new(false),
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

    /// Gives the store its engine (once; later calls are ignored), with the
    /// kit's sample memory budget. Nothing is published:
    /// [`load_kit`](Self::load_kit) does that.
    ///
    /// Thread: any non-real-time. No allocation.
    pub fn attach(&self, engine: Arc<Engine>) {
        let budget = self.memory_budget_mib() as u64 * crate::engine::MIB;
        if self.engine.set(engine).is_ok() {
            self.engine().inspect(|e| e.set_memory_budget(budget));
        }
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
        if let Some(watch) = self.watch.get() {
            watch();
        }
    }

    /// Calls `watch` after every change to the kit from now on (once; later
    /// calls are ignored), on the thread that made the change, with no lock
    /// of the store held. It must be quick and must not block (the CLAP
    /// entry asks the host for a main-thread callback there, to tell it the
    /// note names changed).
    ///
    /// Thread: any non-real-time. No allocation.
    pub fn watch(&self, watch: Box<dyn Fn() + Send + Sync>) {
        let _ = self.watch.set(watch);
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
        // An error on an empty pad past the kit's last shows too.
        let count = models.len().max(live.len()).max(errors.keys().max().map_or(0, |&k| k + 1));
        (0..count)
            .map(|i| PadView {
                model: models.get(i).cloned().unwrap_or_else(|| PadModel::empty(i)),
                sample: live.get(i).and_then(|p| p.sample().cloned()),
                layers: live.get(i).map(|p| p.samples.iter().map(|s| s.loaded.clone()).collect()).unwrap_or_default(),
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
        self.pending.lock().entry(pad).or_default().files += 1;
        self.changed();
    }

    /// Changes `pad`'s pending marks, dropping the entry once it waits for
    /// nothing.
    fn update_pending(&self, pad: usize, change: impl FnOnce(&mut Pending)) {
        let mut pending = self.pending.lock();
        let entry = pending.entry(pad).or_default();
        change(entry);
        if *entry == Pending::default() {
            pending.remove(&pad);
        }
        drop(pending);
        self.changed();
    }

    /// Ends a [`mark_loading`](Self::mark_loading).
    fn finish_file_load(&self, pad: usize) {
        self.update_pending(pad, |p| p.files = p.files.saturating_sub(1));
    }

    /// Whether a restored kit has yet to publish `pad`.
    fn waits_for_kit(&self, pad: usize) -> bool {
        self.pending.lock().get(&pad).is_some_and(|p| p.kit)
    }

    /// Whether samples are saved inside the project.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn embed_audio(&self) -> bool {
        self.kit.lock().embed_audio
    }

    /// Turns embedding on or off. Copies already embedded are kept in
    /// memory either way (turning it off and on again on a machine without
    /// the files loses nothing); a project saved with embedding off carries
    /// none. Turned on, files not yet embedded are read at the next save.
    ///
    /// Thread: non-real-time. Short lock.
    pub fn set_embed_audio(&self, on: bool) {
        self.kit.lock().embed_audio = on;
        self.changed();
    }

    /// The kit's render quality: the interpolation of every pad set to
    /// [`Interpolation::Default`].
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn render_quality(&self) -> Interpolation {
        self.kit.lock().render_quality
    }

    /// Sets the kit's render quality (`Default` means cubic) and republishes
    /// every pad that follows it: their next notes play with it, sounding
    /// ones carry on as they started.
    ///
    /// Thread: non-real-time (the editor, the CLI). Short locks; may
    /// allocate.
    pub fn set_render_quality(&self, quality: Interpolation) {
        let quality = quality.or(Interpolation::Cubic);
        let mut kit = self.kit.lock();
        kit.render_quality = quality;
        if let Some(engine) = self.engine() {
            for (pad, model) in kit.pads.iter().enumerate() {
                if model.settings.interpolation == Interpolation::Default && !self.waits_for_kit(pad) {
                    // Settings only: publishing cannot fail for them.
                    let _ = engine.publish(pad, snapshot(model, quality), SampleChange::Keep);
                }
            }
        }
        drop(kit);
        self.changed();
    }

    /// What a host's piano roll calls each note the kit's drum pads play:
    /// the names of the pads on it (their first sample's file, without the
    /// extension), joined by " / " where several share a note; by note.
    ///
    /// Thread: non-real-time (the host's main thread). Allocates. Short lock.
    pub fn note_names(&self) -> Vec<(u8, String)> {
        let kit = self.kit.lock();
        let mut names: BTreeMap<u8, Vec<String>> = BTreeMap::new();
        for pad in &kit.pads {
            let (crate::kit::Trigger::Note(note), Some(sample)) = (pad.mapping.trigger, pad.sample()) else { continue };
            let name = sample.file.file_stem().map_or_else(String::new, |s| s.to_string_lossy().to_string());
            let list = names.entry(note).or_default();
            if !name.is_empty() && !list.contains(&name) {
                list.push(name);
            }
        }
        names.into_iter().filter(|(_, n)| !n.is_empty()).map(|(note, n)| (note, n.join(" / "))).collect()
    }

    /// The kit's polyphony: voices sounding at once in the whole
    /// instrument.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn polyphony(&self) -> u32 {
        self.kit.lock().polyphony
    }

    /// Sets the polyphony ([`crate::settings::POLYPHONY`]) and gives it to
    /// the engine: every voice stops at once (a setting, not a gesture).
    /// Out of range changes nothing and says why.
    ///
    /// Thread: non-real-time (the editor, the CLI). Short locks.
    pub fn set_polyphony(&self, voices: u32) -> Result<(), String> {
        if !crate::settings::POLYPHONY.contains(voices as f32) {
            return Err(format!("polyphony {voices} is outside 1..={}", crate::settings::POLYPHONY.max));
        }
        let mut kit = self.kit.lock();
        if let Some(engine) = self.engine() {
            engine.set_polyphony(voices)?;
        }
        kit.polyphony = voices;
        drop(kit);
        self.changed();
        Ok(())
    }

    /// The kit's sample memory budget in MiB.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn memory_budget_mib(&self) -> u32 {
        self.kit.lock().memory_budget_mib
    }

    /// Sets the sample memory budget ([`crate::settings::MEMORY_BUDGET_MIB`])
    /// and gives it to the engine: loads that do not fit are refused from
    /// now on; below what is loaded, nothing is unloaded. Out of range
    /// changes nothing and says why.
    ///
    /// Thread: non-real-time (the editor, the CLI). Short locks.
    pub fn set_memory_budget_mib(&self, mib: u32) -> Result<(), String> {
        let range = crate::settings::MEMORY_BUDGET_MIB;
        if !range.contains(mib as f32) {
            return Err(format!("sample memory {mib} MiB is outside {}..={} MiB", range.min, range.max));
        }
        let mut kit = self.kit.lock();
        if let Some(engine) = self.engine() {
            engine.set_memory_budget(mib as u64 * crate::engine::MIB);
        }
        kit.memory_budget_mib = mib;
        drop(kit);
        self.changed();
        Ok(())
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
        if let (Some(engine), false) = (self.engine(), self.waits_for_kit(pad)) {
            engine.publish(pad, snapshot(&model, kit.render_quality), SampleChange::Keep)?;
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
            let quality = kit.render_quality;
            let model = kit.pad_mut(pad);
            model.samples.clear();
            let snap = snapshot(model, quality);
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
        self.load_file_as(pad, path, Target::Replace)
    }

    /// Loads a file into `pad` as one more sample (a velocity layer or a
    /// round-robin hit: it answers every velocity until its range is
    /// set, so it takes turns with the pad's other full-range samples).
    /// The samples already there keep playing. Errors as for
    /// [`load_file`](Self::load_file); a pad that holds
    /// [`MAX_SAMPLES_PER_PAD`](crate::settings::MAX_SAMPLES_PER_PAD)
    /// samples takes no more.
    ///
    /// Thread: a loader thread (file I/O, decoding). Allocates.
    pub fn add_file(&self, pad: usize, path: &Path) -> Result<SampleInfo, LoadError> {
        self.load_file_as(pad, path, Target::Add)
    }

    fn load_file_as(&self, pad: usize, path: &Path, target: Target) -> Result<SampleInfo, LoadError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let result = self.load_file_inner(pad, &path, target);
        self.note_result(pad, &result);
        self.finish_file_load(pad);
        result
    }

    /// Removes sample `index` of `pad` (its voices fade out); the others
    /// stay and keep their settings.
    ///
    /// Thread: non-real-time (the editor). Short locks.
    pub fn remove_sample(&self, pad: usize, index: usize) -> Result<(), String> {
        let mut kit = self.kit.lock();
        let Some(model) = kit.pads.get(pad).filter(|m| index < m.samples.len()).cloned() else {
            return Err(format!("pad {} has no sample {}", pad + 1, index + 1));
        };
        let mut model = model;
        model.samples.remove(index);
        if let (Some(engine), false) = (self.engine(), self.waits_for_kit(pad)) {
            engine.publish(pad, snapshot(&model, kit.render_quality), SampleChange::Remove(index))?;
        }
        *kit.pad_mut(pad) = model;
        drop(kit);
        self.changed();
        Ok(())
    }

    fn load_file_inner(&self, pad: usize, path: &Path, target: Target) -> Result<SampleInfo, LoadError> {
        check_pad(pad, path)?;
        let engine = self.engine().cloned().ok_or_else(|| LoadError::new(path, "no engine to load into"))?;
        let source = SampleSource::File(path.to_path_buf());
        if self.embed_audio() {
            // One read: the bytes are decoded and kept for the project.
            crate::decode::regular_file(path).map_err(|reason| LoadError::new(path, reason))?;
            let bytes = std::fs::read(path).map_err(|e| LoadError::new(path, crate::decode::io_reason(&e, path)))?;
            let embedded = EmbeddedAudio::new(&file_name(path), &bytes);
            let file = AudioFile::from_bytes(path, bytes)?;
            let info = file.info();
            self.load_decoded(&engine, (pad, target), path, Some(embedded), source, info, |sink| file.decode_into(sink))
        } else {
            let file = AudioFile::open(path)?;
            let info = file.info();
            self.load_decoded(&engine, (pad, target), path, None, source, info, |sink| file.decode_into(sink))
        }
    }

    /// Begins a load whose stored samples arrive in pieces (a web page moves
    /// a file decoded in its main thread into its audio thread between two
    /// render quanta, a piece at a time): reserves a region for `info` and
    /// a guest slot. The pieces go in with [`PieceLoad::write`];
    /// [`finish_piece_load`](Self::finish_piece_load) publishes them as
    /// `pad`'s sample, as [`load_file`](Self::load_file) would have.
    /// Dropped unfinished, the load gives its region back.
    ///
    /// Thread: non-real-time. Short lock.
    pub fn begin_piece_load<'e>(&self, engine: &'e Engine, pad: usize, name: &str, info: SampleInfo) -> Result<PieceLoad<'e>, LoadError> {
        let path = Path::new(name);
        let begun = check_pad(pad, path).and_then(|()| engine.reserve(info).map_err(|reason| LoadError::new(path, reason)));
        self.note_result(pad, &begun);
        Ok(PieceLoad { pad, name: path.to_path_buf(), info, reservation: begun? })
    }

    /// Publishes a piece load, every byte written, as its pad's sample.
    ///
    /// Thread: non-real-time. Short locks.
    pub fn finish_piece_load(&self, load: PieceLoad<'_>) -> Result<SampleInfo, LoadError> {
        let PieceLoad { pad, name, info, reservation } = load;
        let result = match self.engine().cloned() {
            Some(engine) => self.publish_reserved(&engine, (pad, Target::Replace), &name, None, SampleSource::File(name.clone()), info, reservation),
            None => Err(LoadError::new(&name, "no engine to load into")),
        };
        self.note_result(pad, &result);
        result
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
            let info = SampleInfo { channels, frames, sample_rate, format: StoredFormat::F32, kind: None, meta: Default::default() };
            self.load_decoded(&engine, (pad, Target::Replace), path, None, SampleSource::Generated(name.to_string()), info, |sink| {
                sink.push_floats(data);
                sink.flush();
                Ok(())
            })
        })();
        self.note_result(pad, &result);
        result
    }

    /// Reserves a region, decodes into it without any lock, then publishes
    /// the pad's current model with a fresh record for this sample (its
    /// only one, or one more), in one step. An error before publishing
    /// gives the region back.
    #[allow(clippy::too_many_arguments)]
    fn load_decoded(
        &self,
        engine: &Engine,
        (pad, target): (usize, Target),
        file: &Path,
        embedded: Option<EmbeddedAudio>,
        source: SampleSource,
        info: SampleInfo,
        decode: impl FnOnce(&mut SampleSink<'_>) -> Result<(), LoadError>,
    ) -> Result<SampleInfo, LoadError> {
        if target == Target::Add && self.kit.lock().pads.get(pad).is_some_and(|m| m.samples.len() >= crate::settings::MAX_SAMPLES_PER_PAD) {
            return Err(LoadError::new(file, format!("not loaded: the pad holds {} samples already, the most it can", crate::settings::MAX_SAMPLES_PER_PAD)));
        }
        let reservation = self.decode(engine, file, info, decode)?;
        self.publish_reserved(engine, (pad, target), file, embedded, source, info, reservation)
    }

    /// Publishes a written reservation as the pad's sample (see
    /// [`load_decoded`](Self::load_decoded)).
    #[allow(clippy::too_many_arguments)]
    fn publish_reserved(
        &self,
        engine: &Engine,
        (pad, target): (usize, Target),
        file: &Path,
        embedded: Option<EmbeddedAudio>,
        source: SampleSource,
        info: SampleInfo,
        reservation: crate::engine::Reservation<'_>,
    ) -> Result<SampleInfo, LoadError> {
        let mut kit = self.kit.lock();
        let mut model = kit.pads.get(pad).cloned().unwrap_or_else(|| PadModel::empty(pad));
        // The file's own root note and loop, where it marks them.
        let mut params = SampleParams::whole(info.meta.root_key.unwrap_or(model.default_root()));
        params.file_loop = info.meta.loop_frames.map(|(start, end)| LoopPoints { start, end });
        // The loop stays off, at the file's points where it marks some.
        if let Some(l) = params.file_loop {
            (params.looping.start, params.looping.end) = (l.start, l.end);
        }
        let record = SampleRecord { file: file.to_path_buf(), params, embedded };
        let index = match target {
            Target::Replace => {
                model.samples = vec![record];
                0
            }
            Target::Add => {
                model.samples.push(record);
                model.samples.len() - 1
            }
        };
        // A pad still waiting for its kit plays the previous kit's samples:
        // they go, and only this one plays until the kit's load reaches it.
        let change = if self.waits_for_kit(pad) {
            SampleChange::Set((0..index).map(|_| None).chain(std::iter::once(Some((reservation, source)))).collect())
        } else {
            SampleChange::Replace(index, reservation, source)
        };
        engine.publish(pad, snapshot(&model, kit.render_quality), change).map_err(|reason| LoadError::new(file, reason))?;
        *kit.pad_mut(pad) = model;
        Ok(info)
    }

    /// Records `path` as `pad`'s sample in the model only, playing whole
    /// (a plugin before activation: the file loads with the kit later).
    ///
    /// Thread: non-real-time. Short lock.
    pub fn record_file(&self, pad: usize, path: &Path) -> Result<(), LoadError> {
        self.record_file_as(pad, path, false)
    }

    /// [`record_file`](Self::record_file), adding the file to the pad's
    /// samples (see [`add_file`](Self::add_file)).
    ///
    /// Thread: non-real-time. Short lock.
    pub fn record_added_file(&self, pad: usize, path: &Path) -> Result<(), LoadError> {
        self.record_file_as(pad, path, true)
    }

    fn record_file_as(&self, pad: usize, path: &Path, add: bool) -> Result<(), LoadError> {
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        check_pad(pad, &path)?;
        let mut kit = self.kit.lock();
        let model = kit.pad_mut(pad);
        let record = SampleRecord { file: path.clone(), params: SampleParams::whole(model.default_root()), embedded: None };
        if !add {
            model.samples = vec![record];
        } else if model.samples.len() < crate::settings::MAX_SAMPLES_PER_PAD {
            model.samples.push(record);
        } else {
            drop(kit);
            self.finish_file_load(pad);
            return Err(LoadError::new(&path, format!("not loaded: the pad holds {} samples already, the most it can", crate::settings::MAX_SAMPLES_PER_PAD)));
        }
        drop(kit);
        self.finish_file_load(pad);
        Ok(())
    }

    /// Records the outcome of a load as the pad's error (or its absence).
    fn note_result<T>(&self, pad: usize, result: &Result<T, LoadError>) {
        match result {
            Ok(_) => self.errors.lock().remove(&pad),
            Err(e) if pad < MAX_PADS => self.errors.lock().insert(pad, e.to_string()),
            Err(_) => None,
        };
        self.changed();
    }

    /// Replaces the kit (a project restored). Nothing is published here:
    /// every pad keeps playing as it was until [`load_kit`](Self::load_kit)
    /// publishes it with its new sample.
    ///
    /// Thread: non-real-time (the host's thread). Short locks.
    pub fn set_kit(&self, kit: Kit) {
        let published = self.engine().map_or(0, |e| e.pad_count());
        let mut live = self.kit.lock();
        {
            let mut pending = self.pending.lock();
            for i in 0..kit.pads.len().max(published) {
                pending.entry(i).or_default().kit = true;
            }
        }
        *live = kit;
        drop(live);
        self.cancel_kit.store(false, Ordering::Release);
        self.errors.lock().clear();
        self.changed();
    }

    /// Stops the kit load running now after the pad it is on: the pads it
    /// has not reached are published without their samples, keeping their
    /// files and settings, each marked "not loaded: cancelled".
    ///
    /// Thread: any. No allocation.
    pub fn cancel_kit_load(&self) {
        self.cancel_kit.store(true, Ordering::Release);
    }

    /// How far a kit load has come: (pads done, pads in the kit), while one
    /// is running.
    ///
    /// Thread: non-real-time. No allocation. Short locks.
    pub fn kit_progress(&self) -> Option<(usize, usize)> {
        let waiting = self.pending.lock().values().filter(|p| p.kit).count();
        let total = self.kit.lock().pads.len();
        (waiting > 0).then(|| (total.saturating_sub(waiting), total))
    }

    /// Loads every pad of the kit and publishes each with its sample; pads
    /// beyond the kit are removed. A sample that cannot be loaded leaves its
    /// pad empty (not the previous kit's sample under this kit's settings),
    /// marked with the error, which `report` also receives. Stops between
    /// pads when `stop` is set. A pad whose sample changed while it decoded
    /// (another kit restored meanwhile) is left waiting for the next load.
    ///
    /// Thread: a loader thread (file I/O, decoding). Allocates.
    pub fn load_kit(&self, stop: &AtomicBool, mut report: impl FnMut(usize, &LoadError)) {
        let Some(engine) = self.engine().cloned() else { return };
        // The previous kit's samples stay until each pad is reached; when
        // they and the new kit's would not fit in the guest's slots
        // together, they go first (the pads are silent until reached).
        let incoming: usize = self.kit.lock().pads.iter().map(|p| p.samples.len()).sum();
        if engine.stats().samples_loaded + incoming > wasm_sampler_guest::abi::SLOT_CAPACITY as usize {
            engine.truncate_pads(0);
        }
        engine.set_memory_budget(self.memory_budget_mib() as u64 * crate::engine::MIB);
        let polyphony = self.polyphony();
        if engine.polyphony() != polyphony {
            if let Err(e) = engine.set_polyphony(polyphony) {
                eprintln!("wasm-sampler: {e}");
            }
        }
        let mut i = 0;
        loop {
            if stop.load(Ordering::Acquire) {
                return;
            }
            // Each pad as the kit has it now.
            let Some(pad) = self.kit.lock().pads.get(i).cloned() else { break };
            if self.cancel_kit.load(Ordering::Acquire) && self.waits_for_kit(i) {
                // Cancelled: the pad goes silent, keeping its file and settings.
                let file = pad.sample().map(|r| r.file.clone()).unwrap_or_default();
                self.publish_kit_pad(&engine, i, &[], Vec::new());
                if pad.sample().is_some() {
                    self.note_result::<()>(i, &Err(LoadError::new(&file, "not loaded: the kit's loading was cancelled")));
                }
                i += 1;
                continue;
            }
            let result = self.load_kit_pad(&engine, i, &pad);
            if let Err(e) = &result {
                report(i, e);
            }
            match result {
                Ok(false) => {}
                Ok(true) => self.note_result(i, &Ok::<(), LoadError>(())),
                Err(e) => self.note_result(i, &Err::<(), _>(e)),
            }
            i += 1;
        }
        // Pads beyond the kit (from an earlier, longer kit) go, unless a
        // newer kit has them.
        let kit = self.kit.lock();
        if kit.pads.len() <= i {
            engine.truncate_pads(i);
            self.pending.lock().retain(|&p, w| {
                if p >= i {
                    w.kit = false;
                }
                *w != Pending::default()
            });
        }
        drop(kit);
        self.kits_loaded.fetch_add(1, Ordering::AcqRel);
        self.changed();
    }

    /// Loads and publishes pad `i` of a restored kit, every sample of it
    /// at once. `Ok(false)`: the pad names other samples by now and was
    /// left as it is. A sample that cannot be loaded leaves its place
    /// silent (the others play) and is the error returned; the pad's kit
    /// mark is cleared in the same kit-lock section that publishes it.
    fn load_kit_pad(&self, engine: &Engine, i: usize, pad: &PadModel) -> Result<bool, LoadError> {
        let mut first_error = None;
        let decoded: Vec<_> = pad
            .samples
            .iter()
            .map(|record| match self.decode_record(engine, record) {
                Ok(d) => Some(d),
                Err(e) => {
                    first_error.get_or_insert(e);
                    None
                }
            })
            .collect();
        let files: Vec<&Path> = pad.samples.iter().map(|r| r.file.as_path()).collect();
        let published = self.publish_kit_pad(engine, i, &files, decoded);
        match first_error {
            Some(e) => Err(e),
            None => Ok(published),
        }
    }

    /// Publishes pad `i` as the kit has it now, with `decoded` (one entry
    /// per record, or none: no sample), if the pad still names `files`
    /// (or, with nothing decoded, in any case); clears its kit mark in the
    /// same section. Returns whether it published.
    fn publish_kit_pad(&self, engine: &Engine, i: usize, files: &[&Path], decoded: Vec<Option<crate::engine::Decoded<'_>>>) -> bool {
        let kit = self.kit.lock();
        let model = kit.pads.get(i).cloned().unwrap_or_else(|| PadModel::empty(i));
        let change = if decoded.iter().any(Option::is_some) {
            if model.samples.iter().map(|s| s.file.as_path()).ne(files.iter().copied()) {
                return false;
            }
            SampleChange::Set(decoded)
        } else {
            SampleChange::Clear
        };
        if let Err(reason) = engine.publish(i, snapshot(&model, kit.render_quality), change) {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            eprintln!("wasm-sampler: pad {}: {}: {reason}", i + 1, names.join(", "));
        }
        self.update_pending(i, |p| p.kit = false);
        drop(kit);
        true
    }

    /// Decodes a record's audio (its file, else its embedded copy) into a
    /// reserved region.
    fn decode_record<'e>(&self, engine: &'e Engine, record: &SampleRecord) -> Result<(crate::engine::Reservation<'e>, SampleSource), LoadError> {
        match record.audio() {
            SampleAudio::File(path) => {
                let file = AudioFile::open(path)?;
                Ok((self.decode(engine, path, file.info(), |sink| file.decode_into(sink))?, SampleSource::File(path.to_path_buf())))
            }
            SampleAudio::Embedded(audio) => {
                let bytes = audio.bytes().map_err(|reason| LoadError::new(&record.file, reason))?;
                let file = AudioFile::from_bytes(&record.file, bytes)?;
                Ok((self.decode(engine, &record.file, file.info(), |sink| file.decode_into(sink))?, SampleSource::Embedded(record.file.clone())))
            }
            // Keeps the pad and its settings; marked "file not found".
            SampleAudio::Missing(path) => Err(AudioFile::open(path).err().unwrap_or_else(|| LoadError::new(path, "file not found"))),
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
            let len = info.samples() as usize;
            let mut write = |offset: usize, bytes: &[u8]| reservation.write(offset, bytes);
            decode(&mut SampleSink::new(len, info.format, &mut write))?;
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
        if !kit.embed_audio {
            for record in kit.pads.iter_mut().flat_map(|p| p.samples.iter_mut()) {
                record.embedded = None;
            }
        } else {
            let mut read: Vec<(usize, PathBuf, EmbeddedAudio)> = Vec::new();
            for (i, pad) in kit.pads.iter_mut().enumerate() {
                for record in pad.samples.iter_mut().filter(|r| r.embedded.is_none()) {
                    match crate::decode::regular_file(&record.file)
                        .and_then(|_| std::fs::read(&record.file).map_err(|e| crate::decode::io_reason(&e, &record.file)))
                    {
                        Ok(bytes) => {
                            let e = EmbeddedAudio::new(&file_name(&record.file), &bytes);
                            read.push((i, record.file.clone(), e.clone()));
                            record.embedded = Some(e);
                        }
                        Err(reason) => eprintln!("wasm-sampler: {}: cannot embed ({reason})", record.file.display()),
                    }
                }
            }
            let mut live = self.kit.lock();
            let still_on = live.embed_audio;
            for (i, file, e) in read.into_iter().filter(|_| still_on) {
                for r in live.pads.get_mut(i).into_iter().flat_map(|p| p.samples.iter_mut()).filter(|r| r.file == file && r.embedded.is_none()) {
                    r.embedded = Some(e.clone());
                }
            }
        }
        kit.to_json()
    }
}

/// What the engine is given of a model, in a kit whose render quality is
/// `quality`: the pad's interpolation resolved.
fn snapshot(model: &PadModel, quality: Interpolation) -> PadSnapshot {
    let settings = PadSettings { interpolation: model.settings.interpolation.or(quality), ..model.settings };
    PadSnapshot { mapping: model.mapping, settings, samples: model.samples.iter().map(|s| s.params).collect() }
}

/// Where a loaded file goes in its pad.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// It becomes the pad's only sample.
    Replace,
    /// It is added to the pad's samples.
    Add,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turning_embedding_off_and_on_again_keeps_the_embedded_audio() {
        let store = KitStore::new();
        let mut kit = Kit { embed_audio: true, ..Kit::default() };
        let embedded = EmbeddedAudio::new("gone.wav", b"RIFF....WAVE");
        kit.pad_mut(0).samples.push(SampleRecord { file: "/nowhere/gone.wav".into(), params: SampleParams::whole(36), embedded: Some(embedded.clone()) });
        store.set_kit(kit);
        store.set_embed_audio(false);
        assert!(store.to_json()["pads"][0]["samples"][0].get("embedded").is_none(), "saved without audio while off");
        store.set_embed_audio(true);
        let saved = store.to_json();
        assert_eq!(saved["pads"][0]["samples"][0]["embedded"]["base64"], serde_json::json!(embedded.base64), "the copy is still there");
    }

    #[test]
    fn an_edit_that_breaks_a_range_or_names_no_pad_changes_nothing() {
        let store = KitStore::new();
        assert_eq!(store.edit(0, |p| p.settings.gain_db = 99.0), Err("gain 99 is outside -60..=24".into()));
        assert!(store.edit(MAX_PADS, |_| {}).is_err());
        assert_eq!(store.kit(), Kit::default());
    }
}
