"""A form generated from a plugin's parameter specs.

``EDITORS`` maps each param type to an editor class; an editor is a small QWidget with
``value()``, ``set_value(v)`` and a ``changed`` signal. Register another editor with
:func:`register_editor` when a new param type appears in ``photoai.core.params``. An editor whose
value belongs to the photo rather than to the plugin's settings (colour hints) says ``persistent = False``:
its value is neither stored nor reset to the default (:meth:`ParamForm.persistent`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QWidget,
)

from photoai.core.params import BoolParam, ChoiceParam, FloatParam, IntParam, Param, PointsParam, defaults
from photoai.ui.qsettings import restore_values

SLIDER_STEPS_MAX = 1000
#: Tooltip suffix of a live parameter: moving it re-renders the pending result without a new run.
LIVE_HINT = "updates instantly"


class ParamEditor(QWidget):
    changed = Signal()
    persistent = True  # stored with the plugin's settings and reset by Defaults

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        if param.help:
            self.setToolTip(param.help)

    def value(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def set_value(self, value: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class FloatEditor(ParamEditor):
    """A slider and a spin box kept in sync (the spin box holds the exact value)."""

    param: FloatParam

    def __init__(self, param: FloatParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        span = param.maximum - param.minimum
        self._steps = max(1, min(SLIDER_STEPS_MAX, round(span / param.step) if param.step > 0 else 100))
        self.slider.setRange(0, self._steps)
        self.spin = QDoubleSpinBox()
        self.spin.setRange(param.minimum, param.maximum)
        self.spin.setDecimals(param.decimals)
        self.spin.setSingleStep(param.step)
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(72)
        for w in (self.slider, self.spin):
            w.setToolTip(param.help)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.spin)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)
        self.set_value(param.default)

    def _to_slider(self, v: float) -> int:
        p = self.param
        span = p.maximum - p.minimum
        return round((v - p.minimum) / span * self._steps) if span > 0 else 0

    def _from_slider(self, pos: int) -> None:
        p = self.param
        v = p.minimum + (p.maximum - p.minimum) * pos / self._steps
        if self._to_slider(self.spin.value()) != pos:
            self.spin.setValue(v)  # emits changed through _from_spin

    def _sync_slider(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(self._to_slider(self.spin.value()))
        self.slider.blockSignals(False)

    def _from_spin(self, _v: float) -> None:
        self._sync_slider()
        self.changed.emit()

    def value(self) -> float:
        return float(self.spin.value())

    def set_value(self, value: Any) -> None:
        self.spin.setValue(float(value))
        self._sync_slider()


class IntEditor(ParamEditor):
    param: IntParam

    def __init__(self, param: IntParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.spin = QSpinBox()
        self.spin.setRange(param.minimum, param.maximum)
        self.spin.setSingleStep(max(1, param.step))
        self.spin.setKeyboardTracking(False)
        self.spin.setToolTip(param.help)
        lay.addWidget(self.spin)
        lay.addStretch(1)
        self.spin.valueChanged.connect(lambda _v: self.changed.emit())
        self.set_value(param.default)

    def value(self) -> int:
        return int(self.spin.value())

    def set_value(self, value: Any) -> None:
        self.spin.setValue(int(value))


class BoolEditor(ParamEditor):
    def __init__(self, param: BoolParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.check = QCheckBox()
        self.check.setToolTip(param.help)
        lay.addWidget(self.check)
        lay.addStretch(1)
        self.check.toggled.connect(lambda _v: self.changed.emit())
        self.set_value(param.default)

    def value(self) -> bool:
        return self.check.isChecked()

    def set_value(self, value: Any) -> None:
        self.check.setChecked(bool(value))


class ChoiceEditor(ParamEditor):
    """A combo box showing the labels; the Python values stay on this side (by index)."""

    param: ChoiceParam

    def __init__(self, param: ChoiceParam, parent: QWidget | None = None) -> None:
        super().__init__(param, parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        self.combo.setToolTip(param.help)
        for choice in param.choices:
            self.combo.addItem(param.label_for(choice))
        lay.addWidget(self.combo, 1)
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.set_value(param.default)

    def value(self) -> Any:
        return self.param.choices[max(0, self.combo.currentIndex())]

    def set_value(self, value: Any) -> None:
        """Select ``value``; one that is not offered (e.g. a model removed since) selects the default."""
        value = self.param.coerce(value)
        choices = self.param.choices
        self.combo.setCurrentIndex(choices.index(value if value in choices else self.param.default))


def _points_editor(param: PointsParam) -> ParamEditor:
    from photoai.ui.widgets.hints_editor import PointsEditor  # it builds on ParamEditor (this module)

    return PointsEditor(param)


#: Builds the editor of one parameter type (takes a parameter of that type).
EditorFactory = Callable[[Any], ParamEditor]
EDITORS: dict[type, EditorFactory] = {
    FloatParam: FloatEditor,
    IntParam: IntEditor,
    BoolParam: BoolEditor,
    ChoiceParam: ChoiceEditor,
    PointsParam: _points_editor,
}


def register_editor(param_type: type, factory: EditorFactory) -> None:
    EDITORS[param_type] = factory


def editor_for(param: Param) -> ParamEditor:
    for cls in type(param).__mro__:
        if cls in EDITORS:
            return EDITORS[cls](param)
    raise TypeError(f"no editor for parameter type {type(param).__name__}")


class ParamForm(QWidget):
    """Label + editor rows for ``params``; ``changed`` fires on any edit."""

    changed = Signal()

    def __init__(self, params: Iterable[Param] = (), parent: QWidget | None = None,
                 live: frozenset[str] = frozenset()) -> None:
        """``live``: the keys of live parameters (their tooltips say that they update the result at once)."""
        super().__init__(parent)
        self.params: tuple[Param, ...] = tuple(params)
        self.editors: dict[str, ParamEditor] = {}
        self._labels: dict[str, QLabel] = {}
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._layout.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for p in self.params:
            editor = editor_for(p)
            label = QLabel(p.label)
            label.setToolTip(p.help)
            label.setBuddy(editor)
            self._layout.addRow(label, editor)
            if p.key in live:
                tip = f"{p.help} ({LIVE_HINT})" if p.help else LIVE_HINT.capitalize()
                for widget in (label, editor, *editor.findChildren(QWidget)):
                    widget.setToolTip(tip)
            editor.changed.connect(self.changed)
            self.editors[p.key] = editor
            self._labels[p.key] = label
        if not self.params:
            note = QLabel("This plugin has no settings.")
            note.setEnabled(False)
            self._layout.addRow(note)
        self.changed.connect(self._grey_out)
        self._grey_out()

    def _grey_out(self) -> None:
        """Disable the rows of parameters that do not act with the current values (``Param.applies``)."""
        values = self.values()
        for p in self.params:
            on = p.applies_to(values)
            self.editors[p.key].setEnabled(on)
            self._labels[p.key].setEnabled(on)

    def values(self) -> dict[str, Any]:
        return {key: editor.value() for key, editor in self.editors.items()}

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Set the known keys (checked, invalid ones fall back to defaults) with one ``changed``."""
        checked = restore_values(self.params, {**self.values(), **dict(values)})
        for key, editor in self.editors.items():
            editor.blockSignals(True)
            try:
                editor.set_value(checked[key])
            finally:
                editor.blockSignals(False)
        self.changed.emit()

    def persistent(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` without those of editors that are not ``persistent`` (what is stored and reset)."""
        return {k: v for k, v in values.items() if k not in self.editors or self.editors[k].persistent}

    def reset(self) -> None:
        self.set_values(self.persistent(defaults(self.params)))
