"""The editor window: a thin Qt layer over :class:`photoai.core.document.Document`.

The window owns no image logic. It opens files through ``photoai.core.io``, exports through
``photoai.core.export``, paints through the document's stroke API, runs plugins through
:class:`photoai.ui.jobs.JobRunner` and shows pending results with the canvas' split view.
The plugin registry and the model runtime are injected (no globals).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEventLoop, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from photoai import __version__
from photoai.core import mask_ops
from photoai.core.document import Document
from photoai.core.errors import PhotoAIError
from photoai.core.image import ImageBuffer
from photoai.core.mask import BrushSettings
from photoai.core.params import Param
from photoai.core.raw import DevelopOptions
from photoai.plugin_api.execute import NEEDS_RAW, LiveResult, raw_unavailable
from photoai.plugin_api.models import resolve_params
from photoai.plugin_api.plugin import Plugin, live_keys
from photoai.plugin_api.registry import PluginRegistry
from photoai.ui import dialogs, menus
from photoai.ui.canvas.brush import BrushController
from photoai.ui.canvas.view import CanvasView
from photoai.ui.display import DisplayCache
from photoai.ui.hints import WindowHints
from photoai.ui.jobs import JobRunner, run_while_painting
from photoai.ui.live import LiveRenderer, Rendered
from photoai.ui.preview import WindowPreviews
from photoai.ui.qsettings import Settings
from photoai.ui.saved_state import SavedState, mask_print
from photoai.ui.warmup import WindowWarmup
from photoai.ui.widgets import export_dialog, raw_dialog
from photoai.ui.widgets.brush_options import BrushOptions
from photoai.ui.widgets.compare_bar import CompareBar
from photoai.ui.widgets.inspector import add_inspector_dock
from photoai.ui.widgets.plugin_panel import PluginPanel
from photoai.ui.widgets.progress_panel import ProgressPanel

log = logging.getLogger(__name__)

#: Mask > Grow / Shrink / Feather: title, radius prompt, and the core operation (mask, radius) -> mask.
MASK_EDITS: dict[str, tuple[str, str, Callable[[np.ndarray, int], np.ndarray]]] = {
    "grow": ("Grow Mask", "Grow the mask by (px):", mask_ops.grow_mask),
    "shrink": ("Shrink Mask", "Shrink the mask by (px):", lambda m, r: mask_ops.grow_mask(m, -r)),
    "feather": ("Feather Mask", "Soften the mask edge over (px):", mask_ops.feather_mask),
}

#: Files larger than this, or photos of more pixels, are decoded on a worker thread (the window stays responsive).
BACKGROUND_LOAD_BYTES = 8 << 20
BACKGROUND_LOAD_PIXELS = 2_000_000
APP_NAME = "PhotoAI"


def read_extensions() -> tuple[frozenset[str], frozenset[str]]:
    """(all readable extensions, camera raw extensions) from ``photoai.core.io``."""
    from photoai.core import io as core_io

    return frozenset(core_io.SUPPORTED_READ_EXTENSIONS), frozenset(core_io.RAW_EXTENSIONS)


def open_filter() -> str:
    """The Open dialog's name filter, built from what ``photoai.core.io`` reads."""
    supported, raw = read_extensions()

    def pattern(exts):
        exts = sorted(exts)
        return " ".join([f"*{e}" for e in exts] + [f"*{e.upper()}" for e in exts])

    return ";;".join([
        f"Images ({pattern(supported)})",
        f"Camera raw ({pattern(raw)})",
        "All files (*)",
    ])


@dataclass
class _Job:
    plugin: Plugin
    values: dict[str, Any]
    image: ImageBuffer
    started: float
    replaces: bool = False  # the result replaces the pending one (run again with other colour hints)


@dataclass
class _Export:
    """An export being written in the background: the document and the image it writes, and where."""

    document: Document
    image: ImageBuffer
    path: Path


class MainWindow(QMainWindow):
    """Signals for observers and tests: ``document_opened(path)``, ``job_ended(outcome)``
    (``"proposed"``, ``"failed"``, ``"cancelled"`` or ``"dropped"``), ``export_ended(written)``.

    Nothing slow runs on the GUI thread (issue 15, ``bench/ui_stalls.py``): plugins, decoding, exports and the
    screen pictures of large images (:mod:`photoai.ui.display`) are made on workers."""

    document_opened = Signal(object)
    #: the open photo's pixels changed (Keep, Undo, Redo of a kept result); not emitted for a new photo
    image_changed = Signal()
    job_ended = Signal(str)
    export_ended = Signal(bool)

    def __init__(
        self,
        registry: PluginRegistry,
        runtime: Any,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.registry = registry
        self.runtime = runtime
        self.settings = settings or Settings()
        self.document: Document | None = None
        self.saved: SavedState | None = None  # what of the document is written out
        self._unsubscribe: list = []
        self._job: _Job | None = None
        self._live_progress = False  # the progress panel shows a slow live render
        self._last_run_seconds: float | None = None
        self._loading: Path | None = None

        stored = self.settings.brush()
        self.brush = BrushController(BrushSettings(size=stored.get("size", 60.0), hardness=stored.get("hardness", 0.7),
                                                   opacity=stored.get("opacity", 1.0)))
        self.runner = JobRunner(runtime, self)
        self.loader = JobRunner(None, self)
        self.exporter = JobRunner(None, self, max_threads=1)  # File > Export writes in the background
        self._export: _Export | None = None
        self.display = DisplayCache()  # the screen pictures of large images, made on workers
        self.converter = JobRunner(None, self, max_threads=1)
        self.live = LiveRenderer(runtime, self)  # a LivePlugin's result follows its live sliders

        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks)
        self._build_central()
        self._build_dock()
        self.inspector_dock = add_inspector_dock(self)  # View > Inspect Model
        self.act = menus.Actions(self)
        self.recent_menu = menus.build_menus(self, self.act)
        self.brush_options = BrushOptions(self.brush)
        self.main_toolbar = menus.build_toolbar(self, self.act, self.brush_options)
        self._build_status_bar()
        self._connect()
        self.hints = WindowHints(self)  # colour hints: the canvas tool, the form's row, re-runs
        self.previews = WindowPreviews(self)  # a changed value: a preview of what is on screen, then the result
        self.warmup = WindowWarmup(self)  # the selected plugin's models load before its first Run
        self._restore()
        self._update_state()

    # ================================================================= construction
    def _build_central(self) -> None:
        self.canvas = CanvasView()
        self.canvas.set_brush(self.brush)
        self.canvas.placeholder = "Open a photo (Ctrl+O) or drop one here"
        self.compare_bar = CompareBar()
        self.canvas.set_overlay(self.compare_bar)  # floats over the photo: the canvas never moves
        self.setCentralWidget(self.canvas)

    def _build_dock(self) -> None:
        self.plugin_panel = PluginPanel(self.registry, self.settings, params_for=self.plugin_params)
        self.progress_panel = ProgressPanel()
        holder = QWidget()
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 8)
        v.setSpacing(0)
        v.addWidget(self.plugin_panel, 1)
        pp = QWidget()
        pl = QVBoxLayout(pp)
        pl.setContentsMargins(8, 0, 8, 0)
        pl.addWidget(self.progress_panel)
        v.addWidget(pp)
        self.dock = QDockWidget("Enhance")
        self.dock.setObjectName("pluginDock")
        features = QDockWidget.DockWidgetFeature
        # closable: View > Enhance hides and shows it (a running job shows it again, see run_plugin)
        self.dock.setFeatures(features.DockWidgetMovable | features.DockWidgetFloatable | features.DockWidgetClosable)
        self.dock.setWidget(holder)
        self.dock.setMinimumWidth(290)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.cursor_label = QLabel()
        self.size_label = QLabel()
        self.zoom_label = QLabel()
        self.device_label = QLabel()
        self.cursor_label.setMinimumWidth(110)
        self.export_label = QLabel()
        self.export_bar = QProgressBar()  # busy: an encoder reports no progress
        self.export_bar.setRange(0, 0)
        self.export_bar.setMaximumWidth(120)
        for w in (self.export_label, self.export_bar):
            w.setVisible(False)
        for w in (self.export_label, self.export_bar, self.cursor_label, self.size_label, self.zoom_label,
                  self.device_label):
            sb.addPermanentWidget(w)
        self._update_device_label()

    def _connect(self) -> None:
        c = self.canvas
        c.cursor_moved.connect(self._on_cursor)
        c.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f} %"))
        c.files_dropped.connect(self._open_dropped)
        c.compare_item.mode_changed.connect(self.compare_bar.set_mode)
        self.compare_bar.keep_requested.connect(self.keep)
        self.compare_bar.discard_requested.connect(self.discard)
        self.compare_bar.mode_requested.connect(self._set_compare_mode)
        self.plugin_panel.run_requested.connect(self.run_plugin)
        self.plugin_panel.plugin_selected.connect(lambda _pid: self._update_state())
        self.plugin_panel.plugin_selected.connect(lambda _pid: self.live.drop())
        self.plugin_panel.values_changed.connect(self._on_values_changed)
        self.live.rendered.connect(self._on_live_rendered)
        self.live.failed.connect(self._on_live_failed)
        self.live.slow.connect(self._on_live_slow)
        self.live.idle.connect(self._on_live_idle)
        self.live.runner.progress.connect(self._on_live_progress)
        self.progress_panel.cancel_requested.connect(self.live.cancel)
        self.progress_panel.cancel_requested.connect(self.runner.cancel)
        self.runner.progress.connect(self.progress_panel.set_progress)
        self.runner.finished.connect(self._on_job_finished)
        self.runner.failed.connect(self._on_job_failed)
        self.runner.cancelled.connect(self._on_job_cancelled)
        self.loader.finished.connect(self._on_loaded)
        self.loader.failed.connect(self._on_load_failed)
        self.loader.cancelled.connect(lambda _id: self._end_loading())  # only via shutdown()
        self.exporter.finished.connect(lambda _id, result: self._on_exported(*result))
        self.exporter.failed.connect(self._on_export_failed)
        self.converter.finished.connect(lambda _id, shown: self._on_picture_ready(*shown))
        self.brush.changed.connect(self._on_brush_changed)

    def _restore(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 820)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
        device = self.settings.device_preference()
        self.act.device[device].setChecked(True)
        self._apply_device(device)
        self._on_brush_changed()

    # ================================================================= documents
    def open_dialog(self) -> None:
        try:
            filters = open_filter()
        except ImportError:
            filters = "All files (*)"
        name, _ = QFileDialog.getOpenFileName(self, "Open Photo", self.settings.last_folder(), filters)
        if name:
            self.open_path(Path(name))

    def open_path(self, path: str | Path, background: bool | None = None) -> bool:
        """Open ``path`` (asking first about unsaved changes). Big files load on a worker:
        then this returns True at once and ``document_opened`` follows."""
        path = Path(path)
        if not self._maybe_save_changes():
            return False
        develop = raw_dialog.develop_options(self, path, self.settings)  # a camera raw: how to develop it
        if not develop.proceed:
            return False
        if self.runner.busy:
            self.runner.cancel()
        if background if background is not None else _is_big(path):
            if self._loading is None:
                QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
            self._loading = path
            self.statusBar().showMessage(f"Opening {path.name}…")
            self.loader.submit(lambda _ctx: self._prepared(_load(path, develop.options)))
            return True
        try:
            image = _load(path, develop.options)
        except PhotoAIError as e:
            self._open_failed(path, str(e), "")
            return False
        except Exception as e:  # noqa: BLE001 - a decoder bug must not crash the editor
            self._open_failed(path, f"Cannot open '{path.name}': {type(e).__name__}: {e}", traceback.format_exc())
            return False
        self.set_document(Document(image, path))
        return True

    def _prepared(self, image: ImageBuffer) -> ImageBuffer:
        """(On a worker) make ``image``'s screen picture, so that showing it costs the GUI thread nothing."""
        self.display.prepare(image)
        return image

    def _show_image(self, image: ImageBuffer, new_photo: bool = False) -> None:
        """Put ``image`` on the canvas: at once when its picture is ready (or it is small), else the current
        picture (none for a ``new_photo``) stands in while a worker makes it."""
        picture = self.display.picture(image)
        if picture is not None:
            self.canvas.set_image(picture)
            return
        if new_photo:
            self.canvas.set_image(None)
        self.canvas.set_pending_image(image.size)
        self.converter.submit(lambda _ctx: (image, self.display.prepare(image)))

    def _on_picture_ready(self, image: ImageBuffer, picture: Any) -> None:
        if self.document is not None and self.document.image is image:
            self.canvas.set_image(picture)

    def _on_loaded(self, _job_id: int, image: ImageBuffer) -> None:
        path, self._loading = self._loading, None
        self._end_loading()
        self.set_document(Document(image, path))

    def _on_load_failed(self, job_id: int, message: str) -> None:
        path, self._loading = self._loading, None
        self._end_loading()
        self._open_failed(path, message, self.loader.details(job_id))

    def _end_loading(self) -> None:
        self._loading = None
        if QApplication.overrideCursor() is not None:
            QApplication.restoreOverrideCursor()
        self.statusBar().clearMessage()

    def _open_failed(self, path: Path | None, message: str, details: str) -> None:
        if path is not None and not path.exists():
            self.settings.remove_recent_file(path)
        dialogs.show_error(self, "Cannot open photo", message, details)

    def set_document(self, document: Document | None) -> None:
        """Show ``document`` (None closes the current one without asking)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self.runner.busy:
            self.runner.cancel()
        self.document = document
        self.saved = SavedState(document) if document is not None else None
        self.brush.set_document(document)
        self.live.drop()
        self.canvas.end_compare()
        self.compare_bar.setVisible(False)
        if document is None:
            self.canvas.set_image(None)
            self.canvas.set_mask(None)
        else:
            self._unsubscribe = [
                document.image_changed.connect(self._on_image_changed),
                document.mask_changed.connect(self._on_mask_changed),
                document.proposal_changed.connect(self._on_proposal_changed),
                document.history.changed.connect(self._on_history_changed),
            ]
            self._show_image(document.image, new_photo=True)
            self.canvas.set_mask(document.mask, document.mask_known_empty)
            # fit once the window has its final size (also right after show())
            self.canvas.fit(max_zoom=1.0)
            QTimer.singleShot(0, lambda d=document: self.canvas.fit(max_zoom=1.0) if self.document is d else None)
            if document.path is not None:
                self.settings.add_recent_file(document.path)
                self.settings.set_last_folder(document.path.parent)
        self._update_state()
        if document is not None and (developed := raw_dialog.summary(document.image)):
            self.statusBar().showMessage(developed, 10000)
        self.document_opened.emit(document.path if document is not None else None)

    def _open_dropped(self, files: list[Path]) -> None:
        if files:
            self.open_path(files[0])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])

    def fill_recent_menu(self) -> None:
        """File > Open Recent, rebuilt each time it opens (missing files disabled)."""
        menu = self.recent_menu
        menu.clear()
        files = self.settings.recent_files()
        for i, name in enumerate(files, 1):
            p = Path(name)
            a = menu.addAction(f"&{i % 10}  {p.name}   —   {p.parent}")
            a.setEnabled(p.exists())
            a.triggered.connect(lambda _c=False, p=p: self.open_path(p))
        if files:
            menu.addSeparator()
            menu.addAction("Clear Menu", self.settings.clear_recent_files)
        else:
            a = menu.addAction("No recent photos")
            a.setEnabled(False)

    # ================================================================= document signals
    def _on_image_changed(self) -> None:
        self.live.drop()
        if self.document is not None:
            self._show_image(self.document.image)
        self._update_state()
        self.image_changed.emit()

    def _on_mask_changed(self, rect) -> None:
        self.live.drop()
        if self.document is not None:
            self.canvas.update_mask(self.document.mask, rect, self.document.mask_known_empty)

    def _on_history_changed(self) -> None:
        self._update_state()

    def _on_proposal_changed(self) -> None:
        doc = self.document
        p = doc.proposal if doc is not None else None
        if p is None:  # kept, discarded or undone
            self.live.drop()
            self.canvas.end_compare()
            self.compare_bar.setVisible(False)
        else:
            item = self.canvas.compare_item
            again = self.canvas.comparing and item.after_size == p.after.size  # a new result of a re-run
            picture = self.display.get(p.after)  # made by the job's worker
            self.canvas.begin_compare(p.before.size, p.after if picture is None else picture,
                                      mode=item.mode if again else "split", fraction=item.fraction if again else 0.5)
            self.compare_bar.set_mode(self.canvas.compare_item.mode)
            self.compare_bar.show_result(p.title, p.before.size, p.after.size, self._last_run_seconds)
            if not again:  # a re-render leaves the focus where it is (on a live slider being moved)
                self.canvas.setFocus()
        self._update_state()

    # ================================================================= editing
    def undo(self) -> None:
        """Undo the last step; with a result pending, only throw the result away (unless the step was made on
        the result, e.g. a moved colour hint: ``Document.edits_result``)."""
        if self.document is None:
            return
        if self.document.proposal is not None and not self.document.edits_result():
            self.discard()
        elif self.document.undo():
            self.statusBar().showMessage("Undone", 1500)

    def redo(self) -> None:
        if self.document is not None and self.document.redo():
            self.statusBar().showMessage("Redone", 1500)

    def keep(self) -> None:
        if self.document is not None and self.document.proposal is not None:
            self.document.keep()

    def discard(self) -> None:
        if self.document is not None and self.document.proposal is not None:
            self.document.discard()

    def toggle_compare(self) -> None:
        if self.canvas.comparing:
            self.canvas.toggle_compare_mode()

    def _set_compare_mode(self, mode: str) -> None:
        if self.canvas.comparing:
            self.canvas.compare_item.set_mode(mode)

    def clear_mask(self) -> None:
        if self.document is not None and self.document.proposal is None:
            self.document.clear_mask()

    def invert_mask(self) -> None:
        doc = self.document
        if doc is not None and doc.proposal is None:
            doc.invert_mask()

    def edit_mask_dialog(self, kind: str) -> None:
        """Mask > Grow / Shrink / Feather: ask for a radius in pixels, apply as one undo step."""
        doc = self.document
        if doc is None or doc.proposal is not None or not doc.has_mask:
            return
        title, prompt, _ = MASK_EDITS[kind]
        radius, ok = QInputDialog.getInt(self, title, prompt, self.settings.mask_edit_radius(kind), 1, 500)
        if ok:
            self.settings.set_mask_edit_radius(kind, radius)
            self.edit_mask(kind, radius)

    def edit_mask(self, kind: str, radius: int) -> None:
        doc = self.document
        if doc is None or doc.proposal is not None:
            return
        title, _, operation = MASK_EDITS[kind]
        mask = doc.mask
        new = run_while_painting(self, f"{title}…", lambda: operation(mask, radius))
        doc.set_mask(new, f"{title} {radius} px")

    def load_mask_dialog(self) -> None:
        doc = self.document
        if doc is None or doc.proposal is not None:
            return
        name, _ = QFileDialog.getOpenFileName(self, "Load Mask", self.settings.last_folder("maskFolder"),
                                              "PNG mask (*.png *.PNG);;All files (*)")
        if name:
            self.load_mask(Path(name))

    def load_mask(self, path: Path) -> bool:
        doc = self.document
        if doc is None:
            return False
        try:
            from photoai.core import export as core_export

            def read() -> tuple[np.ndarray, bytes | None]:
                mask = core_export.load_mask(path, doc.image.size)  # float32 in [0, 1]: set_mask keeps it as is
                return mask, mask_print(mask)

            mask, printed = run_while_painting(self, f"Loading {path.name}…", read)
            doc.set_mask(mask, "Load mask")
        except Exception as e:  # noqa: BLE001
            dialogs.show_error(self, "Cannot load mask", _message(e), _details(e))
            return False
        if self.saved is not None:
            self.saved.mask_saved(printed)  # it is on disk
        self.settings.set_last_folder(path.parent, "maskFolder")
        return True

    def save_mask_dialog(self) -> bool:
        """Mask > Save Mask…: returns True when the mask was written."""
        doc = self.document
        if doc is None:
            return False
        stem = doc.path.stem if doc.path else "mask"
        suggested = Path(self.settings.last_folder("maskFolder")) / f"{stem}-mask.png"
        name, _ = QFileDialog.getSaveFileName(self, "Save Mask", str(suggested), "PNG mask (*.png)")
        if not name:
            return False
        path = Path(name)
        return self.save_mask(path if path.suffix else path.with_suffix(".png"))

    def save_mask(self, path: Path) -> bool:
        doc = self.document
        if doc is None:
            return False
        try:
            from photoai.core import export as core_export

            mask = doc.mask  # input waits meanwhile: nobody paints
            printed = run_while_painting(self, f"Saving {path.name}…", lambda: (
                core_export.save_mask(mask, path), mask_print(mask))[1])
        except Exception as e:  # noqa: BLE001
            dialogs.show_error(self, "Cannot save mask", _message(e), _details(e))
            return False
        if self.saved is not None:
            self.saved.mask_saved(printed)
        self.settings.set_last_folder(path.parent, "maskFolder")
        self.statusBar().showMessage(f"Mask saved to {path}", 4000)
        return True

    def _on_brush_changed(self) -> None:
        s = self.brush.settings
        self.act.eraser.setChecked(s.erase)
        self.act.brush.setChecked(not s.erase)
        self.settings.set_brush(s.size, s.hardness, s.opacity)

    # ================================================================= plugins
    def run_selected(self) -> None:
        plugin = self.plugin_panel.current_plugin
        if plugin is not None and self.plugin_panel.run_button.isEnabled():
            self.run_plugin(plugin.info.id, self.plugin_panel.values())

    def run_plugin(self, plugin_id: str, values: dict | None = None) -> int | None:
        """Start ``plugin_id`` on the current photo and mask; the result becomes a proposal."""
        doc = self.document
        if doc is None or self.runner.busy or doc.proposal is not None:
            return None
        return self._start_job(_Job(self.registry.get(plugin_id), dict(values or {}), doc.image, time.monotonic()))

    def rerun_proposal(self, values: dict) -> int | None:
        """Run the pending result's plugin again on the same photo with ``values`` (e.g. moved colour hints);
        the new result replaces the pending one (a re-run still in progress is dropped)."""
        doc = self.document
        p = doc.proposal if doc is not None else None
        if doc is None or p is None:
            return None
        return self._start_job(_Job(self.registry.get(p.plugin_id), dict(values), p.before, time.monotonic(),
                                    replaces=True))

    def _start_job(self, job: _Job) -> int:
        doc = self.document
        assert doc is not None
        plugin, values = job.plugin, job.values
        self._job = job
        if hasattr(self.runtime, "last_device_label"):
            self.runtime.last_device_label = ""  # set again by the models this run loads
        self.progress_panel.start(plugin.info.title)
        self.dock.show()  # progress and Cancel live there
        # a snapshot: the user may keep painting while the job runs
        self.live.drop()
        # an empty mask means none (run_plugin's rule); a painted one is copied by the worker
        mask = doc.mask_snapshot() if doc.has_mask else None
        # a first run of a plugin that previews shows its preview first; the full run starts once it is shown
        first = None if job.replaces else self.previews.first_run(plugin, job.image, mask, values)
        job_id = self.runner.start_plugin(plugin, job.image, mask, values, live=bool(live_keys(plugin)),
                                          prepare=self._prepare_result, after=first)
        self.statusBar().showMessage(f"Running {plugin.info.title}…")
        self._update_state()
        return job_id

    def _prepare_result(self, result: ImageBuffer | LiveResult) -> None:
        """(On the job's worker) the result's screen picture, for the comparison and for Keep."""
        self.display.prepare(result.image if isinstance(result, LiveResult) else result)

    def cancel_job(self) -> None:
        self.runner.cancel()
        self.live.cancel()

    @property
    def rerunning(self) -> bool:
        """A re-run of the pending result's plugin (:meth:`rerun_proposal`) is running."""
        return self.runner.busy and self._job is not None and self._job.replaces

    def cancel_rerun(self) -> None:
        """Drop the re-run in progress, if any (its values are no longer wanted); a first run goes on."""
        if self.rerunning:
            self.runner.cancel()

    def _finish_job(self, succeeded: bool = False) -> _Job | None:
        job, self._job = self._job, None
        seconds = self.progress_panel.finish()
        if succeeded:
            self._last_run_seconds = seconds
        self.statusBar().clearMessage()
        self._update_device_label()
        self._update_state()
        return job

    def _on_job_finished(self, _job_id: int, result: ImageBuffer | LiveResult) -> None:
        job = self._finish_job(succeeded=True)
        doc = self.document
        if job is None or doc is None or not self._still_applies(job, doc):
            self.statusBar().showMessage("The result was dropped: the photo changed while the plugin ran", 5000)
            self.job_ended.emit("dropped")
            return
        if isinstance(result, LiveResult):  # kept for re-renders while the result is pending
            self.live.hold(job.plugin, result.analysis)
            result = result.image
        doc.propose(result, job.plugin.info.id, job.plugin.info.title, job.values,
                    clear_mask=job.plugin.info.consumes_mask)
        self.job_ended.emit("proposed")

    @staticmethod
    def _still_applies(job: _Job, doc: Document) -> bool:
        """The photo is the one the job ran on and nothing is pending (a re-run: its result is still pending)."""
        pending = doc.proposal
        if doc.image is not job.image:
            return False
        return pending is not None and pending.before is job.image if job.replaces else pending is None

    def _on_job_failed(self, job_id: int, message: str) -> None:
        job = self._finish_job()
        title = job.plugin.info.title if job is not None else "The plugin"
        self.job_ended.emit("failed")
        dialogs.show_error(self, f"{title} failed", message, self.runner.details(job_id))

    def _on_job_cancelled(self, _job_id: int) -> None:
        self._finish_job()
        self.statusBar().showMessage("Cancelled — the photo is unchanged", 4000)
        self.job_ended.emit("cancelled")

    # ================================================================= live parameters
    def _on_values_changed(self, plugin_id: str, values: dict) -> None:
        """A live value of the pending result's plugin re-renders the result from its analysis (on the live
        worker); any other change drops the analysis (a new run is needed, as for any plugin). A plugin with
        previews shows one first and then its full result (:class:`~photoai.ui.preview.WindowPreviews`)."""
        if self.previews.follow(plugin_id, values):
            return
        if self.live.holds(plugin_id):
            self.live.update(values)
        else:
            self.live.drop()

    def _on_live_rendered(self, rendered: Rendered) -> None:
        doc = self.document
        if doc is not None and doc.proposal is not None and doc.proposal.before is rendered.analysis.image:
            self.display.put(rendered.image, rendered.display)  # made on the live worker; Keep shows it too
            doc.revise(rendered.image, rendered.values)

    def _on_live_slow(self) -> None:
        """A live render takes a while: show its progress and Cancel (unless a run shows its own)."""
        if not self._live_progress and not self.runner.busy and self.live.plugin is not None:
            self._live_progress = True
            self.progress_panel.start(f"Updating {self.live.plugin.info.title}")

    def _on_live_progress(self, fraction: float, stage: str) -> None:
        if self._live_progress and not self.runner.busy:
            self.progress_panel.set_progress(fraction, stage)

    def _on_live_idle(self) -> None:
        if self._live_progress:
            self._live_progress = False
            if not self.runner.busy:
                self.progress_panel.finish()

    def _on_live_failed(self, message: str, details: str) -> None:
        p = self.document.proposal if self.document is not None else None
        dialogs.show_error(self, f"{p.title if p is not None else 'The plugin'} failed", message, details)

    # ================================================================= export
    def export_image(self) -> bool:
        """File > Export…: returns True when the photo was written."""
        doc = self.document
        if doc is None:
            return False
        fmt = export_dialog.default_format(doc.image.source_format)
        stem = doc.path.stem if doc.path else "untitled"
        folder = Path(self.settings.last_folder("lastExportFolder")) if self.settings.store.contains(
            "files/lastExportFolder") else (doc.path.parent if doc.path else Path(self.settings.last_folder()))
        chosen = export_dialog.ask_export_path(self, folder / f"{stem}-edited{fmt.extensions[0]}", fmt)
        if chosen is None:
            return False
        path, fmt = chosen
        options = export_dialog.ExportOptionsDialog.ask(self, fmt, doc.image.bit_depth, self.settings.export_quality())
        if options is None:
            return False
        if fmt.has_quality:
            self.settings.set_export_quality(options.quality)
        return self.export_to(path, fmt.name, quality=options.quality, bit_depth=options.bit_depth,
                              lossless=options.lossless, keep_metadata=options.keep_metadata)

    @property
    def exporting(self) -> bool:
        """True while an export is being written."""
        return self._export is not None

    def export_to(self, path: str | Path, format: str | None = None, *, quality: int = 95,
                  bit_depth: int | None = None, lossless: bool = False, keep_metadata: bool = True) -> bool:
        """Start writing the current photo to ``path`` in the background (asks before overwriting the opened
        file; a refused destination is reported at once). True when the export started: ``export_ended``
        follows, and the window stays usable meanwhile (the image written is the one shown now)."""
        doc = self.document
        if doc is None or self.exporting:
            return False
        path = Path(path)
        from photoai.core import export as core_export

        def check(overwrite_source: bool) -> None:
            core_export.check_destination(path, format=format, quality=quality, source_path=doc.path,
                                          overwrite_source=overwrite_source)

        overwrite = False
        try:
            try:
                check(False)
            except core_export.OverwriteSourceError:  # the opened photo (also through links or case)
                if not dialogs.confirm(self, "Overwrite the original?", f"“{path.name}” is the photo you opened.",
                                       "Exporting over it replaces the original file for good.",
                                       "Overwrite Original"):
                    return False
                overwrite = True
                check(True)
        except Exception as e:  # noqa: BLE001 - no folder, read-only, unknown format
            dialogs.show_error(self, "Export failed", _message(e), _details(e))
            return False
        image, mask = doc.image, doc.mask_snapshot()  # the brush may paint on while the export runs
        self._export = _Export(doc, image, path)
        self.exporter.submit(lambda _ctx: (core_export.save(
            image, path, format=format, quality=quality, bit_depth=bit_depth, source_path=doc.path,
            overwrite_source=overwrite, lossless=lossless, keep_metadata=keep_metadata), mask_print(mask())))
        self.export_label.setText(f"Exporting {path.name}…")
        for w in (self.export_label, self.export_bar):
            w.setVisible(True)
        self._update_state()
        return True

    def _end_export(self) -> _Export | None:
        export, self._export = self._export, None
        for w in (self.export_label, self.export_bar):
            w.setVisible(False)
        self._update_state()
        return export

    def _on_exported(self, written: Path, mask: bytes | None) -> None:
        """``mask``: the print of the mask as the export began (made on the worker: see ``mask_print``)."""
        export = self._end_export()
        if export is None:
            return
        doc = export.document
        if doc is self.document:
            if self.saved is not None:
                self.saved.photo_saved(export.image, mask)
            if doc.image is export.image:  # else edited meanwhile: that edit is unsaved
                doc.history.mark_clean()
            self._update_state()
        self.settings.set_last_folder(Path(written or export.path).parent, "lastExportFolder")
        self.statusBar().showMessage(f"Exported to {written or export.path}", 5000)
        self.export_ended.emit(True)

    def _on_export_failed(self, job_id: int, message: str) -> None:
        self._end_export()
        self.export_ended.emit(False)
        dialogs.show_error(self, "Export failed", message, self.exporter.details(job_id))

    def wait_for_export(self) -> bool:
        """Wait (the event loop running, the window disabled) for the export in progress; True when it
        wrote its file (or none was running)."""
        if not self.exporting:
            return True
        written: list[bool] = []
        loop = QEventLoop()
        self.export_ended.connect(written.append)
        self.export_ended.connect(loop.quit)
        self.setEnabled(False)
        try:
            loop.exec()
        finally:
            self.setEnabled(True)
            self.export_ended.disconnect(written.append)
            self.export_ended.disconnect(loop.quit)
        return bool(written and written[0])

    def _maybe_save_changes(self) -> bool:
        """True when it is fine to drop the current document: a changed photo was exported or
        discarded, an unsaved mask on an unchanged photo was saved or discarded (its own question)."""
        doc, saved = self.document, self.saved
        if doc is None or saved is None:
            return True
        name = doc.path.name if doc.path else "Untitled"
        if saved.photo_modified:
            answer = dialogs.ask_save_changes(self, name)
            return self.export_image() and self.wait_for_export() if answer == dialogs.SAVE \
                else answer == dialogs.DISCARD
        if saved.mask_unsaved:
            answer = dialogs.ask_save_mask(self, name)
            return self.save_mask_dialog() if answer == dialogs.SAVE else answer == dialogs.DISCARD
        return True

    # ================================================================= settings / status
    def set_device_preference(self, device: str) -> None:
        self.settings.set_device_preference(device)
        self._apply_device(device)

    def _apply_device(self, device: str) -> None:
        try:
            self.runtime.set_device_preference(device)
        except Exception as e:  # noqa: BLE001
            log.warning("cannot set device preference %s: %s", device, e)
        self._update_device_label()

    def _update_device_label(self) -> None:
        try:
            text = self.runtime.summary()
        except Exception as e:  # noqa: BLE001 - the status bar must never break the window
            text = f"runtime unavailable ({type(e).__name__})"
        if self._last_run_seconds is not None:
            last = getattr(self.runtime, "last_device_label", "")
            text += f"   |   last run: {self._last_run_seconds:.1f} s" + (f" on {last}" if last else "")
        self.device_label.setText(text)

    def _on_cursor(self, p: QPointF | None) -> None:
        size = self.canvas.scene_size()
        if p is None or not (0 <= p.x() < size.width and 0 <= p.y() < size.height):
            self.cursor_label.setText("")
        else:
            self.cursor_label.setText(f"x {int(p.x())}, y {int(p.y())}")

    def _update_state(self) -> None:
        doc = self.document
        proposal = doc.proposal if doc is not None else None
        has_doc, pending, busy = doc is not None, proposal is not None, self.runner.busy
        can_undo = doc is not None and doc.history.can_undo
        can_redo = doc is not None and doc.history.can_redo
        a = self.act
        a.export.setEnabled(has_doc and not self.exporting)
        a.undo.setEnabled((pending or can_undo) and not busy)
        on_result = doc is not None and doc.edits_result()  # undo/redo a step made on the pending result
        a.redo.setEnabled(can_redo and not busy and (not pending or (doc is not None and doc.edits_result(True))))
        if proposal is not None and not on_result:
            a.undo.setText(f"&Undo {proposal.title} (discard the result)")
        else:
            a.undo.setText(f"&Undo {doc.history.undo_label}" if doc is not None and can_undo else "&Undo")
        a.redo.setText(f"&Redo {doc.history.redo_label}" if doc is not None and can_redo else "&Redo")
        a.undo.setToolTip(a.undo.text().replace("&", "") + " (Ctrl+Z)")
        a.redo.setToolTip(a.redo.text().replace("&", "") + " (Ctrl+Shift+Z)")
        a.keep.setEnabled(pending)
        a.discard.setEnabled(pending)
        a.compare_toggle.setEnabled(pending)
        has_mask = doc is not None and doc.has_mask
        for action in (a.clear_mask, a.grow_mask, a.shrink_mask, a.feather_mask):
            action.setEnabled(has_mask and not pending)
        for action in (a.invert_mask, a.load_mask):
            action.setEnabled(has_doc and not pending)
        a.save_mask.setEnabled(has_doc)
        a.run.setEnabled(has_doc and not busy and not pending)
        self.brush.set_enabled(has_doc and not pending)
        self.plugin_panel.set_document_state(has_doc, has_mask, raw_unavailable(doc.image) if doc else NEEDS_RAW)
        self.plugin_panel.set_busy(busy and not self.rerunning)  # a re-run's values may change
        self.plugin_panel.set_blocked("Keep or discard the current result first." if pending else "")
        if doc is not None:
            name = doc.path.name if doc.path else "Untitled"
            self.setWindowTitle(f"{name}[*] — {APP_NAME}")
            self.setWindowModified(self.saved is not None and self.saved.photo_modified)
            img = doc.image
            depth = f" · {img.bit_depth}-bit" if img.bit_depth != 8 else ""
            self.size_label.setText(f"{img.size.width} × {img.size.height}{depth}")
        else:
            self.setWindowTitle(APP_NAME)
            self.setWindowModified(False)
            self.size_label.setText("")
        self.zoom_label.setText(f"{self.canvas.zoom() * 100:.0f} %" if has_doc else "")

    def plugin_params(self, plugin: Plugin) -> tuple[Param, ...]:
        """The plugin's parameters, its ``model`` lists filled with the installed models of their task."""
        return resolve_params(plugin.info.params, self.runtime, plugin.info.model_ids)

    def show_models(self) -> None:
        """Edit > Models...: list, import and remove models; the plugin form follows at once."""
        from photoai.plugin_api.models import import_weights, remove_model
        from photoai.ui.widgets.models_dialog import ModelsDialog

        dialog = ModelsDialog(self.runtime, lambda path, model_id, scale: import_weights(
            self.registry, self.runtime, path, model_id, scale), lambda model_id: remove_model(self.runtime, model_id),
            self)
        dialog.changed.connect(self.plugin_panel.refresh)
        dialog.exec()

    def about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(self, "About PhotoAI", f"<b>PhotoAI {__version__}</b><p>An offline photo editor whose "
                          f"enhancements are plugins.</p><p>{self.device_label.text()}</p>")

    # ================================================================= closing
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        self.wait_for_export()  # a file half written is never left behind
        if not self._maybe_save_changes():
            event.ignore()
            return
        self.runner.shutdown()
        self.loader.shutdown()
        self.converter.shutdown()
        self.canvas.mask_item.shutdown()
        self.live.shutdown()
        self.previews.shutdown()
        self.warmup.shutdown()
        self.inspector_dock.panel.shutdown()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        event.accept()


# ===================================================================== helpers
def _is_big(path: Path) -> bool:
    """Worth decoding on a worker: a large file, or many pixels (a 12 MP JPEG is only a few MB)."""
    from photoai.core import io as core_io

    try:
        return path.stat().st_size > BACKGROUND_LOAD_BYTES or core_io.probe(path).size.pixels > BACKGROUND_LOAD_PIXELS
    except (OSError, PhotoAIError):
        return False  # the direct load says what is wrong


def _load(path: Path, raw_options: DevelopOptions | None = None) -> ImageBuffer:
    from photoai.core import io as core_io

    return core_io.load(path, raw_options)


def _message(e: BaseException) -> str:
    return str(e) if isinstance(e, PhotoAIError) and str(e) else f"{type(e).__name__}: {e}"


def _details(e: BaseException) -> str:
    return "" if isinstance(e, PhotoAIError) else "".join(traceback.format_exception(e))
