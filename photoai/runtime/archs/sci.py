"""SCI, self-calibrated illumination (Ma et al., CVPR 2022; vis-opt-group/SCI), as its test runs it.

Only the illumination estimator ``enhance`` runs at test time (``calibrate`` is training-only):
``in_conv`` (3x3 conv 3->C + ReLU), ``layers`` residual steps ``fea + conv(fea)`` with ONE shared
module ``conv`` = 3x3 conv C->C + BatchNorm (eval) + ReLU (the authors append ``self.conv`` to
``blocks``, so the state dict holds it as ``enhance.conv.*`` and ``enhance.blocks.i.*``), ``out_conv``
(3x3 conv C->3 + Sigmoid); illumination = clamp(fea + x, 1e-4, 1), output = clamp(x / illumination, 0, 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import Tensor, nn

from photoai.runtime.archs.torch_arch import TorchArch, shape_of

PREFIX = "enhance."
_BLOCK = re.compile(r"^blocks\.(\d+)\.(.+)$")


class EnhanceNet(nn.Module):
    """The illumination estimator with the authors' module names and shared block."""

    def __init__(self, channels: int = 3, layers: int = 1) -> None:
        super().__init__()
        self.in_conv = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1), nn.ReLU())
        self.conv = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU())
        self.blocks = nn.ModuleList([self.conv for _ in range(layers)])
        self.out_conv = nn.Sequential(nn.Conv2d(channels, 3, 3, padding=1), nn.Sigmoid())

    def forward(self, x: Tensor) -> Tensor:
        fea = self.in_conv(x)
        for block in self.blocks:
            fea = fea + block(fea)
        return torch.clamp(self.out_conv(fea) + x, 0.0001, 1.0)


class SCIModel(nn.Module):
    """RGB [0, 1] -> the enhanced image the authors' ``Finetunemodel`` returns (``r``)."""

    def __init__(self, net: EnhanceNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: Tensor) -> Tensor:
        return torch.clamp(x / self.net(x), 0.0, 1.0)


def _enhance(state: Mapping[str, Any]) -> dict[str, Any]:
    return {k.removeprefix(PREFIX): v for k, v in state.items() if k.startswith(PREFIX)}


def _block_ids(keys: Iterable[str]) -> set[str]:
    return {m.group(1) for k in keys if (m := _BLOCK.match(k))}


class SCI(TorchArch):
    name = "sci"
    title = "SCI (Ma et al., CVPR 2022)"
    task = "lowlight"

    def guess(self, state: Mapping[str, Any], scale: int | None) -> dict[str, Any] | None:
        first = shape_of(state, PREFIX + "in_conv.0.weight")
        if first is None or len(first) != 4:
            return None
        return {"channels": first[0], "layers": len(_block_ids(_enhance(state))) or 1}

    def prepare_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """The ``enhance.*`` tensors without the prefix; the shared block under every name it loads by."""
        out = _enhance(state)
        shared = {k.removeprefix("conv."): v for k, v in out.items() if k.startswith("conv.")}
        for k, v in out.items():
            if m := _BLOCK.match(k):
                shared.setdefault(m.group(2), v)
        targets = ["conv.", *(f"blocks.{i}." for i in _block_ids(out) or {"0"})]
        for name, value in shared.items():
            for target in targets:
                out.setdefault(target + name, value)
        return out

    def build(self, config: Mapping[str, Any]) -> nn.Module:
        return EnhanceNet(int(config["channels"]), int(config["layers"]))

    def deploy(self, net: Any, config: Mapping[str, Any]) -> nn.Module:
        return SCIModel(net)

    def facts(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return {"inputs": ["image"], "color": "rgb", "receptive_field": 2 * (int(config["layers"]) + 2) + 1,
                "tiling": "supported", "config": {"channels": config["channels"], "layers": config["layers"]},
                "description": "SCI: illumination = clamp(enhance(x) + x, 1e-4, 1), output = clamp(x / "
                               "illumination, 0, 1), RGB [0, 1] (the calibration network is training-only)"}
