//! The browser host's static site (`cargo xtask web`): the guest module the
//! plugin embeds (the same bytes), the host engine built for the browser
//! (`host.wasm`, from `web/host/`), a manifest the page checks them and the
//! memory layout against, the demo kit as WAV files, and the page's files
//! from `web/`.
//!
//! The demo sounds are written as 32-bit float WAVs at each sound's own
//! rate (44.1 or 48 kHz, as the demo makes them), so that decoding gives
//! back exactly the samples the command line plays: resampling them to
//! one rate would change the render.
//!
//! Thread: non-real-time (a build step). Allocates, writes files.

use std::path::Path;

use sha2::{Digest, Sha256};
use wasm_sampler_guest::abi;

use super::demo;
use crate::engine::module::EMBEDDED_WASM;

/// The page's own files, in `web/`.
const STATIC_FILES: [(&str, &str); 5] = [
    ("index.html", include_str!("../../web/index.html")),
    ("app.js", include_str!("../../web/app.js")),
    ("pads.js", include_str!("../../web/pads.js")),
    ("selftest.js", include_str!("../../web/selftest.js")),
    ("worklet.js", include_str!("../../web/worklet.js")),
];

/// Lowercase hex SHA-256 of `bytes`.
///
/// Thread: any non-real-time. Allocates the text.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The rate and length of the page's `?render=demo`: what
/// `wasm-sampler-render --demo --rate 48000` renders (the pattern and its
/// default 2 s tail).
pub const DEMO_RENDER_RATE: u32 = 48_000;

/// Frames of the demo render at [`DEMO_RENDER_RATE`].
///
/// Thread: any non-real-time. Allocates while it counts.
pub fn demo_render_frames() -> u64 {
    let events = super::render::to_frames(&demo::pattern(), DEMO_RENDER_RATE);
    super::render::length_for(&events, DEMO_RENDER_RATE, 2.0)
}

/// Builds the host engine for the browser (`web/host/`, release, for
/// wasm32-unknown-unknown) in `target_dir` (a directory of its own, so that
/// a build running inside another never waits on that one's lock) and gives
/// the module's bytes. Runs `cargo`; adds the wasm32 target with rustup if
/// the toolchain lacks it (as the plugin's build script does).
///
/// Thread: non-real-time. Allocates, runs a build.
pub fn build_host(target_dir: &Path) -> Result<Vec<u8>, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sysroot = std::process::Command::new("rustc").current_dir(root).args(["--print", "sysroot"]).output().ok().filter(|o| o.status.success());
    let installed = sysroot.is_some_and(|o| Path::new(String::from_utf8_lossy(&o.stdout).trim()).join("lib/rustlib/wasm32-unknown-unknown/lib").is_dir());
    if !installed {
        let added = std::process::Command::new("rustup").current_dir(root).args(["target", "add", "wasm32-unknown-unknown"]).status();
        if !added.is_ok_and(|s| s.success()) {
            return Err("the wasm32-unknown-unknown target is missing and `rustup target add wasm32-unknown-unknown` failed".into());
        }
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(root)
        .args(["build", "--quiet", "--release", "-p", "wasm-sampler-web", "--target", "wasm32-unknown-unknown", "--target-dir"])
        .arg(target_dir)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building web/host for wasm32 failed ({status})"));
    }
    let wasm = target_dir.join("wasm32-unknown-unknown/release/wasm_sampler_web.wasm");
    std::fs::read(&wasm).map_err(|e| format!("{}: {e}", wasm.display()))
}

/// Writes the site into `out` (created if missing), replacing what is
/// there of the same names; `host_wasm` is [`build_host`]'s module.
///
/// Thread: non-real-time. Allocates, writes files.
pub fn assemble(out: &Path, host_wasm: &[u8]) -> Result<(), String> {
    let err = |path: &Path, e: std::io::Error| format!("{}: {e}", path.display());
    let demo_dir = out.join("demo");
    std::fs::create_dir_all(&demo_dir).map_err(|e| err(&demo_dir, e))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|e| err(&path, e))
    };
    write("guest.wasm", EMBEDDED_WASM)?;
    write("host.wasm", host_wasm)?;
    for (name, text) in STATIC_FILES {
        write(name, text.as_bytes())?;
    }
    let mut sounds = Vec::new();
    for (pad, sound) in demo::kit().into_iter().enumerate() {
        let file = format!("demo/{}.wav", sound.name.replace(' ', "-"));
        write_float_wav(&out.join(&file), sound.sample_rate, sound.channels, &sound.data)?;
        sounds.push(serde_json::json!({
            "pad": pad, "name": sound.name, "file": file, "root_key": sound.root_key,
            "sample_rate": sound.sample_rate, "channels": sound.channels,
            "frames": sound.data.len() / sound.channels as usize,
        }));
    }
    let manifest = serde_json::json!({
        "guest": { "file": "guest.wasm", "bytes": EMBEDDED_WASM.len(), "sha256": sha256_hex(EMBEDDED_WASM) },
        "host": { "file": "host.wasm", "bytes": host_wasm.len(), "sha256": sha256_hex(host_wasm) },
        "demo_render": { "rate": DEMO_RENDER_RATE, "frames": demo_render_frames() },
        "abi": {
            "version": abi::ABI_VERSION, "io_base": abi::IO_BASE, "initial_pages": abi::INITIAL_PAGES,
            "max_pages": abi::MAX_PAGES, "max_frames": abi::MAX_FRAMES, "polyphony": abi::POLYPHONY,
        },
        "demo": sounds,
    });
    write("manifest.json", serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?.as_bytes())
}

/// A 32-bit float WAV of interleaved `data`.
fn write_float_wav(path: &Path, rate: u32, channels: u16, data: &[f32]) -> Result<(), String> {
    let err = |e: hound::Error| format!("{}: cannot write the WAV file ({e})", path.display());
    let spec = hound::WavSpec { channels, sample_rate: rate, bits_per_sample: 32, sample_format: hound::SampleFormat::Float };
    let mut w = hound::WavWriter::create(path, spec).map_err(err)?;
    for &v in data {
        w.write_sample(v).map_err(err)?;
    }
    w.finalize().map_err(err)
}
