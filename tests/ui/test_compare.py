"""Before/after split: the math, the divider, results of another size, keep and discard."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from photoai.core.document import Document
from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.ui.canvas.brush import BrushController
from photoai.ui.canvas.compare import before_scale, fraction_at, scene_to_before, split_geometry
from photoai.ui.canvas.view import CanvasView
from photoai.ui.convert import qimage_to_array


def test_split_geometry_same_size():
    g = split_geometry(Size(100, 50), Size(100, 50), 0.3)
    assert g.divider_x == pytest.approx(30)
    assert g.before_target == (0, 0, 30, 50) and g.before_source == (0, 0, 30, 50)
    assert g.after_target == (30, 0, 70, 50) and g.after_source == (30, 0, 70, 50)


def test_split_geometry_for_a_bigger_result():
    # a 4x super-resolution: the scene is the result's 400x200; the before is scaled up by 4
    before, after = Size(100, 50), Size(400, 200)
    assert before_scale(before, after) == (4.0, 4.0)
    g = split_geometry(before, after, 0.5)
    assert g.divider_x == 200
    assert g.before_target == (0, 0, 200, 200)
    assert g.before_source == (0, 0, 50, 50)  # the left half of the before image
    assert g.after_target == (200, 0, 200, 200)
    assert scene_to_before(200, 100, before, after) == (50, 25)


def test_split_modes_and_clamping():
    s = Size(80, 60)
    assert split_geometry(s, s, 0.5, "after").divider_x == 0
    assert split_geometry(s, s, 0.5, "before").after_target.empty
    assert split_geometry(s, s, 1.7).divider_x == 80
    assert fraction_at(-5, s) == 0.0 and fraction_at(20, s) == 0.25 and fraction_at(500, s) == 1.0
    with pytest.raises(ValueError):
        split_geometry(s, s, 0.5, "sideways")


@pytest.fixture
def view(qtbot):
    v = CanvasView()
    qtbot.addWidget(v)
    v.resize(500, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def _solid(w, h, value):
    return ImageBuffer(np.full((h, w, 3), value, np.float32))


def _pixel(view, x, y):
    """The rendered colour at image point (x, y)."""
    shot = qimage_to_array(view.viewport().grab().toImage())
    p = view.mapFromScene(QPointF(x, y))
    return shot[p.y(), p.x()]


def test_split_view_shows_before_left_and_after_right(view):
    view.set_image(_solid(100, 80, 0.0), fit=True)
    view.begin_compare(Size(100, 80), _solid(100, 80, 1.0), fraction=0.5)
    assert view.comparing and view.compare_item.fraction == 0.5
    assert _pixel(view, 20, 70)[0] < 10  # before (black) left of the divider
    assert _pixel(view, 80, 70)[0] > 245  # after (white) right of it
    view.toggle_compare_mode()
    assert view.compare_item.mode == "after"
    assert _pixel(view, 20, 70)[0] > 245
    view.toggle_compare_mode()
    assert view.compare_item.mode == "split"


def test_divider_drags_with_the_mouse(view):
    view.set_image(_solid(100, 80, 0.0), fit=True)
    view.begin_compare(Size(100, 80), _solid(100, 80, 1.0), fraction=0.5)
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, view.mapFromScene(QPointF(50, 40)))
    QTest.mouseMove(vp, view.mapFromScene(QPointF(25, 40)))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       view.mapFromScene(QPointF(25, 40)))
    assert view.compare_item.fraction == pytest.approx(0.25, abs=0.02)


def test_compare_with_a_bigger_result_shares_zoom_and_pan(view):
    view.set_image(_solid(50, 40, 0.0), fit=True)
    z = view.zoom()
    view.begin_compare(Size(50, 40), _solid(200, 160, 1.0), fraction=0.5)
    # the scene switches to the result's coordinates; the photo keeps its size on screen
    assert view.scene_size() == (200, 160)
    assert view.zoom() == pytest.approx(z / 4)
    assert view.image_item.transform().m11() == pytest.approx(4.0)
    assert view.image_item.sceneBoundingRect().width() == pytest.approx(200)
    assert _pixel(view, 40, 150)[0] < 10 and _pixel(view, 160, 150)[0] > 245
    view.end_compare()  # discard: back to the before's coordinates
    assert view.scene_size() == (50, 40) and view.zoom() == pytest.approx(z)
    assert view.image_item.transform().isIdentity()


def test_keep_and_discard_through_the_document(view):
    small = _solid(50, 40, 0.2)
    doc = Document(small)
    view.set_image(doc.image, fit=True)
    doc.image_changed.connect(lambda: view.set_image(doc.image))
    doc.proposal_changed.connect(
        lambda: view.begin_compare(doc.proposal.before.size, doc.proposal.after) if doc.proposal else view.end_compare()
    )
    z = view.zoom()
    brush = BrushController()
    brush.set_document(doc)
    view.set_brush(brush)

    doc.propose(_solid(100, 80, 0.9), "double", "Double", {})
    assert view.comparing and view.scene_size() == (100, 80)
    # no painting on a pending result: the press moves the divider instead
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(QPointF(30, 40)))
    assert not doc.mask.any() and view.compare_item.fraction == pytest.approx(0.3, abs=0.02)
    doc.discard()
    assert not view.comparing and view.scene_size() == (50, 40) and doc.image is small
    assert view.zoom() == pytest.approx(z)

    doc.propose(_solid(100, 80, 0.9), "double", "Double", {})
    doc.keep()
    assert not view.comparing and view.scene_size() == (100, 80)
    assert doc.image.size == (100, 80) and doc.mask.shape == (80, 100)
    assert view.zoom() == pytest.approx(z / 2)  # kept: the view did not jump
    assert doc.history.undo_label == "Double"
    doc.undo()
    assert doc.image is small and view.scene_size() == (50, 40) and view.zoom() == pytest.approx(z)
