"""Training photos (well exposed, from ``photos/train/*/``, never Kodak/McMaster) and batches of
synthetic (dark, target) crops. numpy + Pillow."""

from __future__ import annotations

import numpy as np

from .._training import TRAIN_FOLDERS, list_photos, load_photos, random_crop
from .degrade import Degradation, degrade

__all__ = ["TRAIN_FOLDERS", "list_photos", "load_photos", "random_crop", "sample_batch"]


def sample_batch(photos: list[np.ndarray], batch: int, size: int, rng: np.random.Generator,
                 bright_fraction: float = 0.1, min_exposure: float = 1 / 25) -> tuple[np.ndarray, np.ndarray]:
    """(dark, target) NCHW float32 batches."""
    dark, target = [], []
    for _ in range(batch):
        clean = random_crop(photos[int(rng.integers(len(photos)))], size, rng)
        dark.append(degrade(clean, Degradation.sample(rng, bright_fraction, min_exposure), rng))
        target.append(clean)
    return (np.stack(dark).transpose(0, 3, 1, 2).copy(), np.stack(target).transpose(0, 3, 1, 2).copy())
