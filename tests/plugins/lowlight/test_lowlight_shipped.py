"""The shipped models on real photos (skipped until plugins/lowlight/models/ exists, and without the
shared Kodak24 photos): a well-exposed photo changes little, a dark one comes out well exposed."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.image import ImageBuffer
from photoai.core.metrics import psnr
from photoai.plugin_api.execute import run_plugin
from photoai.runtime import Runtime
from photoai_plugins._training import default_data_dir
from photoai_plugins.lowlight.degrade import make_pair
from photoai_plugins.lowlight.evaluate import load_rgb
from photoai_plugins.lowlight.measures import mean_brightness
from photoai_plugins.lowlight.plugin import LowLightPlugin

KODAK = default_data_dir() / "photos" / "kodak24"
PHOTOS = ("kodim03.png", "kodim13.png", "kodim23.png")
PLUGIN = LowLightPlugin()

pytestmark = [
    pytest.mark.skipif(PLUGIN.models_dir is None or not (PLUGIN.models_dir / "manifest.json").is_file(),
                       reason="the lowlight models are not shipped yet"),
    pytest.mark.skipif(not all((KODAK / p).is_file() for p in PHOTOS), reason="Kodak24 is not in the shared data"),
]


def _enhance(rgb: np.ndarray) -> np.ndarray:
    runtime = Runtime(PLUGIN.models_dir, "cpu", user_models=False)
    return run_plugin(PLUGIN, ImageBuffer(rgb), None, {}, runtime=runtime).rgb


@pytest.mark.parametrize("name", PHOTOS)
def test_a_well_exposed_photo_changes_little(name):
    """Within 0.1 of its mean brightness (about 25 levels of 255) and 20 dB PSNR of itself."""
    photo = load_rgb(KODAK / name)
    out = _enhance(photo)
    assert abs(mean_brightness(out) - mean_brightness(photo)) < 0.1
    assert psnr(out, photo, data_range=1.0) > 20.0


@pytest.mark.parametrize("name", PHOTOS)
def test_a_dark_photo_comes_out_well_exposed(name):
    target = load_rgb(KODAK / name)
    dark = make_pair(target, 11, bright_fraction=0.0)[0]
    out = _enhance(dark)
    assert 0.3 < mean_brightness(out) < 0.65
    assert psnr(out, target, data_range=1.0) > psnr(dark, target, data_range=1.0) + 8.0
