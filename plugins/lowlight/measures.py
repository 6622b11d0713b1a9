"""Measures of an enhanced photo without ground truth (numpy): brightness, clipping, colourfulness and
the lightness-order error, for ``evaluate --real``."""

from __future__ import annotations

import numpy as np
from PIL import Image

from .plugin import luminance

__all__ = ["mean_brightness", "clipped_share", "colourfulness", "lightness_order_error", "no_reference"]

LOE_SIDE = 50  # the short side both images are reduced to for the LOE (as in Wang et al.'s code)


def mean_brightness(rgb: np.ndarray) -> float:
    """Mean BT.601 luminance of sRGB values in [0, 1]."""
    return float(luminance(np.asarray(rgb, np.float32)).mean())


def clipped_share(rgb: np.ndarray) -> float:
    """Share of pixels blown out: some channel at 255 once quantized to 8 bits."""
    return float((np.asarray(rgb).max(axis=2) >= 254.5 / 255.0).mean())


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk (2003) colourfulness M on 8-bit values: sigma_rgyb + 0.3 mu_rgyb with
    rg = R - G and yb = (R + G) / 2 - B."""
    x = np.asarray(rgb, np.float64) * 255.0
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def _lightness_small(rgb: np.ndarray, side: int) -> np.ndarray:
    """max(R, G, B) reduced (area average) so the short side is ``side``."""
    light = np.asarray(rgb, np.float32).max(axis=2)
    h, w = light.shape
    f = side / min(h, w)
    if f >= 1.0:
        return light
    size = (max(1, round(w * f)), max(1, round(h * f)))
    return np.asarray(Image.fromarray(light, mode="F").resize(size, Image.Resampling.BOX), np.float32)


def lightness_order_error(original: np.ndarray, enhanced: np.ndarray, side: int = LOE_SIDE) -> float:
    """LOE (Wang, Zheng, Hu & Li, *Naturalness preserved enhancement*, TIP 2013): for each pixel, the number
    of pixels whose lightness order (>=) relative to it differs between the photos, averaged; lightness =
    max(R, G, B), both photos reduced to a short side of ``side`` first. 0 = every order kept."""
    a, b = _lightness_small(original, side).ravel(), _lightness_small(enhanced, side).ravel()
    if a.shape != b.shape:
        raise ValueError("the two photos differ in size")
    total = 0
    for start in range(0, a.size, 512):  # 512 x N booleans at a time
        rows = slice(start, start + 512)
        total += int(np.count_nonzero((a[rows, None] >= a[None]) != (b[rows, None] >= b[None])))
    return total / a.size


def no_reference(original: np.ndarray, enhanced: np.ndarray) -> dict[str, float]:
    """The ``--real`` row of one photo: brightness, clipped share, colourfulness, LOE against the input."""
    return {"brightness": mean_brightness(enhanced), "clipped": clipped_share(enhanced),
            "colourfulness": colourfulness(enhanced), "loe": lightness_order_error(original, enhanced)}
