"""View > Inspect Model: look inside any installed model (the lecture's "what does a CNN learn").

Pick a model; the table lists its layers (type, output shape, parameters, receptive field so far). For the
selected layer the dock shows a convolution's filters (one shared colour scale), the activation maps of
every channel on the current photo or the part in view (on a proxy, strongest first; click one to lay it
over the photo, with an opacity slider), which channels respond most inside versus outside a painted
mask, and, with torch and one of PhotoAI's own networks, feature visualization. Every computation runs
on the panel's own :class:`~photoai.ui.jobs.JobRunner` with progress and Cancel; the window never waits.
The work itself is :mod:`photoai.runtime.inspector`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from photoai.core.geometry import Rect, Size
from photoai.core.jobs import RunContext
from photoai.core.models import ModelSpec
from photoai.runtime.inspector import Activation, FilterGrid, Layer, ModelInspector
from photoai.runtime.inspector.features import feature_problem
from photoai.runtime.inspector.render import colorize, filter_picture, grid, normalize, thumbnails
from photoai.ui.canvas.items import MapOverlayItem
from photoai.ui.convert import array_to_qimage
from photoai.ui.jobs import JobRunner
from photoai.ui.widgets.progress_panel import ProgressPanel

if TYPE_CHECKING:
    from photoai.core.document import Document
    from photoai.runtime.archs import Arch
    from photoai.ui.canvas.view import CanvasView
    from photoai.ui.main_window import MainWindow

#: Which layers the table lists: (label, test).
LAYER_FILTERS: tuple[tuple[str, Callable[[Layer], bool]], ...] = (
    ("Convolutions", lambda la: la.has_filters),
    ("Layers on the pixels", lambda la: la.on_pixels),
    ("Every node", lambda la: True),
)
COLUMNS = ("Layer", "Type", "Output", "Params", "Field")
WHOLE, IN_VIEW = "whole", "view"
ICON_SIDE = 96
MASK_ROWS = 8  # channels listed for "most inside" and "most outside"

OpenInspector = Callable[[ModelSpec], ModelInspector]


@dataclass
class LayerView:
    """What the worker computes for a selected layer: its filters and its activations on the photo."""

    layer: Layer
    layers: list[Layer]
    filters: FilterGrid | None
    filter_picture: np.ndarray | None
    activation: Activation | None
    region: Rect | None
    icons: list[np.ndarray]


def format_shape(shape: Sequence[Any] | None) -> str:
    return "?" if shape is None else "×".join("?" if d is None else str(d) for d in shape)


def _qpixmap(array: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(array_to_qimage(np.ascontiguousarray(array)))


class InspectorPanel(QWidget):
    """The dock's contents. ``runtime`` lists and locates models; ``canvas`` receives the overlay;
    ``document()`` is the open photo (or None); ``archs()`` PhotoAI's own architectures (feature
    visualization); ``open_inspector`` builds a :class:`ModelInspector` (tests inject slow fakes)."""

    view_ready = Signal()  # a layer's filters/activations are shown (tests wait on it)

    def __init__(self, runtime: Any, canvas: CanvasView | None = None,
                 document: Callable[[], Document | None] = lambda: None,
                 archs: Callable[[], Sequence[Arch]] | None = None,
                 open_inspector: OpenInspector | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.canvas = canvas
        self.document = document
        self.archs = archs
        self.open_inspector: OpenInspector = open_inspector or (
            lambda spec: ModelInspector(spec, providers=self._providers()))
        self.runner = JobRunner(None, self)
        self.inspector: ModelInspector | None = None
        self.layers: list[Layer] = []
        self.view: LayerView | None = None
        self.channel: int | None = None
        self.overlay: MapOverlayItem | None = None
        self._handlers: dict[int, Callable[[Any], None]] = {}
        self._networks: dict[str, Any] = {}
        self._listed = False
        self._build()
        self.runner.progress.connect(self.progress.set_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.progress.cancel_requested.connect(self.runner.cancel)

    # ================================================================= layout
    def _build(self) -> None:
        v = QVBoxLayout(self)
        v.setContentsMargins(8, 8, 8, 8)
        row = QHBoxLayout()
        self.model_combo = QComboBox()
        self.model_combo.setToolTip("Any installed model of any plugin")
        self.model_combo.activated.connect(lambda _i: self.open_model(self.model_combo.currentData()))
        refresh = QPushButton("Reload")
        refresh.setToolTip("List the installed models again (after importing one)")
        refresh.clicked.connect(self.refresh)
        row.addWidget(self.model_combo, 1)
        row.addWidget(refresh)
        v.addLayout(row)
        self.summary = QLabel("Pick a model to see its layers.")
        self.summary.setWordWrap(True)
        v.addWidget(self.summary)
        self.show_combo = QComboBox()
        for label, _test in LAYER_FILTERS:
            self.show_combo.addItem(label)
        self.show_combo.currentIndexChanged.connect(lambda _i: self._fill_table())
        v.addWidget(self.show_combo)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._on_layer_selected)
        v.addWidget(self.table, 2)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_filters(), "Filters")
        self.tabs.addTab(self._build_activations(), "Activations")
        self.tabs.addTab(self._build_mask(), "Mask")
        self.tabs.addTab(self._build_features(), "Features")
        v.addWidget(self.tabs, 3)
        row = QHBoxLayout()
        row.addWidget(QLabel("Overlay"))
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(70)
        self.opacity.setToolTip("Opacity of the channel laid over the photo")
        self.opacity.valueChanged.connect(self._apply_opacity)
        self.hide_overlay_button = QPushButton("Hide")
        self.hide_overlay_button.setToolTip("Take the channel off the photo")
        self.hide_overlay_button.clicked.connect(self.clear_overlay)
        row.addWidget(self.opacity, 1)
        row.addWidget(self.hide_overlay_button)
        v.addLayout(row)
        self.progress = ProgressPanel()
        v.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        v.addWidget(self.status)
        self._set_overlay_controls(False)

    def _build_filters(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.filter_image = QLabel()
        self.filter_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.filter_image)
        self.filter_caption = QLabel("Select a convolution.")
        self.filter_caption.setWordWrap(True)
        v.addWidget(scroll, 1)
        v.addWidget(self.filter_caption)
        return w

    def _build_activations(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        row = QHBoxLayout()
        self.area_combo = QComboBox()
        self.area_combo.addItem("Whole photo", WHOLE)
        self.area_combo.addItem("Part in view", IN_VIEW)
        self.area_combo.setToolTip("Inspect the whole photo or only what the canvas shows (both on a proxy)")
        self.run_button = QPushButton("Run on Photo")
        self.run_button.setToolTip("Compute this layer's activations on the photo (and the mask statistics)")
        self.run_button.clicked.connect(self.run_layer)
        row.addWidget(self.area_combo, 1)
        row.addWidget(self.run_button)
        v.addLayout(row)
        self.channel_list = QListWidget()
        self.channel_list.setViewMode(QListWidget.ViewMode.IconMode)
        self.channel_list.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.channel_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.channel_list.setMovement(QListWidget.Movement.Static)
        self.channel_list.setSpacing(2)
        self.channel_list.currentItemChanged.connect(
            lambda item, _old: self.show_channel(item.data(Qt.ItemDataRole.UserRole)) if item else None)
        v.addWidget(self.channel_list, 1)
        self.activation_caption = QLabel("Open a photo to see how the layer responds to it.")
        self.activation_caption.setWordWrap(True)
        v.addWidget(self.activation_caption)
        return w

    def _build_mask(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        self.mask_table = QTableWidget(0, 4)
        self.mask_table.setHorizontalHeaderLabels(("Channel", "Inside", "Outside", "Score"))
        self.mask_table.verticalHeader().setVisible(False)
        self.mask_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.mask_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mask_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.mask_table.itemSelectionChanged.connect(self._on_mask_row)
        self.mask_caption = QLabel("Paint a mask, then Run on Photo: the channels that respond most inside it "
                                   "(top) and outside it (bottom).")
        self.mask_caption.setWordWrap(True)
        v.addWidget(self.mask_table, 1)
        v.addWidget(self.mask_caption)
        return w

    def _build_features(self) -> QWidget:
        w = QWidget()
        v = QVBoxLayout(w)
        row = QHBoxLayout()
        row.addWidget(QLabel("Channels"))
        self.feature_count = QSpinBox()
        self.feature_count.setRange(1, 32)
        self.feature_count.setValue(8)
        self.feature_count.setToolTip("How many channels (the strongest on the photo, else the first ones)")
        self.feature_button = QPushButton("Visualize")
        self.feature_button.setToolTip("Find the image each channel responds to most (gradient ascent, needs "
                                       "PyTorch)")
        self.feature_button.clicked.connect(self.run_features)
        row.addWidget(self.feature_count)
        row.addStretch(1)
        row.addWidget(self.feature_button)
        v.addLayout(row)
        self.feature_image = QLabel()
        self.feature_image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.feature_image)
        v.addWidget(scroll, 1)
        self.feature_caption = QLabel()
        self.feature_caption.setWordWrap(True)
        v.addWidget(self.feature_caption)
        return w

    # ================================================================= models
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._listed:
            self.refresh()

    def refresh(self) -> None:
        """List the installed ONNX models (the current one stays selected)."""
        self._listed = True
        current = self.model_combo.currentData()
        self.model_combo.clear()
        try:
            specs = [s for s in self.runtime.models() if s.format == "onnx"]
        except Exception as e:  # noqa: BLE001 - a broken manifest must not break the dock
            specs = []
            self.status.setText(f"Cannot list the models: {e}")
        for s in specs:
            self.model_combo.addItem(f"{s.label()} · {s.id}", s.id)
        if not specs:
            self.summary.setText("No models are installed.")
            return
        index = max(0, self.model_combo.findData(current))
        self.model_combo.setCurrentIndex(index)
        if self.inspector is None or self.inspector.spec.id != self.model_combo.currentData():
            self.open_model(self.model_combo.currentData())

    def open_model(self, model_id: str) -> int | None:
        """Read ``model_id``'s graph and list its layers (on the worker)."""
        if not model_id:
            return None
        spec = self.runtime.spec(model_id)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(model_id)))
        self.inspector, self.layers, self.view = None, [], None
        self.clear_overlay()
        self.table.setRowCount(0)
        self._clear_views()
        self.summary.setText(f"Reading {spec.label()}…")
        open_inspector = self.open_inspector

        def job(ctx: RunContext) -> tuple[ModelInspector, list[Layer]]:
            ctx.progress(0, 1, "Reading the graph")
            inspector = open_inspector(spec)
            ctx.raise_if_cancelled()
            return inspector, inspector.layers(ctx=ctx)

        return self._submit(f"Inspecting {spec.label()}", job, self._on_model_read)

    def _on_model_read(self, result: tuple[ModelInspector, list[Layer]]) -> None:
        self.inspector, self.layers = result
        spec = self.inspector.spec
        inputs = ", ".join(f"{s.name} ({s.channels} ch{', mask' if s.mask else ''})" for s in self.inspector.slots)
        convs = sum(la.has_filters for la in self.layers)
        self.summary.setText(f"<b>{spec.label()}</b>: {self.inspector.total_params:,} parameters, "
                             f"{len(self.layers)} layers, {convs} convolutions; input {inputs}, color {spec.color}")
        self._fill_table()
        problem = feature_problem(spec, self.runtime.models())
        self.feature_caption.setText(problem or "Gradient ascent on the input (jitter, 1/f Fourier parameters).")
        self.feature_button.setEnabled(not problem)
        rows = self._visible_layers()
        if rows:
            self.table.selectRow(0)

    # ================================================================= layers
    def _visible_layers(self) -> list[Layer]:
        test = LAYER_FILTERS[self.show_combo.currentIndex()][1]
        return [la for la in self.layers if test(la)]

    def _fill_table(self) -> None:
        selected = self.selected_layer()
        layers = self._visible_layers()
        self.table.blockSignals(True)
        self.table.setRowCount(len(layers))
        for r, la in enumerate(layers):
            cells = (la.label(), la.op, format_shape(la.output_shape), f"{la.params:,}" if la.params else "",
                     la.receptive_text())
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 0:
                    item.setData(Qt.ItemDataRole.UserRole, la.name)
                    item.setToolTip(f"{la.name}\ninputs: " + ", ".join(
                        f"{t.name} {format_shape(t.shape)}" for t in la.inputs))
                if c == 4:
                    item.setToolTip("Receptive field so far, in input pixels (+ global: something before mixed "
                                    "the whole image)")
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        if selected is not None:
            for r, la in enumerate(layers):
                if la.name == selected.name:
                    self.table.blockSignals(True)
                    self.table.selectRow(r)
                    self.table.blockSignals(False)

    def selected_layer(self) -> Layer | None:
        items = self.table.selectedItems()
        first = self.table.item(items[0].row(), 0) if items else None
        if first is None:
            return None
        name = first.data(Qt.ItemDataRole.UserRole)
        return next((la for la in self.layers if la.name == name), None)

    def select_layer(self, key: str) -> bool:
        """Select the layer ``key`` names (its name or label); False when the table does not list it."""
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            if item is not None and key in (item.data(Qt.ItemDataRole.UserRole), item.text()):
                self.table.selectRow(r)
                return True
        return False

    def _on_layer_selected(self) -> None:
        if self.selected_layer() is not None:
            self.run_layer()

    # ================================================================= layer view
    def _region(self, size: Size) -> Rect:
        canvas = self.canvas
        if self.area_combo.currentData() != IN_VIEW or canvas is None or canvas.comparing:
            return Rect(0, 0, size.width, size.height)
        r = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
        x0, y0 = max(0, int(r.left())), max(0, int(r.top()))
        x1, y1 = min(size.width, int(r.right()) + 1), min(size.height, int(r.bottom()) + 1)
        return Rect(x0, y0, x1 - x0, y1 - y0) if x1 > x0 and y1 > y0 else Rect(0, 0, size.width, size.height)

    def run_layer(self) -> int | None:
        """Compute the selected layer's filters and, with a photo open, its activations (on the worker)."""
        layer, inspector = self.selected_layer(), self.inspector
        if layer is None or inspector is None:
            return None
        doc, known = self.document(), self.layers
        rgb = mask = region = None
        if doc is not None:
            rgb = doc.image.rgb
            mask = doc.mask.copy() if doc.has_mask else None
            region = self._region(doc.image.size)

        def job(ctx: RunContext) -> LayerView:
            filters = inspector.filters(layer) if layer.is_conv else None
            picture = filter_picture(filters) if filters is not None else None
            activation, layers, icons = None, known, []
            if rgb is not None and layer.outputs:
                ctx.progress(0, 1, f"Running {layer.label()} on the photo")
                probe = inspector.probe(rgb, mask, region)
                layers = inspector.layers(probe, ctx)
                activation = inspector.activations(probe, [layer], ctx)[0]
                tiles = normalize(thumbnails(activation.maps[activation.order], ICON_SIDE)[..., 0])
                icons = [(t * 255 + 0.5).astype(np.uint8) for t in tiles]
            return LayerView(layer, layers, filters, picture, activation, region, icons)

        return self._submit(f"Layer {layer.label()}", job, self._on_layer_view)

    def _on_layer_view(self, view: LayerView) -> None:
        self.view = view
        self.clear_overlay()
        if view.layers is not self.layers and len(view.layers) == len(self.layers):
            self.layers = view.layers  # the same graph, shapes for this photo
            self._fill_table()
        if view.filters is not None and view.filter_picture is not None:
            self.filter_image.setPixmap(_qpixmap(view.filter_picture))
            self.filter_caption.setText(view.filters.caption())
        else:
            self.filter_image.clear()
            self.filter_caption.setText(f"{view.layer.label()} is a {view.layer.op}: it has no filters.")
        self._show_activation(view)
        self.view_ready.emit()

    def _show_activation(self, view: LayerView | None) -> None:
        self.channel_list.blockSignals(True)
        self.channel_list.clear()
        act = view.activation if view is not None else None
        if view is None or act is None:
            self.channel_list.blockSignals(False)
            self.activation_caption.setText("Open a photo to see how the layer responds to it.")
            self._show_mask(None)
            return
        for c, icon in zip(act.order, view.icons, strict=True):
            item = QListWidgetItem(QIcon(_qpixmap(icon)), f"{int(c)}")
            item.setData(Qt.ItemDataRole.UserRole, int(c))
            item.setToolTip(f"channel {int(c)}: mean {act.means[c]:.4g}")
            self.channel_list.addItem(item)
        self.channel_list.blockSignals(False)
        h, w = act.maps.shape[1:]
        where = "the part in view" if self.area_combo.currentData() == IN_VIEW else "the photo"
        self.activation_caption.setText(f"{act.channels} channels on {where} ({w}×{h} proxy), strongest mean "
                                        "first, each on its own scale. Click one to lay it over the photo.")
        self._show_mask(act)

    def _show_mask(self, act: Activation | None) -> None:
        self.mask_table.setRowCount(0)
        response = act.mask if act is not None else None
        if response is None:
            self.mask_caption.setText("Paint a mask, then Run on Photo: the channels that respond most inside "
                                      "it (top) and outside it (bottom).")
            return
        rows = response.top_inside(MASK_ROWS) + [c for c in response.top_outside(MASK_ROWS)
                                                 if c not in response.top_inside(MASK_ROWS)]
        self.mask_table.setRowCount(len(rows))
        for r, c in enumerate(rows):
            values = (str(c), f"{response.inside[c]:.4g}", f"{response.outside[c]:.4g}", f"{response.score[c]:+.2f}")
            for k, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, c)
                self.mask_table.setItem(r, k, item)
        self.mask_caption.setText(f"The mask covers {response.coverage:.0%} of the map. Score: inside minus "
                                  "outside mean, in units of the channel's spread; top rows respond most inside.")

    def _on_mask_row(self) -> None:
        items = self.mask_table.selectedItems()
        if items:
            self.show_channel(int(items[0].data(Qt.ItemDataRole.UserRole)))

    # ================================================================= overlay
    def show_channel(self, channel: int) -> None:
        """Lay ``channel``'s activation map over the photo (colourized, at the slider's opacity)."""
        view = self.view
        if view is None or view.activation is None or view.region is None or self.canvas is None:
            return
        self.channel = channel
        picture = array_to_qimage(colorize(view.activation.maps[channel]))
        if self.overlay is None:
            self.overlay = MapOverlayItem(self.canvas.image_item)
        self.overlay.set_picture(picture, view.region)
        self.overlay.setVisible(True)
        self._apply_opacity()
        self._set_overlay_controls(True)
        self.status.setText(f"Channel {channel} of {view.layer.label()} over the photo.")

    def clear_overlay(self) -> None:
        if self.overlay is not None:
            self.overlay.setVisible(False)
        self.channel = None
        self._set_overlay_controls(False)

    def set_overlay_visible(self, visible: bool) -> None:
        """Hide the overlay while the dock is hidden; show it again (if a channel is chosen) when it returns."""
        if self.overlay is not None:
            self.overlay.setVisible(visible and self.channel is not None)

    def _apply_opacity(self) -> None:
        if self.overlay is not None:
            self.overlay.setOpacity(self.opacity.value() / 100.0)

    def _set_overlay_controls(self, on: bool) -> None:
        self.opacity.setEnabled(on)
        self.hide_overlay_button.setEnabled(on)

    def document_changed(self) -> None:
        """A new photo or new pixels (Keep, Undo, Redo): old activations and the overlay no longer apply; the
        selected layer runs again."""
        self.clear_overlay()
        self.view = None
        self._show_activation(None)
        if self.isVisible() and self.selected_layer() is not None:
            self.run_layer()

    # ================================================================= features
    def run_features(self) -> int | None:
        """Visualize the strongest channels of the selected convolution by gradient ascent (torch)."""
        layer, inspector = self.selected_layer(), self.inspector
        if layer is None or inspector is None or not layer.has_filters:
            self.feature_caption.setText("Select a convolution first.")
            return None
        spec, models, archs = inspector.spec, self.runtime.models(), self.archs or (lambda: [])
        order = self.view.activation.order if self.view is not None and self.view.activation is not None and \
            self.view.layer.name == layer.name else None
        count = min(self.feature_count.value(), int(layer.weight_shape[0]) if layer.weight_shape else 1)
        channels = [int(c) for c in (order[:count] if order is not None else range(count))]
        networks = self._networks

        def job(ctx: RunContext) -> tuple[np.ndarray, list[int]]:
            from photoai.runtime.inspector.ascent import visualize
            from photoai.runtime.inspector.features import open_network

            ctx.progress(0, 1, "Building the torch network")
            if spec.id not in networks:
                networks[spec.id] = open_network(spec, models, archs)
            images = visualize(networks[spec.id], inspector.weights(layer), channels, spec, ctx=ctx.sub(0.05, 1.0))
            return grid(images, min(len(channels), 4), zoom=2, gap=2), channels

        return self._submit(f"Features of {layer.label()}", job, self._on_features)

    def _on_features(self, result: tuple[np.ndarray, list[int]]) -> None:
        picture, channels = result
        self.feature_image.setPixmap(_qpixmap(picture))
        self.feature_caption.setText("What channels " + ", ".join(map(str, channels)) + " respond to most, "
                                     "left to right, top to bottom.")

    # ================================================================= jobs
    def _submit(self, title: str, job: Callable[[RunContext], Any], handler: Callable[[Any], None]) -> int:
        self.status.setText("")
        self.progress.start(title)
        job_id = self.runner.submit(job)
        self._handlers = {job_id: handler}  # an older job's result is stale
        return job_id

    def _on_finished(self, job_id: int, result: Any) -> None:
        self.progress.finish()
        handler = self._handlers.pop(job_id, None)
        if handler is not None:
            handler(result)

    def _on_failed(self, job_id: int, message: str) -> None:
        self.progress.finish()
        self._handlers.pop(job_id, None)
        self.status.setText(f"<span style='color:#d04040'>{message}</span>")
        if self.inspector is None:
            self.summary.setText("The model could not be read.")

    def _on_cancelled(self, job_id: int) -> None:
        self.progress.finish()
        self._handlers.pop(job_id, None)
        self.status.setText("Cancelled.")

    def _clear_views(self) -> None:
        self.filter_image.clear()
        self.filter_caption.setText("Select a convolution.")
        self.feature_image.clear()
        self._show_activation(None)

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        return self.runner.shutdown(timeout_ms)

    def _providers(self) -> list[str] | None:
        providers = getattr(self.runtime, "providers", None)
        return (providers() or None) if callable(providers) else None


class InspectorDock(QDockWidget):
    """The "Inspect Model" dock around an :class:`InspectorPanel`."""

    def __init__(self, panel: InspectorPanel, parent: QWidget | None = None) -> None:
        super().__init__("Inspect Model", parent)
        self.setObjectName("inspectorDock")
        self.panel = panel
        self.setWidget(panel)
        self.setMinimumWidth(320)
        self.visibilityChanged.connect(panel.set_overlay_visible)


def add_inspector_dock(window: MainWindow) -> InspectorDock:
    """Create the dock for the editor window (hidden; View > Inspect Model shows it) and connect it."""
    from photoai.plugin_api.models import plugin_archs

    panel = InspectorPanel(window.runtime, window.canvas, lambda: window.document,
                           lambda: plugin_archs(window.registry))
    dock = InspectorDock(panel, window)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    dock.hide()
    window.document_opened.connect(lambda _path: panel.document_changed())
    window.image_changed.connect(lambda: panel.document_changed())  # Keep/Undo/Redo: activations are stale
    return dock


__all__ = ["InspectorDock", "InspectorPanel", "add_inspector_dock"]
