"""What a plugin is: a description (``PluginInfo``) and a ``run`` method.

A plugin sees only float32 RGB pixels in [0, 1]; alpha, gray sources and parameter
validation are handled by :func:`photoai.plugin_api.execute.run_plugin`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from photoai.core.geometry import Size
from photoai.core.jobs import RunContext
from photoai.core.params import Param
from photoai.core.raw import RawData


@dataclass(frozen=True)
class PluginInfo:
    """Static facts about a plugin; listing plugins reads only this (no torch import).

    ``alpha_mode`` says what happens to an alpha channel when the plugin changes the
    image size: ``"resize"`` (bicubic) or ``"model"`` (the plugin runs on alpha too).
    ``consumes_mask``: the mask marks what the plugin replaces (inpainting), so keeping the
    result clears it; otherwise the mask stays for the next tool.
    ``needs_raw``: the plugin works on the camera's sensor data (``Request.raw``) of the RAW file as
    opened, not on the current pixels; it is refused for other images (see ``execute.check_raw``).
    """

    id: str
    title: str
    description: str = ""
    params: tuple[Param, ...] = ()
    needs_mask: bool = False
    consumes_mask: bool = False
    needs_raw: bool = False
    changes_size: bool = False
    model_ids: tuple[str, ...] = ()
    alpha_mode: str = "resize"
    version: str = "0.1"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "needs_mask": self.needs_mask,
            "consumes_mask": self.consumes_mask,
            "needs_raw": self.needs_raw,
            "changes_size": self.changes_size,
            "model_ids": list(self.model_ids),
            "version": self.version,
            "params": [p.to_dict() for p in self.params],
        }


@dataclass
class Request:
    """One run: ``image`` HxWx3 float32 [0, 1]; ``mask`` HxW float32 [0, 1] (1 = selected) or None;
    ``raw``: the camera raw's sensor data when the image was opened from a Bayer raw (read-only)."""

    image: np.ndarray
    mask: np.ndarray | None
    values: Mapping[str, Any] = field(default_factory=dict)
    raw: RawData | None = None


@runtime_checkable
class Plugin(Protocol):
    """The plugin contract. Subclass :class:`BasePlugin` for the defaults."""

    info: PluginInfo

    def output_size(self, size: Size, values: Mapping[str, Any]) -> Size: ...

    def run(self, request: Request, ctx: RunContext) -> np.ndarray: ...


class BasePlugin:
    """Convenience base: same-size output; subclasses set ``info`` and implement ``run``.

    ``models_dir``: the ``models/`` folder beside the module that defines the plugin class; its
    ``manifest.json`` (if any) lists the models the plugin ships (see docs/plugins.md).
    """

    info: PluginInfo

    @property
    def models_dir(self) -> Path | None:
        module = sys.modules.get(type(self).__module__)
        file = getattr(module, "__file__", None)
        return Path(file).parent / "models" if file else None

    def output_size(self, size: Size, values: Mapping[str, Any]) -> Size:
        return size

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class LivePlugin(BasePlugin):
    """A plugin whose expensive part (a network run) is cached, so its ``live`` parameters re-render at
    once. :meth:`analyze` does the expensive part and returns any object (the analysis);
    :meth:`render` turns it into pixels for the current values. The analysis may depend on every
    value except the live ones, on the image and on the mask; ``run`` is ``render(analyze(...))``,
    so the CLI and a first run in the editor give exactly the pixels of a later re-render
    (:func:`~photoai.plugin_api.execute.render_analysis`). ``request.image`` and ``request.mask`` are
    read-only in both methods (return new arrays), so that every path sees the same pixels.

    ``renders_new_arrays``: set it when :meth:`render` returns a new array on every call, never its analysis
    or a part of it; an in-range float32 result is then kept without the copy that protects a cached one
    (a 12 MP render saves a 144 MB copy)."""

    renders_new_arrays: bool = False

    def analyze(self, request: Request, ctx: RunContext) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def render(self, analysis: Any, request: Request, ctx: RunContext) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        return self.render(self.analyze(request, ctx), request, ctx)


def live_keys(plugin: Plugin) -> frozenset[str]:
    """The keys of ``plugin``'s live parameters; empty unless it is a :class:`LivePlugin`."""
    if not isinstance(plugin, LivePlugin):
        return frozenset()
    return frozenset(p.key for p in plugin.info.params if p.live)

