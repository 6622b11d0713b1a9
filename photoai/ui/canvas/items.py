"""Scene items: the photo, the translucent mask overlay and a picture laid over the photo (inspector maps).

Scene units are image pixels of the item's own image; an item may carry a scale transform
(the compare view shows the *before* image in the coordinates of a result of another size).
Both items paint only the exposed part of their image, so a brush dab repaints a few pixels.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from photoai.core.geometry import Rect, Size
from photoai.core.image import ImageBuffer
from photoai.ui.convert import MASK_COLOR, new_overlay, overlay_view, paint_overlay, to_qrectf
from photoai.ui.display import display_image


def _exposed(option: QStyleOptionGraphicsItem, bounds: QRectF) -> QRectF:
    r = option.exposedRect.intersected(bounds) if not option.exposedRect.isEmpty() else bounds
    # whole pixels (plus a margin against filtering seams), so source and target agree exactly
    return QRectF(r.adjusted(-2, -2, 2, 2).toAlignedRect()).intersected(bounds)


class _PixelItem(QGraphicsItem):
    """Base: a w x h item that ignores the mouse and paints exposed rectangles only."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self._w = 0
        self._h = 0
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(0, 0, self._w, self._h)

    def image_size(self) -> tuple[int, int]:
        return self._w, self._h


class ImageItem(_PixelItem):
    """The photo, drawn from its 8-bit display picture (:mod:`photoai.ui.display`, made on a worker for a
    large photo: a QImage in the raster engine's own format, drawn as fast as a QPixmap and made on any thread)."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.picture = QImage()
        self.setZValue(0)

    def set_image(self, image: ImageBuffer | QImage | None) -> None:
        """Show ``image``: its display picture, or an ImageBuffer converted here."""
        self.prepareGeometryChange()
        if image is None:
            self.picture = QImage()
        else:
            self.picture = image if isinstance(image, QImage) else display_image(image)
        self._w, self._h = self.picture.width(), self.picture.height()
        self.update()

    def set_pending(self, size: Size) -> None:
        """The picture of an image of ``size`` is on its way: meanwhile the current one is stretched over it."""
        self.prepareGeometryChange()
        self._w, self._h = size
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.picture.isNull():
            return
        if (self.picture.width(), self.picture.height()) != (self._w, self._h):  # pending: stretched
            painter.drawImage(self.boundingRect(), self.picture, QRectF(self.picture.rect()))
            return
        r = _exposed(option, self.boundingRect())
        if not r.isEmpty():
            painter.drawImage(r, self.picture, r)


#: Side of the mask overlay's tiles, in image pixels.
OVERLAY_TILE = 512


def painted_tiles(mask: np.ndarray) -> set[tuple[int, int]]:
    """The overlay tiles (column, row) in which ``mask`` selects something: one pass of maxima, no copies."""
    starts = np.arange(0, mask.shape[1], OVERLAY_TILE)
    tiles: set[tuple[int, int]] = set()
    for row, top in enumerate(range(0, mask.shape[0], OVERLAY_TILE)):
        peaks = np.maximum.reduceat(mask[top : top + OVERLAY_TILE].max(axis=0), starts)
        tiles.update((int(column), row) for column in np.flatnonzero(peaks > 0))
    return tiles


class MaskOverlayItem(_PixelItem):
    """The mask as a translucent colour, in tiles made only where the mask is painted: an empty mask costs
    nothing, a stroke rewrites its dirty rectangle, and a whole-mask change (undo of Keep, a loaded or cleared
    mask) rewrites the tiles of the painted pixels and drops the others."""

    def __init__(self, color: QColor = MASK_COLOR, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.color = QColor(color)
        self.tiles: dict[tuple[int, int], QImage] = {}  # (column, row) -> ARGB32 premultiplied tile
        self.setZValue(1)

    def set_mask(self, mask: np.ndarray | None) -> None:
        """(Re)build the overlay for a whole mask (new document, size change)."""
        self.prepareGeometryChange()
        self.tiles = {}
        self._w, self._h = (0, 0) if mask is None else (mask.shape[1], mask.shape[0])
        if mask is not None:
            self._paint_tiles(mask, painted_tiles(mask))
        self.update()

    def update_rect(self, mask: np.ndarray, rect: Rect) -> None:
        """Repaint the overlay inside ``rect`` from ``mask`` (rebuilding it if the size changed)."""
        h, w = mask.shape
        if (w, h) != (self._w, self._h):
            self.set_mask(mask)
            return
        whole = Rect(0, 0, w, h)
        rect = Rect(*rect).intersect(whole)
        if rect != whole:
            self._paint(mask, rect)
            return
        painted = painted_tiles(mask)  # the tiles with painted pixels are rewritten, the others go
        for key in set(self.tiles) - painted:
            del self.tiles[key]
            self.update(to_qrectf(self._tile_rect(*key)))
        self._paint_tiles(mask, painted)

    def word(self, x: int, y: int) -> int:
        """The premultiplied ARGB32 word shown at pixel (x, y) (0 where nothing is painted)."""
        tile = self.tiles.get((x // OVERLAY_TILE, y // OVERLAY_TILE))
        return 0 if tile is None else int(overlay_view(tile)[y % OVERLAY_TILE, x % OVERLAY_TILE])

    def _tile_rect(self, column: int, row: int) -> Rect:
        return Rect(column * OVERLAY_TILE, row * OVERLAY_TILE, OVERLAY_TILE, OVERLAY_TILE).intersect(
            Rect(0, 0, self._w, self._h))

    def _paint_tiles(self, mask: np.ndarray, keys: set[tuple[int, int]]) -> None:
        """Rewrite (or make) the tiles ``keys`` from ``mask``."""
        for column, row in keys:
            box = self._tile_rect(column, row)
            tile = self.tiles.get((column, row))
            if tile is None:
                tile = self.tiles[column, row] = new_overlay(box.width, box.height)
            paint_overlay(tile, mask[box.slices()], Rect(0, 0, box.width, box.height), self.color)
            self.update(to_qrectf(box))

    def _paint(self, mask: np.ndarray, rect: Rect) -> None:
        """Write the tiles over ``rect`` from ``mask`` (a stroke's dirty rectangle), making the ones with painted
        pixels."""
        if rect.empty:
            return
        for row in range(rect.y // OVERLAY_TILE, (rect.bottom - 1) // OVERLAY_TILE + 1):
            for column in range(rect.x // OVERLAY_TILE, (rect.right - 1) // OVERLAY_TILE + 1):
                box = self._tile_rect(column, row)
                part = rect.intersect(box)
                tile = self.tiles.get((column, row))
                if tile is None:
                    if part.empty or not mask[part.slices()].any():
                        continue
                    tile = self.tiles[column, row] = new_overlay(box.width, box.height)
                paint_overlay(tile, mask[box.slices()], Rect(part.x - box.x, part.y - box.y, part.width, part.height),
                              self.color)
                self.update(to_qrectf(part))

    def set_color(self, color: QColor, mask: np.ndarray | None) -> None:
        self.color = QColor(color)
        self.set_mask(mask)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if not self.tiles:
            return
        r = _exposed(option, self.boundingRect())
        for (column, row), tile in self.tiles.items():
            box = to_qrectf(self._tile_rect(column, row))
            target = box.intersected(r)
            if not target.isEmpty():
                painter.drawImage(target, tile, target.translated(-box.x(), -box.y()))


class MapOverlayItem(QGraphicsItem):
    """A picture (e.g. a colourized activation map of the model inspector) stretched over a rectangle of
    the photo, smoothly scaled; its opacity is the item's. Make it a child of the photo's item so that it
    follows the photo's transform."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.picture = QImage()
        self.target = QRectF()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(2)

    def set_picture(self, picture: QImage, target: Rect) -> None:
        """Show ``picture`` over ``target`` (image pixels)."""
        self.prepareGeometryChange()
        self.picture = picture
        self.target = to_qrectf(target)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(self.target)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.picture.isNull() or self.target.isEmpty():
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(self.target, self.picture)
