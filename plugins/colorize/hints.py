"""Colour hints as the network sees them (Zhang et al., SIGGRAPH 2017): ab at the hint pixels plus a mask.

One rasterizer (:func:`paint`) serves training, where hints are simulated from the ground truth
(:func:`simulate`: how many, where and how large vary per sample), and the plugin, where the user's
points are mapped onto the proxy the network sees.
"""

from __future__ import annotations

import numpy as np

GEOMETRIC_P = 1 / 8  # SIGGRAPH 2017: the number of simulated points is geometric with p = 1/8
NO_HINTS = 0.4  # share of training samples without any hint (plain automatic colorization)
MANY_HINTS = 0.1  # share of training samples with 20-120 hints
MAX_SIDE = 5  # simulated hint patches are 1x1 to 5x5 pixels at the training resolution


def empty(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """No hints: ab planes HxWx2 and mask HxW, all zero (float32)."""
    return np.zeros((*shape, 2), np.float32), np.zeros(shape, np.float32)


def paint(hint_ab: np.ndarray, mask: np.ndarray, y: int, x: int, side: int, ab: np.ndarray) -> None:
    """In place: a ``side`` x ``side`` hint of colour ``ab`` whose top-left pixel is (``y``, ``x``), clipped
    to the image."""
    h, w = mask.shape
    rows, cols = slice(max(y, 0), min(y + side, h)), slice(max(x, 0), min(x + side, w))
    hint_ab[rows, cols] = ab
    mask[rows, cols] = 1.0


def count(rng: np.random.Generator) -> int:
    """How many hints a training sample gets."""
    u = rng.random()
    if u < NO_HINTS:
        return 0
    if u < NO_HINTS + MANY_HINTS:
        return int(rng.integers(20, 121))
    return int(rng.geometric(GEOMETRIC_P))


def simulate(ab: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` hints drawn from the ground truth ``ab`` (HxWx2): uniform positions, 1x1-5x5 patches, each
    coloured with the mean ab of the true patch it covers."""
    h, w = ab.shape[:2]
    hint_ab, mask = empty((h, w))
    for _ in range(n):
        side = int(rng.integers(1, MAX_SIDE + 1))
        y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
        paint(hint_ab, mask, y, x, side, ab[y:y + side, x:x + side].reshape(-1, 2).mean(axis=0))
    return hint_ab, mask
