//! Builds the DSP guest for wasm32 and embeds it (DESIGN §3).
//!
//! 1. `cargo rustc` compiles `guest/` for `wasm32-unknown-unknown` with the
//!    `guest` profile (see Cargo.toml) into a target directory of its own under
//!    `OUT_DIR`, so it never waits on the lock of the outer build. The linker
//!    settings that give the module its shape are all here, below.
//! 2. wasmtime precompiles the module with the runtime's exact configuration
//!    (`src/engine_config.rs`), for the architecture's baseline CPU.
//! 3. Both files land in `OUT_DIR`; `src/runtime.rs` embeds them.
//!
//! If the precompile fails (a target Cranelift was not built for), an empty
//! artifact is written and the runtime compiles the embedded wasm instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

include!("src/engine_config.rs");

/// Linker arguments for the guest module:
/// - import the memory (the host creates it, so it outlives guest instances);
/// - stack first, 64 KiB, so an overflow traps at address 0 instead of
///   running into the statics;
/// - initial memory = everything below the sample region (32 pages);
/// - export `__heap_base` and `__data_end`, which the host checks against the
///   I/O region when it loads a guest.
///
/// Keep in sync with `guest/src/abi.rs` (STACK_SIZE, SAMPLE_BASE).
const GUEST_LINK_ARGS: &[&str] = &[
    "--import-memory",
    "--stack-first",
    "-zstack-size=65536",
    "--initial-memory=2097152",
    "--export=__heap_base",
    "--export=__data_end",
];

fn main() {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let target = env::var("TARGET").expect("cargo sets TARGET");

    println!("cargo:rerun-if-changed=guest/src");
    println!("cargo:rerun-if-changed=guest/Cargo.toml");
    println!("cargo:rerun-if-changed=src/engine_config.rs");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=WASM_SAMPLER_TARGET={target}");

    let wasm = build_guest(&manifest_dir, &out_dir);
    let wasm_out = out_dir.join("guest.wasm");
    std::fs::copy(&wasm, &wasm_out).unwrap_or_else(|e| panic!("copying {}: {e}", wasm.display()));

    let bytes = std::fs::read(&wasm_out).expect("reading the guest module");
    let cwasm = match precompile(&bytes, &target) {
        Ok(artifact) => artifact,
        Err(e) => {
            println!("cargo:warning=guest not precompiled for {target} ({e}); the runtime will compile it at load");
            Vec::new()
        }
    };
    std::fs::write(out_dir.join("guest.cwasm"), cwasm).expect("writing the precompiled guest");
}

fn build_guest(manifest_dir: &Path, out_dir: &Path) -> PathBuf {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target_dir = out_dir.join("guest-target");
    let mut cmd = Command::new(cargo);
    cmd.current_dir(manifest_dir.join("guest"))
        .args(["rustc", "--lib", "--crate-type", "cdylib", "--profile", "guest", "--target", "wasm32-unknown-unknown", "--offline"])
        .arg("--target-dir")
        .arg(&target_dir)
        .arg("--");
    for arg in GUEST_LINK_ARGS {
        cmd.arg("-C").arg(format!("link-arg={arg}"));
    }
    // The outer build's flags are for the host, not for wasm32.
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "RUSTC_WORKSPACE_WRAPPER"] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("running cargo for the guest");
    if !status.success() {
        panic!(
            "building the wasm guest failed ({status}). If the wasm32 target is missing: \
             rustup target add wasm32-unknown-unknown"
        );
    }
    target_dir.join("wasm32-unknown-unknown/guest/wasm_sampler_guest.wasm")
}

fn precompile(wasm: &[u8], target: &str) -> wasmtime::Result<Vec<u8>> {
    let engine = wasmtime::Engine::new(&engine_config(target)?)?;
    engine.precompile_module(wasm)
}
