//! The browser host's engine: the plugin's engine, kit store, decoders and
//! demo, built from the plugin's own source files (the `#[path]` modules
//! below; nothing is copied) for wasm32-unknown-unknown, with the guest
//! reached through the page (`src/engine/js_guest.rs`). The exports at the
//! end are what `web/worklet.js` calls; everything runs on the page's audio
//! rendering thread, the only thread this build has.
//!
//! Why the plugin's files and not a crate they share: the engine is one
//! module tree with the plugin's (`crate::kit`, `crate::engine`, …); this
//! crate gives those names the same meaning without wasmtime, nice-plug or
//! the editor, which cannot be built for a browser.

// Only a browser build has anything here (a native build of the workspace
// passes over it: the plugin's engine there is the plugin crate's).
#![cfg(target_arch = "wasm32")]
// The engine drops a guest fault's report explicitly, where it must go
// (wasmtime's is freed off the audio thread); the page's report is a static
// text, whose drop does nothing.
#![allow(clippy::drop_non_drop)]

#[path = "../../../src/cli/mod.rs"]
pub mod cli;
#[path = "../../../src/decode/mod.rs"]
pub mod decode;
#[path = "../../../src/engine/mod.rs"]
pub mod engine;
#[path = "../../../src/kit/mod.rs"]
pub mod kit;
#[path = "../../../src/panic_text.rs"]
mod panic_text;
#[path = "../../../src/settings.rs"]
pub mod settings;

pub use panic_text::panic_text;
pub use wasm_sampler_guest as guest;

use std::cell::RefCell;
use std::sync::Arc;

use cli::render::{length_for, to_frames, FrameEvent};
use engine::triggering::NoteEvent;
use engine::{Engine, EngineOptions};
use kit::KitStore;

/// The most frames one `ws_process` call renders (a render quantum is 128).
const MAX_BLOCK: usize = 4096;

/// Everything the page's engine holds.
struct Host {
    store: KitStore,
    /// The page has one engine for its life: borrowed for ever, so that a
    /// load in pieces can hold its reservation between calls.
    engine: &'static Engine,
    /// Loads in pieces under way, by token.
    pieces: Vec<Option<kit::PieceLoad<'static>>>,
    /// Events to play, sorted by frame, and the next one.
    events: Vec<FrameEvent>,
    next: usize,
    /// Frames rendered since the events were set.
    at: u64,
    notes: Vec<NoteEvent>,
    /// Notes played live (a click, a key, Web MIDI), for the next block's
    /// first frame.
    live: Vec<NoteEvent>,
    /// The last [`ws_state`] text.
    text: String,
    /// The demo kit's sounds (their mappings and settings), made once.
    demo: Option<Vec<cli::demo::DemoSound>>,
    /// Left then right, `MAX_BLOCK` each.
    out: Vec<f32>,
    /// The last error, for `ws_error`.
    error: String,
}

thread_local! {
    static HOST: RefCell<Option<Host>> = const { RefCell::new(None) };
}

fn with_host<T>(default: T, f: impl FnOnce(&mut Host) -> T) -> T {
    HOST.with(|h| h.borrow_mut().as_mut().map(f).unwrap_or(default))
}

/// Starts the engine at `sample_rate` (the guest must be instantiated and
/// imported by then). 0 on success, else 1 (`ws_error` says why).
///
/// Thread: the worklet's. Allocates (the engine, the kit store).
#[no_mangle]
pub extern "C" fn ws_start(sample_rate: f32) -> i32 {
    let options = EngineOptions { sample_rate, ..EngineOptions::default() };
    match Engine::new(options) {
        Ok(engine) => {
            let engine = Arc::new(engine);
            let store = KitStore::with_engine(engine.clone());
            let host = Host {
                store,
                engine: Box::leak(Box::new(engine)),
                pieces: Vec::new(),
                events: Vec::new(),
                next: 0,
                at: 0,
                notes: Vec::with_capacity(2048),
                live: Vec::with_capacity(256),
                text: String::new(),
                demo: None,
                out: vec![0.0; 2 * MAX_BLOCK],
                error: String::new(),
            };
            HOST.with(|h| *h.borrow_mut() = Some(host));
            0
        }
        Err(e) => {
            ERROR.with(|s| *s.borrow_mut() = e.to_string());
            1
        }
    }
}

thread_local! {
    /// An error from before the engine existed.
    static ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The last error's text (UTF-8): its address; `ws_error_len` its length.
///
/// Thread: the worklet's. No allocation.
#[no_mangle]
pub extern "C" fn ws_error() -> *const u8 {
    with_host(None, |h| Some(h.error.as_ptr())).unwrap_or_else(|| ERROR.with(|s| s.borrow().as_ptr()))
}

/// The length of [`ws_error`]'s text.
///
/// Thread: the worklet's. No allocation.
#[no_mangle]
pub extern "C" fn ws_error_len() -> u32 {
    with_host(None, |h| Some(h.error.len() as u32)).unwrap_or_else(|| ERROR.with(|s| s.borrow().len() as u32))
}

/// Gives `pad` (0 to 5) the demo sound's mapping and settings, before its
/// WAV file (the site's `demo/`, decoded in the page) loads into it with
/// note 255 ([`ws_begin_load`]: keep the mapping); [`ws_demo_finish`] after.
/// The same steps as the command line's `--demo`, with the sounds from the
/// files instead of made in memory. 0 on success, else 1 (`ws_error`).
///
/// Thread: the worklet's. Allocates (the kit).
#[no_mangle]
pub extern "C" fn ws_demo_prepare(pad: u32) -> i32 {
    demo_step(pad, cli::demo::prepare_pad)
}

/// Gives `pad`'s loaded demo sample its root key. 0, or 1 (`ws_error`).
///
/// Thread: the worklet's. Allocates (the kit).
#[no_mangle]
pub extern "C" fn ws_demo_finish(pad: u32) -> i32 {
    demo_step(pad, cli::demo::finish_pad)
}

fn demo_step(pad: u32, step: fn(&KitStore, usize, &cli::demo::DemoSound) -> Result<(), decode::LoadError>) -> i32 {
    with_host(1, |h| {
        let sounds = h.demo.get_or_insert_with(cli::demo::kit);
        let done = match sounds.get(pad as usize) {
            Some(sound) => step(&h.store, pad as usize, sound).map_err(|e| e.to_string()),
            None => Err(format!("the demo kit has no pad {}", pad + 1)),
        };
        match done {
            Ok(()) => 0,
            Err(e) => {
                h.error = e;
                1
            }
        }
    })
}

/// Plays the demo pattern from now on, at `rate` (the demo kit loaded with
/// [`ws_demo_prepare`], the files and [`ws_demo_finish`]); gives the frames
/// the command line renders for it (the pattern and its 2 s tail).
///
/// Thread: the worklet's. Allocates the event list.
#[no_mangle]
pub extern "C" fn ws_play_demo(rate: u32) -> f64 {
    with_host(0.0, |h| {
        h.events = to_frames(&cli::demo::pattern(), rate);
        h.next = 0;
        h.at = 0;
        length_for(&h.events, rate, 2.0) as f64
    })
}

/// Renders `frames` frames (at most 4096): the events due in them, then
/// housekeeping. Gives the address of the left channel; the right follows
/// it, 4096 floats on.
///
/// Thread: the worklet's. The block itself allocates nothing; the
/// housekeeping after it (the page has no other thread to run it on) may,
/// when it frees a region or logs a fault.
#[no_mangle]
pub extern "C" fn ws_process(frames: u32) -> *const f32 {
    with_host(std::ptr::null(), |h| {
        let frames = (frames as usize).min(MAX_BLOCK);
        let end = h.at + frames as u64;
        h.notes.clear();
        while h.next < h.events.len() && h.events[h.next].frame < end {
            let offset = (h.events[h.next].frame.saturating_sub(h.at)) as u32;
            h.notes.push(h.events[h.next].event.at(offset));
            h.next += 1;
        }
        h.notes.append(&mut h.live);
        let (left, right) = h.out.split_at_mut(MAX_BLOCK);
        h.engine.process(&h.notes, &mut left[..frames], &mut right[..frames]);
        h.engine.housekeeping();
        h.at = end;
        h.out.as_ptr()
    })
}

/// `len` bytes of this module's memory for the page to fill (a file's
/// bytes, a MIDI file); given back by the call that takes them.
///
/// Thread: the worklet's. Allocates `len` bytes.
#[no_mangle]
pub extern "C" fn ws_alloc(len: u32) -> *mut u8 {
    let mut bytes = std::mem::ManuallyDrop::new(vec![0u8; len as usize]);
    bytes.as_mut_ptr()
}

/// Takes back what [`ws_alloc`] gave: the bytes at `ptr`, `len` long.
///
/// # Safety
/// `ptr` and `len` must be a [`ws_alloc`] result and its length, not
/// taken back before.
unsafe fn take(ptr: *mut u8, len: u32) -> Vec<u8> {
    // SAFETY: the caller's promise: a vector of exactly this length and
    // capacity, leaked by `ws_alloc`.
    unsafe { Vec::from_raw_parts(ptr, len as usize, len as usize) }
}

/// The frames the command line renders for a MIDI file at `rate` (its
/// events and the 2 s tail), or -1 if it is not one (`ws_error` is not set:
/// this needs no engine). Takes the bytes back.
///
/// Thread: the worklet's. Allocates the events while it counts.
///
/// # Safety
/// `ptr` and `len` must come from [`ws_alloc`].
#[no_mangle]
pub unsafe extern "C" fn ws_midi_frames(ptr: *mut u8, len: u32, rate: u32) -> f64 {
    // SAFETY: the caller's promise.
    let bytes = unsafe { take(ptr, len) };
    match cli::midi::parse_midi(&bytes) {
        Ok(timed) => length_for(&to_frames(&timed, rate), rate, 2.0) as f64,
        Err(_) => -1.0,
    }
}

/// Plays a MIDI file (from [`ws_alloc`], taken back) from now on at
/// `rate`, as the command line's `--midi` does; gives the frames it renders
/// (events and the 2 s tail), or -1 (`ws_error` says why).
///
/// Thread: the worklet's. Allocates the event list.
///
/// # Safety
/// `ptr` and `len` must come from [`ws_alloc`].
#[no_mangle]
pub unsafe extern "C" fn ws_play_midi(ptr: *mut u8, len: u32, rate: u32) -> f64 {
    // SAFETY: the caller's promise.
    let bytes = unsafe { take(ptr, len) };
    with_host(-1.0, |h| match cli::midi::parse_midi(&bytes) {
        Ok(timed) => {
            h.events = to_frames(&timed, rate);
            h.next = 0;
            h.at = 0;
            length_for(&h.events, rate, 2.0) as f64
        }
        Err(e) => {
            h.error = e;
            -1.0
        }
    })
}

/// Plays `note` now (at the next block's first frame) at MIDI `velocity`
/// 1..=127; velocity 0 releases it.
///
/// Thread: the worklet's. No allocation (the queue is reserved; it grows only past 256 notes between two blocks).
#[no_mangle]
pub extern "C" fn ws_note(note: u32, velocity: u32) {
    let note = note.min(127) as u8;
    with_host((), |h| {
        // Held notes beyond a block's worth wait for the next (none are
        // dropped: the queue only grows between two blocks).
        h.live.push(match velocity.min(127) {
            0 => NoteEvent::Off { frame: 0, channel: 0, note },
            v => NoteEvent::On { frame: 0, channel: 0, note, velocity: v as f32 / 127.0 },
        });
    })
}

/// Empties `pad` (its voices fade; its region is freed once they have).
///
/// Thread: the worklet's. Allocates (the kit).
#[no_mangle]
pub extern "C" fn ws_clear(pad: u32) {
    with_host((), |h| h.store.clear(pad as usize))
}

/// Sets `pad`'s gain (dB), pan (-1..1) and tune (semitones), each clamped
/// to its range in the settings table. 0 on success, else 1 (`ws_error`).
///
/// Thread: the worklet's. Allocates (the kit).
#[no_mangle]
pub extern "C" fn ws_set(pad: u32, gain_db: f32, pan: f32, tune_semitones: f32) -> i32 {
    with_host(1, |h| {
        let edited = h.store.edit(pad as usize, |p| {
            p.settings.gain_db = settings::PAD_GAIN_DB.clamp(gain_db);
            p.settings.pan = settings::PAN.clamp(pan);
            p.settings.tune_semitones = settings::TUNE_SEMITONES.clamp(tune_semitones).round() as i32;
        });
        match edited {
            Ok(()) => 0,
            Err(e) => {
                h.error = e;
                1
            }
        }
    })
}

/// The pads, the memory map and the engine's figures as JSON (UTF-8):
/// its address; [`ws_state_len`] its length. `{ pads: [{ pad, name, note,
/// frames, rate, channels, bytes, error }], map: [{ offset, len, kind, pad
/// }], stats }`.
///
/// Thread: the worklet's. Allocates the text.
#[no_mangle]
pub extern "C" fn ws_state() -> *const u8 {
    with_host(std::ptr::null(), |h| {
        let pads: Vec<serde_json::Value> = h
            .store
            .pads()
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let sample = p.sample.as_ref();
                serde_json::json!({
                    "pad": i,
                    "name": p.model.samples.first().map(|s| s.file.display().to_string()),
                    // The note a click plays: a drum pad's, a pitched pad's root.
                    "note": match p.model.mapping.trigger {
                        kit::Trigger::Note(n) => Some(n),
                        kit::Trigger::Range { .. } => p.model.samples.first().map(|s| s.params.root_key),
                    },
                    "frames": sample.map(|s| s.info.frames),
                    "rate": sample.map(|s| s.info.sample_rate),
                    "channels": sample.map(|s| s.info.channels),
                    "bytes": sample.map(|s| s.info.bytes()),
                    "gain_db": p.model.settings.gain_db,
                    "pan": p.model.settings.pan,
                    "tune": p.model.settings.tune_semitones,
                    "error": p.error,
                })
            })
            .collect();
        let map: Vec<serde_json::Value> = h
            .engine
            .memory_map()
            .iter()
            .map(|s| {
                let (kind, pad) = match s.kind {
                    engine::SegmentKind::Guest => ("guest", None),
                    engine::SegmentKind::Io => ("io", None),
                    engine::SegmentKind::Sample { pad } => ("sample", Some(pad)),
                    engine::SegmentKind::Retired => ("retired", None),
                    engine::SegmentKind::Free => ("free", None),
                };
                serde_json::json!({ "offset": s.offset, "len": s.len, "kind": kind, "pad": pad })
            })
            .collect();
        let state = serde_json::json!({ "pads": pads, "map": map, "stats": h.engine.stats() });
        h.text = state.to_string();
        h.text.as_ptr()
    })
}

/// The length of [`ws_state`]'s text.
///
/// Thread: the worklet's. No allocation.
#[no_mangle]
pub extern "C" fn ws_state_len() -> u32 {
    with_host(0, |h| h.text.len() as u32)
}

/// The decoded file [`ws_decode`] gives out: its stored samples and its
/// nine info numbers.
struct Decoded {
    data: Vec<u8>,
    info: [u32; 9],
}

thread_local! {
    static DECODED: RefCell<Option<Decoded>> = const { RefCell::new(None) };
}

/// A [`decode::SampleInfo`] as nine numbers: channels, frames, rate, the
/// stored format's ABI code, the kind (0 WAV, 1 AIFF, 2 FLAC, 3 Ogg, 4 MP3,
/// 255 none), the root key (255: none), whether there is a loop, its start
/// and its end.
fn info_words(info: &decode::SampleInfo) -> [u32; 9] {
    use decode::FileKind::*;
    let kind = match info.kind {
        Some(Wav) => 0,
        Some(Aiff) => 1,
        Some(Flac) => 2,
        Some(Ogg) => 3,
        Some(Mp3) => 4,
        None => 255,
    };
    let (looped, start, end) = info.meta.loop_frames.map_or((0, 0, 0), |(s, e)| (1, s, e));
    [info.channels as u32, info.frames, info.sample_rate, info.format.abi(), kind, info.meta.root_key.map_or(255, u32::from), looped, start, end]
}

fn info_from_words(w: [u32; 9]) -> Option<decode::SampleInfo> {
    use decode::{FileKind, StoredFormat};
    let format = [StoredFormat::I8, StoredFormat::I16, StoredFormat::I24, StoredFormat::F32].into_iter().find(|f| f.abi() == w[3])?;
    let kind = match w[4] {
        0 => Some(FileKind::Wav),
        1 => Some(FileKind::Aiff),
        2 => Some(FileKind::Flac),
        3 => Some(FileKind::Ogg),
        4 => Some(FileKind::Mp3),
        _ => None,
    };
    let meta = decode::SamplerMeta { root_key: u8::try_from(w[5]).ok().filter(|k| *k <= 127), loop_frames: (w[6] == 1).then_some((w[7], w[8])) };
    (matches!(w[0], 1 | 2) && w[1] > 0 && w[2] > 0).then_some(decode::SampleInfo { channels: w[0] as u16, frames: w[1], sample_rate: w[2], format, kind, meta })
}

/// Decodes an audio file's bytes (from [`ws_alloc`], taken back) with the
/// plugin's decoder, as the plugin stores it: at its own rate and depth.
/// Its nine info numbers (see `info_words`) are at [`ws_decoded_info`]; the
/// stored samples at [`ws_decoded`], [`ws_decoded_len`] bytes, until the
/// next decode or [`ws_decoded_drop`]. 0 on success, else 1 (`ws_error`
/// says why, naming the file). Needs no engine: the page's main thread
/// runs it on an instance of its own, so the audio thread never decodes.
///
/// Thread: the page's main thread. Allocates (the decoded samples).
///
/// # Safety
/// The pointers with their lengths must come from [`ws_alloc`].
#[no_mangle]
pub unsafe extern "C" fn ws_decode(name_ptr: *mut u8, name_len: u32, bytes_ptr: *mut u8, bytes_len: u32) -> i32 {
    // SAFETY: the caller's promise.
    let (name, bytes) = unsafe { (take(name_ptr, name_len), take(bytes_ptr, bytes_len)) };
    let name = String::from_utf8_lossy(&name).into_owned();
    let decoded = decode::AudioFile::from_bytes(std::path::Path::new(&name), bytes).and_then(|file| {
        let info = file.info();
        let mut data = vec![0u8; info.bytes() as usize];
        let mut write = |offset: usize, piece: &[u8]| data[offset..offset + piece.len()].copy_from_slice(piece);
        file.decode_into(&mut decode::SampleSink::new(info.samples() as usize, info.format, &mut write))?;
        Ok((info, data))
    });
    match decoded {
        Ok((info, data)) => {
            DECODED.with(|d| *d.borrow_mut() = Some(Decoded { data, info: info_words(&info) }));
            0
        }
        Err(e) => {
            ERROR.with(|s| *s.borrow_mut() = e.to_string());
            1
        }
    }
}

/// Where the last decode's nine info numbers are.
///
/// Thread: the page's main thread. No allocation.
#[no_mangle]
pub extern "C" fn ws_decoded_info() -> *const u32 {
    DECODED.with(|d| d.borrow().as_ref().map_or(std::ptr::null(), |d| d.info.as_ptr()))
}

/// Where the last decode's stored samples are.
///
/// Thread: the page's main thread. No allocation.
#[no_mangle]
pub extern "C" fn ws_decoded() -> *const u8 {
    DECODED.with(|d| d.borrow().as_ref().map_or(std::ptr::null(), |d| d.data.as_ptr()))
}

/// How many bytes [`ws_decoded`] holds.
///
/// Thread: the page's main thread. No allocation.
#[no_mangle]
pub extern "C" fn ws_decoded_len() -> u32 {
    DECODED.with(|d| d.borrow().as_ref().map_or(0, |d| d.data.len() as u32))
}

/// Frees the last decode's samples.
///
/// Thread: the page's main thread. Frees.
#[no_mangle]
pub extern "C" fn ws_decoded_drop() {
    DECODED.with(|d| *d.borrow_mut() = None);
}

/// Begins loading a decoded file into `pad` (a one-shot pad on `note`, as
/// the command line's `--sample NOTE=PATH`; 255 keeps the pad's mapping) in
/// pieces: reserves its region, sized by the nine info numbers
/// [`ws_decode`] gave (`i0`..`i8`). Gives a token for [`ws_load_piece`]
/// and [`ws_finish_load`], or -1 (`ws_error`).
///
/// Thread: the worklet's, between two quanta. Allocates (the reservation's
/// bookkeeping), no copying.
///
/// # Safety
/// `name_ptr`/`name_len` must come from [`ws_alloc`] (taken back).
#[no_mangle]
#[allow(clippy::too_many_arguments)] // the nine numbers, one for one
pub unsafe extern "C" fn ws_begin_load(
    pad: u32,
    note: u32,
    name_ptr: *mut u8,
    name_len: u32,
    i0: u32,
    i1: u32,
    i2: u32,
    i3: u32,
    i4: u32,
    i5: u32,
    i6: u32,
    i7: u32,
    i8: u32,
) -> i32 {
    // SAFETY: the caller's promise.
    let name = String::from_utf8_lossy(&unsafe { take(name_ptr, name_len) }).into_owned();
    let words = [i0, i1, i2, i3, i4, i5, i6, i7, i8];
    with_host(-1, |h| {
        let pad = pad as usize;
        let Some(info) = info_from_words(words) else {
            h.error = format!("{name}: the decoded file's description is not valid");
            return -1;
        };
        // A pad that would play on another note is mapped to `note` first,
        // as `--sample NOTE=PATH` does (255: keep the mapping, the demo's
        // pads); one that already plays on it is left alone, so a file that
        // fails to load changes nothing.
        let mapping = kit::Mapping::drum(note.min(127) as u8);
        let current = h.store.pads().get(pad).map(|p| p.model.mapping).unwrap_or_else(|| kit::Mapping::default_for(pad));
        if note != 255 && current != mapping {
            if let Err(e) = h.store.edit(pad, |p| p.mapping = mapping) {
                h.error = e;
                return -1;
            }
        }
        match h.store.begin_piece_load(h.engine, pad, &name, info) {
            Ok(load) => {
                let token = h.pieces.iter().position(Option::is_none).unwrap_or(h.pieces.len());
                if token == h.pieces.len() {
                    h.pieces.push(None);
                }
                h.pieces[token] = Some(load);
                token as i32
            }
            Err(e) => {
                h.error = e.to_string();
                -1
            }
        }
    })
}

/// Writes one piece (from [`ws_alloc`], taken back) of load `token` at byte
/// `offset` of its region. 0, or 1 (`ws_error`).
///
/// Thread: the worklet's, between two quanta. Copies the piece; frees it.
///
/// # Safety
/// `ptr` and `len` must come from [`ws_alloc`].
#[no_mangle]
pub unsafe extern "C" fn ws_load_piece(token: u32, offset: u32, ptr: *mut u8, len: u32) -> i32 {
    // SAFETY: the caller's promise.
    let piece = unsafe { take(ptr, len) };
    with_host(1, |h| {
        let written = match h.pieces.get_mut(token as usize).and_then(Option::as_mut) {
            Some(load) => load.write(offset as usize, &piece),
            None => Err(format!("no load {token} under way")),
        };
        match written {
            Ok(()) => 0,
            Err(e) => {
                h.error = e;
                1
            }
        }
    })
}

/// Publishes load `token` as its pad's sample (or, with `cancel`, gives its
/// region back). 0, or 1 (`ws_error`).
///
/// Thread: the worklet's, between two quanta. Allocates (the kit).
#[no_mangle]
pub extern "C" fn ws_finish_load(token: u32, cancel: u32) -> i32 {
    with_host(1, |h| {
        let Some(load) = h.pieces.get_mut(token as usize).and_then(Option::take) else {
            h.error = format!("no load {token} under way");
            return 1;
        };
        if cancel != 0 {
            return 0;
        }
        match h.store.finish_piece_load(load) {
            Ok(_) => 0,
            Err(e) => {
                h.error = e.to_string();
                1
            }
        }
    })
}
