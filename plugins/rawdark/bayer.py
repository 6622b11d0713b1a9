"""Bayer mosaics: packing into 4 half-resolution planes, unpacking, black/white normalization.

Canonical channel order, whatever the sensor's 2x2 pattern: ``(R, G1, G2, B)`` where G1 is the green
on R's rows and G2 the green on B's rows. The pattern is the 2x2 tile read row by row from the top-left
photosite of the mosaic: ``"RGGB"`` (R at (0, 0), G1 at (0, 1), G2 at (1, 0), B at (1, 1)), ``"BGGR"``,
``"GRBG"`` or ``"GBRG"``.

Odd sizes: :func:`pack` drops the last row and/or column (the packed planes cover the even part);
:func:`unpack` with ``size=(H, W)`` gives the mosaic back at its original size, filling a dropped last
row (column) with the row (column) two above (left), which has the same CFA colours, so the result is
still a valid mosaic of the same pattern for LibRaw to render. The plugin passes the original size.

Black levels are given per canonical channel (``(R, G1, G2, B)``, 4 values) or as one value for all:
:func:`black_by_channel` turns LibRaw's per-colour-index levels into that order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["PATTERNS", "CHANNELS", "positions", "pack", "unpack", "normalize", "black_by_channel",
           "pattern_from_indices"]

PATTERNS = ("RGGB", "BGGR", "GRBG", "GBRG")
CHANNELS = ("R", "G1", "G2", "B")


def positions(pattern: str) -> tuple[tuple[int, int], ...]:
    """The (row, column) inside the 2x2 tile of R, G1, G2, B for ``pattern``."""
    p = pattern.upper()
    if p not in PATTERNS:
        raise ValueError(f"unsupported CFA pattern {pattern!r}: expected one of {', '.join(PATTERNS)}")
    where = {(0, 0): p[0], (0, 1): p[1], (1, 0): p[2], (1, 1): p[3]}
    r = next(pos for pos, c in where.items() if c == "R")
    b = next(pos for pos, c in where.items() if c == "B")
    g1 = (r[0], 1 - r[1])  # the green on R's row
    g2 = (b[0], 1 - b[1])  # the green on B's row
    return r, g1, g2, b


def pack(mosaic: np.ndarray, pattern: str) -> np.ndarray:
    """HxW mosaic -> 4 x H//2 x W//2 planes in (R, G1, G2, B) order (an odd last row/column is dropped)."""
    if mosaic.ndim != 2:
        raise ValueError(f"expected a 2-D mosaic, got shape {mosaic.shape}")
    h, w = mosaic.shape[0] // 2 * 2, mosaic.shape[1] // 2 * 2
    if h == 0 or w == 0:
        raise ValueError(f"mosaic {mosaic.shape} is too small to pack")
    return np.stack([mosaic[y:h:2, x:w:2] for y, x in positions(pattern)])


def unpack(planes: np.ndarray, pattern: str, size: Sequence[int] | None = None) -> np.ndarray:
    """Inverse of :func:`pack`: 4 x h x w planes -> 2h x 2w mosaic; with ``size=(H, W)`` (H in {2h, 2h + 1},
    likewise W) an odd last row/column is restored from the same-colour row/column two before it."""
    if planes.ndim != 3 or planes.shape[0] != 4:
        raise ValueError(f"expected 4 x h x w planes, got shape {planes.shape}")
    _, h, w = planes.shape
    out_h, out_w = (2 * h, 2 * w) if size is None else (int(size[0]), int(size[1]))
    if out_h - 2 * h not in (0, 1) or out_w - 2 * w not in (0, 1):
        raise ValueError(f"size {out_h}x{out_w} does not match planes of {h}x{w}")
    mosaic = np.empty((out_h, out_w), dtype=planes.dtype)
    for plane, (y, x) in zip(planes, positions(pattern), strict=True):
        mosaic[y:2 * h:2, x:2 * w:2] = plane
    if out_h > 2 * h:
        mosaic[-1, : 2 * w] = mosaic[-3, : 2 * w] if out_h >= 3 else mosaic[0, : 2 * w]
    if out_w > 2 * w:
        mosaic[:, -1] = mosaic[:, -3] if out_w >= 3 else mosaic[:, 0]
    return mosaic


def _tile(pattern: str, values: float | Sequence[float]) -> np.ndarray:
    """A 2x2 tile holding each canonical channel's value at its position."""
    v = np.broadcast_to(np.asarray(values, dtype=np.float32), (4,))
    tile = np.empty((2, 2), dtype=np.float32)
    for value, (y, x) in zip(v, positions(pattern), strict=True):
        tile[y, x] = value
    return tile


def normalize(mosaic: np.ndarray, pattern: str, black: float | Sequence[float], white: float) -> np.ndarray:
    """``(mosaic - black) / (white - black)`` as float32, black per canonical channel (R, G1, G2, B) or one
    value. Not clipped: the read noise below black stays negative (unbiased for the denoiser); saturated
    photosites reach 1."""
    tile = _tile(pattern, black)
    h, w = mosaic.shape
    blk = np.tile(tile, ((h + 1) // 2, (w + 1) // 2))[:h, :w]
    scale = float(white) - blk
    if np.any(scale <= 0):
        raise ValueError(f"white level {white} must be above the black levels {black}")
    return ((mosaic.astype(np.float32) - blk) / scale).astype(np.float32)


def pattern_from_indices(indices: np.ndarray, color_desc: str = "RGBG") -> str:
    """The pattern string of LibRaw's 2x2 ``raw_pattern`` (colour indices into ``color_desc``, e.g. rawpy's
    ``raw.raw_pattern`` and ``raw.color_desc.decode()``); raises ValueError for anything but a Bayer tile."""
    idx = np.asarray(indices)
    if idx.shape != (2, 2):
        raise ValueError(f"not a 2x2 Bayer pattern: shape {idx.shape}")
    pattern = "".join(color_desc[int(i)] for i in idx.ravel()).upper()
    if pattern not in PATTERNS:
        raise ValueError(f"unsupported CFA pattern {pattern!r}")
    return pattern


def black_by_channel(indices: np.ndarray, per_index: Sequence[float]) -> tuple[float, float, float, float]:
    """LibRaw's per-colour-index black levels (rawpy ``black_level_per_channel``, indexed by ``raw_pattern``'s
    values) in canonical (R, G1, G2, B) order, read at each channel's position in the 2x2 tile."""
    idx = np.asarray(indices)
    pattern = pattern_from_indices(idx)
    r, g1, g2, b = (float(per_index[int(idx[y, x])]) for y, x in positions(pattern))
    return r, g1, g2, b
