//! A minimal X11 drag source for the editor's end-to-end test: a small
//! window that, when a mouse button is pressed on it and the pointer moved
//! away (by a person or by `xdotool`), drags files to whatever window is
//! under the pointer using the XDND protocol (version 5), as a file manager
//! does.
//!
//! Usage: `xdnd_drag_source [--gtk] X Y FILE...` opens a 120×60 window at (X, Y),
//! prints `ready` once it is mapped, then performs one drag. It exits with
//! 0 and prints `accepted` when the target took the drop, prints `refused`
//! and exits with 2 when the target refused it (or there was none), and
//! exits with 3 after 60 s without a drop.
//!
//! Written for the test because no packaged tool performs an XDND drag on
//! command (xdotool moves the pointer and clicks, but a drag needs a source
//! that speaks the protocol). It finds the target the way one of the two
//! big toolkits does:
//! - by default like Qt: descending from the root window to the first
//!   window marked `XdndAware`, so windows embedded in a host's are found;
//! - with `--gtk` like GTK (Nautilus, Thunar…): the window manager's client
//!   window under the pointer (the one with `WM_STATE`), or its `XdndProxy`.

use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    Atom, AtomEnum, ClientMessageEvent, ConnectionExt, CreateWindowAux, EventMask, PropMode, SelectionNotifyEvent, Window, WindowClass,
};
use x11rb::protocol::Event;
use x11rb::wrapper::ConnectionExt as _;

const VERSION: u32 = 5;

struct Atoms {
    aware: Atom,
    proxy: Atom,
    wm_state: Atom,
    enter: Atom,
    position: Atom,
    status: Atom,
    leave: Atom,
    drop: Atom,
    finished: Atom,
    selection: Atom,
    action_copy: Atom,
    uri_list: Atom,
    targets: Atom,
}

fn percent_encode(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn main() {
    if let Err(e) = run() {
        eprintln!("xdnd_drag_source: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let gtk = args.first().is_some_and(|a| a == "--gtk");
    if gtk {
        args.remove(0);
    }
    if args.len() < 3 {
        return Err("usage: xdnd_drag_source [--gtk] X Y FILE...".into());
    }
    let (x, y): (i16, i16) = (args[0].parse()?, args[1].parse()?);
    let uris: String = args[2..]
        .iter()
        .map(|f| {
            let absolute = std::path::absolute(f).expect("absolute path");
            format!("file://{}\r\n", percent_encode(&absolute.to_string_lossy()))
        })
        .collect();

    let (conn, screen) = x11rb::connect(None)?;
    let root = conn.setup().roots[screen].root;
    let intern = |name: &str| -> Result<Atom, Box<dyn std::error::Error>> { Ok(conn.intern_atom(false, name.as_bytes())?.reply()?.atom) };
    let atoms = Atoms {
        aware: intern("XdndAware")?,
        proxy: intern("XdndProxy")?,
        wm_state: intern("WM_STATE")?,
        enter: intern("XdndEnter")?,
        position: intern("XdndPosition")?,
        status: intern("XdndStatus")?,
        leave: intern("XdndLeave")?,
        drop: intern("XdndDrop")?,
        finished: intern("XdndFinished")?,
        selection: intern("XdndSelection")?,
        action_copy: intern("XdndActionCopy")?,
        uri_list: intern("text/uri-list")?,
        targets: intern("TARGETS")?,
    };

    let win = conn.generate_id()?;
    let events = EventMask::BUTTON_PRESS | EventMask::BUTTON_RELEASE | EventMask::POINTER_MOTION | EventMask::STRUCTURE_NOTIFY;
    let aux = CreateWindowAux::new().background_pixel(0x0033_66cc).event_mask(events);
    conn.create_window(x11rb::COPY_DEPTH_FROM_PARENT, win, root, x, y, 120, 60, 0, WindowClass::INPUT_OUTPUT, 0, &aux)?;
    conn.change_property8(PropMode::REPLACE, win, AtomEnum::WM_NAME, AtomEnum::STRING, b"drag source")?;
    conn.map_window(win)?;
    conn.flush()?;

    let started = Instant::now();
    let mut dragging = false;
    let mut target: Option<(Window, u32)> = None;
    let mut accepted = false;
    let mut awaiting_status = false;
    let mut pending: Option<(i16, i16, u32)> = None;
    let mut dropped = false;
    let send = |to: Window, kind: Atom, data: [u32; 5]| -> Result<(), Box<dyn std::error::Error>> {
        conn.send_event(false, to, EventMask::NO_EVENT, ClientMessageEvent::new(32, to, kind, data))?;
        conn.flush()?;
        Ok(())
    };

    loop {
        if started.elapsed() > Duration::from_secs(60) {
            eprintln!("xdnd_drag_source: timed out");
            std::process::exit(3);
        }
        let Some(event) = conn.poll_for_event()? else {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        };
        match event {
            Event::MapNotify(e) if e.window == win => {
                println!("ready");
            }
            Event::ButtonPress(e) if e.event == win && !dragging => {
                dragging = true;
                conn.set_selection_owner(win, atoms.selection, e.time)?;
                conn.flush()?;
            }
            Event::MotionNotify(e) if dragging && !dropped => {
                pending = Some((e.root_x, e.root_y, e.time));
            }
            Event::ButtonRelease(e) if dragging && !dropped => {
                // Let the last position be answered before deciding.
                let deadline = Instant::now() + Duration::from_millis(500);
                while awaiting_status && Instant::now() < deadline {
                    if let Some(Event::ClientMessage(m)) = conn.poll_for_event()? {
                        if m.type_ == atoms.status {
                            accepted = m.data.as_data32()[1] & 1 == 1;
                            awaiting_status = false;
                        }
                    }
                }
                match target {
                    Some((t, _)) if accepted => {
                        send(t, atoms.drop, [win, 0, e.time, 0, 0])?;
                        dropped = true;
                    }
                    Some((t, _)) => {
                        send(t, atoms.leave, [win, 0, 0, 0, 0])?;
                        println!("refused");
                        std::process::exit(2);
                    }
                    None => {
                        println!("refused");
                        std::process::exit(2);
                    }
                }
            }
            Event::ClientMessage(m) if m.type_ == atoms.status => {
                accepted = m.data.as_data32()[1] & 1 == 1;
                awaiting_status = false;
            }
            Event::ClientMessage(m) if m.type_ == atoms.finished => {
                let ok = m.data.as_data32()[1] & 1 == 1;
                println!("{}", if ok { "accepted" } else { "refused" });
                std::process::exit(if ok { 0 } else { 2 });
            }
            Event::SelectionRequest(r) => {
                let property = if r.property == x11rb::NONE { r.target } else { r.property };
                let answered = if r.target == atoms.uri_list {
                    conn.change_property8(PropMode::REPLACE, r.requestor, property, atoms.uri_list, uris.as_bytes())?;
                    property
                } else if r.target == atoms.targets {
                    conn.change_property32(PropMode::REPLACE, r.requestor, property, AtomEnum::ATOM, &[atoms.uri_list, atoms.targets])?;
                    property
                } else {
                    x11rb::NONE
                };
                let notify = SelectionNotifyEvent {
                    response_type: x11rb::protocol::xproto::SELECTION_NOTIFY_EVENT,
                    sequence: 0,
                    time: r.time,
                    requestor: r.requestor,
                    selection: r.selection,
                    target: r.target,
                    property: answered,
                };
                conn.send_event(false, r.requestor, EventMask::NO_EVENT, notify)?;
                conn.flush()?;
            }
            _ => {}
        }

        // One position message at a time: the next goes once the target
        // has answered the previous one.
        if let (Some((px, py, time)), false) = (pending, awaiting_status) {
            pending = None;
            let found = if gtk { find_target_gtk(&conn, root, px, py, &atoms)? } else { find_target(&conn, root, px, py, atoms.aware)? };
            if found.map(|f| f.0) != target.map(|t| t.0) {
                if let Some((old, _)) = target {
                    send(old, atoms.leave, [win, 0, 0, 0, 0])?;
                }
                accepted = false;
                if let Some((new, version)) = found {
                    send(new, atoms.enter, [win, version << 24, atoms.uri_list, 0, 0])?;
                }
                target = found;
            }
            if let Some((t, _)) = target {
                let at = ((px as u16 as u32) << 16) | py as u16 as u32;
                send(t, atoms.position, [win, 0, at, time, atoms.action_copy])?;
                awaiting_status = true;
            }
        }
    }
}

/// GTK's way: the client window (with `WM_STATE`) under root coordinates
/// (x, y), else the top-level window there; then its `XdndProxy` if it has
/// one; the target if that window is `XdndAware`.
fn find_target_gtk(conn: &impl Connection, root: Window, x: i16, y: i16, atoms: &Atoms) -> Result<Option<(Window, u32)>, Box<dyn std::error::Error>> {
    let top = conn.translate_coordinates(root, root, x, y)?.reply()?.child;
    if top == x11rb::NONE {
        return Ok(None);
    }
    let mut window = top;
    let client = loop {
        let state = conn.get_property(false, window, atoms.wm_state, AtomEnum::ANY, 0, 1)?.reply()?;
        if state.type_ != x11rb::NONE {
            break window;
        }
        let child = conn.translate_coordinates(root, window, x, y)?.reply()?.child;
        if child == x11rb::NONE {
            break top;
        }
        window = child;
    };
    let proxy = conn.get_property(false, client, atoms.proxy, AtomEnum::WINDOW, 0, 1)?.reply()?;
    let dest = proxy.value32().and_then(|mut v| v.next()).unwrap_or(client);
    let aware = conn.get_property(false, dest, atoms.aware, AtomEnum::ATOM, 0, 1)?.reply()?;
    Ok(aware.value32().and_then(|mut v| v.next()).map(|version| (dest, version.min(VERSION))))
}

/// The first `XdndAware` window under root coordinates (x, y), descending
/// from the root window, and the protocol version to speak with it.
fn find_target(conn: &impl Connection, root: Window, x: i16, y: i16, aware: Atom) -> Result<Option<(Window, u32)>, Box<dyn std::error::Error>> {
    let mut window = root;
    loop {
        let child = conn.translate_coordinates(root, window, x, y)?.reply()?.child;
        if child == x11rb::NONE {
            return Ok(None);
        }
        let prop = conn.get_property(false, child, aware, AtomEnum::ATOM, 0, 1)?.reply()?;
        if let Some(version) = prop.value32().and_then(|mut v| v.next()) {
            return Ok(Some((child, version.min(VERSION))));
        }
        window = child;
    }
}
