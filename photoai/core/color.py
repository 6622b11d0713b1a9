"""Colour science: sRGB <-> CIELAB (D65) and the CIEDE2000 colour difference, numpy only.

:func:`ciede2000` follows Sharma, Wu & Dalal, *The CIEDE2000 Color-Difference Formula: Implementation
Notes, Supplementary Test Data, and Mathematical Observations* (Color Res. Appl. 30(1), 2005), with
k_L = k_C = k_H = 1, vectorized over any array shape; ``tests/core/test_color.py`` checks it on the
paper's test pairs.

:func:`lab_to_rgb` inverts :func:`rgb_to_lab`; a colour outside the sRGB gamut is desaturated towards the
gray of its own luminance (:func:`gamut_map`), so the lightness L is kept. :class:`LabToRgb` is the fast
(float32, band by band) form of the same conversion for many renders of one lightness plane (the
colorization plugin's live re-render): what depends only on L is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["srgb_to_linear", "linear_to_srgb", "rgb_to_lab", "luminance", "lightness", "lab_to_rgb", "gamut_map",
           "gamut_scale", "LabToRgb", "LabBand", "encode_srgb", "ciede2000", "delta_e2000"]

# Linear sRGB (D65) -> XYZ, IEC 61966-2-1; the white point is its row sums, so RGB white -> a = b = 0.
_RGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
_WHITE = _RGB_TO_XYZ.sum(axis=1)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ / _WHITE[:, None])  # XYZ relative to the white -> linear sRGB
_LUMA = _RGB_TO_XYZ[1] / _WHITE[1]  # linear sRGB -> Y (white = 1)
_DELTA = 6.0 / 29.0
_LINEAR_KNEE = 0.0031308  # the sRGB curve is linear below this (linear light)
_25_POW_7 = 25.0 ** 7


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB values in [0, 1] -> linear light (float64)."""
    c = np.asarray(rgb, np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((np.maximum(c, 0.04045) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear light in [0, 1] -> sRGB values (the sRGB curve; float64)."""
    c = np.asarray(linear, np.float64)
    return np.where(c <= 0.0031308, c * 12.92, 1.055 * np.maximum(c, 0.0031308) ** (1 / 2.4) - 0.055)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """...x3 sRGB in [0, 1] -> ...x3 CIELAB (L in [0, 100]) under D65, float64."""
    xyz = srgb_to_linear(rgb) @ (_RGB_TO_XYZ / _WHITE[:, None]).T
    f = np.where(xyz > _DELTA ** 3, np.cbrt(xyz), xyz / (3 * _DELTA ** 2) + 4.0 / 29.0)
    return np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]), 200.0 * (f[..., 1] - f[..., 2])],
                    axis=-1)


def _f(t: np.ndarray) -> np.ndarray:
    """CIELAB's companding function f(t) (t = Y / Yn etc.)."""
    return np.where(t > _DELTA ** 3, np.cbrt(t), t / (3 * _DELTA ** 2) + 4.0 / 29.0)


def _f_inv(t: np.ndarray) -> np.ndarray:
    """The inverse of :func:`_f`."""
    return np.where(t > _DELTA, t ** 3, 3 * _DELTA ** 2 * (t - 4.0 / 29.0))


def luminance(rgb: np.ndarray) -> np.ndarray:
    """...x3 sRGB in [0, 1] -> the relative luminance Y (0-1) of each pixel, float32, computed in float32 in
    small bands (a 24 MP photo needs no float64 copy of itself)."""
    rgb = np.asarray(rgb)
    flat = rgb.reshape(-1, 3)
    out = np.empty(flat.shape[0], np.float32)
    luma = _LUMA.astype(np.float32)
    step = 1 << 14
    for i in range(0, flat.shape[0], step):
        c = np.asarray(flat[i:i + step], np.float32)
        lin = np.maximum(c, np.float32(0.04045))
        lin += np.float32(0.055)
        lin *= np.float32(1 / 1.055)
        np.power(lin, np.float32(2.4), out=lin)
        low = c <= 0.04045
        lin[low] = c[low] * np.float32(1 / 12.92)
        np.matmul(lin, luma, out=out[i:i + step])
    return out.reshape(rgb.shape[:-1])


def lightness(rgb: np.ndarray) -> np.ndarray:
    """...x3 sRGB in [0, 1] -> CIELAB L (0-100), float32 (the L of :func:`rgb_to_lab`)."""
    return (116.0 * _f(luminance(rgb)) - 16.0).astype(np.float32)


def gamut_scale(hi: np.ndarray, lo: np.ndarray, y: np.ndarray) -> np.ndarray:
    """How far (0-1) a linear sRGB colour with largest channel ``hi``, smallest ``lo`` and luminance ``y``
    may keep its distance from the gray (Y, Y, Y) to fit into [0, 1]: exactly 1 for an in-gamut colour.
    Elementwise and without branches, so it serves a few colours or whole planes alike:
    min((1 - y) / max(hi - y, 1 - y), y / max(y - lo, y)), in place in two temporaries."""
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.subtract(1.0, y)
        s = np.subtract(hi, y)
        np.maximum(s, room, out=s)
        np.divide(room, s, out=s)  # towards white
        np.subtract(y, lo, out=room)
        np.maximum(room, y, out=room)
        np.divide(y, room, out=room)  # towards black
        np.fmin(s, room, out=s)  # fmin: the 0/0 of a gray that is white or black is not a limit
    return np.clip(s, 0.0, 1.0, out=s)


def gamut_map(linear: np.ndarray, y: np.ndarray) -> np.ndarray:
    """In place: each linear sRGB colour (...x3) with a channel outside [0, 1] is moved towards the gray
    (Y, Y, Y) of its luminance ``y`` (...) just far enough to fit (:func:`gamut_scale`), so its luminance and
    hue stay; in-gamut colours are untouched. Returns ``linear``."""
    hi, lo = linear.max(axis=-1), linear.min(axis=-1)
    bad = (hi > 1.0) | (lo < 0.0)
    if bad.any():
        yb = y[bad][..., None]
        s = gamut_scale(hi[bad][..., None], lo[bad][..., None], yb)
        linear[bad] = np.clip(yb + s * (linear[bad] - yb), 0.0, 1.0)
    return linear


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """...x3 CIELAB (D65) -> sRGB in [0, 1] (float64): the inverse of :func:`rgb_to_lab`; out-of-gamut
    colours are desaturated towards the gray of their own luminance (:func:`gamut_map`), so L is kept."""
    lab = np.asarray(lab, np.float64)
    fy = (lab[..., 0] + 16.0) / 116.0
    xyz = np.stack([_f_inv(fy + lab[..., 1] / 500.0), _f_inv(fy), _f_inv(fy - lab[..., 2] / 200.0)], axis=-1)
    linear = gamut_map(xyz @ _XYZ_TO_RGB.T, xyz[..., 1])
    return linear_to_srgb(linear)


def encode_srgb(linear: np.ndarray, work: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Linear light in [0, 1] (float32) -> sRGB values in ``out`` (any strides; default: in place), the curve
    of :func:`linear_to_srgb` as one call per step over the whole array: 12.92 (min(c, k) - k) +
    1.055 max(c, k)^(1 / 2.4) - 0.055 with k the knee, where the two pieces meet (to 3e-8); the power as
    2^(log2(c) / 2.4 + log2(1.055)), which numpy computes several times faster than ``power``; within 3e-7 of
    the curve and in [0, 1]. ``work``: a float32 buffer of the same shape; ``linear`` is overwritten."""
    np.clip(linear, np.float32(_LINEAR_KNEE), np.float32(1.0), out=work)  # clip: numpy's fast path
    np.log2(work, out=work)
    work *= np.float32(1 / 2.4)
    work += np.float32(np.log2(1.055))
    np.exp2(work, out=work)
    np.clip(linear, np.float32(0.0), np.float32(_LINEAR_KNEE), out=linear)
    linear -= np.float32(_LINEAR_KNEE + 0.055 / 12.92)
    linear *= np.float32(12.92)
    if out is None:
        linear += work
        return np.clip(linear, np.float32(0.0), np.float32(1.0), out=linear)  # float32 rounding
    np.add(linear, work, out=out)  # the interleaving write: cheaper here than in the clip
    return np.clip(out, np.float32(0.0), np.float32(1.0), out=out)


@dataclass
class LabBand:
    """Work buffers of :meth:`LabToRgb.rows` for bands of up to ``rows`` rows of ``width`` pixels; fill
    :meth:`offsets` for each band. Reuse one across bands (fresh pages cost more than the arithmetic), one
    per concurrent caller."""

    width: int
    rows: int

    def __post_init__(self) -> None:
        n = self.rows * self.width
        self.xzy = np.empty((3, n), np.float32)  # the offsets, then X, Z, Y; at the end the curve's work
        self.work = np.empty((4, n), np.float32)  # u and u^3 for f^-1, then linear R, G, B

    def offsets(self, n: int) -> np.ndarray:
        """The (a / 500, -b / 200) planes of ``n`` rows (2 x n x W) that :meth:`LabToRgb.rows` reads."""
        return self.xzy[:2, :n * self.width].reshape(2, n, self.width)


class LabToRgb:
    """Fast CIELAB -> sRGB for one lightness plane and any number of ab planes (float32, band by band).

    ``LabToRgb(y)`` takes the luminance Y (HxW, 0-1; :func:`luminance`) and keeps what depends only on it
    (Y and f(Y)). A render fills a :class:`LabBand`'s offsets with a / 500 and -b / 200 (:data:`AB_SCALE`:
    the offsets of f(X) and f(Z) from f(Y)) for some rows and calls :meth:`rows`. The result equals
    :func:`lab_to_rgb` up to float32 rounding; Y, and so L, is the given one (out-of-gamut colours keep it,
    :func:`gamut_scale`). Every step is one numpy call over a band of contiguous planes (X, Z, Y -> R, G, B
    is one BLAS product); only the last one writes the interleaved pixels."""

    #: CIELAB (a, b) -> the offsets of f(X) and f(Z) from f(Y).
    AB_SCALE = (1.0 / 500.0, -1.0 / 200.0)

    def __init__(self, y: np.ndarray) -> None:
        self.y = np.ascontiguousarray(y, np.float32)
        self.fy = _f(self.y).astype(np.float32)
        self._matrix = np.ascontiguousarray(_XYZ_TO_RGB[:, [0, 2, 1]], np.float32)  # X, Z, Y -> R, G, B

    @property
    def shape(self) -> tuple[int, int]:
        return self.y.shape[0], self.y.shape[1]

    def band(self, rows: int) -> LabBand:
        """Work buffers for :meth:`rows` of up to ``rows`` rows."""
        return LabBand(self.shape[1], rows)

    def rows(self, top: int, band: LabBand, out: np.ndarray) -> np.ndarray:
        """sRGB (n x W x 3 float32, written into ``out``, C-contiguous) of rows ``top .. top + n`` whose
        (a / 500, -b / 200) are in ``band.offsets(n)`` (overwritten)."""
        if not out.flags.c_contiguous:
            raise ValueError("LabToRgb.rows writes into a C-contiguous n x W x 3 array")
        n = out.shape[0]
        size = n * self.shape[1]
        y = self.y[top:top + n].reshape(-1)
        xz = band.offsets(n)  # t = f(X), f(Z) -> X, Z: f^-1(t) = u^3 + 3 delta^2 (t - u) with u = max(t, delta)
        xz += self.fy[top:top + n]
        u, cube = (w[:, :size].reshape(xz.shape) for w in (band.work[:2], band.work[2:]))
        if xz.min() > _DELTA:  # no near-black pixel in the band: u = t, so just t^3 (the same values)
            np.multiply(xz, xz, out=cube)
            xz *= cube
        else:
            np.clip(xz, np.float32(_DELTA), np.float32(np.inf), out=u)  # clip: numpy's fast path, unlike maximum
            xz -= u
            xz *= np.float32(3 * _DELTA ** 2)
            np.multiply(u, u, out=cube)
            cube *= u
            xz += cube
        xzy = band.xzy[:, :size]
        xzy[2] = y
        linear = band.work[:3, :size]
        np.matmul(self._matrix, xzy, out=linear)
        if linear.min() < 0.0 or linear.max() > 1.0:  # towards the gray: X, Z scaled about Y, so L is kept
            s = gamut_scale(linear.max(axis=0), linear.min(axis=0), y)
            xzy[:2] -= y
            xzy[:2] *= s
            xzy[:2] += y
            np.matmul(self._matrix, xzy, out=linear)
        return encode_srgb(linear, xzy, out.reshape(size, 3).T)


def _hue(b: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Hue angle in degrees [0, 360); 0 where a = b = 0."""
    return np.mod(np.degrees(np.arctan2(b, a)), 360.0)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 difference between ...x3 CIELAB arrays (broadcast), float64 of shape ``...``."""
    lab1, lab2 = np.asarray(lab1, np.float64), np.asarray(lab2, np.float64)
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_mean7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2.0) ** 7
    g = 0.5 * (1.0 - np.sqrt(c_mean7 / (c_mean7 + _25_POW_7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = _hue(b1, a1p), _hue(b2, a2p)
    chroma = c1p * c2p != 0.0

    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(chroma, dh, 0.0)
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2.0 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2.0))

    l_mean, c_mean = (l1 + l2) / 2.0, (c1p + c2p) / 2.0
    h_sum = h1p + h2p
    h_mean = np.where(np.abs(h1p - h2p) <= 180.0, h_sum / 2.0,
                      np.where(h_sum < 360.0, (h_sum + 360.0) / 2.0, (h_sum - 360.0) / 2.0))
    h_mean = np.where(chroma, h_mean, h_sum)
    t = (1.0 - 0.17 * np.cos(np.radians(h_mean - 30.0)) + 0.24 * np.cos(np.radians(2.0 * h_mean))
         + 0.32 * np.cos(np.radians(3.0 * h_mean + 6.0)) - 0.20 * np.cos(np.radians(4.0 * h_mean - 63.0)))
    d_theta = 30.0 * np.exp(-(((h_mean - 275.0) / 25.0) ** 2))
    c_mean7p = c_mean ** 7
    r_c = 2.0 * np.sqrt(c_mean7p / (c_mean7p + _25_POW_7))
    l50 = (l_mean - 50.0) ** 2
    s_l = 1.0 + 0.015 * l50 / np.sqrt(20.0 + l50)
    s_c = 1.0 + 0.045 * c_mean
    s_h = 1.0 + 0.015 * c_mean * t
    r_t = -np.sin(np.radians(2.0 * d_theta)) * r_c
    tl, tc, th = d_l / s_l, d_c / s_c, d_h / s_h
    return np.sqrt(np.maximum(tl ** 2 + tc ** 2 + th ** 2 + r_t * tc * th, 0.0))


def delta_e2000(rgb1: np.ndarray, rgb2: np.ndarray) -> np.ndarray:
    """Per-pixel CIEDE2000 between two sRGB images in [0, 1] (...x3 -> ...)."""
    return ciede2000(rgb_to_lab(rgb1), rgb_to_lab(rgb2))
