//! Makes the editor reachable by every X11 drag source, whatever its host's
//! window does with drops.
//!
//! A drag source has to find the window under the pointer. Measured under
//! Xvfb and openbox with a GTK 3 and a Qt 5 source (the toolkits of
//! Nautilus/Thunar/Nemo and of Dolphin), over a host's client window (the
//! one with `WM_STATE`) holding an `XdndAware` child (the editor):
//!
//! | host client window | GTK 3 sends to | Qt 5 sends to |
//! | --- | --- | --- |
//! | not `XdndAware` | nothing: refused | the editor |
//! | `XdndAware` (JUCE hosts, Ardour) | the host window | the host window |
//! | `XdndProxy` naming the editor | the editor | the editor |
//!
//! Both read this when the pointer enters the client window, not on every
//! move (and while dragging, the source holds the pointer grab: the editor
//! sees no motion of its own). A host window that is `XdndAware` and does
//! not relay (JUCE's accepts the drop, finds no JUCE target and discards
//! it) loses every drop meant for the editor.
//!
//! So while it is open, the editor makes a window of its own the
//! `XdndProxy` of its host's client window, and of the editor's window too
//! (where Qt goes over a host window that takes no drops): every drop over
//! that window reaches the editor, which takes those over its own area and
//! refuses the rest.
//!
//! The proxied messages are answered here, not by baseview: a proxy must
//! answer as if it were the window the source addressed (the host's), and
//! baseview 0.4.2 names its own window in `XdndStatus` and `XdndFinished`,
//! which GTK ignores (the drop then fails). So the proxy is a window of our
//! own, on this module's connection, with a small XDND target behind it
//! (enter, position, leave, drop; the file list fetched once per drag):
//! what it hovers and drops goes to the editor through [`ProxyDrops`]. A proxy the
//! host had set is put back when the editor closes. What the host loses
//! while the editor is open: drops onto its own parts of that window (the
//! rest of a plugin window around the editor — a preset bar, an FX list);
//! drops onto the host's other windows are untouched.
//!
//! Thread: the editor window's. Does X11 round trips on its own connection.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, CreateWindowAux, EventMask, PropMode, Window, WindowClass};
use x11rb::protocol::Event;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// Files over the editor and files dropped on it through the proxy, in
/// physical pixels of the editor window; read by the editor each frame.
#[derive(Default)]
pub struct ProxyDrops {
    state: Mutex<DropState>,
}

#[derive(Default)]
struct DropState {
    hovering: Option<(Vec<PathBuf>, (f64, f64))>,
    dropped: Vec<(Vec<PathBuf>, (f64, f64))>,
    changed: bool,
}

impl ProxyDrops {
    /// What hovers now, the drops since the last call, and whether anything
    /// changed since then.
    ///
    /// Thread: the editor window's. Allocates (the drops' list).
    #[allow(clippy::type_complexity)]
    pub fn take(&self) -> (Option<(Vec<PathBuf>, (f64, f64))>, Vec<(Vec<PathBuf>, (f64, f64))>, bool) {
        let mut s = self.state.lock();
        let changed = std::mem::take(&mut s.changed);
        (s.hovering.clone(), std::mem::take(&mut s.dropped), changed)
    }

    /// Whether anything changed since the last [`take`](Self::take).
    ///
    /// Thread: any. No allocation.
    pub fn changed(&self) -> bool {
        self.state.lock().changed
    }

    fn hover(&self, hovering: Option<(Vec<PathBuf>, (f64, f64))>) {
        let mut s = self.state.lock();
        s.hovering = hovering;
        s.changed = true;
    }

    fn drop_files(&self, files: Vec<PathBuf>, at: (f64, f64)) {
        let mut s = self.state.lock();
        s.hovering = None;
        s.dropped.push((files, at));
        s.changed = true;
    }
}

/// The proxy set on the host's window and the thread answering it; on drop
/// the thread stops and the host's window gets its own proxy back (or
/// none).
pub struct XdndProxy {
    conn: Arc<RustConnection>,
    host_window: Window,
    /// The editor's window (also proxied to `catcher`).
    ours: Window,
    /// Our proxy window.
    catcher: Window,
    proxy_atom: u32,
    /// The host's own proxy, to restore.
    previous: Option<Window>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn atom(conn: &RustConnection, name: &str) -> Option<u32> {
    Some(conn.intern_atom(false, name.as_bytes()).ok()?.reply().ok()?.atom)
}

fn has_property(conn: &RustConnection, window: Window, property: u32) -> bool {
    conn.get_property(false, window, property, AtomEnum::ANY, 0, 1).ok().and_then(|c| c.reply().ok()).is_some_and(|r| r.type_ != x11rb::NONE)
}

/// The window a window's `XdndProxy` names, if any.
fn proxy_of(conn: &RustConnection, window: Window, proxy_atom: u32) -> Option<Window> {
    conn.get_property(false, window, proxy_atom, AtomEnum::WINDOW, 0, 1).ok()?.reply().ok()?.value32()?.next()
}

/// The window a GTK drag source addresses for `ours`: its closest ancestor
/// with `WM_STATE`, else its ancestor that is a child of the root window.
/// `None` when `ours` is itself a top-level window.
fn client_window(conn: &RustConnection, ours: Window, wm_state: u32) -> Option<Window> {
    let mut window = ours;
    loop {
        let tree = conn.query_tree(window).ok()?.reply().ok()?;
        if tree.parent == x11rb::NONE || tree.parent == tree.root {
            return (window != ours).then_some(window);
        }
        window = tree.parent;
        if has_property(conn, window, wm_state) {
            return Some(window);
        }
    }
}

/// What [`XdndProxy::install`] did.
// Made once per editor window: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Install {
    Installed(XdndProxy),
    /// The window is not inside a host's window (yet: baseview creates it at
    /// the root and reparents it right after).
    NotEmbedded,
    /// X could not be reached: nothing changed.
    LeftAlone,
}

impl XdndProxy {
    /// Makes a window of ours the `XdndProxy` of `ours`'s host's client
    /// window, remembering a proxy the host had set, and starts answering
    /// it: drops over `ours` go to `drops`.
    ///
    /// Thread: the editor window's. Allocates (X requests, a thread).
    pub fn install(ours: Window, drops: Arc<ProxyDrops>) -> Install {
        let Some((conn, wm_state, proxy_atom)) = x11rb::connect(None).ok().and_then(|(conn, _)| {
            let atoms = (atom(&conn, "WM_STATE")?, atom(&conn, "XdndProxy")?);
            Some((conn, atoms.0, atoms.1))
        }) else {
            return Install::LeftAlone;
        };
        let Some(host_window) = client_window(&conn, ours, wm_state) else { return Install::NotEmbedded };
        let Some(aware) = atom(&conn, "XdndAware") else { return Install::LeftAlone };
        let previous = proxy_of(&conn, host_window, proxy_atom);
        let root = conn.setup().roots.first().map(|s| s.root).unwrap_or_default();
        let Ok(catcher) = conn.generate_id() else { return Install::LeftAlone };
        // An unmapped input-only window: it only receives client messages.
        let made = conn.create_window(0, catcher, root, -1, -1, 1, 1, 0, WindowClass::INPUT_ONLY, 0, &CreateWindowAux::new()).is_ok();
        // The spec asks the proxy to name itself too, and to be XdndAware.
        let set = made
            && conn.change_property32(PropMode::REPLACE, catcher, aware, AtomEnum::ATOM, &[5]).is_ok()
            && conn.change_property32(PropMode::REPLACE, catcher, proxy_atom, AtomEnum::WINDOW, &[catcher]).is_ok()
            && conn.change_property32(PropMode::REPLACE, host_window, proxy_atom, AtomEnum::WINDOW, &[catcher]).is_ok()
            // Sources that reach the editor's own window (Qt over a host
            // window that takes no drops) come here too: one XDND target,
            // one reading of the file list, for every drop.
            && conn.change_property32(PropMode::REPLACE, ours, proxy_atom, AtomEnum::WINDOW, &[catcher]).is_ok()
            && conn.flush().is_ok();
        let Some(target) = Target::new(&conn, ours, catcher).filter(|_| set) else { return Install::LeftAlone };
        let conn = Arc::new(conn);
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (conn, stop) = (conn.clone(), stop.clone());
            std::thread::Builder::new().name("wasm-sampler-xdnd".into()).spawn(move || target.run(&conn, &stop, &drops)).ok()
        };
        Install::Installed(XdndProxy { conn, host_window, ours, catcher, proxy_atom, previous, stop, thread })
    }

    /// The host window now proxied to the editor.
    ///
    /// Thread: any. No allocation.
    pub fn host_window(&self) -> Window {
        self.host_window
    }
}

impl Drop for XdndProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // Only if it still names us (the host may have changed it since).
        let still_ours = proxy_of(&self.conn, self.host_window, self.proxy_atom) == Some(self.catcher);
        if still_ours {
            let _ = match self.previous {
                Some(theirs) => self.conn.change_property32(PropMode::REPLACE, self.host_window, self.proxy_atom, AtomEnum::WINDOW, &[theirs]).map(|_| ()),
                None => self.conn.delete_property(self.host_window, self.proxy_atom).map(|_| ()),
            };
        }
        let _ = self.conn.delete_property(self.ours, self.proxy_atom);
        let _ = self.conn.destroy_window(self.catcher);
        // A round trip: done before this connection goes away.
        let _ = self.conn.get_input_focus().map(|c| c.reply());
    }
}

/// The XDND target behind the proxy window: one drag at a time.
struct Target {
    ours: Window,
    catcher: Window,
    hostname: String,
    atoms: Atoms,
    session: Option<Session>,
}

struct Atoms {
    enter: u32,
    position: u32,
    leave: u32,
    drop: u32,
    status: u32,
    finished: u32,
    selection: u32,
    type_list: u32,
    uri_list: u32,
    action_copy: u32,
    data: u32,
}

/// One drag: who drags, the window it addressed, what it carries.
struct Session {
    source: Window,
    /// The window the source addressed (the host's); answers name it.
    target: Window,
    offers_files: bool,
    requested: bool,
    files: Option<Vec<PathBuf>>,
    /// The last position, in the editor's physical pixels, and whether it
    /// is over the editor.
    at: Option<((f64, f64), bool)>,
}

impl Target {
    fn new(conn: &RustConnection, ours: Window, catcher: Window) -> Option<Target> {
        let a = |name: &str| atom(conn, name);
        let atoms = Atoms {
            enter: a("XdndEnter")?,
            position: a("XdndPosition")?,
            leave: a("XdndLeave")?,
            drop: a("XdndDrop")?,
            status: a("XdndStatus")?,
            finished: a("XdndFinished")?,
            selection: a("XdndSelection")?,
            type_list: a("XdndTypeList")?,
            uri_list: a("text/uri-list")?,
            action_copy: a("XdndActionCopy")?,
            data: a("WASM_SAMPLER_XDND_DATA")?,
        };
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
        Some(Target { ours, catcher, hostname, atoms, session: None })
    }

    fn run(mut self, conn: &RustConnection, stop: &AtomicBool, drops: &ProxyDrops) {
        while !stop.load(Ordering::Acquire) {
            match conn.poll_for_event() {
                Ok(Some(Event::ClientMessage(m))) if m.format == 32 => self.message(conn, &m, drops),
                Ok(Some(Event::SelectionNotify(n))) if n.requestor == self.catcher => self.data_arrived(conn, n.property, drops),
                Ok(Some(_)) => {}
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(3)),
                Err(_) => return,
            }
        }
        drops.hover(None);
    }

    fn message(&mut self, conn: &RustConnection, m: &ClientMessageEvent, drops: &ProxyDrops) {
        let d = m.data.as_data32();
        let a = &self.atoms;
        if m.type_ == a.enter {
            let types: Vec<u32> = if d[1] & 1 != 0 {
                conn.get_property(false, d[0], a.type_list, AtomEnum::ATOM, 0, 64)
                    .ok()
                    .and_then(|c| c.reply().ok())
                    .and_then(|r| r.value32().map(|v| v.collect()))
                    .unwrap_or_default()
            } else {
                d[2..5].to_vec()
            };
            self.session = Some(Session { source: d[0], target: m.window, offers_files: types.contains(&a.uri_list), requested: false, files: None, at: None });
        } else if m.type_ == a.position {
            let (root_x, root_y, time) = ((d[2] >> 16) as i16, (d[2] & 0xffff) as i16, d[3]);
            let at = self.locate(conn, root_x, root_y);
            let (selection, uri_list, data, catcher) = (a.selection, a.uri_list, a.data, self.catcher);
            let Some(s) = self.session.as_mut().filter(|s| s.source == d[0]) else { return };
            s.at = Some(at);
            if s.offers_files && !s.requested {
                s.requested = true;
                let _ = conn.convert_selection(catcher, selection, uri_list, data, time);
            }
            self.answer(conn, drops);
        } else if m.type_ == a.leave {
            self.session = None;
            drops.hover(None);
        } else if m.type_ == a.drop {
            let Some(s) = self.session.take().filter(|s| s.source == d[0]) else { return };
            let accepted = match (&s.files, s.at) {
                (Some(files), Some((at, true))) if !files.is_empty() => {
                    drops.drop_files(files.clone(), at);
                    true
                }
                _ => {
                    drops.hover(None);
                    false
                }
            };
            let action = if accepted { self.atoms.action_copy } else { 0 };
            self.send(conn, s.source, self.atoms.finished, [s.target, accepted as u32, action, 0, 0]);
        }
    }

    /// Where a root position falls on the editor: physical pixels relative
    /// to its window, and whether it is inside.
    fn locate(&self, conn: &RustConnection, x: i16, y: i16) -> ((f64, f64), bool) {
        let root = conn.setup().roots.first().map(|s| s.root).unwrap_or_default();
        let local = conn.translate_coordinates(root, self.ours, x, y).ok().and_then(|c| c.reply().ok());
        let size = conn.get_geometry(self.ours).ok().and_then(|c| c.reply().ok());
        match (local, size) {
            (Some(l), Some(g)) => {
                let (lx, ly) = (l.dst_x as i32, l.dst_y as i32);
                let inside = (0..g.width as i32).contains(&lx) && (0..g.height as i32).contains(&ly);
                ((lx as f64, ly as f64), inside)
            }
            _ => ((0.0, 0.0), false),
        }
    }

    fn data_arrived(&mut self, conn: &RustConnection, property: u32, drops: &ProxyDrops) {
        let Some(s) = self.session.as_mut() else { return };
        let bytes = (property != x11rb::NONE)
            .then(|| conn.get_property(true, self.catcher, property, AtomEnum::ANY, 0, 1 << 20).ok()?.reply().ok())
            .flatten()
            .map(|r| r.value)
            .unwrap_or_default();
        s.files = Some(super::model::parse_uri_list(&bytes, &self.hostname));
        self.answer(conn, drops);
    }

    /// Tells the source whether a drop here would be taken (files, over the
    /// editor), naming the window it addressed; shows the hover.
    fn answer(&mut self, conn: &RustConnection, drops: &ProxyDrops) {
        let Some(s) = &self.session else { return };
        let accept = match (&s.files, s.at) {
            (Some(files), Some((at, true))) if !files.is_empty() => {
                drops.hover(Some((files.clone(), at)));
                true
            }
            _ => {
                drops.hover(None);
                false
            }
        };
        let action = if accept { self.atoms.action_copy } else { 0 };
        // Bit 1: keep sending positions (the answer depends on where).
        self.send(conn, s.source, self.atoms.status, [s.target, accept as u32 | 2, 0, 0, action]);
    }

    fn send(&self, conn: &RustConnection, to: Window, kind: u32, data: [u32; 5]) {
        let event = ClientMessageEvent::new(32, to, kind, data);
        let _ = conn.send_event(false, to, EventMask::NO_EVENT, event);
        let _ = conn.flush();
    }
}
