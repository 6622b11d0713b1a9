"""Exemplar fill: coarse-to-fine patch-based completion that copies texture from the photo itself.

Wexler, Shechtman and Irani, *Space-Time Completion of Video* (2007) with the randomized
nearest-neighbour search of Barnes et al., *PatchMatch* (2009), vectorized over all hole pixels:

* an image pyramid (factor 2, masked box averages) down to a level where the hole is a few pixels
  thick; the coarsest hole is initialised from ``init`` (the network's coarse fill: structure from
  the network) or, without one, by an onion-peel average of its rim;
* at each level, a nearest-neighbour field from every patch that touches the hole (7x7, centred
  within :data:`PATCH_RADIUS` of it) to a *source* patch lying entirely outside the hole; random or
  upsampled initialisation, then propagation (jumps of 4, 2 and 1 px, all targets at once) and
  random search around the current match;
* voting: each hole pixel takes what the best-matching patch overlapping it puts there (not the
  mean of all of them, which blurs: sharp copies, and coherent regions grow from the most
  confident matches).

Patches are compared by a 27-number descriptor (a 3x3 box-blurred copy sampled at a 3x3 grid with
2 px spacing, RGB), a cheap stand-in for the 147 numbers of the full patch. With an ``init``, the
:data:`GUIDE_LEVELS` coarsest levels add a guidance term (Hertzmann et al.'s *Image Analogies*
idea): the patch's mean colour in the network's fill for a target, its own for a source, weighted
:data:`GUIDE_WEIGHT`; so the structure and colours follow the network and the copies bring the
photo's texture, with no colour transplant afterwards. The vote copies full-resolution source
pixels, so the fill keeps the photo's fine detail. Only pixels in the hole are ever written;
sources are read from the photo outside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from photoai.core.jobs import RunContext

from .crops import hole_thickness

#: Patches are (2r+1)² pixels: 7x7.
PATCH_RADIUS = 3
#: Stop downscaling when the hole's half-width is at most this many pixels (or the level is tiny).
COARSEST_THICKNESS = 4.0
MIN_SIDE = 24
#: Targets per descriptor batch (bounds the temporary arrays on large holes).
CHUNK = 1 << 18
#: Descriptor numbers kept (principal components of the 27).
DIMS = 8
#: With an ``init``, so many of the coarsest levels (where the hole is at most ~2**GUIDE_LEVELS x
#: COARSEST_THICKNESS px thick) compare patches with the init's mean colour too, with this weight
#: (1: as much again as the descriptor's own mean colour). Chosen on held-out photos (McMaster18
#: and training photos, not Kodak24): guiding the finest levels too fragments the copies.
GUIDE_LEVELS = 4
GUIDE_WEIGHT = 4.0
_GRID = (-2, 0, 2)  # descriptor sample offsets (each a 3x3 box average): covers the 7x7 patch


@dataclass(frozen=True)
class Schedule:
    """How hard to search: EM iterations (search + vote) and PatchMatch iterations per EM step,
    at the coarsest level, in between and at full resolution; the vote radii; whether each finer
    level starts from the enlarged matches' pixels (sharp) rather than the enlarged fill (smooth)."""

    coarse_em: int = 10
    coarse_pm: int = 8
    middle_em: int = 3
    fine_em: int = 2
    pm: int = 2
    vote_radius: int = PATCH_RADIUS
    fine_vote_radius: int = PATCH_RADIUS
    upsampled_vote: bool = True


def _box3(a: np.ndarray) -> np.ndarray:
    """Mean over 3x3 neighbourhoods, edges replicated (HxW or HxWxC)."""
    pad = ((1, 1), (1, 1)) + ((0, 0),) * (a.ndim - 2)
    p = np.pad(a, pad, mode="edge")
    h, w = a.shape[:2]
    rows = p[:-2] + p[1:-1] + p[2:]
    return (rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:])[:h, :w] * np.float32(1.0 / 9.0)


def _window_all(mask: np.ndarray, r: int) -> np.ndarray:
    """True where the (2r+1)² window around the pixel lies inside the array and is all True."""
    h, w = mask.shape
    c = np.zeros((h + 1, w + 1), np.int64)
    c[1:, 1:] = np.cumsum(np.cumsum(mask, axis=0, dtype=np.int64), axis=1)
    out = np.zeros((h, w), bool)
    n = 2 * r + 1
    if h >= n and w >= n:
        s = c[n:, n:] - c[:-n, n:] - c[n:, :-n] + c[:-n, :-n]
        out[r:h - r, r:w - r] = s == n * n
    return out


def _window_any(mask: np.ndarray, r: int) -> np.ndarray:
    """True where the (2r+1)² window around the pixel (clipped to the array) holds a True."""
    h, w = mask.shape
    c = np.zeros((h + 1, w + 1), np.int64)
    c[1:, 1:] = np.cumsum(np.cumsum(mask, axis=0, dtype=np.int64), axis=1)
    y0, y1 = np.clip(np.arange(h) - r, 0, h), np.clip(np.arange(h) + r + 1, 0, h)
    x0, x1 = np.clip(np.arange(w) - r, 0, w), np.clip(np.arange(w) + r + 1, 0, w)
    s = c[y1][:, x1] - c[y0][:, x1] - c[y1][:, x0] + c[y0][:, x0]
    return s > 0


def _half(image: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Halve the image by averaging its known pixels over 2x2 blocks; a coarse pixel is known
    only when its whole block is."""
    h, w = known.shape
    hh, hw = (h + 1) // 2, (w + 1) // 2
    pad = ((0, 2 * hh - h), (0, 2 * hw - w))
    k = np.pad(known, pad, mode="edge").astype(np.float32)
    img = np.pad(image, pad + ((0, 0),), mode="edge")
    den = k.reshape(hh, 2, hw, 2).sum(axis=(1, 3))
    num = (img * k[..., None]).reshape(hh, 2, hw, 2, 3).sum(axis=(1, 3))
    return (num / np.maximum(den, 1e-6)[..., None]).astype(np.float32), den > 3.5


def _upsample(coarse: np.ndarray, h: int, w: int, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Bilinear x2 (pixel centres aligned) to ``h`` x ``w``; with ``box`` = (y0, y1, x0, x1) only
    that window of the result."""
    y0b, y1b, x0b, x1b = box or (0, h, 0, w)
    hc, wc = coarse.shape[:2]
    y = np.clip((np.arange(y0b, y1b) + 0.5) / 2.0 - 0.5, 0, hc - 1)
    x = np.clip((np.arange(x0b, x1b) + 0.5) / 2.0 - 0.5, 0, wc - 1)
    y0, x0 = np.floor(y).astype(int), np.floor(x).astype(int)
    y1, x1 = np.minimum(y0 + 1, hc - 1), np.minimum(x0 + 1, wc - 1)
    fy, fx = (y - y0).astype(np.float32)[:, None, None], (x - x0).astype(np.float32)[None, :, None]
    top = coarse[y0][:, x0] * (1 - fx) + coarse[y0][:, x1] * fx
    bottom = coarse[y1][:, x0] * (1 - fx) + coarse[y1][:, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def _box_of(mask: np.ndarray, margin: int) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1): the bounding box of ``mask``'s True pixels grown by ``margin``, clipped."""
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    h, w = mask.shape
    return (max(0, ys[0] - margin), min(h, ys[-1] + margin + 1),
            max(0, xs[0] - margin), min(w, xs[-1] + margin + 1))


def low_pass(a: np.ndarray, octaves: int) -> np.ndarray:
    """``a`` (HxWx3) halved ``octaves`` times by 2x2 averages and enlarged back (bilinear)."""
    shapes = []
    for _ in range(octaves):
        shapes.append(a.shape[:2])
        a = _half(a, np.ones(a.shape[:2], bool))[0]
    for h, w in reversed(shapes):
        a = _upsample(a, h, w)
    return a


def onion_fill(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """A smooth fill: hole pixels take the mean of their known 3x3 neighbours, ring by ring from
    the rim inwards (gray 0.5 when nothing is known)."""
    img = np.where(hole[..., None], 0.0, image).astype(np.float32)
    known = ~hole
    while not known.all():
        k = known.astype(np.float32)
        count = _box3(k)
        ring = ~known & (count > 0)
        if not ring.any():
            img[~known] = 0.5
            break
        img[ring] = _box3(img * k[..., None])[ring] / count[ring][:, None]
        known = known | ring
    return img


class _Level:
    """The nearest-neighbour field and the fill at one pyramid level (flat pixel indices)."""

    def __init__(self, image: np.ndarray, hole: np.ndarray, rng: np.random.Generator,
                 guide: np.ndarray | None = None, guide_weight: float = 0.0) -> None:
        self.image, self.hole, self.rng = image, hole, rng
        self.guide, self.guide_weight = guide, guide_weight
        self.h, self.w = hole.shape
        r = PATCH_RADIUS
        self.is_source = _window_all(~hole, r).ravel()
        self.sources = np.flatnonzero(self.is_source)
        targets = _window_any(hole, r)
        self.ty, self.tx = np.nonzero(targets)
        self.tid = np.full(self.h * self.w, -1, np.int64)
        self.tid[self.ty * self.w + self.tx] = np.arange(len(self.ty))
        self.desc_offsets = np.array([dy * self.w + dx for dy in _GRID for dx in _GRID], np.int64)
        self.nnf = np.zeros(len(self.ty), np.int64)
        self.dist = np.full(len(self.ty), np.inf, np.float32)
        self.table = np.zeros((0, DIMS), np.float32)  # per-pixel descriptors, made by the first search
        self.blurred = np.zeros((0, 0, 3), np.float32)  # the fill's 3x3 box average
        self.mean, self.basis = np.zeros(27, np.float32), np.zeros((27, DIMS), np.float32)

    @property
    def usable(self) -> bool:
        return len(self.sources) > 0 and len(self.ty) > 0

    # -- the field ------------------------------------------------------------------
    def random_sources(self, n: int) -> np.ndarray:
        return self.sources[self.rng.integers(0, len(self.sources), n)]

    def init_from(self, coarse: _Level | None) -> None:
        """Random matches, or the coarser level's matches scaled x2 where they exist and are valid."""
        nnf = self.random_sources(len(self.ty))
        if coarse is not None:
            cy, cx = np.minimum(self.ty // 2, coarse.h - 1), np.minimum(self.tx // 2, coarse.w - 1)
            ct = coarse.tid[cy * coarse.w + cx]
            ok = ct >= 0
            s = coarse.nnf[ct[ok]]
            sy = np.minimum(2 * (s // coarse.w) + self.ty[ok] % 2, self.h - 1)
            sx = np.minimum(2 * (s % coarse.w) + self.tx[ok] % 2, self.w - 1)
            cand = sy * self.w + sx
            good = self.is_source[cand]
            idx = np.flatnonzero(ok)[good]
            nnf[idx] = cand[good]
        self.nnf = nnf

    def _describe(self, blurred: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The raw 27-number descriptors of pixels ``rows`` (flat), edges clamped."""
        ys = np.clip(rows[:, None] // self.w + np.repeat(_GRID, 3)[None], 0, self.h - 1)
        xs = np.clip(rows[:, None] % self.w + np.tile(_GRID, 3)[None], 0, self.w - 1)
        return blurred[ys, xs].reshape(len(rows), -1)

    def _describe_all(self, blurred: np.ndarray) -> None:
        """Every pixel's descriptor, projected on the principal components of the source
        patches' (:data:`DIMS` numbers a pixel: one row gather per comparison)."""
        sample = self.sources[self.rng.integers(0, len(self.sources), min(len(self.sources), 20_000))]
        raw = self._describe(blurred, sample).astype(np.float64)
        self.mean = raw.mean(axis=0).astype(np.float32)
        _, vectors = np.linalg.eigh(np.cov(raw, rowvar=False))  # ascending eigenvalues
        self.basis = np.ascontiguousarray(vectors[:, ::-1][:, :DIMS], np.float32)
        r = max(abs(g) for g in _GRID)
        padded = np.pad(blurred, ((r, r), (r, r), (0, 0)), mode="edge")
        guided = self.guide is not None and self.guide_weight > 0
        self.table = np.empty((self.h * self.w, DIMS + 3 * guided), np.float32)
        band = max(1, CHUNK // self.w)
        for y0 in range(0, self.h, band):
            y1 = min(self.h, y0 + band)
            raw_band = np.concatenate([padded[r + y0 + dy:r + y1 + dy, r + dx:r + dx + self.w]
                                       for dy in _GRID for dx in _GRID], axis=2).reshape(-1, 27)
            self.table[y0 * self.w:y1 * self.w, :DIMS] = (raw_band - self.mean) @ self.basis
        if guided:  # the patch's mean colour: the guide's (the network's) for targets, its own for sources
            assert self.guide is not None
            composite = np.where(self.hole[..., None], self.guide, self.image)
            scale = np.float32(3.0 * math.sqrt(self.guide_weight))  # 1: as much again as the 9 samples' mean
            mean = _box3(_box3(composite)).reshape(-1, 3)
            self.table[:, DIMS:] = (mean - self.mean.reshape(9, 3).mean(axis=0)) * scale

    def _update_targets(self, blurred: np.ndarray) -> np.ndarray:
        """Re-describe the target pixels (the fill changed); returns their descriptors."""
        rows = self.ty * self.w + self.tx
        for a in range(0, len(rows), CHUNK):
            self.table[rows[a:a + CHUNK], :DIMS] = (self._describe(blurred, rows[a:a + CHUNK]) - self.mean) @ self.basis
        return self.table[rows]

    def _distance(self, cand: np.ndarray, tdesc: np.ndarray) -> np.ndarray:
        d = self.table[cand] - tdesc
        return np.einsum("nk,nk->n", d, d)

    def _try(self, tdesc: np.ndarray, idx: np.ndarray, cand: np.ndarray) -> None:
        """Adopt ``cand`` for targets ``idx`` where it is a source patch and closer."""
        ok = self.is_source[cand]
        idx, cand = idx[ok], cand[ok]
        for a in range(0, len(idx), CHUNK):
            i, c = idx[a:a + CHUNK], cand[a:a + CHUNK]
            d = self._distance(c, tdesc[i])
            better = d < self.dist[i]
            self.nnf[i[better]], self.dist[i[better]] = c[better], d[better]

    def search(self, iterations: int, max_radius: int, ctx: RunContext) -> None:
        """PatchMatch on the current fill: evaluate, then propagate and search randomly."""
        if self.table.size == 0:
            self.blurred = _box3(self.image)
            self._describe_all(self.blurred)
        else:  # only the hole changed: re-blur the window the targets' descriptors read
            y0, y1, x0, x1 = _box_of(self.hole, PATCH_RADIUS + 3)
            ey0, ey1, ex0, ex1 = max(0, y0 - 1), min(self.h, y1 + 1), max(0, x0 - 1), min(self.w, x1 + 1)
            self.blurred[y0:y1, x0:x1] = _box3(self.image[ey0:ey1, ex0:ex1])[y0 - ey0:y1 - ey0, x0 - ex0:x1 - ex0]
        tdesc = self._update_targets(self.blurred)
        n = len(self.ty)
        all_idx = np.arange(n)
        self.dist[:] = np.inf
        self._try(tdesc, all_idx, self.nnf)
        for it in range(iterations):
            ctx.raise_if_cancelled()
            sign = 1 if it % 2 == 0 else -1
            for jump in (4, 2, 1):
                for dy, dx in ((0, sign * jump), (sign * jump, 0)):  # the neighbour before us, this pass
                    ny, nx = self.ty - dy, self.tx - dx
                    inside = (ny >= 0) & (ny < self.h) & (nx >= 0) & (nx < self.w)
                    nb = np.full(n, -1, np.int64)
                    nb[inside] = self.tid[ny[inside] * self.w + nx[inside]]
                    idx = np.flatnonzero(nb >= 0)
                    cand = self.nnf[nb[idx]] + dy * self.w + dx
                    keep = (cand >= 0) & (cand < self.h * self.w)
                    self._try(tdesc, idx[keep], cand[keep])
            radius = max_radius
            while radius >= 1:
                sy = np.clip(self.nnf // self.w + self.rng.integers(-radius, radius + 1, n), 0, self.h - 1)
                sx = np.clip(self.nnf % self.w + self.rng.integers(-radius, radius + 1, n), 0, self.w - 1)
                self._try(tdesc, all_idx, sy * self.w + sx)
                radius //= 2
            self._try(tdesc, all_idx, self.random_sources(n))

    def vote(self, radius: int) -> None:
        """Each hole pixel takes what the best-matching patch (smallest distance) among those
        within ``radius`` puts there."""
        hy, hx = np.nonzero(self.hole)
        flat = self.image.reshape(-1, 3)
        best = np.full(len(hy), np.inf, np.float32)
        src = np.full(len(hy), -1, np.int64)
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                ty, tx = hy - dy, hx - dx
                inside = (ty >= 0) & (ty < self.h) & (tx >= 0) & (tx < self.w)
                t = np.full(len(hy), -1, np.int64)
                t[inside] = self.tid[ty[inside] * self.w + tx[inside]]
                ok = np.flatnonzero(t >= 0)
                d = self.dist[t[ok]]
                better = d < best[ok]
                i = ok[better]
                best[i], src[i] = d[better], self.nnf[t[i]] + dy * self.w + dx
        filled = src >= 0
        self.image[hy[filled], hx[filled]] = flat[src[filled]]


def _levels_for(hole: np.ndarray) -> int:
    """How many times to halve so the hole's half-width is at most :data:`COARSEST_THICKNESS`."""
    t = hole_thickness(hole)
    n = max(0, math.ceil(math.log2(max(t, 1e-6) / COARSEST_THICKNESS)))
    while n > 0 and min(hole.shape) / 2 ** n < MIN_SIDE:
        n -= 1
    return n


def exemplar_fill(image: np.ndarray, hole: np.ndarray, init: np.ndarray | None = None,
                  ctx: RunContext | None = None, schedule: Schedule = Schedule(), seed: int = 0,
                  guide_levels: int = GUIDE_LEVELS, guide_weight: float = GUIDE_WEIGHT) -> np.ndarray:
    """Fill ``hole`` (HxW bool) of ``image`` (HxWx3 float32 in [0, 1]) with patches of the image
    outside it, starting at the coarsest level from ``init`` (HxWx3, e.g. the network's fill;
    None: a smooth onion-peel fill), which also guides the ``guide_levels`` coarsest levels' patch
    choice with weight ``guide_weight`` (see the module's docstring). Returns a new HxWx3 array
    equal to ``image`` outside the hole."""
    ctx = ctx or RunContext()
    hole = np.asarray(hole, bool)
    image = np.asarray(image, np.float32)
    rng = np.random.default_rng(seed)
    pyramid = [(image, ~hole, init if init is not None else image)]
    for _ in range(_levels_for(hole)):
        img, known, ini = pyramid[-1]
        coarse, coarse_known = _half(img, known)
        pyramid.append((coarse, coarse_known, _half(ini, np.ones_like(known))[0]))
    coarse_img, coarse_known, coarse_init = pyramid[-1]
    start = coarse_init if init is not None else onion_fill(coarse_img, ~coarse_known)
    fill = np.where(coarse_known[..., None], coarse_img, start).astype(np.float32)
    previous: _Level | None = None
    total = len(pyramid)
    for depth in range(total - 1, -1, -1):
        img, known, ini = pyramid[depth]
        if previous is not None:  # the coarser result, enlarged, starts this level's hole
            fill = img.copy()
            if not known.all():
                y0, y1, x0, x1 = box = _box_of(~known, 0)
                fill[y0:y1, x0:x1] = np.where(known[y0:y1, x0:x1, None], img[y0:y1, x0:x1],
                                              _upsample(previous.image, known.shape[0], known.shape[1], box))
        guided = init is not None and depth >= total - guide_levels
        level = _Level(fill.astype(np.float32), ~known, rng, ini if guided else None, guide_weight)
        if not level.usable:  # nothing to copy from: keep the starting fill
            previous = level
            continue
        level.init_from(previous)
        coarsest, finest = depth == total - 1, depth == 0
        vote_radius = schedule.fine_vote_radius if finest else schedule.vote_radius
        if previous is not None and schedule.upsampled_vote:  # start from the enlarged matches' pixels
            level.search(0, 0, ctx)
            level.vote(vote_radius)
        em = schedule.coarse_em if coarsest else schedule.fine_em if finest else schedule.middle_em
        pm = schedule.coarse_pm if coarsest else schedule.pm
        max_radius = max(level.h, level.w) if coarsest else 8
        for step in range(em):
            ctx.raise_if_cancelled()
            ctx.progress(total - 1 - depth + step / em, total, "Synthesizing texture")
            level.search(pm, max_radius, ctx)
            level.vote(vote_radius)
        previous = level
    assert previous is not None
    return np.where(hole[..., None], np.clip(previous.image, 0.0, 1.0), image).astype(np.float32)
