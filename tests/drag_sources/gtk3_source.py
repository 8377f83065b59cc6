#!/usr/bin/python3
"""A GTK 3 drag source, as Nautilus, Thunar and Nemo drag files.

Usage: gtk3_source.py X Y FILE...  opens a 120x60 window at (X, Y), prints
"ready" once it is mapped, and drags the files (text/uri-list) when the
mouse is pressed on it and moved away (by xdotool). Prints "accepted" and
exits 0 when the target took the drop, prints "refused" and exits 2 when
it did not, and exits 3 after 60 s without a drag.

GTK finds the target window itself (gdk's XDND code): the test relies on
that, not on any logic of ours.
"""
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, GLib, Gtk  # noqa: E402

x, y = int(sys.argv[1]), int(sys.argv[2])
uris = [GLib.filename_to_uri(p, None) for p in sys.argv[3:]]
result = {"failed": False}

win = Gtk.Window(title="gtk3 drag source")
win.set_default_size(120, 60)
win.move(x, y)
box = Gtk.EventBox()
box.add(Gtk.Label(label="drag me"))
win.add(box)
box.drag_source_set(Gdk.ModifierType.BUTTON1_MASK, [Gtk.TargetEntry.new("text/uri-list", 0, 0)], Gdk.DragAction.COPY)


def on_get(_widget, _context, data, _info, _time):
    data.set_uris(uris)


def on_failed(_widget, _context, _reason):
    result["failed"] = True
    return False


def on_end(_widget, _context):
    # drag-failed comes before drag-end when the drop was refused.
    GLib.idle_add(finish)


def finish():
    print("refused" if result["failed"] else "accepted", flush=True)
    # A file manager stays open after a drop: the target may still be
    # fetching the data from us.
    GLib.timeout_add(3000, quit)
    return False


def quit():
    Gtk.main_quit()
    sys.exit(2 if result["failed"] else 0)


def on_map(_widget, _event):
    GLib.timeout_add(300, lambda: print("ready", flush=True) and False)


box.connect("drag-data-get", on_get)
box.connect("drag-failed", on_failed)
box.connect("drag-end", on_end)
win.connect("map-event", on_map)
win.show_all()
GLib.timeout_add_seconds(60, lambda: sys.exit(3))
Gtk.main()
