"""Run context handed to plugins: progress, cooperative cancellation, runtime.

Qt-free on purpose: the GUI worker, the CLI and the tests all implement progress
reporting on top of :class:`RunContext`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from photoai.core.errors import Cancelled

if TYPE_CHECKING:
    from photoai.core.models import ModelProvider

ProgressFn = Callable[[float, str], None]


class CancelToken:
    """A thread-safe flag plus callbacks fired once when it is set."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            try:
                cb()
            except Exception:  # a failing hook must not hide the cancellation
                pass

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` on cancel (at once if already cancelled); returns a remover."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._remove(callback)
        callback()
        return lambda: None

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)


class RunContext:
    """What a running plugin sees of the outside world.

    ``progress(done, total, stage)`` reports work; ``raise_if_cancelled()`` should be
    called between units of work (tiles, iterations); ``runtime`` loads models.
    """

    def __init__(
        self,
        on_progress: ProgressFn | None = None,
        token: CancelToken | None = None,
        runtime: ModelProvider | None = None,
    ) -> None:
        self._on_progress = on_progress
        self.token = token or CancelToken()
        self._runtime = runtime
        self._span = (0.0, 1.0)
        self.stage = ""

    # -- progress -----------------------------------------------------------------
    def progress(self, done: float, total: float = 1.0, stage: str | None = None) -> None:
        """Report ``done/total`` of the current span (a sub-range of the whole job)."""
        if stage is not None:
            self.stage = stage
        frac = 0.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        lo, hi = self._span
        if self._on_progress is not None:
            self._on_progress(lo + (hi - lo) * frac, self.stage)

    def sub(self, start: float, stop: float) -> RunContext:
        """A context whose progress 0..1 maps to ``start..stop`` of this one."""
        child = RunContext(self._on_progress, self.token, self._runtime)
        lo, hi = self._span
        child._span = (lo + (hi - lo) * start, lo + (hi - lo) * stop)
        child.stage = self.stage
        return child

    # -- cancellation -------------------------------------------------------------
    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def raise_if_cancelled(self) -> None:
        if self.token.cancelled:
            raise Cancelled()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        return self.token.on_cancel(callback)

    # -- runtime ------------------------------------------------------------------
    @property
    def runtime(self) -> ModelProvider:
        """The model runtime (a :class:`~photoai.core.models.ModelProvider`) attached by whoever runs the job."""
        if self._runtime is None:
            raise RuntimeError("no model runtime attached to this RunContext")
        return self._runtime

    @runtime.setter
    def runtime(self, value: ModelProvider | None) -> None:
        self._runtime = value
