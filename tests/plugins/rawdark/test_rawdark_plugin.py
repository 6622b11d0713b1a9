"""The rawdark plugin on real DNG files (core.dng) with a stand-in denoiser under the runtime's call contract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from photoai.core import io
from photoai.core.dng import FLIP_TO_ORIENTATION, write_dng
from photoai.core.errors import ModelError, ParamError, PluginError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.core.models import ModelSpec
from photoai.core.params import validate
from photoai.core.raw import RawData, render_mosaic
from photoai.plugin_api.execute import run_plugin
from photoai_plugins.rawdark import bayer, noise
from photoai_plugins.rawdark.plugin import (
    MODEL_ID,
    TARGET_MEAN,
    RawDarkPlugin,
    auto_ratio,
    noise_levels,
    normalized_planes,
    to_codes,
)
from tests.plugins.lowlight.conftest import FakeModel, FakeRuntime

pytest.importorskip("rawpy")

SPEC = ModelSpec(id=MODEL_ID, file="rawdark.onnx", sha256="0" * 64, task="rawdark", in_channels=4, out_channels=4,
                 inputs=("raw", "levels"), size_multiple=4, min_size=4, receptive_field=20,
                 input_range=(-1.0, 4.0), output_range=(0.0, 1.0))
PLUGIN = RawDarkPlugin()
BLACK, WHITE = 512, 16383


def identity() -> FakeModel:
    """Returns its ``raw`` input (checks the ``levels`` input's shape)."""
    def fn(raw: np.ndarray, levels: np.ndarray) -> np.ndarray:
        assert raw.shape[1] == 4 and levels.shape == (1, 2, *raw.shape[2:])
        return raw
    return FakeModel(SPEC, fn)


def scene(h: int = 64, w: int = 80) -> np.ndarray:
    """A normalized clean mosaic whose packed mean is :data:`TARGET_MEAN` (a normally exposed frame)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    m = 0.5 + 0.4 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    m[:, w // 2:] *= 0.3
    return (m * (TARGET_MEAN / m[: h // 2 * 2, : w // 2 * 2].mean())).astype(np.float32)


def codes(normalized: np.ndarray) -> np.ndarray:
    return np.round(np.clip(normalized, 0, None) * (WHITE - BLACK) + BLACK).astype(np.uint16)


def test_ratio_parameter():
    (param,) = PLUGIN.info.params
    assert validate(PLUGIN.info.params) == {"ratio": "auto"}
    assert param.coerce("100") == 100 and param.coerce("300") == 300 and param.coerce("1") == 1
    for bad in ("0.5", "301", "bright"):
        with pytest.raises(ParamError):
            param.coerce(bad)


@pytest.mark.parametrize("ratio", [100.0, 300.0])
def test_auto_ratio_finds_the_true_ratio_of_a_dark_frame(ratio):
    """A normally exposed scene shot ``ratio`` times darker, with the paper's noise: auto lands within 25 %."""
    rng = np.random.default_rng(int(ratio))
    clean = scene(256, 320)
    dark = noise.expose_dark(clean, ratio, noise.NoiseLevels(2e-3, 2e-5), noise.Sensor(14, BLACK), rng)
    planes = bayer.pack(bayer.normalize(dark, "RGGB", BLACK, WHITE), "RGGB")
    assert auto_ratio(planes) == pytest.approx(ratio, rel=0.25)


def test_auto_ratio_stays_in_range():
    assert auto_ratio(np.zeros((4, 8, 8), np.float32)) == 300.0
    assert auto_ratio(np.full((4, 8, 8), 0.9, np.float32)) == 1.0


@pytest.mark.parametrize("pattern", bayer.PATTERNS)
def test_ratio_one_with_an_identity_model_is_the_standard_rendering(tmp_path, pattern):
    """Pack, normalize, denoise, unpack and back to codes lose nothing: the result is render_mosaic of the file's
    own mosaic, at the file's orientation."""
    mosaic = codes(scene(64, 80))
    image = io.load(write_dng(tmp_path / "a.dng", mosaic, pattern, BLACK, WHITE, orientation=FLIP_TO_ORIENTATION[6]))
    model = identity()
    out = run_plugin(PLUGIN, image, None, {"ratio": 1}, RunContext(), FakeRuntime(model))
    assert image.raw is not None
    assert out.rgb.shape == (80, 64, 3) == image.rgb.shape
    np.testing.assert_allclose(out.rgb, render_mosaic(image.raw, mosaic), atol=1e-6)
    assert model.calls


def test_odd_sizes_keep_their_size(tmp_path):
    image = io.load(write_dng(tmp_path / "o.dng", codes(scene(63, 81)), "GBRG", BLACK, WHITE,
                              orientation=FLIP_TO_ORIENTATION[3]))
    out = run_plugin(PLUGIN, image, None, {"ratio": 2}, RunContext(), FakeRuntime(identity()))
    assert out.rgb.shape == (63, 81, 3) == image.rgb.shape


def test_the_ratio_amplifies_the_sensor_data(tmp_path):
    """x4 on a frame exposed 4 times shorter gives the rendering of the normal frame (an identity 'denoiser',
    no noise: up to the rounding of the dark frame's codes)."""
    clean = scene()
    dark = codes(clean / 4)
    image = io.load(write_dng(tmp_path / "d.dng", dark, "BGGR", BLACK, WHITE))
    out = run_plugin(PLUGIN, image, None, {"ratio": 4}, RunContext(), FakeRuntime(identity()))
    assert image.raw is not None
    target = render_mosaic(image.raw, codes(clean))
    assert float(np.abs(out.rgb - target).mean()) < 2e-3
    assert float(np.abs(run_plugin(PLUGIN, image, None, {"ratio": 1}, RunContext(),
                                   FakeRuntime(identity())).rgb - target).mean()) > 0.1


def test_the_chosen_ratio_is_shown(tmp_path):
    image = io.load(write_dng(tmp_path / "d.dng", codes(scene() / 50), "RGGB", BLACK, WHITE))
    stages: list[str] = []
    run_plugin(PLUGIN, image, None, {"ratio": "auto"}, RunContext(on_progress=lambda f, s: stages.append(s)),
               FakeRuntime(identity()))
    shown = [s for s in stages if "(auto)" in s]
    assert shown and any(f"x{r}" in shown[-1] for r in (48, 49, 50, 51, 52)), stages


def test_to_codes_inverts_the_normalization():
    mosaic = codes(scene(10, 12))
    data = RawData(Path("x.dng"), mosaic, "GRBG", (500.0, 510.0, 520.0, 500.0), WHITE, (2.0, 1.0, 1.5))
    normalized = bayer.unpack(normalized_planes(data), "GRBG", size=mosaic.shape)
    np.testing.assert_allclose(to_codes(normalized, data), mosaic, atol=0.01)


def test_without_the_model_a_clear_model_error(tmp_path):
    image = io.load(write_dng(tmp_path / "d.dng", codes(scene()), "RGGB", BLACK, WHITE))
    with pytest.raises(ModelError, match="rawdark"):
        run_plugin(PLUGIN, image, None, {"ratio": 100}, RunContext(), FakeRuntime())


def test_not_a_raw_file():
    with pytest.raises(PluginError, match=r"needs a camera RAW file \(open a \.dng"):
        run_plugin(PLUGIN, ImageBuffer(np.zeros((8, 8, 3), np.float32)), None, {}, RunContext(),
                   FakeRuntime(identity()))


def test_small_frames_measure_their_noise_and_tiny_ones_say_so(tmp_path):
    small = io.load(write_dng(tmp_path / "s.dng", codes(scene(40, 48)), "RGGB", BLACK, WHITE))
    assert run_plugin(PLUGIN, small, None, {"ratio": 1}, RunContext(), FakeRuntime(identity())).rgb.shape == (40, 48, 3)
    with pytest.raises(PluginError, match=r"^T: the photo \(10x8\) is too small to measure its noise$"):
        noise_levels(np.random.default_rng(0).random((4, 4, 5), np.float32), "T")  # LibRaw opens no such DNG
