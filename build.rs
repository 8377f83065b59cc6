//! Builds the DSP guest for wasm32 and embeds it (DESIGN §3).
//!
//! 0. The wasm32 target is added with rustup if the toolchain lacks it.
//! 1. `cargo rustc` compiles `guest/` for `wasm32-unknown-unknown` with the
//!    `guest` profile (see Cargo.toml) into a target directory of its own under
//!    `OUT_DIR`, so it never waits on the lock of the outer build. The linker
//!    settings that give the module its shape are derived from the ABI
//!    constants, below.
//! 2. wasmtime precompiles the module with the runtime's exact configuration
//!    (`src/engine/config.rs`), for the architecture's baseline CPU.
//! 3. Both files land in `OUT_DIR`; `src/engine/backend.rs` embeds them.
//!
//! If the precompile fails (a target Cranelift was not built for), an empty
//! artifact is written and the runtime compiles the embedded wasm instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

include!("src/engine/config.rs");

/// Linker arguments for the guest module, derived from the ABI constants
/// (`guest/src/abi.rs`, the one definition of the memory map):
/// - import the memory (the host creates it, so it outlives guest instances);
/// - stack first, `STACK_SIZE` bytes, so an overflow traps at address 0
///   instead of running into the statics;
/// - initial memory = everything below the sample region (`SAMPLE_BASE`);
/// - export `__heap_base` and `__data_end`, which the host checks against the
///   I/O region when it loads a guest.
fn guest_link_args() -> Vec<String> {
    use wasm_sampler_guest::abi::{SAMPLE_BASE, STACK_SIZE};
    vec![
        "--import-memory".into(),
        "--stack-first".into(),
        format!("-zstack-size={STACK_SIZE}"),
        format!("--initial-memory={SAMPLE_BASE}"),
        "--export=__heap_base".into(),
        "--export=__data_end".into(),
    ]
}

const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let target = env::var("TARGET").expect("cargo sets TARGET");

    println!("cargo:rerun-if-changed=guest/src");
    println!("cargo:rerun-if-changed=guest/Cargo.toml");
    println!("cargo:rerun-if-changed=src/engine/config.rs");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=WASM_SAMPLER_TARGET={target}");

    ensure_wasm_target();
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
        .args(["rustc", "--lib", "--crate-type", "cdylib", "--profile", "guest", "--target", WASM_TARGET, "--offline"])
        .arg("--target-dir")
        .arg(&target_dir)
        .arg("--");
    // The voice loop's vector kernels (guest/src/lanes.rs); wasmtime
    // compiles wasm SIMD for any x86_64 (SSE2) and every current browser
    // runs it.
    cmd.arg("-C").arg("target-feature=+simd128");
    for arg in guest_link_args() {
        cmd.arg("-C").arg(format!("link-arg={arg}"));
    }
    // The outer build's flags are for the host, not for wasm32.
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "RUSTC_WORKSPACE_WRAPPER"] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("running cargo for the guest");
    if !status.success() {
        panic!("building the wasm guest failed ({status}); cargo's messages above say why");
    }
    target_dir.join(WASM_TARGET).join("guest/wasm_sampler_guest.wasm")
}

/// Makes sure the compiler building us has the wasm32 standard library.
///
/// `rust-toolchain.toml` lists the target, but rustup adds listed targets only
/// when it installs the toolchain: a machine that already had this toolchain
/// lacks it. Then, if rustup is there, add the target to exactly the toolchain
/// running this build; otherwise stop with a one-line error that says how.
fn ensure_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let installed = |root: &Path| root.join("lib/rustlib").join(WASM_TARGET).join("lib").is_dir();
    if sysroot.as_deref().is_some_and(installed) {
        return;
    }
    // rustup's proxies name the toolchain they run in RUSTUP_TOOLCHAIN; a
    // sysroot under rustup's toolchains folder is named by its folder.
    let toolchain = env::var("RUSTUP_TOOLCHAIN").ok().or_else(|| sysroot.as_ref().and_then(|s| s.file_name()).map(|n| n.to_string_lossy().into_owned()));
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add", WASM_TARGET]);
    if let Some(t) = &toolchain {
        cmd.args(["--toolchain", t]);
    }
    println!("cargo:warning=the {WASM_TARGET} target is missing; adding it with rustup");
    match cmd.status() {
        Ok(status) if status.success() => {}
        Ok(status) => panic!("the {WASM_TARGET} target is missing and `rustup target add {WASM_TARGET}` failed ({status}); add it by hand"),
        Err(_) => panic!("the {WASM_TARGET} target is missing and rustup is not available: install the target for this compiler ({})", rustc.to_string_lossy()),
    }
}

fn precompile(wasm: &[u8], target: &str) -> wasmtime::Result<Vec<u8>> {
    let engine = wasmtime::Engine::new(&engine_config(target, CpuLevel::for_target(target))?)?;
    engine.precompile_module(wasm)
}
