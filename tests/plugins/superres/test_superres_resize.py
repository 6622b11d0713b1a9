"""MATLAB-compatible imresize, colour conversion and metrics."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.metrics import psnr, ssim
from photoai.core.resize import imresize, rgb_to_y, rgb_to_ycbcr, ycbcr_to_rgb


def test_shapes_follow_matlab_rounding() -> None:
    img = np.zeros((31, 45, 3))
    assert imresize(img, 0.5).shape == (16, 23, 3)  # ceil(31/2), ceil(45/2)
    assert imresize(img[..., 0], 3).shape == (93, 135)
    assert imresize(img, output_shape=(10, 20)).shape == (10, 20, 3)


@pytest.mark.parametrize("scale", [0.25, 1 / 3, 0.5, 0.7, 2, 3, 4])
def test_constant_image_stays_constant(scale: float) -> None:
    out = imresize(np.full((25, 31), 0.37), scale)
    np.testing.assert_allclose(out, 0.37, atol=1e-12)


def test_known_values() -> None:
    # Worked out by hand from MATLAB's contributions(): Keys a=-0.5, symmetric padding.
    np.testing.assert_allclose(imresize(np.array([[1.0, 2, 3, 4]]), 0.5), [[1.4609375, 3.5390625]])
    np.testing.assert_allclose(imresize(np.array([[0.0, 1.0]]), 2),
                               [[-0.09375, 0.203125, 0.796875, 1.09375]] * 2)


def test_float32_preserved_and_channels_independent() -> None:
    rng = np.random.default_rng(1)
    img = rng.random((20, 24, 3)).astype(np.float32)
    out = imresize(img, 0.5)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[..., 1], imresize(img[..., 1].astype(np.float64), 0.5), atol=1e-5)


def test_ycbcr_matches_matlab_and_roundtrips() -> None:
    np.testing.assert_allclose(rgb_to_ycbcr(np.ones((1, 1, 3))) * 255, [[[235, 128, 128]]], atol=1e-9)
    np.testing.assert_allclose(rgb_to_ycbcr(np.zeros((1, 1, 3))) * 255, [[[16, 128, 128]]], atol=1e-9)
    rgb = np.random.default_rng(2).random((5, 6, 3))
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-12)
    np.testing.assert_allclose(rgb_to_y(rgb), rgb_to_ycbcr(rgb)[..., 0], atol=1e-12)


def test_psnr_and_ssim() -> None:
    a = np.random.default_rng(3).random((40, 40)) * 255
    assert psnr(a, a) == float("inf")
    assert psnr(a, a + 1.0, shave=2) == pytest.approx(20 * np.log10(255.0))
    assert ssim(a, a) == pytest.approx(1.0)
    b = a + np.random.default_rng(4).standard_normal(a.shape) * 10
    assert 0 < ssim(a, b) < 1
    assert ssim(a, b) == pytest.approx(ssim(b, a))
