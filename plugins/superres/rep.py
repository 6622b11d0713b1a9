"""A 3x3 convolution trained as several branches and run as one (online structural re-parameterization).

ECBSR (Zhang et al., ACM MM 2021) trains each 3x3 conv of a small SR net as a sum of linear branches (a
3x3 conv, a 1x1 expansion followed by a 3x3 conv, 1x1 convs followed by fixed Sobel and Laplacian
filters, and, in a plain body, the identity) and folds them into one 3x3 conv for deployment. Because
every branch is linear, the folded kernel can be formed on every forward pass (as OREPA does): training
costs one convolution, the branches only change how gradient descent sees the kernel, and training and
deployment compute the same function.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["RepConv3x3", "EDGE_FILTERS"]

#: Fixed 3x3 edge filters of ECBSR's edge branches (Sobel x, Sobel y, Laplacian); each sums to zero.
EDGE_FILTERS = torch.tensor([
    [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]],
    [[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]],
    [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]],
])


class RepConv3x3(nn.Module):
    """``channels -> channels`` 3x3 conv (padding 1) = 3x3 + (1x1 -> 3x3) + (1x1 -> edge filters).

    No identity branch: our blocks are residual already.
    """

    kernel_size = (3, 3)  # read by the MACs / receptive-field helpers like a Conv2d's
    edges: torch.Tensor  # registered buffer

    def __init__(self, channels: int, expand: int = 2) -> None:
        super().__init__()
        c, m = channels, expand * channels
        self.in_channels = self.out_channels = channels
        self.groups = 1
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.squeeze = nn.Conv2d(c, m, 1)  # 1x1 expansion ...
        self.spread = nn.Conv2d(m, c, 3)  # ... then 3x3 (its kernel and bias are folded, never run)
        self.edge_mix = nn.Parameter(torch.empty(len(EDGE_FILTERS), c, c))  # a 1x1 before each edge filter
        self.edge_scale = nn.Parameter(1e-3 * torch.randn(len(EDGE_FILTERS), c))
        nn.init.kaiming_uniform_(self.edge_mix.view(-1, c), a=5 ** 0.5)
        self.register_buffer("edges", EDGE_FILTERS.clone(), persistent=False)

    def kernel(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The folded ``(weight (C, C, 3, 3), bias (C,))``."""
        weight = self.conv.weight + torch.einsum("omhw,mi->oihw", self.spread.weight, self.squeeze.weight[:, :, 0, 0])
        squeezed = torch.einsum("omhw,m->o", self.spread.weight, _bias(self.squeeze))
        bias = _bias(self.conv) + _bias(self.spread) + squeezed
        weight = weight + torch.einsum("eo,eoi,ehw->oihw", self.edge_scale, self.edge_mix, self.edges)
        return weight, bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight, bias = self.kernel()
        return F.conv2d(x, weight, bias, padding=1)


def _bias(conv: nn.Conv2d) -> torch.Tensor:
    """A conv's bias (all convs here have one)."""
    assert conv.bias is not None
    return conv.bias
