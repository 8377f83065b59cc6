//! Wasm Sampler: a sampler instrument whose DSP runs as a WebAssembly guest.
//!
//! The host side lives here: the guest runtime ([`runtime`]), the region
//! allocator for sample data in the guest's linear memory ([`allocator`]),
//! file decoding ([`loader`]), MIDI-to-slot triggering ([`triggering`]), and the
//! [`engine`] that ties them together behind an API the plugin, the editor and
//! the offline renderer ([`render`], `wasm-sampler-render`) share.
//!
//! The DSP itself, and the ABI both sides use, is the `wasm-sampler-guest`
//! crate in `guest/`, re-exported as [`guest`].

pub mod allocator;
pub mod demo;
pub mod editor;
pub mod engine;
pub mod kit;
pub mod loader;
pub mod midi;
pub mod params;
pub mod plugin;
pub mod render;
pub mod runtime;
pub mod triggering;

pub use engine::{Engine, EngineOptions, EngineStats};
pub use runtime::EngineKind;
pub use wasm_sampler_guest as guest;

nice_plug::nice_export_clap!(plugin::WasmSampler);
nice_plug::nice_export_vst3!(plugin::WasmSampler);
