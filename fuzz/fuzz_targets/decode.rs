//! Every file format the sampler reads, from bytes (as an embedded sample
//! arrives): the type is found from the content, the header checked, and
//! the whole sample decoded into a sink that only counts (so the fuzzer's
//! memory limit catches a decoder that allocates more than the file
//! justifies, not the destination).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_sampler::decode::{AudioFile, SampleSink};

fuzz_target!(|data: &[u8]| {
    // Panics the project's own guard catches inside symphonia (an overflow in its MP3 demuxer, found here) end as
    // that file's error, as in the plugin; only one that escapes is a crash
    // (it aborts at libFuzzer's boundary). libfuzzer-sys's hook would abort
    // on any.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let Ok(file) = AudioFile::from_bytes(std::path::Path::new("fuzz.wav"), data.to_vec()) else { return };
    let info = file.info();
    let len = info.samples() as usize;
    let mut written = 0usize;
    let mut count = |offset: usize, bytes: &[u8]| {
        assert!(offset + bytes.len() <= len * info.format.bytes_per_sample(), "a decoder wrote past the region it asked for");
        written += bytes.len();
    };
    let mut sink = SampleSink::new(len, info.format, &mut count);
    let _ = file.decode_into(&mut sink);
});
