"""Run a plugin on an :class:`ImageBuffer`: validation, alpha/gray handling, error wrapping.

The GUI worker and the CLI both call :func:`run_plugin`, so a plugin behaves the same everywhere.
A :class:`~photoai.plugin_api.plugin.LivePlugin` can also be run in two steps through the same
pipeline: :func:`analyze_plugin` (the expensive part, kept as an :class:`Analysis`) and then
:func:`render_analysis` for each new set of ``live`` values. A
:class:`~photoai.plugin_api.banded.BandedPlugin`'s result can also be made while it is written
(:func:`stream_plugin`: the CLI's path, no full-size frame).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np

from photoai.core.channels import as_rgb, is_gray, resize_plane
from photoai.core.errors import Cancelled, ParamError, PhotoAIError, PluginError
from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.core.params import check_points_inside, validate
from photoai.core.stream import ImageStream
from photoai.plugin_api.banded import BandedPlugin
from photoai.plugin_api.plugin import LivePlugin, Plugin, Request, live_keys

log = logging.getLogger(__name__)

#: Why a plugin that needs raw sensor data cannot run on an ordinary image.
NEEDS_RAW = "needs a camera RAW file (open a .dng/.cr2/.nef/... file)"

T = TypeVar("T")

#: One pass of the plugin over one input: (input index: 0 = the RGB, 1 = the alpha channel, request, ctx).
Step = Callable[[int, Request, RunContext], T]


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze_plugin` keeps for :func:`render_analysis`.

    ``state``: the plugin's analysis of the RGB; ``alpha_state``: of the alpha channel when the plugin runs
    on it too (``alpha_mode="model"`` and a size change), else None. ``values``: the checked values it was
    made with (read-only); ``image``: the input (its alpha, gray flag and metadata go to every render);
    ``mask``: the checked mask (read-only) or None."""

    plugin_id: str
    state: Any
    alpha_state: Any
    values: Mapping[str, Any]
    image: ImageBuffer
    mask: np.ndarray | None

    @property
    def states(self) -> tuple[Any, ...]:
        return (self.state, self.alpha_state)


@dataclass(frozen=True)
class LiveResult:
    """A first run of a LivePlugin: the result and the analysis it was rendered from."""

    image: ImageBuffer
    analysis: Analysis


def check_mask(plugin: Plugin, image: ImageBuffer, mask: np.ndarray | None,
               mask_given: bool = False) -> np.ndarray | None:
    """The mask as float32 HxW in [0, 1] (uint8 masks scaled), or None for the whole image.

    The one rule for every plugin: a mask that selects nothing is an error when the user gave it
    (``mask_given``: the CLI's ``--mask``); otherwise (the editor's mask with nothing painted) it
    means no mask. A plugin that needs a mask gets a clear error without one.
    """
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != image.rgb.shape[:2]:
            h, w = image.rgb.shape[:2]
            raise PluginError(f"the mask is {mask.shape[1]}x{mask.shape[0]} but the image is {w}x{h}")
        mask = mask.astype(np.float32)
        if mask.max(initial=0) > 1.0:
            mask = mask / 255.0
        if not mask.any():
            if mask_given:
                raise PluginError("the mask selects nothing (it is all black): white marks the area to change")
            mask = None
    if plugin.info.needs_mask and mask is None:
        raise PluginError(f"{plugin.info.title} needs a mask: paint over the area to change first")
    return mask


def raw_unavailable(image: ImageBuffer) -> str | None:
    """Why a plugin that needs raw sensor data (``PluginInfo.needs_raw``) cannot run on ``image``; None
    when it can."""
    if image.raw is None:
        return str(image.info.get("raw_unsupported") or NEEDS_RAW)
    height, width = image.raw.output_shape
    if tuple(image.size) != (width, height):
        return (f"it works on the RAW file's sensor data ({width}x{height}) and the image has changed size "
                "since: undo to its size as opened")
    return None


def check_raw(plugin: Plugin, image: ImageBuffer) -> None:
    """A :class:`PluginError` when ``plugin`` needs raw sensor data that ``image`` does not have."""
    reason = raw_unavailable(image) if plugin.info.needs_raw else None
    if reason:
        raise PluginError(f"{plugin.info.title}: {reason}")


def check_live_values(plugin: Plugin, analysis: Analysis, values: Mapping[str, Any] | None) -> dict[str, Any]:
    """The checked values for a re-render of ``analysis``: keys not given keep the analysis' values; a
    changed value that is not live (it would need a new analysis) is a :class:`ParamError`."""
    if analysis.plugin_id != plugin.info.id:
        raise PluginError(f"this analysis was made by '{analysis.plugin_id}', not by '{plugin.info.id}'")
    checked = validate(plugin.info.params, {**analysis.values, **dict(values or {})})
    live = live_keys(plugin)
    for key, value in checked.items():
        if key not in live and value != analysis.values[key]:
            raise ParamError(key, "is not a live parameter: changing it needs a new run of "
                                  f"{plugin.info.title}")
    return checked


def _live(plugin: Plugin) -> LivePlugin:
    if not isinstance(plugin, LivePlugin):
        raise PluginError(f"{plugin.info.title} has no live parameters (it is not a LivePlugin)")
    return plugin


def _guarded(plugin: Plugin, call: Callable[[], T]) -> T:
    """``call()``, a plugin bug turned into a readable :class:`PluginError` (cancellation passes)."""
    try:
        return call()
    except (Cancelled, PhotoAIError):
        raise
    except Exception as e:  # noqa: BLE001 - a plugin bug becomes a readable error, not a crash
        log.exception("plugin %s failed", plugin.info.id)
        raise PluginError(f"{plugin.info.title} failed: {type(e).__name__}: {e}") from e


def _check_output(plugin: Plugin, out: Any) -> np.ndarray:
    if not isinstance(out, np.ndarray) or out.ndim not in (2, 3):
        raise PluginError(f"{plugin.info.title} returned {type(out).__name__}, not an image array")
    out = as_rgb(out)
    if out.shape[2] != 3:
        raise PluginError(f"{plugin.info.title} returned {out.shape[2]} channels, expected 3")
    out = out.astype(np.float32, copy=False)
    # min and max carry any NaN and reach any infinity: the check needs no full-size mask or copy
    lo, hi = (float(out.min()), float(out.max())) if out.size else (0.0, 1.0)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise PluginError(f"{plugin.info.title} produced invalid (NaN or infinite) pixels")
    cached = isinstance(plugin, LivePlugin) and not plugin.renders_new_arrays  # a LivePlugin's may be its state
    if lo >= 0.0 and hi <= 1.0 and out.flags.writeable and not cached:
        return out  # the plugin's own result: kept, not copied
    return np.clip(out, 0.0, 1.0)


def _read_only(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


def _pixels(plugin: Plugin, pixels: np.ndarray) -> np.ndarray:
    """A plugin's input pixels: a private copy for a plain plugin (``run`` may modify it); for a LivePlugin a
    read-only view, so that ``analyze`` and ``render`` see the same pixels in every path (and no copy is made
    per re-render)."""
    return _read_only(pixels) if isinstance(plugin, LivePlugin) else pixels.copy()


def _model_alpha(plugin: Plugin, image: ImageBuffer, expected: Size) -> bool:
    """True when the plugin also runs on the alpha channel (``alpha_mode="model"`` and a size change)."""
    return (image.alpha is not None and plugin.info.changes_size and plugin.info.alpha_mode == "model"
            and tuple(expected) != tuple(image.size))


def _request(plugin: Plugin, image: ImageBuffer, index: int, mask: np.ndarray | None,
             values: dict[str, Any]) -> Request:
    pixels = image.rgb if index == 0 or image.alpha is None else as_rgb(image.alpha)
    return Request(_pixels(plugin, pixels), mask, values, image.raw if index == 0 else None)


def _each_input(plugin: Plugin, image: ImageBuffer, mask: np.ndarray | None, values: dict[str, Any],
                ctx: RunContext, step: Step[T]) -> list[T]:
    """``step`` over the RGB and, when the plugin runs on it, the alpha channel (progress split between them)."""
    passes = 2 if _model_alpha(plugin, image, plugin.output_size(image.size, values)) else 1
    ctx.progress(0, 1, stage=plugin.info.title)
    out = []
    for index in range(passes):
        sub = ctx.sub(index / passes, (index + 1) / passes) if passes > 1 else ctx
        if index:
            sub.progress(0, 1, stage="Alpha channel")
        request = _request(plugin, image, index, mask, values)
        out.append(_guarded(plugin, lambda: step(index, request, sub)))  # noqa: B023 - called at once
    return out


def _execute(plugin: Plugin, image: ImageBuffer, mask: np.ndarray | None, values: dict[str, Any],
             ctx: RunContext, step: Step[Any]) -> ImageBuffer:
    """The one pipeline of :func:`run_plugin` and :func:`render_analysis`: ``step`` makes the pixels of
    each input; outputs are checked, alpha and gray handled, metadata kept; ``image`` is never modified."""
    expected = plugin.output_size(image.size, values)

    def checked(index: int, request: Request, sub: RunContext) -> np.ndarray:
        out = _check_output(plugin, step(index, request, sub))
        if index == 0 and (out.shape[1], out.shape[0]) != tuple(expected):
            raise PluginError(f"{plugin.info.title} returned {out.shape[1]}x{out.shape[0]}, "
                              f"expected {expected.width}x{expected.height}")
        return out

    outputs = _each_input(plugin, image, mask, values, ctx, checked)
    rgb = outputs[0]
    alpha = image.alpha
    if alpha is not None and rgb.shape[:2] != alpha.shape:
        alpha = outputs[1].mean(axis=2) if len(outputs) > 1 else resize_plane(alpha, expected)
    ctx.progress(1, 1)
    return image.with_pixels(rgb, alpha, gray=image.gray and is_gray(rgb))


def _context(ctx: RunContext | None, runtime: Any) -> RunContext:
    ctx = ctx or RunContext()
    if runtime is not None:
        ctx.runtime = runtime
    return ctx


def _checked(plugin: Plugin, image: ImageBuffer, mask: np.ndarray | None, values: Mapping[str, Any] | None,
             ctx: RunContext | None, runtime: Any, mask_given: bool
             ) -> tuple[RunContext, dict[str, Any], np.ndarray | None]:
    """What every job checks before the plugin runs: the context (with ``runtime``), the validated values
    (colour hints must lie on the photo: :func:`~photoai.core.params.check_points_inside`), the mask
    (:func:`check_mask`) and the RAW data a plugin needs (:func:`check_raw`)."""
    ctx = _context(ctx, runtime)
    checked = validate(plugin.info.params, values)
    check_points_inside(plugin.info.params, checked, *image.size)
    mask = check_mask(plugin, image, mask, mask_given)
    check_raw(plugin, image)
    return ctx, checked, mask


def run_plugin(
    plugin: Plugin,
    image: ImageBuffer,
    mask: np.ndarray | None = None,
    values: Mapping[str, Any] | None = None,
    ctx: RunContext | None = None,
    runtime: Any = None,
    *,
    mask_given: bool = False,
) -> ImageBuffer:
    """Validate, run and check one plugin job; the input ``image`` is never modified.

    ``mask_given``: the user named ``mask`` (a file), so selecting nothing is an error
    (:func:`check_mask`)."""
    ctx, checked, mask = _checked(plugin, image, mask, values, ctx, runtime, mask_given)
    return _execute(plugin, image, mask, checked, ctx, lambda _i, request, sub: plugin.run(request, sub))


def stream_plugin(
    plugin: Plugin,
    image: ImageBuffer,
    mask: np.ndarray | None = None,
    values: Mapping[str, Any] | None = None,
    ctx: RunContext | None = None,
    runtime: Any = None,
    *,
    mask_given: bool = False,
) -> ImageStream | None:
    """:func:`run_plugin` as an :class:`ImageStream` for :func:`photoai.core.export.save`, made band by band as
    it is written (peak memory: a band, not the output frame), or None when the job cannot stream (then call
    :func:`run_plugin`): a plugin that is not a :class:`BandedPlugin`, or an image with alpha or flagged gray.
    Checked now as :func:`run_plugin` checks; each band as it comes (:func:`_check_output`: the same pixels)."""
    if not isinstance(plugin, BandedPlugin) or image.alpha is not None or image.gray:
        return None
    ctx, checked, mask = _checked(plugin, image, mask, values, ctx, runtime, mask_given)
    expected = plugin.output_size(image.size, checked)
    request = _request(plugin, image, 0, mask, checked)

    def bands() -> Iterator[np.ndarray]:
        ctx.progress(0, 1, stage=plugin.info.title)
        made = iter(_guarded(plugin, lambda: plugin.bands(request, ctx, None)))
        rows = 0
        while (band := _guarded(plugin, lambda: next(made, None))) is not None:
            band = _check_output(plugin, band)
            rows += len(band)
            if band.shape[1] != expected.width or rows > expected.height:
                raise PluginError(f"{plugin.info.title} returned a band of {band.shape[1]}x{len(band)} at row "
                                  f"{rows - len(band)} of a {expected.width}x{expected.height} result")
            yield band
        if rows != expected.height:
            raise PluginError(f"{plugin.info.title} returned {rows} rows, expected {expected.height}")
        ctx.progress(1, 1)

    return ImageStream.like(image, expected, bands())


def analyze_plugin(
    plugin: Plugin,
    image: ImageBuffer,
    mask: np.ndarray | None = None,
    values: Mapping[str, Any] | None = None,
    ctx: RunContext | None = None,
    runtime: Any = None,
    *,
    mask_given: bool = False,
) -> Analysis:
    """Validate and run a LivePlugin's expensive part; :func:`render_analysis` turns the result into pixels
    for any live values. Arguments as for :func:`run_plugin`."""
    live = _live(plugin)
    ctx, checked, mask = _checked(plugin, image, mask, values, ctx, runtime, mask_given)
    states = _each_input(plugin, image, mask, checked, ctx, lambda _i, request, sub: live.analyze(request, sub))
    ctx.progress(1, 1)
    return Analysis(plugin.info.id, states[0], states[1] if len(states) > 1 else None,
                    MappingProxyType(checked), image, None if mask is None else _read_only(mask))


def render_analysis(plugin: Plugin, analysis: Analysis, values: Mapping[str, Any] | None = None,
                    ctx: RunContext | None = None) -> ImageBuffer:
    """The result of ``analysis`` for ``values`` (keys not given keep the analysis' values; only live values may
    differ, see :func:`check_live_values`): the pixels :func:`run_plugin` gives for the same values."""
    live = _live(plugin)
    checked = check_live_values(live, analysis, values)
    return _execute(live, analysis.image, analysis.mask, checked, ctx or RunContext(),
                    lambda i, request, sub: live.render(analysis.states[i], request, sub))


def run_live(
    plugin: Plugin,
    image: ImageBuffer,
    mask: np.ndarray | None = None,
    values: Mapping[str, Any] | None = None,
    ctx: RunContext | None = None,
    runtime: Any = None,
) -> LiveResult:
    """:func:`analyze_plugin` then :func:`render_analysis` (the editor's first run of a LivePlugin, which
    keeps the analysis for re-renders)."""
    ctx = _context(ctx, runtime)
    analysis = analyze_plugin(plugin, image, mask, values, ctx.sub(0.0, 0.95))
    return LiveResult(render_analysis(plugin, analysis, analysis.values, ctx.sub(0.95, 1.0)), analysis)
