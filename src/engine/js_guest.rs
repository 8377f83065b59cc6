//! The guest as a web page runs it: the browser host's build of the engine
//! (wasm32, `web/host/`) calls the guest module through the page's
//! JavaScript (`web/worklet.js`), which holds the guest instance and its
//! memory. The same names as `backend.rs`, so the engine above it is the
//! plugin's, unchanged.
//!
//! Every call is an import of module `guest` that forwards to the guest
//! export of the same name; bytes move between the two memories with
//! `write` and `read`. A call that throws (a trap) returns 0 and is
//! reported by `trapped`, read after every call.
//!
//! Thread: the page's audio rendering thread (the worklet), which is the
//! only thread of this build. No allocation on the call paths.

use wasm_sampler_guest::abi::{self, Event, Header};

mod js {
    #[link(wasm_import_module = "guest")]
    extern "C" {
        pub fn init(sample_rate: f32, max_frames: u32) -> i32;
        pub fn set_polyphony(polyphony: u32) -> i32;
        pub fn slot_load(slot: u32, pad: u32, data: u32, frames: u32, channels: u32, format: u32, source_rate: f32) -> i32;
        pub fn slot_retire(slot: u32);
        pub fn slot_voices(slot: u32) -> u32;
        pub fn pad_param(pad: u32, param: u32, value: f32) -> i32;
        pub fn slot_loop(slot: u32, mode: u32, start: u32, end: u32, fade: u32) -> i32;
        pub fn reset();
        pub fn process(frames: u32, event_count: u32) -> u32;
        /// Copies `len` bytes at `src` of this module's memory to `offset`
        /// of the guest's.
        pub fn write(offset: u32, src: *const u8, len: u32);
        /// Copies `len` bytes at `offset` of the guest's memory to `dst`.
        pub fn read(offset: u32, dst: *mut u8, len: u32);
        /// The guest memory's size in pages.
        pub fn memory_pages() -> u32;
        /// Grows the guest's memory; the old size in pages, or -1.
        pub fn grow(pages: u32) -> i32;
        /// 1 if the last call threw (and forgets it).
        pub fn trapped() -> u32;
        /// A new guest instance on the same memory; 0 on success.
        pub fn reinstantiate() -> i32;
        /// Seconds on a monotonic clock.
        pub fn now_seconds() -> f64;
    }
}

/// Which DSP runs the guest: in a page, always the guest module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DspBackend {
    /// The guest module, run by the browser.
    Wasm,
    /// Not available in a page (kept so the engine's options read the same).
    Native,
}

/// An error from creating or configuring a guest.
#[derive(Debug, Clone)]
pub struct GuestError(pub String);

impl std::fmt::Display for GuestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuestError {}

/// Where the guest module came from: the page loaded it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModuleSource {
    /// The page's `guest.wasm`, checked by the page against the manifest.
    Page,
}

/// The guest module the page instantiated.
#[derive(Debug)]
pub struct GuestModule {
    source: ModuleSource,
}

impl GuestModule {
    /// The page's module.
    ///
    /// Thread: any. Allocates the `Arc`.
    pub fn embedded() -> Result<std::sync::Arc<GuestModule>, GuestError> {
        Ok(std::sync::Arc::new(GuestModule { source: ModuleSource::Page }))
    }

    /// Where it came from.
    ///
    /// Thread: any. No allocation.
    pub fn source(&self) -> &ModuleSource {
        &self.source
    }
}

/// What stopped a guest call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Never in a page (the browser has no deadline on a call).
    Deadline,
    /// The guest call threw.
    Trap(&'static str),
    /// Not used in a page.
    Other,
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FaultKind::Deadline => f.write_str("the guest ran past its deadline"),
            FaultKind::Trap(what) => write!(f, "the guest trapped ({what})"),
            FaultKind::Other => f.write_str("the guest call failed"),
        }
    }
}

/// What a fault leaves to be logged.
#[derive(Debug)]
pub struct Report(&'static str);

/// A guest call that threw.
#[derive(Debug)]
pub struct Trap {
    pub kind: FaultKind,
    pub report: Report,
}

impl std::fmt::Display for Trap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.report.0)
    }
}

pub(crate) fn first_line(report: &Report) -> String {
    report.0.to_string()
}

/// Runs `f` (a page has no allocation guard).
///
/// Thread: any. Allocates only what `f` does.
pub fn permit_alloc<T>(f: impl FnOnce() -> T) -> T {
    f()
}

/// The clock housekeeping measures the recovery window with: the page's.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Instant(f64);

impl Instant {
    /// Now, on the page's clock.
    ///
    /// Thread: any. No allocation.
    pub fn now() -> Instant {
        // SAFETY: an import without arguments.
        Instant(unsafe { js::now_seconds() })
    }

    /// Time since this instant.
    ///
    /// Thread: any. No allocation.
    pub fn elapsed(&self) -> std::time::Duration {
        Instant::now().duration_since(*self)
    }

    /// Time from `earlier` to this instant (zero if it is later).
    ///
    /// Thread: any. No allocation.
    pub fn duration_since(&self, earlier: Instant) -> std::time::Duration {
        std::time::Duration::from_secs_f64((self.0 - earlier.0).max(0.0))
    }
}

/// Copies `bytes` to `offset` of the guest's memory (sample data: the
/// loader's write into a reserved region).
///
/// Thread: the page's audio thread. No allocation.
pub fn write_memory(offset: u64, bytes: &[u8]) {
    // SAFETY: the pointer and length describe `bytes`, which the import
    // only reads.
    unsafe { js::write(offset as u32, bytes.as_ptr(), bytes.len() as u32) }
}

/// Copies `dst.len()` bytes at `offset` of the guest's memory into `dst`.
///
/// Thread: the page's audio thread. No allocation.
pub fn read_memory(offset: u64, dst: &mut [u8]) {
    // SAFETY: the pointer and length describe `dst`, which the import
    // writes in full.
    unsafe { js::read(offset as u32, dst.as_mut_ptr(), dst.len() as u32) }
}

/// The guest, through the page.
pub struct Guest {
    sample_rate: f32,
    polyphony: u32,
}

impl Guest {
    /// The page's guest at `sample_rate` (the page instantiated it).
    ///
    /// Thread: the worklet's. Allocates only an error's text.
    pub fn new(kind: DspBackend, _module: &GuestModule, sample_rate: f32) -> Result<Guest, GuestError> {
        if kind != DspBackend::Wasm {
            return Err(GuestError("a web page runs only the guest module".into()));
        }
        let mut g = Guest { sample_rate, polyphony: abi::POLYPHONY };
        g.init(sample_rate)?;
        Ok(g)
    }

    fn call<T>(&mut self, f: impl FnOnce() -> T) -> Result<T, Trap> {
        let value = f();
        // SAFETY: an import without arguments.
        match unsafe { js::trapped() } {
            0 => Ok(value),
            _ => Err(Trap { kind: FaultKind::Trap("a guest call threw"), report: Report("the guest call threw in the page") }),
        }
    }

    fn init(&mut self, sample_rate: f32) -> Result<(), GuestError> {
        // SAFETY: plain numbers to the guest's own export.
        match self.call(|| unsafe { js::init(sample_rate, abi::MAX_FRAMES) }) {
            Ok(abi::status::OK) => {}
            Ok(code) => return Err(GuestError(format!("guest init({sample_rate}, {}) failed with status {code}", abi::MAX_FRAMES))),
            Err(t) => return Err(GuestError(format!("guest init failed: {t}"))),
        }
        let polyphony = self.polyphony;
        // SAFETY: as above.
        match self.call(|| unsafe { js::set_polyphony(polyphony) }) {
            Ok(abi::status::OK) => Ok(()),
            Ok(code) => Err(GuestError(format!("guest set_polyphony({polyphony}) failed with status {code}"))),
            Err(t) => Err(GuestError(format!("guest set_polyphony failed: {t}"))),
        }
    }

    /// Sets the polyphony (kept across re-instantiation); the guest's status.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn set_polyphony(&mut self, polyphony: u32) -> Result<i32, Trap> {
        // SAFETY: a plain number to the guest's export.
        let status = self.call(|| unsafe { js::set_polyphony(polyphony) })?;
        if status == abi::status::OK {
            self.polyphony = polyphony;
        }
        Ok(status)
    }

    /// The polyphony set.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn polyphony(&self) -> u32 {
        self.polyphony
    }

    /// Which DSP runs here: the guest module.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn kind(&self) -> DspBackend {
        DspBackend::Wasm
    }

    /// The rate the guest was initialised at.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// A new guest instance on the same memory (after a trap), initialised
    /// again.
    ///
    /// Thread: the worklet's. Allocates only an error's text.
    pub fn reinstantiate(&mut self) -> Result<(), GuestError> {
        // SAFETY: an import without arguments.
        if unsafe { js::reinstantiate() } != 0 {
            return Err(GuestError("the page could not instantiate the guest again".into()));
        }
        let rate = self.sample_rate;
        self.init(rate)
    }

    /// Initialises the guest again at `sample_rate`.
    ///
    /// Thread: the worklet's. Allocates only an error's text.
    pub fn set_sample_rate(&mut self, sample_rate: f32) -> Result<(), GuestError> {
        self.sample_rate = sample_rate;
        self.init(sample_rate)
    }

    /// Publishes a sample region for guest slot `slot` of pad `pad`; the
    /// guest's status.
    ///
    /// Thread: the worklet's. No allocation.
    #[allow(clippy::too_many_arguments)] // the `slot_load` export's arguments, one for one
    pub fn slot_load(&mut self, slot: u32, pad: u32, data: u32, frames: u32, channels: u32, format: u32, source_rate: f32) -> Result<i32, Trap> {
        // SAFETY: plain numbers to the guest's export.
        self.call(|| unsafe { js::slot_load(slot, pad, data, frames, channels, format, source_rate) })
    }

    /// Empties guest slot `slot`; its voices fade out.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn slot_retire(&mut self, slot: u32) -> Result<(), Trap> {
        // SAFETY: as above.
        self.call(|| unsafe { js::slot_retire(slot) })
    }

    /// Voices still reading guest slot `slot`.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn slot_voices(&mut self, slot: u32) -> Result<u32, Trap> {
        // SAFETY: as above.
        self.call(|| unsafe { js::slot_voices(slot) })
    }

    /// Sets a pad parameter at once; the guest's status.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn pad_param(&mut self, pad: u32, param: u32, value: f32) -> Result<i32, Trap> {
        // SAFETY: as above.
        self.call(|| unsafe { js::pad_param(pad, param, value) })
    }

    /// Sets guest slot `slot`'s loop; the guest's status.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn slot_loop(&mut self, slot: u32, mode: u32, start: u32, end: u32, fade: u32) -> Result<i32, Trap> {
        // SAFETY: as above.
        self.call(|| unsafe { js::slot_loop(slot, mode, start, end, fade) })
    }

    /// Silences every voice.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn reset(&mut self) -> Result<(), Trap> {
        // SAFETY: an export without arguments.
        self.call(|| unsafe { js::reset() })
    }

    /// Writes the events of the next `process` call into the queue.
    pub fn write_events(&mut self, events: &[Event]) {
        assert!(events.len() <= abi::EVENT_CAPACITY as usize);
        // SAFETY: Event is plain old data with the guest's little-endian
        // layout (wasm32 on both sides); the bytes are only read.
        let bytes = unsafe { std::slice::from_raw_parts(events.as_ptr().cast::<u8>(), std::mem::size_of_val(events)) };
        write_memory(abi::EVENTS as u64, bytes);
    }

    /// Renders `frames` frames with the first `event_count` queued events.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn process(&mut self, frames: u32, event_count: u32) -> Result<u32, Trap> {
        // SAFETY: plain numbers to the guest's export.
        self.call(|| unsafe { js::process(frames, event_count) })
    }

    /// Copies output channel `ch` (first `dst.len()` frames) out of memory.
    pub fn read_output(&self, ch: u32, dst: &mut [f32]) {
        assert!(ch < abi::OUT_CHANNEL_CAPACITY && dst.len() <= abi::MAX_FRAMES as usize);
        // SAFETY: f32 has no invalid bit patterns; the import fills the
        // whole slice.
        let bytes = unsafe { std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(dst)) };
        read_memory(abi::out_channel(ch) as u64, bytes);
    }

    /// The control block the guest wrote last.
    pub fn header(&self) -> Header {
        let mut bytes = [0u8; std::mem::size_of::<Header>()];
        read_memory(abi::HEADER as u64, &mut bytes);
        // SAFETY: Header is plain old data; read_unaligned needs no alignment.
        unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<Header>()) }
    }

    /// Not addressable from here: sample data goes through
    /// [`write_memory`] and [`read_memory`].
    pub fn memory_base(&self) -> *mut u8 {
        std::ptr::null_mut()
    }

    /// The guest memory's size in bytes.
    ///
    /// Thread: the worklet's. No allocation.
    pub fn memory_size(&self) -> u64 {
        // SAFETY: an import without arguments.
        (unsafe { js::memory_pages() }) as u64 * abi::PAGE_SIZE as u64
    }

    /// Grows the guest memory by `pages`.
    ///
    /// Thread: the worklet's. Allocates only an error's text.
    pub fn grow(&mut self, pages: u64) -> Result<(), GuestError> {
        // SAFETY: a plain number to the memory's grow.
        match unsafe { js::grow(pages as u32) } {
            -1 => Err(GuestError(format!("the guest memory could not grow by {pages} pages"))),
            _ => Ok(()),
        }
    }
}
