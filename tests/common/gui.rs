//! What the editor tests share: a private Xvfb display, xdotool, reading
//! pixels, a processing plugin session, and reading the saved kit.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use clack_host::prelude::*;
use wasm_sampler::kit::Kit;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat};

use super::clap::*;

/// Screen size of the private display.
pub const SCREEN: (u32, u32) = (1400, 900);

pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Xvfb {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

pub fn start_xvfb() -> Xvfb {
    // Xvfb picks a free display number itself and writes it to fd 1.
    let mut child = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", &format!("{}x{}x24", SCREEN.0, SCREEN.1), "-nolisten", "tcp", "-noreset"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting Xvfb");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("Xvfb's display number");
    let display = format!(":{}", line.trim());
    assert!(display.len() > 1, "Xvfb did not report a display");
    Xvfb { child, display }
}

pub fn xdotool(display: &str, args: &[&str]) {
    let status = Command::new("xdotool").env("DISPLAY", display).args(args).status().expect("running xdotool");
    assert!(status.success(), "xdotool {args:?} failed");
}

/// One pixel of the screen, as (r, g, b).
pub fn pixel(conn: &impl Connection, root: u32, x: i32, y: i32) -> (u8, u8, u8) {
    let image = conn.get_image(ImageFormat::Z_PIXMAP, root, x as i16, y as i16, 1, 1, !0).unwrap().reply().unwrap();
    // 24-bit TrueColor in 32-bit pixels: B, G, R, X.
    (image.data[2], image.data[1], image.data[0])
}

/// The plugin instance, processing.
pub struct Session {
    pub inst: Instance,
    pub proc: StartedPluginAudioProcessor<TestHost>,
    pub steady: u64,
}

impl Session {
    /// One silent block and the plugin's main-thread requests, as a DAW
    /// keeps doing.
    pub fn tick(&mut self) {
        run(&mut self.proc, &mut self.inst, &[], 256, &[256], &mut self.steady);
    }

    pub fn play(&mut self, msgs: &[(usize, Msg)], total: usize) -> [Vec<f32>; 2] {
        run(&mut self.proc, &mut self.inst, msgs, total, &[512], &mut self.steady)
    }
}

/// Polls `pred` every 20 ms, ticking the session meanwhile.
pub fn wait_for(what: &str, secs: u64, s: &mut Session, mut pred: impl FnMut(&mut Session) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !pred(s) {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        s.tick();
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The kit file of pad `pad` in a saved state.
pub fn kit_file(state: &[u8], pad: usize) -> Option<PathBuf> {
    let json: serde_json::Value = serde_json::from_slice(&state[8..]).unwrap();
    let kit: serde_json::Value = serde_json::from_str(json["fields"]["kit"].as_str().unwrap()).unwrap();
    let (kit, _) = Kit::from_json(&kit);
    kit.pads.get(pad).and_then(|p| p.sample()).map(|s| s.file.clone())
}

/// Centre of pad `slot` (first page) on the screen, in pixels at scale 1.
pub fn pad_centre(slot: usize, window: (u32, u32)) -> (i32, i32) {
    let r = wasm_sampler::editor::look::pad_rect(slot, egui::vec2(window.0 as f32, window.1 as f32));
    (r.center().x as i32, r.center().y as i32)
}

/// Whether the GUI tests can run: the tools are installed. Without them a
/// test says so and passes, unless `WASM_SAMPLER_REQUIRE_GUI_TESTS=1` (CI),
/// which makes their absence a failure.
pub fn gui_tools(tools: &[&str], why: &str) -> bool {
    super::tools_or_skip("WASM_SAMPLER_REQUIRE_GUI_TESTS", tools, why)
}

/// The Python with Debian's GTK and Qt bindings.
pub const PYTHON: &str = "/usr/bin/python3";

/// A real toolkit's drag source (`tests/drag_sources/`).
#[derive(Clone, Copy, Debug)]
pub enum Toolkit {
    /// GTK 3, as Nautilus, Thunar and Nemo drag.
    Gtk3,
    /// Qt 5, as Dolphin drags.
    Qt5,
}

impl Toolkit {
    fn script(self) -> &'static str {
        match self {
            Toolkit::Gtk3 => "gtk3_source.py",
            Toolkit::Qt5 => "qt5_source.py",
        }
    }
}

/// Whether the toolkit drag sources can run (Debian's python3-gi with
/// GTK 3, python3-pyqt5); like [`gui_tools`] otherwise.
pub fn toolkit_sources(why: &str) -> bool {
    let has = |module: &str| Command::new(PYTHON).args(["-c", &format!("import {module}")]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if has("gi") && has("PyQt5") {
        return true;
    }
    let required = std::env::var_os("WASM_SAMPLER_REQUIRE_GUI_TESTS").is_some_and(|v| v == "1");
    assert!(!required, "WASM_SAMPLER_REQUIRE_GUI_TESTS=1 but python3-gi or python3-pyqt5 is missing ({why})");
    eprintln!("SKIPPED: {why} needs python3-gi, gir1.2-gtk-3.0 and python3-pyqt5");
    false
}

/// A drag by a real toolkit source: the source's window opened (where the
/// window manager puts it), the button pressed on it and the pointer moved
/// in steps to `to` (screen coordinates), where it stays until
/// [`Drag::release`]. The toolkit finds the target window itself.
pub struct Drag<'a> {
    display: &'a str,
    source: Option<Child>,
    out: BufReader<ChildStdout>,
}

impl<'a> Drag<'a> {
    pub fn start(display: &'a str, toolkit: Toolkit, files: &[&Path], to: (i32, i32)) -> Drag<'a> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drag_sources").join(toolkit.script());
        let mut source = Command::new(PYTHON)
            .arg(script)
            .args(["1200", "700"])
            .args(files)
            .env("DISPLAY", display)
            .env("QT_QPA_PLATFORM", "xcb")
            .env("XDG_RUNTIME_DIR", std::env::temp_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the drag source");
        let mut out = BufReader::new(source.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "{toolkit:?} source did not start");
        // Where its window is (a window manager may have placed it).
        let geometry = Command::new("xdotool")
            .env("DISPLAY", display)
            .args(["search", "--name", "drag source", "getwindowgeometry", "--shell"])
            .output()
            .expect("xdotool");
        let text = String::from_utf8_lossy(&geometry.stdout);
        let value = |key: &str| text.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.parse::<i32>().ok()).unwrap_or(0);
        let (sx, sy) = (value("X=") + 40, value("Y=") + 30);
        xdotool(display, &["mousemove", &sx.to_string(), &sy.to_string()]);
        std::thread::sleep(Duration::from_millis(100));
        xdotool(display, &["mousedown", "1"]);
        for step in 1..=12 {
            let (x, y) = (sx + (to.0 - sx) * step / 12, sy + (to.1 - sy) * step / 12);
            xdotool(display, &["mousemove", &x.to_string(), &y.to_string()]);
            std::thread::sleep(Duration::from_millis(40));
        }
        for d in [2, 0] {
            xdotool(display, &["mousemove", &(to.0 + d).to_string(), &(to.1 + d).to_string()]);
            std::thread::sleep(Duration::from_millis(150));
        }
        Drag { display, source: Some(source), out }
    }

    /// Releases the button: the source's verdict ("accepted" or "refused"),
    /// and the source, which stays up a few seconds (the target may still be
    /// fetching the data) and is killed when dropped.
    pub fn release(mut self) -> (String, Source) {
        xdotool(self.display, &["mouseup", "1"]);
        let mut verdict = String::new();
        self.out.read_line(&mut verdict).unwrap();
        (verdict.trim().to_string(), Source(self.source.take()))
    }
}

impl Drop for Drag<'_> {
    fn drop(&mut self) {
        drop(Source(self.source.take()));
    }
}

/// A running drag source; killed when dropped.
pub struct Source(Option<Child>);

impl Drop for Source {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
