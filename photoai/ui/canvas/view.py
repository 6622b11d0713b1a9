"""The canvas: a QGraphicsView showing the photo, the mask overlay and the before/after split.

One scene unit is one pixel of the current image (of the *result* while a comparison is
shown, see :mod:`photoai.ui.canvas.compare`). Zoom: mouse wheel around the cursor,
:meth:`fit` (Ctrl+0), :meth:`actual_size` (Ctrl+1), :meth:`zoom_in`/:meth:`zoom_out`.
Pan: space + left drag, or the middle button. Left-button presses, moves and releases are
emitted in image coordinates and, when a :class:`BrushController` is attached, painted. A
:class:`CanvasTool` set with :meth:`CanvasView.set_tool` (the colour hints) takes the mouse and keys
instead of the brush: one active tool at a time. ``marks_layer`` holds items placed in the photo's
pixels that stay visible above a comparison (it follows the photo's transform).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Protocol

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QFrame,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from photoai.core.geometry import Rect, Size
from photoai.core.image import ImageBuffer
from photoai.ui.canvas.brush import BrushController
from photoai.ui.canvas.compare import CompareItem, before_scale
from photoai.ui.canvas.items import ImageItem, MaskOverlayItem

MIN_ZOOM = 0.01
MAX_ZOOM = 64.0
ZOOM_STEP = 1.25
BACKGROUND = QColor(38, 38, 40)
OVERLAY_MARGIN = 8  # px between the viewport's top edge and the overlay


class CanvasTool(Protocol):
    """A mouse tool on the canvas. Each handler gets the view's event (viewport coordinates) and returns
    True when it used it; what it does not use gets the canvas' default handling."""

    def mouse_press(self, event: QMouseEvent) -> bool: ...

    def mouse_move(self, event: QMouseEvent) -> bool: ...

    def mouse_release(self, event: QMouseEvent) -> bool: ...

    def mouse_double_click(self, event: QMouseEvent) -> bool: ...

    def key_press(self, event: QKeyEvent) -> bool: ...


class _Layer(QGraphicsItem):
    """An empty item whose children are drawn on top of the scene."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(20)  # above the comparison (10)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF()

    def paint(self, *_args: object) -> None:
        pass


class CanvasView(QGraphicsView):
    image_pressed = Signal(QPointF)
    image_moved = Signal(QPointF)
    image_released = Signal(QPointF)
    cursor_moved = Signal(object)  # QPointF in image coordinates, or None when the cursor left
    zoom_changed = Signal(float)
    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.image_item = ImageItem()
        self.mask_item = MaskOverlayItem()
        self.compare_item = CompareItem()
        self.compare_item.setVisible(False)
        self.marks_layer = _Layer()
        for item in (self.image_item, self.mask_item, self.compare_item, self.marks_layer):
            self.scene().addItem(item)
        self.compare_item.divider_moved.connect(lambda _f: self.viewport().update())

        self.brush: BrushController | None = None
        self.tool: CanvasTool | None = None
        self._scene_size = Size(0, 0)
        self._space = False
        self._pan_from: QPointF | None = None
        self._pressing = False
        self._cursor: QPointF | None = None
        self.placeholder = ""  # drawn in the middle while there is no image
        self.overlay: QWidget | None = None

        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundBrush(QBrush(BACKGROUND))
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setSceneRect(QRectF(0, 0, 1, 1))
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)

    # -- content --------------------------------------------------------------------------
    @property
    def has_image(self) -> bool:
        return not self.image_item.picture.isNull()

    @property
    def comparing(self) -> bool:
        return self.compare_item.isVisible()

    def image_size(self) -> Size:
        return Size(*self.image_item.image_size())

    def scene_size(self) -> Size:
        return self._scene_size

    def set_image(self, image: ImageBuffer | QImage | None, fit: bool = False) -> None:
        """Show ``image`` (or its display picture, see :mod:`photoai.ui.display`); ``fit`` for a new document,
        otherwise the visible area is kept."""
        self.image_item.set_image(image)
        self._sync_scene()
        self.viewport().update()
        if fit:
            self.fit(max_zoom=1.0)

    def set_pending_image(self, size: Size) -> None:
        """An image of ``size`` is being converted for the screen: the current picture stands in, stretched."""
        self.image_item.set_pending(size)
        self._sync_scene()
        self.viewport().update()

    def set_mask(self, mask: np.ndarray | None, empty: bool = False) -> None:
        """Show ``mask`` (``empty``: it is known to select nothing)."""
        self.mask_item.set_mask(mask, empty)

    def update_mask(self, mask: np.ndarray, rect: Rect, empty: bool = False) -> None:
        """``mask`` changed inside ``rect`` (``empty``: it is known to select nothing now)."""
        self.mask_item.update_rect(mask, rect, empty)

    def set_mask_visible(self, visible: bool) -> None:
        self.mask_item.setVisible(visible)

    def set_brush(self, brush: BrushController | None) -> None:
        if self.brush is not None:
            self.brush.changed.disconnect(self._brush_changed)
        self.brush = brush
        if brush is not None:
            brush.changed.connect(self._brush_changed)

    def _brush_changed(self) -> None:
        self.viewport().update()

    def set_tool(self, tool: CanvasTool | None) -> None:
        """Make ``tool`` the active mouse tool (None: the brush again); a stroke in progress ends."""
        self._end_pointer()
        self.tool = tool
        self.viewport().update()  # the brush outline shows or hides

    # -- overlay --------------------------------------------------------------------------
    def set_overlay(self, widget: QWidget) -> None:
        """Float ``widget`` centred at the top of the view, over the photo: showing or hiding it
        never changes the canvas' geometry, so the photo does not jump (the Keep/Discard bar)."""
        if self.overlay is not None:
            self.overlay.removeEventFilter(self)
        self.overlay = widget
        widget.setParent(self)
        widget.installEventFilter(self)
        self._place_overlay()

    def _place_overlay(self) -> None:
        w = self.overlay
        if w is None:
            return
        vp = self.viewport().geometry()
        hint = w.sizeHint()
        width = max(0, min(hint.width(), vp.width() - 2 * OVERLAY_MARGIN))
        w.setGeometry(vp.x() + (vp.width() - width) // 2, vp.y() + OVERLAY_MARGIN, width, hint.height())
        w.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if watched is self.overlay and event.type() in (QEvent.Type.Show, QEvent.Type.LayoutRequest):
            self._place_overlay()  # its size hint follows its text
        return super().eventFilter(watched, event)

    # -- comparison -----------------------------------------------------------------------
    def begin_compare(self, before: Size, after: ImageBuffer | QImage, mode: str = "split",
                      fraction: float = 0.5) -> None:
        """Show ``after`` (or its display form, made by ``image_to_qimage``) over the current image, split at
        ``fraction``, in the result's coordinates."""
        self._end_pointer()
        self.compare_item.set_images(before, after)
        self.compare_item.set_mode(mode)
        self.compare_item.set_fraction(fraction)
        self.compare_item.setVisible(True)
        self._sync_scene()
        self.viewport().update()

    def end_compare(self) -> None:
        self.compare_item.setVisible(False)
        self._sync_scene()
        self.viewport().update()

    def toggle_compare_mode(self) -> str:
        """``\\``: split <-> after only; from before-only it goes back to split."""
        item = self.compare_item
        item.set_mode("after" if item.mode == "split" else "split")
        self.viewport().update()
        return item.mode

    def _sync_scene(self) -> None:
        """Scene size and the before items' scale for the current state; keeps the visible area."""
        img = self.image_size()
        if self.comparing and img.width and img.height:
            target = self.compare_item.after_size
            sx, sy = before_scale(img, target)
        else:
            target, sx, sy = img, 1.0, 1.0
        transform = QTransform.fromScale(sx, sy)
        for item in (self.image_item, self.mask_item, self.marks_layer):
            item.setTransform(transform)
        old = self._scene_size
        if target == old:
            return
        centre = self.mapToScene(self.viewport().rect().center()) if old.width else None
        self._scene_size = target
        self.setSceneRect(QRectF(0, 0, max(1, target.width), max(1, target.height)))
        if old.width and old.height and target.width and target.height and centre is not None:
            rx, ry = target.width / old.width, target.height / old.height
            z = self.zoom() / rx
            self.setTransform(QTransform.fromScale(z, z))
            self.centerOn(QPointF(centre.x() * rx, centre.y() * ry))
            self._zoom_updated()

    # -- zoom -----------------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self._zoom_updated()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the image point under viewport position ``anchor`` (default: centre)."""
        z = self.zoom()
        factor = min(max(z * factor, MIN_ZOOM), MAX_ZOOM) / z
        if factor == 1.0:
            return
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        target = self.to_image(anchor)
        self.scale(factor, factor)
        moved = self.viewportTransform().map(target) - anchor
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + round(moved.x()))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + round(moved.y()))
        self._zoom_updated()

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def actual_size(self) -> None:
        """100 %: one image pixel per screen pixel, centred on what was in the middle."""
        centre = self.mapToScene(self.viewport().rect().center())
        self.set_zoom(1.0)
        self.centerOn(centre)

    def fit(self, max_zoom: float | None = None) -> None:
        """Fit the whole image in the window (with a small margin)."""
        s = self._scene_size
        vp = self.viewport().rect()
        if not s.width or not s.height or vp.width() < 4 or vp.height() < 4:
            return
        margin = 16
        z = min((vp.width() - 2 * margin) / s.width, (vp.height() - 2 * margin) / s.height)
        if max_zoom is not None:
            z = min(z, max_zoom)
        self.set_zoom(max(z, MIN_ZOOM))
        self.centerOn(QPointF(s.width / 2, s.height / 2))

    def _zoom_updated(self) -> None:
        smooth = self.zoom() < 2.0  # show crisp pixels when zoomed in
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        self.viewport().update()
        self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt API
        delta = event.angleDelta().y() or event.angleDelta().x()
        if not delta:
            return
        self.zoom_by(math.pow(1.0015, delta), anchor=event.position())
        event.accept()

    # -- coordinates ----------------------------------------------------------------------
    def to_image(self, pos: QPointF) -> QPointF:
        """A viewport position in image (scene) coordinates, with sub-pixel precision."""
        inverse, _ok = self.viewportTransform().inverted()
        return inverse.map(QPointF(pos))

    def _brush_usable(self) -> bool:
        return (self.brush is not None and self.brush.enabled and self.has_image and not self.comparing
                and self.tool is None)

    # -- mouse ----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if self.tool is not None and self.has_image and self.tool.mouse_press(event):
            event.accept()
            return
        if self.comparing:
            super().mousePressEvent(event)  # the compare item moves its divider
            return
        if button == Qt.MouseButton.LeftButton and self.has_image:
            p = self.to_image(event.position())
            self._pressing = True
            self.image_pressed.emit(p)
            if self.brush is not None and self._brush_usable():
                self.brush.press(p.x(), p.y())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if self._pan_from is not None:
            d = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(d.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(d.y()))
            event.accept()
            return
        p = self.to_image(event.position())
        self._move_outline(p)
        self.cursor_moved.emit(p)
        if self.tool is not None and self.tool.mouse_move(event):
            event.accept()
            return
        if self._pressing:
            self.image_moved.emit(p)
            if self.brush is not None and self.brush.painting:
                self.brush.move(p.x(), p.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._pan_from = None
            self._restore_cursor()
            event.accept()
            return
        if self.tool is not None and self.tool.mouse_release(event):
            event.accept()
            return
        if self._pressing and event.button() == Qt.MouseButton.LeftButton:
            p = self.to_image(event.position())
            self._end_pointer()
            self.image_released.emit(p)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        if self.tool is not None and self.has_image and self.tool.mouse_double_click(event):
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _end_pointer(self) -> None:
        self._pressing = False
        if self.brush is not None:
            self.brush.release()

    def enterEvent(self, event) -> None:  # noqa: N802 - Qt API
        # take the keyboard (space = pan, B/E, [ ]) unless the user is typing into a field
        focus = QApplication.focusWidget()
        if focus is not self and not isinstance(focus, (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._move_outline(None)
        self.cursor_moved.emit(None)
        super().leaveEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._space = False
        if self._pan_from is None:
            self._restore_cursor()
        super().focusOutEvent(event)

    # -- keys (space = pan) ---------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if self.tool is not None and self.tool.key_press(event):
            event.accept()
            return
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space = True
                if self._pan_from is None:
                    self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space = False
                if self._pan_from is None:
                    self._restore_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def _restore_cursor(self) -> None:
        if self._space:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)

    # -- brush outline --------------------------------------------------------------------
    def _outline_rect(self, p: QPointF | None) -> QRect:
        if p is None or self.brush is None:
            return QRect()
        r = self.brush.size / 2.0
        return self.mapFromScene(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r)).boundingRect().adjusted(-3, -3, 3, 3)

    def _move_outline(self, p: QPointF | None) -> None:
        old = self._outline_rect(self._cursor)
        self._cursor = p
        new = self._outline_rect(p)
        for r in (old, new):
            if not r.isEmpty():
                self.viewport().update(r)

    def brush_outline_radius(self) -> float:
        """The brush outline radius in screen pixels (0 when hidden)."""
        if self.brush is None or not self._brush_usable():
            return 0.0
        return self.brush.size / 2.0 * self.zoom()

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802 - Qt API
        if self.brush is None or self._cursor is None or not self._brush_usable() or self._pan_from is not None:
            return
        r = self.brush.size / 2.0
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        dark = QPen(QColor(0, 0, 0, 170), 3)
        dark.setCosmetic(True)
        painter.setPen(dark)
        painter.drawEllipse(self._cursor, r, r)
        light = QPen(QColor(255, 120, 160) if self.brush.erasing else QColor(255, 255, 255), 1.2)
        if self.brush.erasing:
            light.setStyle(Qt.PenStyle.DashLine)
        light.setCosmetic(True)
        painter.setPen(light)
        painter.drawEllipse(self._cursor, r, r)
        painter.restore()

    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802 - Qt API
        super().drawBackground(painter, rect)
        if self.placeholder and not self.has_image:
            painter.save()
            painter.resetTransform()
            painter.setPen(QColor(140, 140, 146))
            font = painter.font()
            font.setPixelSize(16)
            painter.setFont(font)
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.placeholder)
            painter.restore()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # noqa: N802 - Qt API
        super().scrollContentsBy(dx, dy)
        self.viewport().update()  # the outline and the compare grip live in viewport space

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._place_overlay()
        self.viewport().update()

    # -- drag and drop --------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
        else:
            event.ignore()
