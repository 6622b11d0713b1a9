"""JobRunner: results, progress per step (never dropped, bounded by the bar), cancellation, errors and stale jobs."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from photoai.core.document import Document
from photoai.ui.jobs import JobRunner


def test_finished_and_progress(qtbot, registry, small_image):
    runner = JobRunner()
    progress: list[tuple[float, str]] = []
    runner.progress.connect(lambda f, s: progress.append((f, s)))
    with qtbot.waitSignal(runner.finished, timeout=3000) as blocker:
        job_id = runner.start_plugin(registry.get("slow"), small_image, None, {"steps": 15})
    assert blocker.args[0] == job_id
    result = blocker.args[1]
    np.testing.assert_array_equal(result.rgb, small_image.rgb)
    assert progress and progress[-1][0] == 1.0
    assert [f for f, _ in progress] == sorted(f for f, _ in progress)
    assert len(progress) >= 15  # every step reaches the GUI, however fast they come
    assert not runner.busy


def test_progress_signals_are_bounded_by_the_bar_resolution_not_by_time(qtbot):
    from photoai.ui.jobs import PROGRESS_STEPS

    runner = JobRunner()
    progress: list[tuple[float, str]] = []
    runner.progress.connect(lambda f, s: progress.append((f, s)))

    def flood(ctx):
        for i in range(20 * PROGRESS_STEPS + 1):
            ctx.progress(i, 20 * PROGRESS_STEPS, "Rows" if i <= 10 * PROGRESS_STEPS else "More rows")  # mid-step

    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.submit(flood)
    assert len(progress) == PROGRESS_STEPS + 2  # each displayed step once, plus the stage change
    assert progress[-1] == (1.0, "More rows") and ("Rows", "More rows") == (progress[0][1], progress[-1][1])


def test_cancel_stops_within_half_a_second(qtbot, registry, small_image):
    runner = JobRunner()
    job_id = runner.start_plugin(registry.get("slow"), small_image, None, {"steps": 1000})  # ~10 s
    qtbot.wait(100)
    assert runner.busy
    t0 = time.monotonic()
    with qtbot.waitSignal(runner.cancelled, timeout=500) as blocker:
        runner.cancel()
    assert time.monotonic() - t0 < 0.5
    assert blocker.args == [job_id]
    assert not runner.busy


def test_a_job_that_ignores_cancel_is_abandoned_and_its_result_dropped(qtbot):
    runner = JobRunner(abandon_after=0.2)
    release = threading.Event()
    seen = []
    runner.finished.connect(lambda i, _r: seen.append(("finished", i)))
    job_id = runner.submit(lambda ctx: release.wait(5) and "late result")  # never looks at its token
    qtbot.wait(50)
    t0 = time.monotonic()
    with qtbot.waitSignal(runner.cancelled, timeout=1000) as blocker:
        runner.cancel()
    assert 0.15 < time.monotonic() - t0 < 0.9 and blocker.args == [job_id]
    assert not runner.busy  # the UI may start another job while the old one runs on
    with qtbot.waitSignal(runner.finished, timeout=3000) as done:
        second = runner.submit(lambda ctx: "second")
    assert done.args == [second, "second"]
    release.set()
    assert runner.pool.waitForDone(2000)
    qtbot.wait(50)
    assert seen == [("finished", second)]  # the abandoned job's late result is dropped


def test_abandoned_jobs_do_not_take_the_pool_from_the_next_job(qtbot):
    runner = JobRunner(max_threads=2, abandon_after=0.05)
    release = threading.Event()
    for _ in range(2):  # both worker threads end up held by jobs that ignore Cancel
        runner.submit(lambda ctx: release.wait(10))
        qtbot.wait(30)
        with qtbot.waitSignal(runner.cancelled, timeout=1000):
            runner.cancel()
    with qtbot.waitSignal(runner.finished, timeout=1000) as done:  # not queued behind them
        third = runner.submit(lambda ctx: "third")
    assert done.args == [third, "third"]
    release.set()
    assert runner.pool.waitForDone(2000)
    qtbot.waitUntil(lambda: runner.pool.maxThreadCount() == 2, timeout=1000)  # extra slots given back


def test_gui_keeps_repainting_while_a_job_runs(qtbot, registry, small_image):
    runner = JobRunner()
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    with qtbot.waitSignal(runner.finished, timeout=10000):
        runner.start_plugin(registry.get("slow"), small_image, None, {"steps": 80})  # ~800 ms of sleeps
    elapsed = time.monotonic() - started
    timer.stop()
    assert len(ticks) >= 10  # the event loop ran throughout the job
    # A job run on the GUI thread would leave one gap as long as the whole job; a loaded machine (a
    # shared CI runner) makes gaps of a few tens of ms, so the bound is relative to the job's length.
    assert max(np.diff(ticks)) < elapsed / 2


def test_plugin_error_becomes_failed_signal_and_document_is_untouched(qtbot, registry, small_image):
    doc = Document(small_image)
    before = doc.image.rgb.copy()
    runner = JobRunner()
    with qtbot.waitSignal(runner.failed, timeout=3000) as blocker:
        job_id = runner.start_plugin(registry.get("broken"), doc.image, doc.mask, {})
    assert blocker.args[0] == job_id
    message = blocker.args[1]
    assert "Broken failed" in message and "ZeroDivisionError" in message and "plugin bug" in message
    assert "Traceback" in runner.details(job_id)
    assert doc.proposal is None and not doc.history.can_undo
    np.testing.assert_array_equal(doc.image.rgb, before)


def test_invalid_values_fail_readably(qtbot, registry, small_image):
    runner = JobRunner()
    with qtbot.waitSignal(runner.failed, timeout=3000) as blocker:
        runner.start_plugin(registry.get("slow"), small_image, None, {"steps": -4})
    assert "steps" in blocker.args[1]


def test_a_new_job_makes_the_old_one_stale(qtbot, registry, small_image):
    runner = JobRunner()
    seen = []
    runner.cancelled.connect(lambda i: seen.append(("cancelled", i)))
    runner.finished.connect(lambda i, _r: seen.append(("finished", i)))
    first = runner.start_plugin(registry.get("slow"), small_image, None, {"steps": 1000})
    with qtbot.waitSignal(runner.finished, timeout=3000):
        second = runner.start_plugin(registry.get("invert"), small_image, None, {})
    qtbot.wait(100)  # the first job's late cancellation is dropped
    assert seen == [("finished", second)] and first != second


def test_shutdown_cancels_and_waits(qtbot, registry, small_image):
    runner = JobRunner()
    runner.start_plugin(registry.get("slow"), small_image, None, {"steps": 1000})
    qtbot.wait(50)
    t0 = time.monotonic()
    assert runner.shutdown(2000)
    assert time.monotonic() - t0 < 0.5


def test_run_while_painting_keeps_the_event_loop_alive_and_returns_or_raises(qtbot):
    import threading
    import time

    from PySide6.QtCore import QTimer

    from photoai.ui.jobs import run_while_painting

    ticks = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(threading.current_thread().name))
    timer.start()

    def slow():
        time.sleep(0.6)
        return threading.current_thread().name

    worker = run_while_painting(None, "Working…", slow, show_after_ms=50)
    timer.stop()
    assert worker == "photoai-blocking"
    assert len(ticks) >= 10 and set(ticks) == {threading.main_thread().name}  # GUI thread kept running
    assert run_while_painting(None, "quick", lambda: 7) == 7
    with pytest.raises(OSError, match="disk full"):
        run_while_painting(None, "failing", lambda: (_ for _ in ()).throw(OSError("disk full")), show_after_ms=0)


def test_leaving_does_not_wait_for_an_abandoned_job(qtbot, monkeypatch):
    from types import SimpleNamespace

    from photoai.ui import app

    runner = JobRunner(abandon_after=0.05)
    window = SimpleNamespace(runner=runner)
    assert app.leave(window, 0) == 0  # nothing running: a normal return
    release = threading.Event()
    runner.submit(lambda ctx: release.wait(5))
    with qtbot.waitSignal(runner.cancelled, timeout=1000):
        runner.cancel()
    exits = []
    monkeypatch.setattr(app.os, "_exit", exits.append)
    monkeypatch.setattr(app.logging, "shutdown", lambda: None)  # keep pytest's log capture open
    app.leave(window, 3)
    assert exits == [3]  # quits at once instead of blocking on the pool
    release.set()
    assert runner.pool.waitForDone(2000)
