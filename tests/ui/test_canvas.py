"""Canvas: display conversion, mask overlay dirty rects, zoom, and painting with the mouse."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from photoai.core.document import Document
from photoai.core.geometry import Rect
from photoai.core.image import ImageBuffer
from photoai.ui.canvas.brush import BrushController
from photoai.ui.canvas.view import CanvasView
from photoai.ui.convert import new_overlay, overlay_view, paint_overlay, qimage_to_array, rgb_to_qimage


@pytest.fixture
def canvas(qtbot, image):
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    doc = Document(image)
    brush = BrushController()
    brush.set_document(doc)
    brush.set_size(10)
    brush.set_hardness(1.0)
    view.set_brush(brush)
    view.set_image(doc.image, fit=True)
    view.set_mask(doc.mask)
    doc.mask_changed.connect(lambda rect: view.update_mask(doc.mask, rect))
    doc.image_changed.connect(lambda: view.set_image(doc.image))
    return view, doc, brush


def _viewport_pos(view: CanvasView, x: float, y: float) -> QPoint:
    return view.mapFromScene(QPointF(x, y))


def test_rgb_to_qimage_rounds_and_clips():
    rgb = np.zeros((2, 3, 3), np.float32)
    rgb[0, 0] = (1.0, 0.5, 0.0)
    rgb[1, 2] = (2.0, -1.0, 0.2)
    out = qimage_to_array(rgb_to_qimage(rgb))
    assert out.shape == (2, 3, 3)
    assert tuple(out[0, 0]) == (255, 128, 0)
    assert tuple(out[1, 2]) == (255, 0, 51)


def test_overlay_is_written_only_inside_the_dirty_rect():
    mask = np.ones((20, 30), np.float32)
    img = new_overlay(30, 20)
    paint_overlay(img, mask, Rect(5, 4, 6, 3))
    words = overlay_view(img)
    assert (words[4:7, 5:11] != 0).all()
    words[4:7, 5:11] = 0
    assert (words == 0).all()
    alpha = img.pixelColor(0, 0).alpha()
    assert alpha == 0


def test_overlay_tiles_exist_only_where_the_mask_is_painted(qapp):
    from photoai.ui.canvas.items import OVERLAY_TILE, MaskOverlayItem
    from photoai.ui.convert import overlay_pixels

    h, w = OVERLAY_TILE * 2 + 100, OVERLAY_TILE * 3 - 7  # 3 x 3 tiles, the last ones partial
    mask = np.zeros((h, w), np.float32)
    item = MaskOverlayItem()
    item.set_mask(mask)
    assert item.tiles == {}  # an empty mask costs nothing
    mask[OVERLAY_TILE + 5 : OVERLAY_TILE + 9, 2 * OVERLAY_TILE + 1 : 2 * OVERLAY_TILE + 30] = 0.6
    item.update_rect(mask, Rect(0, 0, w, h))  # a whole-mask change (undo, load)
    assert set(item.tiles) == {(2, 1)} and item.tiles[2, 1].width() == OVERLAY_TILE - 7
    x, y = 2 * OVERLAY_TILE + 10, OVERLAY_TILE + 6
    assert item.word(x, y) == int(overlay_pixels(mask[y : y + 1, x : x + 1])[0, 0]) and item.word(x, y) >> 24 > 0
    mask[:] = 0
    mask[3, 3] = 1.0
    item.update_rect(mask, Rect(0, 0, w, h))  # cleared there, painted elsewhere: the old tile goes
    assert set(item.tiles) == {(0, 0)} and item.word(x, y) == 0 and item.word(3, 3) >> 24 > 0
    mask[3, 3] = 0.0
    item.update_rect(mask, Rect(0, 0, 8, 8))  # a stroke's dirty rect: rewritten in place
    assert item.word(3, 3) == 0


def test_brush_stroke_with_the_mouse_paints_the_mask_and_is_one_undo_step(canvas):
    view, doc, _brush = canvas
    vp = view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _viewport_pos(view, 10, 20))
    for x in (15, 20, 25, 30):
        QTest.mouseMove(vp, _viewport_pos(view, x, 20))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _viewport_pos(view, 30, 20))
    assert doc.mask[20, 10] > 0.9 and doc.mask[20, 20] > 0.9 and doc.mask[20, 30] > 0.9
    assert doc.mask[2, 50] == 0.0
    assert doc.history.can_undo and doc.history.undo_label == "Brush stroke"
    # the overlay shows the painted pixels
    assert view.mask_item.word(20, 20) >> 24 > 0
    painted = doc.mask.copy()
    assert doc.undo()
    assert not doc.mask.any()
    assert view.mask_item.word(20, 20) == 0
    assert not doc.history.can_undo  # the whole stroke was one step
    assert doc.redo()
    np.testing.assert_array_equal(doc.mask, painted)


def test_eraser_and_keys(canvas, qtbot):
    view, doc, brush = canvas
    vp = view.viewport()
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _viewport_pos(view, 20, 20))
    assert doc.mask[20, 20] > 0.9
    brush.use_eraser()
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _viewport_pos(view, 20, 20))
    assert doc.mask[20, 20] == 0.0
    assert doc.history.undo_label == "Erase"
    size = brush.size
    brush.grow()
    assert brush.size > size
    brush.shrink()
    brush.shrink()
    assert brush.size < size


def test_space_or_middle_drag_pans_instead_of_painting(canvas):
    view, doc, _brush = canvas
    view.set_zoom(8.0)
    vp = view.viewport()
    h0 = view.horizontalScrollBar().value()
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(200, 150))
    QTest.mouseMove(vp, QPoint(150, 150))
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(150, 150))
    assert view.horizontalScrollBar().value() == h0 + 50
    QTest.keyPress(view, Qt.Key.Key_Space)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(150, 150))
    QTest.mouseMove(vp, QPoint(150, 120))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(150, 120))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    assert not doc.mask.any() and not doc.history.can_undo


def test_zoom_fit_and_actual_size(canvas):
    view, _doc, brush = canvas
    view.fit()
    z = view.zoom()
    assert 400 - 40 <= 60 * z <= 400 or 300 - 40 <= 40 * z <= 300
    view.actual_size()
    assert view.zoom() == 1.0
    view.zoom_in()
    assert view.zoom() == pytest.approx(1.25)
    view.zoom_out()
    assert view.zoom() == pytest.approx(1.0)
    # the brush outline follows the zoom: diameter in screen pixels = size x zoom
    view.set_zoom(4.0)
    assert view.brush_outline_radius() == pytest.approx(brush.size / 2 * 4.0)


def test_wheel_zooms_around_the_cursor(canvas):
    view, _doc, _brush = canvas
    view.set_zoom(10.0)  # the image is bigger than the window, so it can be anchored anywhere
    pos = QPoint(100, 80)
    QTest.mouseMove(view.viewport(), pos)
    before = view.to_image(QPointF(pos))
    from PySide6.QtGui import QWheelEvent

    ev = QWheelEvent(QPointF(pos), QPointF(view.viewport().mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(ev)
    assert view.zoom() > 10.0
    after = view.to_image(QPointF(pos))
    assert abs(after.x() - before.x()) < 1.0 and abs(after.y() - before.y()) < 1.0


def test_image_change_keeps_the_visible_size(canvas):
    view, doc, _brush = canvas
    view.set_zoom(2.0)
    big = ImageBuffer(np.zeros((80, 120, 3), np.float32))
    view.set_image(big)
    assert view.scene_size() == (120, 80)
    assert view.zoom() == pytest.approx(1.0)  # same on-screen size for a 2x bigger image


def test_transparent_pixels_show_a_checkerboard():
    import numpy as np

    from photoai.core.image import ImageBuffer
    from photoai.ui.convert import CHECKER, image_to_qimage, qimage_to_array

    rgb = np.zeros((32, 32, 3), np.float32)
    alpha = np.ones((32, 32), np.float32)
    alpha[:, 16:] = 0.0
    shown = qimage_to_array(image_to_qimage(ImageBuffer(rgb, alpha=alpha)))
    assert (shown[:, :16] == 0).all()  # opaque black stays black
    light, dark = shown[0, 16, 0], shown[0, 16 + CHECKER, 0]
    assert light != dark and min(light, dark) > 120  # transparent: alternating light squares


def test_embedded_profile_is_converted_to_srgb_for_display_only():
    import numpy as np
    from PySide6.QtGui import QColorSpace

    from photoai.core.image import ImageBuffer
    from photoai.ui.convert import image_to_qimage, qimage_to_array

    rgb = np.zeros((4, 4, 3), np.float32)
    rgb[...] = (77 / 255, 153 / 255, 77 / 255)
    plain = qimage_to_array(image_to_qimage(ImageBuffer(rgb.copy())))
    assert tuple(plain[0, 0]) == (77, 153, 77)

    def shown(space):
        icc = bytes(QColorSpace(space).iccProfile().data())
        img = ImageBuffer(rgb.copy(), icc_profile=icc)
        out = qimage_to_array(image_to_qimage(img))
        assert np.array_equal(img.rgb, rgb)  # the photo's own pixels are untouched
        return tuple(int(v) for v in out[0, 0])

    assert shown(QColorSpace.NamedColorSpace.SRgb) == (77, 153, 77)
    r, g, b = shown(QColorSpace.NamedColorSpace.AdobeRgb)  # a wider gamut: the same numbers look greener
    assert r < 40 and abs(g - 153) <= 3 and b < 77
    garbage = ImageBuffer(rgb.copy(), icc_profile=b"\0" * 16 + b"RGB " + b"\0" * 100)
    assert tuple(qimage_to_array(image_to_qimage(garbage))[0, 0]) == (77, 153, 77)


def test_gray_photo_with_a_gray_profile_is_shown_through_it(qapp):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColorSpace

    from photoai.core.image import ImageBuffer
    from photoai.ui.convert import image_to_qimage, qimage_to_array

    linear = QColorSpace(QPointF(0.3127, 0.3290), QColorSpace.TransferFunction.Linear)  # a linear gray profile
    if not linear.isValid():
        pytest.skip("this Qt has no gray colour spaces")
    icc = bytes(linear.iccProfile().data())
    assert icc[16:20] == b"GRAY"
    gray = np.full((4, 4, 3), 128 / 255, np.float32)
    shown = qimage_to_array(image_to_qimage(ImageBuffer(gray.copy(), gray=True, icc_profile=icc)))
    assert 185 <= shown[0, 0, 0] <= 190 and shown[0, 0, 0] == shown[0, 0, 2]  # linear 0.5 is sRGB ~188
    as_is = qimage_to_array(image_to_qimage(ImageBuffer(gray.copy(), icc_profile=icc)))  # no longer gray
    assert as_is[0, 0, 0] == 128


def test_profile_converts_the_photo_not_the_checkerboard_behind_transparency(qapp):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColorSpace

    from photoai.core.image import ImageBuffer
    from photoai.ui.convert import CHECKER, image_to_qimage, qimage_to_array

    alpha = np.ones((16, 16), np.float32)
    alpha[:, CHECKER:] = 0.0
    rgb = np.zeros((16, 16, 3), np.float32)
    rgb[...] = (77 / 255, 153 / 255, 77 / 255)
    no_profile = qimage_to_array(image_to_qimage(ImageBuffer(rgb.copy(), alpha=alpha)))
    adobe = bytes(QColorSpace(QColorSpace.NamedColorSpace.AdobeRgb).iccProfile().data())
    shown = qimage_to_array(image_to_qimage(ImageBuffer(rgb.copy(), alpha=alpha, icc_profile=adobe)))
    r, g, b = (int(v) for v in shown[0, 0])
    assert r < 40 and abs(g - 153) <= 3 and b < 77  # the opaque part went through the profile
    assert np.array_equal(shown[:, CHECKER:], no_profile[:, CHECKER:])  # the checkerboard did not

    linear = QColorSpace(QPointF(0.3127, 0.3290), QColorSpace.TransferFunction.Linear)
    if not linear.isValid():
        pytest.skip("this Qt has no gray colour spaces")
    gray_icc = bytes(linear.iccProfile().data())
    gray = np.full((16, 16, 3), 128 / 255, np.float32)
    shown = qimage_to_array(image_to_qimage(ImageBuffer(gray, alpha=alpha, gray=True, icc_profile=gray_icc)))
    if shown[0, 0, 0] == 128:
        pytest.skip("this Qt cannot convert gray to RGB (Qt < 6.8)")
    assert 185 <= shown[0, 0, 0] <= 190 and shown[0, 0, 0] == shown[0, 0, 2]  # gray + alpha: converted too
    assert np.array_equal(shown[:, CHECKER:], no_profile[:, CHECKER:])


def test_a_large_whole_mask_overlay_is_made_on_a_worker_and_keeps_strokes_made_meanwhile(qtbot, monkeypatch):
    import threading

    from photoai.ui.canvas import items
    from photoai.ui.canvas.items import OVERLAY_TILE, MaskOverlayItem

    monkeypatch.setattr(items, "BACKGROUND_PIXELS", 1000)  # this small mask counts as large
    threads: list[str] = []
    release, reading = threading.Event(), threading.Event()
    real = items.overlay_tiles

    def slow_tiles(mask, color=items.MASK_COLOR):
        threads.append(threading.current_thread().name)
        read = mask.copy()  # the worker reads the mask now, then takes its time
        reading.set()
        release.wait(5)
        return real(read, color)

    monkeypatch.setattr(items, "overlay_tiles", slow_tiles)
    h, w = OVERLAY_TILE + 40, 2 * OVERLAY_TILE
    mask = np.zeros((h, w), np.float32)
    item = MaskOverlayItem()
    item.set_mask(mask, empty=True)
    assert item.tiles == {} and not threads  # known empty: no scan, no worker
    old = np.zeros_like(mask)
    old[5, 5] = 1.0
    item.update_rect(old, Rect(0, 0, w, h))
    release.set()
    qtbot.waitUntil(lambda: not item.building)
    assert set(item.tiles) == {(0, 0)}
    release.clear()
    reading.clear()
    mask[OVERLAY_TILE + 3, OVERLAY_TILE + 3] = 1.0  # a new whole mask (undo of Keep, load)
    item.update_rect(mask, Rect(0, 0, w, h))
    assert item.building and item.word(5, 5) >> 24 > 0  # the old overlay stays until the new one is made
    assert reading.wait(5)
    mask[10:12, 600:602] = 0.5  # a stroke on the new mask while the worker reads it
    item.update_rect(mask, Rect(600, 10, 2, 2))
    release.set()
    qtbot.waitUntil(lambda: not item.building)
    assert threads and threading.main_thread().name not in threads
    assert item.word(5, 5) == 0 and item.word(OVERLAY_TILE + 3, OVERLAY_TILE + 3) >> 24 > 0
    assert item.word(600, 10) >> 24 > 0 and set(item.tiles) == {(1, 0), (1, 1)}
    item.update_rect(mask, Rect(0, 0, w, h), empty=True)  # cleared: the tiles go at once
    assert item.tiles == {} and not item.building
    assert item.shutdown()
