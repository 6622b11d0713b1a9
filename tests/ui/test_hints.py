"""Colour hints in the editor: the canvas tool (place, drag, delete, recolour at any zoom), the form's hints
row, the values a run gets, automatic re-runs of a pending result, and what clears them."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QColorDialog

from photoai.core.document import Document
from photoai.core.params import ColorPoint
from photoai.plugin_api import BasePlugin, FloatParam, PluginInfo, PointsParam
from photoai.ui.canvas.brush import BrushController
from photoai.ui.canvas.hints import HintTool
from photoai.ui.canvas.view import CanvasView
from photoai.ui.widgets.hints_editor import PointsEditor
from photoai.ui.widgets.param_form import ParamForm

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NO_MOD = Qt.KeyboardModifier.NoModifier


class HintedPlugin(BasePlugin):
    """Paints each hint's colour on its pixel; records the values of every run."""

    info = PluginInfo("hinted", "Hinted", "Takes colour hints", params=(
        FloatParam("gain", "Gain", default=1.0, minimum=0.0, maximum=2.0),
        PointsParam("hints", "Colour hints", max_points=3, help="Where to put which colour"),
    ))

    def __init__(self) -> None:
        self.runs: list[dict] = []

    def run(self, request, ctx):
        self.runs.append(dict(request.values))
        out = request.image * request.values["gain"]
        for p in request.values["hints"]:
            out[int(p.y), int(p.x)] = np.asarray(p.rgb, np.float32) / 255
        return out


def _pos(view: CanvasView, x: float, y: float) -> QPoint:
    """The viewport position of the centre of image pixel (x, y)."""
    return view.mapFromScene(QPointF(x + 0.5, y + 0.5))


def _color_dialog(monkeypatch, rgb):
    asked = []

    def get_color(initial, parent=None, title=""):
        asked.append((initial.red(), initial.green(), initial.blue()))
        return QColor(*rgb) if rgb else QColor()

    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(get_color))
    return asked


@pytest.fixture
def hinting(qtbot, image):
    """A canvas at 800 % panned away from the origin, a brush on a document, and an active hint tool."""
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    doc = Document(image)  # 60 x 40
    brush = BrushController()
    brush.set_document(doc)
    view.set_brush(brush)
    view.set_image(doc.image)
    view.set_mask(doc.mask)
    view.set_zoom(8.0)
    view.centerOn(QPointF(40, 25))
    tool = HintTool(view)
    tool.set_active(True)
    changes = []
    tool.changed.connect(lambda: changes.append(tool.points))
    return view, doc, tool, changes


def test_click_places_a_hint_on_the_pixel_under_the_cursor_at_any_zoom(hinting):
    view, doc, tool, changes = hinting
    assert view.zoom() == 8.0 and view.horizontalScrollBar().value() > 0  # zoomed and panned
    tool.set_color((10, 200, 30))
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, _pos(view, 33, 21))
    assert tool.points == (ColorPoint(33.0, 21.0, (10, 200, 30)),)
    assert len(changes) == 1
    # the marker sits on that pixel's centre, wherever the view is
    marker = view.marks_layer.childItems()[0]
    assert marker.scenePos() == QPointF(33.5, 21.5)
    view.set_zoom(0.5)
    assert tool.hint_at(QPointF(view.mapFromScene(QPointF(33.5, 21.5)))) == 0
    assert not doc.mask.any() and not doc.history.can_undo  # the brush did not paint: one tool at a time
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, view.mapFromScene(QPointF(-30, 10)))  # off the photo
    assert len(tool.points) == 1


def test_drag_moves_a_hint_and_is_one_change(hinting):
    view, _doc, tool, changes = hinting
    tool.set_points([ColorPoint(30, 20, (255, 0, 0))])
    changes.clear()
    vp = view.viewport()
    QTest.mousePress(vp, LEFT, NO_MOD, _pos(view, 30, 20) + QPoint(2, -1))  # grabbed a little off-centre
    for x in (32, 35, 38):
        QTest.mouseMove(vp, _pos(view, x, 22))
    QTest.mouseRelease(vp, LEFT, NO_MOD, _pos(view, 38, 22))
    assert tool.points == (ColorPoint(38.0, 22.0, (255, 0, 0)),)
    assert changes == [tool.points]


def test_delete_backspace_and_right_click_remove_hints(hinting):
    view, _doc, tool, _changes = hinting
    tool.set_points([ColorPoint(x, 20, (0, 0, 255)) for x in (28, 34, 40)])
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, _pos(view, 34, 20))  # selects the middle one
    assert tool.selected == 1 and len(tool.points) == 3
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert [p.x for p in tool.points] == [28, 40] and tool.selected is None
    QTest.keyClick(view, Qt.Key.Key_Delete)  # nothing selected: nothing removed
    assert len(tool.points) == 2
    QTest.mouseClick(view.viewport(), RIGHT, NO_MOD, _pos(view, 40, 20))
    assert [p.x for p in tool.points] == [28]
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, _pos(view, 28, 20))
    QTest.keyClick(view, Qt.Key.Key_Backspace)
    assert tool.points == ()


def test_double_click_changes_the_colour_of_a_hint(hinting, monkeypatch):
    view, _doc, tool, _changes = hinting
    tool.set_points([ColorPoint(30, 20, (255, 0, 0)), ColorPoint(40, 20, (0, 255, 0))])
    asked = _color_dialog(monkeypatch, (1, 2, 3))
    QTest.mouseDClick(view.viewport(), LEFT, NO_MOD, _pos(view, 40, 20))
    assert asked == [(0, 255, 0)]
    assert tool.points == (ColorPoint(30, 20, (255, 0, 0)), ColorPoint(40, 20, (1, 2, 3)))


def test_at_most_max_points_and_the_brush_back_when_inactive(hinting):
    view, doc, tool, _changes = hinting
    tool.max_points = 2
    for x in (20, 25, 30):
        QTest.mouseClick(view.viewport(), LEFT, NO_MOD, _pos(view, x, 20))
    assert [p.x for p in tool.points] == [20, 25]
    tool.set_active(False)
    assert view.tool is None
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, _pos(view, 45, 20))
    assert doc.mask[20, 45] > 0.5 and len(tool.points) == 2  # painted, not placed


def test_form_row_colour_button_clear_and_not_stored(qtbot, monkeypatch):
    form = ParamForm(HintedPlugin.info.params)
    qtbot.addWidget(form)
    editor = form.editors["hints"]
    assert isinstance(editor, PointsEditor) and not editor.persistent
    _color_dialog(monkeypatch, (12, 34, 56))
    QTest.mouseClick(editor.color_button, LEFT)
    assert editor.tool.color == (12, 34, 56)
    editor.set_value('[{"x": 1, "y": 2, "rgb": [3, 4, 5]}]')
    assert editor.count_label.text() == "1 hint" and editor.clear_button.isEnabled()
    assert form.values()["hints"] == (ColorPoint(1, 2, (3, 4, 5)),)
    assert "hints" not in form.persistent(form.values()) and "gain" in form.persistent(form.values())
    form.reset()  # Defaults resets the settings, not the hints of the photo
    assert len(editor.value()) == 1
    QTest.mouseClick(editor.clear_button, LEFT)
    assert editor.value() == () and editor.count_label.text() == "No hints"


# ---------------------------------------------------------------- the editor window
@pytest.fixture
def hinted(ui_registry):
    plugin = HintedPlugin()
    ui_registry.register(plugin, "tests")
    return plugin


def _editor(window) -> PointsEditor:
    editor = window.plugin_panel.form.editors["hints"]
    assert isinstance(editor, PointsEditor)
    return editor


def test_window_places_hints_runs_with_them_and_reruns_when_they_change(hinted, window, qtbot, photo,
                                                                        monkeypatch, settings):
    assert window.open_path(photo)  # 64 x 48
    qtbot.wait(20)  # the deferred fit of a new photo
    window.plugin_panel.select("hinted")
    editor = _editor(window)
    view = window.canvas
    view.set_zoom(6.0)
    view.centerOn(QPointF(30, 20))
    _color_dialog(monkeypatch, (0, 0, 255))
    QTest.mouseClick(editor.color_button, LEFT)
    QTest.mouseClick(editor.place_button, LEFT)
    assert editor.place_button.isChecked() and view.tool is window.hints.tool
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, _pos(view, 25, 18))
    assert editor.value() == (ColorPoint(25, 18, (0, 0, 255)),) and editor.count_label.text() == "1 hint"
    assert view.zoom() == 6.0
    assert "hints" not in str(settings.store.allKeys())
    with qtbot.waitSignal(window.job_ended, timeout=5000) as blocker:
        window.run_selected()
    assert blocker.args == ["proposed"]
    assert hinted.runs[-1]["hints"] == (ColorPoint(25, 18, (0, 0, 255)),)
    window.compare_bar.mode_requested.emit("after")
    # with the result pending, a moved hint runs the plugin again; the result replaces the pending one
    vp = view.viewport()
    with qtbot.waitSignal(window.job_ended, timeout=5000) as blocker:
        QTest.mousePress(vp, LEFT, NO_MOD, _pos(view, 25, 18))
        QTest.mouseMove(vp, _pos(view, 30, 20))
        QTest.mouseRelease(vp, LEFT, NO_MOD, _pos(view, 30, 20))
    assert blocker.args == ["proposed"] and len(hinted.runs) == 2
    assert hinted.runs[-1]["hints"] == (ColorPoint(30, 20, (0, 0, 255)),)
    after = window.document.proposal.after.rgb
    assert tuple(np.round(after[20, 30] * 255)) == (0, 0, 255)
    assert window.document.proposal.values["hints"] == hinted.runs[-1]["hints"]
    assert view.compare_item.mode == "after"  # the comparison is kept as it was
    window.compare_bar.mode_requested.emit("split")
    divider = view.mapFromScene(QPointF(view.compare_item.geometry().divider_x, 5))
    QTest.mousePress(vp, LEFT, NO_MOD, divider)  # the divider still moves, no hint is placed
    QTest.mouseMove(vp, _pos(view, 40, 5))
    QTest.mouseRelease(vp, LEFT, NO_MOD, _pos(view, 40, 5))
    assert len(window.hints.tool.points) == 1 and view.compare_item.fraction == pytest.approx(40.5 / 64, abs=0.02)
    # several quick changes: one re-run with the last hints
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        QTest.mouseClick(vp, LEFT, NO_MOD, _pos(view, 10, 10))
        QTest.keyClick(view, Qt.Key.Key_Delete)
        QTest.mouseClick(vp, LEFT, NO_MOD, _pos(view, 12, 40))
    qtbot.wait(400)
    assert len(hinted.runs) == 3 and [(p.x, p.y) for p in hinted.runs[-1]["hints"]] == [(30, 20), (12, 40)]
    window.keep()
    assert window.document.proposal is None and len(window.hints.tool.points) == 2


def test_other_plugin_brush_and_new_photo(hinted, window, qtbot, photo, tmp_path):
    assert window.open_path(photo)
    window.plugin_panel.select("hinted")
    editor = _editor(window)
    editor.set_value([ColorPoint(5, 6, (1, 1, 1))])
    editor.place_button.click()
    tool = window.hints.tool
    assert tool.active and not window.act.brush.isChecked() and not window.act.eraser.isChecked()
    window.act.eraser.trigger()  # E: back to the mask
    assert not tool.active and window.canvas.tool is None and not editor.place_button.isChecked()
    assert window.act.eraser.isChecked() and not window.act.brush.isChecked() and window.brush.erasing
    editor.place_button.click()
    window.act.brush.trigger()  # B
    assert not tool.active and window.act.brush.isChecked() and not window.brush.erasing
    editor.place_button.click()
    window.plugin_panel.select("form")  # no hints there: the tool is put away, the hints are kept
    assert not tool.active and window.canvas.tool is None
    assert not any(m.isVisible() for m in window.canvas.marks_layer.childItems())
    window.plugin_panel.select("hinted")
    assert _editor(window).value() == (ColorPoint(5, 6, (1, 1, 1)),)
    assert all(m.isVisible() for m in window.canvas.marks_layer.childItems())
    other = tmp_path / "other.png"
    other.write_bytes(photo.read_bytes())
    assert window.open_path(other)
    assert tool.points == () and _editor(window).count_label.text() == "No hints"
    assert window.canvas.marks_layer.childItems() == []


# ---------------------------------------------------------------- undo steps
def test_each_hint_gesture_is_one_edit_with_its_label(hinting, monkeypatch):
    view, _doc, tool, _changes = hinting
    edits = []
    tool.edited.connect(lambda label, before, after: edits.append((label, before, after)))
    vp = view.viewport()
    QTest.mousePress(vp, LEFT, NO_MOD, _pos(view, 30, 20))  # place and drag on: one "Place hint"
    QTest.mouseMove(vp, _pos(view, 33, 21))
    QTest.mouseRelease(vp, LEFT, NO_MOD, _pos(view, 33, 21))
    placed = (ColorPoint(33, 21, tool.color),)
    assert edits == [("Place hint", (), placed)]
    QTest.mouseClick(vp, LEFT, NO_MOD, _pos(view, 33, 21))  # a click on a hint selects it: no edit
    assert len(edits) == 1
    QTest.mousePress(vp, LEFT, NO_MOD, _pos(view, 33, 21))
    QTest.mouseMove(vp, _pos(view, 40, 25))
    QTest.mouseRelease(vp, LEFT, NO_MOD, _pos(view, 40, 25))
    moved = (ColorPoint(40, 25, tool.color),)
    _color_dialog(monkeypatch, (1, 2, 3))
    QTest.mouseDClick(vp, LEFT, NO_MOD, _pos(view, 40, 25))
    recoloured = (ColorPoint(40, 25, (1, 2, 3)),)
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert edits[1:] == [("Move hint", placed, moved), ("Recolour hint", moved, recoloured),
                         ("Delete hint", recoloured, ())]
    tool.set_points(moved)  # how undo puts points back: not an edit
    assert len(edits) == 4


def test_hint_edits_are_undo_steps_and_undo_redo_re_run_the_pending_result(hinted, window, qtbot, photo,
                                                                          monkeypatch):
    assert window.open_path(photo)  # 64 x 48
    qtbot.wait(20)
    window.plugin_panel.select("hinted")
    editor, view, tool, doc = _editor(window), window.canvas, window.hints.tool, window.document
    view.set_zoom(6.0)
    view.centerOn(QPointF(30, 20))
    _color_dialog(monkeypatch, (0, 0, 255))
    QTest.mouseClick(editor.color_button, LEFT)
    QTest.mouseClick(editor.place_button, LEFT)
    vp = view.viewport()
    blue = (0, 0, 255)
    # before any run: place, then undo and redo it (no result, nothing runs)
    QTest.mouseClick(vp, LEFT, NO_MOD, _pos(view, 25, 18))
    first = (ColorPoint(25, 18, blue),)
    assert doc.history.undo_label == "Place hint" and window.act.undo.text() == "&Undo Place hint"
    window.undo()
    assert tool.points == () and editor.count_label.text() == "No hints"
    window.redo()
    assert tool.points == first and doc.history.undo_label == "Place hint"
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        window.run_selected()
    assert window.act.undo.text() == "&Undo Hinted (discard the result)"
    # with the result pending: a moved hint re-runs; Undo puts it back and re-runs, the result stays pending
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        QTest.mousePress(vp, LEFT, NO_MOD, _pos(view, 25, 18))
        QTest.mouseMove(vp, _pos(view, 30, 20))
        QTest.mouseRelease(vp, LEFT, NO_MOD, _pos(view, 30, 20))
    moved = (ColorPoint(30, 20, blue),)
    assert hinted.runs[-1]["hints"] == moved and len(hinted.runs) == 2
    assert window.act.undo.text() == "&Undo Move hint" and not window.act.redo.isEnabled()
    with qtbot.waitSignal(window.job_ended, timeout=5000) as blocker:
        window.act.undo.trigger()
    assert blocker.args == ["proposed"] and doc.proposal is not None
    assert tool.points == first and hinted.runs[-1]["hints"] == first and len(hinted.runs) == 3
    assert tuple(np.round(doc.proposal.after.rgb[18, 25] * 255)) == blue
    assert window.act.redo.isEnabled() and window.act.redo.text() == "&Redo Move hint"
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        window.act.redo.trigger()
    assert tool.points == moved and hinted.runs[-1]["hints"] == moved and doc.proposal is not None
    # recolour and delete are steps too; the place before the run is not undone within the result
    _color_dialog(monkeypatch, (255, 0, 0))
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        QTest.mouseDClick(vp, LEFT, NO_MOD, _pos(view, 30, 20))
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        QTest.keyClick(view, Qt.Key.Key_Delete)
    assert tool.points == () and window.act.undo.text() == "&Undo Delete hint"
    for label, points in (("Delete hint", (ColorPoint(30, 20, (255, 0, 0)),)), ("Recolour hint", moved),
                          ("Move hint", first)):
        assert doc.history.undo_label == label
        with qtbot.waitSignal(window.job_ended, timeout=5000):
            window.undo()
        assert tool.points == points and hinted.runs[-1]["hints"] == points and doc.proposal is not None
    assert window.act.undo.text() == "&Undo Hinted (discard the result)"
    runs = len(hinted.runs)
    window.undo()  # the first hint came before the run: Undo throws the result away, the hint stays
    qtbot.wait(400)
    assert doc.proposal is None and tool.points == first and len(hinted.runs) == runs
    window.undo()
    assert tool.points == ()


def test_the_clear_button_is_one_edit(qtbot):
    form = ParamForm(HintedPlugin.info.params)
    qtbot.addWidget(form)
    editor = form.editors["hints"]
    editor.set_value([ColorPoint(1, 2, (3, 4, 5)), ColorPoint(6, 7, (8, 9, 10))])  # set by the form: no edit
    edits = []
    editor.tool.edited.connect(lambda label, before, after: edits.append((label, len(before), len(after))))
    QTest.mouseClick(editor.clear_button, LEFT)
    assert edits == [("Clear hints", 2, 0)]
