"""Training photos for colorization and batches of (lightness, hints, true ab) crops. numpy + Pillow."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from photoai.core.color import rgb_to_lab

from . import hints as hint_sim
from .bins import nearest_bin
from .net import OUT_STRIDE

__all__ = ["load_photos", "is_colour", "sample_batch", "bin_counts", "lab_planes"]

MIN_CHROMA = 4.0  # a photo whose mean chroma (ab units) is below this is a gray/sepia one: not a teacher


def lab_planes(rgb_u8: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 HxWx3 -> (L HxW float32 0-100, ab HxWx2 float32)."""
    lab = rgb_to_lab(rgb_u8.astype(np.float32) / 255.0).astype(np.float32)
    return lab[..., 0], lab[..., 1:]


def is_colour(rgb_u8: np.ndarray) -> bool:
    """True for a colour photo (mean chroma of a thumbnail at least :data:`MIN_CHROMA`)."""
    small = rgb_u8[:: max(1, rgb_u8.shape[0] // 64), :: max(1, rgb_u8.shape[1] // 64)]
    return float(np.hypot(*lab_planes(small)[1].reshape(-1, 2).T).mean()) >= MIN_CHROMA


def load_photos(paths: Sequence[Path], short_side: int = 256, min_side: int = 128) -> list[np.ndarray]:
    """uint8 HxWx3 arrays, each resized (Lanczos, only down) so its short side is ``short_side``; photos
    smaller than ``min_side`` and gray ones (:func:`is_colour`) are left out."""
    photos = []
    for p in paths:
        with Image.open(p) as im:
            im = im.convert("RGB")
            if min(im.size) < min_side:
                continue
            f = short_side / min(im.size)
            if f < 1:
                im = im.resize((round(im.width * f), round(im.height * f)), Image.Resampling.LANCZOS)
            rgb = np.asarray(im)
        if is_colour(rgb):
            photos.append(rgb)
    return photos


def random_crop(rgb: np.ndarray, size: int, rng: np.random.Generator, min_scale: float) -> np.ndarray:
    """A ``size`` crop of the photo rescaled by a random factor in [``min_scale``, 1] (never below
    ``size``), flipped left-right half of the time."""
    h, w = rgb.shape[:2]
    scale = max(float(rng.uniform(min_scale, 1.0)), size / min(h, w))
    if scale < 0.999:
        rgb = np.asarray(Image.fromarray(rgb).resize((max(size, round(w * scale)), max(size, round(h * scale))),
                                                     Image.Resampling.BILINEAR))
        h, w = rgb.shape[:2]
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    crop = rgb[y:y + size, x:x + size]
    return crop[:, ::-1] if rng.random() < 0.5 else crop


def block_mean(ab: np.ndarray, stride: int = OUT_STRIDE) -> np.ndarray:
    """HxWx2 -> (H/stride)x(W/stride)x2: the mean of each block (the net's output grid)."""
    h, w = ab.shape[0] // stride, ab.shape[1] // stride
    return ab[: h * stride, : w * stride].reshape(h, stride, w, stride, 2).mean(axis=(1, 3))


def sample_batch(photos: Sequence[np.ndarray], batch: int, size: int, rng: np.random.Generator,
                 min_scale: float = 0.5, with_hints: bool = True) -> dict[str, np.ndarray]:
    """NCHW float32 arrays: ``lightness`` (0-100), ``hint_ab``, ``hint_mask`` and ``ab`` (the truth on the
    net's 1/4-resolution output grid)."""
    out: dict[str, list[np.ndarray]] = {"lightness": [], "hint_ab": [], "hint_mask": [], "ab": []}
    for _ in range(batch):
        lightness, ab = lab_planes(random_crop(photos[int(rng.integers(len(photos)))], size, rng, min_scale))
        n = hint_sim.count(rng) if with_hints else 0
        hint_ab, mask = hint_sim.simulate(ab, n, rng)
        out["lightness"].append(lightness[None])
        out["hint_ab"].append(hint_ab.transpose(2, 0, 1))
        out["hint_mask"].append(mask[None])
        out["ab"].append(block_mean(ab).transpose(2, 0, 1))
    return {k: np.ascontiguousarray(np.stack(v), np.float32) for k, v in out.items()}


def bin_counts(photos: Sequence[np.ndarray], bins: np.ndarray, side: int = 32) -> np.ndarray:
    """How often each bin is the nearest one, over thumbnails (short side ``side``) of ``photos``."""
    counts = np.zeros(len(bins), np.int64)
    for rgb in photos:
        step = max(1, min(rgb.shape[:2]) // side)
        idx = nearest_bin(lab_planes(np.ascontiguousarray(rgb[::step, ::step]))[1], bins)
        counts += np.bincount(idx.ravel(), minlength=len(bins))
    return counts
