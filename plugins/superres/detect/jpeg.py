"""Was a photo JPEG-compressed at its present size? A JPEG stores each 8 x 8 block's DCT coefficients as
multiples of a quantization step, so after decoding, the coefficients of the blocks on the image's own grid
still cluster around those multiples; a photo that never was a JPEG at this size (or was resized or cropped
off the grid since) shows no such period. :func:`jpeg_score` is the strength of the best period (0-1, the
median over a few low-frequency coefficients); above :data:`THRESHOLD` (fixed on held-out images before any
routing was measured: README, "Aliased and JPEG inputs") the photo counts as a JPEG."""

from __future__ import annotations

import numpy as np

__all__ = ["THRESHOLD", "MAX_SIDE", "jpeg_score"]

THRESHOLD = 0.5
MAX_SIDE = 512  # px of the central crop (on the 8 px grid) that is measured
MAX_VALUES = 2048  # coefficients per frequency that are tested (evenly spaced): ~20 ms at any size
_N = np.arange(8)
_DCT = np.array([np.sqrt((1 if k == 0 else 2) / 8) * np.cos((2 * _N + 1) * k * np.pi / 16) for k in range(8)])
_COEFFICIENTS = ((0, 1), (1, 0), (1, 1), (0, 2), (2, 0), (1, 2), (2, 1))
_STEPS = np.arange(3.0, 41.0, 0.5)  # candidate quantization steps (low-frequency luma steps below quality ~85)


def _luma(rgb: np.ndarray) -> np.ndarray:
    """JPEG's own Y (JFIF: full range, BT.601 weights), 0-255, centred as the encoder centres it."""
    return (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]) * 255.0 - 128.0


def jpeg_score(rgb: np.ndarray) -> float:
    """The median over a few low-frequency DCT coefficients of the blocks on the 8 px grid (a central crop of at
    most :data:`MAX_SIDE` px, at most :data:`MAX_VALUES` coefficients each) of the strongest period among
    :data:`_STEPS`: |mean exp(2 pi i c / step)| over the nonzero coefficients c. About 0.1-0.45 for photos that are
    no JPEG at this size, 0.4-0.95 for decoded JPEGs of quality 75."""
    h, w = rgb.shape[:2]
    top, left = (max(0, (h - MAX_SIDE) // 2) // 8) * 8, (max(0, (w - MAX_SIDE) // 2) // 8) * 8
    y = _luma(np.asarray(rgb[top:top + MAX_SIDE, left:left + MAX_SIDE], np.float64))
    bh, bw = y.shape[0] // 8, y.shape[1] // 8
    if bh * bw == 0:
        return 0.0
    blocks = y[:bh * 8, :bw * 8].reshape(bh, 8, bw, 8).transpose(0, 2, 1, 3)
    dct = np.einsum("ij,abjk,lk->abil", _DCT, blocks, _DCT)
    scores = []
    for u, v in _COEFFICIENTS:
        c = dct[:, :, u, v].ravel()
        c = c[np.abs(c) > 0.5]  # zeros fit every step
        c = c[:: max(1, len(c) // MAX_VALUES)][:MAX_VALUES]
        if len(c) >= 20:
            scores.append(float(np.abs(np.exp(2j * np.pi * c[None, :] / _STEPS[:, None]).mean(axis=1)).max()))
    return float(np.median(scores)) if scores else 0.0
