"""Colorize's live preview: its analysis rendered onto the visible region at screen resolution."""

from __future__ import annotations

import numpy as np

from photoai.core.geometry import Rect
from photoai.core.image import ImageBuffer
from photoai.plugin_api import Size
from photoai.plugin_api.execute import analyze_plugin, render_analysis
from photoai.plugin_api.preview import View, can_preview_live, preview_analysis
from photoai_plugins.colorize.plugin import ColorizePlugin
from tests.plugins.colorize.conftest import FakeModel, FakeRuntime, photo


def colour(lightness: np.ndarray, _hinted: np.ndarray) -> np.ndarray:
    """A colour that changes across the photo (so that a wrongly placed region shows)."""
    gh, gw = lightness.shape[0] // 4, lightness.shape[1] // 4
    yy, xx = np.mgrid[0:gh, 0:gw]
    return np.stack([60.0 * xx / gw - 30.0, 40.0 * yy / gh - 20.0], axis=2)


def test_colorize_preview_matches_the_full_render() -> None:
    plugin = ColorizePlugin()
    assert can_preview_live(plugin)
    image = ImageBuffer(photo(120, 160))
    analysis = analyze_plugin(plugin, image, ctx=None, runtime=FakeRuntime(FakeModel(colour=colour)))
    values = {"temperature": 0.6, "saturation": 1.5}
    full = render_analysis(plugin, analysis, values).rgb
    whole = preview_analysis(plugin, analysis, View.whole(image.size, Size(160, 120)), values)
    np.testing.assert_allclose(whole.image.rgb, full, atol=1e-5)  # at full resolution: the same pixels
    part = preview_analysis(plugin, analysis, View(Rect(40, 30, 80, 60), Size(80, 60)), values)
    np.testing.assert_allclose(part.image.rgb, full[30:90, 40:120], atol=1e-5)  # a region: its pixels
    half = preview_analysis(plugin, analysis, View.whole(image.size, Size(80, 60)), values)
    assert half.image.rgb.shape == (60, 80, 3)
    assert np.abs(half.image.rgb - full.reshape(60, 2, 80, 2, 3).mean(axis=(1, 3))).mean() < 0.01
