"""Training and validation examples: crops of the training photos (``photos/train/*/``, never Kodak/McMaster)
unprocessed into clean raw mosaics (:mod:`.unprocess`), then exposed dark, quantized and amplified back
(:mod:`.noise`). numpy only; every example is a function of its generator (deterministic per seed)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._training import load_photos, random_crop
from . import bayer, noise, unprocess

__all__ = ["Example", "make_example", "sample_batch", "validation_batch", "load_photos", "stack"]

LEVEL_JITTER = 0.25  # std of the log error of the noise levels the network is told during training


@dataclass(frozen=True)
class Example:
    """One pair in packed (R, G1, G2, B) planes: ``noisy`` (the network's ``raw`` input), ``levels`` (its
    ``levels`` input), ``clean`` (the target), the render's ``wb`` and ``cam2rgb``, and the ``ratio``."""

    noisy: np.ndarray
    levels: np.ndarray
    clean: np.ndarray
    wb: np.ndarray
    cam2rgb: np.ndarray
    ratio: float


def make_example(rgb: np.ndarray, rng: np.random.Generator, ratio: float | None = None,
                 level_jitter: float = 0.0) -> Example:
    """``rgb`` (HxWx3 sRGB in [0, 1]) through a random camera, noise levels, sensor and ratio (``ratio``
    fixes it); the levels told are the true amplified ones times ``e^N(0, level_jitter)`` each."""
    camera = unprocess.random_camera(rng)
    clean = unprocess.unprocess(rgb, camera)
    levels = noise.random_levels(rng)
    sensor = noise.random_sensor(rng)
    r = noise.random_ratio(rng) if ratio is None else float(ratio)
    raw = noise.expose_dark(clean, r, levels, sensor, rng)
    told = levels.amplified(r)
    jitter = np.exp(rng.normal(0.0, level_jitter, size=2)) if level_jitter > 0 else np.ones(2)
    return Example(noisy=noise.amplify(raw, camera.pattern, sensor.black, sensor.white, r),
                   levels=np.array([told.shot, told.read], np.float32) * jitter.astype(np.float32),
                   clean=bayer.pack(clean, camera.pattern), wb=camera.wb,
                   cam2rgb=camera.cam2rgb.astype(np.float32), ratio=r)


def stack(examples: list[Example]) -> dict[str, np.ndarray]:
    """A batch: each field stacked (``ratio`` as a float32 vector)."""
    return {"noisy": np.stack([e.noisy for e in examples]), "levels": np.stack([e.levels for e in examples]),
            "clean": np.stack([e.clean for e in examples]), "wb": np.stack([e.wb for e in examples]),
            "cam2rgb": np.stack([e.cam2rgb for e in examples]),
            "ratio": np.array([e.ratio for e in examples], np.float32)}


def sample_batch(photos: list[np.ndarray], batch: int, size: int, rng: np.random.Generator,
                 level_jitter: float = LEVEL_JITTER) -> dict[str, np.ndarray]:
    """``batch`` random crops (``size`` px, even) of random photos, each with its own camera and noise."""
    return stack([make_example(random_crop(photos[int(rng.integers(len(photos)))], size, rng), rng,
                               level_jitter=level_jitter) for _ in range(batch)])


def validation_batch(photos: list[np.ndarray], size: int, seed: int = 1234) -> dict[str, np.ndarray]:
    """Centre crops of the held-out photos, each with its own fixed seed, ratios log-spaced over x50-x300
    (the SID range), the true noise levels told."""
    lo, hi = noise.RATIO_RANGE
    examples = []
    for i, rgb in enumerate(photos):
        h, w = rgb.shape[:2]
        y, x = (h - size) // 2, (w - size) // 2
        crop = rgb[y:y + size, x:x + size].astype(np.float32) / 255.0
        ratio = math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * i / max(1, len(photos) - 1))
        examples.append(make_example(crop, np.random.default_rng(seed + i), ratio=ratio))
    return stack(examples)
