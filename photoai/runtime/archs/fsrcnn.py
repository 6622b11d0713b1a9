"""FSRCNN (Dong, Loy and Tang, ECCV 2016) in the common PyTorch layout (yjn870/FSRCNN-pytorch).

``first_part`` = conv 5x5 1->d + PReLU(d); ``mid_part`` = conv 1x1 d->s + PReLU(s), m x (conv 3x3
s->s + PReLU(s)), conv 1x1 s->d + PReLU(d); ``last_part`` = ConvTranspose2d d->1, kernel 9, stride =
scale, padding 4, output padding scale - 1. The network maps the Y channel (BT.601 studio range,
divided by 255) of the low-resolution image to the Y of the high-resolution one; the authors' test
script clamps it to [0, 1] and takes Cb/Cr from a PIL bicubic upscale of the image.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from torch import Tensor, nn

from photoai.runtime.archs.torch_arch import TorchArch, shape_of

_MID_BIAS = re.compile(r"^mid_part\.(\d+)\.bias$")


class FSRCNNNet(nn.Module):
    """The network, with the authors' module names (so their state dict loads as is)."""

    def __init__(self, scale: int, d: int = 56, s: int = 12, m: int = 4) -> None:
        super().__init__()
        self.first_part = nn.Sequential(nn.Conv2d(1, d, 5, padding=2), nn.PReLU(d))
        mid: list[nn.Module] = [nn.Conv2d(d, s, 1), nn.PReLU(s)]
        for _ in range(m):
            mid += [nn.Conv2d(s, s, 3, padding=1), nn.PReLU(s)]
        mid += [nn.Conv2d(s, d, 1), nn.PReLU(d)]
        self.mid_part = nn.Sequential(*mid)
        self.last_part = nn.ConvTranspose2d(d, 1, 9, stride=scale, padding=4, output_padding=scale - 1)

    def forward(self, y: Tensor) -> Tensor:
        return self.last_part(self.mid_part(self.first_part(y)))


class FSRCNN(TorchArch):
    name = "fsrcnn"
    title = "FSRCNN (Dong et al., ECCV 2016)"
    task = "superres"
    needs_scale = True

    def guess(self, state: Mapping[str, Any], scale: int | None) -> dict[str, Any] | None:
        first, mid = shape_of(state, "first_part.0.weight"), shape_of(state, "mid_part.0.weight")
        if first is None or mid is None or len(first) != 4 or len(mid) != 4:
            return None
        convs = sum(1 for k in state if _MID_BIAS.match(k))  # 1x1 in, m 3x3, 1x1 out
        return {"scale": scale, "d": first[0], "s": mid[0], "m": max(convs - 2, 0)}

    def build(self, config: Mapping[str, Any]) -> nn.Module:
        # The scale does not change any tensor's shape; recognition builds with scale 1.
        return FSRCNNNet(int(config.get("scale") or 1), config["d"], config["s"], config["m"])

    def facts(self, config: Mapping[str, Any]) -> dict[str, Any]:
        scale = int(config["scale"])
        # LR pixels one output pixel sees: the transposed conv's taps, the 5x5 conv and the m 3x3 convs.
        receptive = 8 // scale + 1 + 4 + 2 * int(config["m"])
        return {"scale": scale, "in_channels": 1, "out_channels": 1, "inputs": ["y_lr"], "color": "y-bt601-srcnn",
                "receptive_field": receptive, "tiling": "supported",
                "config": {"d": config["d"], "s": config["s"], "m": config["m"], "chroma": "pil-bicubic"},
                "description": f"FSRCNN x{scale} (d={config['d']}, s={config['s']}, m={config['m']}): Y of BT.601 "
                               "YCbCr (the /256 constants of the authors' utils, red 64.738) of the low-resolution "
                               "image -> Y of the high-resolution one, clamped to [0, 1]; Cb/Cr from a PIL "
                               "bicubic upscale, as the authors' test does"}
