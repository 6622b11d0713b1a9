"""The low-light networks (DeepUPE-style, Wang et al. CVPR 2019), in PyTorch.

:class:`IllumNet` estimates the illumination S of a small proxy of the photo (per channel, in
(0, 1]); the enhanced photo is I / S. It sees the proxy at 1/4 to 1/16 resolution with a global
branch (the whole photo's brightness decides how much to lift), predicts S at 1/4 resolution and
upsamples it edge-aware to the proxy with a fast guided filter (He & Sun 2015) guided by the
photo's luminance, so S may change sharply where the photo does. :class:`DenoiseNet` then removes
the noise that the division amplified: it sees the brightened photo and the gain 1/S at half
resolution (pixel-unshuffle) and predicts a residual.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

LUMA = (0.299, 0.587, 0.114)
S_MIN = 0.02  # the most the network may brighten: x50


def luminance(x: torch.Tensor) -> torch.Tensor:
    w = torch.tensor(LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * w).sum(dim=1, keepdim=True)


def box(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window, shrinking at the borders (exportable)."""
    return F.avg_pool2d(x, 2 * r + 1, stride=1, padding=r, count_include_pad=False)


def guided_upsample(p_low: torch.Tensor, guide_low: torch.Tensor, guide: torch.Tensor, r: int = 2,
                    eps: float = 1e-3) -> torch.Tensor:
    """Fast guided filter: the linear model p = A * guide + b fitted per window at low resolution,
    A and b upsampled bilinearly, applied to the full-resolution ``guide``."""
    mean_g, mean_p = box(guide_low, r), box(p_low, r)
    cov = box(guide_low * p_low, r) - mean_g * mean_p
    var = box(guide_low * guide_low, r) - mean_g * mean_g
    a = cov / (var + eps)
    b = mean_p - a * mean_g
    size = guide.shape[-2:]
    a = F.interpolate(a, size=size, mode="bilinear", align_corners=False)
    b = F.interpolate(b, size=size, mode="bilinear", align_corners=False)
    return a * guide + b


class ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.leaky_relu(self.conv1(x), 0.1))


def _down(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=2, padding=1), nn.LeakyReLU(0.1))


class IllumNet(nn.Module):
    """Proxy photo Bx3xHxW in [0, 1] (H, W multiples of 16) -> illumination S Bx3xHxW in [S_MIN, 1]."""

    size_multiple = 16

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.width = width
        w1, w2, w3, w4 = width // 2, width, width * 3 // 2, width * 2
        self.d1, self.d2, self.d3, self.d4 = _down(3, w1), _down(w1, w2), _down(w2, w3), _down(w3, w4)
        self.r2, self.r4 = ResBlock(w2), ResBlock(w4)
        self.glob = nn.Sequential(nn.Linear(w4, w4), nn.LeakyReLU(0.1), nn.Linear(w4, w4))
        self.u3 = nn.Sequential(nn.Conv2d(w4 + w3, w3, 3, padding=1), nn.LeakyReLU(0.1))
        self.u2 = nn.Sequential(nn.Conv2d(w3 + w2, w2, 3, padding=1), nn.LeakyReLU(0.1), ResBlock(w2))
        self.head = nn.Conv2d(w2, 3, 3, padding=1)
        for p in self.head.parameters():  # S ~ 0.5 at the start: x2
            nn.init.zeros_(p)

    def config(self) -> dict[str, Any]:
        return {"width": self.width}

    def low(self, x: torch.Tensor) -> torch.Tensor:
        """S at 1/4 resolution."""
        f2 = self.r2(self.d2(self.d1(x)))
        f3 = self.d3(f2)
        f4 = self.r4(self.d4(f3))
        f4 = f4 + self.glob(f4.mean(dim=(2, 3)))[:, :, None, None]
        up = F.interpolate(f4, size=f3.shape[-2:], mode="bilinear", align_corners=False)
        f3 = self.u3(torch.cat([up, f3], dim=1))
        up = F.interpolate(f3, size=f2.shape[-2:], mode="bilinear", align_corners=False)
        f2 = self.u2(torch.cat([up, f2], dim=1))
        return S_MIN + (1.0 - S_MIN) * torch.sigmoid(self.head(f2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s_low = self.low(x)
        g = luminance(x)
        g_low = F.avg_pool2d(g, 4)
        return torch.clamp(guided_upsample(s_low, g_low, g), S_MIN, 1.0)


class DenoiseNet(nn.Module):
    """Brightened photo Bx3xHxW + gain 1/S Bx3xHxW (H, W even) -> the photo without amplified noise."""

    size_multiple = 2

    def __init__(self, width: int = 32, blocks: int = 3) -> None:
        super().__init__()
        self.width, self.blocks = width, blocks
        self.head = nn.Conv2d(24, width, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(width) for _ in range(blocks)])
        self.tail = nn.Conv2d(width, 12, 3, padding=1)
        for p in self.tail.parameters():  # starts as the identity
            nn.init.zeros_(p)

    def config(self) -> dict[str, Any]:
        return {"width": self.width, "blocks": self.blocks}

    def forward(self, x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
        level = torch.log(torch.clamp(gain, 1.0, 1.0 / S_MIN)) / 4.0  # ~0..1: how much noise was amplified
        feats = F.pixel_unshuffle(torch.cat([x, level], dim=1), 2)
        residual = F.pixel_shuffle(self.tail(self.body(F.leaky_relu(self.head(feats), 0.1))), 2)
        return x + residual


class LowLightNet(nn.Module):
    """Both stages, for training: dark photo -> (S, brightened, denoised)."""

    def __init__(self, width: int = 32, denoise_width: int = 32, denoise_blocks: int = 3) -> None:
        super().__init__()
        self.illum = IllumNet(width)
        self.denoise = DenoiseNet(denoise_width, denoise_blocks)

    def config(self) -> dict[str, Any]:
        return {"width": self.illum.width, "denoise_width": self.denoise.width, "denoise_blocks": self.denoise.blocks}

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        s = self.illum(x)
        bright = torch.clamp(x / s, 0.0, 1.0)
        return s, bright, self.denoise(bright, 1.0 / s)
