"""Main window smoke tests: open, paint, run a plugin through the UI, keep, undo, export, close."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from photoai.core.io import load
from photoai.ui.widgets import export_dialog
from photoai.ui.widgets.export_dialog import ExportOptions, ExportOptionsDialog


def _open(window, qtbot, path):
    assert window.open_path(path)
    assert window.document is not None and window.document.path == Path(path)


def _run(window, qtbot, plugin_id, outcome="proposed"):
    window.plugin_panel.select(plugin_id)
    assert window.plugin_panel.run_button.isEnabled(), window.plugin_panel.run_hint()
    with qtbot.waitSignal(window.job_ended, timeout=5000) as blocker:
        QTest.mouseClick(window.plugin_panel.run_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [outcome]


def _paint(window, points):
    view = window.canvas
    vp = view.viewport()
    pos = [view.mapFromScene(QPointF(x, y)) for x, y in points]
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos[0])
    for p in pos[1:]:
        QTest.mouseMove(vp, p)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos[-1])


def _mock_export(monkeypatch, target: Path, options: ExportOptions | None = None):
    calls = []
    options = options or ExportOptions()

    def get_save_file_name(parent, caption, directory, filters, selected):
        calls.append((directory, filters, selected))
        return str(target), selected

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))
    monkeypatch.setattr(ExportOptionsDialog, "ask", classmethod(lambda cls, *a, **k: options))
    return calls


def test_open_run_keep_undo_export(window, qtbot, photo, tmp_path, monkeypatch, runtime, settings):
    _open(window, qtbot, photo)
    doc = window.document
    original = doc.image.rgb.copy()
    assert window.windowTitle() == "photo.png[*] — PhotoAI" and not window.isWindowModified()
    assert window.size_label.text().startswith("64 × 48")
    assert "Fake runtime" in window.device_label.text()
    assert settings.recent_files() == [str(photo.resolve())]

    window.plugin_panel.select("form")
    window.plugin_panel.form.set_values({"amount": 0.5})
    _run(window, qtbot, "form")
    assert doc.proposal is not None and window.canvas.comparing and window.compare_bar.isVisible()
    assert window.act.keep.isEnabled() and not window.plugin_panel.run_button.isEnabled()
    np.testing.assert_array_equal(doc.image.rgb, original)  # nothing applied yet

    QTest.keyClick(window.canvas, Qt.Key.Key_Return)  # Keep
    assert doc.proposal is None and not window.canvas.comparing
    np.testing.assert_allclose(doc.image.rgb, np.clip(original + 0.5, 0, 1), atol=1e-6)
    assert window.isWindowModified() and window.act.undo.text() == "&Undo Form test"

    window.act.undo.trigger()
    np.testing.assert_array_equal(doc.image.rgb, original)
    assert window.act.redo.isEnabled() and window.act.redo.text() == "&Redo Form test"
    QTest.keyClick(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)  # redo
    assert not window.act.redo.isEnabled()

    out = tmp_path / "out.png"
    calls = _mock_export(monkeypatch, out)
    with qtbot.waitSignal(window.export_ended, timeout=5000) as blocker:
        window.act.export.trigger()  # written in the background
    assert blocker.args == [True] and calls and calls[0][2].startswith("PNG")
    assert out.exists()
    np.testing.assert_allclose(load(out).rgb, np.clip(original + 0.5, 0, 1), atol=1 / 255)
    assert not window.isWindowModified() and not doc.modified


def test_mask_needed_then_painted_then_run(window, qtbot, photo):
    _open(window, qtbot, photo)
    window.plugin_panel.select("masked")
    assert not window.plugin_panel.run_button.isEnabled()
    assert "mask" in window.plugin_panel.hint.text()
    window.brush.set_size(8)
    _paint(window, [(30, 30), (40, 30)])
    assert window.document.mask[30, 35] > 0.5
    assert window.act.undo.text() == "&Undo Brush stroke"
    _run(window, qtbot, "masked")
    window.keep()
    assert window.document.image.rgb[30, 35].min() > 0.99  # the masked area was filled
    assert not window.document.mask.any()  # and its mask, done with, no longer covers the result
    window.undo()
    assert window.document.mask[30, 35] > 0.5


def test_plugin_error_shows_a_message_and_leaves_the_photo(window, qtbot, photo, dialogs):
    _open(window, qtbot, photo)
    before = window.document.image
    _run(window, qtbot, "broken", outcome="failed")
    assert len(dialogs.errors) == 1
    title, message, details = dialogs.errors[0]
    assert title == "Broken failed" and "plugin bug" in message and "ZeroDivisionError" in details
    assert window.document.image is before and window.document.proposal is None
    assert not window.document.modified and not window.progress_panel.isVisible()


def test_cancel_from_the_progress_panel(window, qtbot, photo):
    _open(window, qtbot, photo)
    window.plugin_panel.select("slow")
    window.plugin_panel.form.set_values({"steps": 2000})
    with qtbot.waitSignal(window.job_ended, timeout=2000) as blocker:
        QTest.mouseClick(window.plugin_panel.run_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.progress_panel.bar.value() > 0, timeout=2000)
        assert window.progress_panel.isVisible() and not window.plugin_panel.run_button.isEnabled()
        QTest.mouseClick(window.progress_panel.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["cancelled"]
    assert window.document.proposal is None and not window.progress_panel.isVisible()
    assert window.plugin_panel.run_button.isEnabled()


def test_progress_moves_per_tile(window, qtbot, photo):
    _open(window, qtbot, photo)
    shown: list[int] = []
    window.progress_panel.bar.valueChanged.connect(shown.append)
    _run(window, qtbot, "tiled")  # 130 tiles reported within a few milliseconds
    assert len(set(shown)) > 100 and shown == sorted(shown)
    assert window.progress_panel.stage.text() == "Tiled"


def test_super_resolution_result_discard_and_keep(window, qtbot, photo):
    _open(window, qtbot, photo)
    _run(window, qtbot, "double")
    assert window.canvas.scene_size() == (128, 96)
    assert "64×48 → 128×96" in window.compare_bar.label.text()
    QTest.keyClick(window.canvas, Qt.Key.Key_Backslash)
    assert window.canvas.compare_item.mode == "after"
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)  # Discard
    assert window.document.proposal is None and window.document.image.size == (64, 48)
    _paint(window, [(5, 5)])
    _run(window, qtbot, "double")
    assert "discard" in window.act.undo.text()
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # only drops the result
    assert window.document.proposal is None and window.document.mask.any()
    assert window.document.history.undo_label == "Brush stroke"
    _run(window, qtbot, "double")
    window.compare_bar.keep_button.click()
    assert window.document.image.size == (128, 96) and window.canvas.scene_size() == (128, 96)


def test_the_canvas_does_not_move_when_the_keep_discard_bar_appears(window, qtbot, photo):
    _open(window, qtbot, photo)
    qtbot.wait(20)
    c, bar = window.canvas, window.compare_bar

    def where():
        return c.geometry(), c.viewport().mapTo(window, QPoint(0, 0)), c.viewport().size(), c.mapFromScene(0, 0)

    before = where()
    _run(window, qtbot, "form")
    qtbot.wait(20)  # pending layout requests
    assert bar.isVisible() and bar.keep_button.isVisible()
    assert where() == before
    on_canvas = QRect(bar.mapTo(c, QPoint(0, 0)), bar.size())
    assert c.rect().contains(on_canvas) and on_canvas.width() > 0  # floats over the canvas, whole
    bar.discard_button.click()
    qtbot.wait(20)
    assert not bar.isVisible() and where() == before


def test_open_errors_are_readable(window, tmp_path, dialogs):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png at all")
    assert not window.open_path(bad)
    assert not window.open_path(tmp_path / "missing.jpg")
    assert [e[0] for e in dialogs.errors] == ["Cannot open photo", "Cannot open photo"]
    assert "broken.png" in dialogs.errors[0][1]
    assert window.document is None


def test_big_files_load_on_a_worker(window, qtbot, photo):
    with qtbot.waitSignal(window.document_opened, timeout=5000):
        assert window.open_path(photo, background=True)
    assert window.document is not None and window.document.image.size == (64, 48)


def test_overwriting_the_source_needs_confirmation(window, qtbot, photo, monkeypatch, dialogs):
    _open(window, qtbot, photo)
    _run(window, qtbot, "invert")
    window.keep()
    original = photo.read_bytes()
    _mock_export(monkeypatch, photo)
    dialogs.confirm_answer = False
    assert not window.export_image()
    assert photo.read_bytes() == original and len(dialogs.confirms) == 1
    dialogs.confirm_answer = True
    with qtbot.waitSignal(window.export_ended, timeout=5000):
        assert window.export_image()
    assert photo.read_bytes() != original and not window.document.modified


def test_export_error_is_readable(window, qtbot, photo, tmp_path, dialogs):
    _open(window, qtbot, photo)
    assert not window.export_to(tmp_path / "no_such_folder" / "x.png")
    assert dialogs.errors and dialogs.errors[0][0] == "Export failed"


def test_close_with_unsaved_changes_asks(window, qtbot, photo, dialogs, monkeypatch, tmp_path):
    _open(window, qtbot, photo)
    _paint(window, [(10, 10)])
    _run(window, qtbot, "invert")
    window.keep()
    assert window.isWindowModified()
    dialogs.save_answer = "cancel"
    assert not window.close()
    assert dialogs.save_asked == 1
    out = tmp_path / "saved.jpg"
    _mock_export(monkeypatch, out, ExportOptions(quality=80))
    dialogs.save_answer = "save"
    assert window.close()
    assert out.exists()
    assert dialogs.mask_asked == 0  # one question: exporting is what the photo needs


def test_a_painted_mask_alone_is_not_an_edit_of_the_photo(window, qtbot, photo, dialogs, monkeypatch, tmp_path):
    _open(window, qtbot, photo)
    _paint(window, [(10, 10), (30, 20)])
    assert window.document.mask.any() and not window.isWindowModified()
    dialogs.mask_answer = "cancel"
    assert not window.close()
    assert dialogs.save_asked == 0 and dialogs.mask_asked == 1  # asked about the mask, not to export
    saved = tmp_path / "kept-mask.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(saved), "")))
    dialogs.mask_answer = "save"
    assert window.close()
    assert saved.exists() and dialogs.save_asked == 0 and dialogs.mask_asked == 2
    np.testing.assert_array_equal(load(saved).rgb[..., 0] > 0.5, window.document.mask > 0.5)


def test_no_question_for_a_saved_or_undone_mask(window, qtbot, photo, dialogs, tmp_path):
    _open(window, qtbot, photo)
    _paint(window, [(10, 10)])
    window.undo()
    assert window.open_path(photo)  # nothing painted any more: no question
    _paint(window, [(10, 10)])
    assert window.save_mask(tmp_path / "m.png")
    assert window.close()
    assert dialogs.save_asked == 0 and dialogs.mask_asked == 0


def test_mask_menu_invert_save_load(window, qtbot, photo, tmp_path):
    _open(window, qtbot, photo)
    doc = window.document
    window.act.invert_mask.trigger()
    assert doc.mask.min() == 1.0 and window.act.undo.text() == "&Undo Invert mask"
    path = tmp_path / "m.png"
    assert window.save_mask(path)
    window.act.clear_mask.trigger()
    assert not doc.mask.any()
    assert window.load_mask(path)
    assert doc.mask.min() == 1.0


def test_mask_menu_grow_shrink_feather_are_undoable_steps(window, qtbot, photo, monkeypatch, settings):
    from PySide6.QtWidgets import QInputDialog

    _open(window, qtbot, photo)
    doc = window.document
    assert not window.act.grow_mask.isEnabled()  # nothing painted yet
    painted = np.zeros_like(doc.mask)
    painted[20:30, 20:30] = 1.0
    doc.set_mask(painted, "Paint")
    assert window.act.grow_mask.isEnabled() and window.act.feather_mask.isEnabled()
    asked = []
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a: (asked.append(a[3]) or (3, True)))
    window.act.grow_mask.trigger()
    assert doc.mask.sum() > painted.sum() and doc.mask[17, 25] == 1.0
    assert window.act.undo.text() == "&Undo Grow Mask 3 px"
    window.act.undo.trigger()
    np.testing.assert_array_equal(doc.mask, painted)
    window.act.shrink_mask.trigger()
    assert doc.mask.sum() == 4 * 4  # 10x10 square shrunk by 3 px on each side
    window.act.undo.trigger()
    window.act.feather_mask.trigger()
    assert 0.0 < doc.mask[25, 19] < 1.0 and doc.mask.max() <= 1.0
    assert asked == [8, 8, 8] and settings.mask_edit_radius("grow") == 3  # default, then remembered


def test_brush_shortcuts(window, qtbot, photo):
    _open(window, qtbot, photo)
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_E)
    assert window.brush.erasing and window.act.eraser.isChecked()
    QTest.keyClick(window.canvas, Qt.Key.Key_B)
    assert not window.brush.erasing and window.act.brush.isChecked()
    size = window.brush.size
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.brush.size > size
    assert window.brush_options.size_control.spin.value() == round(window.brush.size)


def test_device_preference_and_settings_persist(window, qtbot, runtime, settings, ui_registry):
    from photoai.ui.main_window import MainWindow

    window.act.device["cpu"].trigger()
    assert runtime.device_preference == "cpu" and settings.device_preference() == "cpu"
    assert "CPU forced" in window.device_label.text()
    window.brush.set_size(33)
    window.close()
    again = MainWindow(ui_registry, runtime, settings)
    qtbot.addWidget(again)
    assert again.act.device["cpu"].isChecked() and again.brush.size == 33
    assert settings.window_geometry() is not None


def test_drop_opens_the_file(window, qtbot, photo):
    window.canvas.files_dropped.emit([photo])
    assert window.document is not None and window.document.path == photo


@pytest.mark.parametrize("name", ["x.tif"])
def test_16bit_source_offers_16bit_tiff(qtbot, tmp_path, name):
    fmt = export_dialog.format_for_path(name)
    dlg = ExportOptionsDialog(fmt, source_bit_depth=16)
    qtbot.addWidget(dlg)
    assert dlg.options().bit_depth == 16
    dlg8 = ExportOptionsDialog(fmt, source_bit_depth=8)
    qtbot.addWidget(dlg8)
    assert dlg8.options().bit_depth == 8
    jpeg = ExportOptionsDialog(export_dialog.format_for_path("a.jpg"), 16, quality=70)
    qtbot.addWidget(jpeg)
    assert jpeg.bit_depth is None and jpeg.options().quality == 70


def test_app_main_entry_parses_a_file(monkeypatch, photo):
    from photoai.ui import app

    args, qt_args = app._parse([str(photo), "-platform", "offscreen"])
    assert args.file == str(photo) and qt_args == ["-platform", "offscreen"]


def test_main_opens_the_file_from_the_command_line(monkeypatch, qtbot, photo, ui_registry, runtime, settings):
    from PySide6.QtWidgets import QApplication

    from photoai.ui import app as app_mod
    from photoai.ui.main_window import MainWindow

    windows = []

    def build(registry=None, runtime_=None, settings_=None):
        w = MainWindow(ui_registry, runtime, settings)
        qtbot.addWidget(w)
        windows.append(w)
        return w

    def fake_exec(*_args):
        qtbot.waitUntil(lambda: bool(windows) and windows[0].document is not None, timeout=3000)
        windows[0].close()
        return 0

    monkeypatch.setattr(app_mod, "build_window", build)
    monkeypatch.setattr("photoai.ui.theme.apply_theme", lambda app: None)
    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert app_mod.main([str(photo)]) == 0
    assert windows[0].document.path == photo


def test_undo_of_a_mask_clearing_keep_and_invert_bring_the_right_mask_and_overlay(window, qtbot, photo, monkeypatch):
    from photoai.ui.canvas import items

    monkeypatch.setattr(items, "BACKGROUND_PIXELS", 100)  # the test photo's mask counts as large: a worker's overlay
    _open(window, qtbot, photo)
    doc, overlay = window.document, window.canvas.mask_item
    _paint(window, [(10, 10), (20, 12)])
    painted = doc.mask.copy()
    assert window.act.clear_mask.isEnabled() and overlay.word(15, 11) >> 24 > 0
    _run(window, qtbot, "masked")  # consumes the mask: Keep clears it
    window.keep()
    assert not doc.mask.any() and overlay.tiles == {} and not window.act.clear_mask.isEnabled()
    window.undo()  # the mask comes back, its overlay made on a worker
    np.testing.assert_array_equal(doc.mask, painted)
    assert window.act.clear_mask.isEnabled() and window.plugin_panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: not overlay.building)
    assert overlay.word(15, 11) >> 24 > 0 and overlay.word(40, 40) == 0
    window.act.invert_mask.trigger()
    np.testing.assert_allclose(doc.mask, 1.0 - painted)
    qtbot.waitUntil(lambda: not overlay.building)
    assert overlay.word(40, 40) >> 24 > 0 and overlay.word(15, 11) == 0
    window.undo()
    qtbot.waitUntil(lambda: not overlay.building)
    np.testing.assert_array_equal(doc.mask, painted)
    assert overlay.word(40, 40) == 0 and overlay.word(15, 11) >> 24 > 0
