"""Progress of the running job: a bar, the current stage and a Cancel button."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from photoai.ui.jobs import PROGRESS_STEPS as STEPS


class ProgressPanel(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.setSpacing(4)
        top = QHBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600;")
        self.elapsed = QLabel()
        self.elapsed.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.title, 1)
        top.addWidget(self.elapsed)
        lay.addLayout(top)
        row = QHBoxLayout()
        self.bar = QProgressBar()
        self.bar.setRange(0, STEPS)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job (the photo is left unchanged)")
        self.cancel_button.clicked.connect(self._cancel)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        lay.addLayout(row)
        self.stage = QLabel()
        self.stage.setEnabled(False)  # secondary text colour
        lay.addWidget(self.stage)
        self._t0 = 0.0
        self.setVisible(False)

    def start(self, title: str) -> None:
        self._t0 = time.monotonic()
        self.title.setText(title)
        self.stage.setText("Starting…")
        self.elapsed.setText("")
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.setVisible(True)

    def set_progress(self, fraction: float, stage: str) -> None:
        self.bar.setValue(int(min(max(fraction, 0.0), 1.0) * STEPS))  # as the runner counts steps
        if stage:
            self.stage.setText(stage)
        self.elapsed.setText(f"{time.monotonic() - self._t0:.1f} s")

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.cancel_requested.emit()

    def finish(self) -> float:
        """Hide; returns the seconds the job took."""
        self.setVisible(False)
        return time.monotonic() - self._t0
