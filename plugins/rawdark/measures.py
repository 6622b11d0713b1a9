"""PSNR in raw space and after the simple render (:func:`.net.render`), and the Gaussian-blur baseline.
torch, imported by the training and export scripts only."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .net import render

__all__ = ["psnr", "gaussian_blur", "scores", "tune_blur", "as_tensors", "evaluate", "BLUR_SIGMAS"]

BLUR_SIGMAS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean over the batch of each image's PSNR (peak 1)."""
    mse = ((a - b) ** 2).flatten(1).mean(dim=1).clamp_min(1e-10)
    return float((10 * torch.log10(1.0 / mse)).mean())


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of each plane (reflect padding)."""
    r = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = x.shape[1]
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def scores(out: torch.Tensor, batch: Mapping[str, torch.Tensor]) -> tuple[float, float]:
    """(raw PSNR, rendered PSNR) of packed planes ``out`` against ``batch["clean"]``, both clipped to [0, 1]."""
    out, clean = out.clamp(0.0, 1.0), batch["clean"]
    wb, ccm = batch["wb"], batch["cam2rgb"]
    return psnr(out, clean), psnr(render(out, wb, ccm), render(clean, wb, ccm))


def tune_blur(batch: Mapping[str, torch.Tensor], sigmas: Sequence[float] = BLUR_SIGMAS) -> float:
    """The blur sigma (packed pixels) with the best rendered PSNR on ``batch`` (tuned once, on validation),
    among those whose kernel radius fits in the planes (reflect padding)."""
    side = min(batch["noisy"].shape[-2:])
    fitting = [s for s in sigmas if math.ceil(3 * s) < side] or [min(sigmas)]
    return max(fitting, key=lambda s: scores(gaussian_blur(batch["noisy"], s), batch)[1])


def as_tensors(batch: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in batch.items()}


def evaluate(denoise: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], batch: Mapping[str, torch.Tensor],
             blur_sigma: float) -> dict[str, float]:
    """PSNR (raw, rendered) of the network, of the noisy input and of the blur baseline on ``batch``."""
    with torch.inference_mode():
        out = denoise(batch["noisy"], batch["levels"])
    metrics: dict[str, float] = {}
    for name, x in (("net", out), ("input", batch["noisy"]), ("blur", gaussian_blur(batch["noisy"], blur_sigma))):
        raw, rendered = scores(x, batch)
        metrics[f"psnr_raw_{name}"], metrics[f"psnr_render_{name}"] = round(raw, 3), round(rendered, 3)
    return metrics
