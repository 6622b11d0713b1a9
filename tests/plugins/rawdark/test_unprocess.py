"""Unprocessing and the short-exposure simulation: determinism per seed, ranges, the paper's noise model,
the blind noise estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from photoai_plugins.rawdark import bayer, data, noise, unprocess


def _photo(h: int = 64, w: int = 96, seed: int = 0) -> np.ndarray:
    """A smooth colourful sRGB test image in [0, 1] with a white patch."""
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    rgb = np.stack([0.5 + 0.4 * np.sin(6 * x + seed), 0.5 + 0.4 * np.cos(5 * y), 0.3 + 0.6 * x * y], axis=-1)
    rgb[:8, :8] = 1.0
    return rgb.astype(np.float32)


def test_inverse_smoothstep_inverts_the_tone_curve() -> None:
    x = np.linspace(0.0, 1.0, 101)
    np.testing.assert_allclose(unprocess.inverse_smoothstep(3 * x**2 - 2 * x**3), x, atol=1e-6)


def test_random_camera_is_a_convex_colour_matrix_with_the_papers_gains() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        cam = unprocess.random_camera(rng)
        np.testing.assert_allclose(cam.rgb2cam.sum(axis=1), 1.0, atol=1e-9)  # white stays white
        np.testing.assert_allclose(cam.cam2rgb @ cam.rgb2cam, np.eye(3), atol=1e-9)
        assert 1.9 <= cam.red_gain <= 2.4 and 1.5 <= cam.blue_gain <= 1.9 and cam.pattern in bayer.PATTERNS
    assert unprocess.random_camera(rng, "GBRG").pattern == "GBRG"


def test_unprocess_is_deterministic_in_range_and_protects_highlights() -> None:
    rgb = _photo(65, 97)  # odd: cropped to even
    a = unprocess.unprocess(rgb, unprocess.random_camera(np.random.default_rng(7)))
    b = unprocess.unprocess(rgb, unprocess.random_camera(np.random.default_rng(7)))
    c = unprocess.unprocess(rgb, unprocess.random_camera(np.random.default_rng(8)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (64, 96) and a.dtype == np.float32 and a.min() >= 0.0 and a.max() <= 1.0
    assert a[:8, :8].min() > 0.95  # the white patch keeps its value: no false colour after re-applying gains
    assert 0.02 < float(a.mean()) < 0.5  # linear light is darker than sRGB


def test_noise_levels_follow_the_log_linear_model() -> None:
    rng = np.random.default_rng(0)
    levels = [noise.random_levels(rng) for _ in range(2000)]
    shot = np.log([lv.shot for lv in levels])
    resid = np.log([lv.read for lv in levels]) - (2.18 * shot + 1.2)
    assert shot.min() >= math.log(1e-4) and shot.max() <= math.log(0.012)
    assert abs(resid.mean()) < 0.03 and abs(resid.std() - 0.26) < 0.02
    ratios = np.array([noise.random_ratio(rng) for _ in range(2000)])
    assert ratios.min() >= 1.0 and ratios.max() <= 300.0
    assert 0.7 < np.mean(ratios >= 50) < 0.9  # 20 % lower ratios


def test_expose_dark_quantizes_above_black_and_amplify_undoes_the_exposure() -> None:
    clean = np.full((128, 128), 0.4, np.float32)
    sensor, levels, ratio = noise.Sensor(12, 256), noise.NoiseLevels(1e-3, 1e-6), 100.0
    raw = noise.expose_dark(clean, ratio, levels, sensor, np.random.default_rng(1))
    np.testing.assert_array_equal(raw, noise.expose_dark(clean, ratio, levels, sensor, np.random.default_rng(1)))
    assert raw.dtype == np.uint16 and raw.max() <= 4095
    assert abs(raw.mean() - (256 + 0.004 * (4095 - 256))) < 0.5
    amp = noise.amplify(raw, "RGGB", sensor.black, sensor.white, ratio)
    assert amp.shape == (4, 64, 64)
    assert abs(float(amp.mean()) - 0.4) < 0.01
    want = levels.amplified(ratio).std(np.array(0.4))  # quantization adds (ratio / 3839)^2 / 12
    assert abs(float(amp.std()) - math.sqrt(want**2 + (ratio / 3839) ** 2 / 12)) < 0.01


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_estimate_levels_recovers_strong_noise(seed: int) -> None:
    rng = np.random.default_rng(seed)
    clean = np.clip(unprocess.unprocess(_photo(256, 256, seed), unprocess.random_camera(rng)), 0, 1)
    levels, ratio = noise.NoiseLevels(2e-3, 1e-6), 150.0
    raw = noise.expose_dark(clean, ratio, levels, noise.Sensor(14, 512), rng)
    est = noise.estimate_levels(noise.amplify(raw, "RGGB", 512, 16383, ratio))
    true = levels.amplified(ratio)
    for x in np.quantile(clean, [0.1, 0.5, 0.9]):  # the predicted std within 15 % over the image's signal
        assert abs(float(est.std(np.array(x))) / float(true.std(np.array(x))) - 1) < 0.15, (est, true)


def test_examples_are_deterministic_per_seed() -> None:
    rgb = _photo()
    a = data.make_example(rgb, np.random.default_rng(5), level_jitter=0.25)
    b = data.make_example(rgb, np.random.default_rng(5), level_jitter=0.25)
    for field in ("noisy", "levels", "clean", "wb", "cam2rgb"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.noisy.shape == a.clean.shape == (4, 32, 48) and a.levels.shape == (2,)
    fixed = data.make_example(rgb, np.random.default_rng(6), ratio=200.0)
    assert fixed.ratio == 200.0
    batch = data.validation_batch([(rgb * 255).astype(np.uint8)] * 3, 32)
    np.testing.assert_allclose(batch["ratio"], [50.0, math.sqrt(50 * 300), 300.0], rtol=1e-5)
