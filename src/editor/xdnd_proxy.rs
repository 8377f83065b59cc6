//! Makes the editor reachable by GTK file managers on X11.
//!
//! An X11 drag source has to find the window under the pointer. Qt's (and
//! the test's) descend the window tree to the innermost `XdndAware` window,
//! which is the editor. GTK's (Nautilus, Thunar, Nemo, Caja…) stop at the
//! window manager's client window, the one with `WM_STATE`: the host's
//! window, of which the editor is only a child. If that window is not
//! `XdndAware` itself, GTK refuses the drop without telling the editor.
//!
//! The XDND protocol's answer is `XdndProxy`: a window can name another
//! window that takes its drag-and-drop messages. So when the editor is
//! embedded and its host's client window neither accepts drops itself nor
//! has a proxy already, the editor sets itself as that window's proxy, and
//! removes the property again when it closes. A host that takes drops
//! itself is left alone.
//!
//! Thread: the editor window's. Does X11 round trips on its own connection.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt, PropMode, Window};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// The proxy set on the host's window; removed on drop.
pub struct XdndProxy {
    conn: RustConnection,
    host_window: Window,
    ours: Window,
    proxy_atom: u32,
}

fn atom(conn: &RustConnection, name: &str) -> Option<u32> {
    Some(conn.intern_atom(false, name.as_bytes()).ok()?.reply().ok()?.atom)
}

fn has_property(conn: &RustConnection, window: Window, property: u32) -> bool {
    conn.get_property(false, window, property, AtomEnum::ANY, 0, 1).ok().and_then(|c| c.reply().ok()).is_some_and(|r| r.type_ != x11rb::NONE)
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
    /// Embedded, but the host takes drops itself or has a proxy already,
    /// or X could not be reached: nothing changed.
    LeftAlone,
}

impl XdndProxy {
    /// Sets `ours` as the `XdndProxy` of its host's client window when that
    /// window takes no drops of its own.
    ///
    /// Thread: the editor window's. Allocates (X requests).
    pub fn install(ours: Window) -> Install {
        let Some((conn, wm_state, aware, proxy_atom)) = x11rb::connect(None).ok().and_then(|(conn, _)| {
            let atoms = (atom(&conn, "WM_STATE")?, atom(&conn, "XdndAware")?, atom(&conn, "XdndProxy")?);
            Some((conn, atoms.0, atoms.1, atoms.2))
        }) else {
            return Install::LeftAlone;
        };
        let Some(host_window) = client_window(&conn, ours, wm_state) else { return Install::NotEmbedded };
        if has_property(&conn, host_window, aware) || has_property(&conn, host_window, proxy_atom) {
            return Install::LeftAlone;
        }
        // The spec asks the proxy to name itself too.
        let set = conn.change_property32(PropMode::REPLACE, ours, proxy_atom, AtomEnum::WINDOW, &[ours]).is_ok()
            && conn.change_property32(PropMode::REPLACE, host_window, proxy_atom, AtomEnum::WINDOW, &[ours]).is_ok()
            && conn.flush().is_ok();
        if set {
            Install::Installed(XdndProxy { conn, host_window, ours, proxy_atom })
        } else {
            Install::LeftAlone
        }
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
        // Only if it still names us (the host may have changed it since).
        let still_ours = self
            .conn
            .get_property(false, self.host_window, self.proxy_atom, AtomEnum::WINDOW, 0, 1)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().and_then(|mut v| v.next()))
            == Some(self.ours);
        if still_ours {
            let _ = self.conn.delete_property(self.host_window, self.proxy_atom);
            // A round trip: done before this connection goes away.
            let _ = self.conn.get_input_focus().map(|c| c.reply());
        }
    }
}
