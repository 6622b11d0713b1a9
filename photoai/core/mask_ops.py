"""Whole-mask edits: grow, shrink and feather by a radius in pixels.

All work on the painted pixels' bounding box plus the radius, so a few strokes on a 24 MP photo
cost a small crop. Masks are float32 HxW in [0, 1]; soft edges stay soft (grey-level morphology).
"""

from __future__ import annotations

import math

import numpy as np

from photoai.core.geometry import Size
from photoai.core.mask import mask_bbox

#: Output rows per band of the disc filter (bounds the temporary arrays on large masks).
BAND_ROWS = 512


def _max_over_disc(a: np.ndarray, radius: int) -> np.ndarray:
    """Grey dilation of ``a`` by a disc (all offsets with dx² + dy² <= radius²), edge-replicated.

    Each disc row is a horizontal window; window maxima come from a sparse table of power-of-two
    maxima, so the cost is O(radius) array operations whatever the window widths.
    """
    h, w = a.shape
    padded = np.pad(a, radius, mode="edge")
    out = np.empty_like(a)
    for y0 in range(0, h, BAND_ROWS):
        y1 = min(h, y0 + BAND_ROWS)
        band = padded[y0:y1 + 2 * radius]
        table = [band]  # table[j][:, i] = max of band[:, i : i + 2**j]
        while 2 ** len(table) <= 2 * radius + 1:
            s = 2 ** (len(table) - 1)
            table.append(np.maximum(table[-1][:, :-s], table[-1][:, s:]))
        acc = out[y0:y1]
        acc.fill(a.min())
        for dy in range(-radius, radius + 1):
            half = math.isqrt(radius * radius - dy * dy)
            length = 2 * half + 1
            j = length.bit_length() - 1
            rows = table[j][radius + dy:radius + dy + (y1 - y0)]
            x0 = radius - half
            np.maximum(acc, rows[:, x0:x0 + w], out=acc)
            np.maximum(acc, rows[:, x0 + length - 2 ** j:x0 + length - 2 ** j + w], out=acc)
    return out


def grow_mask(mask: np.ndarray, radius: int) -> np.ndarray:
    """The mask grown by ``radius`` px (a disc), or shrunk when ``radius`` is negative.

    Shrinking never eats in from the photo's border: a region painted up to the edge keeps it.
    """
    out = np.array(mask, np.float32, copy=True)
    box = mask_bbox(mask)
    if radius == 0 or box.empty:
        return out
    r = abs(radius)
    h, w = mask.shape
    crop = box.pad(r + 1).clamp(Size(w, h))
    region = out[crop.slices()]
    if radius > 0:
        region[...] = _max_over_disc(region, r)
    else:
        region[...] = 1.0 - _max_over_disc(1.0 - region, r)
    return out


def feather_mask(mask: np.ndarray, radius: float) -> np.ndarray:
    """The mask blurred so that hard edges fade over about ``radius`` px on each side
    (three box blurs approximating a Gaussian of sigma ``radius / 2``)."""
    out = np.array(mask, np.float32, copy=True)
    box = mask_bbox(mask)
    if radius <= 0 or box.empty:
        return out
    sigma = radius / 2.0
    half = max(1, round((math.sqrt(4.0 * sigma * sigma + 1.0) - 1.0) / 2.0))  # 3 boxes of 2*half+1 ~ sigma
    h, w = mask.shape
    crop = box.pad(3 * half + 1).clamp(Size(w, h))
    region = out[crop.slices()]
    blurred = region.astype(np.float64)
    for axis in (0, 1):
        for _ in range(3):
            blurred = _box_blur(blurred, half, axis)
    region[...] = np.clip(blurred, 0.0, 1.0)
    return out


def _box_blur(a: np.ndarray, half: int, axis: int) -> np.ndarray:
    """Mean over a window of ``2 * half + 1`` along ``axis``, edges replicated (cumulative sums;
    the two shifted sums are slices, i.e. views, not copies)."""
    pad = [(0, 0), (0, 0)]
    pad[axis] = (half + 1, half)
    c = np.cumsum(np.pad(a, pad, mode="edge"), axis=axis)
    n, width = a.shape[axis], 2 * half + 1

    def along(start: int) -> tuple[slice, ...]:
        index = [slice(None), slice(None)]
        index[axis] = slice(start, start + n)
        return tuple(index)

    out = c[along(width)] - c[along(0)]
    out *= 1.0 / width
    return out
