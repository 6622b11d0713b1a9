"""Colour hints made to stick: the hints' colours spread over the network's output grid, edge-aware, and
blended over the network's prediction; numpy only.

The network takes the hints as input channels but, small and CPU-trained, only partly follows them: the
colour at a hint is honoured, but its influence fades within a few grid cells as a soft blob, whatever
the object the hint is on. After the network, as in Levin, Lischinski & Weiss (*Colorization using
Optimization*, 2004), the hints are propagated over the grid. With A the matrix of the energy

    sum_hints c sum_4 cells beta (x[cell] - t)^2  +  sum_neighbours w_rs (x_r - x_s)^2  +  lam sum_cells x^2

(each hint binds the four grid cells a render interpolates from at its pixel, by their bilinear weights
beta; w_rs = exp(-(L_r - L_s)^2 / (2 sigma^2)) between 4-neighbours, L the proxy's lightness averaged
over each cell; lam = 1 / reach^2, reach in cells; c the hint weight), the hints' reach ``W`` (targets
t = 1) and colour ``U`` (t = their ab) are its minimizers, and each cell's predicted ab moves towards
the hints' colour by their reach: ``ab' = ab (1 - W) + U``. (For a constant prediction p this is the
minimizer of the energy on the final colour with p as a weak prior, lam (x - p)^2; the blend keeps the
network's variations within a region.) At a hint's pixel the colour is the hint's; around it W falls
off slowly within its region (0.6-0.9 a few cells away) and fast across a strong edge of L (a step of
2 sigma keeps exp(-2) of a link) and beyond ``reach``, where the network's colour stays. A is symmetric
positive definite and block tridiagonal: :class:`BlockTridiagonal` solves it exactly (block elimination,
a few milliseconds on a 64 x 48 grid) once per analysis; a render only blends (:meth:`HintSpread.apply`),
so the live re-render and the full run give the same pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SIGMA_L", "REACH", "CONFIDENCE", "HintSpread", "BlockTridiagonal", "bilinear_cells", "cell_lightness"]

SIGMA_L = 4.0  # L units (chosen on held-out training photos: see README)
REACH = 0.5  # decay length, a fraction of the grid's long side (chosen on held-out training photos: see README)
CONFIDENCE = 100.0  # c: a hint's weight against one neighbour link (100: the cell takes the hint's colour)


def cell_lightness(lightness: np.ndarray, stride: int) -> np.ndarray:
    """The mean of ``lightness`` (H x W, sides multiples of ``stride``) over each ``stride`` block."""
    h, w = lightness.shape[0] // stride, lightness.shape[1] // stride
    return lightness[: h * stride, : w * stride].reshape(h, stride, w, stride).mean(axis=(1, 3)).astype(np.float32)


@dataclass(frozen=True)
class HintSpread:
    """The hints' reach ``weight`` (h x w x 1, 0-1) and ``colour`` (h x w x 2, their ab times their reach)
    on the network's grid; :meth:`apply` blends them over a prediction."""

    weight: np.ndarray
    colour: np.ndarray

    @classmethod
    def build(cls, guide: np.ndarray, positions: np.ndarray, ab: np.ndarray, sigma: float = SIGMA_L,
              reach: float = REACH, confidence: float = CONFIDENCE) -> HintSpread:
        """``guide``: L per grid cell (h x w, or h x w x C features); ``positions``: each hint's (row, column)
        on the grid (K x 2, cell centres at integers: a hint binds the four cells a render interpolates from
        there, by their bilinear weights); ``ab``: K x 2; ``reach``: a fraction of the grid's long side."""
        g = np.asarray(guide, np.float64)
        g = g if g.ndim == 3 else g[..., None]
        h, w = g.shape[:2]
        wx = np.exp(-(np.diff(g, axis=1) ** 2).sum(axis=2) / (2.0 * sigma ** 2))  # h x (w-1): (i, j) - (i, j+1)
        wy = np.exp(-(np.diff(g, axis=0) ** 2).sum(axis=2) / (2.0 * sigma ** 2))  # (h-1) x w
        cells, weights = bilinear_cells(np.asarray(positions, np.float64).reshape(-1, 2), (h, w))
        diag = np.full((h, w), 1.0 / (reach * max(h, w)) ** 2)
        diag[:, :-1] += wx
        diag[:, 1:] += wx
        diag[:-1] += wy
        diag[1:] += wy
        diag += confidence * np.bincount(cells.ravel(), weights.ravel(), minlength=h * w).reshape(h, w)
        targets = np.concatenate([np.ones((len(cells), 1)), np.asarray(ab, np.float64).reshape(-1, 2)], axis=1)
        b = np.zeros((h * w, 3))
        np.add.at(b, cells.ravel(), confidence * (weights[..., None] * targets[:, None]).reshape(-1, 3))
        x = BlockTridiagonal(diag, wx, wy).solve(b.reshape(h, w, 3))
        return cls(np.clip(x[..., :1], 0.0, 1.0).astype(np.float32), x[..., 1:].astype(np.float32))

    def apply(self, pred: np.ndarray) -> np.ndarray:
        """``pred`` (h x w x 2 float32 ab) moved towards the hints' colour by their reach."""
        return pred * (1.0 - self.weight) + self.colour


def bilinear_cells(positions: np.ndarray, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """For K (row, column) positions on an h x w grid (cell centres at integers, clamped to the grid): the
    flat indices of the four cells around each (K x 4) and their bilinear weights (K x 4)."""
    h, w = shape
    taps = []
    for coord, n in ((positions[:, 0], h), (positions[:, 1], w)):
        c = np.clip(coord, 0.0, n - 1.0)
        i0 = np.minimum(np.floor(c).astype(np.int64), n - 1)
        taps.append((i0, np.minimum(i0 + 1, n - 1), c - i0))
    (y0, y1, fy), (x0, x1, fx) = taps
    cells = np.stack([y0 * w + x0, y0 * w + x1, y1 * w + x0, y1 * w + x1], axis=1)
    weights = np.stack([(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx], axis=1)
    return cells, weights


class BlockTridiagonal:
    """The grid's system matrix A (cells in row-major order: one block per grid row, w x w tridiagonal;
    the links between rows are diagonal blocks), factored by block Gaussian elimination (A is symmetric
    positive definite and diagonally dominant, so no pivoting): :meth:`solve` is exact and costs a few
    small matrix products per grid row. The grid is transposed when that makes the blocks smaller."""

    def __init__(self, diag: np.ndarray, wx: np.ndarray, wy: np.ndarray) -> None:
        self.shape = diag.shape
        self.transposed = diag.shape[1] > diag.shape[0]
        if self.transposed:
            diag, wx, wy = diag.T, wy.T, wx.T
        h, w = diag.shape
        self.links = wy  # (h-1) x w: the weights between grid rows i and i + 1
        inverses = np.empty((h, w, w))
        for i in range(h):
            block = np.diag(diag[i]) - np.diag(wx[i], 1) - np.diag(wx[i], -1)
            if i:
                c = wy[i - 1]
                block -= c[:, None] * inverses[i - 1] * c[None, :]
            inverses[i] = np.linalg.inv(block)
        self.inverses = inverses

    def solve(self, b: np.ndarray) -> np.ndarray:
        """u with A u = b for b (h x w x C, the grid's shape)."""
        y = np.array(b.transpose(1, 0, 2) if self.transposed else b, np.float64)
        inv, c = self.inverses, self.links[..., None]
        for i in range(1, len(y)):
            y[i] += c[i - 1] * (inv[i - 1] @ y[i - 1])
        y[-1] = inv[-1] @ y[-1]
        for i in range(len(y) - 2, -1, -1):
            y[i] = inv[i] @ (y[i] + c[i] * y[i + 1])
        return y.transpose(1, 0, 2) if self.transposed else y
