"""The selected plugin's models load on a worker before its first Run (photoai/ui/warmup.py, issue 15)."""

from __future__ import annotations

import threading

import pytest

from photoai.core.params import ModelParam
from photoai.plugin_api import BasePlugin, PluginInfo
from photoai.ui.warmup import MAX_WARM, models_to_warm
from tests.ui.conftest import open_with_plugin


class Modelled(BasePlugin):
    """Declares one model and loads it when it runs (as inpaint does)."""

    info = PluginInfo("modelled", "Modelled", model_ids=("fake-net",),
                      params=(ModelParam("model", "Model", choices=("network",), default="network", task="x"),))

    def run(self, request, ctx):
        ctx.runtime.load("fake-net")
        return request.image


class Other(BasePlugin):
    """Another plugin with its own model."""

    info = PluginInfo("other", "Other", model_ids=("other-net",))

    def run(self, request, ctx):
        return request.image


@pytest.fixture
def loads(runtime):
    """The fake runtime loads and caches models: the (model id, thread) of each real load is recorded; a loader
    thread may be held on ``runtime.gate``."""
    runtime.loaded = []
    runtime.cache = {}
    runtime.gate = threading.Event()
    runtime.gate.set()
    runtime.entered = threading.Event()  # set once a load has begun
    lock = threading.Lock()

    def load(model_id):
        with lock:
            if model_id not in runtime.cache:
                runtime.entered.set()
                runtime.gate.wait(5)
                runtime.loaded.append((model_id, threading.current_thread()))
                runtime.cache[model_id] = object()
            return runtime.cache[model_id]

    runtime.load = load
    return runtime.loaded


def test_models_to_warm_follow_the_declaration():
    assert models_to_warm(Modelled(), {"model": "network"}) == ("fake-net",)
    assert models_to_warm(Modelled(), {"model": "imported-net"}) == ()  # the run loads the imported model
    many = BasePlugin()
    many.info = PluginInfo("many", "Many", model_ids=tuple(f"m{i}" for i in range(MAX_WARM + 1)))
    assert models_to_warm(many, {}) == ()  # picks among them by its values: none guessed


def test_selecting_a_plugin_warms_its_model_once_off_the_gui_thread(window, photo, qtbot, loads):
    with qtbot.waitSignal(window.warmup.warmed, timeout=5000) as got:
        open_with_plugin(window, photo, Modelled())
    assert got.args == [("fake-net",)]
    assert [m for m, _ in loads] == ["fake-net"]
    assert loads[0][1] is not threading.main_thread()
    with qtbot.waitSignal(window.job_ended, timeout=5000) as ended:  # the run finds it loaded
        assert window.run_plugin("modelled", window.plugin_panel.values()) is not None
    assert ended.args == ["proposed"]
    window.plugin_panel.select("form")
    with qtbot.waitSignal(window.warmup.warmed, timeout=5000):  # selected again: found in the cache
        window.plugin_panel.select("modelled")
    assert [m for m, _ in loads] == ["fake-net"]


def test_no_warm_up_without_a_photo_or_without_models(window, photo, qtbot, loads):
    window.registry.register(Modelled(), "tests")
    window.plugin_panel._populate()
    window.plugin_panel.select("modelled")  # no photo open: nothing loads
    assert window.warmup.warm() is None
    window.plugin_panel.select("form")  # no models
    assert window.open_path(photo)
    qtbot.waitUntil(lambda: window.document is not None)
    assert window.warmup.warm() is None
    qtbot.wait(100)
    assert loads == []


def test_switching_plugins_drops_the_queued_warm_up(window, photo, qtbot, loads, runtime):
    window.registry.register(Other(), "tests")
    runtime.gate.clear()  # the first load hangs until released
    open_with_plugin(window, photo, Modelled())
    assert runtime.entered.wait(5)  # the worker is loading fake-net
    window.plugin_panel.select("other")  # the load under way finishes; Other's warm-up follows
    window.plugin_panel.select("form")  # no models: Other's queued warm-up is dropped
    runtime.gate.set()
    qtbot.waitUntil(lambda: "fake-net" in runtime.cache, timeout=5000)
    qtbot.wait(200)
    assert "other-net" not in runtime.cache
    assert not window.warmup.runner.busy
    with qtbot.waitSignal(window.job_ended, timeout=5000) as ended:  # the editor still runs plugins
        assert window.run_plugin("form", window.plugin_panel.values()) is not None
    assert ended.args == ["proposed"]
