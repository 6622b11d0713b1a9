"""Colorization measures, numpy only: the AuC of the cumulative ab-error curve (Zhang et al. 2016, Table 1,
raw and class-rebalanced; per photo, or over a data set's pixels pooled), colourfulness (Hasler &
Suesstrunk 2003) and PSNR."""

from __future__ import annotations

import numpy as np

MAX_ERROR = 150  # thresholds 0..150 on the Euclidean ab error


def cumulative_mass(pred_ab: np.ndarray, true_ab: np.ndarray, weights: np.ndarray | None = None,
                    max_error: int = MAX_ERROR) -> tuple[np.ndarray, float]:
    """The (weighted) number of pixels whose ab error is within each threshold 0..``max_error`` and the
    total weight: what :func:`auc` normalizes, and what a data set's curve sums over its photos."""
    err = np.hypot(*(np.asarray(pred_ab, np.float64) - np.asarray(true_ab, np.float64)).reshape(-1, 2).T)
    w = np.ones_like(err) if weights is None else np.asarray(weights, np.float64).ravel()
    order = np.argsort(err)
    cum = np.concatenate([[0.0], np.cumsum(w[order])])
    return cum[np.searchsorted(err[order], np.arange(max_error + 1), side="right")], float(cum[-1])


def auc(pred_ab: np.ndarray, true_ab: np.ndarray, weights: np.ndarray | None = None,
        max_error: int = MAX_ERROR) -> float:
    """Area under the cumulative curve of per-pixel ab errors (fraction of pixels within each threshold
    0..``max_error``), in percent; ``weights`` (per pixel) re-weight the pixels (class rebalancing)."""
    within, total = cumulative_mass(pred_ab, true_ab, weights, max_error)
    return auc_of(within, total)


def auc_of(within: np.ndarray, total: float) -> float:
    """The AuC (percent) of a cumulative mass (:func:`cumulative_mass`, or its sum over photos: the curve of
    the data set's pixels pooled, as in Zhang et al.'s Table 1)."""
    return float(100.0 * (np.asarray(within) / max(total, 1e-300)).mean())


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk's M on sRGB in [0, 1] (scaled to 0-255 as in their paper)."""
    x = np.asarray(rgb, np.float64).reshape(-1, 3) * 255.0
    rg = x[:, 0] - x[:, 1]
    yb = 0.5 * (x[:, 0] + x[:, 1]) - x[:, 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of images in [0, 1]."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)
