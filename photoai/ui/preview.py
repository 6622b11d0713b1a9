"""Previews in the editor: while a parameter of the pending result's plugin changes, a screen-sized preview of
the visible region first, then the full result (issues 11 and 15).

The logic is in :mod:`photoai.plugin_api.preview`; this module only wires it:

- :class:`PreviewRunner` makes previews on its own worker, newest wins: asking again cancels the preview still
  being made, whose result is never shown.
- :class:`WindowPreviews` (created by the main window) follows value changes of the pending result's plugin.
  A :class:`~photoai.plugin_api.preview.PreviewPlugin` (superres, inpaint) gets a preview at once, and the full
  re-run (``MainWindow.rerun_proposal``) once the values have been still for :data:`SETTLE_MS` (a held slider:
  once it is released) and the preview is shown (the cores go to the preview first); a live slider of a
  :class:`~photoai.plugin_api.preview.LivePreview` (colorize) renders its cached analysis at screen size while
  it moves, and the full-resolution render once it is released (moved by keys or the spin box: once the value
  rests). A full run or render still going when the values change again is cancelled. The preview is drawn over
  the split view's result side (:class:`~photoai.ui.canvas.preview.PreviewItem`) until the full result for the
  newest values replaces it. A plugin without previews behaves as before (:meth:`WindowPreviews.follow` returns
  False). The first Run of a PreviewPlugin is previewed too (:meth:`WindowPreviews.first_run`): the preview is
  drawn over the photo, and the full run waits for it to be shown (at most :data:`FIRST_WAIT_MS`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QRectF, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractSlider

from photoai.core.errors import PhotoAIError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.plugin_api.execute import Analysis, check_live_values
from photoai.plugin_api.plugin import Plugin
from photoai.plugin_api.preview import (
    Preview,
    ScaledInputs,
    View,
    can_preview,
    can_preview_live,
    preview_analysis,
    preview_plugin,
)
from photoai.ui.canvas.preview import PreviewItem, scene_scale, visible_view
from photoai.ui.display import display_image
from photoai.ui.jobs import JobRunner, snapshot_of

if TYPE_CHECKING:
    from photoai.ui.main_window import MainWindow

log = logging.getLogger(__name__)

#: The full result starts once the values have not changed for this long (a slider still moving keeps previewing).
SETTLE_MS = 300
#: A first run's full result waits at most this long for its preview (a slow preview must not delay it much more).
FIRST_WAIT_MS = 3000


@dataclass(frozen=True)
class Shown:
    """A finished preview, its screen picture (made on the worker) and the input it was made of."""

    preview: Preview
    picture: QImage
    source: ImageBuffer


class PreviewRunner(QObject):
    """Makes one preview at a time on a worker; a new request makes the previous one stale. Signals:
    ``ready(Shown)``, ``failed(message)`` (a preview that fails is only logged by the window: the full run says
    what is wrong)."""

    ready = Signal(object)
    failed = Signal(str)

    def __init__(self, runtime: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = JobRunner(runtime, self, max_threads=1)
        self._inputs = ScaledInputs()  # used by the one worker thread only
        self.runner.finished.connect(lambda _id, shown: self.ready.emit(shown))
        self.runner.failed.connect(lambda _id, message: self.failed.emit(message))

    def of_run(self, plugin: Plugin, image: ImageBuffer, mask: np.ndarray | Callable[[], np.ndarray] | None,
               values: Mapping[str, Any], view: View) -> int:
        """Preview a run of ``plugin`` on ``image`` (the mask as it is now, or a snapshot of it)."""
        snapshot = snapshot_of(mask)
        values = dict(values)
        runtime = self.runner.runtime
        return self._submit(image, lambda ctx: preview_plugin(
            plugin, image, view, None if snapshot is None else snapshot(), values, ctx, runtime))

    def of_analysis(self, plugin: Plugin, analysis: Analysis, values: Mapping[str, Any], view: View) -> int:
        """Preview a render of ``analysis`` for live ``values``."""
        values = dict(values)
        inputs = self._inputs
        return self._submit(analysis.image, lambda ctx: preview_analysis(plugin, analysis, view, values, ctx, inputs))

    def _submit(self, source: ImageBuffer, make: Callable[[RunContext], Preview]) -> int:
        def job(ctx: RunContext) -> Shown:
            preview = make(ctx)
            return Shown(preview, display_image(preview.image), source)

        return self.runner.submit(job)

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def cancel(self) -> None:
        """The preview being made is never shown."""
        if self.runner.busy:
            self.runner.cancel()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        return self.runner.shutdown(timeout_ms)


class WindowPreviews(QObject):
    """Previews for the main window's pending result (see the module docstring). ``shown(Shown)`` tells
    observers (tests, the bench) that a preview is on screen."""

    shown = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.runner = PreviewRunner(window.runtime, self)
        self.item = PreviewItem(window.canvas.compare_item)
        window.canvas.scene().addItem(self.item)
        self.settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self.settle.timeout.connect(self._full)
        self._values: dict[str, Any] | None = None  # the newest values previewed, whose full result is due
        self._live = False  # they are live values (a render of the held analysis), else a re-run
        self._current: Shown | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.runner.ready.connect(self._on_ready)
        self.runner.failed.connect(self._on_failed)
        self._due = False  # the full result waits for the preview being made (the cores go to the preview first)
        self._first: ImageBuffer | None = None  # a first run's input: its preview is shown over the photo
        self._gate: threading.Event | None = None  # set: the first run's full result may start
        window.document_opened.connect(self._on_document)
        window.plugin_panel.form_built.connect(self._bind_form)
        window.job_ended.connect(self._on_job_ended)
        window.live.failed.connect(lambda *_a: self.clear())
        self._bind_form()

    # -- following values ---------------------------------------------------------------------
    def follow(self, plugin_id: str, values: Mapping[str, Any]) -> bool:
        """A value of ``plugin_id``'s form changed: preview it when the pending result is that plugin's and it
        can (True: previews handle the change, the full result follows); False: not handled here."""
        w = self.window
        doc = w.document
        proposal = doc.proposal if doc is not None else None
        if doc is None or proposal is None or proposal.plugin_id != plugin_id:
            return False
        plugin = w.registry.get(plugin_id)
        view = self.view()
        if w.live.holds(plugin_id) and can_preview_live(plugin) and w.live.analysis is not None:
            analysis = w.live.analysis
            try:
                checked = check_live_values(plugin, analysis, values)
            except PhotoAIError:
                return False  # not only live values: a new run (the window decides, as before)
            if checked == dict(proposal.values) and self._values is None:
                return True  # nothing new
            w.live.cancel()  # a full-resolution render still going gives its core to the preview
            self._start(checked, live=True)
            self.runner.of_analysis(plugin, analysis, checked, view)
            return True
        if not can_preview(plugin):
            return False
        values = dict(values)
        if values == dict(proposal.values) and self._values is None:
            return True
        w.cancel_rerun()  # the re-run of older values
        self._start(values, live=False)
        self.runner.of_run(plugin, proposal.before, doc.mask_snapshot() if doc.has_mask else None, values, view)
        return True

    def first_run(self, plugin: Plugin, image: ImageBuffer, mask: np.ndarray | Callable[[], np.ndarray] | None,
                  values: Mapping[str, Any]) -> threading.Event | None:
        """A first run of ``plugin`` on ``image`` starts: preview it on what is on screen (drawn over the photo until
        the result comes). Returns the event its full run waits for (set once the preview is shown, has failed or
        was dropped, or after :data:`FIRST_WAIT_MS`), or None when the plugin makes no previews."""
        if not can_preview(plugin) or self.window.document is None:
            return None
        self.clear()
        self._gate = gate = threading.Event()
        self._first, self._values, self._live = image, dict(values), False
        self.runner.of_run(plugin, image, mask, values, self.view())
        QTimer.singleShot(FIRST_WAIT_MS, gate.set)
        return gate

    def view(self) -> View:
        """What of the pending result's input (for a first run: of the photo) is on screen (the canvas' visible
        region at device resolution); in the split view only the result's side (the preview is drawn there only:
        half the work)."""
        canvas = self.window.canvas
        doc = self.window.document
        assert doc is not None
        before = doc.proposal.before.size if doc.proposal is not None else doc.image.size
        rect = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
        compare = canvas.compare_item
        if compare.isVisible() and compare.mode == "split":
            side = rect.intersected(QRectF(*compare.geometry().after_target))
            rect = side if not side.isEmpty() else rect
        return visible_view(rect, canvas.zoom(), canvas.devicePixelRatioF(), before,
                            scene_scale(canvas.compare_item, before))

    def _start(self, values: dict[str, Any], live: bool) -> None:
        self._values, self._live = values, live
        self.settle.start()

    def _sliders(self) -> list[QAbstractSlider]:
        form = self.window.plugin_panel.form
        return [s for e in (form.editors.values() if form is not None else ())
                if isinstance(s := getattr(e, "slider", None), QAbstractSlider)]

    def _bind_form(self) -> None:
        """A slider let go makes the full result at once (no wait for the values to rest)."""
        for slider in self._sliders():
            slider.sliderReleased.connect(self._released)

    def _released(self) -> None:
        if self._values is not None and self.settle.isActive():
            self.settle.stop()
            self._full()

    def _full(self) -> None:
        """The values rest: make the full result (a render of the analysis, or a re-run); not while a slider is
        still held (its release does it)."""
        values, w = self._values, self.window
        if values is None:
            return
        if any(s.isSliderDown() for s in self._sliders()):
            self.settle.start()
            return
        if self.runner.busy:
            self._due = True  # once the preview is shown
            return
        self._due = False
        proposal = w.document.proposal if w.document is not None else None
        if proposal is not None and dict(proposal.values) == values:
            self.clear()  # back to the values of the result on screen
            return
        if self._live:
            if not w.live.update(values):
                self.clear()
        elif w.rerun_proposal(values) is None:
            self.clear()

    # -- showing ------------------------------------------------------------------------------
    def _on_ready(self, shown: Shown) -> None:
        doc = self.window.document
        proposal = doc.proposal if doc is not None else None
        if self._first is not None:  # a first run's: shown while its result is still to come
            fresh = doc is not None and proposal is None and doc.image is self._first is shown.source
        else:  # else stale: kept, replaced, or newer values wanted
            fresh = not (proposal is None or proposal.before is not shown.source or self._values is None
                         or dict(shown.preview.values) != self._values)
        if fresh:
            self._current = shown
            self._place()
            self.shown.emit(shown)
        self._open_gate()
        if self._due:
            self._full()

    def _on_failed(self, message: str) -> None:
        log.info("preview failed: %s", message)  # the full run says what is wrong
        self._open_gate()
        if self._due:
            self._full()

    def _open_gate(self) -> None:
        """A first run's full result may start now."""
        if self._gate is not None:
            self._gate.set()
            self._gate = None

    def _place(self) -> None:
        shown, doc = self._current, self.window.document
        if shown is None or doc is None or (doc.proposal is None and self._first is None):
            return
        sx, sy = scene_scale(self.window.canvas.compare_item, shown.source.size)
        r = shown.preview.region
        self.item.show_picture(shown.picture, QRectF(r.x * sx, r.y * sy, r.width * sx, r.height * sy))

    def _on_proposal_changed(self) -> None:
        """A new full result (or none): the preview goes once the result shows the newest values."""
        doc = self.window.document
        proposal = doc.proposal if doc is not None else None
        if proposal is None or self._values is None or self._first is not None or dict(proposal.values) == self._values:
            self.clear()
        else:
            self._place()  # a result of older values: the newer preview stays on top, placed in its scene

    def _on_job_ended(self, outcome: str) -> None:
        """A re-run that failed or was cancelled by the user takes its preview with it (one cancelled here for
        newer values is followed by their own run: the settle timer runs)."""
        if outcome != "proposed" and not (self.settle.isActive() or self._due):
            self.clear()

    def clear(self) -> None:
        """No preview: the one on screen goes, the one being made is dropped, no full result is due."""
        self.settle.stop()
        self.runner.cancel()
        self._open_gate()
        self._values, self._current, self._due, self._first = None, None, False, None
        self.item.clear()

    @property
    def showing(self) -> bool:
        return self.item.showing

    def _on_document(self, _path: object) -> None:
        self.clear()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        doc = self.window.document
        if doc is not None:
            self._unsubscribe = doc.proposal_changed.connect(self._on_proposal_changed)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        self.clear()
        return self.runner.shutdown(timeout_ms)
