//! The integration tests, one module per subject, in one test binary: each
//! test binary links wasmtime, Cranelift, egui and the plugin, so one binary
//! instead of twenty saves that link nineteen times per build (and, under
//! Wine, nineteen Wine starts). Tests that change process-wide state stay
//! in binaries of their own: `event_burst` (`NICE_LOG`), `editor_e2e` and
//! `drop_hosts` (`DISPLAY`, each its own Xvfb).
//!
//! One subject: `cargo test --test integration chokes::`.

#[path = "../common/mod.rs"]
mod common;

mod chokes;
mod clap_host;
mod cli;
// The Windows build's editor driven from the X side under Wine.
#[cfg(target_os = "linux")]
mod editor_wine;
mod envelope;
mod filter;
mod formats;
mod guest_abi;
mod hostile;
mod interpolation;
mod layers;
mod loading;
mod loops;
mod memory_budget;
mod parameters;
mod playback;
mod publishing;
mod realtime;
mod resampling;
mod sfz;
mod stress;
mod voices;
// The browser host, in headless Chromium.
#[cfg(target_os = "linux")]
mod web;
