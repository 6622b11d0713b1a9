"""The Keep/Discard bar that floats over the top of the canvas while a result waits: what it is, view mode,
Discard and Keep (see :meth:`photoai.ui.canvas.view.CanvasView.set_overlay`)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class CompareBar(QFrame):
    keep_requested = Signal()
    discard_requested = Signal()
    mode_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareBar")
        self.setFrameShape(QFrame.Shape.NoFrame)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(6)
        self.label = QLabel()
        self.label.setObjectName("compareLabel")
        lay.addWidget(self.label, 1)

        self.mode_buttons: dict[str, QToolButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        for mode, text, tip in (
            ("split", "Split", "Before left of the divider, result right of it (\\ toggles)"),
            ("before", "Before", "Show the photo as it was"),
            ("after", "After", "Show only the result (\\ toggles)"),
        ):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setCheckable(True)
            b.setAutoRaise(False)
            b.clicked.connect(lambda _c=False, m=mode: self.mode_requested.emit(m))
            group.addButton(b)
            lay.addWidget(b)
            self.mode_buttons[mode] = b
        lay.addSpacing(12)
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Throw the result away (Esc)")
        self.keep_button = QPushButton("Keep")
        self.keep_button.setObjectName("keepButton")
        self.keep_button.setToolTip("Apply the result to the photo (Enter); Ctrl+Z undoes it")
        self.discard_button.clicked.connect(self.discard_requested)
        self.keep_button.clicked.connect(self.keep_requested)
        lay.addWidget(self.discard_button)
        lay.addWidget(self.keep_button)
        self.setVisible(False)

    def show_result(self, title: str, before: tuple[int, int], after: tuple[int, int], seconds: float | None) -> None:
        size = f"{before[0]}×{before[1]}" if before == after else f"{before[0]}×{before[1]} → {after[0]}×{after[1]}"
        took = f" · {seconds:.1f} s" if seconds is not None else ""
        self.label.setText(f"<b>{title}</b> result · {size}{took} — keep it?")
        self.setVisible(True)

    def set_mode(self, mode: str) -> None:
        if mode in self.mode_buttons:
            self.mode_buttons[mode].setChecked(True)
