"""Texture measures of a fill inside its hole, against the ground truth.

PSNR rewards the blurry average; these say whether the hole has the photo's kind of detail:

* :func:`hf_ratio`: the standard deviation of the Laplacian (of luma) inside the hole, ours
  divided by the truth's: 1 = the right amount of detail, a blur is far below, noise far above;
* :func:`patch_swd`: the sliced Wasserstein distance between the distributions of the 7x7 RGB
  patches centred in the hole, ours and the truth's, each patch's mean colour removed (in 8-bit
  levels; 0 = same patches, in any arrangement): a smear, a flat colour or noise all have patches
  the photo does not have. On raw patches (``remove_mean=False``) the distance is dominated by
  which colours fill the hole, and a smooth average of the rim's colours scores well.
"""

from __future__ import annotations

import numpy as np

SWD_PATCH = 7
SWD_PROJECTIONS = 64
SWD_MAX_PATCHES = 20_000
_LUMA = np.array([0.299, 0.587, 0.114], np.float64)


def _as_float(img: np.ndarray) -> np.ndarray:
    """uint8 or [0, 1] float RGB -> float64 in [0, 1]."""
    return img.astype(np.float64) / 255.0 if img.dtype == np.uint8 else img.astype(np.float64)


def laplacian(plane: np.ndarray) -> np.ndarray:
    """The 4-neighbour Laplacian of an HxW plane, edges replicated."""
    p = np.pad(plane, 1, mode="edge")
    return p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4.0 * plane


def hole_interior(hole: np.ndarray) -> np.ndarray:
    """Hole pixels whose four neighbours are in the hole too (their Laplacian sees only the fill)."""
    p = np.pad(np.asarray(hole, bool), 1, mode="edge")
    return p[1:-1, 1:-1] & p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]


def hf_energy(img: np.ndarray, hole: np.ndarray) -> float:
    """Standard deviation of the luma Laplacian over the hole's interior (:func:`hole_interior`:
    the seam with the photo around does not count as detail)."""
    inside = hole_interior(hole)
    return float(laplacian(_as_float(img) @ _LUMA)[inside].std()) if inside.any() else 0.0


def hf_ratio(result: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    """High-frequency energy in the hole, ours / the truth's (1 = as detailed as the photo)."""
    return hf_energy(result, hole) / max(hf_energy(truth, hole), 1e-12)


def _hole_patches(img: np.ndarray, centres: tuple[np.ndarray, np.ndarray], remove_mean: bool) -> np.ndarray:
    r = SWD_PATCH // 2
    p = np.pad(_as_float(img), ((r, r), (r, r), (0, 0)), mode="reflect")
    ys, xs = centres
    dy, dx = np.mgrid[0:SWD_PATCH, 0:SWD_PATCH]
    patches = p[ys[:, None] + dy.ravel()[None], xs[:, None] + dx.ravel()[None]]  # N x 49 x 3
    if remove_mean:
        patches = patches - patches.mean(axis=1, keepdims=True)
    return patches.reshape(len(ys), -1)


def patch_swd(result: np.ndarray, truth: np.ndarray, hole: np.ndarray, seed: int = 0,
              remove_mean: bool = True) -> float:
    """Sliced Wasserstein-2 distance (8-bit levels) between the 7x7 RGB patches centred on hole
    pixels in ``result`` and in ``truth`` (at most :data:`SWD_MAX_PATCHES`, a fixed-seed sample;
    :data:`SWD_PROJECTIONS` fixed random directions). With ``remove_mean`` (the default) each
    patch's mean colour is subtracted first, so the distance compares texture and edges, not
    which colours fill the hole (that is PSNR's job)."""
    rng = np.random.default_rng(seed)
    ys, xs = np.nonzero(np.asarray(hole, bool))
    if len(ys) == 0:
        return 0.0
    if len(ys) > SWD_MAX_PATCHES:
        pick = rng.choice(len(ys), SWD_MAX_PATCHES, replace=False)
        ys, xs = ys[pick], xs[pick]
    a, b = _hole_patches(result, (ys, xs), remove_mean), _hole_patches(truth, (ys, xs), remove_mean)
    directions = rng.normal(size=(a.shape[1], SWD_PROJECTIONS))
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    pa, pb = np.sort(a @ directions, axis=0), np.sort(b @ directions, axis=0)
    return float(255.0 * np.sqrt(np.mean((pa - pb) ** 2)))


def hole_psnr(result: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> float:
    """PSNR (dB, RGB) over the hole pixels only."""
    h = np.asarray(hole, bool)
    mse = float(np.mean((_as_float(result)[h] - _as_float(truth)[h]) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


def texture_scores(result: np.ndarray, truth: np.ndarray, hole: np.ndarray) -> dict[str, float]:
    """``hf``, ``swd`` (texture: patch means removed), ``swd_rgb`` (raw patches) and ``hole_psnr``."""
    return {"hf": hf_ratio(result, truth, hole), "swd": patch_swd(result, truth, hole),
            "swd_rgb": patch_swd(result, truth, hole, remove_mean=False),
            "hole_psnr": hole_psnr(result, truth, hole)}
