"""The raw denoiser (a small U-Net, Brooks et al. 2019 style) and the differentiable render of its loss.

Input convention (what the plugin feeds the ONNX model, ``inputs: ["raw", "levels"]``):

- ``raw``: float32 B x 4 x h x w, the mosaic packed in canonical (R, G1, G2, B) order
  (:func:`.bayer.pack`), black subtracted and divided by (white - black) per channel
  (:func:`.bayer.normalize`, NOT clipped), multiplied by the amplification ratio
  (:func:`.noise.amplify` does all of it). h and w multiples of :data:`SIZE_MULTIPLE` (pad by reflection).
- ``levels``: float32 B x 2 x h x w (the ONNX graph; every input of a PhotoAI model is NCHW of one size;
  training passes B x 2), the noise of ``raw`` itself: ``(shot, read)`` such that its variance is
  ``shot * x + read`` at signal ``x``, normally constant over the frame. ISO is often unknown and the
  ratio alone does not fix the noise, so the plugin estimates the levels blindly from the whole frame with
  :func:`.noise.estimate_levels`; training tells the true levels with a random error (x e^N(0, 0.25) each)
  so that an estimate's error is tolerated.

Output ``clean``: B x 4 x h x w, the denoised packed planes in the same units (~0..1 at a correct exposure);
clipped to [0, 1] (the manifest's output_range), unpacked (:func:`.bayer.unpack`) and rendered with LibRaw.
The network sees a per-pixel noise std map ``sqrt(shot * max(box3(raw), 0) + read)`` built inside it from
``levels`` and predicts the clean planes directly, not a residual: at x100-x300 the noise exceeds the signal,
and a residual version learned several times slower (150 steps, width 16: L1 0.32 vs 0.12, Gaussian blur 0.14).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["RawDenoiser", "SIZE_MULTIPLE", "noise_map", "render"]

LEVELS = 3
SIZE_MULTIPLE = 2 ** (LEVELS - 1)  # of the packed planes (the mosaic: twice that)
GAMMA = 2.2


def noise_map(raw: torch.Tensor, levels: torch.Tensor) -> torch.Tensor:
    """Per-pixel noise std of each plane: ``sqrt(shot * max(box3(raw), 0) + read)``; ``levels`` B x 2 x h x w
    or B x 2 (constant)."""
    signal = F.avg_pool2d(raw, 3, stride=1, padding=1, count_include_pad=False).clamp_min(0.0)
    if levels.dim() == 2:
        levels = levels[:, :, None, None]
    shot, read = levels[:, 0:1], levels[:, 1:2]
    return torch.sqrt(shot * signal + read.clamp_min(1e-12))


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.LeakyReLU(0.2))


class RawDenoiser(nn.Module):
    """U-Net on packed raw + noise map: widths ``width``, 2x, 4x over 3 levels; predicts the clean planes."""

    size_multiple = SIZE_MULTIPLE

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.width = width
        w1, w2, w3 = width, 2 * width, 4 * width
        self.enc1, self.enc2, self.mid = _block(8, w1), _block(w1, w2), _block(w2, w3)
        self.up2, self.dec2 = nn.Conv2d(w3, w2, 1), _block(2 * w2, w2)
        self.up1, self.dec1 = nn.Conv2d(w2, w1, 1), _block(2 * w1, w1)
        self.tail = nn.Conv2d(w1, 4, 3, padding=1)
        for p in self.tail.parameters():
            nn.init.zeros_(p)

    def config(self) -> dict[str, Any]:
        return {"width": self.width}

    def forward(self, raw: torch.Tensor, levels: torch.Tensor) -> torch.Tensor:
        std = noise_map(raw, levels)
        e1 = self.enc1(torch.cat([raw, std], dim=1))
        e2 = self.enc2(F.avg_pool2d(e1, 2))
        m = self.mid(F.avg_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(F.interpolate(m, scale_factor=2.0, mode="nearest")), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(F.interpolate(d2, scale_factor=2.0, mode="nearest")), e1], dim=1))
        return self.tail(d1)


def render(planes: torch.Tensor, wb: torch.Tensor, cam2rgb: torch.Tensor) -> torch.Tensor:
    """Simple differentiable render of packed planes B x 4 x h x w -> B x 3 x h x w: white balance ``wb``
    (B x 4, per canonical channel), green = mean of G1 and G2, ``cam2rgb`` (B x 3 x 3), clip, gamma 1/2.2.
    The same as :func:`.unprocess.render_packed` (numpy)."""
    x = planes * wb[:, :, None, None]
    cam = torch.stack([x[:, 0], 0.5 * (x[:, 1] + x[:, 2]), x[:, 3]], dim=1)
    rgb = torch.einsum("bij,bjhw->bihw", cam2rgb, cam)
    return rgb.clamp(1e-4, 1.0) ** (1.0 / GAMMA)
