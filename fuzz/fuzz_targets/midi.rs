//! Standard MIDI Files for the renderer: events or one line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Panics the project's own guard catches inside midly (an overflow in its header parser, found here) end as
    // that file's error, as in the plugin; only one that escapes is a crash
    // (it aborts at libFuzzer's boundary). libfuzzer-sys's hook would abort
    // on any.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    if let Err(e) = wasm_sampler::cli::midi::parse_midi(data) {
        assert!(!e.contains('\n'), "{e}");
    }
});
