//! Memory, each figure against its reference in the same run:
//! - the guest's linear memory against the bytes of the samples in it plus
//!   the fixed regions below `SAMPLE_BASE` (I/O buffers, event queue, the
//!   guest's own data): what the region allocator wastes;
//! - the process's resident memory (RSS) with K samples loaded from files
//!   against the sum of the samples' bytes: what the engine, wasmtime and
//!   the loader cost besides the samples themselves (target ≤ 8 MiB), in
//!   all and its private (anonymous) part apart from the file-backed pages
//!   of the binary (code and the embedded guest, shared and reclaimable);
//! - wasmtime's reserved address space (virtual size), reported apart: it
//!   is reserved, not touched, and costs no memory.
//!
//! Each K runs in a fresh process (this binary runs itself), so the figures
//! do not carry the previous run's heap. The samples are 1 s stereo 16-bit
//! 44.1 kHz WAV files written here (stored as 16-bit in linear memory:
//! 176 400 bytes each).
//!
//! Not a criterion bench: memory is counted, not timed. Run:
//! `cargo bench --bench memory` (figures in README "Performance").

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::sync::Arc;

use wasm_sampler::engine::{Engine, EngineOptions};
use wasm_sampler::kit::KitStore;
use wasm_sampler::DspBackend;

const COUNTS: [usize; 4] = [0, 16, 64, 256];
const FRAMES: usize = 44_100;
const MIB: f64 = 1024.0 * 1024.0;

/// A field of /proc/self/status in bytes (`VmRSS`, `RssAnon`, `VmHWM`, `VmSize`).
fn status(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux only)");
    let line = text.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} in /proc/self/status"));
    let kib: u64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("a number of kB");
    kib * 1024
}

/// The child: loads `count` files (written by the parent into `dir`) and
/// prints one line of figures.
fn child(dir: &str, count: usize) {
    let (rss0, anon0, size0) = (status("VmRSS"), status("RssAnon"), status("VmSize"));
    let engine = Arc::new(Engine::new(EngineOptions { backend: DspBackend::Wasm, ..EngineOptions::default() }).unwrap());
    let store = KitStore::with_engine(engine.clone());
    for i in 0..count {
        let path = std::path::Path::new(dir).join(format!("s{i}.wav"));
        // Pads hold a sample each; past the pad count, a pad's layers.
        store.add_file(i % 128, &path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let stats = engine.stats();
    let (rss, anon, hwm, size) = (status("VmRSS"), status("RssAnon"), status("VmHWM"), status("VmSize"));
    let fixed = wasm_sampler::guest::abi::SAMPLE_BASE as u64;
    println!("{count} {} {} {fixed} {} {} {} {}", stats.sample_bytes, stats.memory_bytes, rss - rss0, anon - anon0, hwm - rss0, size - size0);
}

fn main() {
    if let (Some(dir), Some(count)) = (std::env::var_os("MEMORY_BENCH_DIR"), std::env::var_os("MEMORY_BENCH_COUNT")) {
        return child(dir.to_str().unwrap(), count.to_str().unwrap().parse().unwrap());
    }
    // `cargo bench` passes `--bench`; a filter argument is ignored here.
    let dir = common::tempdir();
    for i in 0..*COUNTS.iter().max().unwrap() {
        let data: Vec<i32> = (0..FRAMES * 2).map(|k| ((k as f32 * 0.001 * (i + 1) as f32).sin() * 20_000.0) as i32).collect();
        common::write_int_wav(&common::path_in(&dir, &format!("s{i}.wav")), 44_100, 2, 16, &data);
    }
    println!("memory: K samples of 1 s stereo 16-bit 44.1 kHz loaded from WAV files, one process each (MiB)");
    println!(
        "{:>5} {:>9} {:>9} {:>7} {:>11} {:>8} {:>9} {:>8} {:>14} {:>11} {:>10}",
        "K", "samples", "linear", "fixed", "alloc waste", "RSS +", "overhead", "anon +", "anon overhead", "peak RSS +", "virtual +"
    );
    for count in COUNTS {
        let out = Command::new(std::env::current_exe().unwrap())
            .env("MEMORY_BENCH_DIR", dir.path())
            .env("MEMORY_BENCH_COUNT", count.to_string())
            .output()
            .expect("running the child");
        assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
        let line = String::from_utf8_lossy(&out.stdout);
        let v: Vec<u64> = line.split_whitespace().map(|x| x.parse().unwrap()).collect();
        let (samples, linear, fixed, rss, anon, hwm, size) = (v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        let m = |b: u64| b as f64 / MIB;
        println!(
            "{count:>5} {:>9.2} {:>9.2} {:>7.2} {:>11.2} {:>8.2} {:>9.2} {:>8.2} {:>14.2} {:>11.2} {:>10.0}",
            m(samples),
            m(linear),
            m(fixed),
            m(linear) - m(samples) - m(fixed),
            m(rss),
            m(rss) - m(samples),
            m(anon),
            m(anon) - m(samples),
            m(hwm),
            m(size)
        );
    }
    println!("linear = the guest's memory; alloc waste = linear - samples - fixed (page rounding and free gaps);");
    println!("RSS + / peak RSS + = resident memory added by the engine and the loads; overhead = RSS + - samples;");
    println!("anon + = the private (anonymous) part of RSS +: the file-backed rest is the plugin binary's pages (code, the embedded guest),");
    println!("  shared with the page cache and dropped by the kernel under pressure; anon overhead = anon + - samples;");
    println!("virtual + = address space reserved (wasmtime reserves the 4 GiB memory and guard pages; untouched, it costs nothing)");
}
