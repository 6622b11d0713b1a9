"""Training data: random crops from explicitly listed image folders plus on-the-fly hole masks.

Folders are read non-recursively. Images are decoded on demand (single process, no workers), so
memory stays small; a weighted choice of folder, then a uniform choice of file, gives each source
a controllable share. Every ``holdout_every``-th file (sorted order) is held out for validation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .masks import mask_for_ratio_bucket, random_training_mask

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly inside ``folder`` (never recursive), sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder not found: {folder}")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTS)
    if not files:
        raise FileNotFoundError(f"no images in {folder}")
    return files


def load_rgb(path: str | Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def random_crop(rng: np.random.Generator, img: np.ndarray, size: int, min_scale: float) -> np.ndarray:
    """Random rescale in ``[min_scale, 1]`` (never below ``size`` on the short side), crop, h-flip."""
    h, w = img.shape[:2]
    lo = max(min_scale, size / min(h, w))
    s = rng.uniform(lo, 1.0) if lo < 1.0 else lo
    if abs(s - 1.0) > 1e-3:
        nw, nh = max(size, round(w * s)), max(size, round(h * s))
        img = np.asarray(Image.fromarray(img).resize((nw, nh), Image.Resampling.BICUBIC))
        h, w = nh, nw
    y = int(rng.integers(0, h - size + 1))
    x = int(rng.integers(0, w - size + 1))
    crop = img[y:y + size, x:x + size]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)


@dataclass
class Source:
    folder: Path
    files: list[Path]
    weight: float


def build_sources(folders: Sequence[str | Path], weights: Sequence[float] | None,
                  holdout_every: int) -> tuple[list[Source], list[Path]]:
    """Training sources and the held-out validation files."""
    if weights is not None and len(weights) != len(folders):
        raise ValueError("give one weight per data folder")
    sources, held = [], []
    for i, folder in enumerate(folders):
        files = list_images(folder)
        if holdout_every > 0 and len(files) >= 2 * holdout_every:
            held += files[holdout_every - 1::holdout_every]
            files = [f for j, f in enumerate(files) if (j + 1) % holdout_every]
        sources.append(Source(Path(folder), files, float(weights[i]) if weights else 1.0))
    return sources, held


class CropSampler:
    """Endless batches ``(image Bx3xSxS in [0,1], hole Bx1xSxS)`` with a resumable RNG."""

    def __init__(self, sources: list[Source], size: int, seed: int | Sequence[int],
                 min_scale: float = 0.5) -> None:
        self.sources = sources
        self.size = size
        self.min_scale = min_scale
        p = np.array([s.weight for s in sources], np.float64)
        self.probs = p / p.sum()
        self.rng = np.random.default_rng(seed)

    def _one(self) -> tuple[np.ndarray, np.ndarray]:
        src = self.sources[int(self.rng.choice(len(self.sources), p=self.probs))]
        path = src.files[int(self.rng.integers(len(src.files)))]
        img = random_crop(self.rng, load_rgb(path), self.size, self.min_scale)
        return img, random_training_mask(self.rng, self.size, self.size)

    def batch(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        imgs, holes = zip(*(self._one() for _ in range(n)), strict=True)
        return to_tensors(np.stack(imgs), np.stack(holes))

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]


class _BatchStream(torch.utils.data.IterableDataset):
    """Endless batches from one ``CropSampler`` per loader worker, seeded ``(*seed, worker id)``."""

    def __init__(self, sources: list[Source], size: int, min_scale: float, batch: int, seed: Sequence[int]) -> None:
        super().__init__()
        self.sources, self.size, self.min_scale, self.batch, self.seed = sources, size, min_scale, batch, seed

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        info = torch.utils.data.get_worker_info()
        sampler = CropSampler(self.sources, self.size, [*self.seed, info.id if info else 0], self.min_scale)
        while True:
            yield sampler.batch(self.batch)


def worker_batches(sources: list[Source], size: int, min_scale: float, batch: int, seed: Sequence[int],
                   workers: int, pin_memory: bool = False) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Batches decoded in ``workers`` background processes (for a GPU, where a single-process
    sampler would starve it). Not bit-exactly resumable: pass e.g. ``(seed, start iteration)``
    as ``seed`` so a resumed run draws fresh crops."""
    loader = torch.utils.data.DataLoader(
        _BatchStream(sources, size, min_scale, batch, seed), batch_size=None, num_workers=workers,
        pin_memory=pin_memory, prefetch_factor=4, persistent_workers=True)
    return iter(loader)


def to_tensors(imgs: np.ndarray, holes: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 BxHxWx3 + BxHxW hole masks -> float tensors Bx3xHxW [0,1] and Bx1xHxW."""
    x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float().div_(255.0)
    m = torch.from_numpy(holes.astype(np.float32)).unsqueeze(1)
    return x.contiguous(), m


def validation_batch(files: Sequence[Path], size: int, seed: int = 1234,
                     max_items: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed validation batch: centre-ish crops of held-out files, masks spread over 5-55 %."""
    rng = np.random.default_rng(seed)
    picked = [files[i] for i in np.linspace(0, len(files) - 1, min(max_items, len(files))).astype(int)]
    imgs, holes = [], []
    for k, path in enumerate(picked):
        imgs.append(random_crop(rng, load_rgb(path), size, 1.0))
        lo = 0.05 + 0.10 * (k % 5)
        holes.append(mask_for_ratio_bucket(rng, size, size, lo, lo + 0.05))
    return to_tensors(np.stack(imgs), np.stack(holes))


def write_synthetic_images(folder: str | Path, n: int, size: int, seed: int = 0) -> list[Path]:
    """Generated test images (smooth gradients + shapes + noise) for smoke tests and ``--tiny``."""
    import cv2

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    paths = []
    for i in range(n):
        base = np.stack([a * xx + b * yy + c for a, b, c in rng.uniform(-0.5, 0.5, (3, 3))], -1) + 0.5
        img = np.clip(base * 255, 0, 255).astype(np.uint8)
        for _ in range(4):
            color = tuple(int(v) for v in rng.integers(0, 256, 3))
            c = tuple(int(v) for v in rng.integers(0, size, 2))
            cv2.circle(img, c, int(rng.integers(size // 10, size // 3)), color, -1)
        img = np.clip(img + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8)
        path = folder / f"synthetic_{i:03d}.png"
        Image.fromarray(img).save(path)
        paths.append(path)
    return paths
