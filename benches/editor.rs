//! What an open editor costs, against the same session with the editor
//! closed, in the same run: the built CLAP plugin loaded by a CLAP host
//! (clack-host, the tests' harness) on a private Xvfb display, processing
//! in real time (256-frame blocks at 48 kHz, paced by the clock as a DAW's
//! audio thread is) with the demo kit loaded:
//! - silent: the transport stopped, the host still processing;
//! - playing: a note every 20 ms over the kit's pads (pads flash, voices
//!   sound, the memory map is on screen).
//!
//! CPU time is read per thread from /proc (schedstat, nanoseconds): the
//! plugin's threads other than the audio thread (the editor's, the
//! loader's, Mesa's) and, apart, the X server (whose drawing work a
//! desktop's compositor does). Each phase runs 5 s; the editor's cost is
//! the open phase minus the closed one.
//!
//! Needs Xvfb (Linux). Not a criterion bench: CPU over wall time is
//! counted. Run: `cargo bench --bench editor` (figures in README
//! "Performance").

#[cfg(target_os = "linux")]
#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    #[cfg(target_os = "linux")]
    linux::main();
    #[cfg(not(target_os = "linux"))]
    eprintln!("the editor's CPU bench runs on Linux only (Xvfb, /proc)");
}

#[cfg(target_os = "linux")]
mod linux {
    use super::common;

    use std::time::{Duration, Instant};

    use clack_extensions::gui::{GuiApiType, GuiConfiguration, PluginGui, Window as ClapWindow};
    use common::clap::*;
    use common::gui::*;
    use wasm_sampler::kit::{Kit, SampleParams, SampleRecord};
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt as _, CreateWindowAux, WindowClass};

    const PHASE: Duration = Duration::from_secs(5);
    const BLOCK: usize = 256;
    const RATE: usize = 48_000;

    /// CPU nanoseconds a task has run (`/proc/<task>/schedstat`, first field).
    fn schedstat(path: &str) -> u64 {
        std::fs::read_to_string(path).ok().and_then(|t| t.split_whitespace().next().and_then(|v| v.parse().ok())).unwrap_or(0)
    }

    /// CPU nanoseconds of this process's threads other than the calling one:
    /// Mesa's software rasteriser threads (named `llvmpipe-N`; a GPU does this
    /// work), and all the others.
    fn other_threads() -> Threads {
        let me = std::fs::read_link("/proc/thread-self").ok().and_then(|p| p.file_name().map(|n| n.to_owned()));
        let mut sum = Threads::default();
        for task in std::fs::read_dir("/proc/self/task").unwrap().filter_map(|e| e.ok()).filter(|e| Some(e.file_name()) != me) {
            let ns = schedstat(&format!("{}/schedstat", task.path().display()));
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            if name.starts_with("llvmpipe") {
                sum.rasteriser += ns;
            } else {
                sum.rest += ns;
            }
        }
        sum
    }

    /// CPU time of the plugin's threads other than the audio thread, split
    /// into Mesa's rasteriser threads and the rest (the editor's own thread,
    /// the loader, the XDND proxy): nanoseconds, or in `phase`'s result % of
    /// one core.
    #[derive(Clone, Copy, Default)]
    struct Threads<T = u64> {
        rest: T,
        rasteriser: T,
    }

    /// One phase's CPU shares, % of one core.
    struct Shares {
        plugin: Threads<f64>,
        xserver: f64,
    }

    /// Runs one phase: blocks paced in real time for [`PHASE`], notes every
    /// 20 ms when `playing`. Returns the CPU shares of one core used by the
    /// plugin's other threads and by the X server.
    fn phase(s: &mut Session, xserver: u32, playing: bool, pads: usize) -> Shares {
        let xpath = format!("/proc/{xserver}/schedstat");
        let (others0, x0, start) = (other_threads(), schedstat(&xpath), Instant::now());
        let mut frame = 0usize;
        let mut next = start;
        let every = RATE / 50;
        while start.elapsed() < PHASE {
            let msgs: Vec<(usize, Msg)> = if playing {
                (frame..frame + BLOCK).filter(|f| f % every == 0).map(|f| (f - frame, Msg::On(36 + ((f / every) % pads) as u16))).collect()
            } else {
                Vec::new()
            };
            run(&mut s.proc, &mut s.inst, &msgs, BLOCK, &[BLOCK], &mut s.steady);
            frame += BLOCK;
            next += Duration::from_secs_f64(BLOCK as f64 / RATE as f64);
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let (ns, others) = (start.elapsed().as_secs_f64() * 1e9, other_threads());
        let share = |from: u64, to: u64| to.saturating_sub(from) as f64 / ns * 100.0;
        Shares {
            plugin: Threads { rest: share(others0.rest, others.rest), rasteriser: share(others0.rasteriser, others.rasteriser) },
            xserver: share(x0, schedstat(&xpath)),
        }
    }

    pub fn main() {
        if !gui_tools(&["Xvfb"], "the editor's CPU bench") {
            return;
        }
        let xvfb = start_xvfb();
        // SAFETY (edition 2021: safe fn): no other thread reads the environment yet.
        std::env::set_var("DISPLAY", &xvfb.display);
        let (conn, screen) = x11rb::connect(Some(&xvfb.display)).expect("connecting to Xvfb");
        let root = conn.setup().roots[screen].root;

        // The demo kit as WAV files, restored from state.
        let dir = common::tempdir();
        let mut kit = Kit::default();
        let sounds = wasm_sampler::cli::demo::kit();
        for (i, sound) in sounds.iter().enumerate() {
            let path = common::path_in(&dir, &format!("{i}.wav"));
            common::write_float_wav(&path, sound.sample_rate, sound.channels, &sound.data);
            let pad = kit.pad_mut(i);
            pad.mapping = wasm_sampler::kit::Mapping::drum(36 + i as u8);
            pad.settings = sound.settings;
            pad.samples.push(SampleRecord { file: path, params: SampleParams::whole(36 + i as u8), embedded: None });
        }
        let host = Host::load();
        let (inst, proc, steady) = start_with_kit(&host, &kit, 36 + sounds.len() as u16 - 1);
        let mut s = Session { inst, proc, steady };

        let closed_silent = phase(&mut s, xvfb.pid(), false, sounds.len());
        let closed_playing = phase(&mut s, xvfb.pid(), true, sounds.len());

        // Open the editor embedded in a host window, as a DAW does.
        let gui: PluginGui = s.inst.plugin_handle().get_extension().expect("the plugin has a GUI");
        let configuration = GuiConfiguration { api_type: GuiApiType::X11, is_floating: false };
        gui.create(&s.inst.plugin_handle(), configuration).expect("gui.create");
        let size = gui.get_size(&s.inst.plugin_handle()).expect("gui.get_size");
        let parent = conn.generate_id().unwrap();
        conn.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            parent,
            root,
            0,
            0,
            size.width as u16,
            size.height as u16,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new(),
        )
        .unwrap();
        conn.map_window(parent).unwrap();
        conn.get_input_focus().unwrap().reply().unwrap();
        // SAFETY: `parent` stays alive until after gui.destroy below.
        unsafe { gui.set_parent(&s.inst.plugin_handle(), ClapWindow::from_x11_handle(parent as std::ffi::c_ulong)) }.expect("gui.set_parent");
        gui.show(&s.inst.plugin_handle()).expect("gui.show");
        // Its first frames (fonts, textures) are not the steady state.
        wait_for("the editor to draw", 60, &mut s, |_| pixel(&conn, root, size.width as i32 - 3, size.height as i32 / 2) == (26, 27, 31));
        std::thread::sleep(Duration::from_secs(1));

        let open_silent = phase(&mut s, xvfb.pid(), false, sounds.len());
        let open_playing = phase(&mut s, xvfb.pid(), true, sounds.len());
        gui.destroy(&s.inst.plugin_handle());

        println!("editor CPU, % of one core ({} s per phase, 256-frame blocks in real time at 48 kHz)", PHASE.as_secs());
        println!("{:<8} {:>15} {:>14} {:>17} {:>15} {:>9}", "", "closed: plugin", "open: plugin", "open: rasteriser", "editor (diff)", "X server");
        for (name, closed, open) in [("silent", closed_silent, open_silent), ("playing", closed_playing, open_playing)] {
            let (before, after) = (closed.plugin.rest + closed.plugin.rasteriser, open.plugin.rest + open.plugin.rasteriser);
            println!(
                "{name:<8} {:>14.2}% {:>13.2}% {:>16.2}% {:>14.2}% {:>8.2}%",
                before,
                open.plugin.rest,
                open.plugin.rasteriser,
                after - before,
                open.xserver
            );
        }
        println!("plugin = the plugin's threads other than the audio thread and Mesa's rasteriser threads (llvmpipe-N: a GPU's");
        println!("work); editor (diff) = all of them with the editor open less with it closed; X server = Xvfb with the editor open");
    }
}
