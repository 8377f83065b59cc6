//! The browser host (`cargo xtask web`): the site carries the guest module
//! the plugin embeds, byte for byte, and a page in headless Chromium runs it
//! in an AudioWorklet after checking its SHA-256, its ABI version and its
//! heap, as the plugin's host does. A module that is not the plugin's is
//! refused. Needs Debian's `chromium` (CI installs it; elsewhere the tests
//! say SKIPPED unless `WASM_SAMPLER_REQUIRE_BROWSER_TESTS=1`).

use crate::common::*;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use wasm_sampler::cli::web_site::{assemble, sha256_hex};
use wasm_sampler::engine::module::EMBEDDED_WASM;
use wasm_sampler::guest::abi;

#[path = "../../xtask/src/serve.rs"]
mod serve;

/// Opens `page` of the site in `root` in headless Chromium and gives what
/// the page posted to `/result` (failing after 60 s).
fn page_result(root: &std::path::Path, page: &str) -> serde_json::Value {
    let (addr, results) = serve::start(root.to_path_buf(), 0).unwrap();
    let profile = tempdir();
    let mut browser = Command::new("chromium")
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("http://{addr}/{page}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so that its helper processes go with it.
        .process_group(0)
        .spawn()
        .expect("chromium starts");
    let posted = results.recv_timeout(Duration::from_secs(60));
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", browser.id())]).status();
    let _ = browser.wait();
    serde_json::from_slice(&posted.expect("the page reported within 60 s")).unwrap()
}

/// The site, built into a temporary folder; `None` (the test skips) when
/// Chromium is missing.
fn site() -> Option<tempfile::TempDir> {
    if !tools_or_skip("WASM_SAMPLER_REQUIRE_BROWSER_TESTS", &["chromium"], "the browser host") {
        return None;
    }
    let site = tempdir();
    assemble(site.path()).unwrap();
    Some(site)
}

#[test]
fn the_page_runs_the_plugins_own_guest_in_an_audio_worklet() {
    let Some(site) = site() else { return };
    assert_eq!(std::fs::read(site.path().join("guest.wasm")).unwrap(), EMBEDDED_WASM, "the site's guest is the plugin's");
    let status = page_result(site.path(), "?report=1");
    assert_eq!(status["ok"], true, "{status}");
    assert_eq!(status["abi"], abi::ABI_VERSION, "{status}");
    assert_eq!(status["sha256"], sha256_hex(EMBEDDED_WASM), "{status}");
    assert_eq!((status["init"].as_i64(), status["sampleRate"].as_f64()), (Some(0), Some(48_000.0)), "{status}");
    let heap = status["heapBase"].as_u64().unwrap();
    assert!(heap > 0 && heap <= abi::IO_BASE as u64, "{status}");
}

#[test]
fn a_guest_module_that_is_not_the_plugins_is_refused() {
    let Some(site) = site() else { return };
    let mut other = EMBEDDED_WASM.to_vec();
    let last = other.len() - 1;
    other[last] ^= 1;
    std::fs::write(site.path().join("guest.wasm"), &other).unwrap();
    let status = page_result(site.path(), "?report=1");
    assert_eq!(status["ok"], false, "{status}");
    let error = status["error"].as_str().unwrap();
    assert!(error.starts_with(&format!("guest.wasm is not the plugin's module (SHA-256 {}", sha256_hex(&other))), "{error}");
}
