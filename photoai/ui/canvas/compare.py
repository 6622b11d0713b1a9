"""Before/after comparison inside the canvas scene.

While a proposal is pending the scene is in the coordinates of the *result* (``after``). The
before image and its mask overlay are the ordinary canvas items, given a scale transform
(:func:`before_scale`) when the result has another size (super-resolution), so both sides
cover the same rectangle and share zoom and pan. :class:`CompareItem` sits above them and
paints the result right of a vertical divider (``split``), everywhere (``after``) or nowhere
(``before``). The split math is plain functions so that it can be tested without painting.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsObject,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.ui.display import display_image

MODES = ("split", "after", "before")


class Box(NamedTuple):
    x: float
    y: float
    width: float
    height: float

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0


class SplitGeometry(NamedTuple):
    """Where each side is drawn (scene = result coordinates) and which pixels it shows."""

    divider_x: float
    before_target: Box  # scene rectangle left of the divider
    before_source: Box  # the matching rectangle of the before image, in its own pixels
    after_target: Box  # scene rectangle right of the divider
    after_source: Box  # the matching rectangle of the result image (same as the target)


def before_scale(before: Size, after: Size) -> tuple[float, float]:
    """Scale that maps before-image pixels onto the result's coordinates."""
    return (after.width / before.width if before.width else 1.0, after.height / before.height if before.height else 1.0)


def clamp_fraction(fraction: float) -> float:
    return min(max(float(fraction), 0.0), 1.0)


def fraction_at(x: float, after: Size) -> float:
    """The divider fraction for a scene x (result coordinates)."""
    return clamp_fraction(x / after.width) if after.width else 0.5


def split_geometry(before: Size, after: Size, fraction: float, mode: str = "split") -> SplitGeometry:
    """The rectangles of a split at ``fraction`` of the width (``mode`` after/before = 1 side)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    f = {"split": clamp_fraction(fraction), "after": 0.0, "before": 1.0}[mode]
    x = f * after.width
    sx, sy = before_scale(before, after)
    before_target = Box(0.0, 0.0, x, float(after.height))
    before_source = Box(0.0, 0.0, x / sx, after.height / sy)
    after_target = Box(x, 0.0, after.width - x, float(after.height))
    return SplitGeometry(x, before_target, before_source, after_target, after_target)


def scene_to_before(x: float, y: float, before: Size, after: Size) -> tuple[float, float]:
    """A scene point (result coordinates) in before-image pixels."""
    sx, sy = before_scale(before, after)
    return x / sx, y / sy


class CompareItem(QGraphicsObject):
    """The result and the divider. Drag anywhere in split mode to move the divider."""

    divider_moved = Signal(float)
    mode_changed = Signal(str)

    HANDLE_RADIUS = 14.0  # device pixels

    def __init__(self) -> None:
        super().__init__()
        self.picture = QImage()  # the result's display picture
        self.before_size = Size(0, 0)
        self.after_size = Size(0, 0)
        self._fraction = 0.5
        self._mode = "split"
        self._dragging = False
        self.setZValue(10)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setAcceptHoverEvents(True)
        self.setFlag(QGraphicsObject.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.setCursor(Qt.CursorShape.SplitHCursor)

    # -- state ------------------------------------------------------------------------
    def set_images(self, before: Size, after: ImageBuffer | QImage) -> None:
        """Compare a ``before`` image of that size with ``after`` (its display picture, made on a worker, or
        an ImageBuffer converted here)."""
        self.prepareGeometryChange()
        self.picture = after if isinstance(after, QImage) else display_image(after)
        self.before_size = Size(*before)
        self.after_size = Size(self.picture.width(), self.picture.height())
        self.update()

    @property
    def fraction(self) -> float:
        return self._fraction

    def set_fraction(self, fraction: float) -> None:
        fraction = clamp_fraction(fraction)
        if fraction != self._fraction:
            self._fraction = fraction
            self.update()
            self.divider_moved.emit(fraction)

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if mode != self._mode:
            self._mode = mode
            if mode == "split":
                self.setCursor(Qt.CursorShape.SplitHCursor)
            else:
                self.unsetCursor()
            self.update()
            self.mode_changed.emit(mode)

    def geometry(self) -> SplitGeometry:
        return split_geometry(self.before_size, self.after_size, self._fraction, self._mode)

    # -- painting ---------------------------------------------------------------------
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(0, 0, self.after_size.width, self.after_size.height)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self.boundingRect())
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self.picture.isNull():
            return
        g = self.geometry()
        if not g.after_target.empty:
            t = QRectF(*g.after_target)
            exposed = option.exposedRect if not option.exposedRect.isEmpty() else self.boundingRect()
            r = QRectF(t.intersected(exposed.adjusted(-2, -2, 2, 2)).toAlignedRect()).intersected(t)
            # the divider may fall inside a pixel: draw that pixel column from its fractional start
            if r.left() < t.left():
                r.setLeft(t.left())
            if not r.isEmpty():
                painter.drawImage(r, self.picture, r)
        if self._mode == "split":
            self._paint_divider(painter, g.divider_x, widget)

    def _visible_scene_rect(self, widget: QWidget | None) -> QRectF:
        view = widget.parentWidget() if widget is not None else None
        if isinstance(view, QGraphicsView):
            return view.mapToScene(view.viewport().rect()).boundingRect().intersected(self.boundingRect())
        return self.boundingRect()

    def _paint_divider(self, painter: QPainter, x: float, widget: QWidget | None) -> None:
        h = self.after_size.height
        painter.save()
        shadow = QPen(QColor(0, 0, 0, 150), 3)
        shadow.setCosmetic(True)
        painter.setPen(shadow)
        painter.drawLine(QLineF(x, 0, x, h))
        line = QPen(QColor(255, 255, 255, 235), 1.5)
        line.setCosmetic(True)
        painter.setPen(line)
        painter.drawLine(QLineF(x, 0, x, h))
        # the grip and the side labels are drawn in device pixels, inside what is visible
        visible = self._visible_scene_rect(widget)
        if visible.isEmpty():
            visible = self.boundingRect()
        wt = painter.worldTransform()
        centre = wt.map(QPointF(x, visible.center().y()))
        device = wt.mapRect(visible)
        painter.resetTransform()
        painter.setClipRect(device, Qt.ClipOperation.IntersectClip)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        rad = self.HANDLE_RADIUS
        painter.setPen(QPen(QColor(0, 0, 0, 120), 1))
        painter.setBrush(QBrush(QColor(250, 250, 250, 235)))
        painter.drawEllipse(centre, rad, rad)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor(40, 40, 40)))
        for sign in (-1, 1):
            tip = centre + QPointF(sign * rad * 0.7, 0)
            base = centre + QPointF(sign * rad * 0.2, 0)
            painter.drawPolygon(QPolygonF([tip, base + QPointF(0, -rad * 0.42), base + QPointF(0, rad * 0.42)]))
        font = painter.font()
        font.setPixelSize(12)
        font.setBold(True)
        painter.setFont(font)
        fm = painter.fontMetrics()
        for text, side in (("Before", -1), ("After", 1)):
            w, hh = fm.horizontalAdvance(text) + 16, fm.height() + 6
            rx = centre.x() - 8 - w if side < 0 else centre.x() + 8
            box = QRectF(rx, device.top() + 10, w, hh)
            if not device.contains(box):
                continue
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(QColor(0, 0, 0, 160)))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    # -- mouse ------------------------------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt API
        if self._mode != "split" or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self._dragging = True
        self.set_fraction(fraction_at(event.pos().x(), self.after_size))
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt API
        if self._dragging:
            self.set_fraction(fraction_at(event.pos().x(), self.after_size))

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt API
        self._dragging = False
