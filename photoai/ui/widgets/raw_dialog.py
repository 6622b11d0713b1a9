"""Develop options asked when a camera raw is opened: exposure and white balance.

The choice is remembered between sessions (settings key ``raw/develop``) and offered again the next
time; what was applied (the automatic exposure resolved to EV, the camera's white balance as
temperature and tint) is recorded on the image by ``photoai.core.io`` and shown in the status bar.
A film scan holds a finished image: only its exposure can be changed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from photoai.core.errors import PhotoAIError
from photoai.core.image import ImageBuffer
from photoai.core.raw import (
    EXPOSURE_RANGE,
    TEMPERATURE_RANGE,
    TINT_RANGE,
    WHITE_BALANCES,
    DevelopOptions,
    RawFacts,
    describe,
)
from photoai.ui.qsettings import Settings

SETTINGS_KEY = "raw/develop"


class RawChoice(NamedTuple):
    """``proceed``: open the file; ``options``: how to develop it (None: not a camera raw)."""

    proceed: bool
    options: DevelopOptions | None = None


def stored_options(settings: Settings) -> DevelopOptions:
    """The options last chosen (the defaults when none were stored or they no longer parse)."""
    try:
        return DevelopOptions.from_dict(json.loads(str(settings.store.value(SETTINGS_KEY, "{}"))))
    except (PhotoAIError, ValueError, TypeError, AttributeError):
        return DevelopOptions()


def store_options(settings: Settings, options: DevelopOptions) -> None:
    settings.store.setValue(SETTINGS_KEY, json.dumps(options.to_dict()))


def summary(image: ImageBuffer) -> str:
    """``Developed with ...`` for a developed raw, else ``""``."""
    record = image.info.get("raw_develop")
    return f"Developed with {describe(record)}" if record else ""


def develop_options(parent: QWidget | None, path: Path, settings: Settings) -> RawChoice:
    """Ask how to develop ``path`` when it is a camera raw (by content); remember the answer."""
    from photoai.core import io as core_io

    if not core_io.is_raw(path):
        return RawChoice(True)
    try:
        facts = core_io.raw_facts(path)
    except PhotoAIError:
        return RawChoice(True)  # opening it reports the problem
    chosen = RawDevelopDialog.ask(parent, path.name, facts, stored_options(settings))
    if chosen is None:
        return RawChoice(False)
    store_options(settings, chosen)
    return RawChoice(True, chosen)


class RawDevelopDialog(QDialog):
    """Exposure (automatic + EV offset) and white balance (as shot / auto / daylight / custom
    temperature and tint) for one raw; the controls a raw does not allow are disabled."""

    def __init__(self, name: str, facts: RawFacts, options: DevelopOptions, parent: QWidget | None = None):
        super().__init__(parent)
        self.facts = facts
        self._initial = options
        self.setWindowTitle(f"Develop {name}")
        lay = QVBoxLayout(self)
        scan = facts.kind == "scan"
        about = QLabel("A film scan holds the finished image: only its exposure can be changed." if scan
                       else "A camera raw: choose its exposure and white balance.")
        about.setWordWrap(True)
        lay.addWidget(about)
        form = QFormLayout()
        lay.addLayout(form)

        self.auto = QCheckBox("Automatic (as LibRaw: the brightest 1 % reach white)")
        self.auto.setChecked(options.auto_exposure and not scan)
        self.auto.setEnabled(not scan)
        form.addRow("Exposure:", self.auto)
        self.exposure = QDoubleSpinBox()
        self.exposure.setRange(*EXPOSURE_RANGE)
        self.exposure.setSingleStep(0.1)
        self.exposure.setDecimals(2)
        self.exposure.setSuffix(" EV")
        self.exposure.setValue(options.exposure)
        self.exposure.setToolTip("Added to the automatic exposure when it is on, else to the exposure as shot")
        form.addRow("Adjust:", self.exposure)

        self.white_balance = QComboBox()
        for key, label in WHITE_BALANCES.items():
            if key == "as_shot" and facts.as_shot:
                label = f"As shot ({facts.as_shot[0]:.0f} K, tint {facts.as_shot[1]:+.0f})"
            self.white_balance.addItem(label[:1].upper() + label[1:], key)
        custom = self.white_balance.findData("custom")
        if not facts.can_set_temperature:  # no colour matrix: no temperature
            self.white_balance.model().item(custom).setEnabled(False)  # type: ignore[attr-defined]
        wanted = options.white_balance if options.white_balance != "custom" or facts.can_set_temperature \
            else "as_shot"
        self.white_balance.setCurrentIndex(self.white_balance.findData(wanted))
        self.white_balance.setEnabled(not scan)
        form.addRow("White balance:", self.white_balance)

        start = (options.temperature, options.tint)
        if options.white_balance != "custom" and facts.as_shot:
            start = facts.as_shot  # a custom balance starts from the camera's
        self.temperature = QSpinBox()
        self.temperature.setRange(int(TEMPERATURE_RANGE[0]), int(TEMPERATURE_RANGE[1]))
        self.temperature.setSingleStep(50)
        self.temperature.setSuffix(" K")
        self.temperature.setValue(round(start[0]))
        self.temperature.setToolTip("The colour of the light to neutralise: lower makes the photo cooler")
        form.addRow("Temperature:", self.temperature)
        self.tint = QSpinBox()
        self.tint.setRange(int(TINT_RANGE[0]), int(TINT_RANGE[1]))
        self.tint.setValue(round(start[1]))
        self.tint.setToolTip("Positive corrects a greenish light (the photo turns magenta), negative a magenta one")
        form.addRow("Tint:", self.tint)
        self.white_balance.currentIndexChanged.connect(self._update)
        self._update()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Open")
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _update(self) -> None:
        custom = self.white_balance.isEnabled() and self.white_balance.currentData() == "custom"
        self.temperature.setEnabled(custom)
        self.tint.setEnabled(custom)

    def restore_defaults(self) -> None:
        defaults = DevelopOptions()
        self.auto.setChecked(defaults.auto_exposure and self.auto.isEnabled())
        self.exposure.setValue(defaults.exposure)
        self.white_balance.setCurrentIndex(self.white_balance.findData(defaults.white_balance))

    def options(self) -> DevelopOptions:
        """The options chosen (a scan: only the exposure changes; the rest stays for the next raw)."""
        exposure = round(self.exposure.value(), 2)
        if self.facts.kind == "scan":
            return replace(self._initial, exposure=exposure)
        return DevelopOptions(auto_exposure=self.auto.isChecked(), exposure=exposure,
                              white_balance=self.white_balance.currentData(),
                              temperature=float(self.temperature.value()), tint=float(self.tint.value()))

    @classmethod
    def ask(cls, parent: QWidget | None, name: str, facts: RawFacts, options: DevelopOptions) -> DevelopOptions | None:
        dlg = cls(name, facts, options, parent)
        return dlg.options() if dlg.exec() == QDialog.DialogCode.Accepted else None
