"""Where and at what scale the inpainting network runs on a photo of any size.

* :func:`crop_plan`: one crop per painted region, with a context margin that follows the hole's
  size: its thickness for thin strokes (a scratch across a 24 MP photo needs a few dozen pixels
  of context, not the photo's width), its extent for blobs.
* :func:`network_scale`: a crop larger than the working size is scaled down only as far as its
  hole's thickness needs (a wide hole wants context from far away, which the network sees at a
  lower resolution); a thin hole stays at full resolution and the crop is run in tiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np

from photoai.core.geometry import Rect, Size
from photoai.core.mask import mask_regions

#: The hole thickness (half-width, px) the network fills well at working size ``w`` is ``w / this``.
THICKNESS_DIVISOR = 8


def merge_overlapping(rects: Sequence[Rect]) -> list[Rect]:
    """Union rectangles that overlap until none do."""
    merged = list(rects)
    changed = True
    while changed:
        changed = False
        out: list[Rect] = []
        for r in merged:
            for i, o in enumerate(out):
                if not r.intersect(o).empty:
                    out[i] = o.union(r)
                    changed = True
                    break
            else:
                out.append(r)
        merged = out
    return merged


def _run_lengths(m: np.ndarray) -> np.ndarray:
    """For every True pixel of a 2-D bool array, the length of its run along the row (0 elsewhere)."""
    h, w = m.shape
    padded = np.zeros((h, w + 1), bool)  # a False column ends every row's last run
    padded[:, :w] = m
    flat = padded.ravel()
    starts = flat.copy()
    starts[1:] &= ~flat[:-1]
    run_id = np.cumsum(starts, dtype=np.int32)
    lengths = np.bincount(run_id[flat], minlength=int(run_id[-1]) + 1).astype(np.int32)
    return np.where(flat, lengths[run_id], 0).reshape(h, w + 1)[:, :w]


def _diagonal_run_lengths(m: np.ndarray) -> np.ndarray:
    """Run lengths along the down-left diagonals, in pixels (the rows are sheared so that each
    diagonal becomes a column)."""
    h, w = m.shape
    rows, cols = np.arange(h)[:, None], np.arange(w)[None, :] + np.arange(h)[:, None]
    sheared = np.zeros((h, w + h), bool)
    sheared[rows, cols] = m
    return _run_lengths(sheared.T).T[rows, cols]


#: Masks above this many pixels are measured on a max-pooled copy (thin strokes survive pooling).
_THICKNESS_PIXELS = 4_000_000


def local_width(hole: np.ndarray) -> np.ndarray:
    """For every hole pixel, the shortest run through it along rows, columns and both diagonals
    (diagonals in Euclidean length), in px; 0 outside the hole. Masks above
    :data:`_THICKNESS_PIXELS` are measured on a max-pooled copy (thin strokes survive pooling)."""
    hole = np.asarray(hole, bool)
    h, w = hole.shape
    block = max(1, int(np.ceil(np.sqrt(hole.size / _THICKNESS_PIXELS))))
    if block > 1:
        padded = np.zeros((-(-h // block) * block, -(-w // block) * block), bool)
        padded[:h, :w] = hole
        pooled = padded.reshape(padded.shape[0] // block, block, -1, block).any(axis=(1, 3))
        coarse = local_width(cast(np.ndarray, pooled)) * np.float32(block)  # any(axis=...) of a 4-D array is 2-D
        return np.where(hole, np.repeat(np.repeat(coarse, block, axis=0), block, axis=1)[:h, :w], 0.0)
    runs = np.minimum(_run_lengths(hole), _run_lengths(hole.T).T).astype(np.float32)
    diagonal = np.minimum(_diagonal_run_lengths(hole), _diagonal_run_lengths(hole[:, ::-1])[:, ::-1])
    return np.minimum(runs, diagonal * np.float32(np.sqrt(2.0)))


def hole_thickness(hole: np.ndarray) -> float:
    """Half-width of the hole's thickest part: the largest :func:`local_width`, halved. A disc of
    diameter D gives D/2; a stroke of width W gives about W/2 whatever its length or crossings."""
    hole = np.asarray(hole, bool)
    return float(local_width(hole)[hole].max()) / 2.0 if hole.any() else 0.0


def crop_plan(mask: np.ndarray, margin_factor: float, min_margin: int) -> list[Rect]:
    """Crops around painted regions: each box grown by a context margin, overlaps merged.

    The margin is ``margin_factor`` times the region's extent or, when smaller, times sixteen
    times its thickness (thin strokes get thin crops); at least ``min_margin``."""
    h, w = mask.shape
    crops = []
    for box in mask_regions(mask):
        size = min(max(box.width, box.height), 16.0 * hole_thickness(mask[box.slices()]))
        margin = max(min_margin, int(margin_factor * size))
        crops.append(box.pad(margin).clamp(Size(w, h)))
    return merge_overlapping(crops)


def network_scale(size: Size, thickness: float, working: int) -> float:
    """Scale at which to run the network on a crop of ``size`` (1: full resolution).

    A crop within ``working`` px runs as is. A larger one is scaled to fit ``working`` unless its
    hole is thin enough to be filled at a higher scale (then it runs in tiles)."""
    longest = max(size.width, size.height)
    if longest <= working:
        return 1.0
    fit = working / longest
    comfortable = working / THICKNESS_DIVISOR
    return min(1.0, max(fit, comfortable / max(thickness, 1e-6)))
