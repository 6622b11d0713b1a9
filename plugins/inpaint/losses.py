"""Inpainting loss of Liu et al. 2018: 6 L1_hole + 1 L1_valid + perceptual + style (Gram) + TV
(+ an optional squared hole error, ``hole_mse``, for fine-tuning towards PSNR).

No pretrained VGG can be downloaded here, so perceptual/style use :class:`RandomFeatures`: a fixed,
seeded, randomly initialised conv stack (random multi-scale filters give usable Gram texture
statistics, cf. Ustyuzhaninov et al. 2016, "Texture synthesis using shallow CNNs with random
filters"; He et al. 2016 "A powerful generative model using random weights for the deep image
representation"). They carry no semantics: they match local texture/edge statistics only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .net import composite


class RandomFeatures(nn.Module):
    """Frozen random conv features at 1/2, 1/4 and 1/8 resolution (regenerated from ``seed``)."""

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128), seed: int = 1234) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        chans = (3,) + tuple(widths)
        self.convs = nn.ModuleList()
        for i in range(len(widths)):
            k = 4 if i == 0 else 3
            conv = nn.Conv2d(chans[i], chans[i + 1], k, stride=2, padding=1)
            fan_in = chans[i] * k * k
            with torch.no_grad():
                w = torch.randn(conv.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5
                conv.weight.copy_(w - w.mean(dim=(1, 2, 3), keepdim=True))  # zero-mean filters: edge/texture
                assert conv.bias is not None  # built with bias=True
                conv.bias.zero_()
            self.convs.append(conv)
        for p in self.parameters():
            p.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        h = (x - 0.45) / 0.25
        for conv in self.convs:
            h = F.relu(conv(h))
            feats.append(h)
        return feats


def gram(f: torch.Tensor) -> torch.Tensor:
    """``psi^T psi / (C H W)`` per sample, as in the paper."""
    b, c, h, w = f.shape
    f = f.reshape(b, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)


def boundary_tv(comp: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """Total variation of ``comp`` over P, the hole dilated by one pixel (pairs inside P only)."""
    region = F.max_pool2d(hole, 3, stride=1, padding=1)
    dx = (comp[..., :, 1:] - comp[..., :, :-1]).abs() * (region[..., :, 1:] * region[..., :, :-1])
    dy = (comp[..., 1:, :] - comp[..., :-1, :]).abs() * (region[..., 1:, :] * region[..., :-1, :])
    return (dx.sum() + dy.sum()) / comp.numel()


@dataclass
class LossWeights:
    hole: float = 6.0
    valid: float = 1.0
    perceptual: float = 0.05
    style: float = 120.0
    tv: float = 0.1
    hole_mse: float = 0.0  # not in the paper: squared error in the hole optimises PSNR (the mean, not the median)


class InpaintLoss(nn.Module):
    """Total loss and its named terms; perceptual/style are skipped when their weights are 0."""

    def __init__(self, weights: LossWeights | None = None, feature_seed: int = 1234) -> None:
        super().__init__()
        self.w = weights or LossWeights()
        self.features = RandomFeatures(seed=feature_seed) if (self.w.perceptual or self.w.style) else None

    def forward(self, out: torch.Tensor, gt: torch.Tensor, hole: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        valid = 1.0 - hole
        comp = composite(gt, out, hole)
        terms = {
            "hole": (hole * (out - gt)).abs().mean(),
            "valid": (valid * (out - gt)).abs().mean(),
            "tv": boundary_tv(comp, hole),
        }
        if self.w.hole_mse:
            terms["hole_mse"] = (hole * (out - gt)).square().mean()
        if self.features is not None:
            b = gt.shape[0]
            with torch.no_grad():
                f_gt = self.features(gt)
            f_both = self.features(torch.cat([out, comp], 0))
            perc = out.new_zeros(())
            style = out.new_zeros(())
            for fg, fb in zip(f_gt, f_both, strict=True):
                g_gt = gram(fg)
                for f in (fb[:b], fb[b:]):
                    perc = perc + (f - fg).abs().mean()
                    style = style + (gram(f) - g_gt).abs().mean()
            terms["perceptual"], terms["style"] = perc, style
        total = sum(getattr(self.w, k) * v for k, v in terms.items())
        return total, {k: float(v.detach()) for k, v in terms.items()}

    def weights_dict(self) -> dict[str, float]:
        return asdict(self.w)
