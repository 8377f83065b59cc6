//! Wasm Sampler: a sampler instrument whose DSP runs as a WebAssembly guest.
//!
//! The host side lives here, one folder per role (`ARCHITECTURE.md` in the
//! README draws the threads):
//! - [`settings`]: every setting's range, default, unit and display;
//! - [`kit`]: the pad model, its saved form, and the [`kit::KitStore`] that
//!   owns it and publishes each pad to the engine with its sample;
//! - [`engine`]: the guest ([`engine::backend`]), the region allocator, the
//!   sample store, triggering, and the block-by-block rendering;
//! - [`decode`]: sample files into reserved regions;
//! - [`plugin`]: the CLAP/VST3 instrument, its parameters, state, loader
//!   thread and editor link; [`editor`]: its window;
//! - [`cli`]: the offline renderer, MIDI files and the demo kit behind
//!   `wasm-sampler-render`.
//!
//! The DSP itself, and the ABI both sides use, is the `wasm-sampler-guest`
//! crate in `guest/`, re-exported as [`guest`].

pub mod cli;
pub mod decode;
pub mod editor;
pub mod engine;
pub mod kit;
pub mod plugin;
pub mod settings;

pub use engine::{DspBackend, Engine, EngineOptions, EngineStats};
pub use kit::KitStore;
pub use wasm_sampler_guest as guest;

mod panic_text;
pub use panic_text::panic_text;

// The CLAP entry point is `plugin::clap_entry` (nice-plug's, plus note names).
nice_plug::nice_export_vst3!(plugin::WasmSamplerVst3);
