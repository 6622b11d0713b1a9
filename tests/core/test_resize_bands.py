"""Band-by-band resizing, colour conversion and tiling write into given buffers with the same values as
whole-array passes (bit for bit), so the big buffers need not be copied."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core import resize
from photoai.core.resize import imresize, rgb_to_ycbcr, ycbcr_to_rgb
from photoai.core.tiling import run_tiled


@pytest.fixture
def pixels() -> np.ndarray:
    return np.random.default_rng(3).random((37, 53, 3)).astype(np.float32)


@pytest.mark.parametrize("scale", [2.0, 3.0, 0.5, (2.0, 0.75)])
def test_bands_do_not_change_imresize(pixels, monkeypatch, scale):
    whole = imresize(pixels, scale)
    monkeypatch.setattr(resize, "_BAND_BYTES", 1)  # one output row per band
    np.testing.assert_array_equal(imresize(pixels, scale), whole)
    np.testing.assert_array_equal(imresize(pixels[..., 0], scale), whole[..., 0])


def test_imresize_writes_into_a_channel_view(pixels):
    buf = np.full((74, 106, 3), -1.0, np.float32)
    got = imresize(pixels[..., 1:], 2.0, out=buf[..., 1:])
    assert got.base is buf or got is buf[..., 1:] or np.shares_memory(got, buf)
    np.testing.assert_array_equal(buf[..., 1:], imresize(pixels[..., 1:], 2.0))
    assert (buf[..., 0] == -1).all()
    with pytest.raises(ValueError, match="out has shape"):
        imresize(pixels, 2.0, out=np.empty((10, 10, 3), np.float32))


@pytest.mark.parametrize("color", ["y-bt601", "y-bt601-srcnn"])
def test_colour_conversion_in_place_equals_a_new_array(pixels, monkeypatch, color):
    ycc = rgb_to_ycbcr(pixels, color)
    monkeypatch.setattr(resize, "_BAND_BYTES", 100)
    inplace = pixels.copy()
    assert rgb_to_ycbcr(inplace, color, out=inplace) is inplace
    np.testing.assert_array_equal(inplace, ycc)
    ycbcr_to_rgb(inplace, color, out=inplace)
    np.testing.assert_array_equal(inplace, ycbcr_to_rgb(ycc, color))
    atol = 5e-3 if color == "y-bt601-srcnn" else 1e-5  # the srcnn inverse is inexact, as its authors wrote it
    np.testing.assert_allclose(inplace, pixels, atol=atol)
    assert rgb_to_ycbcr(pixels.astype(np.float64), color).dtype == np.float64


def test_run_tiled_fills_a_given_channel(pixels):
    y = np.ascontiguousarray(pixels[..., 0])

    def double(t: np.ndarray) -> np.ndarray:
        return np.kron(t, np.ones((2, 2), np.float32))

    buf = np.zeros((74, 106, 3), np.float32)
    run_tiled(y, double, scale=2, tile=16, overlap=2, out=buf[..., 2])
    np.testing.assert_array_equal(buf[..., 2], run_tiled(y, double, scale=2, tile=16, overlap=2))
    assert not buf[..., :2].any()
    with pytest.raises(ValueError, match="out must be float32"):
        run_tiled(y, double, scale=2, out=np.zeros((74, 106), np.float64))
