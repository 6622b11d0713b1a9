"""Gradient ascent on the input for feature visualization (see :mod:`.features`). Imports torch: import
this module only when visualizing.

The image is parameterized as in the article: a Fourier spectrum scaled by 1/frequency (which favours
smooth, natural-looking images over high-frequency noise), colours decorrelated with the ImageNet colour
correlation for RGB inputs, squashed by a sigmoid into the input range; each step sees it jittered by a
few pixels so that the result does not hinge on exact pixel positions. The objective is the channel's mean
over the middle of the map (the borders see the network's zero padding). Channels that are nearly linear
in the input, such as a first layer's, just turn white or black: their filters show them better.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from photoai.core.errors import ModelError
from photoai.core.jobs import RunContext
from photoai.core.models import ModelSpec
from photoai.runtime.inspector.features import TorchNetwork

#: sqrt of the ImageNet colour correlation (Lucid's ``color_correlation_svd_sqrt``).
COLOR_CORRELATION = np.array([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], np.float32)
JITTER = 4


class _Captured(Exception):
    """Raised by the forward hook once the target layer has run: the rest of the network is skipped."""


def layer_output(network: TorchNetwork, layer: torch.nn.Module, image: torch.Tensor, spec: ModelSpec) -> torch.Tensor:
    """``layer``'s output (its first tensor) when the network runs on ``image`` (N, C, H, W in [0, 1], mapped
    into the spec's input range); other inputs (an inpainting mask) are zeros. The layers after it do not run."""
    lo, hi = spec.input_range
    examples = network.arch.example_inputs(network.config)
    others = [torch.zeros(image.shape[0], int(t.shape[1]), *image.shape[2:]) for t in examples[1:]]
    captured: list[torch.Tensor] = []

    def hook(_module: Any, _args: Any, output: Any) -> None:
        captured.append(output[0] if isinstance(output, tuple) else output)
        raise _Captured()

    handle = layer.register_forward_hook(hook)
    try:
        network.module(lo + (hi - lo) * image, *others)
    except _Captured:
        pass
    finally:
        handle.remove()
    if not captured:
        raise ModelError("the torch network never ran the layer")
    return captured[0]


def input_side(size: int, spec: ModelSpec) -> int:
    """``size`` raised to the spec's minimum and rounded up to its size multiple."""
    size = max(size, spec.min_size)
    return size + (-size) % max(1, spec.size_multiple)


def visualize(network: TorchNetwork, weights: np.ndarray, channels: Sequence[int], spec: ModelSpec,
              size: int = 64, steps: int = 64, lr: float = 0.05, seed: int = 0,
              ctx: RunContext | None = None) -> np.ndarray:
    """For each of ``channels`` of the layer whose weights are ``weights``: the input (S x S, the model's
    image channels, in [0, 1]) that maximizes the channel's mean response, borders aside (the images
    returned are their middle part, 3/4 S across: (N, s, s, C))."""
    name, layer = network.layer_module(weights)
    size = input_side(size, spec)
    n = len(channels)
    gen = torch.Generator().manual_seed(seed)
    image = FourierImage(n, int(network.arch.example_inputs(network.config)[0].shape[1]), size, gen)
    index = torch.tensor(list(channels))
    optimizer = torch.optim.Adam(image.parameters(), lr=lr)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small tensors: one thread is several times faster than two contending ones
    try:
        for step in range(steps):
            if ctx is not None:
                ctx.raise_if_cancelled()
                ctx.progress(step, steps, f"Visualizing {n} channel(s) of {name}")
            out = layer_output(network, layer, jitter(image(), JITTER, gen), spec)
            response = central(out[torch.arange(n), index]).mean(dim=(1, 2))
            optimizer.zero_grad()
            (-response.sum()).backward()
            optimizer.step()
    finally:
        torch.set_num_threads(threads)
    with torch.no_grad():
        return central(image()).permute(0, 2, 3, 1).numpy().astype(np.float32)


def channel_response(network: TorchNetwork, weights: np.ndarray, channel: int, images: np.ndarray,
                     spec: ModelSpec) -> np.ndarray:
    """Mean response of ``channel`` to each image (N, S, S, C in [0, 1]), borders aside: what
    :func:`visualize` maximizes."""
    _name, layer = network.layer_module(weights)
    x = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2), np.float32))
    with torch.no_grad():
        return central(layer_output(network, layer, x, spec)[:, channel]).mean(dim=(1, 2)).numpy()


def central(maps: Any) -> Any:
    """The middle of (N, H, W) maps, an eighth of each side left out: the objective ignores the borders,
    where the network sees its own zero padding."""
    h, w = maps.shape[-2:]
    mh, mw = h // 8, w // 8
    return maps[..., mh:h - mh, mw:w - mw]


def jitter(x: Any, pixels: int, gen: Any) -> Any:
    """``x`` shifted by up to ``pixels`` in each direction (reflected at the border), a new shift per call."""
    if pixels <= 0:
        return x
    padded = F.pad(x, (pixels, pixels, pixels, pixels), mode="reflect")
    dy, dx = (int(v) for v in torch.randint(0, 2 * pixels + 1, (2,), generator=gen))
    return padded[:, :, dy:dy + x.shape[2], dx:dx + x.shape[3]]


class FourierImage(torch.nn.Module):
    """N images of C channels, S x S, as a 1/f-scaled spectrum (+ colour decorrelation for RGB), squashed
    into [0, 1] by a sigmoid."""

    scale: torch.Tensor  # registered buffers
    color: torch.Tensor

    def __init__(self, n: int, c: int, size: int, gen: torch.Generator) -> None:
        super().__init__()
        fy = torch.fft.fftfreq(size)[:, None]
        fx = torch.fft.rfftfreq(size)[None, :]
        self.register_buffer("scale", 1.0 / torch.clamp(torch.sqrt(fx * fx + fy * fy), min=1.0 / size))
        self.spectrum = torch.nn.Parameter(0.01 * torch.randn(n, c, size, size // 2 + 1, 2, generator=gen))
        self.size, self.channels = size, c
        corr = COLOR_CORRELATION / np.linalg.norm(COLOR_CORRELATION, axis=0).max()
        self.register_buffer("color", torch.from_numpy(corr.astype(np.float32)))

    def forward(self) -> torch.Tensor:
        spectrum = torch.view_as_complex(self.spectrum) * self.scale
        x = torch.fft.irfft2(spectrum, s=(self.size, self.size), norm="ortho") / 4.0
        if self.channels == 3:
            x = torch.einsum("nchw,dc->ndhw", x, self.color)
        return torch.sigmoid(x)
