"""Synthetic underexposure: a well-exposed sRGB photo -> the dark, noisy, compressed photo a camera
would have produced with less light (an inverse camera pipeline with every stage varied).

sRGB -> linear (a varied gamma) -> exposure x k (k log-uniform, sometimes ~1 so bright photos
stay bright) -> colour cast (per-channel gains) -> Poisson-Gaussian sensor noise, stronger in
relative terms the darker the frame (the camera raised ISO) -> back to sRGB (a varied tone curve)
-> 8-bit quantization -> JPEG at a random quality (sometimes none). Deterministic per seed.
numpy + Pillow only (the evaluation and the tests use it without torch).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Degradation:
    """One draw of every stage's parameters."""

    gamma: float  # sRGB-ish decoding exponent (2.2 +- a little)
    exposure: float  # k: linear light multiplier (< 1 darkens)
    cast: tuple[float, float, float]  # per-channel gains (white-balance error)
    shot: float  # Poisson-like noise: variance = shot * x (linear, relative to full scale)
    read: float  # Gaussian read noise sigma (linear)
    tone: float  # exponent of the re-encoding curve (1 / gamma, varied)
    jpeg: int  # JPEG quality, 0 = none

    @classmethod
    def sample(cls, rng: np.random.Generator, bright_fraction: float = 0.1,
               min_exposure: float = 1 / 25) -> Degradation:
        if rng.random() < bright_fraction:  # a photo that is already fine must stay fine
            exposure = float(rng.uniform(0.75, 1.0))
        else:
            exposure = float(np.exp(rng.uniform(np.log(min_exposure), np.log(1 / 2.5))))
        gamma = float(rng.uniform(2.0, 2.4))
        cast = tuple(float(g) for g in np.exp(rng.normal(0.0, 0.06, 3)))
        # A darker frame means a higher ISO: noise grows relative to the signal.
        iso = float(np.clip(1.0 / exposure, 1.0, 30.0)) ** 0.5
        shot = float(np.exp(rng.uniform(np.log(2e-5), np.log(6e-4)))) * iso
        read = float(np.exp(rng.uniform(np.log(2e-4), np.log(2e-3)))) * iso
        tone = float(1.0 / rng.uniform(2.0, 2.4))
        jpeg = int(rng.integers(55, 96)) if rng.random() < 0.6 else 0
        return cls(gamma, exposure, cast, shot, read, tone, jpeg)  # type: ignore[arg-type]


def degrade(rgb: np.ndarray, d: Degradation, rng: np.random.Generator) -> np.ndarray:
    """HxWx3 float32 sRGB in [0, 1] -> its underexposed version (float32, 8-bit values)."""
    linear = np.power(np.clip(rgb, 0.0, 1.0), d.gamma)
    linear = linear * d.exposure * np.asarray(d.cast, np.float32)
    noisy = linear + rng.normal(0.0, 1.0, linear.shape) * np.sqrt(d.shot * np.maximum(linear, 0.0) + d.read ** 2)
    out = np.power(np.clip(noisy, 0.0, 1.0), d.tone)
    u8 = np.round(out * 255.0).astype(np.uint8)
    if d.jpeg:
        buf = io.BytesIO()
        Image.fromarray(u8).save(buf, "JPEG", quality=d.jpeg)
        u8 = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return u8.astype(np.float32) / 255.0


def make_pair(rgb: np.ndarray, seed: int, bright_fraction: float = 0.1) -> tuple[np.ndarray, Degradation]:
    """The degraded photo for ``seed`` (the same every time) and the parameters drawn."""
    rng = np.random.default_rng(seed)
    d = Degradation.sample(rng, bright_fraction)
    return degrade(rgb, d, rng), d
