"""The aliasing detector's network: five 3x3 convolutions (two with stride 2) and a 1x1 head, a logit per
4 x 4 block of the low-resolution Y; a patch's logit is the mean of its map (global average pooling
before a linear head, reordered), so the same graph serves training patches and whole windows."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

__all__ = ["AliasNet"]


class AliasNet(nn.Module):
    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.width = width
        w = width
        layers: list[nn.Module] = []
        for cin, cout, stride in ((1, w, 1), (w, w, 1), (w, 2 * w, 2), (2 * w, 2 * w, 1), (2 * w, 2 * w, 2)):
            layers += [nn.Conv2d(cin, cout, 3, stride=stride, padding=1), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers, nn.Conv2d(2 * w, 1, 1))

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        """N x 1 x H x W Y in [0, 1] (sides multiples of 4) -> N x 1 x H/4 x W/4 logits."""
        return self.body(y - 0.5)

    def config(self) -> dict[str, Any]:
        return {"width": self.width}
