//! The sampler engine: pads, their samples in the guest's memory, and the
//! block-by-block rendering. This is the library API the plugin, the editor
//! and the offline renderer sit on.
//!
//! One [`Engine`] is shared (`Arc`) between the audio thread and any number of
//! loader / UI threads. All state sits behind one `parking_lot` mutex that
//! non-audio threads hold only for O(1)-ish bookkeeping (allocate a region,
//! grow the memory, publish a slot, free a region); decoding happens outside
//! it, straight into a region the guest cannot see yet.
//!
//! Lifetime of a sample region:
//! 1. allocated (loader, under the lock), decoded into (loader, no lock);
//! 2. published: `slot_load` on a fresh guest slot, pad points at it;
//! 3. replaced or cleared: the guest slot is retired, its voices fade out
//!    (a few ms) still reading the region;
//! 4. freed by [`Engine::housekeeping`] once `slot_voices` reports 0, and only
//!    then reusable. The audio thread never frees (the allocator allocates).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use wasm_sampler_guest::abi;

use crate::allocator::{AllocError, AllocStats, Region, RegionAllocator};
use crate::loader::{Encoding, LoadError, SampleInfo, SampleSink, WavSource};
use crate::runtime::{EngineKind, Guest, GuestError, GuestModule, ModuleSource};
use crate::triggering::{translate, Automation, EventBuffer, LivePad, Mapping, NoteEvent, PadParams};

/// Alignment of sample regions (bytes).
pub const REGION_ALIGN: u64 = 16;

/// Pads whose settings can be automated (`NoteEvent::Automation`).
pub const AUTOMATABLE_PADS: usize = 128;

/// How to build an [`Engine`].
#[derive(Clone)]
pub struct EngineOptions {
    pub kind: EngineKind,
    /// Output sample rate (Hz).
    pub sample_rate: f32,
    /// The guest module; `None` = the embedded one.
    pub module: Option<Arc<GuestModule>>,
    /// Let a guest fault allocate on the audio thread (wasmtime builds the
    /// trap as an error object, and re-instantiating allocates). On by
    /// default so that debug builds with `assert_process_allocs` survive a
    /// fault; tests turn it off to prove the normal path allocates nothing.
    pub permit_fault_allocs: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { kind: EngineKind::Wasm, sample_rate: 48_000.0, module: None, permit_fault_allocs: true }
    }
}

/// Faults recovered automatically on the audio thread; after that the engine
/// stays silent until [`Engine::recover`] (each re-instantiation keeps a few
/// KiB in the store, so a guest that faults every block must not recover
/// forever).
pub const MAX_AUTO_RECOVERIES: u64 = 16;

/// Where a pad's sample came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SampleSource {
    File(PathBuf),
    /// Made in memory (the demo kit); the name is for display.
    Generated(String),
    /// WAV bytes carried in the project; the original file's path.
    Embedded(PathBuf),
}

impl std::fmt::Display for SampleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SampleSource::File(p) => write!(f, "{}", p.display()),
            SampleSource::Generated(n) => write!(f, "{n} (generated)"),
            SampleSource::Embedded(p) => write!(f, "{} (embedded in the project)", p.display()),
        }
    }
}

/// A sample that is live in a pad.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedSample {
    pub source: SampleSource,
    pub info: SampleInfo,
    /// Where it lives in linear memory.
    pub region: Region,
    /// The guest slot it is published in.
    pub slot: u32,
}

/// One pad: its mapping and settings, its sample if any, and the last error.
#[derive(Clone, Debug, PartialEq)]
pub struct Pad {
    pub mapping: Mapping,
    pub params: PadParams,
    pub sample: Option<LoadedSample>,
    /// The last load that failed on this pad (the previous sample, if any,
    /// stays loaded), as one line.
    pub error: Option<String>,
}

/// What a stretch of linear memory holds (for the editor's memory view).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentKind {
    /// The guest's stack and statics.
    Guest,
    /// The host's I/O region (header, events, output buffers).
    Io,
    /// A live sample, by pad.
    Sample { pad: usize },
    /// A replaced sample whose voices are still fading.
    Retired,
    /// Free space in the sample region.
    Free,
}

/// One stretch of linear memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Segment {
    pub offset: u64,
    pub len: u64,
    pub kind: SegmentKind,
}

/// Numbers about the engine for stats, the editor and tests.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EngineStats {
    pub engine: EngineKind,
    pub module_source: Option<ModuleSource>,
    pub sample_rate: f32,
    pub pads_loaded: usize,
    /// Bytes of decoded sample data in live pads.
    pub sample_bytes: u64,
    /// Size of the linear memory.
    pub memory_bytes: u64,
    pub allocator: AllocStats,
    pub active_voices: u32,
    pub peak_voices: u32,
    pub voices_started: u32,
    pub voices_stolen: u32,
    /// Regions waiting for their last voice before they are freed.
    pub regions_pending_free: usize,
    /// Guest faults (traps, deadline) since the engine was made.
    pub faults: u64,
    /// Events dropped because a block had more than the queue holds.
    pub events_dropped: u64,
    /// Output samples that were NaN or infinite and were replaced by 0.
    pub non_finite_samples: u64,
}

struct Retired {
    slot: u32,
    region: Region,
}

struct Core {
    guest: Guest,
    module_source: Option<ModuleSource>,
    alloc: RegionAllocator,
    pads: Vec<Pad>,
    /// What triggering needs of each pad, rebuilt whenever a pad changes.
    live: Vec<Option<LivePad>>,
    free_slots: Vec<u32>,
    retired: Vec<Retired>,
    events: EventBuffer,
    fault: Option<String>,
    faults: u64,
    /// A fault message for housekeeping to log (the audio thread does no I/O).
    pending_log: Option<String>,
    permit_fault_allocs: bool,
    non_finite: u64,
    /// The last automation values per pad. They override the same fields of
    /// any settings applied later from another thread (a kit being loaded, a
    /// pad created), so the host's parameters always win.
    automation: [Option<Automation>; AUTOMATABLE_PADS],
}

/// Folds interleaved frames `first_frame..` of a `frames`-frame sample into
/// per-column (min, max) peaks: frame f belongs to column
/// `f * columns / frames`.
///
/// Thread: any. No allocation.
pub fn fold_peaks(data: &[f32], channels: usize, first_frame: usize, frames: usize, acc: &mut [(f32, f32)]) {
    let columns = acc.len() as u64;
    for (i, frame) in data.chunks_exact(channels.max(1)).enumerate() {
        let column = ((first_frame + i) as u64 * columns / frames.max(1) as u64).min(columns - 1) as usize;
        let peak = &mut acc[column];
        for &v in frame {
            peak.0 = peak.0.min(v);
            peak.1 = peak.1.max(v);
        }
    }
}

/// Makes parking_lot's global wait table now, on a non-real-time thread.
///
/// The audio thread never parks, but releasing the engine lock while another
/// thread is parked on it makes the audio thread wake that thread, and the
/// waking goes through the global table. parking_lot creates that table
/// lazily, by whichever thread touches it first, and creating it allocates;
/// the editor's end-to-end test caught the audio thread doing so (a thread
/// parking on the engine lock for the first time in the process, racing the
/// audio thread's unlock). Touching the table here takes that first time.
fn prepare_parking() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        static KEY: u8 = 0;
        // SAFETY: no thread ever parks on this private static's address, so
        // waking its (empty) queue affects nobody; the call only makes the
        // table exist.
        unsafe { parking_lot_core::unpark_all(&KEY as *const u8 as usize, parking_lot_core::DEFAULT_UNPARK_TOKEN) };
    });
}

/// The sampler engine. See the module docs.
pub struct Engine {
    core: Mutex<Core>,
    /// Bumped by every change to pads or memory (see [`Engine::generation`]).
    generation: AtomicU64,
}

impl Engine {
    /// A new engine with no pads.
    ///
    /// Thread: non-real-time. Allocates; deserializes or compiles the guest
    /// module on the first call in the process.
    pub fn new(options: EngineOptions) -> Result<Engine, GuestError> {
        prepare_parking();
        let module = match options.module {
            Some(m) => m,
            None => GuestModule::embedded()?,
        };
        let guest = Guest::new(options.kind, &module, options.sample_rate)?;
        let module_source = (options.kind == EngineKind::Wasm).then(|| module.source().clone());
        let limit = abi::MAX_PAGES as u64 * abi::PAGE_SIZE as u64;
        let alloc = RegionAllocator::new(abi::SAMPLE_BASE as u64, guest.memory_size(), limit, REGION_ALIGN);
        Ok(Engine {
            core: Mutex::new(Core {
                guest,
                module_source,
                alloc,
                pads: Vec::new(),
                live: Vec::new(),
                free_slots: (0..abi::SLOT_CAPACITY).rev().collect(),
                retired: Vec::new(),
                events: EventBuffer::with_capacity(abi::EVENT_CAPACITY as usize),
                fault: None,
                faults: 0,
                pending_log: None,
                permit_fault_allocs: options.permit_fault_allocs,
                non_finite: 0,
                automation: [None; AUTOMATABLE_PADS],
            }),
            generation: AtomicU64::new(0),
        })
    }

    /// A number that changes whenever the pads or the memory layout may have
    /// changed (loads, edits, clears, freed regions, recovery): a viewer
    /// re-reads [`pads`](Self::pads) and [`memory_map`](Self::memory_map)
    /// only when it moved.
    ///
    /// Thread: any. No allocation, no lock.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The engine lock for a change: bumps the generation.
    fn lock_mut(&self) -> parking_lot::MutexGuard<'_, Core> {
        let core = self.core.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        core
    }

    /// Renders one block: `out_l.len()` frames (== `out_r.len()`), with the
    /// note events of the block (frames relative to its start, in order).
    /// Blocks longer than the guest's `MAX_FRAMES` are split; each piece is
    /// one guest call with its share of the events.
    ///
    /// A guest fault silences the rest of the block; the guest is
    /// re-instantiated right away (up to [`MAX_AUTO_RECOVERIES`] times), so the
    /// next block plays again. Housekeeping logs the fault.
    ///
    /// Thread: audio. No allocation and no I/O on the normal path; only a
    /// guest fault allocates (the trap error, the new instance), inside
    /// `permit_alloc` unless `EngineOptions::permit_fault_allocs` is off.
    /// Spins for the engine lock, which other threads hold only briefly
    /// (never across decoding or a large copy).
    pub fn process(&self, notes: &[NoteEvent], out_l: &mut [f32], out_r: &mut [f32]) {
        self.lock_for_audio().process(notes, out_l, out_r);
    }

    /// Takes the lock without ever parking the audio thread: parking_lot
    /// creates a thread's parking data (and may grow its global table) the
    /// first time that thread parks, which allocates. The other holders do
    /// short bookkeeping only, so a spin that yields now and then is brief.
    fn lock_for_audio(&self) -> parking_lot::MutexGuard<'_, Core> {
        let mut spins = 0u32;
        loop {
            if let Some(core) = self.core.try_lock() {
                return core;
            }
            spins = spins.wrapping_add(1);
            if spins % 64 == 0 {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }

    /// Loads a WAV file into `pad` (creating the pad with a drum mapping on
    /// note 36 + pad if it does not exist). On error nothing changes but the
    /// pad's `error`; the previous sample keeps playing.
    ///
    /// Thread: a loader thread (file I/O, decoding). Never the audio thread.
    /// Allocates. Holds the engine lock only around allocation and publishing.
    pub fn load_file(&self, pad: usize, path: &Path) -> Result<SampleInfo, LoadError> {
        let result = WavSource::open(path).and_then(|wav| {
            let info = wav.info();
            self.load_with(pad, SampleSource::File(path.to_path_buf()), info, |sink| wav.decode_into(sink))
        });
        if let Err(e) = &result {
            self.with_pad(pad, |p| p.error = Some(e.to_string()));
        }
        result
    }

    /// Loads WAV bytes held in memory (audio embedded in a project) into
    /// `pad`; `original` is the file they came from, for display and errors.
    ///
    /// Thread: a loader thread (decoding). Never the audio thread. Allocates.
    pub fn load_wav_bytes(&self, pad: usize, original: &Path, bytes: Vec<u8>) -> Result<SampleInfo, LoadError> {
        let result = WavSource::from_bytes(original, bytes).and_then(|wav| {
            let info = wav.info();
            self.load_with(pad, SampleSource::Embedded(original.to_path_buf()), info, |sink| wav.decode_into(sink))
        });
        if let Err(e) = &result {
            self.with_pad(pad, |p| p.error = Some(e.to_string()));
        }
        result
    }

    /// Loads interleaved f32 audio made in memory into `pad`.
    ///
    /// Thread: non-real-time. Allocates.
    pub fn load_samples(&self, pad: usize, name: &str, data: &[f32], channels: u16, sample_rate: u32) -> Result<SampleInfo, LoadError> {
        let path = Path::new(name);
        if channels == 0 || channels > 2 {
            return Err(LoadError::new(path, format!("has {channels} channels; only mono and stereo are supported")));
        }
        let frames = (data.len() / channels as usize) as u32;
        if frames == 0 || data.len() % channels as usize != 0 {
            return Err(LoadError::new(path, "contains no audio frames (or a partial frame)"));
        }
        if sample_rate == 0 {
            return Err(LoadError::new(path, "sample rate is 0 Hz"));
        }
        let info = SampleInfo { channels, frames, sample_rate, encoding: Encoding::Float };
        self.load_with(pad, SampleSource::Generated(name.to_string()), info, |sink| {
            for &v in data {
                sink.push(v);
            }
            sink.flush();
            Ok(())
        })
    }

    fn load_with(
        &self,
        pad: usize,
        source: SampleSource,
        info: SampleInfo,
        decode: impl FnOnce(&mut SampleSink<'_>) -> Result<(), LoadError>,
    ) -> Result<SampleInfo, LoadError> {
        let name = match &source {
            SampleSource::File(p) | SampleSource::Embedded(p) => p.clone(),
            SampleSource::Generated(n) => PathBuf::from(n),
        };
        // 1. Reserve a region and a guest slot.
        let (region, slot, base) = {
            let mut core = self.lock_mut();
            core.reap();
            let region = core.allocate(info.bytes()).map_err(|reason| LoadError::new(&name, reason))?;
            let Some(slot) = core.free_slots.pop() else {
                core.alloc.free(region.offset).expect("just allocated");
                return Err(LoadError::new(&name, format!("all {} guest slots are in use", abi::SLOT_CAPACITY)));
            };
            (region, slot, core.guest.memory_base())
        };
        // 2. Decode straight into the region, without the lock.
        let len = info.frames as usize * info.channels as usize;
        let mut write = |index: usize, chunk: &[f32]| {
            assert!(index + chunk.len() <= len);
            let dst = base.wrapping_add(region.offset as usize + index * 4);
            // SAFETY: the region lies inside the memory (allocated from the
            // allocator's span, which never exceeds the memory size), the
            // memory never moves, and no guest slot names the region yet, so
            // nothing else reads or writes these bytes.
            unsafe { std::ptr::copy_nonoverlapping(chunk.as_ptr(), dst.cast::<f32>(), chunk.len()) };
        };
        let mut sink = SampleSink::new(len, &mut write);
        let decoded = decode(&mut sink);
        // 3. Publish, or give everything back.
        let mut core = self.lock_mut();
        if let Err(e) = decoded {
            core.alloc.free(region.offset).expect("allocated above");
            core.free_slots.push(slot);
            return Err(e);
        }
        core.publish(pad, slot, LoadedSample { source, info, region, slot }).map_err(|reason| LoadError::new(&name, reason))?;
        core.reap();
        Ok(info)
    }

    fn with_pad<T>(&self, pad: usize, f: impl FnOnce(&mut Pad) -> T) -> T {
        let mut core = self.lock_mut();
        core.ensure_pad(pad);
        let t = f(&mut core.pads[pad]);
        core.rebuild_live();
        t
    }

    /// Sets how `pad` is triggered.
    ///
    /// Thread: non-real-time (may allocate the pad). Short lock.
    pub fn set_mapping(&self, pad: usize, mapping: Mapping) {
        self.with_pad(pad, |p| p.mapping = mapping);
    }

    /// Sets `pad`'s sound settings; gain and pan reach sounding voices with
    /// a short ramp.
    ///
    /// Thread: non-real-time. Short lock.
    pub fn set_params(&self, pad: usize, params: PadParams) {
        let mut core = self.lock_mut();
        core.ensure_pad(pad);
        let params = core.with_automation(pad, params);
        let old = std::mem::replace(&mut core.pads[pad].params, params);
        let mut refused = None;
        if let Some(sample) = core.pads[pad].sample.clone() {
            core.send_params(sample.slot, &params);
            // A new window re-points the slot (sounding voices finish
            // reading the window they started with).
            if old.window(sample.info.frames) != params.window(sample.info.frames) {
                match core.load_slot(sample.slot, &sample, &params) {
                    Ok(abi::status::OK) => {}
                    Ok(code) => refused = Some(code),
                    Err(f) => core.fault(f.0),
                }
            }
        }
        core.rebuild_live();
        drop(core);
        if let Some(code) = refused {
            eprintln!("wasm-sampler: guest refused the play window of pad {} (status {code})", pad + 1);
        }
    }

    /// Sets or clears the error shown on `pad` (the editor clears it when
    /// the user empties the pad).
    ///
    /// Thread: non-real-time. Short lock.
    pub fn set_pad_error(&self, pad: usize, error: Option<String>) {
        let mut core = self.lock_mut();
        if let Some(p) = core.pads.get_mut(pad) {
            p.error = error;
        }
    }

    /// Empties `pad` (its voices fade out; the region is freed once silent).
    ///
    /// Thread: non-real-time. Short lock.
    pub fn clear_pad(&self, pad: usize) {
        let mut core = self.lock_mut();
        if let Some(sample) = core.pads.get_mut(pad).and_then(|p| p.sample.take()) {
            core.retire(sample);
            core.rebuild_live();
        }
        core.reap();
    }

    /// A copy of the pads.
    ///
    /// Thread: non-real-time (allocates). Short lock.
    pub fn pads(&self) -> Vec<Pad> {
        self.core.lock().pads.clone()
    }

    /// A copy of `pad`'s decoded sample data (interleaved f32), read from
    /// the guest's memory: what the guest plays, e.g. for a waveform view.
    /// Copied in chunks, releasing the lock between them, so the audio thread
    /// never waits behind a large copy; `None` if the pad has no sample or it
    /// was replaced while copying.
    ///
    /// Thread: non-real-time (allocates the copy).
    pub fn sample_data(&self, pad: usize) -> Option<Vec<f32>> {
        let mut out = Vec::new();
        self.read_sample(pad, 1 << 16, |info, _, chunk| {
            out.reserve_exact(info.frames as usize * info.channels as usize);
            out.extend_from_slice(chunk);
        })?;
        Some(out)
    }

    /// A waveform overview of `pad`'s sample: (min, max) over all channels
    /// for each of `columns` columns (fewer if the sample has fewer frames).
    /// Reads the guest's memory in chunks, releasing the lock between them
    /// (the audio thread never waits behind more than one chunk), and never
    /// copies the whole sample. `None` if the pad has no sample or it was
    /// replaced while reading.
    ///
    /// Thread: non-real-time (allocates the overview and one chunk).
    pub fn sample_peaks(&self, pad: usize, columns: usize) -> Option<Vec<(f32, f32)>> {
        let mut acc = Vec::new();
        self.read_sample(pad, 1 << 14, |info, first, chunk| {
            let frames = info.frames as usize;
            if acc.is_empty() {
                acc = vec![(f32::INFINITY, f32::NEG_INFINITY); columns.min(frames).max(1)];
            }
            fold_peaks(chunk, info.channels as usize, first, frames, &mut acc);
        })?;
        Some(acc)
    }

    /// Reads `pad`'s sample from the guest's memory `chunk_frames` frames at
    /// a time, taking the lock for each chunk only, and hands each chunk
    /// (interleaved) to `visit` with the sample's info and the chunk's first
    /// frame. `None` if the pad has no sample or it was replaced meanwhile.
    fn read_sample(&self, pad: usize, chunk_frames: usize, mut visit: impl FnMut(SampleInfo, usize, &[f32])) -> Option<()> {
        let (region, info) = {
            let core = self.core.lock();
            let s = core.pads.get(pad)?.sample.as_ref()?;
            (s.region, s.info)
        };
        let (frames, channels) = (info.frames as usize, info.channels as usize);
        let mut chunk = vec![0.0f32; chunk_frames.min(frames) * channels];
        for first in (0..frames).step_by(chunk_frames) {
            let n = (frames - first).min(chunk_frames) * channels;
            {
                let core = self.core.lock();
                if core.pads.get(pad)?.sample.as_ref()?.region != region {
                    return None;
                }
                let src = core.guest.memory_base().wrapping_add(region.offset as usize + first * channels * 4);
                // SAFETY: the region is live (published, not freed while we
                // hold the lock) and inside the memory; frames `first..first +
                // n / channels` lie within it; nothing writes a published region.
                unsafe { std::ptr::copy_nonoverlapping(src.cast::<f32>(), chunk.as_mut_ptr(), n) };
            }
            visit(info, first, &chunk[..n]);
        }
        Some(())
    }

    /// The whole linear memory as segments in address order, tiling
    /// `0..memory size`: guest, I/O, then samples, retired regions and free
    /// gaps as the allocator has them.
    ///
    /// Thread: non-real-time (allocates the list). Short lock.
    pub fn memory_map(&self) -> Vec<Segment> {
        let core = self.core.lock();
        let mut out = vec![
            Segment { offset: 0, len: abi::IO_BASE as u64, kind: SegmentKind::Guest },
            Segment { offset: abi::IO_BASE as u64, len: (abi::SAMPLE_BASE - abi::IO_BASE) as u64, kind: SegmentKind::Io },
        ];
        let by_offset: std::collections::HashMap<u64, usize> =
            core.pads.iter().enumerate().filter_map(|(i, p)| p.sample.as_ref().map(|s| (s.region.offset, i))).collect();
        let mut sample: Vec<Segment> = core
            .alloc
            .regions()
            .map(|r| {
                let pad = by_offset.get(&r.offset).copied();
                Segment { offset: r.offset, len: r.len, kind: pad.map_or(SegmentKind::Retired, |pad| SegmentKind::Sample { pad }) }
            })
            .chain(core.alloc.free_blocks().map(|r| Segment { offset: r.offset, len: r.len, kind: SegmentKind::Free }))
            .collect();
        sample.sort_by_key(|s| s.offset);
        out.extend(sample);
        out
    }

    /// Frees regions whose voices have ended and, after a guest fault,
    /// re-instantiates the guest on the same memory and publishes every pad
    /// again. Returns the number of regions freed.
    ///
    /// Thread: non-real-time (allocates). Short lock.
    pub fn housekeeping(&self) -> usize {
        let mut core = self.core.lock();
        let mut log = core.pending_log.take();
        let recovering = core.fault.is_some();
        if recovering {
            if let Err(e) = core.recover() {
                log = Some(format!("guest recovery failed: {e}"));
            }
        }
        let freed = core.reap();
        drop(core);
        if recovering || freed > 0 {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        // Printed after the lock is released: a slow stderr must not hold up
        // the audio thread.
        if let Some(message) = log {
            eprintln!("wasm-sampler: {message}");
        }
        freed
    }

    /// Silences every voice at once (the host restarted the stream).
    ///
    /// Thread: audio or any (spins for the lock, never parks). No allocation.
    pub fn reset(&self) {
        let mut core = self.lock_for_audio();
        if let Err(f) = core.guest.reset() {
            core.fault(f.0);
        }
    }

    /// Whether a guest fault silenced output and awaits recovery.
    ///
    /// Thread: audio (spins for the lock, never parks). No allocation.
    pub fn has_fault(&self) -> bool {
        self.lock_for_audio().fault.is_some()
    }

    /// The guest fault that silenced output and is not yet recovered.
    ///
    /// Thread: non-real-time (takes the lock, allocates the copy).
    pub fn fault(&self) -> Option<String> {
        self.core.lock().fault.clone()
    }

    /// Brings a faulted guest back now (see [`Engine::housekeeping`]).
    ///
    /// Thread: non-real-time (allocates).
    pub fn recover(&self) -> Result<(), GuestError> {
        self.lock_mut().recover()
    }

    /// Changes the output rate: voices stop; pads keep their samples.
    ///
    /// Thread: non-real-time. Short lock.
    pub fn set_sample_rate(&self, sample_rate: f32) -> Result<(), GuestError> {
        let mut core = self.lock_mut();
        core.guest.set_sample_rate(sample_rate)?;
        core.rebuild_live();
        Ok(())
    }

    /// Current numbers.
    ///
    /// Thread: non-real-time. Short lock.
    pub fn stats(&self) -> EngineStats {
        let core = self.core.lock();
        let header = core.guest.header();
        EngineStats {
            engine: core.guest.kind(),
            module_source: core.module_source.clone(),
            sample_rate: core.guest.sample_rate(),
            pads_loaded: core.pads.iter().filter(|p| p.sample.is_some()).count(),
            sample_bytes: core.pads.iter().filter_map(|p| p.sample.as_ref()).map(|s| s.info.bytes()).sum(),
            memory_bytes: core.guest.memory_size(),
            allocator: core.alloc.stats(),
            active_voices: header.active_voices,
            peak_voices: header.peak_voices,
            voices_started: header.voices_started,
            voices_stolen: header.voices_stolen,
            regions_pending_free: core.retired.len(),
            faults: core.faults,
            events_dropped: core.events.dropped(),
            non_finite_samples: core.non_finite,
        }
    }
}

impl Core {
    fn ensure_pad(&mut self, pad: usize) {
        while self.pads.len() <= pad {
            let n = self.pads.len();
            let params = self.with_automation(n, PadParams::default());
            self.pads.push(Pad { mapping: Mapping::drum((36 + n).min(127) as u8), params, sample: None, error: None });
        }
    }

    /// `params` with the pad's automated fields, if it has any.
    fn with_automation(&self, pad: usize, params: PadParams) -> PadParams {
        match self.automation.get(pad).copied().flatten() {
            Some(values) => values.apply(&params),
            None => params,
        }
    }

    /// Records an automation event and merges it into the pad's settings.
    ///
    /// Thread: audio. No allocation (plain assignments).
    fn merge_automation(&mut self, n: &NoteEvent) {
        if let NoteEvent::Automation { pad, values, .. } = *n {
            let pad = pad as usize;
            if let Some(slot) = self.automation.get_mut(pad) {
                *slot = Some(values);
            }
            if let Some(p) = self.pads.get_mut(pad) {
                p.params = values.apply(&p.params);
            }
            if let Some(Some(live)) = self.live.get_mut(pad) {
                live.params = values.apply(&live.params);
            }
        }
    }

    fn rebuild_live(&mut self) {
        self.live.clear();
        self.live.extend(self.pads.iter().map(|p| {
            p.sample.as_ref().map(|s| LivePad { mapping: p.mapping, params: p.params, slot: s.slot, source_rate: s.info.sample_rate })
        }));
    }

    fn allocate(&mut self, bytes: u64) -> Result<Region, String> {
        loop {
            match self.alloc.allocate(bytes) {
                Ok(r) => return Ok(r),
                Err(AllocError::NeedPages(pages)) => {
                    self.guest.grow(pages).map_err(|e| e.0)?;
                    self.alloc.add_pages(pages);
                }
                Err(AllocError::OutOfMemory { requested, limit }) => {
                    return Err(format!("too large: {requested} bytes of decoded audio do not fit in the {limit}-byte sample memory"))
                }
            }
        }
    }

    fn send_params(&mut self, slot: u32, params: &PadParams) {
        for (id, value) in params.guest_params() {
            match self.guest.slot_param(slot, id, value) {
                Ok(abi::status::OK) => {}
                Ok(code) => eprintln!("wasm-sampler: guest refused parameter {id} = {value} (status {code})"),
                Err(f) => self.fault(f.0),
            }
        }
    }

    /// Tells the guest where `slot`'s sample is: the played window of the
    /// region (see [`PadParams::window`]), read in place.
    fn load_slot(&mut self, slot: u32, sample: &LoadedSample, params: &PadParams) -> Result<i32, crate::runtime::GuestFault> {
        let (start, frames) = params.window(sample.info.frames);
        let data = sample.region.offset + start as u64 * sample.info.channels as u64 * 4;
        self.guest.slot_load(slot, data as u32, frames, sample.info.channels as u32, sample.info.sample_rate as f32)
    }

    fn publish(&mut self, pad: usize, slot: u32, sample: LoadedSample) -> Result<(), String> {
        self.ensure_pad(pad);
        let params = self.pads[pad].params;
        let status = self.load_slot(slot, &sample, &params);
        match status {
            Ok(abi::status::OK) => {}
            other => {
                self.alloc.free(sample.region.offset).expect("allocated by the loader");
                self.free_slots.push(slot);
                return Err(match other {
                    Ok(code) => format!("the guest refused the sample (status {code})"),
                    Err(f) => {
                        self.fault(f.0.clone());
                        format!("the guest faulted while publishing ({})", f.0)
                    }
                });
            }
        }
        self.send_params(slot, &params);
        let old = self.pads[pad].sample.replace(sample);
        self.pads[pad].error = None;
        if let Some(old) = old {
            self.retire(old);
        }
        self.rebuild_live();
        Ok(())
    }

    fn retire(&mut self, sample: LoadedSample) {
        if let Err(f) = self.guest.slot_retire(sample.slot) {
            self.fault(f.0);
        }
        self.retired.push(Retired { slot: sample.slot, region: sample.region });
    }

    /// Frees retired regions no voice reads any more.
    fn reap(&mut self) -> usize {
        let mut freed = 0;
        let mut i = 0;
        while i < self.retired.len() {
            let silent = self.fault.is_none() && matches!(self.guest.slot_voices(self.retired[i].slot), Ok(0));
            if silent {
                let r = self.retired.swap_remove(i);
                self.alloc.free(r.region.offset).expect("retired regions are live");
                self.free_slots.push(r.slot);
                freed += 1;
            } else {
                i += 1;
            }
        }
        freed
    }

    /// Records a fault. No I/O (housekeeping logs it); no allocation beyond
    /// the message the caller already made.
    fn fault(&mut self, what: String) {
        if self.fault.is_none() {
            self.faults += 1;
            if self.pending_log.is_none() {
                self.pending_log = Some(format!("guest fault: {what}; the block was silenced and the guest re-instantiated"));
            }
            self.fault = Some(what);
        }
    }

    /// Re-instantiates the guest on the same memory and publishes every pad
    /// again. The fault is cleared only if all of that succeeds.
    fn recover(&mut self) -> Result<(), GuestError> {
        self.guest.reinstantiate()?;
        // The new instance has no voices: every retired region is unread.
        for r in std::mem::take(&mut self.retired) {
            self.alloc.free(r.region.offset).expect("retired regions are live");
            self.free_slots.push(r.slot);
        }
        let previous = self.fault.take();
        let pads: Vec<(LoadedSample, PadParams)> = self.pads.iter().filter_map(|p| p.sample.clone().map(|s| (s, p.params))).collect();
        for (s, params) in pads {
            let status = self.load_slot(s.slot, &s, &params);
            if status != Ok(abi::status::OK) {
                let what = format!("re-publishing {} after a fault failed: {status:?}", s.source);
                self.fault = Some(what.clone());
                return Err(GuestError(what));
            }
            self.send_params(s.slot, &params);
        }
        match &self.fault {
            Some(f) => Err(GuestError(f.clone())),
            None => {
                drop(previous);
                Ok(())
            }
        }
    }

    fn process(&mut self, notes: &[NoteEvent], out_l: &mut [f32], out_r: &mut [f32]) {
        // A host that hands over channels of different lengths gets the
        // common length rendered and the rest of the longer one zeroed.
        let frames = out_l.len().min(out_r.len());
        out_l[frames..].fill(0.0);
        out_r[frames..].fill(0.0);
        let (out_l, out_r) = (&mut out_l[..frames], &mut out_r[..frames]);
        if self.fault.is_some() {
            out_l.fill(0.0);
            out_r.fill(0.0);
            return;
        }
        if frames == 0 {
            self.events.count_dropped(notes.len() as u64);
            return;
        }
        let rate = self.guest.sample_rate() as f64;
        let max_frame = (frames - 1) as u32;
        let mut last = 0u32; // note frames are clamped into the block and kept in order
        let mut next = 0usize;
        let mut start = 0usize;
        while start < frames {
            let mut end = (start + abi::MAX_FRAMES as usize).min(frames);
            // Translate this piece's notes, frames relative to the piece. If
            // the queue fills, the piece ends where the note that did not fit
            // starts, and that note opens the next piece: nothing is dropped
            // unless one frame alone carries more than a queue's worth.
            self.events.clear();
            while next < notes.len() {
                let n = &notes[next];
                let f = n.frame().clamp(last, max_frame);
                if f as usize >= end {
                    break;
                }
                self.merge_automation(n);
                let (len, dropped) = (self.events.len(), self.events.dropped());
                translate(&n.at(f - start as u32), &self.live, rate, &mut self.events);
                if self.events.dropped() != dropped && f as usize > start {
                    self.events.truncate(len);
                    self.events.set_dropped(dropped);
                    end = f as usize;
                    break;
                }
                last = f;
                next += 1;
            }
            self.guest.write_events(self.events.as_slice());
            let (n, count) = ((end - start) as u32, self.events.len() as u32);
            let result = if self.permit_fault_allocs {
                nice_plug::util::permit_alloc(|| self.guest.process(n, count))
            } else {
                self.guest.process(n, count)
            };
            match result {
                Ok(_) => {
                    self.guest.read_output(0, &mut out_l[start..end]);
                    self.guest.read_output(1, &mut out_r[start..end]);
                }
                Err(f) => {
                    // This block is silent; the next one plays again.
                    out_l[start..].fill(0.0);
                    out_r[start..].fill(0.0);
                    self.fault(f.0);
                    if self.faults <= MAX_AUTO_RECOVERIES {
                        let _ = if self.permit_fault_allocs { nice_plug::util::permit_alloc(|| self.recover()) } else { self.recover() };
                    }
                    return;
                }
            }
            start = end;
        }
        for s in out_l.iter_mut().chain(out_r.iter_mut()) {
            if !s.is_finite() {
                *s = 0.0;
                self.non_finite += 1;
            }
        }
    }
}
