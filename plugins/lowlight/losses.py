"""DeepUPE's loss terms: reconstruction, illumination smoothness, colour. Imports torch."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .net import luminance


def reconstruction(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.l1_loss(out, target)


def smoothness(s: torch.Tensor, image: torch.Tensor, eps: float = 0.01) -> torch.Tensor:
    """Total variation of the illumination, each step weighted by the inverse of the photo's own
    luminance step there: S must be smooth in flat areas but may change at the photo's edges."""
    g = luminance(image)
    dsx, dsy = (s[..., :, 1:] - s[..., :, :-1]).abs(), (s[..., 1:, :] - s[..., :-1, :]).abs()
    dgx, dgy = (g[..., :, 1:] - g[..., :, :-1]).abs(), (g[..., 1:, :] - g[..., :-1, :]).abs()
    return (dsx / (dgx + eps)).mean() + (dsy / (dgy + eps)).mean()


def colour(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean angle-like distance between RGB vectors (1 - cosine similarity)."""
    return (1.0 - F.cosine_similarity(out, target, dim=1, eps=1e-4)).mean()


@dataclass(frozen=True)
class Weights:
    bright: float = 0.5  # I / S against the target (before denoising)
    denoised: float = 1.0  # the final output against the target
    smooth: float = 0.01
    colour: float = 0.5


def total(s: torch.Tensor, dark: torch.Tensor, bright: torch.Tensor, denoised: torch.Tensor, target: torch.Tensor,
          w: Weights = Weights()) -> tuple[torch.Tensor, dict[str, float]]:
    """The weighted sum and each term's value (for the log)."""
    terms = {
        "bright": reconstruction(bright, target),
        "denoised": reconstruction(denoised, target),
        "smooth": smoothness(s, dark),
        "colour": colour(denoised, target),
    }
    loss = (w.bright * terms["bright"] + w.denoised * terms["denoised"] + w.smooth * terms["smooth"]
            + w.colour * terms["colour"])
    return loss, {k: float(v.detach()) for k, v in terms.items()}
