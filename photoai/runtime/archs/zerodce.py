"""Zero-DCE (Guo et al., CVPR 2020) and Zero-DCE++ (Li et al., TPAMI 2021): light-enhancement curves.

Both estimate curve maps with seven 3x3 convolutions (ReLU, the last tanh) where e_conv5, e_conv6 and
e_conv7 take the concatenation of two earlier outputs (x3|x4, x2|x5, x1|x6), then brighten the RGB
image in [0, 1] eight times by ``x <- x + r * (x^2 - x)``.

- Zero-DCE (``enhance_net_nopool``): plain convolutions with bias; e_conv7 gives 24 channels, eight
  3-channel maps r1..r8, one per step.
- Zero-DCE++: each convolution is a depthwise 3x3 (``depth_conv``) followed by a pointwise 1x1
  (``point_conv``); e_conv7 gives one 3-channel map applied eight times. The map is estimated on a
  bilinear downscale by ``scale_factor`` (12 in the authors' test) and brought back to full size with
  ``nn.UpsamplingBilinear2d`` (bilinear, align_corners=True).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from photoai.runtime.archs.torch_arch import TorchArch, shape_of

STEPS = 8


class Separable(nn.Module):
    """Depthwise 3x3 then pointwise 1x1 (Zero-DCE++'s ``CSDN_Tem``)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.depth_conv = nn.Conv2d(cin, cin, 3, padding=1, groups=cin)
        self.point_conv = nn.Conv2d(cin, cout, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.point_conv(self.depth_conv(x))


def plain_conv(cin: int, cout: int) -> nn.Module:
    return nn.Conv2d(cin, cout, 3, padding=1)


class CurveNet(nn.Module):
    """The seven convolutions; returns the tanh curve maps."""

    def __init__(self, conv: Callable[[int, int], nn.Module], width: int, maps: int) -> None:
        super().__init__()
        self.e_conv1 = conv(3, width)
        self.e_conv2 = conv(width, width)
        self.e_conv3 = conv(width, width)
        self.e_conv4 = conv(width, width)
        self.e_conv5 = conv(2 * width, width)
        self.e_conv6 = conv(2 * width, width)
        self.e_conv7 = conv(2 * width, maps)

    def forward(self, x: Tensor) -> Tensor:
        x1 = F.relu(self.e_conv1(x))
        x2 = F.relu(self.e_conv2(x1))
        x3 = F.relu(self.e_conv3(x2))
        x4 = F.relu(self.e_conv4(x3))
        x5 = F.relu(self.e_conv5(torch.cat([x3, x4], 1)))
        x6 = F.relu(self.e_conv6(torch.cat([x2, x5], 1)))
        return torch.tanh(self.e_conv7(torch.cat([x1, x6], 1)))


def apply_curve(x: Tensor, r: Tensor) -> Tensor:
    return x + r * (torch.pow(x, 2) - x)


class ZeroDCEModel(nn.Module):
    """RGB [0, 1] -> enhanced RGB: map i drives step i."""

    def __init__(self, net: CurveNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: Tensor) -> Tensor:
        maps = self.net(x)
        for i in range(STEPS):  # slices, not torch.split: opset 17 has no Split(num_outputs)
            x = apply_curve(x, maps[:, 3 * i: 3 * i + 3])
        return x


class ZeroDCEPlusPlusModel(nn.Module):
    """RGB [0, 1] (sides multiples of ``scale_factor``) -> enhanced RGB: one map, eight steps."""

    def __init__(self, net: CurveNet, scale_factor: int) -> None:
        super().__init__()
        self.net = net
        self.scale_factor = scale_factor

    def forward(self, x: Tensor) -> Tensor:
        s = self.scale_factor
        if s == 1:
            r = self.net(x)
        else:
            small = F.interpolate(x, scale_factor=1 / s, mode="bilinear")
            r = F.interpolate(self.net(small), scale_factor=s, mode="bilinear", align_corners=True)
        for _ in range(STEPS):
            x = apply_curve(x, r)
        return x


class ZeroDCE(TorchArch):
    name = "zero-dce"
    title = "Zero-DCE (Guo et al., CVPR 2020)"
    task = "lowlight"

    def guess(self, state: Mapping[str, Any], scale: int | None) -> dict[str, Any] | None:
        first = shape_of(state, "e_conv1.weight")
        return {"width": first[0]} if first is not None and len(first) == 4 else None

    def build(self, config: Mapping[str, Any]) -> nn.Module:
        return CurveNet(plain_conv, int(config["width"]), 3 * STEPS)

    def deploy(self, net: Any, config: Mapping[str, Any]) -> nn.Module:
        return ZeroDCEModel(net)

    def facts(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"inputs": ["image"], "color": "rgb", "receptive_field": 15, "tiling": "supported",
                "config": {"width": config["width"]},
                "description": "Zero-DCE: eight curve maps from seven 3x3 convs, x <- x + r_i (x^2 - x), RGB [0, 1]"}


class ZeroDCEPlusPlus(TorchArch):
    name = "zero-dce++"
    title = "Zero-DCE++ (Li et al., TPAMI 2021)"
    task = "lowlight"

    def __init__(self, scale_factor: int = 12) -> None:
        self.scale_factor = scale_factor

    def guess(self, state: Mapping[str, Any], scale: int | None) -> dict[str, Any] | None:
        first = shape_of(state, "e_conv1.point_conv.weight")
        if first is None or len(first) != 4:
            return None
        return {"width": first[0], "scale_factor": self.scale_factor}

    def build(self, config: Mapping[str, Any]) -> nn.Module:
        return CurveNet(Separable, int(config["width"]), 3)

    def deploy(self, net: Any, config: Mapping[str, Any]) -> nn.Module:
        return ZeroDCEPlusPlusModel(net, int(config["scale_factor"]))

    def facts(self, config: Mapping[str, Any]) -> dict[str, Any]:
        s = int(config["scale_factor"])
        return {"inputs": ["image"], "color": "rgb", "size_multiple": s, "min_size": s,
                "receptive_field": 17 * s, "tiling": "internal",
                "config": {"width": config["width"], "scale_factor": s},
                "description": f"Zero-DCE++: one curve map estimated on a 1/{s} bilinear downscale, upsampled "
                               "(bilinear, align_corners) and applied eight times, RGB [0, 1]; it depends on the "
                               "whole image, so run it untiled"}
