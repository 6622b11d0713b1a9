"""Grow, shrink and feather the mask."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core import mask_ops
from photoai.core.mask_ops import feather_mask, grow_mask


def brute_dilate(a: np.ndarray, r: int) -> np.ndarray:
    h, w = a.shape
    padded = np.pad(a, r, mode="edge")
    out = np.full_like(a, a.min())
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dx * dx + dy * dy <= r * r:
                np.maximum(out, padded[r + dy:r + dy + h, r + dx:r + dx + w], out=out)
    return out


@pytest.mark.parametrize("r", [1, 2, 5, 12])
def test_disc_dilation_matches_brute_force_across_bands(monkeypatch, r):
    monkeypatch.setattr(mask_ops, "BAND_ROWS", 7)  # several bands, with halos
    a = np.random.default_rng(r).random((40, 33)).astype(np.float32) ** 8
    np.testing.assert_array_equal(mask_ops._max_over_disc(a, r), brute_dilate(a, r))


def test_grow_a_point_gives_a_disc_and_shrink_undoes_it():
    m = np.zeros((101, 120), np.float32)
    m[50, 60] = 1.0
    grown = grow_mask(m, 10)
    yy, xx = np.mgrid[:101, :120]
    np.testing.assert_array_equal(grown, ((yy - 50) ** 2 + (xx - 60) ** 2 <= 100).astype(np.float32))
    np.testing.assert_array_equal(grow_mask(grown, -10), m)
    assert m.sum() == 1.0  # the input is not modified


def test_shrink_keeps_the_photo_border_and_soft_values():
    m = np.zeros((60, 80), np.float32)
    m[:, :30] = 1.0  # painted up to the left edge
    m[20:40, 30:35] = 0.5
    shrunk = grow_mask(m, -5)
    assert shrunk[:, :25].min() == 1.0 and shrunk[:, 25:].max() == 0.5  # only the inner edge moved in
    assert set(np.unique(grow_mask(m, 3))) <= {0.0, 0.5, 1.0}  # grey levels kept, not thresholded


def test_empty_mask_and_zero_radius_change_nothing():
    m = np.zeros((10, 10), np.float32)
    assert not grow_mask(m, 5).any() and not feather_mask(m, 5).any()
    m[3, 3] = 1
    np.testing.assert_array_equal(grow_mask(m, 0), m)


def test_feather_softens_the_edge_over_about_the_radius():
    m = np.zeros((80, 200), np.float32)
    m[:, 100:] = 1.0
    f = feather_mask(m, 8.0)
    row = f[40]
    assert 0.0 <= f.min() and f.max() <= 1.0
    assert abs(row[99] + row[100] - 1.0) < 0.02  # symmetric about the old edge
    assert row[:88].max() < 0.01 and row[112:].min() > 0.99  # fades over ~8 px each side
    assert 0.1 < row[95] < 0.4 and np.all(np.diff(row) >= -1e-6)
    assert abs(f.sum() - m.sum()) / m.sum() < 0.01  # feathering moves, not adds, coverage
