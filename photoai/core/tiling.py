"""Tiled inference: run a pixel function over an image of any size within a memory budget.

The image is split into even *core* tiles that partition it. Each tile is processed with
``overlap`` pixels of context on every side (clamped at the image border), then

* ``blend=False`` (default): only the core of the result is kept. When ``overlap`` is at
  least the model's receptive field this reproduces a whole-image run exactly, seams included,
  and needs a single full-size output buffer.
* ``blend=True``: the context margins are feathered linearly into the neighbours, for models
  whose receptive field is larger than any affordable overlap.

Progress and cancellation are checked between tiles. A tile that fails with an out-of-memory
error is split in four and retried at half the tile size (down to ``min_tile``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from photoai.core.geometry import Rect, Size
from photoai.core.jobs import RunContext

TileFn = Callable[[np.ndarray], np.ndarray]

_OOM_MARKERS = ("out of memory", "failed to allocate", "bad_alloc", "cannot allocate memory")


def is_out_of_memory(exc: BaseException) -> bool:
    """True for MemoryError and the OOM errors torch / ONNX Runtime raise as RuntimeError."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return any(m in text for m in _OOM_MARKERS)


def plan_tiles(size: Size, max_tile: int) -> list[Rect]:
    """Even core tiles covering ``size``: choose the count first, then the size (as chaiNNer does)."""
    if max_tile <= 0:
        raise ValueError("max_tile must be positive")
    nx = max(1, math.ceil(size.width / max_tile))
    ny = max(1, math.ceil(size.height / max_tile))
    xs = np.linspace(0, size.width, nx + 1).round().astype(int)
    ys = np.linspace(0, size.height, ny + 1).round().astype(int)
    return [
        Rect(int(xs[i]), int(ys[j]), int(xs[i + 1] - xs[i]), int(ys[j + 1] - ys[j]))
        for j in range(ny)
        for i in range(nx)
    ]


def _pad_to_multiple(tile: np.ndarray, multiple: int) -> tuple[np.ndarray, int, int]:
    if multiple <= 1:
        return tile, 0, 0
    h, w = tile.shape[:2]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph == 0 and pw == 0:
        return tile, 0, 0
    pad = ((0, ph), (0, pw)) + ((0, 0),) * (tile.ndim - 2)
    return np.pad(tile, pad, mode="reflect" if h > ph and w > pw else "edge"), ph, pw


def _ramp(n_core: int, before: int, after: int) -> np.ndarray:
    """1-D weights: linear ramps over the context margins, 1 over the core."""
    w = np.ones(before + n_core + after, np.float32)
    if before:
        w[:before] = (np.arange(before, dtype=np.float32) + 0.5) / before
    if after:
        w[before + n_core :] = (np.arange(after, 0, -1, dtype=np.float32) - 0.5) / after
    return w


@dataclass
class _Job:
    image: np.ndarray
    fn: TileFn
    scale: int
    overlap: int
    multiple: int
    min_tile: int
    blend: bool
    ctx: RunContext | None
    out: np.ndarray
    weight: np.ndarray | None
    total: int
    done: int = 0
    top: int = 0  # the image row that ``out``'s first row (divided by ``scale``) belongs to

    def run_tile(self, core: Rect, tile_size: int) -> None:
        if self.ctx is not None:
            self.ctx.raise_if_cancelled()
        h, w = self.image.shape[:2]
        ctxr = core.pad(self.overlap).clamp(Size(w, h))
        src = self.image[ctxr.slices()]
        padded, ph, pw = _pad_to_multiple(src, self.multiple)
        try:
            res = self.fn(padded)
        except Exception as exc:  # noqa: BLE001 - only OOM is retried, the rest re-raised
            if not is_out_of_memory(exc) or tile_size // 2 < self.min_tile:
                raise
            half = tile_size // 2
            for sub in plan_tiles(Size(core.width, core.height), half):
                self.run_tile(Rect(core.x + sub.x, core.y + sub.y, sub.width, sub.height), half)
            return
        s = self.scale
        expect = (padded.shape[0] * s, padded.shape[1] * s)
        if res.shape[:2] != expect:
            raise ValueError(f"tile function returned {res.shape[:2]}, expected {expect}")
        res = res[: ctxr.height * s, : ctxr.width * s]
        if self.blend:
            self._accumulate(res, core, ctxr)
        else:
            oy, ox = (core.y - ctxr.y) * s, (core.x - ctxr.x) * s
            self.out[(core.y - self.top) * s : (core.bottom - self.top) * s, core.x * s : core.right * s] = res[
                oy : oy + core.height * s, ox : ox + core.width * s
            ]
        self.done += core.width * core.height
        if self.ctx is not None:
            self.ctx.progress(self.done, self.total)

    def _accumulate(self, res: np.ndarray, core: Rect, ctxr: Rect) -> None:
        s = self.scale
        wy = _ramp(core.height * s, (core.y - ctxr.y) * s, (ctxr.bottom - core.bottom) * s)
        wx = _ramp(core.width * s, (core.x - ctxr.x) * s, (ctxr.right - core.right) * s)
        wgt = wy[:, None] * wx[None, :]
        rows = slice(ctxr.y * s, ctxr.bottom * s)
        cols = slice(ctxr.x * s, ctxr.right * s)
        self.out[rows, cols] += res * (wgt[..., None] if res.ndim == 3 else wgt)
        assert self.weight is not None
        self.weight[rows, cols] += wgt


def tile_rows(size: Size, max_tile: int) -> list[list[Rect]]:
    """:func:`plan_tiles` grouped into rows of tiles, top to bottom."""
    rows: dict[int, list[Rect]] = {}
    for core in plan_tiles(size, max_tile):
        rows.setdefault(core.y, []).append(core)
    return list(rows.values())


def _shape(image: np.ndarray, scale: int, out_channels: int | None) -> tuple[int, ...]:
    h, w = image.shape[:2]
    c = out_channels if out_channels is not None else (image.shape[2] if image.ndim == 3 else None)
    return (h * scale, w * scale) + ((c,) if c is not None else ())


def _check_out(out: np.ndarray, shape: tuple[int, ...]) -> None:
    if out.shape != shape or out.dtype != np.float32:
        raise ValueError(f"out must be float32 of shape {shape}, got {out.dtype} {out.shape}")


def iter_tiled(
    image: np.ndarray,
    fn: TileFn,
    *,
    scale: int = 1,
    tile: int = 512,
    overlap: int = 16,
    multiple: int = 1,
    min_tile: int = 32,
    out_channels: int | None = None,
    ctx: RunContext | None = None,
    out: np.ndarray | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """:func:`run_tiled` (without blending) one row of tiles at a time, for a result that is never whole:
    yields ``(first output row, that band of the result)`` top to bottom. The band is a view of ``out`` when
    given, else a new array (memory: one band, not the frame); the bands are exactly the rows of
    :func:`run_tiled`'s result."""
    shape = _shape(image, scale, out_channels)
    if out is not None:
        _check_out(out, shape)
    h, w = image.shape[:2]
    job = _Job(image, fn, scale, max(0, overlap), multiple, min_tile, False, ctx, np.empty(0, np.float32), None,
               total=h * w)
    for cores in tile_rows(Size(w, h), tile):
        first, last = cores[0].y * scale, cores[0].bottom * scale
        job.top = cores[0].y
        job.out = out[first:last] if out is not None else np.empty((last - first,) + shape[1:], np.float32)
        for core in cores:
            job.run_tile(core, tile)
        yield first, job.out


def run_tiled(
    image: np.ndarray,
    fn: TileFn,
    *,
    scale: int = 1,
    tile: int = 512,
    overlap: int = 16,
    multiple: int = 1,
    min_tile: int = 32,
    blend: bool = False,
    out_channels: int | None = None,
    ctx: RunContext | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Apply ``fn`` (HxWxC float32 -> (H*scale)x(W*scale)xC') tile by tile.

    ``image`` is HxW or HxWxC float32; ``multiple`` pads each tile (reflect) to a multiple
    the model needs. Returns the assembled float32 result, written into ``out`` when given
    (any float32 view of the result's shape, e.g. one channel of a bigger buffer: no extra frame).
    """
    shape = _shape(image, scale, out_channels)
    if out is None:
        out = np.zeros(shape, np.float32)
    else:
        _check_out(out, shape)
    if not blend:
        for _ in iter_tiled(image, fn, scale=scale, tile=tile, overlap=overlap, multiple=multiple,
                            min_tile=min_tile, out_channels=out_channels, ctx=ctx, out=out):
            pass
        return out
    out[...] = 0
    h, w = image.shape[:2]
    weight = np.zeros(shape[:2], np.float32)
    job = _Job(image, fn, scale, max(0, overlap), multiple, min_tile, blend, ctx, out, weight, total=h * w)
    for core in plan_tiles(Size(w, h), tile):
        job.run_tile(core, tile)
    np.divide(out, (weight[..., None] if out.ndim == 3 else weight), out=out)
    return out
