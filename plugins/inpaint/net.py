"""Partial convolution and the PConv U-Net of Liu et al., *Image Inpainting for Irregular
Holes Using Partial Convolutions* (ECCV 2018), sized for CPU training.

Masks inside the network follow the paper: ``valid`` = 1 for known pixels, one channel per layer
shared by all feature channels. The public :class:`PConvUNet` takes a ``hole`` mask (1 = fill).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

# Images enter in [0, 1]; the network works on roughly zero-mean, unit-scale values.
_IN_MEAN = 0.45
_IN_STD = 0.25


class PartialConv2d(nn.Conv2d):
    """Conv over valid pixels only, re-normalised by ``sum(1) / sum(M)`` of each window.

    ``out = W^T (X * M) * k*k / sum(M) + b`` where ``sum(M) > 0``, else 0; the new mask is 1 where
    any input under the window was valid. ``sum(1)`` is the full window ``k*k`` also at the border,
    so zero padding counts as hole (the paper's formula; this is "partial-conv padding").
    The ratio is a plain conv with a ones kernel plus clamp/division, so it exports to ONNX.
    """

    ones_kernel: torch.Tensor  # registered buffer

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int = 1, bias: bool = True) -> None:
        super().__init__(in_ch, out_ch, kernel_size, stride=stride, padding=kernel_size // 2, bias=bias)
        self.register_buffer("ones_kernel", torch.ones(1, 1, kernel_size, kernel_size), persistent=False)
        self.window = float(kernel_size * kernel_size)

    def forward(self, x: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        with torch.no_grad():
            count = F.conv2d(valid, self.ones_kernel, stride=self.stride, padding=self.padding)
            new_valid = torch.clamp(count, 0.0, 1.0)
            ratio = self.window / torch.clamp(count, min=1.0) * new_valid
        out = F.conv2d(x * valid, self.weight, None, self.stride, self.padding)
        out = out * ratio
        if self.bias is not None:
            out = out + self.bias.view(1, -1, 1, 1) * new_valid
        return out, new_valid


class RefineHead(nn.Module):
    """Full-resolution residual refinement of the completed image (coarse-to-fine, as DeepFill's
    second stage, but tiny): ``[composite, hole] -> 3x3 convs with dilation 1, 2, 4 -> residual``.
    Every pixel is known after compositing, so these are plain convolutions. The last conv starts at
    zero: added to a trained net, the head changes nothing until training moves it."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(4, width, 3, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, width, 3, padding=2, dilation=2), nn.LeakyReLU(0.2),
            nn.Conv2d(width, width, 3, padding=4, dilation=4), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 3, 3, padding=1),
        )
        for p in self.body[-1].parameters():  # weight and bias
            nn.init.zeros_(p)

    def forward(self, completed: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([completed, hole], dim=1))


def _up2(t: torch.Tensor) -> torch.Tensor:
    return F.interpolate(t, scale_factor=2.0, mode="nearest")


def push_pull_fill(x: torch.Tensor, valid: torch.Tensor, levels: int) -> torch.Tensor:
    """Smooth hole fill (Gortler et al. 1996 push-pull): masked averages over a ``levels``-deep
    pyramid, then coarse-to-fine blending weighted by each cell's valid fraction.

    ``x`` must be 0 in holes; H and W multiples of ``2**levels``. Known pixels come back unchanged.
    Cells with no valid pixel at the coarsest level take the image's mean colour.
    """
    pyramid = [(x, valid)]
    for _ in range(levels):
        x, valid = F.avg_pool2d(x, 2), F.avg_pool2d(valid, 2)
        pyramid.append((x, valid))
    x, valid = pyramid.pop()
    mean = x.sum(dim=(2, 3), keepdim=True) / valid.sum(dim=(2, 3), keepdim=True).clamp_min(1e-6)
    fill = (x + 1e-3 * mean) / (valid + 1e-3)
    for x, valid in reversed(pyramid):
        coarse = F.interpolate(fill, scale_factor=2.0, mode="bilinear", align_corners=False)
        fill = x + coarse * (1.0 - valid)  # = valid * (x / valid) + (1 - valid) * coarse
    return fill


class PConvResBlock(nn.Module):
    """``h + PConv(LeakyReLU(PConv(h)))``; the second conv starts at zero, so a block added to a
    trained net leaves its output unchanged until training moves it (warm starts)."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv1 = PartialConv2d(ch, ch, 3)
        self.conv2 = PartialConv2d(ch, ch, 3)
        for p in self.conv2.parameters():  # weight and bias
            nn.init.zeros_(p)

    def forward(self, h: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r, m = self.conv1(h, valid)
        r, m = self.conv2(F.leaky_relu(r, 0.2), m)
        return h * valid + r, m


class PConvUNet(nn.Module):
    """U-Net of partial convolutions: stride-2 PConv encoder; decoder = nearest x2 upsample,
    concat skip, 3x3 PConv (LeakyReLU 0.2). No batch norm (small CPU batches; clean export).

    Concatenated features share one mask: the union of the two masks. Skip features are already
    zero where their own mask is 0, so the union only admits exact zeros, never stale values.
    Input H and W must be multiples of ``size_multiple`` = 2**levels.

    Optional extras (both off = the paper's layout): ``res_blocks[i]`` residual PConv blocks after
    decoder level ``i`` (i >= 1, half resolution and coarser); ``prefill`` replaces the zeroed holes
    of the full-resolution skip (what the last layer sees) by a push-pull fill marked valid;
    ``refine`` > 0 adds a :class:`RefineHead` of that width on the completed image.
    """

    def __init__(self, widths: Sequence[int] = (32, 64, 128, 128, 128, 128),
                 kernels: Sequence[int] | None = None, res_blocks: Sequence[int] | None = None,
                 prefill: bool = False, refine: int = 0) -> None:
        super().__init__()
        widths = tuple(int(w) for w in widths)
        if kernels is None:
            kernels = tuple([7, 5, 5] + [3] * max(0, len(widths) - 3))[: len(widths)]
        if len(kernels) != len(widths):
            raise ValueError("kernels and widths must have the same length")
        self.widths = widths
        self.kernels = tuple(int(k) for k in kernels)
        self.levels = len(widths)
        self.size_multiple = 2 ** self.levels
        chans = (3,) + widths
        self.enc = nn.ModuleList(
            PartialConv2d(chans[i], chans[i + 1], self.kernels[i], stride=2) for i in range(self.levels)
        )
        # Decoder level i maps up(chans[i+1]) ++ skip chans[i] -> chans[i] (3 = RGB at the top).
        self.dec = nn.ModuleList(
            PartialConv2d(chans[i + 1] + chans[i], chans[i], 3) for i in range(self.levels)
        )
        self.res_blocks = tuple(int(n) for n in (res_blocks or (0,) * self.levels))
        if len(self.res_blocks) != self.levels or self.res_blocks[0]:
            raise ValueError("res_blocks needs one count per level and none at level 0 (the RGB output)")
        self.res = nn.ModuleList(
            nn.ModuleList(PConvResBlock(chans[i]) for _ in range(n)) for i, n in enumerate(self.res_blocks)
        )
        self.prefill = bool(prefill)
        self.refine = RefineHead(refine) if refine else None

    def forward(self, image: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
        """Raw RGB prediction in [0, 1] scale (not clamped) for ``image`` Bx3xHxW and ``hole`` Bx1xHxW."""
        valid = 1.0 - hole
        x = (image - _IN_MEAN) / _IN_STD * valid
        if self.prefill:
            skips = [(push_pull_fill(x, valid, self.levels), torch.ones_like(valid))]
        else:
            skips = [(x, valid)]
        h, m = x, valid
        for conv in self.enc:
            h, m = conv(h, m)
            h = F.relu(h)
            skips.append((h, m))
        skips.pop()  # the bottleneck is not a skip
        for i in reversed(range(self.levels)):
            s, sm = skips[i]
            h = torch.cat([_up2(h), s], dim=1)
            m = torch.maximum(_up2(m), sm)
            h, m = self.dec[i](h, m)
            if i > 0:
                h = F.leaky_relu(h, 0.2)
                for block in cast(nn.ModuleList, self.res[i]):
                    h, m = block(h, m)
        if self.refine is not None:
            h = h + self.refine(h * hole + x, hole)  # x is the normalised input, 0 in the hole
        return h * _IN_STD + _IN_MEAN

    def config(self) -> dict[str, Any]:
        """Constructor arguments; the extras appear only when used (older checkpoints lack them)."""
        cfg: dict[str, Any] = {"widths": list(self.widths), "kernels": list(self.kernels)}
        if any(self.res_blocks):
            cfg["res_blocks"] = list(self.res_blocks)
        if self.prefill:
            cfg["prefill"] = True
        if self.refine is not None:
            cfg["refine"] = self.refine.body[0].out_channels
        return cfg


def composite(image: torch.Tensor, out: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """Prediction inside the hole, input outside it."""
    return out * hole + image * (1.0 - hole)


class InpaintExportWrapper(nn.Module):
    """What ships in ONNX: ``image`` Bx3xHxW [0,1] + ``mask`` Bx1xHxW (1 = hole) -> clamped composite."""

    def __init__(self, net: PConvUNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = self.net(image, mask)
        return torch.clamp(composite(image, out, mask), 0.0, 1.0)


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
