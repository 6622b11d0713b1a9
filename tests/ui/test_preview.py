"""Previews in the editor: a changed value shows a preview of the visible region first, then the full result."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from photoai.core.geometry import Rect
from photoai.plugin_api import BasePlugin, BoolParam, FloatParam, LivePlugin, PluginInfo
from photoai.plugin_api.preview import LivePreview, PreviewPlugin
from tests.ui.conftest import open_with_plugin


class Gain(PreviewPlugin, BasePlugin):
    """Multiplies by ``gain``; a full run waits for ``gate``, a preview (``slow`` off) for ``preview_gate``."""

    info = PluginInfo("gain", "Gain", params=(
        FloatParam("gain", "Gain", default=0.5, minimum=0.0, maximum=1.0, step=0.05),
        BoolParam("slow", "Slow", default=True),
    ))
    preview_values = {"slow": False}

    def __init__(self) -> None:
        self.gate, self.preview_gate = threading.Event(), threading.Event()
        self.gate.set()
        self.preview_gate.set()
        self.runs: list[tuple[float, bool]] = []

    def run(self, request, ctx):
        v = request.values
        self.runs.append((v["gain"], v["slow"]))
        (self.gate if v["slow"] else self.preview_gate).wait(5)
        ctx.raise_if_cancelled()
        return request.image * v["gain"]


class LiveGain(LivePreview, LivePlugin):
    """A live ``gain``; records full renders and previews (sizes)."""

    info = PluginInfo("livegain", "Live gain", params=(
        FloatParam("gain", "Gain", default=0.5, minimum=0.0, maximum=1.0, step=0.05, live=True),))

    def __init__(self) -> None:
        self.renders: list[float] = []
        self.previews: list[tuple[float, tuple[int, int]]] = []

    def analyze(self, request, ctx):
        return request.image.mean(axis=2, keepdims=True)

    def render(self, analysis, request, ctx):
        self.renders.append(request.values["gain"])
        return np.clip(analysis * request.values["gain"], 0, 1) + request.image * 0

    def render_preview(self, analysis, request, region, ctx):
        self.previews.append((request.values["gain"], request.image.shape[:2]))
        return np.clip(request.image.mean(axis=2, keepdims=True) * request.values["gain"], 0, 1) + request.image * 0


def _pending(window, qtbot, photo, plugin, values):
    open_with_plugin(window, photo, plugin)
    window.plugin_panel.form.set_values(values)
    with qtbot.waitSignal(window.job_ended, timeout=5000) as blocker:
        window.run_selected()
    assert blocker.args == ["proposed"]


def _set(window, key, value):
    window.plugin_panel.form.editors[key].set_value(value)  # as the user does: emits changed


@pytest.fixture
def gain(window, qtbot, photo):
    plugin = Gain()
    _pending(window, qtbot, photo, plugin, {"gain": 0.5, "slow": True})
    yield window, plugin
    plugin.gate.set()
    plugin.preview_gate.set()
    window.previews.shutdown(2000)


def test_a_changed_value_shows_a_preview_then_the_full_result(gain, qtbot):
    window, plugin = gain
    doc = window.document
    plugin.gate.clear()  # the full re-run waits
    with qtbot.waitSignal(window.previews.shown, timeout=5000) as shown:
        _set(window, "gain", 0.8)
    preview = shown.args[0].preview
    r = preview.region  # zoomed out: the result's side of the split (right of the divider at 0.5)
    assert preview.values["gain"] == 0.8 and (r.x, r.y, r.right, r.bottom) == (32, 0, 64, 48)
    np.testing.assert_allclose(preview.image.rgb, doc.image.rgb[r.slices()] * 0.8, atol=1e-6)
    assert window.previews.showing and window.previews.item.zValue() > window.canvas.compare_item.zValue()
    assert doc.proposal.values["gain"] == 0.5  # the full result is not there yet
    qtbot.waitUntil(lambda: window.runner.busy, timeout=5000)  # the re-run starts once the value rests
    assert window.plugin_panel.form.isEnabled()  # the value may change again meanwhile
    with qtbot.waitSignal(window.job_ended, timeout=5000) as ended:
        plugin.gate.set()
    assert ended.args == ["proposed"]
    assert doc.proposal.values["gain"] == 0.8 and doc.proposal.before is doc.image
    np.testing.assert_allclose(doc.proposal.after.rgb, doc.image.rgb * 0.8, atol=1e-6)
    assert not window.previews.showing  # replaced by the full result
    assert plugin.runs == [(0.5, False), (0.5, True), (0.8, False), (0.8, True)]  # the first run was previewed too


def test_a_first_run_shows_a_preview_over_the_photo_then_starts_the_full_run(window, qtbot, photo):
    plugin = Gain()
    open_with_plugin(window, photo, plugin)
    doc = window.document
    window.plugin_panel.form.set_values({"gain": 0.4, "slow": True})
    plugin.preview_gate.clear()  # the preview takes its time
    plugin.gate.clear()
    window.run_selected()
    qtbot.waitUntil(lambda: plugin.runs == [(0.4, False)], timeout=5000)
    qtbot.wait(200)
    assert plugin.runs == [(0.4, False)] and window.runner.busy  # the full run waits for the preview: no core taken
    assert not window.act.run.isEnabled()
    with qtbot.waitSignal(window.previews.shown, timeout=5000) as shown:
        plugin.preview_gate.set()
    preview = shown.args[0].preview
    assert preview.region == Rect(0, 0, *doc.image.size)  # no comparison yet: the whole photo on screen
    np.testing.assert_allclose(preview.image.rgb, doc.image.rgb * 0.4, atol=1e-6)
    assert window.previews.showing and not window.canvas.comparing and doc.proposal is None
    qtbot.waitUntil(lambda: (0.4, True) in plugin.runs, timeout=5000)  # then the full run
    with qtbot.waitSignal(window.job_ended, timeout=5000) as ended:
        plugin.gate.set()
    assert ended.args == ["proposed"] and window.canvas.comparing and not window.previews.showing
    np.testing.assert_allclose(doc.proposal.after.rgb, doc.image.rgb * 0.4, atol=1e-6)
    window.previews.shutdown(2000)


def test_a_first_run_cancelled_during_its_preview_never_runs_in_full(window, qtbot, photo):
    plugin = Gain()
    open_with_plugin(window, photo, plugin)
    plugin.preview_gate.clear()
    window.run_selected()
    qtbot.waitUntil(lambda: plugin.runs == [(0.5, False)], timeout=5000)
    with qtbot.waitSignal(window.job_ended, timeout=5000) as ended:
        window.cancel_job()  # the user's Cancel
    plugin.preview_gate.set()
    qtbot.wait(300)
    assert ended.args == ["cancelled"] and plugin.runs == [(0.5, False)] and not window.previews.showing
    assert window.document.proposal is None
    window.previews.shutdown(2000)


def test_a_stale_preview_is_discarded(gain, qtbot):
    window, plugin = gain
    plugin.preview_gate.clear()  # the first preview is held back
    seen = []
    window.previews.shown.connect(lambda s: seen.append(s.preview.values["gain"]))
    _set(window, "gain", 0.7)
    qtbot.waitUntil(lambda: (0.7, False) in plugin.runs, timeout=5000)
    _set(window, "gain", 0.9)  # before the first preview is done
    plugin.preview_gate.set()
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        pass
    assert seen == [0.9]  # the preview of 0.7 was never shown
    assert window.document.proposal.values["gain"] == 0.9
    assert (0.7, True) not in plugin.runs  # nor was 0.7 ever run in full


def test_a_plugin_without_previews_is_unchanged(window, qtbot, photo):
    _pending(window, qtbot, photo, window.registry.get("form"), {"amount": 0.25})  # a plain plugin
    after = window.document.proposal.after
    _set(window, "amount", 0.5)
    qtbot.wait(2 * 300 + 100)
    assert not window.runner.busy and not window.previews.showing
    assert window.document.proposal.after is after and window.document.proposal.values["amount"] == 0.25


def test_a_live_slider_previews_at_screen_size_then_renders_in_full(window, qtbot, photo):
    plugin = LiveGain()
    _pending(window, qtbot, photo, plugin, {"gain": 0.5})
    doc = window.document
    window.canvas.set_zoom(30.0)  # zoomed in: the visible region only
    with qtbot.waitSignal(window.previews.shown, timeout=5000) as shown:
        _set(window, "gain", 0.6)
    region = shown.args[0].preview.region
    assert region.width < doc.image.size.width and plugin.renders == [0.5]  # no full render while it moves
    assert plugin.previews[-1][0] == 0.6
    with qtbot.waitSignal(window.live.rendered, timeout=5000):
        pass
    assert plugin.renders == [0.5, 0.6] and doc.proposal.values["gain"] == 0.6
    assert not window.previews.showing
    window.live.shutdown(2000)
    window.previews.shutdown(2000)


def test_a_held_slider_previews_until_it_is_released(window, qtbot, photo):
    plugin = LiveGain()
    _pending(window, qtbot, photo, plugin, {"gain": 0.5})
    slider = window.plugin_panel.form.editors["gain"].slider
    slider.setSliderDown(True)  # the user holds the handle
    with qtbot.waitSignal(window.previews.shown, timeout=5000):
        slider.setValue(slider.maximum())
    qtbot.wait(3 * 300)  # held still: no full render yet
    assert plugin.renders == [0.5] and window.previews.showing
    with qtbot.waitSignal(window.live.rendered, timeout=5000):
        slider.setSliderDown(False)  # released: the full render starts at once
    assert plugin.renders == [0.5, 1.0] and not window.previews.showing
    window.live.shutdown(2000)
    window.previews.shutdown(2000)


def test_the_stalls_bench_times_a_change(tmp_path):
    """``bench/ui_stalls.py --change``: the real window previews a changed value, then shows the full result."""
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1", PHOTOAI_HOME=str(tmp_path))
    res = subprocess.run([sys.executable, str(root / "bench" / "ui_stalls.py"), "--mp", "0.2", "--plugin", "superres",
                          "--set", 'model="bicubic"', "--change", "scale=3", "--no-mask", "--formats", "png",
                          "--settle-ms", "50"], capture_output=True, text=True, cwd=root, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    found = re.search(r"scale=3: first preview ([\d.]+) s, full result ([\d.]+) s", res.stdout)
    assert found and float(found[1]) < float(found[2]), res.stdout
    assert "| change scale |" in res.stdout


def test_back_to_the_shown_values_needs_no_full_result(gain, qtbot):
    window, plugin = gain
    with qtbot.waitSignal(window.previews.shown, timeout=5000):
        _set(window, "gain", 0.8)
    _set(window, "gain", 0.5)  # back before the full result: the one on screen is right
    qtbot.waitUntil(lambda: not window.previews.showing and not window.previews.settle.isActive(), timeout=5000)
    assert not window.runner.busy and window.document.proposal.values["gain"] == 0.5
    assert (0.8, True) not in plugin.runs


def test_a_cancelled_rerun_takes_its_preview_away(gain, qtbot, monkeypatch):
    window, plugin = gain
    monkeypatch.setattr("photoai.ui.dialogs.show_error", lambda *a, **k: None)
    plugin.gate.clear()
    with qtbot.waitSignal(window.previews.shown, timeout=5000):
        _set(window, "gain", 0.8)
    qtbot.waitUntil(lambda: window.runner.busy, timeout=5000)
    with qtbot.waitSignal(window.job_ended, timeout=5000) as ended:
        window.cancel_job()  # the user's Cancel
    assert ended.args == ["cancelled"] and not window.previews.showing
    assert window.document.proposal.values["gain"] == 0.5


def test_the_full_run_waits_for_the_preview(gain, qtbot):
    window, plugin = gain
    plugin.preview_gate.clear()  # a slow preview
    _set(window, "gain", 0.7)
    qtbot.wait(3 * 300)  # the value rests, but the preview is not there yet
    assert not window.runner.busy and (0.7, True) not in plugin.runs
    with qtbot.waitSignal(window.job_ended, timeout=5000):
        plugin.preview_gate.set()
    assert plugin.runs[-2:] == [(0.7, False), (0.7, True)] and window.document.proposal.values["gain"] == 0.7
