"""The classification loss of Zhang et al. (2016), in PyTorch: soft-encoded targets over the ab bins,
each pixel weighted by the rebalancing weight of its nearest bin."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .bins import NEIGHBOURS, SIGMA


def soft_targets(ab: torch.Tensor, bins: torch.Tensor, k: int = NEIGHBOURS,
                 sigma: float = SIGMA) -> tuple[torch.Tensor, torch.Tensor]:
    """True ab Nx2xhxw -> (targets NxQxhxw: Gaussian weights on the ``k`` nearest bins, summing to 1;
    the nearest bin's index Nxhxw)."""
    n, _, h, w = ab.shape
    pix = ab.permute(0, 2, 3, 1).reshape(-1, 2)
    d = torch.cdist(pix, bins).square()
    near, idx = d.topk(k, dim=1, largest=False)
    wts = torch.softmax(-near / (2 * sigma ** 2), dim=1)
    targets = torch.zeros_like(d).scatter_(1, idx, wts)
    return (targets.view(n, h, w, -1).permute(0, 3, 1, 2), idx[:, 0].view(n, h, w))


def rebalanced_ce(logits: torch.Tensor, ab: torch.Tensor, bins: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of ``logits`` (NxQxhxw) against the soft-encoded truth, each pixel weighted by
    ``weights`` of its nearest bin (the weights' expected value under the prior is 1)."""
    targets, nearest = soft_targets(ab, bins)
    ce = -(targets * F.log_softmax(logits, dim=1)).sum(dim=1)
    return (ce * weights[nearest]).mean()
