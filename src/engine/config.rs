// The wasmtime configuration, shared by the DSP backend (`backend.rs`) and the
// build script (`build.rs`, through `include!`) so that the precompiled guest
// embedded in the binary is made with exactly the settings it is loaded with.

/// The engine configuration every guest runs under.
///
/// - memory: host-created and imported by the guest, with the whole 4 GiB
///   reserved up front and `memory_may_move(false)`, so its base address never
///   changes and the loader can write sample data through it while the audio
///   thread runs the guest;
/// - epoch interruption, for the per-call deadline;
/// - the host's target triple set explicitly, which makes Cranelift use the
///   architecture's baseline features instead of the build machine's CPU: the
///   embedded artifact then loads on any CPU of the architecture.
///
/// `target` is the Rust target triple the plugin is built for.
///
/// Thread: any non-real-time (build script, engine creation). Allocates.
pub fn engine_config(target: &str) -> wasmtime::Result<wasmtime::Config> {
    let mut config = wasmtime::Config::new();
    config.memory_reservation(1 << 32);
    config.memory_reservation_for_growth(0);
    config.memory_guard_size(2 << 30);
    config.memory_may_move(false);
    config.epoch_interruption(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    config.target(target)?;
    Ok(config)
}
