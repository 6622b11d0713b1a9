"""Our partial-convolution U-Net as an importable architecture (a user's fine-tuned weights from
``train.py`` checkpoints become an ONNX model like the shipped one). Imports torch."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import torch

from photoai.runtime.archs import Arch

from .net import InpaintExportWrapper, PConvUNet, count_params

_ENC = re.compile(r"^enc\.(\d+)\.weight$")
_RES = re.compile(r"^res\.(\d+)\.(\d+)\.conv1\.weight$")


class PConvUNetArch(Arch):
    name = "pconv-unet"
    title = "PhotoAI partial-convolution U-Net (inpainting)"
    task = "inpaint"

    def detect(self, state: Mapping[str, Any], scale: int | None = None) -> dict[str, Any] | None:
        levels = sorted(int(m.group(1)) for k in state if (m := _ENC.match(k)))
        if not levels or levels != list(range(len(levels))) or f"dec.{levels[-1]}.weight" not in state:
            return None
        enc = [state[f"enc.{i}.weight"] for i in levels]
        if enc[0].shape[1] != 3:
            return None
        res = [0] * len(levels)
        for k in state:
            if m := _RES.match(k):
                res[int(m.group(1))] = max(res[int(m.group(1))], int(m.group(2)) + 1)
        config: dict[str, Any] = {"widths": [int(w.shape[0]) for w in enc], "kernels": [int(w.shape[2]) for w in enc],
                                  "res_blocks": res, "prefill": True}  # prefill has no weights: ours always uses it
        if "refine.body.0.weight" in state:
            config["refine"] = int(state["refine.body.0.weight"].shape[0])
        return config

    def build(self, config: Mapping[str, Any]) -> PConvUNet:
        return PConvUNet(**config)

    def deploy(self, net: PConvUNet, config: Mapping[str, Any]) -> torch.nn.Module:
        return InpaintExportWrapper(net)

    def facts(self, config: Mapping[str, Any]) -> dict[str, Any]:
        net = self.build(config)
        return {"in_channels": 3, "out_channels": 3, "inputs": ["image", "mask"], "size_multiple": net.size_multiple,
                "tiling": "internal", "params": count_params(net), "config": dict(config)}

    def example_inputs(self, config: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
        m = 2 ** len(config["widths"])
        return torch.rand(1, 3, 2 * m, 3 * m), (torch.rand(1, 1, 2 * m, 3 * m) > 0.7).float()


ARCHS = (PConvUNetArch(),)
