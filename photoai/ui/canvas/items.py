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
from photoai.ui.jobs import JobRunner


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

#: A whole-mask change (undo of Keep, invert, load) of more pixels than this rebuilds the overlay on a worker
#: (the old overlay stays on screen meanwhile, ~0.1-0.2 s); smaller ones, and strokes, are painted at once.
BACKGROUND_PIXELS = 2_000_000

Tiles = dict[tuple[int, int], QImage]


def painted_tiles(mask: np.ndarray) -> set[tuple[int, int]]:
    """The overlay tiles (column, row) in which ``mask`` selects something: one pass of maxima, no copies."""
    starts = np.arange(0, mask.shape[1], OVERLAY_TILE)
    tiles: set[tuple[int, int]] = set()
    for row, top in enumerate(range(0, mask.shape[0], OVERLAY_TILE)):
        peaks = np.maximum.reduceat(mask[top : top + OVERLAY_TILE].max(axis=0), starts)
        tiles.update((int(column), row) for column in np.flatnonzero(peaks > 0))
    return tiles


def overlay_tiles(mask: np.ndarray, color: QColor = MASK_COLOR) -> Tiles:
    """The overlay tiles of ``mask``'s painted pixels (any thread: QImages written by numpy)."""
    h, w = mask.shape
    tiles: Tiles = {}
    for column, row in painted_tiles(mask):
        box = Rect(column * OVERLAY_TILE, row * OVERLAY_TILE, OVERLAY_TILE, OVERLAY_TILE).intersect(Rect(0, 0, w, h))
        tile = tiles[column, row] = new_overlay(box.width, box.height)
        paint_overlay(tile, mask[box.slices()], Rect(0, 0, box.width, box.height), color)
    return tiles


class MaskOverlayItem(_PixelItem):
    """The mask as a translucent colour, in tiles made only where the mask is painted: an empty mask costs
    nothing, a stroke rewrites its dirty rectangle, and a whole-mask change (undo of Keep, a loaded or cleared
    mask) makes the tiles of the painted pixels anew, on a worker for a large mask (:data:`BACKGROUND_PIXELS`:
    strokes made meanwhile are painted again onto the new tiles)."""

    def __init__(self, color: QColor = MASK_COLOR, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.color = QColor(color)
        self.tiles: Tiles = {}  # (column, row) -> ARGB32 premultiplied tile
        self._builder: JobRunner | None = None  # made on first use
        self._source: np.ndarray | None = None  # the mask whose tiles are being made on the worker
        self._since: list[Rect] = []  # strokes painted on it meanwhile
        self.setZValue(1)

    @property
    def building(self) -> bool:
        """The tiles of a whole mask are being made on a worker (the previous ones are shown meanwhile)."""
        return self._source is not None

    def set_mask(self, mask: np.ndarray | None, empty: bool = False) -> None:
        """(Re)build the overlay for a whole mask (new document, size change); ``empty``: it is known to select
        nothing (no scan)."""
        self.prepareGeometryChange()
        self._w, self._h = (0, 0) if mask is None else (mask.shape[1], mask.shape[0])
        self._replace({})
        if mask is not None and not empty:
            self._rebuild(mask)

    def update_rect(self, mask: np.ndarray, rect: Rect, empty: bool = False) -> None:
        """Repaint the overlay inside ``rect`` from ``mask`` (rebuilding it if the size changed); ``empty``: the
        mask is known to select nothing."""
        h, w = mask.shape
        if (w, h) != (self._w, self._h):
            self.set_mask(mask, empty)
            return
        whole = Rect(0, 0, w, h)
        rect = Rect(*rect).intersect(whole)
        if rect != whole:
            if self._source is mask:
                self._since.append(rect)
            self._paint(mask, rect)
        elif empty:
            self._replace({})
        else:
            self._rebuild(mask)

    def _rebuild(self, mask: np.ndarray) -> None:
        """New tiles for the whole ``mask``: here when it is small, else on the worker."""
        if mask.size <= BACKGROUND_PIXELS:
            self._replace(overlay_tiles(mask, self.color))
            return
        if self._builder is None:
            self._builder = JobRunner(None, max_threads=1)
            self._builder.finished.connect(self._on_built)
        self._source, self._since = mask, []
        color = QColor(self.color)
        self._builder.submit(lambda _ctx: overlay_tiles(mask, color))  # a newer build makes an older one stale

    def _on_built(self, _job_id: int, tiles: Tiles) -> None:
        mask, since = self._source, self._since
        self._replace(tiles)
        if mask is not None and mask.shape == (self._h, self._w):
            for rect in since:  # painted while the worker read the mask
                self._paint(mask, rect)

    def _replace(self, tiles: Tiles) -> None:
        """Show ``tiles`` instead of the current ones (a build still running is dropped)."""
        if self._source is not None and self._builder is not None:
            self._builder.cancel()
        self._source, self._since = None, []
        for key in set(self.tiles) | set(tiles):
            self.update(to_qrectf(self._tile_rect(*key)))
        self.tiles = tiles

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Drop a build in progress and wait for the worker."""
        self._source = None
        return self._builder is None or self._builder.shutdown(timeout_ms)

    def word(self, x: int, y: int) -> int:
        """The premultiplied ARGB32 word shown at pixel (x, y) (0 where nothing is painted)."""
        tile = self.tiles.get((x // OVERLAY_TILE, y // OVERLAY_TILE))
        return 0 if tile is None else int(overlay_view(tile)[y % OVERLAY_TILE, x % OVERLAY_TILE])

    def _tile_rect(self, column: int, row: int) -> Rect:
        return Rect(column * OVERLAY_TILE, row * OVERLAY_TILE, OVERLAY_TILE, OVERLAY_TILE).intersect(
            Rect(0, 0, self._w, self._h))

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
