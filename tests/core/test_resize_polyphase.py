"""Integer upscales in ``imresize`` take the polyphase path (strided slices, plane by plane): the same values as
the tap gathers (bit for bit in float32), whole or in bands, into new arrays or strided views."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from photoai.core import resize
from photoai.core.resize import imresize, resize_weights


def _gathers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resize, "_integer_upscale", lambda *args: 0)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real: Callable[..., None] = resize._polyphase

    def spy(*args: object, **kwargs: object) -> None:
        calls.append(1)
        real(*args, **kwargs)

    monkeypatch.setattr(resize, "_polyphase", spy)
    return calls


def _dense(x: np.ndarray, scale: int) -> np.ndarray:
    """The taps as dense matrices, rows then columns: an independent reference (float64)."""
    def matrix(n: int) -> np.ndarray:
        idx, w = resize_weights(n, n * scale, float(scale))
        m = np.zeros((n * scale, n))
        np.add.at(m, (np.arange(n * scale)[:, None], idx), w)
        return m

    planes = x.astype(np.float64).reshape(x.shape[:2] + (-1,))
    out = np.einsum("ih,hwc,jw->ijc", matrix(x.shape[0]), planes, matrix(x.shape[1]))
    return out.reshape(out.shape[:2] + x.shape[2:])


SHAPES = [(1, 1), (2, 3), (5, 7), (37, 53, 1), (31, 18, 2), (29, 41, 3)]


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("shape", SHAPES)
def test_polyphase_equals_the_gathers(monkeypatch, scale, shape):
    x = np.random.default_rng(sum(shape) + scale).random(shape)
    calls = _counting(monkeypatch)
    fast32, fast64 = imresize(x.astype(np.float32), scale), imresize(x, scale)
    assert calls, "the integer upscale did not take the polyphase path"
    _gathers_only(monkeypatch)
    np.testing.assert_array_equal(fast32, imresize(x.astype(np.float32), scale))
    # float64 taps of a non-power-of-two scale differ between phases' rows by an ulp
    np.testing.assert_allclose(fast64, imresize(x, scale), rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast64, _dense(x, scale), rtol=0, atol=1e-12)
    assert fast32.shape == (shape[0] * scale, shape[1] * scale) + shape[2:]


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("height", [1, 3, 7, 32])
def test_bands_into_strided_views(monkeypatch, scale, height):
    """The superres plugin's call: chroma of a YCbCr image (a C-strided view) band by band into a band of RGB."""
    ycc = np.random.default_rng(scale).random((23, 35, 3)).astype(np.float32)
    whole = imresize(ycc[..., 1:], scale)
    monkeypatch.setattr(resize, "_BAND_BYTES", 1000)  # several bands inside each call, too
    frame = np.full((23 * scale, 35 * scale, 3), -1.0, np.float32)
    for top in range(0, len(frame), height):
        rows = slice(top, min(len(frame), top + height))
        got = imresize(ycc[..., 1:], float(scale), rows=rows, out=frame[rows, :, 1:])
        assert np.shares_memory(got, frame)
    np.testing.assert_array_equal(frame[..., 1:], whole)
    assert (frame[..., 0] == -1).all()
    _gathers_only(monkeypatch)
    np.testing.assert_array_equal(whole, imresize(ycc[..., 1:], scale))
    band = imresize(ycc[..., 2], scale, rows=slice(5, 17))
    np.testing.assert_array_equal(band, whole[5:17, :, 1])


def test_other_scales_keep_the_gathers(monkeypatch):
    x = np.random.default_rng(1).random((20, 30, 2)).astype(np.float32)
    calls = _counting(monkeypatch)
    for scale in (1.5, 0.5, 2.5):
        imresize(x, scale)
    assert not calls
    imresize(x, (2.0, 0.75))  # the rows' x2 only, one band per plane
    assert len(calls) == 2
    imresize(x[..., 0], output_shape=(41, 60))  # the columns' x2 only (41 rows are not a multiple of 20)
    assert len(calls) == 3
    with pytest.raises(ValueError, match="out has shape"):
        imresize(x, 2.0, out=np.empty((40, 60, 3), np.float32))
