"""run_plugin and plugins that need raw sensor data (PluginInfo.needs_raw, Request.raw)."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core import io
from photoai.core.dng import write_dng
from photoai.core.errors import PluginError
from photoai.core.image import ImageBuffer
from photoai.plugin_api import BasePlugin, PluginInfo, Request, RunContext
from photoai.plugin_api.execute import NEEDS_RAW, raw_unavailable, run_plugin

pytest.importorskip("rawpy")


class SensorMean(BasePlugin):
    """Fills the image with the mean of the sensor data it was given (or 0 without)."""

    def __init__(self, needs_raw: bool = True) -> None:
        self.info = PluginInfo(id="sensor-mean", title="Sensor mean", needs_raw=needs_raw)
        self.seen: list[Request] = []

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        self.seen.append(request)
        level = 0.0 if request.raw is None else float(request.raw.mosaic.mean()) / 4095
        return np.full_like(request.image, level)


@pytest.fixture
def raw_image(tmp_path) -> ImageBuffer:
    mosaic = np.random.default_rng(0).integers(300, 3000, (24, 32)).astype(np.uint16)
    return io.load(write_dng(tmp_path / "s.dng", mosaic, "RGGB", 256, 4095))


def test_the_plugin_gets_the_sensor_data(raw_image):
    plugin = SensorMean()
    out = run_plugin(plugin, raw_image)
    assert plugin.seen[0].raw is raw_image.raw  # shared, not copied
    assert out.rgb.mean() == pytest.approx(raw_image.raw.mosaic.mean() / 4095, rel=1e-5)


def test_an_ordinary_image_is_refused_with_a_clear_message():
    image = ImageBuffer(np.zeros((8, 8, 3), np.float32))
    assert raw_unavailable(image) == NEEDS_RAW
    with pytest.raises(PluginError) as caught:
        run_plugin(SensorMean(), image)
    assert str(caught.value) == "Sensor mean: needs a camera RAW file (open a .dng/.cr2/.nef/... file)"
    assert run_plugin(SensorMean(needs_raw=False), image).rgb.max() == 0.0  # other plugins do not care


def test_an_unsupported_sensor_gives_its_reason():
    image = ImageBuffer(np.zeros((8, 8, 3), np.float32), source_format="RAW",
                        info={"raw_unsupported": "not supported: X-Trans sensor"})
    with pytest.raises(PluginError, match="^Sensor mean: not supported: X-Trans sensor$"):
        run_plugin(SensorMean(), image)


def test_a_resized_image_no_longer_matches_its_sensor_data(raw_image):
    assert raw_unavailable(raw_image) is None
    smaller = raw_image.with_pixels(np.ascontiguousarray(raw_image.rgb[::2, ::2]))
    assert smaller.raw is raw_image.raw
    with pytest.raises(PluginError, match="changed size"):
        run_plugin(SensorMean(), smaller)


def test_the_sensor_data_survives_a_plugin_run(raw_image):
    out = run_plugin(SensorMean(needs_raw=False), raw_image)
    assert out.raw is raw_image.raw
    assert "needs_raw" in SensorMean().info.to_dict()
