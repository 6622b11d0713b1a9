"""The Inspect Model dock under pytest-qt: pick a model, a layer, a channel; the overlay; the mask table; the
work runs off the GUI thread (the event loop keeps ticking) and Cancel stops it."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

pytest.importorskip("onnx")

from photoai.core.document import Document  # noqa: E402
from photoai.core.geometry import Rect  # noqa: E402
from photoai.core.image import ImageBuffer  # noqa: E402
from photoai.runtime import Runtime  # noqa: E402
from photoai.runtime.inspector import ModelInspector  # noqa: E402
from photoai.ui.canvas.items import MapOverlayItem  # noqa: E402
from photoai.ui.canvas.view import CanvasView  # noqa: E402
from photoai.ui.widgets.inspector import IN_VIEW, InspectorPanel  # noqa: E402
from tests.runtime import tiny_onnx  # noqa: E402


@pytest.fixture
def models(tmp_path):
    folder = tmp_path / "models"
    tiny_onnx.install(folder, "tiny")
    tiny_onnx.install(folder, "tiny-mask", mask=True)
    return Runtime(folder, user_models=False)


@pytest.fixture
def document():
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    rgb = np.stack([x / 64, y / 48, np.full_like(x, 0.3)], axis=-1)
    rgb[10:30, 20:40] = (0.9, 0.9, 0.1)
    return Document(ImageBuffer(rgb))


@pytest.fixture
def canvas(qtbot, document):
    view = CanvasView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.set_image(document.image, fit=True)
    view.show()
    return view


@pytest.fixture
def make_panel(qtbot):
    """InspectorPanel(runtime, canvas, document, **kw); each panel's worker is stopped after the test."""
    panels = []

    def make(runtime, canvas=None, document=None, **kw) -> InspectorPanel:
        panel = InspectorPanel(runtime, canvas, lambda: document, **kw)
        qtbot.addWidget(panel)
        panel.resize(420, 800)
        panels.append(panel)
        return panel

    yield make
    for panel in panels:
        assert panel.shutdown(5000)


def wait_idle(qtbot, panel, timeout=10000):
    qtbot.waitUntil(lambda: not panel.busy, timeout=timeout)


def test_pick_model_layer_and_channel(qtbot, make_panel, models, canvas, document):
    panel = make_panel(models, canvas, document)
    panel.show()  # lists the models and opens the first
    assert [panel.model_combo.itemData(i) for i in range(panel.model_combo.count())] == ["tiny", "tiny-mask"]
    with qtbot.waitSignal(panel.view_ready, timeout=10000):  # the first convolution is selected and run
        pass
    wait_idle(qtbot, panel)
    assert [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())] == ["conv1", "conv2"]
    assert panel.table.item(0, 2).text() == "1×4×48×64"  # shapes for this photo
    assert panel.selected_layer().name == "conv1"
    assert "4 RGB filters" in panel.filter_caption.text() and not panel.filter_image.pixmap().isNull()
    assert panel.channel_list.count() == 4 and panel.view.activation.maps.shape == (4, 48, 64)
    panel.show_combo.setCurrentIndex(2)  # every node
    assert [panel.table.item(r, 1).text() for r in range(panel.table.rowCount())] == ["Conv", "Relu", "Conv"]

    with qtbot.waitSignal(panel.view_ready, timeout=10000):
        assert panel.select_layer("conv2")
    assert panel.channel_list.count() == 2 and "filters x 4 input channels" in panel.filter_caption.text()

    panel.channel_list.setCurrentRow(1)  # a click on the second strongest channel
    item = panel.overlay
    assert isinstance(item, MapOverlayItem) and item.isVisible() and item.parentItem() is canvas.image_item
    assert item.boundingRect().toRect().getRect() == (0, 0, 64, 48)  # laid over the whole photo
    assert panel.channel == int(panel.view.activation.order[1])
    assert (item.picture.width(), item.picture.height()) == (32, 24)  # the stride-2 map, stretched
    panel.opacity.setValue(30)
    assert item.opacity() == pytest.approx(0.3)
    panel.hide_overlay_button.click()
    assert not item.isVisible() and not panel.opacity.isEnabled()


def test_part_in_view_and_the_mask_table(qtbot, make_panel, models, canvas, document):
    mask = np.zeros_like(document.mask)
    mask[10:30, 20:40] = 1.0
    document.set_mask(mask)
    panel = make_panel(models, canvas, document)
    panel.refresh()
    wait_idle(qtbot, panel)
    with qtbot.waitSignal(panel.view_ready, timeout=10000):
        panel.open_model("tiny-mask")
    wait_idle(qtbot, panel)
    assert "mask" in panel.summary.text()
    assert panel.mask_table.rowCount() == 4 and "covers" in panel.mask_caption.text()
    scores = [float(panel.mask_table.item(r, 3).text()) for r in range(4)]
    assert scores == sorted(scores, reverse=True)
    panel.mask_table.selectRow(0)
    assert panel.overlay is not None and panel.overlay.isVisible()
    assert panel.channel == int(panel.mask_table.item(0, 0).text())

    canvas.set_zoom(16.0)  # 400x300 px of view: 25x19 photo pixels
    canvas.centerOn(10, 10)
    panel.area_combo.setCurrentIndex(panel.area_combo.findData(IN_VIEW))
    with qtbot.waitSignal(panel.view_ready, timeout=10000):
        panel.run_layer()
    region = panel.view.region
    assert region.x == 0 and region.y == 0 and region.width < 64 and region.height < 48
    assert panel.view.activation.maps.shape[1:] == (region.height, region.width)


class SlowInspector(ModelInspector):
    """Reading the graph takes ~1.5 s (and honours Cancel)."""

    def layers(self, probe=None, ctx=None):
        for _ in range(30):
            if ctx is not None:
                ctx.raise_if_cancelled()
            time.sleep(0.05)
        return super().layers(probe, ctx)


def test_the_event_loop_ticks_while_it_works_and_cancel_stops_it(qtbot, make_panel, models):
    panel = make_panel(models, open_inspector=SlowInspector)
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    panel.refresh()  # opens the first model on the worker
    assert time.monotonic() - started < 0.5 and panel.busy and panel.progress.isVisibleTo(panel)
    qtbot.waitUntil(lambda: bool(panel.layers), timeout=10000)
    timer.stop()
    assert len(ticks) >= 20  # ~1.5 s of work: the GUI thread kept running its timers
    assert max(np.diff(ticks)) < 0.5
    wait_idle(qtbot, panel)

    panel.open_model("tiny-mask")
    assert panel.busy
    panel.progress.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=3000)
    assert panel.status.text() == "Cancelled." and panel.layers == [] and not panel.progress.isVisibleTo(panel)


def test_feature_visualization_without_torch_says_so(qtbot, make_panel, models, monkeypatch):
    from photoai.runtime.inspector import features

    monkeypatch.setattr(features, "has_module", lambda name: False)
    panel = make_panel(models)
    panel.refresh()
    qtbot.waitUntil(lambda: bool(panel.layers), timeout=10000)
    assert not panel.feature_button.isEnabled() and "needs PyTorch" in panel.feature_caption.text()


def test_a_broken_model_is_a_message(qtbot, make_panel, tmp_path):
    folder = tmp_path / "broken"
    spec, _ = tiny_onnx.install(folder, "tiny")
    spec.path.write_bytes(b"not onnx")
    panel = make_panel(Runtime(folder, user_models=False))
    panel.refresh()
    wait_idle(qtbot, panel)
    assert "corrupt" in panel.status.text() and "could not be read" in panel.summary.text()


def test_the_editor_has_the_dock_in_the_view_menu(qtbot, window, photo):
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    toggle = next(a for a in view.actions() if a.text() == "Inspect Model")
    assert not window.inspector_dock.isVisible()
    toggle.trigger()
    assert window.inspector_dock.isVisible()
    panel = window.inspector_dock.panel
    assert panel.summary.text() == "No models are installed."  # the fake runtime has none
    window.open_path(photo, background=False)
    assert panel.view is None and not panel.busy
    toggle.trigger()
    assert not window.inspector_dock.isVisible()
    panel.shutdown()


def test_overlay_follows_the_region(qtbot, canvas):
    item = MapOverlayItem(canvas.image_item)
    from PySide6.QtGui import QImage

    item.set_picture(QImage(8, 4, QImage.Format.Format_RGB888), Rect(10, 20, 32, 16))
    assert item.boundingRect().getRect() == (10, 20, 32, 16)


def test_closing_the_window_stops_the_inspector(qtbot, window, monkeypatch):
    stopped = []
    monkeypatch.setattr(window.inspector_dock.panel, "shutdown", lambda *a: stopped.append(True))
    window.close()
    assert stopped == [True]


def test_keep_undo_and_redo_refresh_the_inspector(qtbot, window, photo, monkeypatch):
    """Activations of the photo before a Keep (or Undo/Redo) are stale: the panel is told each time."""
    from photoai.core.image import ImageBuffer

    calls = []
    monkeypatch.setattr(window.inspector_dock.panel, "document_changed", lambda: calls.append(True))
    window.open_path(photo, background=False)
    calls.clear()
    doc = window.document
    doc.propose(ImageBuffer(1.0 - doc.image.rgb), "demo", "Invert", {})
    assert calls == []  # a pending result leaves the photo as it is
    doc.keep()
    assert len(calls) == 1
    doc.undo()
    doc.redo()
    assert len(calls) == 3
    window.inspector_dock.panel.shutdown()
