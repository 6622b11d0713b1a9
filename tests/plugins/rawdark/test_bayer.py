"""Packing/unpacking of every 2x2 pattern, odd sizes, black/white normalization."""

from __future__ import annotations

import numpy as np
import pytest

from photoai_plugins.rawdark import bayer


def _mosaic(pattern: str, h: int, w: int) -> np.ndarray:
    """A mosaic whose value says its colour: R 1000s, G1 2000s, G2 3000s, B 4000s (+ a unique index)."""
    m = np.arange(h * w, dtype=np.uint16).reshape(h, w) % 1000
    where = {(0, 0): pattern[0], (0, 1): pattern[1], (1, 0): pattern[2], (1, 1): pattern[3]}
    for (y, x), c in where.items():
        row_has_r = "R" in (where[(y, 0)], where[(y, 1)])
        base = {"R": 1000, "B": 4000}.get(c, 2000 if row_has_r else 3000)
        m[y::2, x::2] += base
    return m


@pytest.mark.parametrize("pattern", bayer.PATTERNS)
def test_pack_canonical_order_and_exact_round_trip(pattern: str) -> None:
    m = _mosaic(pattern, 6, 8)
    planes = bayer.pack(m, pattern)
    assert planes.shape == (4, 3, 4)
    for k, base in enumerate((1000, 2000, 3000, 4000)):
        assert np.all(planes[k] // 1000 * 1000 == base), (pattern, bayer.CHANNELS[k])
    np.testing.assert_array_equal(bayer.unpack(planes, pattern), m)


@pytest.mark.parametrize("pattern", bayer.PATTERNS)
def test_odd_size_cropped_then_restored_with_same_colours(pattern: str) -> None:
    m = _mosaic(pattern, 7, 9)
    planes = bayer.pack(m, pattern)
    assert planes.shape == (4, 3, 4)
    back = bayer.unpack(planes, pattern, size=(7, 9))
    assert back.shape == (7, 9)
    np.testing.assert_array_equal(back[:6, :8], m[:6, :8])
    np.testing.assert_array_equal(back[6] // 1000, m[6] // 1000)  # the filled row keeps the CFA colours
    np.testing.assert_array_equal(back[:, 8] // 1000, m[:, 8] // 1000)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="unsupported CFA"):
        bayer.pack(np.zeros((4, 4)), "RGBW")
    with pytest.raises(ValueError, match="does not match"):
        bayer.unpack(np.zeros((4, 2, 2)), "RGGB", size=(8, 4))


@pytest.mark.parametrize("pattern", bayer.PATTERNS)
def test_normalize_uses_each_channels_black(pattern: str) -> None:
    black = (100.0, 200.0, 300.0, 400.0)
    white = 1100.0
    planes = np.stack([np.full((2, 3), b, np.float32) for b in black])
    planes[:, 0, 0] = white  # saturated -> 1
    planes[:, 1, 1] = [b + 0.5 * (white - b) for b in black]  # half way -> 0.5
    planes[:, 1, 2] = [b - 10 for b in black]  # below black stays negative
    norm = bayer.pack(bayer.normalize(bayer.unpack(planes, pattern), pattern, black, white), pattern)
    np.testing.assert_allclose(norm[:, 0, 1], 0.0)
    np.testing.assert_allclose(norm[:, 0, 0], 1.0)
    np.testing.assert_allclose(norm[:, 1, 1], 0.5)
    assert np.all(norm[:, 1, 2] < 0)
    assert norm.dtype == np.float32


def test_libraw_indices_to_pattern_and_black() -> None:
    idx = np.array([[2, 3], [1, 0]])  # B G2 / G R with color_desc RGBG
    assert bayer.pattern_from_indices(idx) == "BGGR"
    # per colour index: R 10, G 11, B 12, G2 13 -> canonical R, G1 (R's row: index 1), G2 (B's row: 3), B
    assert bayer.black_by_channel(idx, (10, 11, 12, 13)) == (10.0, 11.0, 13.0, 12.0)
    with pytest.raises(ValueError):
        bayer.pattern_from_indices(np.array([[0, 0], [1, 2]]))
