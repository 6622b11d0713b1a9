"""PySide6 6.12.0 steals a reference to None / True per call on CPython < 3.12 (pyproject excludes it):
the editor must survive many thousands of calls (mouse moves, painting, progress signals)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CALLS = 30_000  # more than None's or True's reference count in a fresh interpreter


def test_thousands_of_void_calls_and_emits_do_not_abort_the_process():
    code = textwrap.dedent(f"""
        import photoai.ui  # what every editor module imports first
        from PySide6.QtCore import QObject, QPointF, Signal
        from PySide6.QtGui import QImage, QPainter

        class Emitter(QObject):
            ticked = Signal(int)

        image = QImage(8, 8, QImage.Format.Format_ARGB32)
        painter = QPainter(image)
        emitter = Emitter()
        emitter.ticked.connect(lambda i: None)
        for i in range({CALLS}):
            painter.save()  # returns None without a reference
            painter.restore()
            painter.drawPoint(QPointF(1, 1))
            emitter.ticked.emit(i)  # returns True without a reference
        painter.end()
        print("survived")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0 and done.stdout.strip() == "survived", done.stderr[-2000:]
