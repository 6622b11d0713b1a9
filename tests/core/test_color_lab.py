"""CIELAB -> sRGB: the inverse of rgb_to_lab, gamut mapping that keeps L, and the fast banded form."""

from __future__ import annotations

import numpy as np

from photoai.core.color import (
    LabToRgb,
    encode_srgb,
    gamut_map,
    gamut_scale,
    lab_to_rgb,
    lightness,
    linear_to_srgb,
    luminance,
    rgb_to_lab,
)


def _rgb(n: int = 2000, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 3))


def test_lab_to_rgb_inverts_rgb_to_lab():
    rgb = _rgb()
    np.testing.assert_allclose(lab_to_rgb(rgb_to_lab(rgb)), rgb, atol=1e-9)


def test_lightness_and_luminance_match_rgb_to_lab():
    rgb = _rgb().reshape(40, 50, 3).astype(np.float32)
    np.testing.assert_allclose(lightness(rgb), rgb_to_lab(rgb)[..., 0], atol=1e-3)
    gray = np.repeat(rgb[..., :1], 3, axis=2)
    assert luminance(gray).dtype == np.float32
    np.testing.assert_allclose(rgb_to_lab(lab_to_rgb(np.stack([lightness(gray), 0 * gray[..., 0], 0 * gray[..., 0]],
                                                               -1)))[..., 0], lightness(gray), atol=1e-3)


def test_out_of_gamut_colours_keep_their_lightness_and_hue():
    lab = np.array([[95.0, -10.0, -90.0], [20.0, 90.0, 0.0], [3.0, 40.0, -40.0], [100.0, 50.0, 50.0]])
    rgb = lab_to_rgb(lab)
    assert rgb.min() >= 0.0 and rgb.max() <= 1.0
    back = rgb_to_lab(rgb)
    np.testing.assert_allclose(back[:, 0], lab[:, 0], atol=1e-6)
    hue = np.arctan2(lab[:3, 2], lab[:3, 1])
    np.testing.assert_allclose(np.arctan2(back[:3, 2], back[:3, 1]), hue, atol=0.15)  # linear-light mixing: close


def test_gamut_map_leaves_in_gamut_colours_alone():
    linear = np.array([[0.2, 0.5, 0.9], [1.4, 0.2, 0.1], [-0.1, 0.4, 0.3]])
    y = linear @ np.array([0.2126729, 0.7151522, 0.0721750])
    out = gamut_map(linear.copy(), y)
    np.testing.assert_array_equal(out[0], linear[0])
    assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_allclose(out @ np.array([0.2126729, 0.7151522, 0.0721750]), y, atol=1e-9)


def test_the_fast_banded_conversion_equals_lab_to_rgb():
    rng = np.random.default_rng(1)
    lab = rgb_to_lab(rng.random((30, 41, 3)))
    lab[:5, :, 0] = rng.random((5, 41)) * 6  # near black: the linear branch of f^-1
    lab[5:10, :, 0] = 100.0  # white: the gray 0/0 of the gamut scale
    lab[..., 1:] += rng.normal(0.0, 25.0, (30, 41, 2))  # some colours leave the gamut
    lab[12, :5, 1:] = 0.0  # and some are gray
    y = luminance(lab_to_rgb(lab * np.array([1.0, 0.0, 0.0])))
    fast = LabToRgb(y)
    out = np.empty((30, 41, 3), np.float32)
    band = fast.band(8)
    for top in range(0, 30, 8):
        n = min(8, 30 - top)
        band.offsets(n)[...] = (lab[top:top + n, :, 1:] * LabToRgb.AB_SCALE).transpose(2, 0, 1)
        fast.rows(top, band, out[top:top + n])
    assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_allclose(out, lab_to_rgb(lab), atol=2e-5)


def test_encode_srgb_is_the_srgb_curve():
    linear = np.concatenate([np.linspace(0.0, 0.01, 5001), np.linspace(0.0, 1.0, 100_001)]).astype(np.float32)
    work = np.empty_like(linear)
    out = encode_srgb(linear.copy(), work)
    np.testing.assert_allclose(out, linear_to_srgb(linear.astype(np.float64)), atol=3e-7)
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_gamut_scale_is_one_inside_and_fits_outside():
    hi = np.array([0.9, 1.5, 0.5, 1.0, 0.0])
    lo = np.array([0.1, 0.2, -0.5, 1.0, 0.0])
    y = np.array([0.5, 0.6, 0.2, 1.0, 0.0])  # in gamut, too bright, negative, white, black
    s = gamut_scale(hi, lo, y)
    assert s[0] == 1.0 and s[3] == 1.0 and s[4] == 1.0
    np.testing.assert_allclose(y[1] + s[1] * (hi[1] - y[1]), 1.0)
    np.testing.assert_allclose(y[2] + s[2] * (lo[2] - y[2]), 0.0)
