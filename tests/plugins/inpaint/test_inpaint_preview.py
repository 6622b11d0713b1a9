"""The inpaint preview: the network's fill of the view at screen resolution, no full-size pass over the photo."""

import numpy as np
import pytest

from photoai.core.geometry import Rect, Size
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.preview import View, preview_plugin
from photoai.plugin_api.registry import discover_plugins
from photoai_plugins.inpaint.plugin import block_max

from .test_inpaint_plugin import MeanFillRuntime


@pytest.fixture(scope="module")
def plugin():
    return discover_plugins(entry_point_group=None, paths=[]).get("inpaint")


def _photo(h: int, w: int) -> ImageBuffer:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([xx / w, yy / h, 0.5 + 0.3 * np.sin(xx / 9.0)], axis=2)
    return ImageBuffer(rgb.astype(np.float32))


def test_block_max_keeps_thin_strokes_and_reads_only_the_painted_box():
    mask = np.zeros((20, 31), np.float32)
    mask[7, 3:29] = 0.6  # a 1 px scratch: a stride would miss it on most rows
    mask[19, 30] = 1.0  # the last, partial block
    small = block_max(mask, 4)
    assert small.shape == (5, 8) and np.all(small[1, 0:8] == 0.6) and small[4, 7] == 1.0
    assert small.sum() == pytest.approx(8 * 0.6 + 1.0)
    np.testing.assert_array_equal(block_max(mask, 1), mask)
    assert not block_max(np.zeros((9, 9), np.float32), 3).any()


def test_a_zoomed_out_preview_fills_the_holes_of_the_view_at_screen_resolution(plugin):
    image = _photo(600, 800)
    mask = np.zeros((600, 800), np.float32)
    mask[100:160, 500:580] = 1.0  # an object in the view
    mask[400, 420:700] = 1.0  # a 1 px scratch in the view
    mask[300:340, 50:90] = 1.0  # a hole left of the view: not filled
    view = View(Rect(400, 0, 400, 600), Size(100, 150))  # the right half, at a quarter of its size
    preview = preview_plugin(plugin, image, view, mask, {"grow": 0}, runtime=MeanFillRuntime())
    out = preview.image.rgb
    assert preview.region == view.region and out.shape == (150, 100, 3)
    strided = image.rgb[0:600:4, 400:800:4]
    hole = block_max(mask[:, 400:], 4) > 0
    assert np.abs(out[~hole] - strided[~hole]).max() < 1e-6  # the photo around the holes, as the screen shows it
    assert np.abs(out[hole] - strided[hole]).mean() > 0.02  # the holes, the scratch included, are filled
    assert preview.values["fill"] == "auto"  # the values asked for (the preview fills smooth, one pass)


def test_a_preview_at_full_detail_is_the_network_fill_of_the_view(plugin):
    image = _photo(300, 400)
    mask = np.zeros((300, 400), np.float32)
    mask[100:130, 200:240] = 1.0
    view = View(Rect(150, 60, 200, 150), Size(200, 150))  # 100 %: every pixel
    preview = preview_plugin(plugin, image, view, mask, {"grow": 0}, runtime=MeanFillRuntime())
    full = run_plugin(plugin, image, mask, {"fill": "smooth", "working_size": 256, "grow": 0}, RunContext(),
                      MeanFillRuntime())
    assert preview.image.rgb.shape == (150, 200, 3)
    unmasked = mask[60:210, 150:350] == 0
    np.testing.assert_allclose(preview.image.rgb[unmasked], image.rgb[60:210, 150:350][unmasked], atol=1e-6)
    filled = full.rgb[60:210, 150:350]
    assert np.abs(preview.image.rgb - filled).mean() < 0.01  # the same crop, with context cut at the view's margin
