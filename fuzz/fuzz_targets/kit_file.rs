//! Kit files and SFZ files from disk (their text, and for SFZ the
//! `#include`s and sample paths resolved beside them): a kit or one line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static DIR: std::path::PathBuf = {
            let dir = std::env::temp_dir().join(format!("wasm-sampler-fuzz-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            dir
        };
    }
    DIR.with(|dir| {
        // The first byte picks the reader; the rest is the file.
        let (name, text) = match data.split_first() {
            Some((b, rest)) if b & 1 == 0 => ("kit.sfz", rest),
            Some((_, rest)) => ("kit.json", rest),
            None => return,
        };
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        if let Err(e) = wasm_sampler::kit::file::open(&path) {
            assert!(!e.contains('\n'), "{e}");
        }
    });
});
