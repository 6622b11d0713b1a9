"""Start the editor: ``main(argv)`` builds the QApplication, the plugin registry and the runtime,
injects them into :class:`MainWindow` and opens a file given on the command line.

``argv`` is the argument list *without* the program name (``["photo.jpg"]``), like
``argparse``; Qt's own options (``-platform offscreen``, ``-style ...``) pass through.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

ORGANIZATION = "PhotoAI"
APPLICATION = "PhotoAI"


def _parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="photoai gui", description="Open the PhotoAI editor.")
    parser.add_argument("file", nargs="?", help="photo to open")
    return parser.parse_known_args(list(argv))


def create_app(qt_args: Sequence[str] = ()):  # -> QApplication
    """The QApplication (an existing one is reused), named for QSettings, themed."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from photoai import __version__
    from photoai.ui.theme import apply_theme

    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(
        [sys.argv[0] if sys.argv else "photoai", *qt_args])
    app.setApplicationDisplayName(APPLICATION)
    apply_theme(app)
    return app


def build_window(registry=None, runtime=None, settings=None):  # -> MainWindow
    """A MainWindow with the discovered plugins and the default runtime unless given."""
    from photoai.plugin_api.models import open_runtime
    from photoai.plugin_api.registry import PluginRegistry
    from photoai.ui.main_window import MainWindow

    registry = registry if registry is not None else PluginRegistry().discover()
    runtime = runtime if runtime is not None else open_runtime(registry)
    window = MainWindow(registry, runtime, settings)
    # what start-up made lives as long as the app: out of the cyclic collector's full passes, which
    # otherwise walk it all (~0.1 s, an event-loop stall) now and then
    gc.freeze()
    return window


def main(argv: Sequence[str] | None = None) -> int:
    """Run the editor; returns the exit status (2, with one line on stderr, when Qt cannot start)."""
    from photoai.ui.qt_platform import xcb_problem

    args, qt_args = _parse(sys.argv[1:] if argv is None else argv)
    problem = xcb_problem(qt_args)  # Qt would abort the process (exit 134) with several lines
    if problem:
        print(f"photoai: error: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(qt_args)
    window = build_window()
    window.show()
    if args.file:
        from PySide6.QtCore import QTimer

        path = Path(args.file)
        QTimer.singleShot(0, lambda: window.open_path(path))
    return leave(window, int(app.exec()))


def leave(window, code: int) -> int:
    """The exit status, or exit now if a job that ignored Cancel is still running: Qt would
    otherwise wait for it when the thread pool is destroyed (settings are saved by then)."""
    if window.runner.pool.waitForDone(0):
        return code
    logging.getLogger(__name__).warning("a plugin that ignores Cancel is still running; quitting without it")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
