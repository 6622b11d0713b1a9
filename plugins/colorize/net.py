"""The colorization network (PyTorch): lightness + optional colour hints -> a distribution over the ab bins.

Zhang et al. (ECCV 2016) predict, for every pixel at 1/4 of the input resolution, a distribution over
Q = 313 quantized ab bins; the SIGGRAPH 2017 follow-up adds the user's hints as input channels (ab at
the hint pixels and a mask). Ours is the CPU-sized version of that idea:

- input B x 4 x H x W (H, W multiples of 8): L / 50 - 1, hint a / 110, hint b / 110, hint mask (0/1);
- an encoder to 1/8 resolution, dilated residual blocks there (a receptive field covering most of a
  256 px proxy) and a global-context branch (the pooled features of the whole photo added back,
  so a scene is coloured consistently);
- a decoder to 1/4 resolution with a skip connection, and 1x1 logits over the Q bins;
- with ``hint_radii``, a hint branch (:class:`HintSpread`): the hints spread by normalized convolution
  over windows of several radii at 1/4 resolution (the mean hint colour near each pixel and how sure
  that is), mapped by two convolutions and added to the decoder's input, so using a hint is easy to
  learn (the network decides where a hint stops at the photo's edges).

``forward`` returns logits B x Q x H/4 x W/4 (training); :class:`Deployed` returns the softmax
probabilities, which is what the ONNX model gives the plugin (the temperature is applied there).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

IN_CHANNELS = 4
L_SCALE, AB_SCALE = 50.0, 110.0
SIZE_MULTIPLE = 8
OUT_STRIDE = 4


def encode_inputs(lightness: torch.Tensor, hint_ab: torch.Tensor, hint_mask: torch.Tensor) -> torch.Tensor:
    """L (Bx1xHxW, 0-100), hint ab (Bx2xHxW, zero off the hints) and hint mask (Bx1xHxW) -> the net's input."""
    return torch.cat([lightness / L_SCALE - 1.0, hint_ab / AB_SCALE, hint_mask], dim=1)


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResBlock(nn.Module):
    """conv-BN-ReLU, conv-BN, plus the input (dilated when asked)."""

    def __init__(self, ch: int, dilation: int = 1) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(ch, ch, dilation=dilation),
                                  nn.Conv2d(ch, ch, 3, padding=dilation, dilation=dilation, bias=False),
                                  nn.BatchNorm2d(ch))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.body(x))


class HintSpread(nn.Module):
    """Encoded hint channels (a, b, mask at full resolution) -> per radius r (pixels at 1/4 resolution):
    the mean hint ab within (2r+1)^2 (normalized convolution) and a confidence in [0, 1] (1 once the
    window holds one output-grid pixel's worth of hints); B x 3*len(radii) x H/4 x W/4."""

    def __init__(self, radii: tuple[int, ...]) -> None:
        super().__init__()
        self.radii = tuple(radii)

    def forward(self, hint_ab: torch.Tensor, hint_mask: torch.Tensor) -> torch.Tensor:
        mask = F.avg_pool2d(hint_mask, OUT_STRIDE)
        ab = F.avg_pool2d(hint_ab * hint_mask, OUT_STRIDE)
        out = []
        for r in self.radii:
            m = F.avg_pool2d(mask, 2 * r + 1, stride=1, padding=r, count_include_pad=False)
            s = F.avg_pool2d(ab, 2 * r + 1, stride=1, padding=r, count_include_pad=False)
            out += [s / (m + 1e-6), (m * (2 * r + 1) ** 2).clamp(max=1.0)]
        return torch.cat(out, dim=1)


class ColorNet(nn.Module):
    """B x 4 x H x W -> logits B x Q x H/4 x W/4."""

    bins: torch.Tensor
    prior: torch.Tensor

    def __init__(self, width: int = 64, deep: int = 128, dilations: tuple[int, ...] = (1, 2, 4, 8),
                 bins: int = 313, hint_radii: tuple[int, ...] = ()) -> None:
        super().__init__()
        self._config: dict[str, Any] = {"width": width, "deep": deep, "dilations": list(dilations), "bins": bins}
        if hint_radii:
            self._config["hint_radii"] = list(hint_radii)
            self.spread = HintSpread(tuple(hint_radii))
            last = nn.Conv2d(width, width, 1)
            for param in last.parameters():  # a warm start begins as the network it came from
                nn.init.zeros_(param)
            self.hint = nn.Sequential(nn.Conv2d(3 * len(hint_radii), width, 3, padding=1), nn.ReLU(inplace=True), last)
        half = width // 2
        self.enc1 = nn.Sequential(_conv(IN_CHANNELS, half, stride=2), _conv(half, half))      # 1/2
        self.enc2 = nn.Sequential(_conv(half, width, stride=2), ResBlock(width))              # 1/4
        self.enc3 = nn.Sequential(_conv(width, deep, stride=2),                               # 1/8
                                  *[ResBlock(deep, d) for d in dilations])
        self.glob = nn.Sequential(nn.Linear(deep, deep), nn.ReLU(inplace=True), nn.Linear(deep, deep))
        self.reduce = nn.Sequential(nn.Conv2d(deep, width, 1, bias=False), nn.BatchNorm2d(width))
        self.dec = nn.Sequential(nn.ReLU(inplace=True), ResBlock(width), ResBlock(width))
        self.head = nn.Conv2d(width, bins, 1)
        # Facts of the training data the checkpoint carries for export and evaluation (unused by forward):
        self.register_buffer("bins", torch.zeros(bins, 2))  # the ab bin centres
        self.register_buffer("prior", torch.full((bins,), 1.0 / bins))  # the smoothed empirical bin prior

    def config(self) -> dict[str, Any]:
        return dict(self._config)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e2 = self.enc2(self.enc1(x))
        e3 = self.enc3(e2)
        e3 = e3 + self.glob(e3.mean(dim=(2, 3)))[:, :, None, None]
        up = F.interpolate(self.reduce(e3), size=e2.shape[-2:], mode="bilinear", align_corners=False)
        if "hint_radii" in self._config:
            up = up + self.hint(self.spread(x[:, 1:3], x[:, 3:4]))
        return self.head(self.dec(up + e2))


class Deployed(nn.Module):
    """What the ONNX model computes: the three inputs -> class probabilities B x Q x H/4 x W/4."""

    def __init__(self, net: ColorNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, lightness: torch.Tensor, hint_ab: torch.Tensor, hint_mask: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(encode_inputs(lightness, hint_ab, hint_mask)), dim=1)
