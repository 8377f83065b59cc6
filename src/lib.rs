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

/// The first line of a caught panic's message ("panic" if it carries no
/// text): what a bug in a parser or decoder shows in the one-line error of
/// the file that set it off.
///
/// Thread: any non-real-time thread. Allocates the text.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str)).unwrap_or("panic");
    text.lines().next().unwrap_or("panic").to_string()
}

// The CLAP entry point is `plugin::clap_entry` (nice-plug's, plus note names).
nice_plug::nice_export_vst3!(plugin::WasmSamplerVst3);

#[cfg(test)]
mod tests {
    #[test]
    fn panic_text_is_the_first_line_of_the_message_or_panic() {
        let caught = |f: fn()| std::panic::catch_unwind(f).unwrap_err();
        let formatted = caught(|| panic!("bad {}\nsecond line", 1));
        let literal = caught(|| panic!("literal"));
        let other = caught(|| std::panic::panic_any(7_u32));
        assert_eq!(super::panic_text(&*formatted), "bad 1");
        assert_eq!(super::panic_text(&*literal), "literal");
        assert_eq!(super::panic_text(&*other), "panic");
    }
}
