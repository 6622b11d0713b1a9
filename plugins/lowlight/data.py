"""Training photos (well exposed, from ``photos/train/*/``, never Kodak/McMaster) and batches of
synthetic (dark, target) crops. numpy + Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from .._training import TRAIN_FOLDERS, list_photos
from .degrade import Degradation, degrade

__all__ = ["TRAIN_FOLDERS", "list_photos", "load_photos", "random_crop", "sample_batch"]


def load_photos(paths: list[Path], min_side: int) -> list[np.ndarray]:
    """uint8 HxWx3 arrays of the photos with both sides >= ``min_side``."""
    photos = []
    for p in paths:
        with Image.open(p) as im:
            rgb = np.asarray(im.convert("RGB"))
        if min(rgb.shape[:2]) >= min_side:
            photos.append(rgb)
    return photos


def random_crop(rgb: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    h, w = rgb.shape[:2]
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    crop = rgb[y:y + size, x:x + size]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop, np.float32) / 255.0


def sample_batch(photos: list[np.ndarray], batch: int, size: int, rng: np.random.Generator,
                 bright_fraction: float = 0.1, min_exposure: float = 1 / 25) -> tuple[np.ndarray, np.ndarray]:
    """(dark, target) NCHW float32 batches."""
    dark, target = [], []
    for _ in range(batch):
        clean = random_crop(photos[int(rng.integers(len(photos)))], size, rng)
        dark.append(degrade(clean, Degradation.sample(rng, bright_fraction, min_exposure), rng))
        target.append(clean)
    return (np.stack(dark).transpose(0, 3, 1, 2).copy(), np.stack(target).transpose(0, 3, 1, 2).copy())
