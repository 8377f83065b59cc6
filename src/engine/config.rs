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
///   architecture's baseline features instead of the build machine's CPU,
///   plus, when `level` is [`CpuLevel::X86_64V2`], the x86-64-v2 features
///   (SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT; every x86_64 CPU since about
///   2009). The guest's SIMD kernels need them: with SSE2 alone Cranelift
///   spells lane inserts, shuffles and widening loads as long sequences, and
///   the measured guest ran 5x slower than without SIMD. wasmtime refuses to
///   run code built with features the CPU lacks, so an older CPU gets
///   [`CpuLevel::Baseline`] (see [`CpuLevel::of_this_cpu`]).
///
/// `target` is the Rust target triple the plugin is built for.
///
/// Thread: any non-real-time (build script, engine creation). Allocates.
pub fn engine_config(target: &str, level: CpuLevel) -> wasmtime::Result<wasmtime::Config> {
    let mut config = wasmtime::Config::new();
    config.memory_reservation(1 << 32);
    config.memory_reservation_for_growth(0);
    config.memory_guard_size(2 << 30);
    config.memory_may_move(false);
    config.epoch_interruption(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    config.target(target)?;
    if level == CpuLevel::X86_64V2 {
        for flag in X86_64_V2 {
            // SAFETY: these are ISA feature flags, which wasmtime checks
            // against the CPU before it runs code compiled with them.
            unsafe {
                config.cranelift_flag_enable(flag);
            }
        }
    }
    Ok(config)
}

/// Cranelift's names of the x86-64-v2 features the guest is compiled with.
const X86_64_V2: [&str; 5] = ["has_sse3", "has_ssse3", "has_sse41", "has_sse42", "has_popcnt"];

/// The CPU features guest code is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuLevel {
    /// The architecture's baseline (SSE2 on x86_64).
    Baseline,
    /// x86-64-v2; the embedded precompiled guest is built at this level.
    X86_64V2,
}

impl CpuLevel {
    /// The level the embedded artifact is precompiled at for `target`.
    ///
    /// Thread: any non-real-time. No allocation.
    pub fn for_target(target: &str) -> CpuLevel {
        if target.starts_with("x86_64") {
            CpuLevel::X86_64V2
        } else {
            CpuLevel::Baseline
        }
    }

    /// The best level this CPU runs: x86-64-v2 where it has every feature,
    /// else the baseline (the precompiled guest is then refused and the
    /// embedded wasm compiled for the baseline).
    ///
    /// Thread: any non-real-time. No allocation.
    #[allow(dead_code)] // build.rs includes this file and never asks.
    pub fn of_this_cpu() -> CpuLevel {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("sse3")
            && std::is_x86_feature_detected!("ssse3")
            && std::is_x86_feature_detected!("sse4.1")
            && std::is_x86_feature_detected!("sse4.2")
            && std::is_x86_feature_detected!("popcnt")
        {
            return CpuLevel::X86_64V2;
        }
        CpuLevel::Baseline
    }
}
