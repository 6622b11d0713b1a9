"""Short-exposure simulation on a clean raw mosaic (Brooks et al. 2019 noise model) and the blind noise
estimate the plugin feeds the network. numpy only.

Units: a mosaic normalized to [0, 1] (0 = black level, 1 = white level). The noise of one exposure with
signal ``x`` has variance ``shot * x + read`` (heteroscedastic Gaussian, the paper's model); the levels are
drawn as in the paper: ``log shot ~ U(log 1e-4, log 0.012)``, ``log read = 2.18 log shot + 1.2 + N(0, 0.26)``.

A dark frame (:func:`expose_dark`): ``clean / ratio``, that noise, quantized to 12 or 14 bits above a black
level (the raw file's integers). Amplified (:func:`amplify`): normalized and multiplied by the ratio back to a
normal exposure, whose noise has variance ``ratio * shot * x + ratio^2 * read`` (:meth:`NoiseLevels.amplified`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import bayer

__all__ = ["NoiseLevels", "Sensor", "random_levels", "random_ratio", "random_sensor", "expose_dark", "amplify",
           "estimate_levels", "RATIO_RANGE", "LOW_RATIO_RANGE"]

SHOT_RANGE = (1e-4, 0.012)
RATIO_RANGE = (50.0, 300.0)
LOW_RATIO_RANGE = (1.0, 50.0)


@dataclass(frozen=True)
class NoiseLevels:
    """Noise variance ``shot * x + read`` for signal ``x`` in normalized units."""

    shot: float
    read: float

    def amplified(self, ratio: float) -> NoiseLevels:
        """The levels after multiplying the frame by ``ratio``."""
        return NoiseLevels(self.shot * ratio, self.read * ratio * ratio)

    def std(self, x: np.ndarray) -> np.ndarray:
        return np.sqrt(self.shot * np.maximum(x, 0.0) + self.read)


@dataclass(frozen=True)
class Sensor:
    """The raw file's integers: ``bits`` deep, ``black`` level, white = 2**bits - 1."""

    bits: int
    black: int

    @property
    def white(self) -> int:
        return 2**self.bits - 1


def random_levels(rng: np.random.Generator) -> NoiseLevels:
    """Shot and read levels drawn with the paper's log-linear model."""
    log_shot = rng.uniform(math.log(SHOT_RANGE[0]), math.log(SHOT_RANGE[1]))
    log_read = 2.18 * log_shot + 1.2 + rng.normal(0.0, 0.26)
    return NoiseLevels(math.exp(log_shot), math.exp(log_read))


def random_ratio(rng: np.random.Generator, low_fraction: float = 0.2) -> float:
    """Amplification ratio, log-uniform in :data:`RATIO_RANGE` (x50-x300), or with probability ``low_fraction``
    in :data:`LOW_RATIO_RANGE` (x1-x50: the plugin also runs on barely dark frames)."""
    lo, hi = LOW_RATIO_RANGE if rng.random() < low_fraction else RATIO_RANGE
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def random_sensor(rng: np.random.Generator) -> Sensor:
    """12 or 14 bits, black level 1-6 % of the range (e.g. 2048 of 16383 is 12.5 %: a little lower here)."""
    bits = int(rng.choice([12, 14]))
    return Sensor(bits, int(round(rng.uniform(0.01, 0.06) * 2**bits)))


def expose_dark(clean: np.ndarray, ratio: float, levels: NoiseLevels, sensor: Sensor,
                rng: np.random.Generator) -> np.ndarray:
    """The raw integers (uint16 mosaic) of a ``ratio`` times shorter exposure of ``clean`` (normalized mosaic)."""
    dark = clean.astype(np.float64) / ratio
    noisy = dark + rng.standard_normal(dark.shape) * levels.std(dark)
    dn = np.round(noisy * (sensor.white - sensor.black) + sensor.black)
    return np.clip(dn, 0, sensor.white).astype(np.uint16)


def amplify(raw: np.ndarray, pattern: str, black: float | tuple[float, ...], white: float, ratio: float) -> np.ndarray:
    """Packed (R, G1, G2, B) planes of the raw mosaic, normalized by black/white and multiplied by ``ratio``:
    the network's ``raw`` input (see :mod:`.net`)."""
    return bayer.pack(bayer.normalize(raw, pattern, black, white), pattern) * np.float32(ratio)


def _box(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window (edges replicated), via an integral image."""
    p = np.pad(x, r, mode="edge").astype(np.float64)
    s = np.pad(p.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    k = 2 * r + 1
    return ((s[k:, k:] - s[:-k, k:] - s[k:, :-k] + s[:-k, :-k]) / (k * k)).astype(np.float32)


def estimate_levels(planes: np.ndarray, bins: int = 16) -> NoiseLevels:
    """Blind estimate of the noise levels of packed planes (4 x h x w, any scale, e.g. amplified) from the
    two greens: ``(G1 - G2) / sqrt(2)`` is nearly pure noise at signal ``(G1 + G2) / 2``; its robust variance
    (median absolute value, which texture and edges barely move) in bins of the locally smoothed signal is
    fitted with ``shot * x + read`` (both >= 0). On 40 training photos unprocessed and exposed dark, the
    estimated / true std at the median signal was 0.99-1.07 (10th-90th percentile) at x50-x300; at x1-x50,
    where the noise is weak, fine texture adds to it (median 1.16, up to ~2.8): the network then smooths a
    little more than needed."""
    g1, g2 = planes[1].astype(np.float32), planes[2].astype(np.float32)
    diff = ((g1 - g2) / math.sqrt(2.0)).ravel()
    level = _box(0.5 * (g1 + g2), 2).ravel()
    edges = np.unique(np.quantile(level, np.linspace(0.0, 1.0, bins + 1)))
    which = np.clip(np.searchsorted(edges, level, side="right") - 1, 0, len(edges) - 2)
    xs, vs, ws = [], [], []
    for b in range(len(edges) - 1):
        sel = which == b
        if sel.sum() < 32:
            continue
        sigma = 1.4826 * float(np.median(np.abs(diff[sel])))
        xs.append(float(np.median(level[sel])))
        vs.append(sigma * sigma)
        ws.append(float(sel.sum()))
    if not xs:
        raise ValueError(f"too few pixels ({planes.shape}) to estimate the noise")
    x, v, w = np.array(xs), np.array(vs), np.sqrt(np.array(ws))
    a = np.stack([np.maximum(x, 0.0), np.ones_like(x)], axis=1)
    shot, read = np.linalg.lstsq(a * w[:, None], v * w, rcond=None)[0]
    if shot < 0:
        shot, read = 0.0, float(np.average(v, weights=w))
    elif read < 0:
        shot, read = float(np.sum(w * w * x * v) / max(np.sum(w * w * x * x), 1e-12)), 0.0
    return NoiseLevels(float(shot), max(float(read), 1e-12))
