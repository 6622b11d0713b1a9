"""Previews: a quick, screen-sized look at a plugin's result for the part of the photo on screen.

While the user changes a parameter, the editor asks for a preview of the visible region (:class:`View`) first
and replaces it with the full result when that is ready (issue 15). A plugin opts in once:

- :class:`PreviewPlugin` (a mixin for a plain or banded plugin): by default :meth:`~PreviewPlugin.preview` runs
  the plugin's own ``run`` on the visible region of the input (plus :attr:`~PreviewPlugin.preview_margin`
  pixels of context), scaled down so that the output is about the size it has on screen
  (:func:`proxy_preview`). ``preview_values`` overrides values for the quick look (e.g. inpainting's
  network-only fill); ``preview_crops = False`` runs on the whole input (a plugin that bounds its own work);
  ``preview_max_pixels`` caps the input pixels a preview runs on (less detail, same region).
- :class:`LivePreview` (for a :class:`~photoai.plugin_api.plugin.LivePlugin`): renders its cached analysis
  onto the visible region at screen resolution while a live slider moves (:func:`preview_analysis`).

A plugin with neither has no previews (:func:`can_preview` is False) and behaves as before.
:func:`preview_plugin` and :func:`preview_analysis` run them through the checks of
:mod:`~photoai.plugin_api.execute` (values, mask, output range) and return a :class:`Preview`.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from PIL import Image

from photoai.core.channels import is_gray, resize_float
from photoai.core.errors import PluginError
from photoai.core.geometry import Rect, Size
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.plugin_api.execute import (
    Analysis,
    _check_output,
    _checked,
    _guarded,
    _read_only,
    check_live_values,
)
from photoai.plugin_api.plugin import LivePlugin, Plugin, Request


@dataclass(frozen=True)
class View:
    """What the editor shows: ``region`` of the input photo (its pixels), drawn on ``screen`` device pixels."""

    region: Rect
    screen: Size

    @classmethod
    def whole(cls, size: Size, screen: Size) -> View:
        """The whole photo fitted into ``screen`` (never enlarged)."""
        f = min(1.0, screen.width / max(1, size.width), screen.height / max(1, size.height))
        return cls(Rect(0, 0, size.width, size.height), Size(max(1, round(size.width * f)),
                                                              max(1, round(size.height * f))))

    def clamped(self, size: Size) -> View:
        """The view inside a ``size`` photo (the whole photo when the region misses it)."""
        region = self.region.clamp(size)
        return self if region == self.region else View(region if not region.empty else Rect(0, 0, *size),
                                                         self.screen)

    def detail(self, out_scale: float = 1.0) -> float:
        """Input pixels to take per input pixel of the region so that a result ``out_scale`` times the input's
        size is about the screen's size: at most 1 (a zoomed-in view needs every pixel)."""
        r, s = self.region, self.screen
        return min(1.0, s.width / max(1.0, r.width * out_scale), s.height / max(1.0, r.height * out_scale))


@dataclass(frozen=True)
class Preview:
    """A preview: ``image`` shows the result of the input's ``region`` (any resolution, about screen size;
    no alpha), made with ``values``."""

    image: ImageBuffer
    region: Rect
    values: Mapping[str, Any]


class PreviewPlugin:
    """Mixin: the plugin can show a quick, screen-sized result of a region (see the module docstring)."""

    #: Values that replace the user's for the quick look (e.g. a cheaper method).
    preview_values: Mapping[str, Any] = MappingProxyType({})
    #: Whether the input may be cut to the visible region and scaled down (False: the plugin runs on the whole
    #: input at full resolution with ``preview_values``; only its output is cut and scaled).
    preview_crops: bool = True
    #: Input pixels of context around the visible region (at the preview's resolution) when cropping.
    preview_margin: int = 8
    #: The most input pixels a cropped preview runs on (None: no limit): a slow network keeps its first preview
    #: under a second by taking the region at less detail (drawn a little soft, stretched over the region).
    preview_max_pixels: int | None = None

    def preview(self, request: Request, view: View, ctx: RunContext) -> np.ndarray:
        """The result of ``view.region`` at about ``view.screen`` size (``request``: the whole input, read-only)."""
        return proxy_preview(self, request, view, ctx)


class LivePreview:
    """Mixin for a :class:`~photoai.plugin_api.plugin.LivePlugin`: renders its analysis onto a region at screen
    resolution, cheaply, while a live value is being changed."""

    def render_preview(self, analysis: Any, request: Request, region: Rect, ctx: RunContext) -> np.ndarray:
        """The result for ``request.values`` of the input's ``region``; ``request.image`` and ``request.mask``
        hold that region at the preview's resolution (read-only). Return an array of the same height and width."""
        raise NotImplementedError  # pragma: no cover - abstract


def can_preview(plugin: Plugin) -> bool:
    """True when ``plugin`` makes previews of full runs (:class:`PreviewPlugin`)."""
    return isinstance(plugin, PreviewPlugin)


def can_preview_live(plugin: Plugin) -> bool:
    """True when ``plugin`` renders previews of its analysis (:class:`LivePreview` on a LivePlugin)."""
    return isinstance(plugin, LivePreview) and isinstance(plugin, LivePlugin)


def _scaled(a: np.ndarray | None, box: Rect, size: Size) -> np.ndarray | None:
    """``a``'s ``box`` at ``size`` (area average), always a new array."""
    if a is None:
        return None
    part = a[box.slices()]
    if size == Size(box.width, box.height):
        return np.array(part, np.float32, copy=True)
    return resize_float(part, size, Image.Resampling.BOX)


def region_request(request: Request, region: Rect, detail: float, values: Mapping[str, Any] | None = None,
                   ) -> Request:
    """``request`` cut to ``region`` and scaled by ``detail`` (<= 1): new, writable arrays; no raw data."""
    size = Size(max(1, round(region.width * detail)), max(1, round(region.height * detail)))
    image = _scaled(request.image, region, size)
    assert image is not None
    return Request(image, _scaled(request.mask, region, size), dict(values or request.values), None)


class ScaledInputs:
    """The last scaled region of an input (:func:`region_request`), kept for the next preview of the same view: a
    slider dragged over a 12 MP photo then scales the photo once, not per move (used by one thread)."""

    def __init__(self) -> None:
        self._sources: tuple[weakref.ref[np.ndarray], weakref.ref[np.ndarray] | None] | None = None
        self._view: tuple[Rect, float] | None = None
        self._request: Request | None = None

    def _same(self, request: Request, view: tuple[Rect, float]) -> bool:
        if self._sources is None or self._view != view:
            return False
        image, mask = self._sources
        return image() is request.image and (mask() if mask is not None else None) is request.mask

    def get(self, request: Request, region: Rect, detail: float) -> Request:
        """:func:`region_request` of ``request`` (read-only arrays), made again only for another input or view."""
        if self._request is None or not self._same(request, (region, detail)):
            scaled = region_request(request, region, detail)
            for a in (scaled.image, scaled.mask):
                if a is not None:
                    a.flags.writeable = False
            self._request, self._view = scaled, (region, detail)
            self._sources = (weakref.ref(request.image), None if request.mask is None else weakref.ref(request.mask))
        return Request(self._request.image, self._request.mask, request.values, None)


def _cut(out: np.ndarray, box: Rect, region: Rect) -> np.ndarray:
    """The part of ``out`` (the result of the input's ``box``, any scale) that shows ``region``."""
    kx, ky = out.shape[1] / box.width, out.shape[0] / box.height
    x0, x1 = round((region.x - box.x) * kx), round((region.right - box.x) * kx)
    y0, y1 = round((region.y - box.y) * ky), round((region.bottom - box.y) * ky)
    return out[y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)]


def _fit(out: np.ndarray, screen: Size) -> np.ndarray:
    """``out`` scaled down (area average) to fit ``screen``; as it is when it already does."""
    h, w = out.shape[:2]
    f = min(1.0, screen.width / w, screen.height / h)
    return out if f >= 1.0 else resize_float(out, Size(max(1, round(w * f)), max(1, round(h * f))),
                                             Image.Resampling.BOX)


def proxy_preview(plugin: PreviewPlugin, request: Request, view: View, ctx: RunContext) -> np.ndarray:
    """The default preview: the plugin's ``run`` on the visible region (with a margin), scaled down so that the
    output is about screen size, with ``preview_values``; or, for ``preview_crops = False``, on the whole input
    at full resolution, the output cut to the region and scaled to the screen."""
    assert isinstance(plugin, Plugin)
    h, w = request.image.shape[:2]
    size = Size(w, h)
    values = {**request.values, **plugin.preview_values}
    view = view.clamped(size)
    if plugin.preview_crops:
        detail = view.detail(plugin.output_size(size, values).width / max(1, w))
        budget = plugin.preview_max_pixels
        if budget is not None and view.region.width * view.region.height * detail * detail > budget:
            detail = math.sqrt(budget / (view.region.width * view.region.height))
        margin = math.ceil(plugin.preview_margin / detail)
        box = view.region.pad(margin).clamp(size)
    else:
        detail, box = 1.0, Rect(0, 0, w, h)
    out = plugin.run(region_request(request, box, detail, values), ctx)
    return _fit(_cut(np.asarray(out), box, view.region), view.screen)


def _as_preview(image: ImageBuffer, pixels: np.ndarray, region: Rect, values: Mapping[str, Any]) -> Preview:
    return Preview(image.with_pixels(pixels, None, gray=image.gray and is_gray(pixels)), region,
                   MappingProxyType(dict(values)))


def preview_plugin(plugin: Plugin, image: ImageBuffer, view: View, mask: np.ndarray | None = None,
                   values: Mapping[str, Any] | None = None, ctx: RunContext | None = None, runtime: Any = None,
                   ) -> Preview:
    """A :class:`PreviewPlugin`'s preview of ``view``, checked as :func:`~photoai.plugin_api.execute.run_plugin`
    checks a run (values, mask, RAW, output range); ``image`` is never modified."""
    if not isinstance(plugin, PreviewPlugin):
        raise PluginError(f"{plugin.info.title} makes no previews")
    ctx, checked, mask = _checked(plugin, image, mask, values, ctx, runtime, False)
    view = view.clamped(image.size)
    request = Request(_read_only(image.rgb), None if mask is None else _read_only(mask), checked, image.raw)
    ctx.progress(0, 1, stage=f"{plugin.info.title} (preview)")
    out = _check_output(plugin, _guarded(plugin, lambda: plugin.preview(request, view, ctx)))
    return _as_preview(image, out, view.region, checked)


def preview_analysis(plugin: Plugin, analysis: Analysis, view: View, values: Mapping[str, Any] | None = None,
                     ctx: RunContext | None = None, inputs: ScaledInputs | None = None) -> Preview:
    """A :class:`LivePreview`'s render of ``analysis`` for ``values`` (only live values may differ, as for
    :func:`~photoai.plugin_api.execute.render_analysis`) on ``view``'s region at screen resolution; ``inputs``
    keeps the scaled region between calls (the editor's previews while a slider moves)."""
    if not can_preview_live(plugin):
        raise PluginError(f"{plugin.info.title} makes no live previews")
    assert isinstance(plugin, LivePreview)
    checked = check_live_values(plugin, analysis, values)
    image = analysis.image
    view = view.clamped(image.size)
    request = (inputs or ScaledInputs()).get(Request(image.rgb, analysis.mask, checked), view.region, view.detail())
    out = _guarded(plugin, lambda: plugin.render_preview(analysis.state, request, view.region, ctx or RunContext()))
    out = _check_output(plugin, out)
    if out.shape[:2] != request.image.shape[:2]:
        raise PluginError(f"{plugin.info.title} returned a {out.shape[1]}x{out.shape[0]} preview, expected "
                          f"{request.image.shape[1]}x{request.image.shape[0]}")
    return _as_preview(image, out, view.region, checked)
