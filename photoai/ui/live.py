"""Live parameters in the editor: re-render a LivePlugin's cached analysis on a worker, newest values win.

The editor's first run of a LivePlugin (``JobRunner.start_plugin(..., live=True)``) hands back a
:class:`~photoai.plugin_api.execute.LiveResult`; :class:`LiveRenderer` holds its analysis while that result
is pending and re-renders it (``render_analysis``, no network run) when a live value changes. One render
runs at a time; values that arrive meanwhile replace each other, so a burst of slider moves renders only the
newest once the running render ends, and a render that ends after the analysis was dropped is not shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from photoai.core.errors import PhotoAIError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.plugin_api.execute import Analysis, check_live_values, render_analysis
from photoai.plugin_api.plugin import Plugin
from photoai.ui.display import display_image
from photoai.ui.jobs import JobRunner

#: A render still running after this long is worth showing progress (and Cancel) for.
SLOW_MS = 400


@dataclass(frozen=True)
class Rendered:
    """A finished re-render: the result, its display form (made on the worker), the values and the analysis."""

    image: ImageBuffer
    display: QImage
    values: dict[str, Any]
    analysis: Analysis


def render_for_display(plugin: Plugin, analysis: Analysis, values: dict[str, Any], ctx: RunContext) -> Rendered:
    """The worker's part: render, then convert for the screen (so the GUI thread only swaps pictures)."""
    image = render_analysis(plugin, analysis, values, ctx)
    return Rendered(image, display_image(image), values, analysis)


class LiveRenderer(QObject):
    """Holds the analysis behind the pending result and re-renders it for new live values.

    Signals: ``rendered(Rendered)``, ``failed(message, details)`` (the analysis is dropped first),
    ``slow()`` (a render has run for ``SLOW_MS``), ``idle()`` (no render runs or waits any more).
    """

    rendered = Signal(object)
    failed = Signal(str, str)
    slow = Signal()
    idle = Signal()

    def __init__(self, runtime: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = JobRunner(runtime, self, max_threads=1)
        self.plugin: Plugin | None = None
        self.analysis: Analysis | None = None
        self._shown: dict[str, Any] | None = None  # the values of the result on screen
        self._wanted: dict[str, Any] | None = None  # the newest values asked for
        self._pending: dict[str, Any] | None = None  # asked for while a render runs, not started yet
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(lambda _id: self._next())
        self._slow_timer = QTimer(self, singleShot=True, interval=SLOW_MS)
        self._slow_timer.timeout.connect(self.slow)

    @property
    def active(self) -> bool:
        """True while an analysis is held (live values re-render)."""
        return self.analysis is not None

    def holds(self, plugin_id: str) -> bool:
        return self.plugin is not None and self.plugin.info.id == plugin_id

    def hold(self, plugin: Plugin, analysis: Analysis) -> None:
        """Keep ``analysis`` (whose result is now on screen) for re-renders."""
        self.drop()
        self.plugin, self.analysis = plugin, analysis
        self._shown = self._wanted = dict(analysis.values)

    def drop(self) -> None:
        """Forget the analysis; a render still running is cancelled and its result never shown."""
        if self.runner.busy:
            self.runner.cancel()
        self._slow_timer.stop()
        self.plugin = self.analysis = None
        self._shown = self._wanted = self._pending = None

    def update(self, values: Mapping[str, Any]) -> bool:
        """Re-render for ``values`` when only live values differ from the analysis' (True, also when they are
        already shown or on their way); otherwise drop the analysis (False: a full run is needed)."""
        if self.plugin is None or self.analysis is None:
            return False
        try:
            checked = check_live_values(self.plugin, self.analysis, values)
        except PhotoAIError:
            self.drop()
            return False
        if checked != self._wanted:
            self._wanted = self._pending = checked
            if not self.runner.busy:
                self._next()
        return True

    def cancel(self) -> None:
        """Stop the running render and forget the pending values; the result on screen stays."""
        self._pending = None
        self._wanted = self._shown
        if self.runner.busy:
            self.runner.cancel()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        self.drop()
        return self.runner.shutdown(timeout_ms)

    # -- runner slots ----------------------------------------------------------------------
    def _next(self) -> None:
        """Start the pending render, if any (the runner is idle); ``idle`` when there is none."""
        plugin, analysis, values = self.plugin, self.analysis, self._pending
        if plugin is None or analysis is None or values is None:
            self._slow_timer.stop()
            self.idle.emit()
            return
        self._pending = None
        self.runner.submit(lambda ctx: render_for_display(plugin, analysis, values, ctx))
        if not self._slow_timer.isActive():  # a burst counts as one slow job
            self._slow_timer.start()

    def _on_finished(self, _job_id: int, result: Rendered) -> None:
        self._next()
        if result.analysis is self.analysis:  # else stale: dropped (or replaced) while it rendered
            self._shown = result.values
            self.rendered.emit(result)

    def _on_failed(self, job_id: int, message: str) -> None:
        details = self.runner.details(job_id)
        self.drop()
        self._next()  # idle
        self.failed.emit(message, details)
