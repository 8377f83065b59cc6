//! The DSP backend: the compiled guest module, and one guest instance on a
//! host-created linear memory, run by wasmtime — or, for comparison, the same
//! DSP compiled natively ([`DspBackend::Native`]).
//!
//! - One [`wasmtime::Engine`] per process ([`wasmtime_engine`]), with one
//!   epoch ticker thread.
//! - The embedded guest is compiled once per process ([`GuestModule::embedded`]):
//!   the precompiled artifact made by `build.rs` is deserialized; if wasmtime
//!   refuses it, the embedded wasm is compiled instead and the reason logged.
//! - A [`Guest`] owns a store whose memory the host creates (the guest
//!   imports it). It runs either the wasm guest or, for comparison, the same
//!   DSP compiled natively ([`DspBackend::Native`]) on the same memory, behind
//!   the same methods.
//!
//! Threads: none of these methods is real-time safe unless its doc says so;
//! the audio-thread calls are [`Guest::process`], [`Guest::reset`],
//! [`Guest::write_events`], [`Guest::read_output`], [`Guest::header`] and
//! [`Guest::sample_rate`].

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use wasm_sampler_guest::abi::{self, Event, Header};
use wasmtime::{Engine, Instance, Memory, MemoryType, Module, Store, TypedFunc, Val};

pub use crate::engine::config::{engine_config, CpuLevel};
pub use crate::engine::module::{GuestModule, ModuleSource, EMBEDDED_WASM, NO_PRECOMPILED_ENV};

#[cfg(target_endian = "big")]
compile_error!("the guest ABI records are little-endian; big-endian hosts are not supported");

/// Period of the epoch ticker.
const EPOCH_TICK: Duration = Duration::from_millis(5);
/// Ticks a single guest call may run before it is interrupted (~250 ms: far
/// beyond any block's budget, so only a runaway guest ever meets it).
const DEADLINE_TICKS: u64 = 50;

/// Which DSP runs behind a [`Guest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DspBackend {
    /// The guest module in wasmtime (the product).
    Wasm,
    /// The same DSP source compiled natively into this binary (reference).
    Native,
}

/// An error loading or running a guest, as one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestError(pub String);

impl std::fmt::Display for GuestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuestError {}

/// The Rust target triple this plugin was built for (the one the embedded
/// guest is precompiled for).
pub const BUILD_TARGET: &str = env!("WASM_SAMPLER_TARGET");

/// The process-wide wasmtime engine.
///
/// Thread: any. Allocates on first call only.
pub fn wasmtime_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let config = engine_config(BUILD_TARGET, CpuLevel::of_this_cpu()).expect("the build target is supported");
        let engine = Engine::new(&config).expect("the engine configuration is valid");
        #[cfg(windows)]
        pin_this_library();
        engine
    })
}

/// Keeps this library loaded until the process exits.
///
/// The engine above installs wasmtime's process-wide exception handlers
/// (vectored, on Windows), which point into this library's code and are
/// never removed. A host that unloads the plugin DLL (after a scan, or
/// after its last instance) would leave them dangling, and the next
/// exception anywhere in the host — a C++ throw, another plugin's wasm
/// trap — would jump into unmapped memory: found under Wine, where a wasm
/// trap after the test host had loaded and unloaded the DLL a few times
/// hung the process. Pinned, the DLL stays mapped, as a Rust shared
/// library with thread-local destructors already does on Linux.
///
/// Thread: any; called once. No allocation.
#[cfg(windows)]
fn pin_this_library() {
    use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleExW, GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, GET_MODULE_HANDLE_EX_FLAG_PIN};
    let mut module = std::ptr::null_mut();
    let inside = pin_this_library as *const () as *const u16;
    // SAFETY: with FROM_ADDRESS the name is any address inside the module
    // (this function's); `module` is a valid place for the handle.
    let pinned = unsafe { GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN, inside, &mut module) };
    if pinned == 0 {
        eprintln!("wasm-sampler: cannot pin the plugin library ({}); the host must not unload it", std::io::Error::last_os_error());
    }
}

/// The epoch ticker runs while at least one [`Guest`] exists and is joined
/// when the last one goes, so no thread of ours outlives the plugin
/// instances (a host may unload the library right after destroying them).
struct Ticker {
    guests: usize,
    thread: Option<(std::thread::JoinHandle<()>, Arc<std::sync::atomic::AtomicBool>)>,
}

static TICKER: parking_lot::Mutex<Ticker> = parking_lot::const_mutex(Ticker { guests: 0, thread: None });

/// Held by every [`Guest`]: keeps the epoch ticker running.
struct TickerGuard;

impl TickerGuard {
    fn new() -> TickerGuard {
        let mut t = TICKER.lock();
        t.guests += 1;
        if t.thread.is_none() {
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = stop.clone();
            let handle = std::thread::Builder::new()
                .name("wasm-sampler-epoch".into())
                .spawn(move || {
                    // park_timeout, not sleep: stopping unparks us, so the
                    // join below returns at once instead of after a tick.
                    while !flag.load(std::sync::atomic::Ordering::Acquire) {
                        std::thread::park_timeout(EPOCH_TICK);
                        wasmtime_engine().increment_epoch();
                    }
                })
                .expect("spawning the epoch thread");
            t.thread = Some((handle, stop));
        }
        TickerGuard
    }
}

impl Drop for TickerGuard {
    fn drop(&mut self) {
        let thread = {
            let mut t = TICKER.lock();
            t.guests -= 1;
            if t.guests == 0 {
                t.thread.take()
            } else {
                None
            }
        };
        if let Some((handle, stop)) = thread {
            stop.store(true, std::sync::atomic::Ordering::Release);
            handle.thread().unpark();
            let _ = handle.join();
        }
    }
}

/// What a fault leaves to be logged (wasmtime's error; allocated by
/// wasmtime, dropped off the audio thread).
pub type Report = wasmtime::Error;

/// The clock housekeeping measures the recovery window with.
pub use std::time::Instant;

/// Runs `f` with nice-plug's allocation guard lifted (wasmtime allocates a
/// trap's report).
///
/// Thread: any. Allocates only what `f` does.
pub fn permit_alloc<T>(f: impl FnOnce() -> T) -> T {
    nice_plug::util::permit_alloc(f)
}

pub(crate) fn first_line(e: &Report) -> String {
    format!("{e:#}").lines().next().unwrap_or_default().to_string()
}

/// `slot_load`'s arguments: slot, pad, data, frames, channels, format, rate.
type SlotLoadArgs = (u32, u32, u32, u32, u32, u32, f32);

/// The exports a guest must have, with their signatures.
struct Exports {
    init: TypedFunc<(f32, u32), i32>,
    reset: TypedFunc<(), ()>,
    slot_load: TypedFunc<SlotLoadArgs, i32>,
    slot_retire: TypedFunc<u32, ()>,
    slot_voices: TypedFunc<u32, u32>,
    pad_param: TypedFunc<(u32, u32, f32), i32>,
    set_polyphony: TypedFunc<u32, i32>,
    slot_loop: TypedFunc<(u32, u32, u32, u32, u32), i32>,
    process: TypedFunc<(u32, u32), u32>,
}

// One per guest, and matched on every call: boxing the wasm side would
// add an indirection to the hot path for no saving.
#[allow(clippy::large_enum_variant)]
enum Dsp {
    // The instance is kept so its exports stay valid for the store's life.
    Wasm {
        #[allow(dead_code)]
        instance: Instance,
        exports: Exports,
    },
    Native(Box<wasm_sampler_guest::Sampler>),
}

/// What stopped a guest call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The call ran past its deadline (epoch interruption).
    Deadline,
    /// The guest trapped (out-of-bounds access, `unreachable`, ...).
    Trap(wasmtime::Trap),
    /// wasmtime returned another error.
    Other,
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FaultKind::Deadline => f.write_str("the guest ran past its deadline"),
            // wasmtime's text starts "wasm trap: ", which says it twice.
            FaultKind::Trap(t) => write!(f, "the guest trapped ({})", t.to_string().trim_start_matches("wasm trap: ")),
            FaultKind::Other => f.write_str("the guest call failed"),
        }
    }
}

/// A guest call that trapped or ran past its deadline: the kind, and
/// wasmtime's report (which wasmtime allocated; whoever holds a `Trap` on
/// the audio thread must hand it to another thread to be dropped).
#[derive(Debug)]
pub struct Trap {
    pub kind: FaultKind,
    pub report: wasmtime::Error,
}

impl Trap {
    /// Classifies wasmtime's error. No allocation.
    fn new(report: wasmtime::Error) -> Trap {
        let kind = match report.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::Interrupt) => FaultKind::Deadline,
            Some(t) => FaultKind::Trap(*t),
            None => FaultKind::Other,
        };
        Trap { kind, report }
    }
}

impl std::fmt::Display for Trap {
    /// The kind and the first line of wasmtime's report.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, first_line(&self.report))
    }
}

/// One guest: a store, its linear memory, and the DSP running on it.
pub struct Guest {
    _ticker: TickerGuard,
    store: Store<()>,
    memory: Memory,
    module: Option<Module>,
    dsp: Dsp,
    sample_rate: f32,
    /// Applied again by every `init` (re-instantiation, a new rate).
    polyphony: u32,
}

impl Guest {
    /// A guest of `kind` at `sample_rate`, on a new memory of
    /// `INITIAL_PAGES`. `module` is used for [`DspBackend::Wasm`].
    ///
    /// Thread: any non-real-time thread. Allocates (reserves 4 GiB of address
    /// space plus guard, commits 2 MiB).
    pub fn new(kind: DspBackend, module: &GuestModule, sample_rate: f32) -> Result<Guest, GuestError> {
        match kind {
            DspBackend::Wasm => Self::new_wasm_with(module.module(), sample_rate),
            DspBackend::Native => {
                let (store, memory) = new_store_and_memory()?;
                let mut g = Guest {
                    _ticker: TickerGuard::new(),
                    store,
                    memory,
                    module: None,
                    dsp: Dsp::Native(native_sampler()),
                    sample_rate,
                    polyphony: abi::POLYPHONY,
                };
                g.init(sample_rate)?;
                Ok(g)
            }
        }
    }

    pub(crate) fn new_wasm_with(module: &Module, sample_rate: f32) -> Result<Guest, GuestError> {
        let ticker = TickerGuard::new();
        let (mut store, memory) = new_store_and_memory()?;
        let (instance, exports) = instantiate(&mut store, module, memory)?;
        let mut g = Guest {
            _ticker: ticker,
            store,
            memory,
            module: Some(module.clone()),
            dsp: Dsp::Wasm { instance, exports },
            sample_rate,
            polyphony: abi::POLYPHONY,
        };
        g.init(sample_rate)?;
        Ok(g)
    }

    fn init(&mut self, sample_rate: f32) -> Result<(), GuestError> {
        let status = self.call(|g| match &mut g.dsp {
            Dsp::Wasm { exports, .. } => exports.init.call(&mut g.store, (sample_rate, abi::MAX_FRAMES)),
            Dsp::Native(s) => Ok(s.init(&mem_view(&g.store, g.memory), sample_rate, abi::MAX_FRAMES)),
        });
        match status {
            Ok(abi::status::OK) => {}
            Ok(code) => return Err(GuestError(format!("guest init({sample_rate}, {}) failed with status {code}", abi::MAX_FRAMES))),
            Err(t) => return Err(GuestError(format!("guest init failed: {t}"))),
        }
        let polyphony = self.polyphony;
        match self.set_polyphony_call(polyphony) {
            Ok(abi::status::OK) => Ok(()),
            Ok(code) => Err(GuestError(format!("guest set_polyphony({polyphony}) failed with status {code}"))),
            Err(t) => Err(GuestError(format!("guest set_polyphony failed: {t}"))),
        }
    }

    fn set_polyphony_call(&mut self, polyphony: u32) -> Result<i32, Trap> {
        self.call(|g| match &mut g.dsp {
            Dsp::Wasm { exports, .. } => exports.set_polyphony.call(&mut g.store, polyphony),
            Dsp::Native(s) => Ok(s.set_polyphony(&mem_view(&g.store, g.memory), polyphony)),
        })
    }

    /// Sets the polyphony (1..=`abi::MAX_POLYPHONY`; kept across
    /// re-instantiation). Silences every voice at once.
    ///
    /// Thread: any, under the engine lock; not the audio thread (a setting).
    /// No allocation.
    pub fn set_polyphony(&mut self, polyphony: u32) -> Result<i32, Trap> {
        let status = self.set_polyphony_call(polyphony)?;
        if status == abi::status::OK {
            self.polyphony = polyphony;
        }
        Ok(status)
    }

    /// The polyphony set.
    ///
    /// Thread: any. No allocation.
    pub fn polyphony(&self) -> u32 {
        self.polyphony
    }

    /// Which DSP runs here.
    ///
    /// Thread: any. No allocation.
    pub fn kind(&self) -> DspBackend {
        match self.dsp {
            Dsp::Wasm { .. } => DspBackend::Wasm,
            Dsp::Native(_) => DspBackend::Native,
        }
    }

    /// Output sample rate.
    ///
    /// Thread: any. No allocation.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Replaces a faulted wasm instance with a fresh one on the same memory
    /// (sample data untouched; the slot table starts empty and must be
    /// published again). For the native DSP, resets it.
    ///
    /// Thread: any; allocates (instantiation), so not on the audio thread.
    pub fn reinstantiate(&mut self) -> Result<(), GuestError> {
        match &self.module {
            Some(module) => {
                let (instance, exports) = instantiate(&mut self.store, &module.clone(), self.memory)?;
                self.dsp = Dsp::Wasm { instance, exports };
            }
            None => self.dsp = Dsp::Native(native_sampler()),
        }
        self.init(self.sample_rate)
    }

    /// Changes the output rate (silences voices; slots stay).
    ///
    /// Thread: any non-real-time thread. No allocation.
    pub fn set_sample_rate(&mut self, sample_rate: f32) -> Result<(), GuestError> {
        self.sample_rate = sample_rate;
        self.init(sample_rate)
    }

    /// Runs one guest call under the deadline. No allocation of ours.
    fn call<T>(&mut self, f: impl FnOnce(&mut Self) -> wasmtime::Result<T>) -> Result<T, Trap> {
        self.store.set_epoch_deadline(DEADLINE_TICKS);
        f(self).map_err(Trap::new)
    }

    /// Publishes a sample region for guest slot `slot`, a sample of guest
    /// pad `pad`; returns the guest's status.
    ///
    /// Thread: any, under the engine lock. No allocation.
    #[allow(clippy::too_many_arguments)] // the `slot_load` export's arguments, one for one
    pub fn slot_load(&mut self, slot: u32, pad: u32, data: u32, frames: u32, channels: u32, format: u32, source_rate: f32) -> Result<i32, Trap> {
        self.call(|g| match &mut g.dsp {
            Dsp::Wasm { exports, .. } => exports.slot_load.call(&mut g.store, (slot, pad, data, frames, channels, format, source_rate)),
            Dsp::Native(s) => Ok(s.slot_load(&mem_view(&g.store, g.memory), slot, pad, data, frames, channels, format, source_rate)),
        })
    }

    /// Empties guest slot `slot`; its voices fade out.
    ///
    /// Thread: any, under the engine lock. No allocation.
    pub fn slot_retire(&mut self, slot: u32) -> Result<(), Trap> {
        self.call(|g| match &mut g.dsp {
            Dsp::Wasm { exports, .. } => exports.slot_retire.call(&mut g.store, slot),
            Dsp::Native(s) => {
                s.slot_retire(slot);
                Ok(())
            }
        })
    }

    /// Voices still reading guest slot `slot`.
    ///
    /// Thread: any, under the engine lock. No allocation.
    pub fn slot_voices(&mut self, slot: u32) -> Result<u32, Trap> {
        self.call(|g| match &mut g.dsp {
            Dsp::Wasm { exports, .. } => exports.slot_voices.call(&mut g.store, slot),
            Dsp::Native(s) => Ok(s.slot_voices(slot)),
        })
    }

    /// Sets a pad parameter at once; returns the guest's status.
    ///
    /// Thread: any, under the engine lock. No allocation.
    pub fn pad_param(&mut self, pad: u32, param: u32, value: f32) -> Result<i32, Trap> {
        self.call(|g| match &mut g.dsp {
            Dsp::Wasm { exports, .. } => exports.pad_param.call(&mut g.store, (pad, param, value)),
            Dsp::Native(s) => Ok(s.pad_param(pad, param, value)),
        })
    }

    /// Sets guest slot `slot`'s loop (`abi::looping` mode, window frames
    /// `start..end`, crossfade frames); returns the guest's status.
    ///
    /// Thread: any, under the engine lock. No allocation.
    pub fn slot_loop(&mut self, slot: u32, mode: u32, start: u32, end: u32, fade: u32) -> Result<i32, Trap> {
        self.call(|g| match &mut g.dsp {
            Dsp::Wasm { exports, .. } => exports.slot_loop.call(&mut g.store, (slot, mode, start, end, fade)),
            Dsp::Native(s) => Ok(s.slot_loop(slot, mode, start, end, fade)),
        })
    }

    /// Silences every voice.
    ///
    /// Thread: any, under the engine lock. No allocation.
    pub fn reset(&mut self) -> Result<(), Trap> {
        self.call(|g| match &mut g.dsp {
            Dsp::Wasm { exports, .. } => exports.reset.call(&mut g.store, ()),
            Dsp::Native(s) => {
                s.reset(&mem_view(&g.store, g.memory));
                Ok(())
            }
        })
    }

    /// Writes the events of the next `process` call into the queue.
    ///
    /// Thread: audio. No allocation. `events.len() <= EVENT_CAPACITY`.
    pub fn write_events(&mut self, events: &[Event]) {
        assert!(events.len() <= abi::EVENT_CAPACITY as usize);
        let dst = self.memory.data_ptr(&self.store).wrapping_add(abi::EVENTS as usize);
        // SAFETY: the queue lies inside the initial memory (EVENTS + capacity
        // < SAMPLE_BASE) and only the guest call that follows reads it; Event
        // is plain old data with the same little-endian layout on both sides.
        unsafe { std::ptr::copy_nonoverlapping(events.as_ptr().cast::<u8>(), dst, std::mem::size_of_val(events)) };
    }

    /// Renders `frames` frames with the first `event_count` queued events.
    ///
    /// Thread: audio. No allocation when the guest returns normally
    /// (wasmtime's call path and the DSP allocate nothing); a trap allocates
    /// its error. On `Err` the guest must be [`Guest::reinstantiate`]d.
    pub fn process(&mut self, frames: u32, event_count: u32) -> Result<u32, Trap> {
        self.call(|g| match &mut g.dsp {
            Dsp::Wasm { exports, .. } => exports.process.call(&mut g.store, (frames, event_count)),
            // SAFETY: the host frees a region only after slot_voices reports
            // no voice reads it, and the loader writes only unpublished regions.
            Dsp::Native(s) => Ok(unsafe { s.process(&mem_view(&g.store, g.memory), frames, event_count) }),
        })
    }

    /// Copies output channel `ch` (first `dst.len()` frames) out of memory.
    ///
    /// Thread: audio. No allocation.
    pub fn read_output(&self, ch: u32, dst: &mut [f32]) {
        assert!(ch < abi::OUT_CHANNEL_CAPACITY && dst.len() <= abi::MAX_FRAMES as usize);
        let src = self.memory.data_ptr(&self.store).wrapping_add(abi::out_channel(ch) as usize);
        // SAFETY: the channel buffer lies inside the initial memory, is
        // 16-aligned, and no guest call runs while we hold &self.
        unsafe { std::ptr::copy_nonoverlapping(src.cast::<f32>(), dst.as_mut_ptr(), dst.len()) };
    }

    /// The control block the guest wrote last.
    ///
    /// Thread: any. No allocation.
    pub fn header(&self) -> Header {
        let src = self.memory.data_ptr(&self.store).wrapping_add(abi::HEADER as usize);
        // SAFETY: the header lies inside the initial memory; Header is plain
        // old data; read_unaligned needs no alignment.
        unsafe { std::ptr::read_unaligned(src.cast::<Header>()) }
    }

    /// Base address of the linear memory. Stable for the guest's lifetime
    /// (the memory is configured never to move).
    ///
    /// Thread: any. No allocation.
    pub fn memory_base(&self) -> *mut u8 {
        self.memory.data_ptr(&self.store)
    }

    /// Current memory size in bytes.
    ///
    /// Thread: any. No allocation.
    pub fn memory_size(&self) -> u64 {
        self.memory.data_size(&self.store) as u64
    }

    /// Grows the memory by `pages`.
    ///
    /// Thread: any, under the engine lock (the audio thread never grows).
    /// Commits memory, no heap allocation.
    pub fn grow(&mut self, pages: u64) -> Result<(), GuestError> {
        let before = self.memory_base();
        self.memory.grow(&mut self.store, pages).map_err(|e| GuestError(format!("growing linear memory by {pages} pages: {}", first_line(&e))))?;
        assert_eq!(before, self.memory_base(), "linear memory moved although memory_may_move is off");
        Ok(())
    }
}

fn new_store_and_memory() -> Result<(Store<()>, Memory), GuestError> {
    let mut store = Store::new(wasmtime_engine(), ());
    store.set_epoch_deadline(DEADLINE_TICKS);
    let ty = MemoryType::new(abi::INITIAL_PAGES, Some(abi::MAX_PAGES));
    let memory = Memory::new(&mut store, ty).map_err(|e| GuestError(format!("creating linear memory: {}", first_line(&e))))?;
    Ok((store, memory))
}

fn instantiate(store: &mut Store<()>, module: &Module, memory: Memory) -> Result<(Instance, Exports), GuestError> {
    store.set_epoch_deadline(DEADLINE_TICKS);
    let instance = Instance::new(&mut *store, module, &[memory.into()]).map_err(|e| GuestError(format!("instantiating the guest: {}", first_line(&e))))?;
    fn func<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(store: &mut Store<()>, instance: &Instance, name: &str) -> Result<TypedFunc<P, R>, GuestError> {
        let f = instance.get_func(&mut *store, name).ok_or_else(|| GuestError(format!("the module has no export `{name}`")))?;
        f.typed::<P, R>(&*store).map_err(|_| GuestError(format!("the export `{name}` has the wrong signature")))
    }
    let abi_version: TypedFunc<(), u32> = func(store, &instance, "abi_version")?;
    let version = abi_version.call(&mut *store, ()).map_err(|e| GuestError(format!("abi_version trapped: {}", first_line(&e))))?;
    if version != abi::ABI_VERSION {
        return Err(GuestError(format!("the module implements ABI version {version}; this host needs {}", abi::ABI_VERSION)));
    }
    let heap_base = match instance.get_global(&mut *store, "__heap_base").map(|g| g.get(&mut *store)) {
        Some(Val::I32(v)) => v as u32,
        _ => return Err(GuestError("the module does not export the i32 global `__heap_base`".into())),
    };
    if heap_base > abi::IO_BASE {
        return Err(GuestError(format!("guest data reaches {heap_base:#x} (__heap_base), past the I/O region at {:#x}", abi::IO_BASE)));
    }
    let exports = Exports {
        init: func(store, &instance, "init")?,
        reset: func(store, &instance, "reset")?,
        slot_load: func(store, &instance, "slot_load")?,
        slot_retire: func(store, &instance, "slot_retire")?,
        slot_voices: func(store, &instance, "slot_voices")?,
        pad_param: func(store, &instance, "pad_param")?,
        set_polyphony: func(store, &instance, "set_polyphony")?,
        slot_loop: func(store, &instance, "slot_loop")?,
        process: func(store, &instance, "process")?,
    };
    Ok((instance, exports))
}

/// A new native DSP, built in place: the sampler is about 1 MiB, too large
/// to build on a stack and move.
fn native_sampler() -> Box<wasm_sampler_guest::Sampler> {
    // SAFETY: all-zero bytes are a valid `Sampler` (plain numbers, bools
    // and enums with a variant 0; see its docs); `prepare` then makes it new.
    let mut s = unsafe { Box::<wasm_sampler_guest::Sampler>::new_zeroed().assume_init() };
    s.prepare();
    s
}

fn mem_view(store: &Store<()>, memory: Memory) -> wasm_sampler_guest::Memory {
    // SAFETY: the memory is owned by `store`, never moves and never shrinks;
    // the native DSP runs under the same rules as the wasm one (I/O region
    // written by the host only between calls, regions freed only when unread).
    unsafe { wasm_sampler_guest::Memory::new(memory.data_ptr(store).expose_provenance(), memory.data_size(store)) }
}
