"""run_plugin's output checks find NaN/inf without full-size masks and copy the result only when they must
(out of range, read-only, or a LivePlugin's, which may be its cached state)."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.errors import PluginError
from photoai.core.image import ImageBuffer
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.plugin import BasePlugin, LivePlugin, PluginInfo


class Returns(BasePlugin):
    """Returns the array it was given, whatever the input."""

    info = PluginInfo("returns", "Returns")

    def __init__(self, out: np.ndarray) -> None:
        self.out = out

    def run(self, request, ctx):
        return self.out


class LiveReturns(LivePlugin):
    info = PluginInfo("live-returns", "Live returns")

    def __init__(self, out: np.ndarray) -> None:
        self.out = out

    def analyze(self, request, ctx):
        return self.out

    def render(self, analysis, request, ctx):
        return analysis


@pytest.fixture
def image() -> ImageBuffer:
    return ImageBuffer(np.zeros((8, 10, 3), np.float32))


def test_an_in_range_result_is_kept_without_a_copy(image):
    mine = np.random.default_rng(0).random((8, 10, 3)).astype(np.float32)
    assert run_plugin(Returns(mine), image).rgb is mine


def test_out_of_range_read_only_or_live_results_are_clipped_copies(image):
    wild = np.linspace(-1, 2, 240, dtype=np.float32).reshape(8, 10, 3)
    out = run_plugin(Returns(wild), image).rgb
    assert out is not wild and out.min() == 0.0 and out.max() == 1.0 and wild.min() == -1.0
    frozen = np.full((8, 10, 3), 0.5, np.float32)
    frozen.flags.writeable = False
    assert run_plugin(Returns(frozen), image).rgb is not frozen
    cached = np.full((8, 10, 3), 0.5, np.float32)
    assert run_plugin(LiveReturns(cached), image).rgb is not cached


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_any_invalid_pixel_is_found(image, bad):
    out = np.full((8, 10, 3), 0.5, np.float32)
    out[7, 9, 2] = bad
    with pytest.raises(PluginError, match="invalid"):
        run_plugin(Returns(out), image)
