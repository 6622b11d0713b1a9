"""The selection mask (float32 HxW in [0, 1]) and the brush that paints it."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from photoai.core.geometry import Rect, Size


@dataclass(frozen=True)
class BrushSettings:
    """``size`` is the diameter in image pixels; ``hardness`` 1 = hard edge, 0 = soft falloff."""

    size: float = 40.0
    hardness: float = 0.7
    opacity: float = 1.0
    erase: bool = False

    @property
    def radius(self) -> float:
        return max(0.5, self.size / 2.0)


def new_mask(size: Size) -> np.ndarray:
    return np.zeros((size.height, size.width), np.float32)


def mask_bbox(mask: np.ndarray, threshold: float = 0.0) -> Rect:
    """Bounding box of pixels above ``threshold`` (empty Rect when none). Row and column maxima (NaN ignored, as
    a comparison would): no full-size temporary, 3x faster than comparing every pixel on 12 MP."""
    if mask.size == 0:
        return Rect(0, 0, 0, 0)
    rows = np.flatnonzero(np.fmax.reduce(mask, axis=1) > threshold)
    if rows.size == 0:
        return Rect(0, 0, 0, 0)
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(np.fmax.reduce(mask[top:bottom], axis=0) > threshold)
    return Rect(int(cols[0]), top, int(cols[-1] - cols[0] + 1), bottom - top)


def dab(radius: float, hardness: float, cx: float, cy: float, rect: Rect) -> np.ndarray:
    """Coverage in [0, 1] of a round brush dab centred at (cx, cy), evaluated over ``rect``."""
    ys = np.arange(rect.y, rect.bottom, dtype=np.float32) + 0.5 - cy
    xs = np.arange(rect.x, rect.right, dtype=np.float32) + 0.5 - cx
    d = np.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2) / radius
    hard = min(max(hardness, 0.0), 1.0)
    if hard >= 1.0:
        return np.clip(radius - d * radius + 0.5, 0.0, 1.0)  # 1 px anti-aliased edge
    edge = np.clip((1.0 - d) / (1.0 - hard), 0.0, 1.0)
    return edge * edge * (3.0 - 2.0 * edge)  # smoothstep falloff


class BrushStroke:
    """One stroke: dabs along a path combine by max, then composite with opacity onto the base.

    The stroke keeps the mask as it was before the stroke, so dabs never build up beyond the
    brush opacity, and ``before(rect)`` gives the undo data for the touched region.
    """

    def __init__(self, mask: np.ndarray, brush: BrushSettings) -> None:
        self.mask = mask
        self.brush = brush
        self._base = mask.copy()
        self._cover = np.zeros_like(mask)
        self.dirty = Rect(0, 0, 0, 0)
        self._last: tuple[float, float] | None = None

    def add_point(self, x: float, y: float) -> Rect:
        """Paint from the previous point to (x, y); returns the changed region."""
        r = self.brush.radius
        points = [(x, y)] if self._last is None else list(_interpolate(self._last, (x, y), max(0.5, r / 4)))
        self._last = (x, y)
        h, w = self.mask.shape
        changed = Rect(0, 0, 0, 0)
        for px, py in points:
            rect = Rect(math.floor(px - r - 1), math.floor(py - r - 1), math.ceil(2 * r + 3), math.ceil(2 * r + 3))
            rect = rect.clamp(Size(w, h))
            if rect.empty:
                continue
            sl = rect.slices()
            np.maximum(self._cover[sl], dab(r, self.brush.hardness, px, py, rect), out=self._cover[sl])
            changed = changed.union(rect)
        if not changed.empty:
            self._composite(changed)
            self.dirty = self.dirty.union(changed)
        return changed

    def _composite(self, rect: Rect) -> None:
        sl = rect.slices()
        cov = self._cover[sl] * self.brush.opacity
        base = self._base[sl]
        self.mask[sl] = base * (1.0 - cov) if self.brush.erase else base + (1.0 - base) * cov

    def before(self, rect: Rect) -> np.ndarray:
        return self._base[rect.slices()].copy()


def _interpolate(a: tuple[float, float], b: tuple[float, float], spacing: float) -> Iterable[tuple[float, float]]:
    dist = math.hypot(b[0] - a[0], b[1] - a[1])
    n = max(1, math.ceil(dist / spacing))
    for i in range(1, n + 1):
        t = i / n
        yield a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t


def mask_regions(mask: np.ndarray, block: int = 8, threshold: float = 0.0) -> list[Rect]:
    """Bounding boxes of the connected painted regions (8-connected on a ``block``-pixel grid).

    Regions closer than one block are merged; the boxes are clipped to the mask and tight to
    the painted pixels, so a few strokes on a 24 MP photo cost a few small crops.
    """
    h, w = mask.shape
    gh, gw = -(-h // block), -(-w // block)
    painted = np.zeros((gh * block, gw * block), bool)
    painted[:h, :w] = mask > threshold
    grid = np.asarray(painted.reshape(gh, block, gw, block).any(axis=(1, 3)))
    labels = np.zeros(grid.shape, np.int32)
    boxes: list[Rect] = []
    for sy, sx in np.argwhere(grid):
        if labels[sy, sx]:
            continue
        labels[sy, sx] = len(boxes) + 1
        stack, cells = [(int(sy), int(sx))], []
        while stack:
            y, x = stack.pop()
            cells.append((y, x))
            for ny in range(max(0, y - 1), min(gh, y + 2)):
                for nx in range(max(0, x - 1), min(gw, x + 2)):
                    if grid[ny, nx] and not labels[ny, nx]:
                        labels[ny, nx] = labels[sy, sx]
                        stack.append((ny, nx))
        ys, xs = zip(*cells, strict=True)
        coarse = Rect(min(xs) * block, min(ys) * block, (max(xs) - min(xs) + 1) * block,
                      (max(ys) - min(ys) + 1) * block).clamp(Size(w, h))
        tight = mask_bbox(mask[coarse.slices()], threshold)
        boxes.append(Rect(coarse.x + tight.x, coarse.y + tight.y, tight.width, tight.height))
    return boxes
