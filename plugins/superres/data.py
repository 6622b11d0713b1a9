"""Training data for the super-resolution net: an in-memory bank of (HR, LR) Y images, or of HR RGB
images degraded on the fly (:class:`RGBBank`, ``train.py --degrade mixed``).

Each training image is converted to RGB [0, 1], modcropped to a multiple of 12
(so it divides by 2, 3 and 4), and downscaled per scale with the MATLAB-compatible
``imresize``; the LR RGB is quantized to 8 bit (what users feed the app) before
taking Y.  Images are stored as uint16 Y and cached as one ``.npz``; batches are
random aligned crops with flips / 90-degree rotations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from photoai.core.atomic import atomic_path
from photoai.core.resize import imresize, rgb_to_y

from .degrade import P_CLEAN, sample_degradation

__all__ = ["ImageBank", "RGBBank", "build_rgb_bank", "sample_degraded_batch", "DEGRADE_MARGIN", "make_lr",
           "load_rgb", "list_images", "modcrop", "build_bank", "bank_cache_path", "sample_batch", "DEFAULT_SOURCES"]

#: Training sources relative to the shared data dir (never ``photos/`` recursively:
#: ``photos/kodak24`` and ``photos/mcmaster18`` are evaluation sets).
DEFAULT_SOURCES = ("sr/T91", "photos/train/imagenet_sample", "photos/train/imagenet_imagen",
                   "photos/train/dogs_vs_cats")
_EXTS = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
_Y_MAX = 65535.0
_MODCROP = 12


def load_rgb(path: Path) -> np.ndarray:
    """Image file -> HxWx3 float64 RGB in [0, 1]."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64) / 255.0


def list_images(folder: Path) -> list[Path]:
    """Image files directly inside ``folder`` (not recursive), sorted."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in _EXTS)


def modcrop(img: np.ndarray, multiple: int) -> np.ndarray:
    """Crop the bottom/right so H and W are multiples of ``multiple``."""
    h, w = img.shape[:2]
    return img[: h - h % multiple, : w - w % multiple]


def make_lr(hr_rgb: np.ndarray, scale: int) -> np.ndarray:
    """MATLAB-bicubic downscale of an RGB [0, 1] image, quantized to 8-bit levels."""
    return np.clip(np.round(imresize(hr_rgb, 1.0 / scale) * 255.0), 0, 255) / 255.0


@dataclass
class ImageBank:
    """HR Y images and their LR Y versions per scale (uint16, Y * 65535)."""

    hr: list[np.ndarray]
    lr: dict[int, list[np.ndarray]]

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {"hr": _pack(self.hr), "hr_shapes": np.array([a.shape for a in self.hr])}
        for s, imgs in self.lr.items():
            arrays[f"lr{s}"] = _pack(imgs)
            arrays[f"lr{s}_shapes"] = np.array([a.shape for a in imgs])
        with atomic_path(path) as tmp:
            np.savez(tmp, **arrays)

    @classmethod
    def load(cls, path: Path) -> ImageBank:
        with np.load(path) as z:
            scales = sorted(int(k[2:]) for k in z.files if k.startswith("lr") and not k.endswith("shapes"))
            hr = _unpack(z["hr"], z["hr_shapes"])
            lr = {s: _unpack(z[f"lr{s}"], z[f"lr{s}_shapes"]) for s in scales}
        return cls(hr, lr)

    def __len__(self) -> int:
        return len(self.hr)


def _pack(imgs: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([a.ravel() for a in imgs]) if imgs else np.zeros(0, np.uint16)


def _unpack(flat: np.ndarray, shapes: np.ndarray) -> list[np.ndarray]:
    out, pos = [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        out.append(flat[pos:pos + n].reshape(tuple(int(d) for d in shape)))
        pos += n
    return out


def _to_u16(y: np.ndarray) -> np.ndarray:
    return np.round(np.clip(y, 0.0, 1.0) * _Y_MAX).astype(np.uint16)


def build_bank(paths: Iterable[Path], scales: Sequence[int], min_lr: int,
               rescales: Sequence[float] = (1.0,)) -> ImageBank:
    """Build the bank; every ``rescales`` factor adds a bicubic-downscaled copy of each image.

    Images whose smallest LR side (at the largest scale) is below ``min_lr`` are skipped.
    """
    hr_list: list[np.ndarray] = []
    lr_lists: dict[int, list[np.ndarray]] = {s: [] for s in scales}
    for path in paths:
        rgb = load_rgb(path)
        for f in rescales:
            img = rgb if f == 1.0 else np.clip(imresize(rgb, f), 0.0, 1.0)
            img = modcrop(img, _MODCROP)
            if min(img.shape[:2]) // max(scales) < min_lr:
                continue
            hr_list.append(_to_u16(rgb_to_y(img)))
            for s in scales:
                lr_lists[s].append(_to_u16(rgb_to_y(make_lr(img, s))))
    return ImageBank(hr_list, lr_lists)


def bank_cache_path(cache_dir: Path, sources: Sequence[Path], scales: Sequence[int], min_lr: int,
                    t91_rescales: Sequence[float]) -> Path:
    """Cache file name keyed by sources, scales and settings."""
    key = repr((sorted(str(p) for p in sources), list(scales), min_lr, list(t91_rescales), 1))
    return cache_dir / f"bank_{hashlib.sha1(key.encode()).hexdigest()[:12]}.npz"


def sample_batch(bank: ImageBank, scale: int, batch: int, patch: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random aligned crops: LR ``(B, 1, P, P)`` and HR ``(B, 1, P*s, P*s)`` float32 in [0, 1]."""
    lr_imgs = bank.lr[scale]
    lr_out = np.empty((batch, 1, patch, patch), np.float32)
    hr_out = np.empty((batch, 1, patch * scale, patch * scale), np.float32)
    for b in range(batch):
        i = int(rng.integers(len(lr_imgs)))
        lr_img, hr_img = lr_imgs[i], bank.hr[i]
        y = int(rng.integers(lr_img.shape[0] - patch + 1))
        x = int(rng.integers(lr_img.shape[1] - patch + 1))
        lr = lr_img[y:y + patch, x:x + patch]
        hr = hr_img[y * scale:(y + patch) * scale, x * scale:(x + patch) * scale]
        k, flip = int(rng.integers(4)), bool(rng.integers(2))
        lr, hr = np.rot90(lr, k), np.rot90(hr, k)
        if flip:
            lr, hr = lr[:, ::-1], hr[:, ::-1]
        lr_out[b, 0], hr_out[b, 0] = lr, hr
    return lr_out / _Y_MAX, hr_out / _Y_MAX


# --------------------------------------------------------------------------- HR RGB for on-the-fly degradation

#: LR pixels cropped from each side of a degraded patch (blur kernels and resizes see real neighbours).
DEGRADE_MARGIN = 4


@dataclass
class RGBBank:
    """HR RGB images (uint8 HxWx3) that training patches are cut from and degraded on the fly."""

    images: list[np.ndarray]

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            np.savez(tmp, rgb=_pack(self.images), rgb_shapes=np.array([a.shape for a in self.images]))

    @classmethod
    def load(cls, path: Path) -> RGBBank:
        with np.load(path) as z:
            return cls(_unpack(z["rgb"], z["rgb_shapes"]))

    def __len__(self) -> int:
        return len(self.images)

    def eligible(self, side: int) -> np.ndarray:
        """Indices of the images with both sides >= ``side``."""
        return np.array([i for i, a in enumerate(self.images) if min(a.shape[:2]) >= side], dtype=np.int64)


def build_rgb_bank(paths: Iterable[Path], rescales: Sequence[float] = (1.0,)) -> RGBBank:
    """8-bit RGB copies of the images (plus a MATLAB-bicubic downscaled copy per ``rescales`` factor)."""
    images = []
    for path in paths:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"))
        for f in rescales:
            img = rgb if f == 1.0 else np.round(np.clip(imresize(rgb / 255.0, f), 0, 1) * 255).astype(np.uint8)
            images.append(np.ascontiguousarray(img))
    return RGBBank(images)


def sample_degraded_batch(bank: RGBBank, eligible: np.ndarray, scale: int, batch: int, patch: int,
                          rng: np.random.Generator, p_clean: float = P_CLEAN,
                          weights: Mapping[str, float] | None = None,
                          mix: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`sample_batch`, with a fresh :func:`~.degrade.sample_degradation` per patch: an HR RGB crop
    of ``(patch + 2 * margin) * scale`` px (any position, flips / 90-degree rotations) is degraded in RGB,
    both sides are converted to Y and the margin is cut off. ``eligible``: ``bank.eligible`` of that size;
    ``p_clean``: the share of plain MATLAB-bicubic patches; ``weights``: the resizes' weights (default
    :data:`~.degrade.RESIZE_WEIGHTS`); ``mix``: the steps' probabilities (default :data:`~.degrade.MIX`)."""
    m, side = DEGRADE_MARGIN, (patch + 2 * DEGRADE_MARGIN) * scale
    lr_out = np.empty((batch, 1, patch, patch), np.float32)
    hr_out = np.empty((batch, 1, patch * scale, patch * scale), np.float32)
    for b in range(batch):
        img = bank.images[int(eligible[rng.integers(len(eligible))])]
        y, x = int(rng.integers(img.shape[0] - side + 1)), int(rng.integers(img.shape[1] - side + 1))
        hr = np.rot90(img[y:y + side, x:x + side], int(rng.integers(4)))
        if rng.integers(2):
            hr = hr[:, ::-1]
        hr = np.ascontiguousarray(hr, np.float32) / 255.0
        lr = sample_degradation(rng, scale, p_clean, weights, mix)(hr)
        lr_out[b, 0] = rgb_to_y(lr)[m:-m, m:-m]
        hr_out[b, 0] = rgb_to_y(hr)[m * scale:-m * scale, m * scale:-m * scale]
    return lr_out, hr_out
