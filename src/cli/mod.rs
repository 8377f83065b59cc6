//! The pieces behind `wasm-sampler-render`: offline rendering ([`render`]),
//! MIDI files ([`midi`]) and the generated demo kit ([`demo`]).
//!
//! Thread: non-real-time (the command-line tool, tests, benches).

pub mod demo;
pub mod midi;
pub mod render;
#[cfg(not(target_arch = "wasm32"))]
pub mod web_site;
