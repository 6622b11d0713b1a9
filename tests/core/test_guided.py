"""The fast guided filter upsampling (photoai.core.guided), numpy only."""

from __future__ import annotations

import numpy as np

from photoai.core.guided import GuidedUpsampler, bilinear_taps, box_mean, guided_upsample


def _area_down(x: np.ndarray, f: int) -> np.ndarray:
    h, w = x.shape[0] // f, x.shape[1] // f
    return x[: h * f, : w * f].reshape(h, f, w, f, *x.shape[2:]).mean(axis=(1, 3))


def test_box_mean_shrinks_at_the_borders():
    x = np.arange(20, dtype=np.float32).reshape(4, 5)
    m = box_mean(x, 1)
    assert m[0, 0] == np.mean(x[:2, :2]) and m[2, 3] == np.mean(x[1:4, 2:5]) and m[3, 4] == np.mean(x[2:, 3:])


def test_bilinear_taps_are_half_pixel_centred():
    i0, i1, w = bilinear_taps(2, 4)  # output centres at input coordinates -0.25, 0.25, 0.75, 1.25
    assert list(i0) == [0, 0, 0, 1] and list(i1) == [1, 1, 1, 1]
    x = np.array([10.0, 20.0])
    np.testing.assert_allclose(x[i0] * (1 - w) + x[i1] * w, [10.0, 12.5, 17.5, 20.0])


def test_a_step_edge_survives_upsampling():
    """The map steps where the guide does; bilinear upsampling would smear the step over ~2x4 pixels,
    the guided result stays flat on both sides up to the full-resolution edge pixel."""
    h, w, f, edge = 64, 96, 8, 43  # the edge is not on the low-resolution grid
    guide = np.zeros((h, w), np.float32)
    guide[:, edge:] = 1.0
    p_full = np.where(guide > 0.5, 0.9, 0.2).astype(np.float32)[..., None].repeat(3, axis=2)
    out = guided_upsample(_area_down(p_full, f), _area_down(guide, f), guide, r=2, eps=1e-4)
    assert out.shape == (h, w, 3)
    np.testing.assert_allclose(out[:, :edge], 0.2, atol=0.01)
    np.testing.assert_allclose(out[:, edge:], 0.9, atol=0.01)


def test_a_flat_guide_gives_the_smooth_bilinear_map():
    p = np.random.default_rng(0).random((6, 8), dtype=np.float32)
    out = guided_upsample(p, np.zeros((6, 8), np.float32), np.zeros((24, 32), np.float32))
    assert out.shape == (24, 32)
    assert out.min() >= p.min() - 1e-6 and out.max() <= p.max() + 1e-6  # a convex blend of box means


def test_bands_equal_the_whole():
    rng = np.random.default_rng(1)
    p, g, guide = rng.random((5, 7, 3), np.float32), rng.random((5, 7), np.float32), rng.random((40, 56), np.float32)
    whole = GuidedUpsampler(p, g, guide.shape).rows(guide, 0)
    np.testing.assert_array_equal(guided_upsample(p, g, guide, band=3), whole)


def test_region_taps_of_the_whole_are_the_bilinear_taps():
    from photoai.core.guided import bilinear_taps, region_taps

    for n_in, n_out in ((8, 37), (37, 8), (5, 5)):
        for a, b in zip(region_taps(n_in, n_out, 0, n_out, n_out), bilinear_taps(n_in, n_out), strict=True):
            np.testing.assert_array_equal(a, b)
    i0, i1, w = region_taps(4, 40, 20, 10, 5)  # the right quarter's middle: source positions 1.5 .. 2.3
    assert i0.min() >= 1 and i1.max() <= 3 and 0 <= w.min() and w.max() < 1
