"""Before Qt starts: can its X11 (xcb) platform plugin load on this Linux system?

Qt's xcb plugin links against X11 libraries that PySide6 does not ship (since Qt 6.5 notably
``libxcb-cursor.so.0``, missing on many Debian/Ubuntu installs). Without one of them Qt prints
several lines about plugins and aborts the process (SIGABRT, exit status 134). :func:`xcb_problem`
finds that out first, without importing Qt, so the editor can stop with one line naming the
package to install.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping, Sequence

#: The system libraries Qt's xcb platform plugin needs (``readelf -d libqxcb.so libQt6XcbQpa.so.6``)
#: and the Debian/Ubuntu package of each.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1",
}


def loadable(soname: str) -> bool:
    """True when the dynamic loader finds ``soname`` (it is loaded, as Qt would load it anyway)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def platform_name(qt_args: Sequence[str], environ: Mapping[str, str]) -> str:
    """The platform Qt is asked for: ``-platform NAME`` among ``qt_args``, else ``QT_QPA_PLATFORM``
    ('' = Qt's default). Only the first of a ``wayland;xcb`` list counts."""
    args = list(qt_args)
    for i, arg in enumerate(args[:-1]):
        if arg in ("-platform", "--platform"):
            return args[i + 1].split(";")[0].split(":")[0]
    return environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0]


def uses_xcb(qt_args: Sequence[str] = (), environ: Mapping[str, str] | None = None,
             system: str | None = None) -> bool:
    """True when Qt will start its xcb plugin: on Linux with a ``DISPLAY``, the platform 'xcb' or
    Qt's default (unless a Wayland session is there, which Qt's default then prefers)."""
    env = os.environ if environ is None else environ
    if not (system or sys.platform).startswith("linux") or not env.get("DISPLAY"):
        return False
    name = platform_name(qt_args, env)
    return name == "xcb" or (name == "" and not env.get("WAYLAND_DISPLAY"))


def xcb_problem(qt_args: Sequence[str] = (), environ: Mapping[str, str] | None = None,
                system: str | None = None, load: Callable[[str], bool] = loadable) -> str | None:
    """A one-line message naming the missing libraries and their packages, or None when Qt's xcb
    plugin can load (or is not going to be used)."""
    if not uses_xcb(qt_args, environ, system):
        return None
    missing = [soname for soname in XCB_LIBRARIES if not load(soname)]
    if not missing:
        return None
    packages = " ".join(XCB_LIBRARIES[s] for s in missing)
    return (f"cannot start the editor: Qt's X11 (xcb) platform plugin needs {', '.join(missing)} (missing); "
            f"on Debian/Ubuntu: sudo apt install {packages}")
