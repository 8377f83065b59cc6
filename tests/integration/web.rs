//! The browser host (`cargo xtask web`): the site carries the guest module
//! the plugin embeds, byte for byte, and a page in headless Chromium runs it
//! in an AudioWorklet after checking its SHA-256, its ABI version and its
//! heap, as the plugin's host does, with the plugin's engine built for the
//! browser (`web/host/`). A module that is not the plugin's is refused; the
//! page's offline render of the demo equals the command line's bit for bit.
//! Needs Debian's `chromium` (CI installs it; elsewhere the tests say
//! SKIPPED unless `WASM_SAMPLER_REQUIRE_BROWSER_TESTS=1`); builds the host
//! engine for wasm32 into `target/web-host/` (about a minute the first
//! time).

use crate::common::*;

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use wasm_sampler::cli::web_site::{assemble, build_host, demo_render_frames, sha256_hex};
use wasm_sampler::engine::module::EMBEDDED_WASM;
use wasm_sampler::guest::abi;

#[path = "../../xtask/src/serve.rs"]
mod serve;

/// Opens `page` of the site in `root` in headless Chromium and gives the
/// first result the page posted to `/result` that has `key` (or an
/// `error`), failing after 120 s.
fn page_result(root: &std::path::Path, page: &str, key: &str) -> serde_json::Value {
    let (addr, results) = serve::start(root.to_path_buf(), 0).unwrap();
    let profile = tempdir();
    let mut browser = Command::new("chromium")
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio", "--autoplay-policy=no-user-gesture-required"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("http://{addr}/{page}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so that its helper processes go with it.
        .process_group(0)
        .spawn()
        .expect("chromium starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let mut posted = None;
    while let Ok(body) = results.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        if value.get(key).is_some() || value.get("error").is_some() {
            posted = Some(value);
            break;
        }
    }
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", browser.id())]).status();
    let _ = browser.wait();
    posted.unwrap_or_else(|| panic!("the page posted no result with {key:?} within 120 s"))
}

/// The site, built into a temporary folder; `None` (the test skips) when
/// Chromium is missing.
fn site() -> Option<tempfile::TempDir> {
    if !tools_or_skip("WASM_SAMPLER_REQUIRE_BROWSER_TESTS", &["chromium"], "the browser host") {
        return None;
    }
    // Built once for all the tests here.
    static HOST: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    // In target/web-host/, where `cargo xtask web` builds it too.
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target/tmp is in target/").join("web-host");
    let host = HOST.get_or_init(|| build_host(&target).unwrap());
    let site = tempdir();
    assemble(site.path(), host).unwrap();
    Some(site)
}

#[test]
fn the_page_runs_the_plugins_own_guest_in_an_audio_worklet() {
    let Some(site) = site() else { return };
    assert_eq!(std::fs::read(site.path().join("guest.wasm")).unwrap(), EMBEDDED_WASM, "the site's guest is the plugin's");
    let status = page_result(site.path(), "?report=1", "ok");
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
    let status = page_result(site.path(), "?report=1", "ok");
    assert_eq!(status["ok"], false, "{status}");
    let error = status["error"].as_str().unwrap();
    assert!(error.starts_with(&format!("guest.wasm is not the plugin's module (SHA-256 {}", sha256_hex(&other))), "{error}");
}

/// The contract other tools rely on: `index.html?render=demo` decodes the
/// demo kit's WAV files in the page (the plugin's decoder, in `host.wasm`)
/// and renders the kit and pattern offline (48 kHz, stereo, the browser's
/// 128-frame quanta) through the plugin's guest and engine, and its SHA-256 of the
/// interleaved little-endian float32 samples equals the same digest of
/// `wasm-sampler-render --demo --rate 48000`'s output.
#[test]
fn the_pages_offline_demo_render_is_the_command_lines_bit_for_bit() {
    let Some(site) = site() else { return };
    let dir = tempdir();
    let wav = path_in(&dir, "demo.wav");
    let out = Command::new(env!("CARGO_BIN_EXE_wasm-sampler-render")).args(["--demo", "--rate", "48000", "--out"]).arg(&wav).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = hound::WavReader::open(&wav).unwrap();
    let bytes: Vec<u8> = reader.samples::<f32>().flat_map(|s| s.unwrap().to_le_bytes()).collect();
    let frames = bytes.len() as u64 / 8;
    assert_eq!(frames, demo_render_frames(), "the manifest's length is the command line's");
    let page = page_result(site.path(), "?render=demo&report=1", "sha256");
    assert_eq!((page["frames"].as_u64(), page["sha256"].as_str()), (Some(frames), Some(sha256_hex(&bytes).as_str())), "{page}");
}

/// The demo plays live too: a real-time `AudioContext` (headless, audio
/// muted, no user gesture needed) runs the engine, and a second in its
/// output carries sound.
#[test]
fn the_demo_plays_live_in_a_real_time_audio_context() {
    let Some(site) = site() else { return };
    let live = page_result(site.path(), "?play=demo&report=1", "playing");
    assert_eq!(live["playing"], true, "{live}");
    let peak = live["peak"].as_f64().unwrap();
    assert!(peak > 0.01 && peak < 1.5, "{live}");
}

/// A picked file plays in the page exactly as in the plugin: a 44.1 kHz
/// 16-bit stereo WAV, decoded in the page by the plugin's decoder (built
/// into `host.wasm`) at its own rate and depth, in a one-shot pad on note 60,
/// played by a MIDI file (three notes, two overlapping) and rendered
/// offline at 48 kHz (so resampled by the guest), equals `wasm-sampler-render
/// --sample 60=FILE --midi FILE --rate 48000` bit for bit.
#[test]
fn a_44k1_16_bit_wav_plays_in_the_page_as_the_command_line_plays_it() {
    let Some(site) = site() else { return };
    let frames = 30_000;
    let values: Vec<i32> = (0..2 * frames).map(|i| (((i as u64 * 2_654_435_761) >> 7) % 60_000) as i32 - 30_000).collect();
    let wav = site.path().join("tone.wav");
    write_int_wav(&wav, 44_100, 2, 16, &values);
    let midi = site.path().join("notes.mid");
    super::cli::write_midi(&midi, &[(0, 60), (480, 60), (1000, 60)]);
    let dir = tempdir();
    let out_wav = path_in(&dir, "cli.wav");
    let out = Command::new(env!("CARGO_BIN_EXE_wasm-sampler-render"))
        .args(["--sample", &format!("60={}", wav.display()), "--midi"])
        .arg(&midi)
        .args(["--rate", "48000", "--out"])
        .arg(&out_wav)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = hound::WavReader::open(&out_wav).unwrap();
    let bytes: Vec<u8> = reader.samples::<f32>().flat_map(|s| s.unwrap().to_le_bytes()).collect();
    assert!(bytes.chunks(4).any(|b| b != [0, 0, 0, 0]), "the command line's render sounds");
    let page = page_result(site.path(), "?render=file&sample=tone.wav&note=60&midi=notes.mid&report=1", "sha256");
    assert_eq!((page["frames"].as_u64(), page["sha256"].as_str()), (Some(bytes.len() as u64 / 8), Some(sha256_hex(&bytes).as_str())), "{page}");
}

/// The page as a user meets it, driven with real drop events
/// (`?selftest=1`, `web/selftest.js`): a WAV dropped on pad 1 loads there
/// (the demo's 48 kHz snare, 14 400 frames) and a click plays it (a voice
/// starts; its region is in the memory map), and so does its key; its
/// sliders set its gain, pan and tune, clamped to the settings table's
/// ranges; a 20 s file is decoded in the page's main thread and moves to
/// the audio thread in 256 KiB pieces, at most one between two render
/// quanta; a text file dropped on pad 2
/// gives one line naming it and changes no pad and no region; 200 loads and
/// clears on four pads leave exactly the loaded pads' regions.
#[test]
fn dropped_files_load_and_play_bad_ones_change_nothing_and_200_loads_leave_the_allocator_consistent() {
    let Some(site) = site() else { return };
    let r = page_result(site.path(), "?selftest=1&report=1", "selftest");
    let t = &r["selftest"];
    assert_eq!(t["drop"], serde_json::json!({ "name": "snare.wav", "frames": 14_400, "rate": 48_000, "region": true }), "{r}");
    assert!(t["voicesStarted"].as_u64() >= Some(1), "{r}");
    assert_eq!(t["keyStarted"].as_u64(), Some(1), "key 1 plays pad 1 once: {r}");
    assert_eq!(t["settings"], serde_json::json!({ "gain_db": -6.5, "pan": 0.25, "tune": 7 }), "{r}");
    // (Whole numbers come back from the page's JSON without a fraction.)
    assert_eq!(t["clamped"], serde_json::json!({ "gain_db": 24, "pan": -1, "tune": 48 }), "{r}");
    let error = t["bad"]["error"].as_str().unwrap();
    assert!(error.starts_with("notes.txt: not an audio file") && error.lines().count() == 1, "{r}");
    assert_eq!((t["bad"]["unchanged"].as_bool(), t["bad"]["shown"].as_bool(), t["bad"]["message"].as_str()), (Some(true), Some(true), Some(error)), "{r}");
    // 20 s of float stereo, 7 680 000 bytes: 30 pieces of 256 KiB, at most
    // one between two render quanta (the audio thread kept rendering).
    let long = &t["long"];
    assert_eq!((long["frames"].as_u64(), long["bytes"].as_u64(), long["pieces"].as_u64()), (Some(960_000), Some(7_680_000), Some(30)), "{r}");
    assert!(long["quanta"].as_u64() >= Some(30), "{r}");
    let churn = &t["churn"];
    let loaded: Vec<u64> = churn["loaded"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    let mut regions: Vec<u64> = churn["regions"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    regions.sort();
    assert_eq!((churn["loads"].as_u64(), churn["clears"].as_u64()), (Some(200), Some(67)), "{r}");
    assert!(loaded.len() >= 3 && loaded[0] == 0, "pad 1 and some of pads 3-6 loaded: {r}");
    assert_eq!(regions, loaded, "one region for each loaded pad, none for the cleared: {r}");
    assert_eq!(churn["allocatorRegions"].as_u64(), Some(loaded.len() as u64), "{r}");
    assert!(churn["used"].as_u64() >= churn["bytes"].as_u64(), "{r}");
}
