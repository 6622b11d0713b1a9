"""Run plugins (or any callable) off the GUI thread and report back through Qt signals.

``JobRunner`` keeps one *current* job. Starting a new one makes the previous one stale: its
token is cancelled and whatever it still reports is dropped. The worker thread only emits
private signals; slots on the runner (which lives in the GUI thread) filter stale ids and
re-emit the public ``progress``, ``finished``, ``failed`` and ``cancelled`` signals.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QEventLoop,
    QObject,
    QRunnable,
    Qt,
    QThread,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import QProgressDialog, QWidget

from photoai.core.errors import Cancelled, PhotoAIError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import CancelToken, RunContext
from photoai.core.mask import mask_bbox
from photoai.plugin_api.execute import run_live, run_plugin
from photoai.plugin_api.plugin import Plugin

log = logging.getLogger(__name__)

JobFn = Callable[[RunContext], Any]
T = TypeVar("T")

#: Progress resolution: the panel's bar has this many steps, and a job's progress reaches the GUI once per
#: step (and per stage change), however fast it is reported: per tile, never dropped, never more.
PROGRESS_STEPS = 1000

#: Seconds a cancelled job may take to stop before the runner lets go of it. A plugin that never
#: checks its cancel token then finishes in the background, its result dropped; the UI is free again.
ABANDON_AFTER = 2.0


#: How much nicer than the GUI thread the workers run (Linux, where niceness is per thread): on a busy machine
#: the event loop then gets a core first, and a plugin using every core never freezes the window.
WORKER_NICENESS = 5

_worker = threading.local()


def yield_to_gui() -> None:
    """Lower the calling worker thread's scheduling priority below the GUI thread's, once per thread
    (Linux: :data:`WORKER_NICENESS` more niceness, inherited by the threads it starts, e.g. ONNX Runtime's;
    elsewhere Qt's ``LowPriority``)."""
    if getattr(_worker, "lowered", False):
        return
    _worker.lowered = True
    if sys.platform.startswith("linux"):
        tid = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + WORKER_NICENESS))
        except OSError as e:  # pragma: no cover - a sandbox may forbid it; the job still runs
            log.debug("cannot lower the worker's priority: %s", e)
    else:  # pragma: no cover - Windows, macOS
        QThread.currentThread().setPriority(QThread.Priority.LowPriority)


class _Task(QRunnable):
    def __init__(self, body: Callable[[], None]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._body = body

    def run(self) -> None:  # runs in a pool thread
        yield_to_gui()
        self._body()


def snapshot_of(mask: np.ndarray | Callable[[], np.ndarray] | None) -> Callable[[], np.ndarray] | None:
    """A snapshot of ``mask`` for a worker (:func:`mask_snapshot`); a callable is one already (None: no mask)."""
    return None if mask is None else mask if callable(mask) else mask_snapshot(mask)


def mask_snapshot(mask: np.ndarray) -> Callable[[], np.ndarray]:
    """A copy of ``mask`` as it is now, for a worker: the GUI thread copies only the painted box (a few strokes
    on 12 MP: a small part of the 48 MB), the worker calls the result to get the full float32 mask."""
    box = mask_bbox(mask)
    part = np.array(mask[box.slices()], np.float32, copy=True)
    shape = mask.shape

    def full() -> np.ndarray:
        out = np.zeros(shape, np.float32)
        out[box.slices()] = part
        return out

    return full


class JobRunner(QObject):
    """Runs one job at a time on a private thread pool.

    Signals (GUI thread, current job only): ``started(id)``, ``progress(fraction, stage)``,
    ``finished(id, result)``, ``failed(id, message)`` (``details(id)`` then holds the traceback),
    ``cancelled(id)``.
    """

    started = Signal(int)
    progress = Signal(float, str)
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)

    # worker -> GUI thread (queued because the runner lives in the GUI thread)
    _w_progress = Signal(int, float, str)
    _w_finished = Signal(int, object)
    _w_failed = Signal(int, str, str)
    _w_cancelled = Signal(int)

    def __init__(self, runtime: Any = None, parent: QObject | None = None, max_threads: int = 2,
                 abandon_after: float = ABANDON_AFTER) -> None:
        super().__init__(parent)
        self.runtime = runtime
        self.abandon_after = abandon_after
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._next_id = 0
        self._current: int | None = None
        self._token: CancelToken | None = None
        self._details: dict[int, str] = {}
        self._abandoned: set[int] = set()  # jobs let go after Cancel, still running in the pool
        self._w_progress.connect(self._on_progress)
        self._w_finished.connect(self._on_finished)
        self._w_failed.connect(self._on_failed)
        self._w_cancelled.connect(self._on_cancelled)

    # -- API --------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """True while the current job has not reported its end."""
        return self._current is not None

    @property
    def current_id(self) -> int | None:
        return self._current

    def details(self, job_id: int) -> str:
        """The traceback of a failed job ('' when unknown)."""
        return self._details.get(job_id, "")

    def start_plugin(
        self,
        plugin: Plugin,
        image: ImageBuffer,
        mask: np.ndarray | Callable[[], np.ndarray] | None,
        values: Mapping[str, Any] | None,
        *,
        live: bool = False,
        prepare: Callable[[Any], object] | None = None,
        after: threading.Event | None = None,
    ) -> int:
        """Run ``plugin`` through ``run_plugin`` (the mask as it is now: :func:`mask_snapshot`, or a snapshot the
        worker calls, e.g. ``Document.mask_snapshot()``). ``live``: a LivePlugin is run through ``run_live`` instead,
        and its result is a ``LiveResult`` (the image and its analysis). ``prepare(result)`` runs on the worker too,
        before the result is reported (e.g. its screen picture). ``after``: the plugin starts once it is set (the
        job can be cancelled meanwhile), e.g. once a preview of it is shown: the cores go to the preview first."""
        snapshot = snapshot_of(mask)
        values = dict(values or {})
        runtime = self.runtime
        run = run_live if live else run_plugin

        def job(ctx: RunContext) -> Any:
            while after is not None and not after.wait(0.02):
                ctx.raise_if_cancelled()
            result = run(plugin, image, None if snapshot is None else snapshot(), values, ctx, runtime)
            if prepare is not None:
                prepare(result)
            return result

        return self.submit(job)

    def submit(self, fn: JobFn) -> int:
        """Run ``fn(ctx)`` in a worker thread; returns the new job id (older jobs become stale)."""
        self.cancel()
        self._next_id += 1
        job_id = self._next_id
        token = CancelToken()
        self._current, self._token = job_id, token
        sent: tuple[int, str] | None = None  # the last (step, stage) sent

        def on_progress(fraction: float, stage: str) -> None:
            nonlocal sent
            fraction = min(max(float(fraction), 0.0), 1.0)
            key = (int(fraction * PROGRESS_STEPS), stage or "")  # floor: 100 % only when done
            if key != sent:
                sent = key
                self._w_progress.emit(job_id, fraction, key[1])

        ctx = RunContext(on_progress=on_progress, token=token, runtime=self.runtime)

        def body() -> None:
            try:
                result = fn(ctx)
                if token.cancelled:
                    raise Cancelled()
            except Cancelled:
                self._w_cancelled.emit(job_id)
            except BaseException as e:  # noqa: BLE001 - every error is reported, none kills the thread
                if token.cancelled:
                    self._w_cancelled.emit(job_id)
                else:
                    message = str(e) if isinstance(e, PhotoAIError) else f"{type(e).__name__}: {e}"
                    details = "".join(traceback.format_exception(e))
                    if not isinstance(e, PhotoAIError):
                        log.error("job %d failed\n%s", job_id, details)
                    self._w_failed.emit(job_id, message or type(e).__name__, details)
            else:
                self._w_finished.emit(job_id, result)

        self.pool.start(_Task(body))
        self.started.emit(job_id)
        return job_id

    def cancel(self) -> None:
        """Ask the current job to stop. It reports ``cancelled`` once it has, or after
        ``abandon_after`` seconds if it ignores the request (it then runs on unobserved)."""
        if self._token is not None:
            self._token.cancel()
            job_id = self._current
            QTimer.singleShot(round(self.abandon_after * 1000), self, lambda: self._abandon(job_id))

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel everything and wait for the workers; True when they all stopped."""
        self.cancel()
        self._current = None
        return self.pool.waitForDone(timeout_ms)

    # -- GUI thread slots -------------------------------------------------------------
    def _end(self, job_id: int) -> bool:
        if job_id in self._abandoned:  # it finally returned: give its extra pool slot back
            self._abandoned.discard(job_id)
            self.pool.setMaxThreadCount(self.pool.maxThreadCount() - 1)
        if job_id != self._current:
            return False  # stale: a newer job replaced it, or the runner shut down
        self._current, self._token = None, None
        return True

    def _abandon(self, job_id: int | None) -> None:
        if job_id is not None and job_id == self._current:  # still running after the grace period
            log.warning("job %d ignores cancellation; it finishes in the background and its result is dropped",
                        job_id)
            self._on_cancelled(job_id)
            # it keeps its worker thread: one more slot, so abandoned jobs never queue the next ones
            self._abandoned.add(job_id)
            self.pool.setMaxThreadCount(self.pool.maxThreadCount() + 1)

    @Slot(int, float, str)
    def _on_progress(self, job_id: int, fraction: float, stage: str) -> None:
        if job_id == self._current:
            self.progress.emit(fraction, stage)

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: object) -> None:
        if self._end(job_id):
            self.finished.emit(job_id, result)

    @Slot(int, str, str)
    def _on_failed(self, job_id: int, message: str, details: str) -> None:
        if self._end(job_id):
            self._details = {job_id: details}
            self.failed.emit(job_id, message)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        if self._end(job_id):
            self.cancelled.emit(job_id)


class _InputBlocker(QObject):
    """An application event filter that swallows mouse, key and wheel input (while a modal wait runs)."""

    BLOCKED = frozenset({
        QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove, QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.Wheel,
        QEvent.Type.Shortcut, QEvent.Type.ShortcutOverride, QEvent.Type.ContextMenu, QEvent.Type.Drop,
    })

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        return event.type() in self.BLOCKED


def run_while_painting(parent: QWidget | None, label: str, fn: Callable[[], T], show_after_ms: int = 400) -> T:
    """Run ``fn`` on a plain thread and wait for it with the event loop running: the window keeps
    repainting (the GUI thread is never blocked, not even before the dialog shows), user input is held off
    meanwhile, and a modal busy dialog shows if it takes longer than ``show_after_ms``. Returns ``fn``'s
    result or re-raises its exception, like a direct call."""
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def body() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the caller below
            outcome["error"] = e
        finally:
            done.set()

    threading.Thread(target=body, name="photoai-blocking", daemon=True).start()
    if not done.wait(0.005):  # a quick call returns at once
        app = QCoreApplication.instance()
        blocker = _InputBlocker()
        if app is not None:
            app.installEventFilter(blocker)
        dialog: QProgressDialog | None = None
        loop = QEventLoop()
        timer = QTimer(interval=5)

        def check() -> None:
            nonlocal dialog
            if done.is_set():
                loop.quit()
            elif dialog is None and time.monotonic() - t0 >= show_after_ms / 1000.0:
                dialog = QProgressDialog(label, "", 0, 0, parent)
                dialog.setCancelButton(None)  # an encoder cannot be stopped half-way
                dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
                dialog.setMinimumDuration(0)
                dialog.show()

        t0 = time.monotonic()
        timer.timeout.connect(check)
        timer.start()
        loop.exec()
        timer.stop()
        if app is not None:
            app.removeEventFilter(blocker)
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
