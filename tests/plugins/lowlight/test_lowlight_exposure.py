""""Reach a normal exposure" (plugins/lowlight/tone.py and its use in the plugin): a gain in linear light whose
highlights roll off; it never clips a gradient, keeps hue, leaves a well-exposed photo alone and brings a dark
one to the target; the denoiser is told the extra gain and shifts no colour."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.color import srgb_to_linear
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.plugin_api.execute import run_plugin
from photoai_plugins.lowlight.plugin import TARGET_BRIGHTNESS, LowLightPlugin, luminance
from photoai_plugins.lowlight.tone import (
    DARK,
    KNEE,
    MAX_GAIN,
    NORMAL,
    Exposure,
    choose_exposure,
    shoulder,
    underexposure,
)

from .conftest import DENOISE_SPEC, FakeModel, FakeRuntime, constant_illum, identity_denoise, photo

WHITE_8BIT = 254.5 / 255  # what the evaluation counts as clipped


def run(image: np.ndarray, runtime: FakeRuntime, values: dict | None = None) -> np.ndarray:
    return run_plugin(LowLightPlugin(), ImageBuffer(image), None, values or {}, RunContext(), runtime).rgb


def ramp(n: int = 4096, top: float = 1.0) -> np.ndarray:
    """A gradient of an orange from black to ``top`` (sRGB), mostly dark (quadratic), 1 x n x 3."""
    t = np.linspace(0.0, 1.0, n, dtype=np.float32) ** 2 * top
    return np.stack([t, 0.8 * t, 0.5 * t], axis=1)[None]


def test_the_shoulder_is_smooth_increasing_and_reaches_one_at_the_white_point():
    n = np.linspace(0.0, 20.0, 20001)
    y = shoulder(n, white=20.0)
    assert np.array_equal(y[n <= KNEE], n[n <= KNEE])
    assert np.all(np.diff(y) > 0) and y[-1] == pytest.approx(1.0) and np.all(y[:-1] < 1.0)
    slope = np.diff(y) / np.diff(n)
    above = np.searchsorted(n, KNEE)
    assert slope[above] == pytest.approx(1.0, abs=0.01)  # no kink at the knee: slope 1 on both sides
    np.testing.assert_allclose(shoulder(n[n <= 1], white=1.0), n[n <= 1])  # white point 1: the identity


def test_a_strong_exposure_never_clips_a_gradient():
    dark = ramp(top=0.9)
    exposure = choose_exposure(dark, TARGET_BRIGHTNESS)
    assert exposure.gain > 3
    out = dark.copy()
    exposure.apply(out)
    y = luminance(out)[0]
    assert np.all(np.diff(y) > 0)  # strictly increasing: no plateau at white, no banding from clipping
    assert luminance(out).mean() == pytest.approx(TARGET_BRIGHTNESS, abs=0.005)
    # at 8 bits: the white percentile's 0.5 % and the top of the shoulder, which rounds to 255
    assert np.mean(out.max(axis=2) >= WHITE_8BIT) <= 0.012
    hard = np.clip(srgb_to_linear(dark) * exposure.gain, 0, 1)  # the plain gain it replaces clips a lot more
    assert np.mean(hard.max(axis=2) >= 1.0) > 0.2


def test_the_exposure_keeps_every_pixels_hue():
    rgb = np.random.default_rng(1).random((64, 64, 3)).astype(np.float32) * 0.35
    out = rgb.copy()
    Exposure(gain=12.0, white=6.0).apply(out)  # much of it lands in the shoulder
    lin_in, lin_out = srgb_to_linear(rgb), srgb_to_linear(out)
    assert np.mean(lin_in.max(axis=2) * 12.0 > KNEE) > 0.5  # in the shoulder
    chroma_in = lin_in / lin_in.sum(axis=2, keepdims=True)
    chroma_out = lin_out / lin_out.sum(axis=2, keepdims=True)
    np.testing.assert_allclose(chroma_out, chroma_in, atol=2e-3)
    clipped = np.clip(lin_in * 12.0, 0, 1)  # per-channel clipping would not
    assert np.abs(clipped / clipped.sum(axis=2, keepdims=True) - chroma_in).max() > 0.02


def test_a_well_exposed_photo_is_left_alone():
    normal = photo(96, 128)
    assert normal.max() <= 1.0 and luminance(normal).mean() > TARGET_BRIGHTNESS
    assert choose_exposure(normal, TARGET_BRIGHTNESS).identity
    out = run(normal, FakeRuntime(constant_illum(1.0), identity_denoise()))
    np.testing.assert_array_equal(out, normal)


def test_a_low_key_photo_stays_low_key_and_a_half_dark_one_goes_part_of_the_way():
    runtime = FakeRuntime(constant_illum(1.0), identity_denoise())
    low_key = photo(96, 128, scale=0.85)
    assert NORMAL < luminance(low_key).mean() < TARGET_BRIGHTNESS
    np.testing.assert_array_equal(run(low_key, runtime), low_key)
    between = photo(96, 128, scale=0.6)
    before = float(luminance(between).mean())
    assert DARK < before < NORMAL
    expected = before + underexposure(before) * (TARGET_BRIGHTNESS - before)
    assert luminance(run(between, runtime)).mean() == pytest.approx(expected, abs=0.005)
    assert underexposure(0.05) == 1.0 and underexposure(0.25) == pytest.approx(0.5) and underexposure(0.35) == 0.0


def test_a_dark_photo_is_brought_to_the_target_and_the_gain_is_capped():
    dark = photo(96, 128, scale=0.3)
    runtime = FakeRuntime(constant_illum(1.0), identity_denoise())  # the network itself brightens nothing
    out = run(dark, runtime)
    assert luminance(out).mean() == pytest.approx(TARGET_BRIGHTNESS, abs=0.01)
    np.testing.assert_array_equal(run(dark, runtime, {"auto_exposure": False}), dark)
    np.testing.assert_array_equal(run(dark, runtime, {"strength": 0.0}), dark)  # strength 0: the photo as it is
    black = np.full((32, 32, 3), 0.002, np.float32)
    assert choose_exposure(black, TARGET_BRIGHTNESS).gain == MAX_GAIN


def test_the_denoiser_is_told_the_exposures_gain_and_shifts_no_colour():
    dark = photo(96, 128, scale=0.15)
    tint = FakeModel(DENOISE_SPEC, lambda x, gain: x + np.array([0.0, 0.1, 0.0], np.float32)[None, :, None, None])
    runtime = FakeRuntime(constant_illum(0.5), tint)
    out = run(dark, runtime)
    reference = run(dark, FakeRuntime(constant_illum(0.5), identity_denoise()))
    np.testing.assert_allclose(out, reference, atol=2e-5)  # a green shift of the denoiser is undone
    exposure = choose_exposure(dark / 0.5, TARGET_BRIGHTNESS)
    assert exposure.gain > 1
    for _, gain in tint.calls:
        np.testing.assert_allclose(gain, 2.0 * exposure.gain ** (1 / 2.4), rtol=1e-5)


@pytest.mark.parametrize("exposure", [Exposure(8.0, 3.0), Exposure(1.0, 2.0), Exposure(16.0, 1.0)])
def test_the_fast_exposure_equals_the_exact_one(exposure):
    """The affine shortcut on the sRGB curve's power part and the exact toe give the float64 result."""
    rgb = np.random.default_rng(3).random((64, 80, 3)).astype(np.float32) ** 3 * 1.5  # toe, mid, above 1
    out = rgb.copy()
    exposure.apply(out)
    np.testing.assert_allclose(out, exposure.exact(rgb), atol=1e-6)
