"""Independent references for the importable architectures: random state dicts with the authors' key
names and shapes, and the authors' forward passes written with plain ``torch.nn.functional``.

Written from the public code (yjn870/FSRCNN-pytorch models.py + test.py, Li-Chongyi/Zero-DCE model.py,
Li-Chongyi/Zero-DCE_extension Zero-DCE++/model.py + lowlight_test.py, vis-opt-group/SCI model.py),
without importing anything from ``photoai``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

Tensor = torch.Tensor
State = dict[str, Tensor]


def _conv(state: State, name: str, cout: int, cin: int, k: int, gen: torch.Generator, gain: float = 1.0) -> None:
    std = gain * (2.0 / (cin * k * k)) ** 0.5
    state[f"{name}.weight"] = torch.randn(cout, cin, k, k, generator=gen) * std
    state[f"{name}.bias"] = torch.randn(cout, generator=gen) * 0.05


# --- FSRCNN ---------------------------------------------------------------------------------------

def fsrcnn_state(d: int = 56, s: int = 12, m: int = 4, seed: int = 0) -> State:
    gen = torch.Generator().manual_seed(seed)
    st: State = {}
    _conv(st, "first_part.0", d, 1, 5, gen)
    st["first_part.1.weight"] = 0.25 + 0.05 * torch.randn(d, generator=gen)
    layers = [(s, d, 1)] + [(s, s, 3)] * m + [(d, s, 1)]
    for i, (cout, cin, k) in enumerate(layers):
        _conv(st, f"mid_part.{2 * i}", cout, cin, k, gen)
        st[f"mid_part.{2 * i + 1}.weight"] = 0.25 + 0.05 * torch.randn(cout, generator=gen)
    st["last_part.weight"] = torch.randn(d, 1, 9, 9, generator=gen) * 0.01  # ConvTranspose2d: (in, out, k, k)
    st["last_part.bias"] = torch.tensor([0.5])
    return st


def fsrcnn_forward(st: State, y: Tensor, scale: int) -> Tensor:
    """The network's Y output, clamped as the authors' test.py does."""
    x = F.prelu(F.conv2d(y, st["first_part.0.weight"], st["first_part.0.bias"], padding=2), st["first_part.1.weight"])
    i = 0
    while f"mid_part.{i}.weight" in st:
        w = st[f"mid_part.{i}.weight"]
        x = F.prelu(F.conv2d(x, w, st[f"mid_part.{i}.bias"], padding=w.shape[-1] // 2), st[f"mid_part.{i + 1}.weight"])
        i += 2
    x = F.conv_transpose2d(x, st["last_part.weight"], st["last_part.bias"], stride=scale, padding=4,
                           output_padding=scale - 1)
    return x.clamp(0.0, 1.0)


# --- Zero-DCE and Zero-DCE++ ----------------------------------------------------------------------

_DCE_LAYERS = [(1, 3, 32), (2, 32, 32), (3, 32, 32), (4, 32, 32), (5, 64, 32), (6, 64, 32)]


def zerodce_state(seed: int = 0) -> State:
    gen = torch.Generator().manual_seed(seed)
    st: State = {}
    for n, cin, cout in [*_DCE_LAYERS, (7, 64, 24)]:
        _conv(st, f"e_conv{n}", cout, cin, 3, gen, gain=0.7)
    return st


def zerodcepp_state(seed: int = 0) -> State:
    gen = torch.Generator().manual_seed(seed)
    st: State = {}
    for n, cin, cout in [*_DCE_LAYERS, (7, 64, 3)]:
        st[f"e_conv{n}.depth_conv.weight"] = torch.randn(cin, 1, 3, 3, generator=gen) * 0.4
        st[f"e_conv{n}.depth_conv.bias"] = torch.randn(cin, generator=gen) * 0.05
        _conv(st, f"e_conv{n}.point_conv", cout, cin, 1, gen, gain=0.7)
    return st


def _dce_maps(st: State, x: Tensor, conv) -> Tensor:
    relu = F.relu
    x1 = relu(conv(st, 1, x))
    x2 = relu(conv(st, 2, x1))
    x3 = relu(conv(st, 3, x2))
    x4 = relu(conv(st, 4, x3))
    x5 = relu(conv(st, 5, torch.cat([x3, x4], 1)))
    x6 = relu(conv(st, 6, torch.cat([x2, x5], 1)))
    return torch.tanh(conv(st, 7, torch.cat([x1, x6], 1)))


def _plain(st: State, n: int, x: Tensor) -> Tensor:
    return F.conv2d(x, st[f"e_conv{n}.weight"], st[f"e_conv{n}.bias"], padding=1)


def _separable(st: State, n: int, x: Tensor) -> Tensor:
    x = F.conv2d(x, st[f"e_conv{n}.depth_conv.weight"], st[f"e_conv{n}.depth_conv.bias"], padding=1,
                 groups=x.shape[1])
    return F.conv2d(x, st[f"e_conv{n}.point_conv.weight"], st[f"e_conv{n}.point_conv.bias"])


def zerodce_forward(st: State, x: Tensor) -> Tensor:
    """``enhance_image`` (the second output), clamped as torchvision's save_image does."""
    r = _dce_maps(st, x, _plain)
    for i in range(8):
        ri = r[:, 3 * i: 3 * i + 3]
        x = x + ri * (torch.pow(x, 2) - x)
    return x.clamp(0.0, 1.0)


def zerodcepp_forward(st: State, x: Tensor, scale_factor: int = 12) -> Tensor:
    """Zero-DCE++ on an image whose sides are multiples of ``scale_factor`` (the test script crops to that)."""
    x_down = F.interpolate(x, scale_factor=1 / scale_factor, mode="bilinear")
    r = _dce_maps(st, x_down, _separable)
    r = F.interpolate(r, scale_factor=scale_factor, mode="bilinear", align_corners=True)  # UpsamplingBilinear2d
    for _ in range(8):
        x = x + r * (torch.pow(x, 2) - x)
    return x.clamp(0.0, 1.0)


# --- SCI ------------------------------------------------------------------------------------------

def sci_state(channels: int = 3, seed: int = 0) -> State:
    """What the authors' training saves: ``enhance.*`` (the shared block under ``conv`` AND ``blocks.0``)
    plus the training-only ``calibrate.*``."""
    gen = torch.Generator().manual_seed(seed)
    st: State = {}
    _conv(st, "enhance.in_conv.0", channels, 3, 3, gen)
    _conv(st, "enhance.conv.0", channels, channels, 3, gen)
    st["enhance.conv.1.weight"] = 1 + 0.1 * torch.randn(channels, generator=gen)
    st["enhance.conv.1.bias"] = 0.1 * torch.randn(channels, generator=gen)
    st["enhance.conv.1.running_mean"] = 0.1 * torch.randn(channels, generator=gen)
    st["enhance.conv.1.running_var"] = 0.5 + torch.rand(channels, generator=gen)
    st["enhance.conv.1.num_batches_tracked"] = torch.tensor(1000)
    for key in [k for k in st if k.startswith("enhance.conv.")]:
        st[key.replace("enhance.conv.", "enhance.blocks.0.")] = st[key]
    _conv(st, "enhance.out_conv.0", 3, channels, 3, gen)
    _conv(st, "calibrate.in_conv.0", 16, 3, 3, gen)
    st["calibrate.in_conv.1.weight"] = torch.ones(16)
    st["calibrate.out_conv.0.weight"] = torch.randn(3, 16, 3, 3, generator=gen)
    return st


def sci_forward(st: State, x: Tensor) -> Tensor:
    """``r`` of the authors' Finetunemodel: x / clamp(illumination, 1e-4, 1), clamped to [0, 1]."""
    e = {k.removeprefix("enhance."): v for k, v in st.items() if k.startswith("enhance.")}
    fea = F.relu(F.conv2d(x, e["in_conv.0.weight"], e["in_conv.0.bias"], padding=1))
    block = F.conv2d(fea, e["blocks.0.0.weight"], e["blocks.0.0.bias"], padding=1)
    block = F.batch_norm(block, e["blocks.0.1.running_mean"], e["blocks.0.1.running_var"], e["blocks.0.1.weight"],
                         e["blocks.0.1.bias"], training=False, eps=1e-5)
    fea = fea + F.relu(block)
    fea = torch.sigmoid(F.conv2d(fea, e["out_conv.0.weight"], e["out_conv.0.bias"], padding=1))
    illumination = torch.clamp(fea + x, 0.0001, 1.0)
    return torch.clamp(x / illumination, 0.0, 1.0)
