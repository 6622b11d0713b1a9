"""The dark theme's style sheet: push buttons show their state."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from photoai.ui.theme import STYLE_SHEET


def lightness(button: QPushButton) -> np.ndarray:
    image = button.grab().toImage()
    return np.array([[image.pixelColor(x, y).lightness() for x in range(image.width())]
                     for y in range(image.height())], np.float64)


def test_a_checked_push_button_looks_checked(qtbot):
    """Colour hints' "Place hints" is a checkable QPushButton: with the app's style sheet a checked one
    was drawn exactly like an unchecked one (the user could not tell the hint tool was on)."""
    box = QWidget()
    box.setStyleSheet(STYLE_SHEET)
    button = QPushButton("Place hints", box)
    button.setCheckable(True)
    QVBoxLayout(box).addWidget(button)
    qtbot.addWidget(box)
    box.resize(160, 50)
    box.show()
    qtbot.waitExposed(box)
    unchecked = lightness(button)
    button.setChecked(True)
    checked = lightness(button)
    assert checked.shape == unchecked.shape
    assert abs(checked.mean() - unchecked.mean()) > 10  # the whole face changes, not a pixel or two
