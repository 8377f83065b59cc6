//! Standard MIDI Files for the renderer: events or one line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = wasm_sampler::cli::midi::parse_midi(data) {
        assert!(!e.contains('\n'), "{e}");
    }
});
