"""Edge-aware upsampling with the fast guided filter (He & Sun 2015), numpy only.

A map computed at low resolution (the low-light plugin's illumination) is brought to full
resolution so that it may change sharply where the full-resolution guide (the photo's luminance)
does: per window of the low-resolution guide, the linear model ``p = A * guide + b`` is fitted,
``A`` and ``b`` are upsampled bilinearly and applied to the full-resolution guide. The algorithm is
the one of ``guided_upsample`` in ``plugins/lowlight/net.py`` (box means whose window shrinks at the
borders, PyTorch's bilinear ``align_corners=False`` sampling), so both give the same result.

:class:`GuidedUpsampler` fits once and produces the result in bands of rows: a 24 MP photo never
needs more than the band's few MB of temporaries besides the caller's output.
"""

from __future__ import annotations

import numpy as np

__all__ = ["box_mean", "bilinear_taps", "region_taps", "GuidedUpsampler", "guided_upsample"]


def box_mean(x: np.ndarray, r: int) -> np.ndarray:
    """Mean of HxW or HxWxC ``x`` over the (2r+1)^2 window around each pixel; at the borders only
    the pixels inside the image count (like ``avg_pool2d(count_include_pad=False)``). float32."""
    out = np.asarray(x, np.float64)
    for axis in (0, 1):
        n = out.shape[axis]
        c = np.cumsum(out, axis=axis)
        c = np.concatenate([np.zeros_like(np.take(c, [0], axis=axis)), c], axis=axis)
        idx = np.arange(n)
        lo, hi = np.maximum(idx - r, 0), np.minimum(idx + r + 1, n)
        shape = [1] * out.ndim
        shape[axis] = n
        out = (np.take(c, hi, axis=axis) - np.take(c, lo, axis=axis)) / (hi - lo).reshape(shape)
    return out.astype(np.float32)


def bilinear_taps(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices ``i0``, ``i1`` and weights ``w`` (of ``i1``) along one axis for bilinear
    resampling from ``n_in`` to ``n_out`` samples with half-pixel centres (PyTorch's
    ``align_corners=False``: positions before the first centre are clamped to it)."""
    return _taps((np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5, n_in)


def region_taps(n_in: int, n_full: int, start: int, length: int, n_out: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`bilinear_taps` from ``n_in`` samples spread over ``n_full`` pixels onto ``n_out`` samples spread
    over pixels ``start .. start + length`` of them (the whole: the same taps), e.g. a preview of a region."""
    centres = start + (np.arange(n_out, dtype=np.float64) + 0.5) * (length / n_out)
    return _taps(centres * (n_in / n_full) - 0.5, n_in)


def _taps(src: np.ndarray, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices and weights of the source positions ``src`` (clamped to the first and last centre)."""
    src = np.maximum(src, 0.0)
    i0 = np.minimum(src.astype(np.int64), n_in - 1)
    return i0, np.minimum(i0 + 1, n_in - 1), (src - i0).astype(np.float32)


class GuidedUpsampler:
    """``p_low`` (hxw or hxwxC) fitted to ``guide_low`` (hxw) per (2r+1)^2 window; :meth:`rows` gives
    the full-resolution result for rows of the full-resolution guide (``size`` = (H, W))."""

    def __init__(self, p_low: np.ndarray, guide_low: np.ndarray, size: tuple[int, int], r: int = 2,
                 eps: float = 1e-3) -> None:
        p = np.asarray(p_low, np.float32)
        self.channels = 0 if p.ndim == 2 else p.shape[2]
        p = p if p.ndim == 3 else p[..., None]
        g = np.asarray(guide_low, np.float32)[..., None]
        if g.shape[:2] != p.shape[:2]:
            raise ValueError(f"guide {g.shape[:2]} and map {p.shape[:2]} differ in size")
        mean_g, mean_p = box_mean(g, r), box_mean(p, r)
        cov = box_mean(g * p, r) - mean_g * mean_p
        var = box_mean(g * g, r) - mean_g * mean_g
        a = cov / (var + np.float32(eps))
        b = mean_p - a * mean_g
        self.size = size
        h_out, w_out = size
        x0, x1, wx = bilinear_taps(p.shape[1], w_out)
        wx = wx[None, :, None]
        # Columns are resampled once here (h x W x C, small); rows band by band in :meth:`rows`.
        self._a = a[:, x0] * (1.0 - wx) + a[:, x1] * wx
        self._b = b[:, x0] * (1.0 - wx) + b[:, x1] * wx
        self._y0, self._y1, self._wy = bilinear_taps(p.shape[0], h_out)

    def rows(self, guide_rows: np.ndarray, start: int) -> np.ndarray:
        """The result for full-resolution rows ``start .. start + len(guide_rows)`` given those rows of
        the guide (n x W): n x W x C float32 (n x W for a 2-D map)."""
        n = guide_rows.shape[0]
        y0, y1 = self._y0[start:start + n], self._y1[start:start + n]
        wy = self._wy[start:start + n, None, None]
        q = self._a[y0] * (1.0 - wy)
        q += self._a[y1] * wy
        q *= np.asarray(guide_rows, np.float32)[..., None]
        q += self._b[y0] * (1.0 - wy)
        q += self._b[y1] * wy
        return q if self.channels else q[..., 0]


def guided_upsample(p_low: np.ndarray, guide_low: np.ndarray, guide: np.ndarray, r: int = 2, eps: float = 1e-3,
                    band: int = 256) -> np.ndarray:
    """The whole full-resolution result (HxWxC float32, or HxW for a 2-D ``p_low``) for ``guide`` (HxW)."""
    up = GuidedUpsampler(p_low, guide_low, guide.shape[:2], r, eps)
    h, w = guide.shape[:2]
    out = np.empty((h, w, up.channels) if up.channels else (h, w), np.float32)
    for top in range(0, h, band):
        out[top:top + band] = up.rows(guide[top:top + band], top)
    return out
