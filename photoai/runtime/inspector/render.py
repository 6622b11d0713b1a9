"""Pictures of what a network holds: convolution filters as image tiles (RGB for a 3-channel input, gray
otherwise, all tiles of a layer on ONE scale symmetric around zero: mid-gray is 0, so weak and strong
filters compare), activation maps as tiles (each channel stretched on its own), grids of tiles, colour
maps for overlays and PNG files. Numpy and Pillow only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from photoai.core.atomic import atomic_path
from photoai.core.channels import resize_float
from photoai.core.geometry import Size

#: Largest side of a grid picture, in pixels (tiles shrink to fit, never below one pixel per weight).
GRID_SIDE = 2048
#: Long side of an activation tile in a grid.
THUMB_SIDE = 128


@dataclass
class FilterGrid:
    """A convolution's filters as tiles: ``tiles`` (N, kh, kw, C) in [0, 1] with C = 3 (RGB filters of a
    3-channel input) or 1 (one tile per output and input channel), laid out ``rows`` x ``cols`` (row =
    output channel for per-input tiles); ``scale`` = the largest absolute weight, which maps to 0 or 1."""

    tiles: np.ndarray
    rows: int
    cols: int
    scale: float
    weight_shape: tuple[int, ...]
    shown: tuple[int, int]  # (outputs, inputs) shown; fewer than the weight has when capped

    @property
    def rgb(self) -> bool:
        return self.tiles.shape[3] == 3

    def caption(self) -> str:
        o, i = self.weight_shape[:2]
        k = "x".join(map(str, self.weight_shape[2:]))
        kind = f"{o} RGB filters" if self.rgb else f"{o} filters x {i} input channel{'s' if i > 1 else ''}"
        capped = "" if self.shown == (o, i if not self.rgb else 3) else f" (first {self.shown[0]} x {self.shown[1]})"
        return f"{kind}, {k}{capped}; one scale: gray = 0, white = +{self.scale:.3g}, black = -{self.scale:.3g}"


def filter_grid(weights: np.ndarray, max_outputs: int = 256, max_inputs: int = 256) -> FilterGrid:
    """Tiles of a (out, in, kh, kw) weight: RGB when ``in`` is 3, else one gray tile per (out, in) pair
    (rows = outputs, or a near-square grid when ``in`` is 1); scaled by the layer's largest |weight|."""
    w = np.asarray(weights, np.float32)
    if w.ndim == 3:
        w = w[:, :, :, None]
    if w.ndim != 4:
        raise ValueError(f"convolution weights must be (out, in, kh, kw), got shape {w.shape}")
    scale = float(np.abs(w).max()) or 1.0
    o, i = min(w.shape[0], max_outputs), w.shape[1]
    if i == 3:
        tiles = w[:o].transpose(0, 2, 3, 1)
        rows, cols = _near_square(o)
        shown = (o, 3)
    else:
        i = min(i, max_inputs)
        tiles = w[:o, :i].reshape(o * i, *w.shape[2:])[..., None]
        rows, cols = _near_square(o) if i == 1 else (o, i)
        shown = (o, i)
    tiles = np.clip(0.5 + 0.5 * tiles / scale, 0.0, 1.0).astype(np.float32)
    return FilterGrid(tiles, rows, cols, scale, tuple(int(d) for d in weights.shape), shown)


def _near_square(n: int) -> tuple[int, int]:
    cols = max(1, math.ceil(math.sqrt(n)))
    return math.ceil(n / cols), cols


def normalize(maps: np.ndarray) -> np.ndarray:
    """Maps (C, h, w) -> [0, 1], each channel stretched between its 0.5th and 99.5th percentiles (a few
    extreme pixels do not grey out the rest): what a channel responds to, whatever its offset."""
    x = maps.astype(np.float32)
    flat = x.reshape(x.shape[0], -1)
    lo, hi = np.percentile(flat, [0.5, 99.5], axis=1)
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    return np.clip((x - lo[:, None, None]) / span[:, None, None], 0.0, 1.0)


def thumbnails(maps: np.ndarray, side: int = THUMB_SIDE) -> np.ndarray:
    """(C, h, w) in [0, 1] -> (C, th, tw, 1) with the long side ``side`` (area-averaged, never enlarged
    by more than nearest-neighbour repetition)."""
    c, h, w = maps.shape
    f = side / max(h, w)
    if f >= 1:
        k = max(1, int(f))
        return np.repeat(np.repeat(maps, k, axis=1), k, axis=2)[..., None]
    size = Size(max(1, round(w * f)), max(1, round(h * f)))
    return resize_float(maps.transpose(1, 2, 0), size, Image.Resampling.BOX).reshape(
        size.height, size.width, c).transpose(2, 0, 1)[..., None]


def grid(tiles: np.ndarray, cols: int, zoom: int | None = None, gap: int | None = None, background: float = 0.1,
         max_side: int = GRID_SIDE) -> np.ndarray:
    """Tiles (N, h, w, C) in [0, 1] laid out ``cols`` wide, ``gap`` px apart (default: a third of the zoom),
    each pixel repeated ``zoom`` times (default: as large as fits ``max_side``, at most 32 px per weight)
    -> uint8 (H, W, C), squeezed to (H, W) for gray."""
    n, h, w, c = tiles.shape
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    if zoom is None:
        fit = max_side // max(rows * (h + 1), cols * (w + 1), 1)
        zoom = max(1, min(32, fit, max(1, 96 // max(h, w))))
    gap = max(1, zoom // 3) if gap is None else gap
    th, tw = h * zoom, w * zoom
    out = np.full((gap + rows * (th + gap), gap + cols * (tw + gap), c), background, np.float32)
    big = np.repeat(np.repeat(tiles, zoom, axis=1), zoom, axis=2)
    for k in range(n):
        r, q = divmod(k, cols)
        y, x = gap + r * (th + gap), gap + q * (tw + gap)
        out[y:y + th, x:x + tw] = big[k]
    img = (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)
    return img[..., 0] if c == 1 else img


def filter_picture(f: FilterGrid) -> np.ndarray:
    """The filter grid as one uint8 picture."""
    return grid(f.tiles, f.cols)


def activation_picture(maps: np.ndarray, order: np.ndarray, labels: bool = True, side: int = THUMB_SIDE,
                       cols: int | None = None) -> np.ndarray:
    """Channels in ``order`` as a grid of thumbnails (each on its own scale), labelled with their
    channel number when ``labels``: uint8 (H, W)."""
    tiles = normalize(thumbnails(maps[order], side)[..., 0])[..., None]  # stretched after averaging: cheaper
    cols = cols or _near_square(len(order))[1]
    pic = grid(tiles, cols, zoom=1, gap=2)
    if labels:
        image = Image.fromarray(pic)
        draw = ImageDraw.Draw(image)
        th, tw = tiles.shape[1:3]
        for k, ch in enumerate(order):
            r, q = divmod(k, cols)
            x, y = 2 + q * (tw + 2), 2 + r * (th + 2)
            text = str(int(ch))
            box = draw.textbbox((x + 2, y + 1), text)
            draw.rectangle((box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1), fill=0)
            draw.text((x + 2, y + 1), text, fill=255)
        pic = np.asarray(image)
    return pic


# A perceptual sequential map (dark blue -> purple -> orange -> yellow, like matplotlib's "inferno") and a
# diverging one (blue -> white -> red) for signed maps, as control points interpolated to 256 entries.
_SEQUENTIAL = np.array([[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21],
                        [250, 193, 39], [252, 255, 164]], np.float32)
_DIVERGING = np.array([[33, 102, 172], [103, 169, 207], [209, 229, 240], [247, 247, 247], [253, 219, 199],
                       [239, 138, 98], [178, 24, 43]], np.float32)


def _lut(points: np.ndarray) -> np.ndarray:
    x = np.linspace(0, 1, len(points))
    t = np.linspace(0, 1, 256)
    return np.stack([np.interp(t, x, points[:, k]) for k in range(3)], axis=1).astype(np.uint8)


LUTS = {"sequential": _lut(_SEQUENTIAL), "diverging": _lut(_DIVERGING)}


def colorize(channel: np.ndarray) -> np.ndarray:
    """One map (h, w) -> uint8 RGB (h, w, 3): a diverging colour map centred on 0 when a noticeable part of
    it is negative, else a sequential one from 0 to its 99.5th percentile."""
    x = channel.astype(np.float32)
    peak = float(np.percentile(np.abs(x), 99.5)) or 1.0
    signed = float(np.percentile(x, 5)) < -0.05 * peak
    t = 0.5 + 0.5 * x / peak if signed else x / peak
    lut = LUTS["diverging" if signed else "sequential"]
    return lut[(np.clip(t, 0.0, 1.0) * 255 + 0.5).astype(np.uint8)]


def save_png(picture: np.ndarray, path: Path) -> Path:
    """Write a uint8 (H, W) or (H, W, 3) picture as PNG, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        Image.fromarray(picture).save(tmp, format="PNG")
    return path
