//! A minimal Windows CLAP host for the editor test under Wine: it loads the
//! plugin binary built next to it, restores a kit with one sample on pad 1,
//! opens the editor embedded in a Win32 window of its own (as a Windows DAW
//! does: `clap.gui` with the "win32" API and a parent `HWND`), and keeps
//! processing audio in real time while it pumps the window's messages.
//!
//! `tests/integration/editor_wine.rs` (Linux) runs it under Wine on an Xvfb display,
//! clicks and drags from the X side, and reads what happened from the lines
//! this program prints on stdout:
//! - `window X Y W H`: the editor is open; its client area on the screen;
//! - `sound PEAK`: output sounded after silence and went silent again, with
//!   its peak (a click on a pad auditions it);
//! - `pad N FILE`: pad N (from 1) now holds FILE in the plugin's saved
//!   state (a drop loaded it).
//!
//! It exits when its stdin closes (the test is done) or after two minutes.
//! Usage: `editor_host SAMPLE.wav`. Windows only; elsewhere it says so.

#[cfg(windows)]
#[path = "../tests/common/clap.rs"]
mod clap;

fn main() {
    #[cfg(windows)]
    host::start();
    #[cfg(not(windows))]
    eprintln!("editor_host is the Windows editor test's host (tests/integration/editor_wine.rs); this is not Windows");
}

#[cfg(windows)]
mod host {
    use std::io::Write;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use clack_extensions::gui::{GuiApiType, GuiConfiguration, PluginGui, Window as ClapWindow};
    use windows_sys::Win32::Foundation::{HWND, LPARAM, LRESULT, POINT, WPARAM};
    use windows_sys::Win32::Graphics::Gdi::ClientToScreen;
    use windows_sys::Win32::System::LibraryLoader::GetModuleHandleW;
    use windows_sys::Win32::UI::WindowsAndMessaging::{
        CreateWindowExW, DefWindowProcW, DispatchMessageW, LoadCursorW, PeekMessageW, PostQuitMessage, RegisterClassW, TranslateMessage, IDC_ARROW, MSG,
        PM_REMOVE, WM_DESTROY, WM_QUIT, WNDCLASSW, WS_CLIPCHILDREN, WS_POPUP, WS_VISIBLE,
    };

    use super::clap::*;

    /// Frames per block, processed every 256/48000 s of wall time.
    const BLOCK: usize = 256;

    fn say(line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain([0]).collect()
    }

    unsafe extern "system" fn window_proc(hwnd: HWND, msg: u32, wparam: WPARAM, lparam: LPARAM) -> LRESULT {
        if msg == WM_DESTROY {
            // SAFETY: called on the window's thread, inside its message loop.
            unsafe { PostQuitMessage(0) };
            return 0;
        }
        // SAFETY: the arguments are the ones Windows passed in.
        unsafe { DefWindowProcW(hwnd, msg, wparam, lparam) }
    }

    /// A borderless top-level window at the screen's top-left corner, its
    /// client area `width` x `height`.
    fn parent_window(width: u32, height: u32) -> HWND {
        let class = wide("WasmSamplerEditorHost");
        let title = wide("Wasm Sampler editor host");
        // SAFETY: plain Win32 calls with valid, NUL-terminated strings that
        // outlive them; the class is registered once, before the window.
        unsafe {
            let instance = GetModuleHandleW(std::ptr::null());
            let wc = WNDCLASSW {
                style: 0,
                lpfnWndProc: Some(window_proc),
                cbClsExtra: 0,
                cbWndExtra: 0,
                hInstance: instance,
                hIcon: std::ptr::null_mut(),
                hCursor: LoadCursorW(std::ptr::null_mut(), IDC_ARROW),
                hbrBackground: std::ptr::null_mut(),
                lpszMenuName: std::ptr::null(),
                lpszClassName: class.as_ptr(),
            };
            assert!(RegisterClassW(&wc) != 0, "RegisterClassW");
            let hwnd = CreateWindowExW(
                0,
                class.as_ptr(),
                title.as_ptr(),
                WS_POPUP | WS_VISIBLE | WS_CLIPCHILDREN,
                0,
                0,
                width as i32,
                height as i32,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                instance,
                std::ptr::null(),
            );
            assert!(!hwnd.is_null(), "CreateWindowExW");
            hwnd
        }
    }

    /// Handles the window's pending messages; false once it was closed.
    fn pump_messages() -> bool {
        // SAFETY: MSG is plain data; the loop runs on the window's thread.
        unsafe {
            let mut msg: MSG = std::mem::zeroed();
            while PeekMessageW(&mut msg, std::ptr::null_mut(), 0, 0, PM_REMOVE) != 0 {
                if msg.message == WM_QUIT {
                    return false;
                }
                TranslateMessage(&msg);
                DispatchMessageW(&msg);
            }
        }
        true
    }

    pub fn start() {
        let sample = std::path::absolute(std::env::args_os().nth(1).expect("usage: editor_host SAMPLE.wav")).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let stdin_done = done.clone();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            stdin_done.store(true, Ordering::Release);
        });

        let host = Host::load();
        let mut kit = wasm_sampler::kit::Kit::default();
        kit.pad_mut(0).samples.push(record(&sample, 36));
        let (mut inst, mut proc, mut steady) = start_with_kit(&host, &kit, 36);

        let gui: PluginGui = inst.plugin_handle().get_extension().expect("the plugin has a GUI");
        let configuration = GuiConfiguration { api_type: GuiApiType::WIN32, is_floating: false };
        assert!(gui.is_api_supported(&inst.plugin_handle(), configuration), "an embedded Win32 editor");
        gui.create(&inst.plugin_handle(), configuration).expect("gui.create");
        let size = gui.get_size(&inst.plugin_handle()).expect("gui.get_size");
        let hwnd = parent_window(size.width, size.height);
        // SAFETY: the window lives until the process exits, after gui.destroy.
        unsafe { gui.set_parent(&inst.plugin_handle(), ClapWindow::from_win32_hwnd(hwnd)) }.expect("gui.set_parent");
        gui.show(&inst.plugin_handle()).expect("gui.show");
        let mut origin = POINT { x: 0, y: 0 };
        // SAFETY: a valid window and a POINT to fill.
        unsafe { ClientToScreen(hwnd, &mut origin) };
        say(&format!("window {} {} {} {}", origin.x, origin.y, size.width, size.height));

        let start = Instant::now();
        let mut blocks = 0u64;
        let mut files: Vec<Option<PathBuf>> = vec![Some(sample)];
        let mut last_state_check = Instant::now();
        let (mut peak, mut silent_blocks) = (0f32, 0u32);
        while !done.load(Ordering::Acquire) && start.elapsed() < Duration::from_secs(120) && pump_messages() {
            // Real-time pacing: one block per 256/48000 s.
            let due = start + Duration::from_micros(blocks * BLOCK as u64 * 1_000_000 / 48_000);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait.min(Duration::from_millis(2)));
                continue;
            }
            let out = run(&mut proc, &mut inst, &[], BLOCK, &[BLOCK], &mut steady);
            blocks += 1;
            let block_peak = out.iter().flatten().fold(0f32, |m, &s| m.max(s.abs()));
            if block_peak > 0.0 {
                peak = peak.max(block_peak);
                silent_blocks = 0;
            } else if peak > 0.0 {
                silent_blocks += 1;
                if silent_blocks == 8 {
                    say(&format!("sound {peak:e}"));
                    peak = 0.0;
                }
            }
            if last_state_check.elapsed() > Duration::from_millis(250) {
                last_state_check = Instant::now();
                let now = pad_files(&save_state(&mut inst));
                for (pad, file) in now.iter().enumerate() {
                    if file.is_some() && files.get(pad) != Some(file) {
                        say(&format!("pad {} {}", pad + 1, file.as_ref().unwrap().display()));
                    }
                }
                files = now;
            }
        }
        gui.destroy(&inst.plugin_handle());
        inst.deactivate(proc.stop_processing());
    }

    /// Each pad's first sample file in a saved state.
    fn pad_files(state: &[u8]) -> Vec<Option<PathBuf>> {
        let json: serde_json::Value = serde_json::from_slice(&state[8..]).unwrap();
        let kit: serde_json::Value = serde_json::from_str(json["fields"]["kit"].as_str().unwrap()).unwrap();
        let (kit, _) = wasm_sampler::kit::Kit::from_json(&kit);
        kit.pads.iter().map(|p| p.sample().map(|s| s.file.clone())).collect()
    }
}
