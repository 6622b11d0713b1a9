"""Tool-bar controls for the mask brush: size, hardness and opacity, bound to a BrushController."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget

from photoai.ui.canvas.brush import MAX_SIZE, MIN_SIZE, BrushController


class _SliderSpin(QWidget):
    """A slider and a spin box showing one integer; ``log`` makes the slider logarithmic."""

    LOG_STEPS = 1000

    def __init__(self, label: str, lo: int, hi: int, suffix: str, tip: str, slider_width: int = 90,
                 log: bool = False) -> None:
        super().__init__()
        self._lo, self._hi, self._log = lo, hi, log
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.setSpacing(4)
        self.label = QLabel(label)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.LOG_STEPS) if log else self.slider.setRange(lo, hi)
        self.slider.setFixedWidth(slider_width)
        self.spin = QSpinBox()
        self.spin.setRange(lo, hi)
        self.spin.setSuffix(suffix)
        self.spin.setKeyboardTracking(False)
        self.slider.valueChanged.connect(lambda pos: self.spin.setValue(self._from_slider(pos)))
        self.spin.valueChanged.connect(self._sync_slider)
        for w in (self.label, self.slider, self.spin):
            w.setToolTip(tip)
            lay.addWidget(w)

    def _from_slider(self, pos: int) -> int:
        if not self._log:
            return pos
        return round(math.exp(math.log(self._lo) + (math.log(self._hi) - math.log(self._lo)) * pos / self.LOG_STEPS))

    def _to_slider(self, v: int) -> int:
        if not self._log:
            return v
        span = math.log(self._hi) - math.log(self._lo)
        return round((math.log(max(v, self._lo)) - math.log(self._lo)) / span * self.LOG_STEPS)

    def _sync_slider(self, v: int) -> None:
        if self._from_slider(self.slider.value()) != v:
            self.slider.blockSignals(True)
            self.slider.setValue(self._to_slider(v))
            self.slider.blockSignals(False)

    def set_value(self, v: int) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(v)
        self.spin.blockSignals(False)
        self._sync_slider(v)


class BrushOptions(QWidget):
    """Size, hardness and opacity controls (``*_control``) kept in step with ``brush``."""

    def __init__(self, brush: BrushController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.brush = brush
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.size_control = _SliderSpin("Size", int(MIN_SIZE), int(MAX_SIZE), " px",
                                        "Brush diameter in image pixels ([ and ])", 110, log=True)
        self.hardness_control = _SliderSpin("Hardness", 0, 100, " %", "100 % = hard edge, 0 % = soft falloff", 70)
        self.opacity_control = _SliderSpin("Opacity", 1, 100, " %", "How strongly one stroke covers the mask", 70)
        for w in (self.size_control, self.hardness_control, self.opacity_control):
            lay.addWidget(w)
        self.size_control.spin.valueChanged.connect(lambda v: brush.set_size(v))
        self.hardness_control.spin.valueChanged.connect(lambda v: brush.set_hardness(v / 100))
        self.opacity_control.spin.valueChanged.connect(lambda v: brush.set_opacity(v / 100))
        remove = brush.changed.connect(self.sync)
        self.destroyed.connect(lambda *_: remove())
        self.sync()

    def sync(self) -> None:
        s = self.brush.settings
        self.size_control.set_value(round(s.size))
        self.hardness_control.set_value(round(s.hardness * 100))
        self.opacity_control.set_value(round(s.opacity * 100))
