//! Drops reach the editor whatever its host's window does with drops: the
//! built plugin's editor is embedded (CLAP, X11) in a host window that
//! behaves like the hosts producers use, on an Xvfb display with a window
//! manager (openbox), and real toolkit drag sources — GTK 3 (as Nautilus,
//! Thunar, Nemo drag) and Qt 5 (as Dolphin drags), in Python
//! (`tests/drag_sources/`) — drag a WAV onto a pad, driven by xdotool. The
//! toolkits find their target themselves; nothing of ours decides where
//! their messages go.
//!
//! Host windows:
//! - *plain*: takes no drops (a minimal host);
//! - *discarding*: `XdndAware`, accepts every drop and throws it away, as a
//!   JUCE host's window does (the plugin sees nothing unless it is the
//!   window's `XdndProxy`);
//! - *relaying*: `XdndAware`, passes every XDND message on to the editor,
//!   as Ardour's plugin windows do;
//! - *proxied*: `XdndAware`, with an `XdndProxy` of its own naming another
//!   window of the host that discards drops; it must get its proxy back when
//!   the editor closes.
//!
//! Needs Xvfb, xdotool, openbox and Debian's python3-gi (GTK 3) and
//! python3-pyqt5 (`.ci/run` installs them); skipped without them unless
//! `WASM_SAMPLER_REQUIRE_GUI_TESTS=1`.

#![cfg(target_os = "linux")]

mod common;
use common::clap::*;
use common::gui::*;
use common::*;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clack_extensions::gui::{GuiApiType, GuiConfiguration, PluginGui, Window as ClapWindow};
use clack_host::prelude::*;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConfigureWindowAux, ConnectionExt as _, CreateWindowAux, EventMask, PropMode, StackMode, Window, WindowClass,
    CLIENT_MESSAGE_EVENT,
};
use x11rb::protocol::Event;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Plain,
    Discarding,
    Relaying,
    Proxied,
}

/// The host's window, on a connection of its own (so that the XDND
/// messages sent to it come here), served by a thread that behaves as
/// `behaviour` says. Counts the XDND messages it received itself.
struct HostWindow {
    window: Window,
    /// The discarding window a `Proxied` host names as its own proxy.
    own_proxy: Option<Window>,
    received: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn atom(conn: &RustConnection, name: &str) -> u32 {
    conn.intern_atom(false, name.as_bytes()).unwrap().reply().unwrap().atom
}

impl HostWindow {
    fn open(display: &str, behaviour: Behaviour, size: (u32, u32)) -> HostWindow {
        let (conn, screen) = x11rb::connect(Some(display)).expect("the host's connection");
        let root = conn.setup().roots[screen].root;
        let make = |w, h| {
            let id = conn.generate_id().unwrap();
            let aux = CreateWindowAux::new().background_pixel(0).event_mask(EventMask::STRUCTURE_NOTIFY);
            conn.create_window(x11rb::COPY_DEPTH_FROM_PARENT, id, root, 0, 0, w, h, 0, WindowClass::INPUT_OUTPUT, 0, &aux).unwrap();
            id
        };
        let window = make(size.0 as u16, size.1 as u16);
        conn.change_property8(PropMode::REPLACE, window, AtomEnum::WM_NAME, AtomEnum::STRING, format!("host {behaviour:?}").as_bytes()).unwrap();
        let (aware, proxy) = (atom(&conn, "XdndAware"), atom(&conn, "XdndProxy"));
        if behaviour != Behaviour::Plain {
            conn.change_property32(PropMode::REPLACE, window, aware, AtomEnum::ATOM, &[5]).unwrap();
        }
        let own_proxy = (behaviour == Behaviour::Proxied).then(|| {
            // An unmapped window of the host's that takes (and discards) the
            // drops of its main window.
            let own = make(1, 1);
            conn.change_property32(PropMode::REPLACE, own, aware, AtomEnum::ATOM, &[5]).unwrap();
            conn.change_property32(PropMode::REPLACE, own, proxy, AtomEnum::WINDOW, &[own]).unwrap();
            conn.change_property32(PropMode::REPLACE, window, proxy, AtomEnum::WINDOW, &[own]).unwrap();
            own
        });
        conn.map_window(window).unwrap();
        conn.get_input_focus().unwrap().reply().unwrap();
        let received = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (received, stop) = (received.clone(), stop.clone());
            std::thread::spawn(move || serve(conn, window, behaviour, &received, &stop))
        };
        HostWindow { window, own_proxy, received, stop, thread: Some(thread) }
    }
}

impl Drop for HostWindow {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

/// The host's event loop: XDND messages to its windows are answered (accept,
/// then finish, keeping nothing) or relayed to the editor.
fn serve(conn: RustConnection, window: Window, behaviour: Behaviour, received: &AtomicUsize, stop: &AtomicBool) {
    let names = ["XdndEnter", "XdndPosition", "XdndLeave", "XdndDrop", "XdndStatus", "XdndFinished", "XdndActionCopy"];
    let atoms: Vec<u32> = names.iter().map(|n| atom(&conn, n)).collect();
    let [enter, position, leave, drop_, status, finished, copy] = atoms[..] else { unreachable!() };
    while !stop.load(Ordering::Acquire) {
        let Some(event) = conn.poll_for_event().unwrap() else {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        };
        let Event::ClientMessage(msg) = event else { continue };
        if ![enter, position, leave, drop_].contains(&msg.type_) {
            continue;
        }
        received.fetch_add(1, Ordering::AcqRel);
        let data = msg.data.as_data32();
        let source = data[0];
        match behaviour {
            Behaviour::Relaying => {
                // Pass it on to the embedded editor, unchanged.
                let tree = conn.query_tree(window).unwrap().reply().unwrap();
                if let Some(&editor) = tree.children.first() {
                    let relayed =
                        ClientMessageEvent { response_type: CLIENT_MESSAGE_EVENT, format: 32, sequence: 0, window: editor, type_: msg.type_, data: msg.data };
                    conn.send_event(false, editor, EventMask::NO_EVENT, relayed).unwrap();
                    conn.flush().unwrap();
                }
            }
            _ if msg.type_ == position => {
                let reply = ClientMessageEvent::new(32, source, status, [msg.window, 1, 0, 0, copy]);
                conn.send_event(false, source, EventMask::NO_EVENT, reply).unwrap();
                conn.flush().unwrap();
            }
            _ if msg.type_ == drop_ => {
                let reply = ClientMessageEvent::new(32, source, finished, [msg.window, 1, copy, 0, 0]);
                conn.send_event(false, source, EventMask::NO_EVENT, reply).unwrap();
                conn.flush().unwrap();
            }
            _ => {}
        }
    }
}

#[test]
fn gtk_and_qt_drags_land_on_the_pad_under_the_pointer_in_every_kind_of_host_window() {
    if !gui_tools(&["Xvfb", "xdotool", "openbox"], "the drop-host test") || !toolkit_sources("the drop-host test") {
        return;
    }
    let xvfb = start_xvfb();
    // SAFETY (edition 2021: safe fn): this binary has this one test; no
    // other thread reads the environment now.
    std::env::set_var("DISPLAY", &xvfb.display);
    let mut wm = Command::new("openbox").env("DISPLAY", &xvfb.display).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("openbox");
    std::thread::sleep(Duration::from_millis(500));
    let (conn, screen) = x11rb::connect(Some(&xvfb.display)).expect("connecting to Xvfb");
    let root = conn.setup().roots[screen].root;
    let proxy_atom = atom(&conn, "XdndProxy");
    let proxy_of = |w: Window| conn.get_property(false, w, proxy_atom, AtomEnum::WINDOW, 0, 1).unwrap().reply().unwrap().value32().and_then(|mut v| v.next());

    let dir = tempdir();
    let host = Host::load();
    let mut inst = host.instance();
    let config = PluginAudioConfiguration { sample_rate: 48_000.0, min_frames_count: 1, max_frames_count: 4096 };
    let proc = inst.activate(|_, _| (), config).expect("activate").start_processing().expect("start");
    let mut s = Session { inst, proc, steady: 0 };
    let gui: PluginGui = s.inst.plugin_handle().get_extension().expect("the plugin has a GUI");
    let configuration = GuiConfiguration { api_type: GuiApiType::X11, is_floating: false };

    let mut pad = 0;
    for behaviour in [Behaviour::Plain, Behaviour::Discarding, Behaviour::Relaying, Behaviour::Proxied] {
        gui.create(&s.inst.plugin_handle(), configuration).expect("gui.create");
        let _ = gui.set_scale(&s.inst.plugin_handle(), 1.0);
        let size = gui.get_size(&s.inst.plugin_handle()).expect("gui.get_size");
        let host_window = HostWindow::open(&xvfb.display, behaviour, (size.width, size.height));
        // SAFETY: the host window outlives the editor (destroyed below first).
        unsafe { gui.set_parent(&s.inst.plugin_handle(), ClapWindow::from_x11_handle(host_window.window as std::ffi::c_ulong)) }.expect("gui.set_parent");
        gui.show(&s.inst.plugin_handle()).expect("gui.show");
        // Where the window manager placed the host window, once the editor
        // draws in it.
        let origin = |conn: &RustConnection| {
            let o = conn.translate_coordinates(host_window.window, root, 0, 0).unwrap().reply().unwrap();
            (o.dst_x as i32, o.dst_y as i32)
        };
        let background = (26, 27, 31);
        // Kept on top (a drag source's window from the last round may still
        // be closing over it), probed at a point on the screen.
        wait_for("the editor to draw", 60, &mut s, |_| {
            conn.configure_window(host_window.window, &ConfigureWindowAux::new().stack_mode(StackMode::ABOVE)).unwrap();
            conn.flush().unwrap();
            let (x, y) = origin(&conn);
            let probe_x = (x + size.width as i32 - 3).min(SCREEN.0 as i32 - 1);
            pixel(&conn, root, probe_x, y + size.height as i32 / 2) == background
        });
        let origin = origin(&conn);
        eprintln!("{behaviour:?} host window at {origin:?}");
        let at = |(x, y): (i32, i32)| (x + origin.0, y + origin.1);
        wait_for("the editor to proxy its host window", 30, &mut s, |_| proxy_of(host_window.window).is_some_and(|p| Some(p) != host_window.own_proxy));

        for toolkit in [Toolkit::Gtk3, Toolkit::Qt5] {
            let file = path_in(&dir, &format!("{behaviour:?} {toolkit:?}.wav"));
            write_float_wav(&file, 48_000, 1, &signal(2_000, pad as u32 + 1));
            let target = at(pad_centre(pad, (size.width, size.height)));
            let (verdict, _source) = Drag::start(&xvfb.display, toolkit, &[&file], target).release();
            assert_eq!(verdict, "accepted", "{toolkit:?} source, {behaviour:?} host: the drop was refused");
            wait_for(&format!("the {toolkit:?} drop in the {behaviour:?} host to land on pad {}", pad + 1), 20, &mut s, |s| {
                kit_file(&save_state(&mut s.inst), pad).as_deref() == Some(file.as_path())
            });
            pad += 1;
        }
        // Through the proxy, no drag message went to the host's window.
        assert_eq!(host_window.received.load(Ordering::Acquire), 0, "{behaviour:?} host received the drags itself");
        gui.destroy(&s.inst.plugin_handle());
        wait_for("the host window's own proxy to be back", 30, &mut s, |_| proxy_of(host_window.window) == host_window.own_proxy);
        drop(host_window);
    }

    let Session { mut inst, proc, .. } = s;
    inst.deactivate(proc.stop_processing());
    drop(inst);
    drop(host);
    let _ = wm.kill();
    let _ = wm.wait();
}
