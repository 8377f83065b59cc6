//! The kit state a DAW hands back (JSON): any bytes give a kit or the
//! default kit and one line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_sampler::kit::Kit;

fuzz_target!(|data: &[u8]| {
    let value = serde_json::from_slice::<serde_json::Value>(data).unwrap_or(serde_json::Value::Null);
    let (kit, why) = Kit::from_json(&value);
    if let Some(why) = why {
        assert_eq!(kit, Kit::default());
        assert!(!why.contains('\n'));
    } else {
        // What was read saves and reads back the same.
        assert_eq!(Kit::from_json(&kit.to_json()), (kit, None));
    }
});
