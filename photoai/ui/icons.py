"""Small line icons drawn with QPainter (no image files to ship), tinted for the current palette."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

SIZE = 48  # drawn at 2x and scaled down by Qt for crispness


def _pen(color: QColor, width: float = 3.4) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _open(p: QPainter, c: QColor) -> None:
    path = QPainterPath()
    path.moveTo(7, 38)
    path.lineTo(7, 11)
    path.lineTo(19, 11)
    path.lineTo(23, 15)
    path.lineTo(39, 15)
    path.lineTo(39, 21)
    p.drawPath(path)
    path = QPainterPath()
    path.moveTo(7, 38)
    path.lineTo(13, 21)
    path.lineTo(43, 21)
    path.lineTo(37, 38)
    path.closeSubpath()
    p.drawPath(path)


def _export(p: QPainter, c: QColor) -> None:
    p.drawLine(QPointF(24, 29), QPointF(24, 6))
    p.drawPolyline([QPointF(15, 14), QPointF(24, 6), QPointF(33, 14)])
    p.drawPolyline([QPointF(10, 24), QPointF(10, 40), QPointF(38, 40), QPointF(38, 24)])


def _undo(p: QPainter, c: QColor, mirror: bool = False) -> None:
    if mirror:
        p.translate(SIZE, 0)
        p.scale(-1, 1)
    path = QPainterPath()
    path.moveTo(12, 20)
    path.lineTo(30, 20)
    path.cubicTo(44, 20, 44, 40, 30, 40)
    path.lineTo(20, 40)
    p.drawPath(path)
    p.drawPolyline([QPointF(19, 12), QPointF(11, 20), QPointF(19, 28)])


def _redo(p: QPainter, c: QColor) -> None:
    _undo(p, c, mirror=True)


def _brush(p: QPainter, c: QColor) -> None:
    path = QPainterPath()
    path.moveTo(40, 7)
    path.lineTo(22, 27)
    path.lineTo(26, 31)
    path.lineTo(42, 10)
    path.closeSubpath()
    p.drawPath(path)
    blob = QPainterPath()
    blob.moveTo(20, 29)
    blob.cubicTo(12, 29, 14, 38, 7, 41)
    blob.cubicTo(17, 43, 25, 40, 24, 33)
    blob.closeSubpath()
    p.setBrush(c)
    p.drawPath(blob)


def _eraser(p: QPainter, c: QColor) -> None:
    p.save()
    p.translate(24, 24)
    p.rotate(-45)
    p.drawRoundedRect(QRectF(-16, -8, 32, 16), 3, 3)
    p.drawLine(QPointF(-3, -8), QPointF(-3, 8))
    p.restore()
    p.drawLine(QPointF(10, 41), QPointF(40, 41))


def _clear(p: QPainter, c: QColor) -> None:
    p.setPen(_pen(c, 3.0))
    p.drawEllipse(QRectF(8, 8, 32, 32))
    p.drawLine(QPointF(17, 17), QPointF(31, 31))
    p.drawLine(QPointF(31, 17), QPointF(17, 31))


def _fit(p: QPainter, c: QColor) -> None:
    for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
        x0, y0 = 24 - sx * 16, 24 - sy * 16
        p.drawPolyline([QPointF(x0, y0 + sy * 9), QPointF(x0, y0), QPointF(x0 + sx * 9, y0)])
    p.drawRect(QRectF(17, 17, 14, 14))


def _actual(p: QPainter, c: QColor) -> None:
    font = p.font()
    font.setPixelSize(21)
    font.setBold(True)
    p.setFont(font)
    p.drawText(QRectF(0, 0, SIZE, SIZE), Qt.AlignmentFlag.AlignCenter, "1:1")


def _compare(p: QPainter, c: QColor) -> None:
    p.drawRect(QRectF(7, 10, 34, 28))
    p.drawLine(QPointF(24, 5), QPointF(24, 43))
    p.fillRect(QRectF(24, 10, 17, 28), c)


_PAINTERS: dict[str, Callable[[QPainter, QColor], None]] = {
    "open": _open,
    "export": _export,
    "undo": _undo,
    "redo": _redo,
    "brush": _brush,
    "eraser": _eraser,
    "clear": _clear,
    "fit": _fit,
    "actual": _actual,
    "compare": _compare,
}


def _draw(name: str, color: QColor) -> QPixmap:
    pm = QPixmap(SIZE, SIZE)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    p.setPen(_pen(color))
    p.setBrush(Qt.BrushStyle.NoBrush)
    _PAINTERS[name](p, color)
    p.end()
    return pm


@cache
def _icon(name: str, normal: str, disabled: str) -> QIcon:
    icon = QIcon()
    icon.addPixmap(_draw(name, QColor(normal)), QIcon.Mode.Normal)
    icon.addPixmap(_draw(name, QColor(disabled)), QIcon.Mode.Disabled)
    return icon


def icon(name: str) -> QIcon:
    """The icon ``name`` (see ``_PAINTERS``) in the palette's text colour."""
    app = QApplication.instance()
    pal = app.palette() if isinstance(app, QApplication) else QPalette()
    normal = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText)
    disabled = QColor(normal)
    disabled.setAlpha(90)
    return _icon(name, normal.name(QColor.NameFormat.HexArgb), disabled.name(QColor.NameFormat.HexArgb))
