"""A LivePlugin that declares ``renders_new_arrays`` has its in-range result kept without a copy; by default
(the result may be its cached state) it is copied, and an out-of-range one is clipped either way."""

from __future__ import annotations

import numpy as np

from photoai.core.image import ImageBuffer
from photoai.plugin_api import LivePlugin, PluginInfo
from photoai.plugin_api.execute import analyze_plugin, render_analysis, run_plugin


class Fresh(LivePlugin):
    info = PluginInfo("fresh", "Fresh")
    renders_new_arrays = True

    def __init__(self, level: float = 0.5) -> None:
        self.level = level
        self.made: list[np.ndarray] = []

    def analyze(self, request, ctx):
        return request.image.shape

    def render(self, analysis, request, ctx):
        self.made.append(np.full(analysis, self.level, np.float32))
        return self.made[-1]


class Cached(Fresh):
    renders_new_arrays = False


IMAGE = ImageBuffer(np.zeros((6, 9, 3), np.float32))


def test_a_new_array_is_kept_a_possibly_cached_one_copied():
    fresh = Fresh()
    assert run_plugin(fresh, IMAGE).rgb is fresh.made[-1]
    analysis = analyze_plugin(fresh, IMAGE)
    assert render_analysis(fresh, analysis).rgb is fresh.made[-1]
    cached = Cached()
    out = run_plugin(cached, IMAGE).rgb
    assert out is not cached.made[-1] and np.array_equal(out, cached.made[-1])


def test_out_of_range_is_clipped_either_way():
    fresh = Fresh(level=1.5)
    out = run_plugin(fresh, IMAGE).rgb
    assert out is not fresh.made[-1] and out.max() == 1.0
