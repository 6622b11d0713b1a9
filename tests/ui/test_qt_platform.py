"""Start-up check for Qt's xcb platform plugin: a missing libxcb-cursor0 is one line and exit status 2."""

from __future__ import annotations

import ctypes
import sys

import pytest

from photoai.ui import qt_platform

X11 = {"DISPLAY": ":0"}


@pytest.fixture
def x11_without_libxcb_cursor(monkeypatch):
    """A Linux X11 session where the dynamic loader cannot find libxcb-cursor.so.0; Qt must not start."""
    real_cdll = ctypes.CDLL

    def cdll(name, *args, **kwargs):
        if name == "libxcb-cursor.so.0":
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return real_cdll(name, *args, **kwargs)

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(ctypes, "CDLL", cdll)  # what the start-up check asks the loader

    def no_qt(*_args, **_kwargs):
        raise AssertionError("Qt was started")

    from photoai.ui import app

    monkeypatch.setattr(app, "create_app", no_qt)


@pytest.mark.parametrize("entry", ["gui", "cli"])
def test_a_missing_libxcb_cursor_is_one_line_and_status_2(x11_without_libxcb_cursor, capsys, photo, entry):
    if entry == "gui":
        from photoai.ui.app import main
        status = main([str(photo)])
    else:
        from photoai.cli import main
        status = main([str(photo)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("photoai: error: ")
    assert "libxcb-cursor.so.0" in err and "sudo apt install libxcb-cursor0" in err


def test_the_message_names_every_missing_library_and_its_package():
    present = set(qt_platform.XCB_LIBRARIES) - {"libxcb-cursor.so.0", "libxcb-icccm.so.4"}
    problem = qt_platform.xcb_problem(environ=X11, system="linux", load=present.__contains__)
    assert problem is not None and "\n" not in problem
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in problem
    assert problem.endswith("sudo apt install libxcb-cursor0 libxcb-icccm4")
    assert qt_platform.xcb_problem(environ=X11, system="linux", load=lambda _s: True) is None


@pytest.mark.parametrize(("qt_args", "env", "system", "expected"), [
    ((), X11, "linux", True),
    ((), {**X11, "QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ((), {**X11, "QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
    ((), {**X11, "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),  # Qt's default prefers Wayland there
    ((), {**X11, "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ((), {**X11, "QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
    (("-platform", "offscreen"), {**X11, "QT_QPA_PLATFORM": "xcb"}, "linux", False),
    (("-platform", "xcb"), {**X11, "QT_QPA_PLATFORM": "offscreen"}, "linux", True),
    ((), {}, "linux", False),  # no X display: Qt would not use xcb (and fails on its own terms)
    ((), X11, "darwin", False),
    ((), X11, "win32", False),
])
def test_the_check_runs_only_where_qt_starts_xcb(qt_args, env, system, expected):
    assert qt_platform.uses_xcb(qt_args, env, system) is expected
    missing_all = qt_platform.xcb_problem(qt_args, env, system, load=lambda _s: False)
    assert (missing_all is not None) is expected

