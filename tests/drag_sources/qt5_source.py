#!/usr/bin/python3
"""A Qt 5 drag source, as Dolphin and other Qt applications drag files.

Usage: qt5_source.py X Y FILE...  opens a 120x60 window at (X, Y), prints
"ready" once it is shown, and drags the files (text/uri-list) when the
mouse is pressed on it and moved away (by xdotool). Prints "accepted" and
exits 0 when the target took the drop, prints "refused" and exits 2 when
it did not, and exits 3 after 60 s without a drag.

Qt finds the target window itself (QXcbDrag): the test relies on that, not
on any logic of ours.
"""
import sys

from PyQt5 import QtCore, QtWidgets

x, y = int(sys.argv[1]), int(sys.argv[2])
urls = [QtCore.QUrl.fromLocalFile(p) for p in sys.argv[3:]]


class Source(QtWidgets.QLabel):
    def __init__(self):
        super().__init__("drag me")
        self.press = None

    def mousePressEvent(self, event):
        self.press = event.pos()

    def mouseMoveEvent(self, event):
        if self.press is None or (event.pos() - self.press).manhattanLength() < QtWidgets.QApplication.startDragDistance():
            return
        self.press = None
        mime = QtCore.QMimeData()
        mime.setUrls(urls)
        drag = QtGui.QDrag(self)
        drag.setMimeData(mime)
        action = drag.exec_(QtCore.Qt.CopyAction)
        accepted = action == QtCore.Qt.CopyAction
        print("accepted" if accepted else "refused", flush=True)
        # A file manager stays open after a drop: the target may still be
        # fetching the data from us.
        QtCore.QTimer.singleShot(3000, lambda: QtWidgets.QApplication.exit(0 if accepted else 2))


from PyQt5 import QtGui  # noqa: E402

app = QtWidgets.QApplication(sys.argv[:1])
w = Source()
w.setWindowTitle("qt5 drag source")
w.resize(120, 60)
w.move(x, y)
w.show()
QtCore.QTimer.singleShot(300, lambda: print("ready", flush=True))
QtCore.QTimer.singleShot(60_000, lambda: QtWidgets.QApplication.exit(3))
sys.exit(app.exec_())
