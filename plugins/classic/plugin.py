"""Unsharp mask (tiled, any image size) and classic resampling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image

from photoai.core.geometry import Size
from photoai.core.tiling import run_tiled
from photoai.plugin_api import BasePlugin, ChoiceParam, FloatParam, IntParam, PluginInfo, Request, RunContext


def gaussian_kernel(sigma: float) -> np.ndarray:
    radius = max(1, int(3.0 * sigma + 0.5))
    x = np.arange(-radius, radius + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def gaussian_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of an HxWxC float image (edges replicated)."""
    k = gaussian_kernel(sigma)
    r = len(k) // 2
    padded = np.pad(img, ((r, r), (r, r), (0, 0)), mode="edge")
    h, w = img.shape[:2]
    rows = sum(k[i] * padded[i : i + h] for i in range(len(k)))
    return sum(k[i] * rows[:, i : i + w] for i in range(len(k)))


class SharpenPlugin(BasePlugin):
    info = PluginInfo(
        id="sharpen",
        title="Sharpen (unsharp mask)",
        description="Classic unsharp mask; restricted to the painted mask when there is one.",
        params=(
            FloatParam("radius", "Radius (px)", default=2.0, minimum=0.3, maximum=20.0, step=0.1, decimals=1,
                       help="Gaussian sigma of the blur that defines detail"),
            FloatParam("amount", "Amount", default=0.8, minimum=0.0, maximum=5.0, step=0.05,
                       help="How much detail is added back"),
            FloatParam("threshold", "Threshold", default=0.0, minimum=0.0, maximum=0.5, step=0.01,
                       help="Leave differences below this level unsharpened (protects noise and skin)"),
            IntParam("tile", "Tile size", default=1024, minimum=64, maximum=8192, step=64,
                     help="Pixels per tile side; smaller tiles use less memory"),
        ),
    )

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        v = request.values
        sigma, amount, threshold = v["radius"], v["amount"], v["threshold"]

        def tile_fn(tile: np.ndarray) -> np.ndarray:
            detail = tile - gaussian_blur(tile, sigma)
            if threshold > 0:
                detail = np.where(np.abs(detail) >= threshold, detail, 0.0)
            return np.clip(tile + amount * detail, 0.0, 1.0).astype(np.float32)

        overlap = len(gaussian_kernel(sigma)) // 2
        ctx.progress(0, 1, "Sharpening")
        out = run_tiled(request.image, tile_fn, tile=v["tile"], overlap=overlap, ctx=ctx)
        if request.mask is not None:
            m = request.mask[..., None]
            out = request.image * (1.0 - m) + out * m
        return out


class ResamplePlugin(BasePlugin):
    info = PluginInfo(
        id="resample",
        title="Resize (classic)",
        description="Scale the photo with a classic filter (the baseline for super-resolution).",
        params=(
            FloatParam("factor", "Scale factor", default=2.0, minimum=0.05, maximum=8.0, step=0.25,
                       help="Output size = input size x factor"),
            ChoiceParam("method", "Filter", choices=("lanczos", "bicubic", "bilinear", "nearest"),
                        labels=("Lanczos", "Bicubic", "Bilinear", "Nearest neighbour"), default="lanczos",
                        help="Resampling filter"),
        ),
        changes_size=True,
    )

    _FILTERS = {
        "lanczos": Image.Resampling.LANCZOS,
        "bicubic": Image.Resampling.BICUBIC,
        "bilinear": Image.Resampling.BILINEAR,
        "nearest": Image.Resampling.NEAREST,
    }

    def output_size(self, size: Size, values: Mapping[str, Any]) -> Size:
        f = float(values["factor"])
        return Size(max(1, round(size.width * f)), max(1, round(size.height * f)))

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        h, w = request.image.shape[:2]
        out_size = self.output_size(Size(w, h), request.values)
        method = self._FILTERS[request.values["method"]]
        planes = []
        for c in range(3):
            ctx.raise_if_cancelled()
            ctx.progress(c, 3, "Resampling")
            plane = Image.fromarray(np.ascontiguousarray(request.image[:, :, c]), mode="F")
            planes.append(np.asarray(plane.resize((out_size.width, out_size.height), method), np.float32))
        return np.stack(planes, axis=2)
