"""MATLAB-compatible bicubic ``imresize`` and BT.601 colour conversions (numpy only).

``imresize`` reproduces MATLAB's ``imresize(img, scale, 'bicubic')`` for floating
point input: Keys cubic kernel with a = -0.5, antialiasing (kernel stretched by
1/scale) when downscaling, symmetric border handling, and the dimension with the
smallest scale resized first.  Each axis is resized with a per-axis table of
taps (indices + weights), applied as a vectorized weighted sum of gathered rows; an integer upscale by
``s`` is a fixed 4-tap filter per output phase, so away from the borders it is applied as strided slices
(no gathers).  Channels are resized one contiguous plane at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["YCBCR", "YCbCr", "imresize", "resize_weights", "cubic", "rgb_to_ycbcr", "rgb_to_y", "ycbcr_to_rgb",
           "band_rows"]

_KERNEL_WIDTH = 4.0


def cubic(x: np.ndarray) -> np.ndarray:
    """Keys bicubic kernel with a = -0.5, as in MATLAB's ``imresize``."""
    ax = np.abs(x)
    ax2 = ax * ax
    ax3 = ax2 * ax
    return (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1) + (
        -0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0
    ) * ((ax > 1) & (ax <= 2))


@lru_cache(maxsize=64)
def resize_weights(in_len: int, out_len: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Taps of one axis: ``(indices, weights)``, both ``out_len x P``.

    Output sample ``i`` is ``sum_k weights[i, k] * x[indices[i, k]]``.  Mirrors
    MATLAB's ``contributions`` (1-based maths, symmetric padding, zero columns
    dropped).  Cached; the returned arrays are read-only.
    """
    antialias = scale < 1
    width = _KERNEL_WIDTH / scale if antialias else _KERNEL_WIDTH
    x = np.arange(1, out_len + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = int(math.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps, dtype=np.float64)[None, :]  # 1-based
    dist = u[:, None] - idx
    weights = scale * cubic(scale * dist) if antialias else cubic(dist)
    weights /= weights.sum(axis=1, keepdims=True)
    # Symmetric (mirror incl. edge) padding, as MATLAB does.
    mirror = np.concatenate([np.arange(in_len), np.arange(in_len - 1, -1, -1)])
    idx0 = mirror[np.mod(idx.astype(np.int64) - 1, mirror.size)]
    keep = np.any(weights != 0, axis=0)
    idx0, weights = idx0[:, keep], weights[:, keep]
    idx0.setflags(write=False)
    weights.setflags(write=False)
    return idx0, weights


@dataclass(frozen=True)
class _Phase:
    """Output samples ``q * s + p`` of an integer upscale by ``s`` whose taps are ``x[q + offsets]`` (no border
    mirroring): those with ``lo <= q < hi``; ``weights`` are theirs (the same for every ``q``, up to float64
    rounding when ``s`` is not a power of two)."""

    offsets: tuple[int, ...]
    weights: np.ndarray
    lo: int
    hi: int


@lru_cache(maxsize=64)
def _phases(in_len: int, scale: int) -> tuple[_Phase, ...]:
    """The polyphase form of ``resize_weights(in_len, in_len * scale, scale)``, one entry per phase."""
    idx, w = resize_weights(in_len, in_len * scale, float(scale))
    taps = idx.shape[1]
    offsets = idx.reshape(in_len, scale, taps) - np.arange(in_len)[:, None, None]
    mid = in_len // 2
    phases = []
    for p in range(scale):
        inside = np.flatnonzero((offsets[:, p] == offsets[mid, p]).all(axis=1))
        lo, hi = int(inside[0]), int(inside[-1]) + 1
        if hi - lo != len(inside):  # not one run: leave the whole phase to the gathers
            lo = hi = 0
        weights = w[mid * scale + p].copy()
        weights.setflags(write=False)
        phases.append(_Phase(tuple(int(o) for o in offsets[mid, p]), weights, lo, hi))
    return tuple(phases)


def _integer_upscale(in_len: int, out_len: int, scale: float) -> int:
    """``s`` when one axis is upscaled by the integer ``s >= 2`` (``out_len == s * in_len``), else 0."""
    s = int(scale)
    return s if s == scale and s >= 2 and out_len == s * in_len else 0


def _along(axis: int, index: slice | np.ndarray) -> tuple[slice | np.ndarray, ...]:
    return (slice(None),) * axis + (index,)


def _polyphase(src: np.ndarray, dst: np.ndarray, axis: int, phases: tuple[_Phase, ...], idx: np.ndarray,
               w: np.ndarray, start: int, off: int) -> None:
    """Fill ``dst`` (2-D), whose samples along ``axis`` are output samples ``start, start + 1, ...`` of an integer
    upscale, from ``src``, which holds input sample ``t`` at ``t - off`` along ``axis``. Inside, each phase is
    4 strided multiply-adds; the few samples that read mirrored borders use the taps ``idx``/``w`` (row ``j``,
    indices into ``src``: ``dst``'s sample ``j``). Each sample is the same sum, in the same order, as the
    gathers of ``_resize_axis`` compute."""
    s, n = len(phases), dst.shape[axis]
    border: list[int] = []
    for p, ph in enumerate(phases):
        q0, q1 = -((p - start) // s), -((p - start - n) // s)  # ceil((start - p) / s), ceil((start + n - p) / s)
        a, b = max(q0, ph.lo), min(q1, ph.hi)
        if a >= b:
            a = b = q1
        border += [q * s + p - start for q in (*range(q0, a), *range(b, q1))]
        if a == b:
            continue
        wp = ph.weights.astype(src.dtype)
        acc = src[_along(axis, slice(a + ph.offsets[0] - off, b + ph.offsets[0] - off))] * wp[0]
        for k in range(1, len(wp)):
            acc += src[_along(axis, slice(a + ph.offsets[k] - off, b + ph.offsets[k] - off))] * wp[k]
        dst[_along(axis, slice(a * s + p - start, (b - 1) * s + p - start + 1, s))] = acc
    if border:
        j = np.array(border)
        dst[_along(axis, j)] = _gather_taps(src, axis, idx[j], w[j])


def _gather_taps(src: np.ndarray, axis: int, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``sum_k w[:, k] * src[idx[:, k]]`` along ``axis`` (output sample per row of ``idx``/``w``), the taps added
    in order; a new contiguous array."""
    shape = (-1,) + (1,) * (src.ndim - 1 - axis)
    acc = w[:, 0].reshape(shape) * np.take(src, idx[:, 0], axis=axis)
    for k in range(1, w.shape[1]):  # P taps (4 when upscaling, ~4/scale+2 when downscaling)
        acc += w[:, k].reshape(shape) * np.take(src, idx[:, k], axis=axis)
    return acc


#: Bytes of output each band of ``_resize_axis`` / the colour conversions works on: bounds the temporaries.
_BAND_BYTES = 4 << 20


def band_rows(shape: tuple[int, ...], itemsize: int, budget: int | None = None) -> int:
    """Rows (first axis) per band so that one band of an array of ``shape`` holds about ``budget`` bytes
    (default ``_BAND_BYTES``, read at the call) and at least one row."""
    row = itemsize * math.prod(shape[1:])
    return max(1, (_BAND_BYTES if budget is None else budget) // max(1, row))


def _resize_axis(img: np.ndarray, axis: int, out_len: int, scale: float,
                 out: np.ndarray | None = None, *, only: slice | None = None, in_len: int | None = None,
                 first: int = 0) -> np.ndarray:
    """Resize ``img`` along ``axis`` (0 or 1) into ``out`` (new, or given: any view of the right shape), band
    of output rows by band, so temporaries stay small; each output value is the same sum, in the same order,
    as a whole-array pass. ``only`` (axis 0): just these output rows of an axis of ``in_len`` samples, of
    which ``img`` holds those from ``first`` on."""
    in_len = in_len or img.shape[axis]
    idx, w = resize_weights(in_len, out_len, float(scale))
    s = _integer_upscale(in_len, out_len, scale) if img.ndim == 2 else 0
    start = 0
    if only is not None:
        start = only.start or 0
        if only.step not in (None, 1):
            s = 0
        idx, w = idx[only] - first, w[only]
        out_len = len(idx)
    w = w.astype(img.dtype, copy=False)
    shape = img.shape[:axis] + (out_len,) + img.shape[axis + 1:]
    if out is None:
        out = np.empty(shape, img.dtype)
    elif out.shape != shape:
        raise ValueError(f"out has shape {out.shape}, expected {shape}")
    band = band_rows(shape, img.itemsize)
    for top in range(0, shape[0], band):
        rows = slice(top, min(shape[0], top + band))
        if s:  # integer upscale of a plane: strided slices inside, the taps at the borders
            if axis == 0:
                _polyphase(img, out[rows], 0, _phases(in_len, s), idx[rows], w[rows], start + top, first)
            else:
                _polyphase(img[rows], out[rows], 1, _phases(in_len, s), idx, w, 0, 0)
            continue
        # computed contiguous, even when ``out`` is a strided view
        out[rows] = _gather_taps(img, 0, idx[rows], w[rows]) if axis == 0 else _gather_taps(img[rows], 1, idx, w)
    return out


def _output_shape(shape: tuple[int, int], scale: float | tuple[float, float] | None,
                  output_shape: tuple[int, int] | None) -> tuple[tuple[float, float], tuple[int, int]]:
    if output_shape is not None:
        out = (int(output_shape[0]), int(output_shape[1]))
        if scale is None:
            return (out[0] / shape[0], out[1] / shape[1]), out
    elif scale is None:
        raise ValueError("give scale or output_shape")
    scales = (float(scale), float(scale)) if np.isscalar(scale) else tuple(map(float, scale))  # type: ignore[arg-type]
    if output_shape is None:
        out = (int(math.ceil(shape[0] * scales[0])), int(math.ceil(shape[1] * scales[1])))
    return scales, out  # type: ignore[return-value]


def imresize(img: np.ndarray, scale: float | tuple[float, float] | None = None,
             output_shape: tuple[int, int] | None = None, *, out: np.ndarray | None = None,
             rows: slice | None = None) -> np.ndarray:
    """Resize ``img`` (HxW or HxWxC, float32/float64) like MATLAB's bicubic ``imresize``.

    ``scale`` multiplies the size (output rounded up, as MATLAB does); with
    ``output_shape`` alone the per-axis scales are ``out / in``.  Integer input
    is converted to float64 (no rounding or clipping is applied to the result).
    ``out``: where to write the result (e.g. channels of a bigger buffer); it is returned.
    ``rows``: compute only these rows of the result (a band: the same values as the whole result's rows,
    reading only the input rows they need).
    """
    if img.ndim not in (2, 3):
        raise ValueError(f"expected HxW or HxWxC, got shape {img.shape}")
    if not np.issubdtype(img.dtype, np.floating):
        img = img.astype(np.float64)
    in_rows = img.shape[0]
    scales, size = _output_shape(img.shape[:2], scale, output_shape)
    if min(size) < 1:
        raise ValueError(f"output shape {size} is empty")
    passes = [a for a in sorted((0, 1), key=lambda a: scales[a])  # stable: rows first on ties
              if size[a] != img.shape[a] or scales[a] != 1.0]
    first = 0
    if rows is not None:
        rows = slice(*rows.indices(size[0]))
        if 0 not in passes:
            img = img[rows]
        else:  # only the input rows the row pass reads
            taps = resize_weights(in_rows, size[0], scales[0])[0][rows]
            first = int(taps.min(initial=0))
            img = img[first:int(taps.max(initial=-1)) + 1]
    if img.ndim == 3 and passes:  # plane by plane: contiguous rows, not C-strided pixels (many times faster)
        shape = (len(range(size[0])[rows or slice(None)]), size[1], img.shape[2])
        if out is None:
            out = np.empty(shape, img.dtype)
        elif out.shape != shape:
            raise ValueError(f"out has shape {out.shape}, expected {shape}")
        for c in range(img.shape[2]):
            _resize_passes(np.ascontiguousarray(img[..., c]), passes, scales, size, out[..., c], rows, in_rows, first)
        return out
    if not passes:
        if out is None:
            return img
        out[...] = img
        return out
    return _resize_passes(img, passes, scales, size, out, rows, in_rows, first)


def _resize_passes(img: np.ndarray, passes: list[int], scales: tuple[float, float], size: tuple[int, int],
                   out: np.ndarray | None, rows: slice | None, in_rows: int, first: int) -> np.ndarray:
    """``imresize``'s passes over ``img`` (input rows from ``first`` on, of ``in_rows``), the last into ``out``."""
    for i, axis in enumerate(passes):
        img = _resize_axis(img, axis, size[axis], scales[axis], out if i == len(passes) - 1 else None,
                           only=rows if axis == 0 else None, in_len=in_rows if axis == 0 else None, first=first)
    return img


_RGB2YCBCR = np.array([[65.481, 128.553, 24.966],
                       [-37.797, -74.203, 112.0],
                       [112.0, -93.786, -18.214]]) / 255.0
_YCBCR_OFFSET = np.array([16.0, 128.0, 128.0]) / 255.0


@dataclass(frozen=True)
class YCbCr:
    """An affine RGB <-> YCbCr pair on values in [0, 1]: ``ycc = rgb @ forward.T + offset`` and
    ``rgb = ycc @ inverse.T + inverse_offset`` (the inverse as its authors wrote it, not always exact)."""

    forward: np.ndarray
    offset: np.ndarray
    inverse: np.ndarray
    inverse_offset: np.ndarray


#: Colour conventions of luma models, by ``ModelSpec.color``. "y-bt601": MATLAB's rgb2ycbcr (ours and the
#: SR benchmark protocol); "y-bt601-srcnn": the /256 constants of the SRCNN/FSRCNN PyTorch ports
#: (yjn870), red weight 64.738 included, with their own inverse.
YCBCR = {
    "y-bt601": YCbCr(_RGB2YCBCR, _YCBCR_OFFSET, np.linalg.inv(_RGB2YCBCR), -np.linalg.inv(_RGB2YCBCR) @ _YCBCR_OFFSET),
    "y-bt601-srcnn": YCbCr(
        np.array([[64.738, 129.057, 25.064], [-37.945, -74.494, 112.439], [112.439, -94.154, -18.285]]) / 256.0,
        _YCBCR_OFFSET,
        np.array([[298.082, 0.0, 408.583], [298.082, -100.291, -208.120], [298.082, 516.412, 0.0]]) / 256.0,
        np.array([-222.921, 135.576, -276.836]) / 255.0,
    ),
}


def _affine(a: np.ndarray, matrix: np.ndarray, offset: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``a @ matrix.T + offset`` over the last axis (3), band of rows by band (``out`` may be ``a``)."""
    dtype = a.dtype if np.issubdtype(a.dtype, np.floating) else np.dtype(np.float64)
    if out is None:
        out = np.empty(a.shape, dtype)
    elif out.shape != a.shape:
        raise ValueError(f"out has shape {out.shape}, expected {a.shape}")
    m, o = matrix.T.astype(dtype), offset.astype(dtype)
    band = band_rows(a.shape, dtype.itemsize) if a.ndim > 1 else len(a)
    for top in range(0, max(1, len(a)), band):
        block = a[top:top + band] @ m
        block += o
        out[top:top + band] = block
    return out


def rgb_to_ycbcr(rgb: np.ndarray, color: str = "y-bt601", *, out: np.ndarray | None = None) -> np.ndarray:
    """RGB in [0, 1] (HxWx3) -> YCbCr in [0, 1]; by default as MATLAB's ``rgb2ycbcr`` (Y in [16, 235]/255).
    ``out`` (may be ``rgb`` itself): where to write it; the work is done in bands, without full-size copies."""
    c = YCBCR[color]
    return _affine(rgb, c.forward, c.offset, out)


def rgb_to_y(rgb: np.ndarray) -> np.ndarray:
    """Y (luma) channel of ``rgb_to_ycbcr``, HxW."""
    return (rgb @ _RGB2YCBCR[0].astype(rgb.dtype) + rgb.dtype.type(_YCBCR_OFFSET[0])).astype(rgb.dtype, copy=False)


def ycbcr_to_rgb(ycbcr: np.ndarray, color: str = "y-bt601", *, out: np.ndarray | None = None) -> np.ndarray:
    """Inverse of ``rgb_to_ycbcr`` in the same convention (no clipping); ``out`` as there."""
    c = YCBCR[color]
    return _affine(ycbcr, c.inverse, c.inverse_offset, out)
