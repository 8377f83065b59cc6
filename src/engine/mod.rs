//! The sampler engine: the guest, its memory, the sample regions and guest
//! slots in it, the voices, and the block-by-block rendering.
//!
//! The engine owns only what is its own: regions, guest slots, voices and
//! the fault state. What each pad *is* (mapping, settings, sample records)
//! is owned by the [`KitStore`](crate::kit::KitStore), which publishes it
//! here as an immutable entry of the pad table, together with the sample it
//! belongs to ([`Engine::publish`]). The audio thread reads that table and
//! keeps one thing of its own on top: the host's automation values
//! ([`Engine::process_automated`]), a layer that is never written back.
//!
//! One [`Engine`] is shared (`Arc`) between the audio thread and any number of
//! loader / UI threads. All state sits behind one `parking_lot` mutex that
//! non-audio threads hold only for O(1)-ish bookkeeping (reserve a region,
//! grow the memory, publish a pad, free a region); decoding happens outside
//! it, straight into a reserved region ([`sample_store`]).
//!
//! Lifetime of a sample region:
//! 1. reserved (loader, under the lock), decoded into (loader, no lock);
//! 2. published with its pad's settings: `slot_load` on its guest slot;
//! 3. replaced or cleared: the guest slot is retired, its voices fade out
//!    (a few ms) still reading the region;
//! 4. freed once `slot_voices` reports 0 (by [`Engine::housekeeping`], or
//!    when the next reservation or publish looks), and only then reusable.
//!    The audio thread never frees (the allocator allocates).
//!
//! Faults: a guest call that traps or runs past its deadline silences the
//! rest of the block. The audio thread keeps only a [`FaultKind`] and moves
//! wasmtime's report into a slot of its own; [`Engine::housekeeping`], off
//! the audio thread, drops that report, logs the fault, and re-instantiates
//! the guest. Output stays silent until then.

pub mod allocator;
// The guest runs in wasmtime (or natively) here; in a web page
// (wasm32-unknown-unknown, the browser host's build) the page's JavaScript
// runs it, and `js_guest.rs` takes the same place with the same names.
#[cfg(not(target_arch = "wasm32"))]
pub mod backend;
#[cfg(target_arch = "wasm32")]
#[path = "js_guest.rs"]
pub mod backend;
#[cfg(not(target_arch = "wasm32"))]
pub mod config;
mod core;
mod inspect;
#[cfg(not(target_arch = "wasm32"))]
pub mod module;
pub mod sample_store;
pub mod triggering;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use wasm_sampler_guest::abi;

use self::core::Core;
pub use self::inspect::{fold_peaks, Segment, SegmentKind};
use crate::decode::SampleInfo;
use crate::kit::{Automation, Mapping, PadSettings, SampleParams};
use crate::settings::AUTOMATED_PADS;
use allocator::{AllocStats, Region, RegionAllocator};
use backend::Guest;
pub use backend::{DspBackend, FaultKind, GuestError, GuestModule, ModuleSource};
pub use sample_store::Reservation;
use triggering::{EventBuffer, NoteEvent};

/// Alignment of sample regions (bytes).
pub const REGION_ALIGN: u64 = 16;
/// Bytes in a mebibyte (the sample memory budget's unit).
pub const MIB: u64 = 1 << 20;

/// How to build an [`Engine`].
#[derive(Clone)]
pub struct EngineOptions {
    pub backend: DspBackend,
    /// Output sample rate (Hz).
    pub sample_rate: f32,
    /// The guest module; `None` = the embedded one.
    pub module: Option<Arc<GuestModule>>,
    /// Run each guest call inside `permit_alloc`, so that the report wasmtime
    /// allocates when the guest traps does not abort a debug build with
    /// `assert_process_allocs`. On by default. Our own fault handling
    /// allocates nothing either way; tests turn this off to prove that the
    /// normal path allocates nothing at all.
    pub permit_fault_allocs: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { backend: DspBackend::Wasm, sample_rate: 48_000.0, module: None, permit_fault_allocs: true }
    }
}

/// Re-instantiations housekeeping attempts within [`RECOVERY_WINDOW`]; a
/// guest that faults more often than that stays silent until
/// [`Engine::recover`] (each re-instantiation keeps a few KiB in the store,
/// so a guest that faults every block must not be recovered forever, while
/// an occasional fault over a long session always is).
pub const MAX_AUTO_RECOVERIES: u64 = 16;
/// See [`MAX_AUTO_RECOVERIES`].
pub const RECOVERY_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

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

/// One sample of a published pad: its record's parameters, and the
/// engine's live copy of its audio once loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedSample {
    pub params: SampleParams,
    pub loaded: Option<LoadedSample>,
}

/// One entry of the published pad table: a copy of the pad's model as the
/// kit store last published it, and the engine's own live samples, one per
/// sample record (in the model's order; `loaded` is `None` until a record's
/// audio is in memory, or when it could not be loaded).
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedPad {
    pub mapping: Mapping,
    pub settings: PadSettings,
    pub samples: Vec<PublishedSample>,
}

impl PublishedPad {
    fn empty(index: usize) -> Self {
        PublishedPad { mapping: Mapping::default_for(index), settings: PadSettings::default(), samples: Vec::new() }
    }

    /// The first loaded sample (a one-sample pad's sample).
    ///
    /// Thread: any. No allocation.
    pub fn sample(&self) -> Option<&LoadedSample> {
        self.samples.iter().find_map(|s| s.loaded.as_ref())
    }

    /// The first sample's parameters (a one-sample pad's), if it has one.
    ///
    /// Thread: any. No allocation.
    pub fn sample_params(&self) -> Option<SampleParams> {
        self.samples.first().map(|s| s.params)
    }

    /// The loaded samples.
    ///
    /// Thread: any. No allocation.
    pub fn loaded(&self) -> impl Iterator<Item = &LoadedSample> {
        self.samples.iter().filter_map(|s| s.loaded.as_ref())
    }
}

/// The settings a pad is published with (a copy of its model without the
/// files): one entry of `samples` per sample record.
#[derive(Clone, Debug, PartialEq)]
pub struct PadSnapshot {
    pub mapping: Mapping,
    pub settings: PadSettings,
    pub samples: Vec<SampleParams>,
}

/// A decoded sample ready to publish: its reserved region and where it
/// came from.
pub type Decoded<'e> = (Reservation<'e>, SampleSource);

/// What happens to a pad's samples when it is published. The snapshot's
/// `samples` says how many the pad has afterwards: loaded samples past
/// that are retired (their voices fade out), records past the loaded ones
/// wait unloaded.
pub enum SampleChange<'e> {
    /// The loaded samples stay, by position; only settings change (a new
    /// play window or loop re-points a guest slot in the same step).
    Keep,
    /// A newly decoded sample for record `index` (replacing the one there,
    /// or, at the end, a new layer).
    Replace(usize, Reservation<'e>, SampleSource),
    /// Record `index` is gone (its voices fade out); later ones move up.
    Remove(usize),
    /// Every sample anew, by position (`None`: not loaded); the previous
    /// ones are retired.
    Set(Vec<Option<Decoded<'e>>>),
    /// The pad has no loaded sample any more (its voices fade out).
    Clear,
}

/// Numbers about the engine for stats, the editor and tests.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EngineStats {
    pub engine: DspBackend,
    pub module_source: Option<ModuleSource>,
    pub sample_rate: f32,
    pub pads_loaded: usize,
    /// Samples loaded, layers and round-robin hits counted one by one.
    pub samples_loaded: usize,
    /// Bytes of decoded sample data in live pads.
    pub sample_bytes: u64,
    /// Size of the linear memory.
    pub memory_bytes: u64,
    /// The sample memory budget (bytes the samples may take at most).
    pub memory_budget: u64,
    pub allocator: AllocStats,
    pub active_voices: u32,
    pub peak_voices: u32,
    pub voices_started: u32,
    pub voices_stolen: u32,
    /// Events the guest ignored: notes for empty slots, and notes past the
    /// voice limit when every sounding voice is younger than its 5 ms fade.
    pub events_ignored: u32,
    /// Regions waiting for their last voice before they are freed.
    pub regions_pending_free: usize,
    /// Guest faults (traps, deadline) since the engine was made.
    pub faults: u64,
    /// Blocks rendered silent because the guest had faulted and was not
    /// yet replaced, since the engine was made.
    pub fault_silent_blocks: u64,
    /// Events dropped because a block had more than the queue holds.
    pub events_dropped: u64,
    /// Output samples that were NaN or infinite and were replaced by 0.
    pub non_finite_samples: u64,
}

/// Makes parking_lot's global wait table now, on a non-real-time thread.
///
/// The audio thread never parks, but releasing the engine lock while another
/// thread is parked on it makes the audio thread wake that thread, and the
/// waking goes through the global table. parking_lot creates that table
/// lazily, by whichever thread touches it first, and creating it allocates.
/// Touching the table here takes that first time.
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
        let guest = Guest::new(options.backend, &module, options.sample_rate)?;
        let module_source = (options.backend == DspBackend::Wasm).then(|| module.source().clone());
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
                budget: crate::settings::MEMORY_BUDGET_MIB.default as u64 * MIB,
                retired: Vec::new(),
                events: EventBuffer::with_capacity(abi::EVENT_CAPACITY as usize),
                automation: [None; AUTOMATED_PADS],
                fault: None,
                fault_report: None,
                recoveries: [None; MAX_AUTO_RECOVERIES as usize],
                given_up: false,
                faults: 0,
                fault_silent_blocks: 0,
                permit_fault_allocs: options.permit_fault_allocs,
                non_finite: 0,
                refused_param: None,
                trigger: triggering::TriggerState::new(triggering::ROUND_ROBIN_SEED),
            }),
            generation: AtomicU64::new(0),
        })
    }

    /// A number that changes whenever the pads or the memory layout may have
    /// changed (publishes, freed regions, recovery): a viewer re-reads
    /// [`pads`](Self::pads) and [`memory_map`](Self::memory_map) only when it
    /// moved.
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
    /// A guest fault silences the rest of the block and every block after it
    /// until [`Engine::housekeeping`] has replaced the guest.
    ///
    /// Thread: audio. No allocation and no I/O, on the fault path too (only
    /// wasmtime's own trap report allocates, inside `permit_alloc` unless
    /// `EngineOptions::permit_fault_allocs` is off). Spins for the engine
    /// lock, which other threads hold only briefly (never across decoding or
    /// a large copy).
    pub fn process(&self, notes: &[NoteEvent], out_l: &mut [f32], out_r: &mut [f32]) {
        self.lock_for_audio().process(notes, &[], &mut [out_l, out_r]);
    }

    /// [`process_automated`](Self::process_automated) into several outputs:
    /// `outs` are channels in bus order, two per bus (main left, main
    /// right, then "Out 2" left and right, …, up to `abi::OUT_CHANNELS`;
    /// any more are zeroed). A pad plays into its own bus only
    /// ([`crate::kit::PadSettings::output`]); buses not given are not
    /// heard.
    ///
    /// Thread: audio. No allocation (see [`process`](Self::process)).
    pub fn process_outputs(&self, notes: &[NoteEvent], automation: &[Automation], outs: &mut [&mut [f32]]) {
        self.lock_for_audio().process(notes, automation, outs);
    }

    /// [`process`](Self::process) with the host's automation values for
    /// pads `0..automation.len()` (at most [`AUTOMATED_PADS`]): they replace
    /// those pads' automatable settings from this block on. Gain and pan
    /// reach sounding voices with the guest's short ramp; tune applies to
    /// new notes.
    ///
    /// Thread: audio. No allocation (see [`process`](Self::process)).
    pub fn process_automated(&self, notes: &[NoteEvent], automation: &[Automation], out_l: &mut [f32], out_r: &mut [f32]) {
        self.lock_for_audio().process(notes, automation, &mut [out_l, out_r]);
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
            if spins.is_multiple_of(64) {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }

    /// Reserves a region for a sample of `info` and a guest slot for it,
    /// growing the memory if needed. The reason is one line ("out of sample
    /// memory: N bytes needed, M free (largest block K)",
    /// "all 8192 guest slots are in use: …").
    ///
    /// Thread: a loader thread. Never the audio thread. Short lock.
    pub fn reserve(&self, info: SampleInfo) -> Result<Reservation<'_>, String> {
        let mut core = self.lock_mut();
        core.reap();
        let region = core.allocate(info.region_bytes())?;
        let Some(slot) = core.free_slots.pop() else {
            core.alloc.free(region.offset).expect("just allocated");
            return Err(format!("all {} guest slots are in use: a kit holds at most {} samples", abi::SLOT_CAPACITY, abi::SLOT_CAPACITY));
        };
        assert!(region.end() <= core.guest.memory_size(), "the allocator's span lies inside the memory");
        let base = core.guest.memory_base();
        Ok(Reservation::new(self, region, slot, base, info))
    }

    /// Gives an unpublished reservation's region and slot back.
    fn release(&self, region: Region, slot: u32) {
        let mut core = self.lock_mut();
        core.alloc.free(region.offset).expect("reserved regions are live");
        core.free_slots.push(slot);
    }

    /// Publishes `pad` (creating the pads before it, empty, if the table is
    /// shorter): its settings and its sample change together, in one step
    /// the audio thread sees whole — never new settings on the old sample or
    /// the reverse. On an error (the guest refused the sample) nothing
    /// changes and a replacing reservation is given back.
    ///
    /// Thread: non-real-time (the kit store). Short lock; may allocate.
    pub fn publish(&self, pad: usize, snapshot: PadSnapshot, change: SampleChange<'_>) -> Result<(), String> {
        if pad >= crate::settings::MAX_PADS {
            // Checked before the lock: dropping a refused reservation takes it.
            drop(change);
            return Err(format!("pad {} does not exist (at most {})", pad + 1, crate::settings::MAX_PADS));
        }
        let mut core = self.lock_mut();
        let result = core.publish(pad, snapshot, change);
        core.reap();
        result
    }

    /// Empties and removes every pad from `len` on (a shorter kit).
    ///
    /// Thread: non-real-time. Short lock.
    pub fn truncate_pads(&self, len: usize) {
        let mut core = self.lock_mut();
        while core.pads.len() > len {
            for sample in core.pads.pop().into_iter().flat_map(|p| p.samples).filter_map(|s| s.loaded) {
                core.retire(sample);
            }
        }
        core.rebuild_live();
        core.reap();
    }

    /// How many pads the published table has.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn pad_count(&self) -> usize {
        self.core.lock().pads.len()
    }

    /// A copy of the published pad table.
    ///
    /// Thread: non-real-time (allocates). Short lock.
    pub fn pads(&self) -> Vec<PublishedPad> {
        self.core.lock().pads.clone()
    }

    /// `pad`'s settings as they sound now: the published ones with the
    /// host's automation on top. `None` for a pad that was never published.
    ///
    /// Thread: non-real-time. Short lock.
    pub fn effective_settings(&self, pad: usize) -> Option<PadSettings> {
        let core = self.core.lock();
        let published = core.pads.get(pad)?.settings;
        Some(published.with(core.automation.get(pad).and_then(Option::as_ref)))
    }

    /// `pad`'s first live sample, if any.
    ///
    /// Thread: non-real-time (allocates the copy). Short lock.
    pub fn sample(&self, pad: usize) -> Option<LoadedSample> {
        self.core.lock().pads.get(pad)?.sample().cloned()
    }

    /// Sets the sample memory budget: a load that would take the live
    /// samples past `bytes` is refused ("out of sample memory: …"); lowering
    /// it below what is loaded unloads nothing.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn set_memory_budget(&self, bytes: u64) {
        self.lock_mut().budget = bytes;
    }

    /// The sample memory budget in bytes.
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn memory_budget(&self) -> u64 {
        self.core.lock().budget
    }

    /// Sets the polyphony: the voices sounding at once before one is
    /// stolen, 1..=`abi::MAX_POLYPHONY` ([`crate::settings::POLYPHONY`]).
    /// Every voice stops at once (a setting, not a performance gesture);
    /// samples and pads stay. The reason is one line.
    ///
    /// Thread: non-real-time. Short lock.
    pub fn set_polyphony(&self, voices: u32) -> Result<(), String> {
        let mut core = self.lock_mut();
        match core.guest.set_polyphony(voices) {
            Ok(abi::status::OK) => Ok(()),
            Ok(_) => Err(format!("polyphony {voices} is outside 1..={}", abi::MAX_POLYPHONY)),
            Err(t) => {
                let what = format!("the guest faulted while setting the polyphony ({t})");
                core.record_fault(t);
                Err(what)
            }
        }
    }

    /// The polyphony set.
    ///
    /// Thread: non-real-time. Short lock.
    pub fn polyphony(&self) -> u32 {
        self.core.lock().guest.polyphony()
    }

    /// Frees regions whose voices have ended; after a guest fault, drops
    /// wasmtime's report, logs the fault, and re-instantiates the guest on
    /// the same memory, publishing every pad again. Returns the number of
    /// regions freed.
    ///
    /// Thread: non-real-time (allocates, logs). Short lock.
    pub fn housekeeping(&self) -> usize {
        let mut core = self.core.lock();
        let report = core.fault_report.take();
        let now = backend::Instant::now();
        // Attempts within the window (oldest first); the oldest falls out
        // once the window holds the maximum.
        let recent = core.recoveries.iter().flatten().filter(|t| now.duration_since(**t) < RECOVERY_WINDOW).count() as u64;
        let recovering = core.fault.is_some() && recent < MAX_AUTO_RECOVERIES;
        // Logged once: when its report is taken.
        let mut log = match (core.fault, &report) {
            (Some(kind), Some(r)) if recovering => Some(format!("guest fault: {kind}: {}; the guest is re-instantiated", backend::first_line(r))),
            (Some(kind), Some(r)) => Some(format!(
                "guest fault: {kind}: {}; {} faults within {} s, output stays silent until it is reset",
                backend::first_line(r),
                MAX_AUTO_RECOVERIES + 1,
                RECOVERY_WINDOW.as_secs()
            )),
            _ => None,
        };
        let was_given_up = core.given_up;
        core.given_up = core.fault.is_some() && !recovering;
        // The editor shows the stopped state: a viewer re-reads.
        let stopped_changed = core.given_up != was_given_up;
        if recovering {
            core.recoveries.rotate_left(1);
            if let Some(last) = core.recoveries.last_mut() {
                *last = Some(now);
            }
            if let Err(e) = core.recover() {
                log = Some(format!("guest recovery failed: {e}"));
            }
        }
        let freed = core.reap();
        let refused = core.refused_param.take();
        drop(core);
        if let Some((id, value, code)) = refused {
            eprintln!("wasm-sampler: guest refused parameter {id} = {value} (status {code})");
        }
        if recovering || freed > 0 || stopped_changed {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        // Printed and dropped after the lock is released: a slow stderr must
        // not hold up the audio thread.
        drop(report);
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
        if core.fault.is_none() {
            let permit = core.permit_fault_allocs;
            let result = if permit { backend::permit_alloc(|| core.guest.reset()) } else { core.guest.reset() };
            if let Err(trap) = result {
                core.record_fault(trap);
            }
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
    /// Thread: non-real-time (takes the lock, allocates the text).
    pub fn fault(&self) -> Option<String> {
        self.core.lock().fault.map(|k| k.to_string())
    }

    /// Whether housekeeping stopped re-instantiating a guest that faulted
    /// [`MAX_AUTO_RECOVERIES`] times within [`RECOVERY_WINDOW`]: output stays
    /// silent until [`Engine::recover`].
    ///
    /// Thread: non-real-time. No allocation. Short lock.
    pub fn given_up(&self) -> bool {
        self.core.lock().given_up
    }

    /// The last fault, if housekeeping stopped re-instantiating a guest that
    /// faulted more than [`MAX_AUTO_RECOVERIES`] times within
    /// [`RECOVERY_WINDOW`] ([`Engine::given_up`]): output stays silent until
    /// [`Engine::recover`].
    ///
    /// Thread: non-real-time. Allocates the text. Short lock.
    pub fn stopped(&self) -> Option<String> {
        let core = self.core.lock();
        core.fault.filter(|_| core.given_up).map(|kind| kind.to_string())
    }

    /// Brings a faulted guest back now (see [`Engine::housekeeping`]), the
    /// user's reset: the automatic recoveries start counting again, so a
    /// guest that faults now and then is recovered on its own afterwards.
    ///
    /// Thread: non-real-time (allocates).
    pub fn recover(&self) -> Result<(), GuestError> {
        let mut core = self.lock_mut();
        let report = core.fault_report.take();
        let result = core.recover();
        if result.is_ok() {
            core.recoveries = [None; MAX_AUTO_RECOVERIES as usize];
        }
        drop(core);
        drop(report);
        result
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
            pads_loaded: core.pads.iter().filter(|p| p.sample().is_some()).count(),
            samples_loaded: core.pads.iter().map(|p| p.loaded().count()).sum(),
            sample_bytes: core.pads.iter().flat_map(|p| p.loaded()).map(|s| s.info.bytes()).sum(),
            memory_bytes: core.guest.memory_size(),
            memory_budget: core.budget,
            allocator: core.alloc.stats(),
            active_voices: header.active_voices,
            peak_voices: header.peak_voices,
            voices_started: header.voices_started,
            voices_stolen: header.voices_stolen,
            events_ignored: header.events_ignored,
            regions_pending_free: core.retired.len(),
            faults: core.faults,
            fault_silent_blocks: core.fault_silent_blocks,
            events_dropped: core.events.dropped(),
            non_finite_samples: core.non_finite,
        }
    }
}
