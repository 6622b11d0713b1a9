"""Run a plugin on an :class:`ImageBuffer`: validation, alpha/gray handling, error wrapping.

The GUI worker and the CLI both call :func:`run_plugin`, so a plugin behaves the same
everywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from photoai.core.channels import as_rgb, is_gray, resize_plane
from photoai.core.errors import Cancelled, PhotoAIError, PluginError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.core.params import validate
from photoai.plugin_api.plugin import Plugin, Request

log = logging.getLogger(__name__)


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


def _call(plugin: Plugin, request: Request, ctx: RunContext) -> np.ndarray:
    try:
        out = plugin.run(request, ctx)
    except (Cancelled, PhotoAIError):
        raise
    except Exception as e:  # noqa: BLE001 - a plugin bug becomes a readable error, not a crash
        log.exception("plugin %s failed", plugin.info.id)
        raise PluginError(f"{plugin.info.title} failed: {type(e).__name__}: {e}") from e
    return _check_output(plugin, out)


def _check_output(plugin: Plugin, out: Any) -> np.ndarray:
    if not isinstance(out, np.ndarray) or out.ndim not in (2, 3):
        raise PluginError(f"{plugin.info.title} returned {type(out).__name__}, not an image array")
    out = as_rgb(out)
    if out.shape[2] != 3:
        raise PluginError(f"{plugin.info.title} returned {out.shape[2]} channels, expected 3")
    out = out.astype(np.float32, copy=False)
    if not np.isfinite(out).all():
        raise PluginError(f"{plugin.info.title} produced invalid (NaN or infinite) pixels")
    return np.clip(out, 0.0, 1.0)


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
    ctx = ctx or RunContext()
    if runtime is not None:
        ctx.runtime = runtime
    checked = validate(plugin.info.params, values)
    mask = check_mask(plugin, image, mask, mask_given)
    expected = plugin.output_size(image.size, checked)
    alpha_by_model = image.alpha is not None and plugin.info.changes_size and plugin.info.alpha_mode == "model"
    main_ctx = ctx.sub(0.0, 0.5) if alpha_by_model else ctx
    ctx.progress(0, 1, stage=plugin.info.title)
    rgb = _call(plugin, Request(image.rgb.copy(), mask, checked), main_ctx)
    if (rgb.shape[1], rgb.shape[0]) != tuple(expected):
        raise PluginError(
            f"{plugin.info.title} returned {rgb.shape[1]}x{rgb.shape[0]}, expected {expected.width}x{expected.height}"
        )
    alpha = image.alpha
    if alpha is not None and rgb.shape[:2] != alpha.shape:
        if alpha_by_model:
            sub = ctx.sub(0.5, 1.0)
            sub.progress(0, 1, stage="Alpha channel")
            alpha = _call(plugin, Request(as_rgb(alpha).copy(), mask, checked), sub).mean(axis=2)
        else:
            alpha = resize_plane(alpha, expected)
    ctx.progress(1, 1)
    return image.with_pixels(rgb, alpha, gray=image.gray and is_gray(rgb))
