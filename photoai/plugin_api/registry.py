"""Plugin discovery: built-in ``photoai_plugins``, the ``photoai.plugins`` entry points and
folders on ``PHOTOAI_PLUGIN_PATH``.

A plugin module exposes ``plugin`` (one instance) or ``plugins`` (several). A plugin that
fails to import is recorded in :attr:`PluginRegistry.failures` and skipped; it never stops
the app. Discovery imports plugin modules but plugins import torch lazily, so listing is cheap.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import pkgutil
import re
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

from photoai.core.errors import PluginError
from photoai.plugin_api.plugin import Plugin, PluginInfo

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "photoai.plugins"
PATH_ENV = "PHOTOAI_PLUGIN_PATH"
BUILTIN_PACKAGE = "photoai_plugins"
_ID_RE = re.compile(r"^[a-z][a-z0-9_.-]*$")


@dataclass(frozen=True)
class PluginLoadFailure:
    """A plugin source that could not be loaded, with a readable error."""

    source: str
    error: str
    details: str = ""


class PluginRegistry:
    """Plugins by id. Pass it around; there is no global registry."""

    def __init__(self) -> None:
        self._plugins: dict[str, Plugin] = {}
        self._sources: dict[str, str] = {}
        self.failures: list[PluginLoadFailure] = []

    # -- registration -------------------------------------------------------------
    def register(self, plugin: Any, source: str = "<code>") -> Plugin:
        info = getattr(plugin, "info", None)
        if not isinstance(info, PluginInfo):
            raise PluginError(f"{source}: object {plugin!r} has no PluginInfo 'info'")
        if not callable(getattr(plugin, "run", None)) or not callable(getattr(plugin, "output_size", None)):
            raise PluginError(f"{source}: plugin '{info.id}' lacks run() or output_size()")
        if not _ID_RE.match(info.id):
            raise PluginError(f"{source}: plugin id {info.id!r} must be lowercase letters, digits, '_', '-' or '.'")
        keys = [p.key for p in info.params]
        if len(keys) != len(set(keys)):
            raise PluginError(f"{source}: plugin '{info.id}' has duplicate parameter keys")
        if info.id in self._plugins:
            raise PluginError(
                f"{source}: plugin id '{info.id}' is already provided by {self._sources[info.id]}"
            )
        self._plugins[info.id] = plugin
        self._sources[info.id] = source
        return plugin

    def unregister(self, plugin_id: str) -> None:
        self._plugins.pop(plugin_id, None)
        self._sources.pop(plugin_id, None)

    # -- queries --------------------------------------------------------------------
    def get(self, plugin_id: str) -> Plugin:
        try:
            return self._plugins[plugin_id]
        except KeyError:
            known = ", ".join(sorted(self._plugins)) or "none"
            raise PluginError(f"unknown plugin '{plugin_id}' (available: {known})") from None

    def source(self, plugin_id: str) -> str:
        return self._sources[plugin_id]

    def __contains__(self, plugin_id: object) -> bool:
        return plugin_id in self._plugins

    def __len__(self) -> int:
        return len(self._plugins)

    def plugins(self) -> list[Plugin]:
        return sorted(self._plugins.values(), key=lambda p: p.info.title.lower())

    # -- discovery -------------------------------------------------------------------
    def discover(
        self,
        *,
        builtin: bool = True,
        entry_point_group: str | None = ENTRY_POINT_GROUP,
        paths: Iterable[str | os.PathLike] | None = None,
    ) -> PluginRegistry:
        """Load every plugin source; ``paths`` defaults to ``$PHOTOAI_PLUGIN_PATH``."""
        if builtin:
            self._discover_builtin()
        if entry_point_group:
            self._discover_entry_points(entry_point_group)
        if paths is None:
            paths = [p for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p]
        for folder in paths:
            self._discover_folder(Path(folder))
        return self

    def _discover_builtin(self) -> None:
        try:
            package = importlib.import_module(BUILTIN_PACKAGE)
        except ImportError as e:
            self._fail(BUILTIN_PACKAGE, e)
            return
        for mod in pkgutil.iter_modules(package.__path__):
            if mod.name.startswith("_"):
                continue
            name = f"{BUILTIN_PACKAGE}.{mod.name}"
            self._guarded(name, lambda name=name: self._register_module(importlib.import_module(name), name))

    def _discover_entry_points(self, group: str) -> None:
        for ep in entry_points(group=group):
            source = f"entry point {ep.name} ({ep.value})"
            self._guarded(source, lambda ep=ep, source=source: self._register_object(ep.load(), source))

    def _discover_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            self.failures.append(PluginLoadFailure(str(folder), f"plugin folder {folder} does not exist"))
            return
        for child in sorted(folder.iterdir()):
            if child.name.startswith((".", "_")):
                continue
            if child.is_dir() and (child / "__init__.py").is_file():
                target = child / "__init__.py"
            elif child.suffix == ".py":
                target = child
            else:
                continue
            source = str(child)
            self._guarded(source, lambda t=target, s=source: self._register_module(_import_file(t), s))

    # -- helpers -------------------------------------------------------------------------
    def _guarded(self, source: str, action) -> None:
        try:
            action()
        except Exception as e:  # noqa: BLE001 - a broken plugin must never stop the app
            self._fail(source, e)

    def _fail(self, source: str, exc: BaseException) -> None:
        log.warning("plugin %s failed to load: %s", source, exc)
        details = "".join(traceback.format_exception(exc))
        self.failures.append(PluginLoadFailure(source, f"{type(exc).__name__}: {exc}", details))

    def _register_module(self, module: ModuleType, source: str) -> None:
        found = _plugins_of(module)
        if not found:
            raise PluginError(f"{source}: module defines neither 'plugin' nor 'plugins'")
        for plugin in found:
            self._guarded(source, lambda p=plugin: self.register(p, source))

    def _register_object(self, obj: Any, source: str) -> None:
        if isinstance(obj, ModuleType):
            self._register_module(obj, source)
        elif isinstance(obj, type):
            self.register(obj(), source)
        elif isinstance(getattr(obj, "info", None), PluginInfo):
            self.register(obj, source)
        elif callable(obj):
            result = obj()
            for plugin in result if isinstance(result, (list, tuple)) else [result]:
                self.register(plugin, source)
        else:
            raise PluginError(f"{source}: {obj!r} is not a plugin")


def _plugins_of(module: ModuleType) -> list[Any]:
    if hasattr(module, "plugins"):
        return list(module.plugins)
    if hasattr(module, "plugin"):
        return [module.plugin]
    return []


def _import_file(path: Path) -> ModuleType:
    """Import a plugin file or package ``__init__.py`` under a private, unique module name."""
    folder = path.parent if path.name == "__init__.py" else path
    stem = folder.stem if path.name != "__init__.py" else folder.name
    digest = abs(hash(str(folder.resolve()))) % 10**8
    name = f"photoai_ext_{re.sub(r'[^0-9a-zA-Z_]', '_', stem)}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    locations = [str(folder)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=locations)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def discover_plugins(**kwargs: Any) -> PluginRegistry:
    """A new registry with every plugin found (see :meth:`PluginRegistry.discover`)."""
    return PluginRegistry().discover(**kwargs)
