"""Classical low-light baselines for the evaluation: a global gamma, CLAHE on L, multi-scale Retinex.

Each maps an HxWx3 float32 sRGB photo in [0, 1] to its enhanced version. OpenCV (the ``train`` and
``test`` extras) is imported inside the functions that use it.
"""

from __future__ import annotations

import numpy as np

from .measures import mean_brightness

__all__ = ["TARGET_MEAN", "gamma_for_mean", "gamma_to_mean", "clahe_l", "msr"]

# A real method cannot know the target's exposure, so the gamma baseline aims at a fixed mean
# brightness: 0.45 is near the mean luminance of well-exposed photos (Kodak24: 0.43).
TARGET_MEAN = 0.45


def gamma_for_mean(rgb: np.ndarray, target: float = TARGET_MEAN, steps: int = 40) -> float:
    """The exponent g for which ``rgb ** g`` has mean brightness ``target`` (bisection on log g, on
    every 4th pixel; the mean falls monotonically as g grows)."""
    sample = np.clip(rgb[::4, ::4], 0.0, 1.0).astype(np.float64)
    lo, hi = np.log(1 / 50), np.log(50)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if mean_brightness(sample ** np.exp(mid)) > target:
            lo = mid
        else:
            hi = mid
    return float(np.exp(0.5 * (lo + hi)))


def gamma_to_mean(rgb: np.ndarray, target: float = TARGET_MEAN) -> np.ndarray:
    """One global gamma (all channels) bringing the mean brightness to ``target``."""
    return np.power(np.clip(rgb, 0.0, 1.0), gamma_for_mean(rgb, target)).astype(np.float32)


def clahe_l(rgb: np.ndarray, clip_limit: float = 2.0, grid: int = 8) -> np.ndarray:
    """CLAHE (OpenCV, clip limit 2, 8x8 tiles) on the L channel of 8-bit CIELAB; a and b kept."""
    import cv2

    u8 = np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)
    lab = cv2.cvtColor(u8, cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(grid, grid)).apply(lab[..., 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB).astype(np.float32) / 255.0


def msr(rgb: np.ndarray, sigmas: tuple[float, ...] = (15.0, 80.0, 250.0), clip: float = 1.0) -> np.ndarray:
    """Multi-scale Retinex (Jobson, Rahman & Woodell 1997) on the intensity (mean of R, G, B) with the
    colour-preserving rescaling of Petro, Sbert & Morel (IPOL 2014): the mean over ``sigmas`` of
    log I - log(Gaussian * I), stretched between its ``clip`` and 100 - ``clip`` percentiles to [0, 1],
    then every channel scaled by new / old intensity (at most up to the first channel that saturates)."""
    import cv2

    rgb = np.clip(rgb, 0.0, 1.0).astype(np.float32)
    intensity = rgb.mean(axis=2) + np.float32(1.0 / 255.0)
    log_i = np.log(intensity)
    r = np.zeros_like(intensity)
    for s in sigmas:
        r += log_i - np.log(cv2.GaussianBlur(intensity, (0, 0), s))
    r /= len(sigmas)
    lo, hi = np.percentile(r, (clip, 100.0 - clip))
    new = np.clip((r - lo) / max(float(hi - lo), 1e-6), 0.0, 1.0)
    factor = np.minimum(new / intensity, 1.0 / np.maximum(rgb.max(axis=2), 1.0 / 255.0)).astype(np.float32)
    return np.clip(rgb * factor[..., None], 0.0, 1.0)
