"""Plain geometry types (stdlib only)."""

from __future__ import annotations

from typing import NamedTuple


class Size(NamedTuple):
    width: int
    height: int

    def scaled(self, factor: float) -> Size:
        return Size(round(self.width * factor), round(self.height * factor))

    @property
    def pixels(self) -> int:
        return self.width * self.height


class Rect(NamedTuple):
    x: int
    y: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.x + self.width

    @property
    def bottom(self) -> int:
        return self.y + self.height

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0

    def pad(self, margin: int) -> Rect:
        return Rect(self.x - margin, self.y - margin, self.width + 2 * margin, self.height + 2 * margin)

    def intersect(self, other: Rect) -> Rect:
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1, y1 = min(self.right, other.right), min(self.bottom, other.bottom)
        return Rect(x0, y0, max(0, x1 - x0), max(0, y1 - y0))

    def union(self, other: Rect) -> Rect:
        if self.empty:
            return other
        if other.empty:
            return self
        x0, y0 = min(self.x, other.x), min(self.y, other.y)
        x1, y1 = max(self.right, other.right), max(self.bottom, other.bottom)
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def clamp(self, size: Size) -> Rect:
        return self.intersect(Rect(0, 0, size.width, size.height))

    def slices(self) -> tuple[slice, slice]:
        """Row and column slices for indexing an HxW array."""
        return slice(self.y, self.bottom), slice(self.x, self.right)
