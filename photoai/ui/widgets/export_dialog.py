"""Export: the file name (a save dialog), then the format's options (quality, bit depth, metadata).

The formats are ``photoai.core.export.EXPORT_FORMATS``; writing is ``core.export.save``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from photoai.core import export as core_export
from photoai.core.errors import ImageWriteError
from photoai.core.export import ExportFormat

#: The order of the dialog's file type list (formats the core adds later come after these).
_ORDER = ("PNG", "JPEG", "TIFF", "WEBP")


def _sorted_formats() -> tuple[ExportFormat, ...]:
    rank = {name: i for i, name in enumerate(_ORDER)}
    return tuple(sorted(core_export.EXPORT_FORMATS.values(), key=lambda f: rank.get(f.name, len(rank))))


#: The formats in the order the dialog lists them.
FORMATS: tuple[ExportFormat, ...] = _sorted_formats()


def file_filter(fmt: ExportFormat) -> str:
    """The save dialog's name filter for ``fmt``, e.g. ``JPEG image (*.jpg *.jpeg)``."""
    return f"{fmt.title} ({' '.join('*' + e for e in fmt.extensions)})"


def format_for_path(path: str | Path) -> ExportFormat | None:
    """The format of ``path``'s extension, or None when it has none that can be written."""
    try:
        return core_export.format_for_path(path)
    except ImageWriteError:
        return None


def format_for_filter(selected_filter: str) -> ExportFormat | None:
    return next((f for f in FORMATS if file_filter(f) == selected_filter), None)


def default_format(source_format: str | None) -> ExportFormat:
    """The source's own format when it can be written (camera raw: TIFF), else the first listed (PNG)."""
    name = source_format or ""
    return core_export.find_format("TIFF" if name.upper() == "RAW" else name) or FORMATS[0]


@dataclass(frozen=True)
class ExportOptions:
    quality: int = 95
    bit_depth: int = 8
    lossless: bool = False
    keep_metadata: bool = True


def ask_export_path(parent: QWidget | None, suggested: Path, fmt: ExportFormat) -> tuple[Path, ExportFormat] | None:
    """The save dialog; adds the extension of the chosen filter when the name has none."""
    filters = ";;".join(file_filter(f) for f in FORMATS)
    name, selected = QFileDialog.getSaveFileName(parent, "Export Image", str(suggested), filters, file_filter(fmt))
    if not name:
        return None
    path = Path(name)
    chosen = format_for_path(path)
    if chosen is None:
        chosen = format_for_filter(selected) or fmt
        path = path.with_name(path.name + chosen.extensions[0])
    return path, chosen


class ExportOptionsDialog(QDialog):
    """Quality for JPEG/WebP, bit depth for PNG/TIFF (16-bit offered first when the source had it)."""

    def __init__(self, fmt: ExportFormat, source_bit_depth: int, quality: int = 95, parent: QWidget | None = None):
        super().__init__(parent)
        self.fmt = fmt
        self.setWindowTitle(f"Export as {fmt.name}")
        lay = QVBoxLayout(self)
        form = QFormLayout()
        lay.addLayout(form)
        self.quality: QSpinBox | None = None
        self.bit_depth: QComboBox | None = None
        quality_row: QWidget | None = None
        if fmt.has_quality:
            quality_row = row = QWidget()
            h = QHBoxLayout(row)
            h.setContentsMargins(0, 0, 0, 0)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(1, 100)
            self.quality = QSpinBox()
            self.quality.setRange(1, 100)
            slider.valueChanged.connect(self.quality.setValue)
            self.quality.valueChanged.connect(slider.setValue)
            self.quality.setValue(int(quality))
            h.addWidget(slider, 1)
            h.addWidget(self.quality)
            form.addRow("Quality:", row)
        if len(fmt.bit_depths) > 1:
            self.bit_depth = QComboBox()
            for bits in fmt.bit_depths:
                self.bit_depth.addItem(f"{bits}-bit per channel", bits)
            self.bit_depth.setCurrentIndex(self.bit_depth.findData(16 if source_bit_depth >= 16 else 8))
            form.addRow("Bit depth:", self.bit_depth)
            if source_bit_depth >= 16:
                note = QLabel("The source photo has 16 bits per channel.")
                note.setEnabled(False)
                form.addRow("", note)
        self.lossless: QCheckBox | None = None
        if fmt.supports_lossless:
            self.lossless = QCheckBox("Lossless")
            if quality_row is not None:
                self.lossless.toggled.connect(quality_row.setDisabled)
            form.addRow("", self.lossless)
        self.metadata: QCheckBox | None = None
        if fmt.supports_metadata:
            self.metadata = QCheckBox("Keep EXIF metadata")
            self.metadata.setChecked(True)
            self.metadata.setToolTip("Camera, date and GPS data from the original photo")
            form.addRow("", self.metadata)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def options(self) -> ExportOptions:
        return ExportOptions(
            quality=self.quality.value() if self.quality is not None else 95,
            bit_depth=int(self.bit_depth.currentData()) if self.bit_depth is not None else 8,
            lossless=self.lossless.isChecked() if self.lossless is not None else False,
            keep_metadata=self.metadata.isChecked() if self.metadata is not None else True,
        )

    @classmethod
    def ask(cls, parent: QWidget | None, fmt: ExportFormat, source_bit_depth: int,
            quality: int = 95) -> ExportOptions | None:
        dlg = cls(fmt, source_bit_depth, quality, parent)
        return dlg.options() if dlg.exec() == QDialog.DialogCode.Accepted else None
