"""The parameter row of a ``PointsParam`` (colour hints): how many there are, a "Place hints" toggle that
makes the canvas' hint tool active, the colour of new hints, and Clear.

The points live in a :class:`~photoai.ui.canvas.hints.HintTool`: the editor window's (:meth:`bind`), so
they belong to the photo, survive switching plugins and are not stored with the plugin's settings
(``persistent = False``); until bound, a tool of the editor's own without a canvas.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QToolButton, QWidget

from photoai.core.params import PointsParam
from photoai.ui.canvas.hints import HintTool, ask_color, ring_color
from photoai.ui.widgets.param_form import ParamEditor

USAGE = ("Click the photo to place a hint of the colour shown, drag a hint to move it, right-click it or press "
         "Delete to remove it, double-click it to change its colour.")


def count_text(n: int) -> str:
    return "No hints" if n == 0 else "1 hint" if n == 1 else f"{n} hints"


class PointsEditor(ParamEditor):
    param: PointsParam
    persistent = False

    def __init__(self, param: PointsParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        self.setToolTip(f"{param.help}\n\n{USAGE}".strip())
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.count_label = QLabel()
        self.place_button = QPushButton("Place hints")
        self.place_button.setCheckable(True)
        self.place_button.setToolTip(USAGE)
        self.color_button = QToolButton()
        self.color_button.setToolTip("Colour of new hints")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove every hint")
        grid.addWidget(self.count_label, 0, 0)
        grid.addWidget(self.clear_button, 0, 1)
        grid.addWidget(self.place_button, 1, 0)
        grid.addWidget(self.color_button, 1, 1)
        grid.setColumnStretch(0, 1)
        self.place_button.toggled.connect(self._on_place_toggled)
        self.color_button.clicked.connect(self.choose_color)
        self.clear_button.clicked.connect(self._on_clear)
        self.tool = HintTool(parent=self)
        self.bind(self.tool)

    def bind(self, tool: HintTool) -> None:
        """Show and edit ``tool``'s hints (the editor window's)."""
        if tool is not self.tool:
            for signal, slot in ((self.tool.changed, self._on_points), (self.tool.color_changed, self._show_color),
                                 (self.tool.active_changed, self._show_active)):
                signal.disconnect(slot)
        self.tool = tool
        tool.max_points = self.param.max_points
        tool.changed.connect(self._on_points)
        tool.color_changed.connect(self._show_color)
        tool.active_changed.connect(self._show_active)
        self._show_points()
        self._show_color()
        self._show_active(tool.active)

    def value(self) -> tuple:
        return self.tool.points

    def set_value(self, value: Any) -> None:
        self.tool.set_points(self.param.coerce(value))

    def choose_color(self) -> None:
        rgb = ask_color(self, self.tool.color, "Colour of New Hints")
        if rgb is not None:
            self.tool.set_color(rgb)

    # -- tool -> widgets ------------------------------------------------------------------
    def _on_points(self) -> None:
        self._show_points()
        self.changed.emit()

    def _show_points(self) -> None:
        n = len(self.tool.points)
        self.count_label.setText(count_text(n) + (" (the most)" if n >= self.param.max_points else ""))
        self.clear_button.setEnabled(n > 0)

    def _show_color(self) -> None:
        swatch = QPixmap(16, 16)
        swatch.fill(ring_color(self.tool.color))
        inner = QPixmap(14, 14)
        inner.fill(QColor(*self.tool.color))
        painter = QPainter(swatch)
        painter.drawPixmap(1, 1, inner)
        painter.end()
        self.color_button.setIcon(QIcon(swatch))

    def _show_active(self, active: bool) -> None:
        self.place_button.blockSignals(True)
        self.place_button.setChecked(active)
        self.place_button.blockSignals(False)

    # -- widgets -> tool ------------------------------------------------------------------
    def _on_place_toggled(self, checked: bool) -> None:
        self.tool.set_active(checked)

    def _on_clear(self) -> None:
        self.tool.set_points((), "Clear hints")
