"""Colour hints on the canvas: the points of a plugin's ``PointsParam``, placed and edited with the mouse.

:class:`HintTool` holds the hints (:class:`~photoai.core.params.ColorPoint`, in pixels of the photo the
plugin runs on), the colour of new ones and which one is selected. As the canvas' active tool
(:meth:`HintTool.set_active`) a click places a hint, a drag moves one, a right-click or Delete/Backspace
removes one and a double-click changes its colour (a press on a comparison's divider still moves it).
Each of these edits is announced as one step (``edited``) for the editor's undo history.
Each hint is a small disc of its colour in a contrasting ring, the same size on screen at any zoom, drawn
on the canvas' ``marks_layer`` so that it follows zoom and pan and stays visible over a comparison.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QColorDialog, QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from photoai.core.params import ColorPoint
from photoai.ui.canvas.view import CanvasView

RGB = tuple[int, int, int]

MARKER_RADIUS = 6.0  # screen pixels
PICK_RADIUS = 10.0  # screen pixels: a press this close to a hint takes it
DEFAULT_COLOR: RGB = (220, 60, 40)
SELECTED_RING = QColor(255, 200, 0)


def ring_color(rgb: RGB) -> QColor:
    """Black around a light colour, white around a dark one."""
    return QColor(0, 0, 0) if QColor(*rgb).lightnessF() > 0.55 else QColor(255, 255, 255)


def ask_color(parent: QWidget | None, initial: RGB, title: str) -> RGB | None:
    """The colour dialog; None when cancelled."""
    color = QColorDialog.getColor(QColor(*initial), parent, title)
    return (color.red(), color.green(), color.blue()) if color.isValid() else None


class HintMarker(QGraphicsItem):
    """One hint: a disc of its colour, a contrasting ring, a highlight when selected (screen-sized)."""

    def __init__(self, rgb: RGB, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.rgb = rgb
        self.selected = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_look(self, rgb: RGB, selected: bool) -> None:
        if (rgb, selected) != (self.rgb, self.selected):
            self.rgb, self.selected = rgb, selected
            self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        r = MARKER_RADIUS + 5
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        ring = ring_color(self.rgb)
        r = MARKER_RADIUS
        outer = QColor(255 - ring.red(), 255 - ring.green(), 255 - ring.blue(), 160)
        painter.setPen(QPen(outer, 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(), r + 1.5, r + 1.5)
        painter.setPen(QPen(ring, 2.0))
        painter.setBrush(QColor(*self.rgb))
        painter.drawEllipse(QPointF(), r, r)
        if self.selected:
            painter.setPen(QPen(SELECTED_RING, 2.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(), r + 3.5, r + 3.5)


class HintTool(QObject):
    """The hints and the canvas tool that edits them.

    Signals: ``changed()`` whenever the points change (placed, moved, removed, recoloured, cleared; a drag
    is one change, on release), ``edited(label, before, after)`` for each change the user made (one per
    gesture: a click that places a hint and drags it on is one "Place hint"; not :meth:`set_points` without a
    label, which is how undo puts points back), ``color_changed()`` (the colour of new hints),
    ``active_changed(bool)``. Without a view the tool is a plain holder of points (tests, a form without a
    canvas)."""

    changed = Signal()
    edited = Signal(str, object, object)  # label, points before, points after
    color_changed = Signal()
    active_changed = Signal(bool)

    def __init__(self, view: CanvasView | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.max_points = 1000
        self.color: RGB = DEFAULT_COLOR
        self.selected: int | None = None
        self._points: list[ColorPoint] = []
        self._markers: list[HintMarker] = []
        self._active = False
        self._visible = True
        self._drag: int | None = None
        self._dragged = False
        self._gesture: tuple[str, tuple[ColorPoint, ...]] | None = None  # a press's edit: label, points before

    # -- the points ---------------------------------------------------------------------
    @property
    def points(self) -> tuple[ColorPoint, ...]:
        return tuple(self._points)

    def set_points(self, points: Iterable[ColorPoint], label: str | None = None) -> None:
        """Replace the points; with a ``label`` the user did it (an ``edited`` step, e.g. "Clear hints")."""
        points = [ColorPoint.from_any(p) for p in points]
        if points == self._points:
            return
        before = self.points
        self._points = points
        self.selected = self._drag = self._gesture = None  # a press in progress ends with the points it had
        self._rebuild()
        self.changed.emit()
        if label is not None:
            self._edited(label, before)

    def add(self, x: float, y: float, rgb: RGB | None = None) -> int | None:
        """Place a hint (of the current colour) at pixel (x, y); its index, or None at ``max_points``."""
        before = self.points
        index = self._place(x, y, rgb)
        if index is not None:
            self._edited("Place hint", before)
        return index

    def _place(self, x: float, y: float, rgb: RGB | None = None) -> int | None:
        if len(self._points) >= self.max_points:
            return None
        self._points.append(ColorPoint(float(x), float(y), rgb or self.color))
        self._markers.append(self._new_marker())
        self.select(len(self._points) - 1)
        self.changed.emit()
        return self.selected

    def remove(self, index: int) -> None:
        before = self.points
        del self._points[index]
        marker = self._markers.pop(index)
        if marker.scene() is not None:
            marker.scene().removeItem(marker)
        self.selected = None if self.selected == index else (
            self.selected - 1 if self.selected is not None and self.selected > index else self.selected)
        self._sync_markers()
        self.changed.emit()
        self._edited("Delete hint", before)

    def recolor(self, index: int, rgb: RGB) -> None:
        p = self._points[index]
        if p.rgb != rgb:
            before = self.points
            self._points[index] = ColorPoint(p.x, p.y, rgb)
            self._sync_markers()
            self.changed.emit()
            self._edited("Recolour hint", before)

    def clear(self) -> None:
        self.set_points(())

    def select(self, index: int | None) -> None:
        self.selected = index
        self._sync_markers()

    def _finish_gesture(self) -> None:
        """End a press: a drag is one change; the press's edit (placed, moved) is one step."""
        dragged, self._drag, self._dragged = self._dragged, None, False
        if dragged:
            self.changed.emit()
        gesture, self._gesture = self._gesture, None
        if gesture is not None:
            self._edited(*gesture)

    def _edited(self, label: str, before: tuple[ColorPoint, ...]) -> None:
        after = self.points
        if after != before:
            self.edited.emit(label, before, after)

    def set_color(self, rgb: RGB) -> None:
        """The colour of the hints placed from now on."""
        if rgb != self.color:
            self.color = rgb
            self.color_changed.emit()

    # -- tool state ---------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, active: bool) -> None:
        """Make this the canvas' tool (or give the canvas back to the brush)."""
        active = bool(active)
        if active == self._active:
            return
        self._active = active
        self._finish_gesture()
        if self.view is not None:
            if active:
                self.view.set_tool(self)
            elif self.view.tool is self:
                self.view.set_tool(None)
        self.active_changed.emit(active)

    def set_visible(self, visible: bool) -> None:
        """Show or hide the markers (hidden while the selected plugin takes no hints)."""
        self._visible = visible
        for marker in self._markers:
            marker.setVisible(visible)

    # -- markers ------------------------------------------------------------------------
    def _new_marker(self) -> HintMarker:
        parent = self.view.marks_layer if self.view is not None else None
        marker = HintMarker(self.color, parent)
        marker.setVisible(self._visible)
        return marker

    def _rebuild(self) -> None:
        for marker in self._markers:
            if marker.scene() is not None:
                marker.scene().removeItem(marker)
        self._markers = [self._new_marker() for _ in self._points]
        self._sync_markers()

    def _sync_markers(self) -> None:
        for i, (p, marker) in enumerate(zip(self._points, self._markers, strict=True)):
            marker.setPos(p.x + 0.5, p.y + 0.5)  # the centre of the pixel
            marker.set_look(p.rgb, i == self.selected)

    # -- geometry -----------------------------------------------------------------------
    def pixel_at(self, pos: QPointF, clamp: bool = False) -> tuple[int, int] | None:
        """The photo pixel under viewport position ``pos`` (None outside the photo unless ``clamp``)."""
        view = self.view
        if view is None:
            return None
        p = view.image_item.mapFromScene(view.to_image(pos))
        w, h = view.image_item.image_size()
        x, y = math.floor(p.x()), math.floor(p.y())
        if clamp:
            return min(max(x, 0), w - 1), min(max(y, 0), h - 1)
        return (x, y) if 0 <= x < w and 0 <= y < h else None

    def hint_at(self, pos: QPointF) -> int | None:
        """The hint drawn nearest to viewport position ``pos`` within :data:`PICK_RADIUS`, or None."""
        view = self.view
        if view is None or not self._visible:
            return None
        to_viewport = view.viewportTransform()
        best, best_d = None, PICK_RADIUS
        for i, p in enumerate(self._points):
            c = to_viewport.map(view.marks_layer.mapToScene(QPointF(p.x + 0.5, p.y + 0.5)))
            d = math.hypot(c.x() - pos.x(), c.y() - pos.y())
            if d <= best_d:
                best, best_d = i, d
        return best

    # -- CanvasTool -----------------------------------------------------------------------
    def on_divider(self, pos: QPointF) -> bool:
        """True when viewport position ``pos`` is on the split comparison's divider (which it then moves)."""
        view = self.view
        if view is None or not view.comparing or view.compare_item.mode != "split":
            return False
        x = view.viewportTransform().map(QPointF(view.compare_item.geometry().divider_x, 0)).x()
        return abs(pos.x() - x) <= view.compare_item.HANDLE_RADIUS

    def mouse_press(self, event: QMouseEvent) -> bool:
        pos = event.position()
        hit = self.hint_at(pos)
        if hit is None and self.on_divider(pos):
            return False
        if event.button() == Qt.MouseButton.RightButton:
            if hit is not None:
                self.remove(hit)
            return True
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        before = self.points
        if hit is None:
            pixel = self.pixel_at(pos)
            if pixel is None:
                return False
            hit = self._place(*pixel)
            if hit is None:
                return True  # at max_points: nothing placed, nothing else happens either
            self._gesture = ("Place hint", before)  # one step with a drag that follows, on release
        else:
            self.select(hit)
            self._gesture = ("Move hint", before)
        self._drag, self._dragged = hit, False
        return True

    def mouse_move(self, event: QMouseEvent) -> bool:
        if self._drag is None:
            return False
        pixel = self.pixel_at(event.position(), clamp=True)
        p = self._points[self._drag]
        if pixel is not None and pixel != (p.x, p.y):
            self._points[self._drag] = ColorPoint(float(pixel[0]), float(pixel[1]), p.rgb)
            self._dragged = True
            self._sync_markers()
        return True

    def mouse_release(self, event: QMouseEvent) -> bool:
        if self._drag is None:
            return False
        self._finish_gesture()
        return True

    def mouse_double_click(self, event: QMouseEvent) -> bool:
        hit = self.hint_at(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if hit is None:
            return False
        self.select(hit)
        rgb = ask_color(self.view, self._points[hit].rgb, "Hint Colour")
        if rgb is not None and hit < len(self._points):
            self.recolor(hit, rgb)
        return True

    def key_press(self, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected is not None:
            self.remove(self.selected)
            return True
        return False
