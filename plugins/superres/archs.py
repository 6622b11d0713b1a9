"""Our SR network as an importable architecture: a user's fine-tuned ``SRNet`` state dict (from
``train.py``'s checkpoints) becomes a one-scale ONNX model, exactly like the shipped ones. Imports torch."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import torch

from photoai.runtime.archs import Arch

from .net import SingleScale, SRNet, macs_per_output_pixel, receptive_field

_BLOCK = re.compile(r"^body\.(\d+)\.conv1\.weight$")
_TAIL = re.compile(r"^tails\.(\d+)\.weight$")


class SRNetArch(Arch):
    name = "srnet"
    title = "PhotoAI SR network (SRNet)"
    task = "superres"

    def detect(self, state: Mapping[str, Any], scale: int | None = None) -> dict[str, Any] | None:
        head = state.get("head.weight")
        if head is None or tuple(head.shape[1:]) != (1, 3, 3) or "body_end.weight" not in state:
            return None
        scales = sorted(int(m.group(1)) for k in state if (m := _TAIL.match(k)))
        blocks = sum(1 for k in state if _BLOCK.match(k))
        if not scales or (scale is not None and scale not in scales):
            return None
        return {"channels": int(head.shape[0]), "blocks": blocks, "scales": scales,
                "scale": scale if scale is not None else scales[0]}

    def build(self, config: Mapping[str, Any]) -> SRNet:
        return SRNet(config["channels"], config["blocks"], tuple(config["scales"]))

    def deploy(self, net: SRNet, config: Mapping[str, Any]) -> torch.nn.Module:
        return SingleScale(net, config["scale"])

    def facts(self, config: Mapping[str, Any]) -> dict[str, Any]:
        net = self.build(config)
        s = config["scale"]
        return {"scale": s, "in_channels": 1, "out_channels": 1, "inputs": ["y_lr"], "color": "y-bt601",
                "min_size": 3, "receptive_field": receptive_field(net), "tiling": "supported",
                "macs_per_output_pixel": round(macs_per_output_pixel(net, s)),
                "config": {k: config[k] for k in ("channels", "blocks", "scales")}}

    def example_inputs(self, config: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
        return (torch.rand(1, 1, 32, 40),)


ARCHS = (SRNetArch(),)
