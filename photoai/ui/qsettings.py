"""Everything the editor remembers between sessions, behind one small typed wrapper over QSettings.

Keys: ``window/geometry``, ``window/state``, ``files/recent``, ``files/lastFolder``,
``files/lastExportFolder``, ``runtime/device`` and one group ``plugins/<id>`` per plugin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from photoai.core.errors import ParamError
from photoai.core.params import Param, validate
from photoai.runtime.devices import DEFAULT_DEVICE_PREFERENCE, DEVICE_PREFERENCES

MAX_RECENT = 10


def restore_values(params: Iterable[Param], stored: Mapping[str, Any]) -> dict[str, Any]:
    """Checked values from whatever was stored: unknown keys dropped, stale values -> defaults."""
    params = tuple(params)
    known = {p.key for p in params}
    stored = {k: v for k, v in stored.items() if k in known}
    try:
        return validate(params, stored)
    except ParamError:
        out = {}
        for p in params:
            try:
                out.update(validate((p,), {p.key: stored[p.key]} if p.key in stored else {}))
            except ParamError:
                out[p.key] = p.default
        return out


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):  # INI files read a one-element list back as a string
        return [value]
    return [str(v) for v in value]


def _int_within(value: Any, lo: int, hi: int, default: int) -> int:
    """``value`` as an int clamped to [lo, hi], or ``default`` when it is not a number."""
    try:
        return min(max(int(value), lo), hi)
    except (TypeError, ValueError):
        return default


class Settings:
    """Typed access to the app's QSettings. Pass a QSettings to use another store (tests)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings()

    # -- window ---------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        v = self.store.value("window/geometry")
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    def window_state(self) -> QByteArray | None:
        v = self.store.value("window/state")
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)

    # -- files ----------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return _as_list(self.store.value("files/recent"))[:MAX_RECENT]

    def add_recent_file(self, path: str | Path) -> list[str]:
        path = str(Path(path).resolve())
        files = [path] + [p for p in self.recent_files() if p != path]
        files = files[:MAX_RECENT]
        self.store.setValue("files/recent", files)
        return files

    def remove_recent_file(self, path: str | Path) -> list[str]:
        files = [p for p in self.recent_files() if p != str(path)]
        self.store.setValue("files/recent", files)
        return files

    def clear_recent_files(self) -> None:
        self.store.setValue("files/recent", [])

    def last_folder(self, key: str = "lastFolder") -> str:
        v = self.store.value(f"files/{key}", "")
        return str(v) if v and Path(str(v)).is_dir() else str(Path.home())

    def set_last_folder(self, folder: str | Path, key: str = "lastFolder") -> None:
        self.store.setValue(f"files/{key}", str(folder))

    # -- runtime --------------------------------------------------------------------
    def device_preference(self) -> str:
        v = str(self.store.value("runtime/device", DEFAULT_DEVICE_PREFERENCE))
        return v if v in DEVICE_PREFERENCES else DEFAULT_DEVICE_PREFERENCE

    def set_device_preference(self, device: str) -> None:
        if device not in DEVICE_PREFERENCES:
            raise ValueError(f"device must be one of {DEVICE_PREFERENCES}")
        self.store.setValue("runtime/device", device)

    # -- brush ----------------------------------------------------------------------
    def brush(self) -> dict[str, float]:
        """Brush size/hardness/opacity last used (only the keys that were stored and parse)."""
        out = {}
        for key in ("size", "hardness", "opacity"):
            v = self.store.value(f"brush/{key}")
            try:
                if v is not None:
                    out[key] = float(v)
            except (TypeError, ValueError):
                pass
        return out

    def set_brush(self, size: float, hardness: float, opacity: float) -> None:
        self.store.setValue("brush/size", float(size))
        self.store.setValue("brush/hardness", float(hardness))
        self.store.setValue("brush/opacity", float(opacity))

    def export_quality(self) -> int:
        return _int_within(self.store.value("export/quality", 95), 1, 100, default=95)

    def set_export_quality(self, quality: int) -> None:
        self.store.setValue("export/quality", int(quality))

    def mask_edit_radius(self, kind: str) -> int:
        """Last radius (px) used for Mask > Grow / Shrink / Feather."""
        return _int_within(self.store.value(f"mask/{kind}Radius", 8), 1, 500, default=8)

    def set_mask_edit_radius(self, kind: str, radius: int) -> None:
        self.store.setValue(f"mask/{kind}Radius", int(radius))

    # -- plugins --------------------------------------------------------------------
    def plugin_values(self, plugin_id: str, params: Iterable[Param]) -> dict[str, Any]:
        """The values last used with ``plugin_id``, validated against its current params."""
        params = tuple(params)
        self.store.beginGroup(f"plugins/{plugin_id}")
        try:
            stored = {k: self.store.value(k) for k in self.store.childKeys()}
        finally:
            self.store.endGroup()
        return restore_values(params, stored)

    def set_plugin_values(self, plugin_id: str, values: Mapping[str, Any]) -> None:
        self.store.beginGroup(f"plugins/{plugin_id}")
        try:
            self.store.remove("")  # forget keys of parameters that no longer exist
            for k, v in values.items():
                self.store.setValue(k, v)
        finally:
            self.store.endGroup()

    def sync(self) -> None:
        self.store.sync()
