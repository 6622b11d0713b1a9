"""Event-loop stall probe: a fast QTimer whose tick-to-tick gaps show how long the GUI thread was busy.

A responsive editor ticks every ``interval_ms``; any slot, paint or conversion that holds the GUI thread
shows up as one long gap. Gaps are grouped by *phase* (``with probe.phase("export"): ...``); entering a
phase restarts the clock, so a gap is never split across two phases' work. Used by ``bench/ui_stalls.py``
and by the UI tests.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer

#: The gap that counts as a stall (issue 15's "the editor never stalls" target).
STALL_MS = 50.0


@dataclass(frozen=True)
class PhaseStats:
    """One phase's gaps, in milliseconds."""

    name: str
    ticks: int
    seconds: float
    longest_ms: float
    p99_ms: float
    stalls: int  # gaps longer than the threshold
    longest_cpu_ms: float  # the GUI thread's own CPU time inside the longest gap (the rest: waiting)
    longest_at_s: float  # when the longest gap ended, in seconds from the phase's start
    longest_others_ms: float = 0.0  # the process's other threads' (workers') CPU time inside the longest gap

    def row(self) -> str:
        return (f"| {self.name} | {self.seconds:.2f} | {self.ticks} | {self.longest_ms:.0f} | {self.p99_ms:.0f} "
                f"| {self.stalls} | {self.longest_cpu_ms:.0f} | {self.longest_others_ms:.0f} "
                f"| {self.longest_at_s:.2f} |")


TABLE_HEADER = ("| phase | seconds | ticks | longest gap ms | p99 gap ms | gaps > {:.0f} ms "
                "| GUI CPU in longest ms | workers' CPU in longest ms | longest at s |\n"
                "|---|---|---|---|---|---|---|---|---|")


class StallProbe(QObject):
    """Records the gaps between ticks of a ``interval_ms`` precise timer on the GUI thread."""

    def __init__(self, interval_ms: int = 5, threshold_ms: float = STALL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold_ms = threshold_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._phase = "idle"
        self._last = 0.0
        self._last_cpu = 0.0
        self._last_process = 0.0
        self._began = 0.0
        self._gaps: dict[str, list[tuple[float, float, float, float]]] = {}  # (gap, GUI CPU, workers' CPU ms, end s)
        self._seconds: dict[str, float] = {}

    # -- recording ----------------------------------------------------------------------
    def start(self, phase: str = "idle") -> None:
        self.enter(phase)
        self._timer.start()

    def stop(self) -> None:
        self._close()
        self._timer.stop()

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Attribute the gaps measured inside the block to ``name`` (the clock restarts on entry)."""
        previous = self._phase
        self.enter(name)
        try:
            yield
        finally:
            self.enter(previous)

    def enter(self, name: str) -> None:
        """Attribute the gaps from now on to ``name`` (the clock restarts)."""
        self._close()
        self._phase = name
        self._gaps.setdefault(name, [])
        self._began = self._last = time.perf_counter()
        self._last_cpu, self._last_process = time.thread_time(), time.process_time()

    def _close(self) -> None:
        """End the current phase: the time since its last tick is a gap too (work still running at its end)."""
        if self._began:
            self._tick()
            self._seconds[self._phase] = self._seconds.get(self._phase, 0.0) + self._last - self._began
            self._began = 0.0

    def _tick(self) -> None:
        now, cpu, process = time.perf_counter(), time.thread_time(), time.process_time()
        own = (cpu - self._last_cpu) * 1000.0
        self._gaps[self._phase].append(((now - self._last) * 1000.0, own,
                                        max(0.0, (process - self._last_process) * 1000.0 - own), now - self._began))
        self._last, self._last_cpu, self._last_process = now, cpu, process

    # -- results ------------------------------------------------------------------------
    def phases(self) -> list[str]:
        """The phases recorded, in the order they first began."""
        return list(self._gaps)

    def gaps(self, phase: str) -> list[float]:
        """Every gap (ms) recorded in ``phase`` so far."""
        return [g[0] for g in self._gaps.get(phase, [])]

    def stats(self, phase: str) -> PhaseStats:
        rows = np.asarray(self._gaps.get(phase) or [(0.0, 0.0, 0.0, 0.0)])
        gaps, worst = rows[:, 0], rows[int(rows[:, 0].argmax())]
        return PhaseStats(phase, len(gaps), self._seconds.get(phase, 0.0), float(worst[0]),
                          float(np.percentile(gaps, 99)), int((gaps > self.threshold_ms).sum()), float(worst[1]),
                          float(worst[3]), float(worst[2]))

    def stall_time(self, phase: str) -> tuple[float, float, float]:
        """Over the gaps longer than the threshold in ``phase``: their total milliseconds, the GUI thread's CPU and
        the workers' CPU in them. What neither used was spent waiting for a core (a busy machine) or, while only
        the workers ran, for the GIL or a core."""
        rows = [g for g in self._gaps.get(phase, []) if g[0] > self.threshold_ms]
        return (sum(g[0] for g in rows), sum(g[1] for g in rows), sum(g[2] for g in rows))

    def table(self, phases: list[str] | None = None) -> str:
        """A Markdown table of the phases (default: all but ``idle``, in the order they began)."""
        names = phases if phases is not None else [p for p in self.phases() if p != "idle"]
        return "\n".join([TABLE_HEADER.format(self.threshold_ms), *(self.stats(p).row() for p in names)])
