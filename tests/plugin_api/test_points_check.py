"""The shared pre-run check refuses a colour hint outside the photo for every plugin with a PointsParam,
through run_plugin and analyze_plugin alike, before the plugin runs (one ParamError naming the point and the
photo's size)."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.errors import ParamError
from photoai.core.image import ImageBuffer
from photoai.core.params import ColorPoint
from photoai.plugin_api import BasePlugin, LivePlugin, PluginInfo, PointsParam
from photoai.plugin_api.execute import analyze_plugin, run_plugin


class Marks(BasePlugin):
    info = PluginInfo("marks", "Marks", params=(PointsParam("spots", "Spots"),))

    def __init__(self) -> None:
        self.ran = 0

    def run(self, request, ctx):
        self.ran += 1
        return request.image


class LiveMarks(LivePlugin):
    info = PluginInfo("live-marks", "Live marks", params=(PointsParam("hints", "Hints"),))

    def __init__(self) -> None:
        self.ran = 0

    def analyze(self, request, ctx):
        self.ran += 1
        return None

    def render(self, analysis, request, ctx):
        return request.image.copy()


IMAGE = ImageBuffer(np.zeros((30, 50, 3), np.float32))  # 50 x 30


@pytest.mark.parametrize("x, y", [(50, 3), (3, 30), (-0.5, 3), (3, -1)])
def test_a_point_outside_the_photo_is_one_param_error_before_the_plugin_runs(x, y):
    for plugin, key, call in ((Marks(), "spots", run_plugin), (LiveMarks(), "hints", analyze_plugin)):
        points = [ColorPoint(49.9, 29.9, (1, 2, 3)), ColorPoint(x, y, (1, 2, 3))]
        with pytest.raises(ParamError) as e:
            call(plugin, IMAGE, values={key: points})
        assert str(e.value) == f"parameter '{key}': point 2 (x {x:g}, y {y:g}) is outside the 50x30 image"
        assert plugin.ran == 0


def test_points_on_the_photo_and_plugins_without_points_run():
    plugin = Marks()
    run_plugin(plugin, IMAGE, values={"spots": [{"x": 0, "y": 0, "rgb": [0, 0, 0]}]})
    assert plugin.ran == 1
    live = LiveMarks()
    analyze_plugin(live, IMAGE)  # no hints
    assert live.ran == 1
