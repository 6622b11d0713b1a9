"""Issue 15, the editor never stalls: the stall probe, exports off the GUI thread, screen pictures made on workers."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QTimer

from photoai.core.image import ImageBuffer
from photoai.ui.display import DisplayCache
from photoai.ui.stall_probe import StallProbe


def test_the_probe_shows_a_blocking_slot_as_a_stall(qtbot):
    probe = StallProbe(interval_ms=5, threshold_ms=50)
    probe.start()
    with probe.phase("calm"):
        qtbot.wait(150)
    with probe.phase("blocked"):
        QTimer.singleShot(20, lambda: time.sleep(0.15))  # a slot that holds the GUI thread
        qtbot.wait(300)
    probe.stop()
    blocked, calm = probe.stats("blocked"), probe.stats("calm")
    assert blocked.longest_ms >= 145 and blocked.stalls >= 1 and blocked.ticks > 10
    assert calm.ticks > 5 and max(probe.gaps("calm")) == calm.longest_ms
    assert blocked.longest_cpu_ms < 100  # sleeping, not computing: the CPU column tells waiting from work
    total, gui, workers = probe.stall_time("blocked")
    assert total >= 145 and gui < 100 and workers < 100 and probe.stall_time("calm") == (0, 0, 0)
    table = probe.table()
    assert "| blocked |" in table and "| calm |" in table and "idle" not in table


def test_display_cache_remembers_pictures_by_identity_and_forgets_dropped_images(qapp):
    cache = DisplayCache(capacity=2)
    a, b, c = (ImageBuffer(np.full((4, 5, 3), v, np.float32)) for v in (0.1, 0.5, 0.9))
    picture = cache.prepare(a)
    assert cache.get(a) is not None and picture.width() == 5
    assert cache.get(ImageBuffer(a.rgb)) is None  # equal pixels, another image: not the same picture
    cache.prepare(b)
    cache.prepare(c)
    assert cache.get(a) is None and cache.get(c) is not None  # the oldest goes first
    del b
    gc.collect()
    assert len(cache._items) == 1  # a dropped image's picture is not kept


@pytest.fixture
def slow_png(monkeypatch):
    """The PNG encoder replaced by one that takes 0.6 s (sleeping: the GIL is free) and records its thread."""
    from photoai.core import export as core_export

    calls: list[tuple[str, bool]] = []
    real = core_export._WRITERS["PNG"]

    def slow(fp, job):
        calls.append((threading.current_thread().name, Path(fp.name).exists()))
        time.sleep(0.6)
        real(fp, job)

    monkeypatch.setitem(core_export._WRITERS, "PNG", slow)
    return calls


def test_export_runs_in_the_background_and_the_file_appears_atomically(window, qtbot, photo, tmp_path, slow_png):
    assert window.open_path(photo)
    out = tmp_path / "out.png"
    out.write_bytes(b"the user's old file")  # replaced only once the new one is complete
    probe = StallProbe()
    probe.start("export")
    t0 = time.perf_counter()
    assert window.export_to(out)
    started = time.perf_counter() - t0
    assert window.exporting and not window.act.export.isEnabled() and window.export_bar.isVisible()
    assert not window.export_to(tmp_path / "second.png")  # one at a time
    qtbot.waitUntil(lambda: bool(slow_png), timeout=3000)
    assert out.read_bytes() == b"the user's old file"  # still the old file while the encoder runs
    with qtbot.waitSignal(window.export_ended, timeout=5000) as ended:
        pass
    probe.stop()
    assert ended.args == [True] and started < 0.3
    assert slow_png[0][0] != threading.main_thread().name and slow_png[0][1]  # a worker, into a temporary file
    assert out.read_bytes().startswith(b"\x89PNG") and [p.name for p in tmp_path.iterdir() if ".tmp" in p.name] == []
    assert probe.stats("export").longest_ms < 450  # the GUI thread never waited for the 600 ms encoder
    assert not window.exporting and window.act.export.isEnabled() and not window.document.modified


def test_an_edit_made_during_the_export_stays_unsaved(window, qtbot, photo, tmp_path, slow_png):
    assert window.open_path(photo)
    window.plugin_panel.select("form")
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        window.run_plugin("form", window.plugin_panel.values())
    window.keep()
    assert window.export_to(tmp_path / "kept.png")
    with qtbot.waitSignal(window.job_ended, timeout=5000):  # the user goes on while it writes
        window.run_plugin("form", window.plugin_panel.values())
    window.keep()
    with qtbot.waitSignal(window.export_ended, timeout=5000):
        pass
    assert (tmp_path / "kept.png").exists() and window.document.modified and window.isWindowModified()


def test_closing_waits_for_the_export(window, qtbot, photo, tmp_path, slow_png):
    assert window.open_path(photo)
    out = tmp_path / "closing.png"
    assert window.export_to(out)
    assert window.close()
    assert out.exists() and not window.exporting


def test_large_pictures_are_made_on_workers_only(window, qtbot, tmp_path, monkeypatch):
    """Open, run, show, Keep, Undo and Redo of a photo over ``SMALL_PIXELS``: no conversion on the GUI thread."""
    from photoai.ui import display

    threads: list[str] = []
    real = display.display_image

    def recording(image):
        threads.append(threading.current_thread().name)
        return real(image)

    monkeypatch.setattr(display, "display_image", recording)
    h, w = 900, 1200  # 1.08 MP
    path = tmp_path / "large.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (h, w, 3), np.uint8)).save(path)
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.canvas.has_image, timeout=5000)
    window.plugin_panel.select("form")
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        window.run_plugin("form", window.plugin_panel.values())
    assert window.canvas.comparing and window.canvas.compare_item.after_size.width == w
    window.keep()
    window.undo()
    window.redo()
    qtbot.wait(50)
    assert len(threads) == 2 and threading.main_thread().name not in threads  # the photo and the result, once each
    assert window.canvas.image_size().width == w and not window.canvas.image_item.picture.isNull()


@pytest.mark.parametrize("clear_mask", [False, True])
def test_keep_holds_the_mask_without_a_copy_and_undo_still_restores_it(clear_mask):
    """Document.keep stores the mask itself (no 48 MB copy on the GUI thread); undo and redo stay exact."""
    from photoai.core.document import Document
    from photoai.core.mask import BrushSettings

    doc = Document(ImageBuffer(np.full((40, 50, 3), 0.5, np.float32)))
    brush = BrushSettings(size=6, hardness=1.0)
    doc.begin_stroke(brush, 10, 10)
    doc.end_stroke()
    painted = doc.mask.copy()
    doc.propose(ImageBuffer(np.full((40, 50, 3), 0.8, np.float32)), "p", "P", {}, clear_mask=clear_mask)
    doc.keep()
    kept = doc.mask.copy()
    assert kept.any() != clear_mask
    doc.begin_stroke(brush, 30, 30)  # painting after Keep changes the mask in place: an edit of its own
    doc.end_stroke()
    assert doc.undo() and np.array_equal(doc.mask, kept)
    assert doc.undo() and np.array_equal(doc.mask, painted) and doc.image.rgb[0, 0, 0] == 0.5
    assert doc.redo() and np.array_equal(doc.mask, kept) and doc.image.rgb[0, 0, 0] == np.float32(0.8)
    assert doc.undo() and np.array_equal(doc.mask, painted)
    doc.begin_stroke(brush, 40, 5)  # a new branch: the redo of Keep is gone
    doc.end_stroke()
    assert doc.undo() and np.array_equal(doc.mask, painted) and doc.history.can_redo


def test_the_run_sees_the_mask_as_it_was_at_run(qtbot, ui_registry, image):
    """Only the painted box is copied on the GUI thread; painting right after Run does not reach the job."""
    from photoai.ui.jobs import JobRunner, mask_snapshot

    mask = np.zeros(image.rgb.shape[:2], np.float32)
    mask[5:10, 7:20] = 1.0
    snapshot = mask_snapshot(mask)
    mask[30, 40] = 1.0
    assert np.array_equal(snapshot()[5:10, 7:20], np.ones((5, 13))) and snapshot().sum() == 5 * 13
    assert mask_snapshot(np.zeros((4, 6), np.float32))().shape == (4, 6)  # nothing painted: an empty mask
    runner = JobRunner()
    with qtbot.waitSignal(runner.finished, timeout=5000) as done:
        runner.start_plugin(ui_registry.get("masked"), image, mask, {})
        mask[:] = 1.0  # the user paints on at once
    out = done.args[1].rgb
    assert np.allclose(out[5:10, 7:20], 1.0) and np.allclose(out[30, 40], 1.0)
    assert np.allclose(out[20:29], image.rgb[20:29])  # outside the mask as it was: untouched
    runner.shutdown(2000)


def test_a_photo_of_many_pixels_opens_in_the_background_even_as_a_small_file(window, qtbot, tmp_path):
    from photoai.ui.main_window import BACKGROUND_LOAD_PIXELS

    h = 1200
    w = BACKGROUND_LOAD_PIXELS // h + 100
    path = tmp_path / "flat.png"  # a flat photo compresses to a few kB
    Image.fromarray(np.full((h, w, 3), 120, np.uint8)).save(path)
    assert path.stat().st_size < 1 << 20
    with qtbot.waitSignal(window.document_opened, timeout=10000):
        assert window.open_path(path)
        assert window.document is None  # decoding on the loader, the window free meanwhile
    assert window.document.image.size.width == w and window.canvas.image_size().width == w


def test_run_while_painting_holds_input_off_without_blocking(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    from photoai.ui.jobs import run_while_painting

    edit = QLineEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.waitExposed(edit)
    QTimer.singleShot(50, lambda: QTest.keyClick(edit, Qt.Key.Key_A))  # typed while the work runs
    ticks: list[float] = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    t0 = time.perf_counter()
    assert run_while_painting(edit, "Working…", lambda: time.sleep(0.3) or 5, show_after_ms=10_000) == 5
    timer.stop()
    assert ticks and ticks[0] - t0 < 0.2  # the event loop ran at once, not after a blocking wait
    assert edit.text() == ""  # the key press was held off
    QTest.keyClick(edit, Qt.Key.Key_B)
    assert edit.text() == "b"


@pytest.mark.parametrize("alpha", [False, True])
def test_display_image_shows_what_image_to_qimage_shows(qapp, alpha):
    from PySide6.QtGui import QImage

    from photoai.ui.convert import image_to_qimage, qimage_to_array
    from photoai.ui.display import display_image

    rng = np.random.default_rng(3)
    h, w = 300, 70  # more rows than one band
    image = ImageBuffer(rng.random((h, w, 3), np.float32), alpha=rng.random((h, w), np.float32) if alpha else None)
    picture = display_image(image)
    assert picture.format() == QImage.Format.Format_RGB32 and (picture.width(), picture.height()) == (w, h)
    np.testing.assert_array_equal(qimage_to_array(picture), qimage_to_array(image_to_qimage(image)))


def test_the_bench_runs_the_real_window(tmp_path):
    """``bench/ui_stalls.py`` end to end on a tiny photo (a classic plugin, no model): one table, every phase."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1", PHOTOAI_HOME=str(tmp_path))
    res = subprocess.run([sys.executable, str(root / "bench" / "ui_stalls.py"), "--mp", "0.2", "--plugin", "sharpen",
                          "--no-mask", "--formats", "png", "jpg", "--settle-ms", "50"],
                         capture_output=True, text=True, cwd=root, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    for phase in ("open", "run", "show result", "toggle before/after", "keep", "undo", "redo", "export PNG",
                  "export JPG"):
        assert f"| {phase} |" in res.stdout
