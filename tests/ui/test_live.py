"""Live parameters in the editor: a live slider re-renders the pending result from the cached analysis."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from photoai.plugin_api import FloatParam, IntParam, LivePlugin, PluginInfo
from photoai.plugin_api.execute import run_plugin
from photoai.ui.widgets.param_form import LIVE_HINT
from tests.ui.conftest import open_with_plugin


class LiveTone(LivePlugin):
    """Counts its calls; ``gate`` (open by default) holds renders back to test what happens meanwhile."""

    info = PluginInfo("livetone", "Live tone", params=(
        FloatParam("gain", "Gain", default=0.5, minimum=0.0, maximum=2.0, step=0.05, live=True, help="How much"),
        IntParam("radius", "Radius", default=2, minimum=0, maximum=8),
    ))

    def __init__(self) -> None:
        self.analyzed = 0
        self.rendered: list[float] = []
        self.threads: list[threading.Thread] = []
        self.gate = threading.Event()
        self.gate.set()
        self.fail = False

    def analyze(self, request, ctx):
        self.analyzed += 1
        return request.image.mean(axis=2, keepdims=True) * (1 + request.values["radius"] / 8)

    def render(self, analysis, request, ctx):
        self.threads.append(threading.current_thread())
        self.rendered.append(request.values["gain"])
        self.gate.wait(5)
        ctx.raise_if_cancelled()
        if self.fail:
            raise RuntimeError("render bug")
        return np.clip(request.image * 0.5 + analysis * request.values["gain"] * 0.5, 0, 1)


@pytest.fixture
def live(window, qtbot, photo):
    """The window with a live plugin's result pending (gain 0.5)."""
    plugin = LiveTone()
    open_with_plugin(window, photo, plugin)
    window.plugin_panel.form.set_values({"gain": 0.5, "radius": 2})
    with qtbot.waitSignal(window.job_ended, timeout=5000) as blocker:
        window.run_selected()
    assert blocker.args == ["proposed"] and window.live.active
    yield window, plugin
    plugin.gate.set()
    window.live.shutdown(2000)


def _set(window, key, value):
    window.plugin_panel.form.editors[key].set_value(value)  # as the user does: emits changed


def test_a_live_value_rerenders_on_the_worker_without_a_new_analysis(live, qtbot):
    window, plugin = live
    doc = window.document
    first = doc.proposal.after
    window.canvas.compare_item.set_fraction(0.3)
    assert (plugin.analyzed, plugin.rendered) == (1, [0.5])
    with qtbot.waitSignal(window.live.rendered, timeout=5000):
        _set(window, "gain", 1.5)
    assert plugin.analyzed == 1 and plugin.rendered == [0.5, 1.5]
    assert plugin.threads[-1] is not threading.main_thread()
    p = doc.proposal
    assert p.after is not first and p.values["gain"] == 1.5
    expected = run_plugin(LiveTone(), doc.image, None, {"gain": 1.5, "radius": 2})
    np.testing.assert_array_equal(p.after.rgb, expected.rgb)
    assert not np.array_equal(p.after.rgb, first.rgb)
    assert window.canvas.comparing and window.canvas.compare_item.fraction == pytest.approx(0.3)  # view kept

    window.keep()
    np.testing.assert_array_equal(doc.image.rgb, expected.rgb)
    assert not window.live.active
    _set(window, "gain", 1.0)
    qtbot.wait(50)
    assert plugin.rendered == [0.5, 1.5]  # no cache after Keep: nothing re-renders


def test_the_moved_slider_keeps_the_focus(live, qtbot):
    window, _ = live
    window.activateWindow()
    spin = window.plugin_panel.form.editors["gain"].spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    with qtbot.waitSignal(window.live.rendered, timeout=5000):
        _set(window, "gain", 0.9)
    assert spin.hasFocus() and not window.canvas.hasFocus()


def test_a_non_live_change_drops_the_cache(live, qtbot, dialogs):
    window, plugin = live
    doc = window.document
    shown = doc.proposal.after
    _set(window, "radius", 5)
    assert not window.live.active
    _set(window, "gain", 1.2)
    qtbot.wait(50)
    assert plugin.rendered == [0.5] and doc.proposal.after is shown  # as today: the result waits for Keep
    window.discard()
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        window.run_selected()
    assert plugin.analyzed == 2 and doc.proposal.values == {"gain": 1.2, "radius": 5} and window.live.active


@pytest.mark.parametrize("end", ["undo", "plugin", "mask"])
def test_undo_switching_plugin_or_the_mask_drop_the_cache(live, end):
    window, _ = live
    if end == "undo":
        window.undo()
        assert window.document.proposal is None
    elif end == "plugin":
        window.plugin_panel.select("form")
    else:
        window.document.set_mask(np.ones_like(window.document.mask))
    assert not window.live.active


def test_a_burst_of_moves_renders_only_the_newest_and_stale_renders_are_dropped(live, qtbot):
    window, plugin = live
    plugin.gate.clear()  # the first render of the burst blocks until the burst is over
    for gain in (0.6, 0.7, 0.8, 0.9, 1.0):
        _set(window, "gain", gain)
    qtbot.waitUntil(lambda: len(plugin.rendered) == 2)
    plugin.gate.set()
    qtbot.waitUntil(lambda: window.document.proposal.values["gain"] == 1.0, timeout=5000)
    qtbot.waitUntil(lambda: not window.live.runner.busy)
    assert plugin.rendered == [0.5, 0.6, 1.0]  # 0.7-0.9 were replaced while 0.6 rendered

    plugin.gate.clear()
    _set(window, "gain", 1.4)
    qtbot.waitUntil(lambda: len(plugin.rendered) == 4)
    window.discard()  # the result goes while its render runs: that render is never shown
    shown = []
    window.live.rendered.connect(shown.append)
    plugin.gate.set()
    qtbot.waitUntil(lambda: not window.live.runner.busy, timeout=5000)
    assert shown == [] and window.document.proposal is None


def test_cancel_and_errors_as_for_normal_jobs(live, qtbot, dialogs):
    window, plugin = live
    doc = window.document
    plugin.gate.clear()
    _set(window, "gain", 1.3)
    qtbot.waitUntil(lambda: len(plugin.rendered) == 2)
    window.cancel_job()
    plugin.gate.set()
    qtbot.waitUntil(lambda: not window.live.runner.busy)
    assert doc.proposal.values["gain"] == 0.5 and window.live.active  # cancelled: the result stays

    plugin.fail = True
    with qtbot.waitSignal(window.live.failed, timeout=5000):
        _set(window, "gain", 1.6)
    assert dialogs.errors and dialogs.errors[-1][0] == "Live tone failed"
    assert "RuntimeError: render bug" in dialogs.errors[-1][1]
    assert not window.live.active and doc.proposal.values["gain"] == 0.5


def test_a_slow_render_shows_progress_and_its_cancel_button_stops_it(live, qtbot):
    window, plugin = live
    panel = window.progress_panel
    plugin.gate.clear()
    _set(window, "gain", 1.1)
    qtbot.waitUntil(panel.isVisible, timeout=3000)  # after SLOW_MS
    assert panel.title.text() == "Updating Live tone" and window.plugin_panel.form.isEnabled()
    panel.cancel_button.click()
    plugin.gate.set()
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=3000)
    assert window.document.proposal.values["gain"] == 0.5 and window.live.active


def test_live_sliders_say_they_update_instantly(live):
    window, _ = live
    editors = window.plugin_panel.form.editors
    assert editors["gain"].slider.toolTip() == f"How much ({LIVE_HINT})"
    assert LIVE_HINT not in editors["radius"].spin.toolTip()
