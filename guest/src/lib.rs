//! Wasm Sampler's DSP: voices, interpolation, envelopes and mixing.
//!
//! Compiled two ways from the same source:
//! - for `wasm32-unknown-unknown` as the guest module the plugin embeds and
//!   runs with wasmtime (the exports live in `wasm.rs`, compiled only there);
//! - natively as an rlib, for unit tests, for benches comparing native and
//!   wasm, and for the host's `--engine native`.
//!
//! [`abi`] is the single definition of the memory map and records shared with
//! the host.
#![cfg_attr(not(test), no_std)]

pub mod abi;
pub mod envelope;
pub mod filter;
mod frames4;
pub mod interp;
pub mod lanes;
pub mod looping;
pub mod memory;
mod motion;
pub mod pad;
pub mod sampler;
pub mod voice;

#[cfg(all(target_arch = "wasm32", not(feature = "library")))]
mod wasm;

pub use memory::Memory;
pub use sampler::Sampler;
