"""A preview drawn over the result side of the split view (or over the photo, for a first run: no comparison yet)
while the full result is being made.

:func:`visible_view` says which part of the photo is on screen (and at how many device pixels), in the
terms of :class:`photoai.plugin_api.preview.View`; :class:`PreviewItem` draws a preview's picture over that
region of the scene, clipped to the comparison's result side (``split``: right of the divider).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from photoai.core.geometry import Rect, Size
from photoai.plugin_api.preview import View
from photoai.ui.canvas.compare import CompareItem, before_scale


def scene_scale(compare: CompareItem, before: Size) -> tuple[float, float]:
    """Scene units per input pixel: the comparison's (result coordinates) while it is shown, else 1."""
    return before_scale(before, compare.after_size) if compare.isVisible() else (1.0, 1.0)


def visible_view(view_rect: QRectF, zoom: float, device_ratio: float, before: Size,
                 scale: tuple[float, float]) -> View:
    """The photo's part inside ``view_rect`` (scene coordinates) as a :class:`View` of a ``before``-sized input:
    the input pixels it covers and the device pixels they take (``zoom``: device-independent pixels per scene
    unit; ``scale``: scene units per input pixel, :func:`scene_scale`)."""
    sx, sy = scale
    x0, y0 = max(0, math.floor(view_rect.left() / sx)), max(0, math.floor(view_rect.top() / sy))
    x1 = min(before.width, math.ceil(view_rect.right() / sx))
    y1 = min(before.height, math.ceil(view_rect.bottom() / sy))
    region = Rect(x0, y0, max(1, x1 - x0), max(1, y1 - y0)).clamp(before)
    if region.empty:
        region = Rect(0, 0, *before)
    k = zoom * device_ratio
    return View(region, Size(max(1, round(region.width * sx * k)), max(1, round(region.height * sy * k))))


class PreviewItem(QGraphicsItem):
    """The newest preview, over the comparison's result side, or over the photo while there is no comparison (a
    first run); hidden when there is none."""

    def __init__(self, compare: CompareItem) -> None:
        super().__init__()
        self.compare = compare
        self.picture = QImage()
        self.target = QRectF()
        self.setZValue(compare.zValue() + 0.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # the divider stays draggable through it
        self.setVisible(False)

    def show_picture(self, picture: QImage, target: QRectF) -> None:
        """Draw ``picture`` stretched over ``target`` (scene coordinates)."""
        self.prepareGeometryChange()
        self.picture, self.target = picture, QRectF(target)
        self.setVisible(True)
        self.update()

    def clear(self) -> None:
        self.prepareGeometryChange()
        self.picture, self.target = QImage(), QRectF()
        self.setVisible(False)

    @property
    def showing(self) -> bool:
        return self.isVisible() and not self.picture.isNull()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(self.target)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.picture.isNull() or (self.compare.isVisible() and self.compare.mode == "before"):
            return
        side = QRectF(*self.compare.geometry().after_target).intersected(self.target) if self.compare.isVisible() \
            else QRectF(self.target)
        if side.isEmpty():
            return
        painter.save()
        painter.setClipRect(side)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(self.target, self.picture)
        painter.restore()
