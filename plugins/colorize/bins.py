"""The quantized ab colour space of Zhang, Isola & Efros, *Colorful Image Colorization* (ECCV 2016), numpy only.

- The Q = 313 bin centres are the paper's in-gamut ab grid points (grid size 10), read from
  ``colorization/pts_in_hull.npy`` in the shared data for training; a trained model carries them
  (its manifest entry's ``config.bins``), so the app never needs the data folder.
- :func:`soft_encode`: the ground truth as a distribution over its ``k`` = 5 nearest bins
  (Gaussian, sigma 5).
- :func:`smoothed_prior` and :func:`rebalance_weights`: class rebalancing,
  w proportional to ((1 - lambda) p~ + lambda / Q)^-1, with E_p~[w] = 1.
- :func:`annealed_mean`: f_T(z) = exp(log z / T) / sum exp(log z / T), then its mean ab; T = 1 is the
  mean, T -> 0 the mode (:data:`MODE`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

BINS_FILE = "colorization/pts_in_hull.npy"  # under the shared data folder
GRID = 10.0
SIGMA = 5.0  # soft encoding and prior smoothing (ab units)
NEIGHBOURS = 5
LAMBDA = 0.5
MODE = 0.0  # the temperature that means "take the most likely bin"


def load_bins(data_dir: Path) -> np.ndarray:
    """The 313x2 bin centres (float32 a, b) from the shared data folder."""
    path = Path(data_dir) / BINS_FILE
    if not path.is_file():
        raise SystemExit(f"colorization bins not found: {path} (see SOURCES.md)")
    bins = np.load(path, allow_pickle=False).astype(np.float32)
    if bins.ndim != 2 or bins.shape[1] != 2:
        raise SystemExit(f"{path}: expected Qx2 ab bin centres, found {bins.shape}")
    return bins


def grid_bins(limit: float = 110.0) -> np.ndarray:
    """Every ab grid point of the paper's spacing inside a disc: bins for tests and fixtures (not the
    paper's in-gamut set)."""
    r = np.arange(-limit, limit + 1, GRID, dtype=np.float32)
    a, b = np.meshgrid(r, r, indexing="ij")
    pts = np.stack([a.ravel(), b.ravel()], axis=1)
    return pts[np.hypot(pts[:, 0], pts[:, 1]) <= limit]


def squared_distances(ab: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """...x2 ab -> ...xQ squared distances to each bin centre (float32)."""
    ab = np.asarray(ab, np.float32)
    d = (ab[..., None, 0] - bins[:, 0]) ** 2
    d += (ab[..., None, 1] - bins[:, 1]) ** 2
    return d


def nearest_bin(ab: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """...x2 ab -> ... index of the nearest bin."""
    return np.argmin(squared_distances(ab, bins), axis=-1)


def soft_encode(ab: np.ndarray, bins: np.ndarray, k: int = NEIGHBOURS, sigma: float = SIGMA) -> np.ndarray:
    """...x2 ab -> ...xQ distribution: Gaussian weights (``sigma``) on the ``k`` nearest bins, summing to 1."""
    d = squared_distances(ab, bins)
    idx = np.argpartition(d, k - 1, axis=-1)[..., :k]
    near = np.take_along_axis(d, idx, axis=-1)
    w = np.exp(-(near - near.min(axis=-1, keepdims=True)) / (2 * sigma ** 2))
    out = np.zeros_like(d)
    np.put_along_axis(out, idx, w / w.sum(axis=-1, keepdims=True), axis=-1)
    return out


def smoothed_prior(counts: np.ndarray, bins: np.ndarray, sigma: float = SIGMA) -> np.ndarray:
    """Bin counts (Q) -> the empirical prior p~ smoothed with a Gaussian of ``sigma`` over ab, summing to 1."""
    p = np.asarray(counts, np.float64)
    p = p / p.sum()
    kernel = np.exp(-squared_distances(bins, bins).astype(np.float64) / (2 * sigma ** 2))
    smooth = kernel @ p
    return smooth / smooth.sum()


def rebalance_weights(prior: np.ndarray, lam: float = LAMBDA) -> np.ndarray:
    """Per-bin weights proportional to ((1 - lam) p~ + lam / Q)^-1, normalized so that E_p~[w] = 1."""
    q = len(prior)
    w = 1.0 / ((1.0 - lam) * prior + lam / q)
    return (w / float(np.sum(prior * w))).astype(np.float32)


def inverse_prior(prior: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """Per-bin weights 1 / p~ (p~ floored at ``floor``): the class-rebalanced evaluation weighs each
    pixel inversely by the probability of its colour class (Zhang et al. 2016, Table 1)."""
    return (1.0 / np.maximum(np.asarray(prior, np.float64), floor)).astype(np.float32)


def entropy(prior: np.ndarray) -> float:
    """The entropy (nats) of a distribution over the bins."""
    p = np.asarray(prior, np.float64)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def log_probs(probs: np.ndarray) -> np.ndarray:
    """Class probabilities -> their logarithm (float32, floored at 1e-12): what :func:`annealed_mean_log`
    re-tempers, so a live re-render takes no logarithm."""
    return np.log(np.maximum(np.asarray(probs, np.float32), np.float32(1e-12)))


def annealed_mean_log(logp: np.ndarray, bins: np.ndarray, temperature: float) -> np.ndarray:
    """...xQ log-probabilities -> ...x2 ab (float32): the annealed mean of :func:`annealed_mean`."""
    if temperature <= MODE:
        return bins[np.argmax(logp, axis=-1)]
    z = logp / np.float32(temperature)
    z -= z.max(axis=-1, keepdims=True)
    np.exp(z, out=z)
    ab = z @ bins
    ab /= z.sum(axis=-1, keepdims=True)
    return ab


def annealed_mean(probs: np.ndarray, bins: np.ndarray, temperature: float) -> np.ndarray:
    """...xQ class probabilities -> ...x2 ab: the mean of the distribution re-tempered by ``temperature``
    (f_T(z) = exp(log z / T) / sum exp(log z / T); 1 = the mean, 0.38 the paper's choice, :data:`MODE` =
    the most likely bin's centre)."""
    return annealed_mean_log(log_probs(probs), np.asarray(bins, np.float32), temperature)
