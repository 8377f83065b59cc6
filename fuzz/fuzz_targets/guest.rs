//! Guest modules given with `--guest`: the bytes are checked against the
//! ABI (wasmtime's validation, then our checks of imports, exports and
//! data segments) and refused with one line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = wasm_sampler::engine::GuestModule::from_bytes("fuzz.wasm", data) {
        assert!(!e.0.contains('\n'), "{}", e.0);
    }
});
