//! The Windows build's editor, under Wine: the Windows test host
//! (`examples/editor_host.rs`, cross-built with the plugin) runs under Wine
//! on a private Xvfb display and embeds the Windows plugin's editor in a
//! Win32 window, as a Windows DAW does. From the X side, this test:
//! - waits for the editor to draw (its background and the loaded pad);
//! - clicks pad 1 and hears its audition, at the level the engine gives it;
//! - drags a WAV from a real GTK 3 drag source onto pad 8: Wine turns the
//!   XDND drag into an OLE drop on the editor's window (baseview's Win32
//!   `IDropTarget`), the pad loads the file and shows it; then it saves a
//!   screenshot (`target/tmp/editor-wine.ppm`).
//!
//! Wine draws an OpenGL child window into an off-screen X window of its own
//! (on Xvfb the copy to the screen stays black), so the pixels are read from
//! that window; input goes to the screen as a user's would.
//!
//! Needs the Windows build: `WASM_SAMPLER_WINE_HOST` names `editor_host.exe`
//! (the plugin DLL beside it or one folder up), and `wine`, Xvfb, xdotool
//! and python3-gi. `.ci/windows/run.sh` sets it up; without it the test says
//! SKIPPED, unless `WASM_SAMPLER_REQUIRE_WINE_TESTS=1`. Linux only (see `main.rs`).

use crate::common;
use common::gui::*;
use common::*;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, Window};

/// The editor host under Wine, and the lines it prints.
struct WineHost {
    child: Child,
    lines: Receiver<String>,
}

impl WineHost {
    /// The next line starting with `prefix`, within `secs` seconds.
    fn expect(&self, prefix: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line[prefix.len()..].trim().to_string(),
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => panic!("the editor host under Wine did not print `{prefix}` within {secs} s"),
                Err(RecvTimeoutError::Disconnected) => panic!("the editor host under Wine exited before printing `{prefix}`"),
            }
        }
    }
}

impl Drop for WineHost {
    fn drop(&mut self) {
        // Closing its stdin ends it; a kill if it does not.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && self.child.try_wait().ok().flatten().is_none() {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `path` as the Windows build sees it (Wine maps `/` to drive Z:).
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// The X window Wine renders the editor's OpenGL into: a window of the
/// editor's size inside the 1x1 window Wine keeps its off-screen drawables in.
fn gl_window(conn: &impl Connection, root: Window, size: (u16, u16)) -> Option<Window> {
    for holder in conn.query_tree(root).ok()?.reply().ok()?.children {
        let g = conn.get_geometry(holder).ok()?.reply().ok()?;
        if (g.width, g.height) != (1, 1) {
            continue;
        }
        for child in conn.query_tree(holder).ok()?.reply().ok()?.children {
            let g = conn.get_geometry(child).ok()?.reply().ok()?;
            if (g.width, g.height) == size {
                return Some(child);
            }
        }
    }
    None
}

/// Window `w` as a binary PPM file.
fn save_ppm(conn: &impl Connection, w: Window, size: (u16, u16), path: &Path) {
    let image = conn.get_image(ImageFormat::Z_PIXMAP, w, 0, 0, size.0, size.1, !0).unwrap().reply().unwrap();
    let mut ppm = format!("P6\n{} {}\n255\n", size.0, size.1).into_bytes();
    for px in image.data.chunks_exact(4) {
        ppm.extend([px[2], px[1], px[0]]);
    }
    std::fs::write(path, ppm).unwrap();
}

fn wait_until(what: &str, secs: u64, mut pred: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !pred() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_windows_editor_under_wine_draws_plays_a_clicked_pad_and_loads_a_dropped_file() {
    let Some(host_exe) = std::env::var_os("WASM_SAMPLER_WINE_HOST").map(PathBuf::from) else {
        let required = std::env::var_os("WASM_SAMPLER_REQUIRE_WINE_TESTS").is_some_and(|v| v == "1");
        assert!(!required, "WASM_SAMPLER_REQUIRE_WINE_TESTS=1 but WASM_SAMPLER_WINE_HOST is not set");
        eprintln!("SKIPPED: the Windows editor test needs WASM_SAMPLER_WINE_HOST (.ci/windows/run.sh sets it)");
        return;
    };
    assert!(host_exe.exists(), "{} does not exist", host_exe.display());
    if !tools_or_skip("WASM_SAMPLER_REQUIRE_WINE_TESTS", &["wine", "Xvfb", "xdotool"], "the Windows editor test") || !toolkit_sources("the Windows editor test")
    {
        return;
    }

    let dir = tempdir();
    let hit = signal(12_000, 91);
    let hit_path = path_in(&dir, "hit.wav");
    write_float_wav(&hit_path, 48_000, 1, &hit);
    let dropped = path_in(&dir, "dropped.wav");
    write_float_wav(&dropped, 48_000, 1, &signal(6_000, 92));

    let xvfb = start_xvfb();
    let (conn, screen) = x11rb::connect(Some(&xvfb.display)).expect("connecting to Xvfb");
    let root = conn.setup().roots[screen].root;
    // A Wine server still running from an earlier `wine` command without
    // this display owns the prefix's desktop, and windows then fail to open:
    // end it first (nothing else of the prefix runs during this test).
    let _ = Command::new("wineserver").arg("-k").status();
    let _ = Command::new("wineserver").arg("-w").status();
    let mut child = Command::new("wine")
        .arg(&host_exe)
        .arg(windows_path(&hit_path))
        .env("DISPLAY", &xvfb.display)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the editor host under wine");
    let (tx, lines) = channel();
    let out = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            eprintln!("editor_host: {line}");
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wine's and the host's own messages, shown if the test fails.
    let err = BufReader::new(child.stderr.take().unwrap());
    std::thread::spawn(move || err.lines().map_while(Result::ok).for_each(|l| eprintln!("editor_host stderr: {l}")));
    let host = WineHost { child, lines };

    // Open: the editor's client area at the screen's top-left.
    let window: Vec<i32> = host.expect("window ", 90).split(' ').map(|v| v.parse().unwrap()).collect();
    assert_eq!((window[0], window[1]), (0, 0), "the host puts its window at the top-left");
    let size = (window[2] as u16, window[3] as u16);
    assert_eq!(size, (1000, 660), "the editor opens at its default size");

    // It draws: its background, then pad 1 in the loaded-pad colour.
    let mut gl = None;
    wait_until("Wine's OpenGL window for the editor", 30, || {
        gl = gl_window(&conn, root, size);
        gl.is_some()
    });
    let gl = gl.unwrap();
    wait_until("the editor to draw its background", 30, || pixel(&conn, gl, size.0 as i32 - 3, size.1 as i32 / 2) == (26, 27, 31));
    let (kick_x, kick_y) = pad_centre(0, (size.0 as u32, size.1 as u32));
    // (The loaded-pad colour of the pad's name area, as on Linux.)
    let loaded = (38, 40, 46);
    wait_until("pad 1 to show its sample", 30, || pixel(&conn, gl, kick_x, kick_y - 30) == loaded);

    // A click on pad 1 auditions it: its note at velocity 100.
    xdotool(&xvfb.display, &["mousemove", &kick_x.to_string(), &kick_y.to_string(), "mousedown", "1"]);
    std::thread::sleep(Duration::from_millis(200));
    xdotool(&xvfb.display, &["mouseup", "1"]);
    let peak: f32 = host.expect("sound ", 20).parse().unwrap();
    let gain = wasm_sampler::engine::triggering::velocity_gain(100.0 / 127.0, 100.0, 0.0);
    let expected = hit.iter().fold(0f32, |m, &s| m.max(s.abs())) * gain;
    assert!((peak - expected).abs() <= 1e-6, "audition peak {peak}, expected {expected}");

    // A file dragged from a GTK file manager onto pad 8 loads there.
    let (tx8, ty8) = pad_centre(7, (size.0 as u32, size.1 as u32));
    let drag = Drag::start(&xvfb.display, Toolkit::Gtk3, &[&dropped], (tx8, ty8));
    let (verdict, _source) = drag.release();
    assert_eq!(verdict, "accepted", "Wine's drop target accepts the drop");
    assert_eq!(host.expect("pad 8 ", 20), windows_path(&dropped), "the dropped file is on pad 8");
    wait_until("pad 8 to show the dropped sample", 10, || pixel(&conn, gl, tx8, ty8 - 30) == loaded);

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("editor-wine.ppm");
    save_ppm(&conn, gl, size, &shot);
    eprintln!("screenshot of the editor under Wine: {}", shot.display());
}
