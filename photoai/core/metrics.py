"""Image quality metrics as used in the super-resolution literature (numpy only).

``psnr`` and ``ssim`` take arrays on the same scale (``data_range`` = peak value,
1.0 for [0, 1] data, 255 for 8-bit data).  SR papers compute both on the Y channel
in [0, 255] with ``shave = scale`` border pixels removed; see ``sr_y_metrics``.
"""

from __future__ import annotations

import numpy as np

from photoai.core.resize import rgb_to_y

__all__ = ["psnr", "ssim", "gaussian_kernel", "shave_border", "to_y255", "sr_y_metrics"]


def shave_border(img: np.ndarray, shave: int) -> np.ndarray:
    """Drop ``shave`` pixels from each border of an HxW(xC) image."""
    return img[shave:img.shape[0] - shave, shave:img.shape[1] - shave] if shave > 0 else img


def psnr(a: np.ndarray, b: np.ndarray, shave: int = 0, data_range: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB between ``a`` and ``b`` after shaving borders."""
    a = shave_border(np.asarray(a, dtype=np.float64), shave)
    b = shave_border(np.asarray(b, dtype=np.float64), shave)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch {a.shape} vs {b.shape}")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(data_range ** 2 / mse)


def gaussian_kernel(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    """Normalized 1-D Gaussian (the 2-D window is its outer product)."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(x ** 2) / (2.0 * sigma ** 2))
    return g / g.sum()


def _filter_valid(img: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Separable 'valid' correlation of a 2-D image with ``outer(g, g)``."""
    win = np.lib.stride_tricks.sliding_window_view
    rows = win(img, g.size, axis=0) @ g
    return win(rows, g.size, axis=1) @ g


def ssim(a: np.ndarray, b: np.ndarray, shave: int = 0, data_range: float = 255.0,
         size: int = 11, sigma: float = 1.5) -> float:
    """Mean SSIM (Wang et al. 2004: Gaussian 11x11, sigma 1.5, K1=0.01, K2=0.03, 'valid').

    Inputs are 2-D (single channel, e.g. Y in [0, 255]).
    """
    a = shave_border(np.asarray(a, dtype=np.float64), shave)
    b = shave_border(np.asarray(b, dtype=np.float64), shave)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"need equal 2-D shapes, got {a.shape} vs {b.shape}")
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    g = gaussian_kernel(size, sigma)
    mu_a, mu_b = _filter_valid(a, g), _filter_valid(b, g)
    var_a = _filter_valid(a * a, g) - mu_a ** 2
    var_b = _filter_valid(b * b, g) - mu_b ** 2
    cov = _filter_valid(a * b, g) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2)
    return float(np.mean(num / den))


def to_y255(img: np.ndarray) -> np.ndarray:
    """Y channel in [0, 255] of an RGB image in [0, 1] (a 2-D input is taken as Y in [0, 1])."""
    y = img if img.ndim == 2 else rgb_to_y(np.asarray(img, dtype=np.float64))
    return np.asarray(y, dtype=np.float64) * 255.0


def sr_y_metrics(sr: np.ndarray, hr: np.ndarray, shave: int) -> tuple[float, float]:
    """(PSNR, SSIM) on Y in [0, 255] with ``shave`` border pixels removed, as SR papers report."""
    ys, yh = to_y255(sr), to_y255(hr)
    return psnr(ys, yh, shave), ssim(ys, yh, shave)
