"""Small multi-scale residual super-resolution network on the Y channel.

Design (MDSR-like, CPU friendly): a shared body in LR space
(conv3x3 1->C, ``blocks`` residual blocks conv-ReLU-conv, conv3x3, long skip)
and one tail per scale (conv3x3 C->s^2 + PixelShuffle).  The tail predicts a
residual over a fixed, exact MATLAB-bicubic upsampling of the input, done as a
5x5 polyphase convolution + PixelShuffle with symmetric border padding, so an
untrained net already equals bicubic and everything exports cleanly to ONNX.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from photoai.core.resize import cubic

from .rep import RepConv3x3

__all__ = ["SRNet", "BicubicUpsample", "SingleScale", "macs_per_output_pixel", "receptive_field"]

_BICUBIC_PAD = 2  # the 5x5 polyphase kernel reaches 2 LR pixels out


def bicubic_phase_kernel(scale: int) -> np.ndarray:
    """Conv weight ``(s*s, 1, 5, 5)``: channel ``ry*s+rx`` gives output phase (ry, rx) of MATLAB bicubic."""
    offsets = np.arange(-_BICUBIC_PAD, _BICUBIC_PAD + 1)
    phase = (np.arange(scale) + 0.5) / scale - 0.5
    w1 = cubic(phase[:, None] - offsets[None, :])  # (s, 5); weight of neighbour x[i + k]
    w1 /= w1.sum(axis=1, keepdims=True)
    w2 = w1[:, None, :, None] * w1[None, :, None, :]  # (s, s, 5, 5)
    return w2.reshape(scale * scale, 1, 5, 5).astype(np.float32)


def _symmetric_pad(x: torch.Tensor, pad: int) -> torch.Tensor:
    """Mirror padding that repeats the edge pixel (MATLAB 'symmetric') on H and W."""
    for dim in (2, 3):
        n = x.shape[dim]
        head = x.narrow(dim, 0, pad).flip(dim)
        tail = x.narrow(dim, n - pad, pad).flip(dim)
        x = torch.cat([head, x, tail], dim=dim)
    return x


class BicubicUpsample(nn.Module):
    """Exact MATLAB ``imresize(x, s, 'bicubic')`` for integer ``s`` (input >= 2 px per side)."""

    weight: torch.Tensor  # registered buffer

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale
        self.register_buffer("weight", torch.from_numpy(bicubic_phase_kernel(scale)), persistent=False)
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shuffle(F.conv2d(_symmetric_pad(x, _BICUBIC_PAD), self.weight))


def conv3x3(channels: int, rep: bool = False) -> nn.Module:
    """A ``channels -> channels`` 3x3 conv; ``rep``: trained as branches (:class:`.rep.RepConv3x3`)."""
    return RepConv3x3(channels) if rep else nn.Conv2d(channels, channels, 3, padding=1)


class ResBlock(nn.Module):
    """conv3x3 - ReLU - conv3x3 with identity skip."""

    def __init__(self, channels: int, rep: bool = False) -> None:
        super().__init__()
        self.conv1 = conv3x3(channels, rep)
        self.conv2 = conv3x3(channels, rep)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.conv1(x), inplace=True))

    def make_identity(self) -> None:
        """Zero the second conv (every branch that reaches its kernel): the block passes its input through, and
        its weights still get gradients (the first conv's output reaches the zeroed weights)."""
        conv = self.conv2
        zeroed = ((conv.conv, conv.spread) if isinstance(conv, RepConv3x3) else (conv,))
        with torch.no_grad():
            for layer in zeroed:
                for t in layer.parameters(recurse=False):
                    t.zero_()
            if isinstance(conv, RepConv3x3):
                conv.edge_scale.zero_()


class SRNet(nn.Module):
    """Shared LR-space body with one PixelShuffle tail per scale; input/output Y in [0, 1].

    ``rep=True`` trains the body's convs as re-parameterized branches; :meth:`fused` gives the plain
    network (same function) that is exported and shipped.
    """

    def __init__(self, channels: int = 40, blocks: int = 6, scales: tuple[int, ...] = (2, 3, 4),
                 rep: bool = False) -> None:
        super().__init__()
        self.channels, self.blocks, self.scales, self.rep = channels, blocks, tuple(scales), rep
        self.head = nn.Conv2d(1, channels, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(channels, rep) for _ in range(blocks)])
        self.body_end = conv3x3(channels, rep)
        self.tails = nn.ModuleDict({str(s): nn.Conv2d(channels, s * s, 3, padding=1) for s in self.scales})
        self.shuffles = nn.ModuleDict({str(s): nn.PixelShuffle(s) for s in self.scales})
        self.upsamplers = nn.ModuleDict({str(s): BicubicUpsample(s) for s in self.scales})
        for tail in self.tails.values():  # start exactly at bicubic: zero weight and bias
            for p in tail.parameters():
                nn.init.zeros_(p)

    def config(self) -> dict:
        """Constructor arguments (stored in checkpoints; ``rep`` only when set, as older checkpoints lack it)."""
        config = {"channels": self.channels, "blocks": self.blocks, "scales": list(self.scales)}
        return {**config, "rep": True} if self.rep else config

    def fused(self) -> SRNet:
        """The plain network computing the same function (itself when not ``rep``), in the same mode."""
        if not self.rep:
            return self
        plain = SRNet(self.channels, self.blocks, self.scales)
        reps = {name: m for name, m in self.named_modules() if isinstance(m, RepConv3x3)}
        prefixes = tuple(f"{name}." for name in reps)
        state = {k: v for k, v in self.state_dict().items() if not k.startswith(prefixes)}
        for name, module in reps.items():
            weight, bias = module.kernel()
            state[f"{name}.weight"], state[f"{name}.bias"] = weight.detach(), bias.detach()
        plain.load_state_dict(state)
        return plain.train(self.training)

    def deepen_from(self, blocks: int) -> tuple[str, ...]:
        """Make the body's blocks from index ``blocks`` on identities (:meth:`ResBlock.make_identity`), so that the
        weights of a ``blocks``-block network give this deeper one the same function; returns their state-dict
        prefixes (the tensors a warm start from that network lacks)."""
        for block in list(self.body)[blocks:]:
            cast(ResBlock, block).make_identity()
        return tuple(f"body.{i}." for i in range(blocks, self.blocks))

    def forward(self, x: torch.Tensor, scale: int) -> torch.Tensor:
        feat = self.head(x - 0.5)
        feat = feat + self.body_end(self.body(feat))
        key = str(scale)
        return self.upsamplers[key](x) + self.shuffles[key](self.tails[key](feat))


class SingleScale(nn.Module):
    """Wraps ``SRNet`` for one scale (``forward(x)``), keeping only that tail; used for export."""

    def __init__(self, net: SRNet, scale: int) -> None:
        super().__init__()
        self.scale = scale
        self.head, self.body, self.body_end = net.head, net.body, net.body_end
        self.tail = net.tails[str(scale)]
        self.shuffle = net.shuffles[str(scale)]
        self.upsample = net.upsamplers[str(scale)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = self.head(x - 0.5)
        feat = feat + self.body_end(self.body(feat))
        return self.upsample(x) + self.shuffle(self.tail(feat))


def _conv_macs_per_lr_pixel(module: nn.Module) -> int:
    return sum(m.in_channels // m.groups * m.out_channels * m.kernel_size[0] * m.kernel_size[1]
               for m in module.modules() if isinstance(m, nn.Conv2d))


def macs_per_output_pixel(model: SRNet | SingleScale, scale: int) -> float:
    """Multiply-adds per HR output pixel for ``scale`` (convs + the fixed bicubic; adds ignored)."""
    if isinstance(model, SRNet):
        model = SingleScale(model, scale)
    lr_macs = _conv_macs_per_lr_pixel(model) + scale * scale * 25  # fixed 5x5 polyphase bicubic
    return lr_macs / (scale * scale)


def receptive_field(model: SRNet | SingleScale) -> int:
    """Receptive field of an output pixel in LR pixels (diameter; stride-1 convs + 5x5 bicubic)."""
    radius = sum((m.kernel_size[0] - 1) // 2 for m in _main_path_convs(model))
    return 2 * max(radius, _BICUBIC_PAD) + 1


def _main_path_convs(model: SRNet | SingleScale) -> list[nn.Conv2d | RepConv3x3]:
    """Convs on the longest path: head, both convs per block, body end, one tail."""
    tail = model.tail if isinstance(model, SingleScale) else next(iter(model.tails.values()))
    Conv = nn.Conv2d | RepConv3x3
    convs: list[nn.Conv2d | RepConv3x3] = [model.head, cast(Conv, model.body_end), cast(nn.Conv2d, tail)]
    for block in cast(Iterable[ResBlock], model.body):
        convs += [cast(Conv, block.conv1), cast(Conv, block.conv2)]
    return convs


def param_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
