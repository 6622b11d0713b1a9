"""Edit > Models...: every installed model (built-in and imported) with its facts; import and remove.

The dialog knows the runtime (to list) and two callables (to import and remove), so tests drive it
with fakes and the editor passes ``photoai.plugin_api.models.import_weights`` / ``remove_model``.
Importing (seconds: conversion to ONNX) runs off the GUI thread with the window repainting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from photoai.core.errors import PhotoAIError
from photoai.core.models import ModelProvider, ModelSpec
from photoai.ui import dialogs
from photoai.ui.jobs import run_while_painting

Importer = Callable[[Path, str, int | None], ModelSpec]
Remover = Callable[[str], Any]
COLUMNS = ("Model", "Id", "Task", "Architecture", "Source", "sha256", "Size")
WEIGHTS_FILTER = "PyTorch weights (*.pth *.pt *.ckpt *.bin *.safetensors);;All files (*)"


def suggest_id(path: Path) -> str:
    """A valid model id from a file name: ``FSRCNN_x3.pth`` -> ``fsrcnn_x3``."""
    stem = re.sub(r"[^a-z0-9_.-]+", "-", path.stem.lower()).strip("-._")
    return (stem or "model")[:64]


def choose_weights_file(parent: QWidget | None) -> Path | None:
    """The file dialog (a module function so tests can replace it)."""
    name, _ = QFileDialog.getOpenFileName(parent, "Import model weights", "", WEIGHTS_FILTER)
    return Path(name) if name else None


class ImportOptions(QDialog):
    """Model id and scale for one import."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import model")
        form = QFormLayout(self)
        form.addRow("File", QLabel(path.name))
        self.id_edit = QLineEdit(suggest_id(path))
        self.id_edit.setToolTip("How the model is named in the plugin's Model list and in --set model=ID")
        form.addRow("Id", self.id_edit)
        self.scale = QComboBox()
        for label, value in (("Auto (from the weights or the file name)", None), ("x2", 2), ("x3", 3), ("x4", 4)):
            self.scale.addItem(label, value)
        self.scale.setToolTip("Super-resolution weights of some architectures (FSRCNN) do not say their scale")
        form.addRow("Scale", self.scale)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, int | None]:
        return self.id_edit.text().strip(), self.scale.currentData()


class ModelsDialog(QDialog):
    """The model list with Import... and Remove; ``changed`` fires after either succeeded."""

    changed = Signal()

    def __init__(self, runtime: ModelProvider, importer: Importer, remover: Remover,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.importer = importer
        self.remover = remover
        self.setWindowTitle("Models")
        self.resize(900, 420)
        lay = QVBoxLayout(self)
        intro = QLabel("Models the plugins can run. Import PyTorch weights of a known architecture to use your "
                       "own; imported models appear in their plugin's Model list.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        lay.addWidget(self.table, 1)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #d08770")
        lay.addWidget(self.problems)
        row = QHBoxLayout()
        self.import_button = QPushButton("Import...")
        self.import_button.clicked.connect(self._import_clicked)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self._remove_clicked)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(self.import_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(close)
        lay.addLayout(row)
        self.populate()

    # -- listing --------------------------------------------------------------------
    def populate(self) -> None:
        specs = sorted(self.runtime.models(), key=lambda s: (s.task, s.imported, s.id))
        self.table.setRowCount(len(specs))
        for r, spec in enumerate(specs):
            for c, text in enumerate(self._cells(spec)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, spec.id)
                item.setToolTip(spec.description or spec.label())
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        failures = getattr(getattr(self.runtime, "manifest", None), "failures", [])
        self.problems.setText("\n".join(failures))
        self.problems.setVisible(bool(failures))
        self._update_buttons()

    @staticmethod
    def _cells(spec: ModelSpec) -> tuple[str, ...]:
        source = f"imported from {spec.source.get('file', '?')}" if spec.imported else "built-in"
        try:
            size = f"{spec.path.stat().st_size / 1e6:.1f} MB"
        except OSError:
            size = "missing"
        return (spec.label(), spec.id, spec.task, spec.arch, source, spec.sha256[:12], size)

    def selected_spec(self) -> ModelSpec | None:
        items = self.table.selectedItems()
        return self.runtime.spec(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def _update_buttons(self) -> None:
        spec = self.selected_spec()
        self.remove_button.setEnabled(spec is not None and spec.imported)
        self.remove_button.setToolTip("" if spec is None or spec.imported else "Built-in models cannot be removed")

    def select(self, model_id: str) -> None:
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == model_id:
                self.table.selectRow(r)

    # -- actions --------------------------------------------------------------------
    def _import_clicked(self) -> None:
        path = choose_weights_file(self)
        if path is None:
            return
        options = ImportOptions(path, self)
        if options.exec() == QDialog.DialogCode.Accepted:
            self.import_file(path, *options.values())

    def import_file(self, path: Path, model_id: str, scale: int | None = None) -> ModelSpec | None:
        """Import (off the GUI thread), list the new model and select it; errors become a message."""
        try:
            spec = run_while_painting(self, f"Importing {path.name}...", lambda: self.importer(path, model_id, scale))
        except PhotoAIError as e:
            dialogs.show_error(self, "Import failed", str(e))
            return None
        self._changed()
        self.select(spec.id)
        return spec

    def _remove_clicked(self) -> None:
        spec = self.selected_spec()
        if spec is not None and dialogs.confirm(self, "Remove model", f"Remove the imported model “{spec.label()}”?",
                                                f"{spec.path.name} is deleted from {spec.root}.", "Remove"):
            self.remove(spec.id)

    def remove(self, model_id: str) -> None:
        try:
            self.remover(model_id)
        except PhotoAIError as e:
            dialogs.show_error(self, "Remove failed", str(e))
            return
        self._changed()

    def _changed(self) -> None:
        reload = getattr(self.runtime, "reload", None)
        if reload is not None:
            reload()
        self.populate()
        self.changed.emit()
