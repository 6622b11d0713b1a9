"""Free-form hole masks: random brush strokes (DeepFill v2 style) plus blobs.

Masks are ``uint8`` HxW arrays with 1 = hole. Sizes are in absolute pixels, so a model trained on
small crops sees the same local hole shapes as on a full photo with the same generator.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

BUCKETS: tuple[tuple[float, float], ...] = ((0.01, 0.10), (0.10, 0.20), (0.20, 0.30), (0.30, 0.40), (0.40, 0.50))

STROKE_WIDTH = (4, 36)     # brush diameter, px
STROKE_VERTICES = (3, 10)  # polyline vertices per stroke
SEGMENT_LENGTH = (8, 60)   # px per polyline segment
BLOB_RADIUS = (6, 40)      # ellipse / polygon blob radius, px


def _stroke(rng: np.random.Generator, canvas: np.ndarray, scale: float) -> None:
    """One brush stroke: a polyline of random vertices with round joints."""
    h, w = canvas.shape
    width = max(2, int(rng.uniform(*STROKE_WIDTH) * scale))
    x, y = rng.uniform(0, w), rng.uniform(0, h)
    angle = rng.uniform(0, 2 * math.pi)
    for _ in range(int(rng.integers(STROKE_VERTICES[0], STROKE_VERTICES[1] + 1))):
        angle += rng.normal(0, 0.8)
        length = rng.uniform(*SEGMENT_LENGTH) * max(scale, 0.5)
        nx = float(np.clip(x + length * math.cos(angle), 0, w - 1))
        ny = float(np.clip(y + length * math.sin(angle), 0, h - 1))
        cv2.line(canvas, (int(x), int(y)), (int(nx), int(ny)), 1, width)
        cv2.circle(canvas, (int(nx), int(ny)), width // 2, 1, -1)
        x, y = nx, ny


def _blob(rng: np.random.Generator, canvas: np.ndarray, scale: float) -> None:
    """One blob: a rotated ellipse or a jittered star-shaped polygon."""
    h, w = canvas.shape
    cx, cy = int(rng.uniform(0, w)), int(rng.uniform(0, h))
    _blob_at(rng, canvas, cx, cy, rng.uniform(*BLOB_RADIUS) * scale)


def _blob_at(rng: np.random.Generator, canvas: np.ndarray, cx: int, cy: int, r: float) -> None:
    """A rotated ellipse or a jittered star-shaped polygon of radius about ``r`` around (cx, cy)."""
    if rng.random() < 0.5:
        axes = (max(1, int(r)), max(1, int(r * rng.uniform(0.3, 1.0))))
        cv2.ellipse(canvas, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    else:
        n = int(rng.integers(5, 12))
        angles = np.sort(rng.uniform(0, 2 * math.pi, n))
        radii = r * rng.uniform(0.4, 1.0, n)
        pts = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], 1).astype(np.int32)
        cv2.fillPoly(canvas, [pts], 1)


def _add_shape(rng: np.random.Generator, canvas: np.ndarray, scale: float, blob_prob: float) -> None:
    (_blob if rng.random() < blob_prob else _stroke)(rng, canvas, scale)


def hole_ratio(hole: np.ndarray) -> float:
    return float(hole.mean())


def mask_for_ratio_bucket(rng: np.random.Generator, h: int, w: int, lo: float, hi: float,
                          blob_prob: float = 0.2) -> np.ndarray:
    """A free-form hole mask (uint8, 1 = hole) whose hole ratio lies in ``[lo, hi)``.

    Shapes are added until a target drawn uniformly in ``[lo, hi)`` is reached; a shape that would
    overshoot ``hi`` is dropped and, after repeated overshoots, the shape scale shrinks.
    """
    if not 0.0 <= lo < hi <= 1.0:
        raise ValueError(f"bad ratio bucket [{lo}, {hi})")
    target = rng.uniform(lo, hi)
    hole = np.zeros((h, w), np.uint8)
    scale, misses = 1.0, 0
    while True:
        trial = hole.copy()
        _add_shape(rng, trial, scale, blob_prob)
        r = hole_ratio(trial)
        if r >= hi:
            misses += 1
            if misses % 8 == 0:
                scale = max(0.1, scale * 0.7)
            continue
        hole = trial
        if r >= target or (r >= lo and misses > 200):
            return hole


def random_training_mask(rng: np.random.Generator, h: int, w: int,
                         ratio_range: tuple[float, float] = (0.01, 0.60)) -> np.ndarray:
    """Training mask: hole ratio roughly uniform over ``ratio_range`` (5 %-wide random bucket)."""
    lo = rng.uniform(ratio_range[0], ratio_range[1] - 0.05)
    return mask_for_ratio_bucket(rng, h, w, lo, lo + 0.05)


def eval_mask(seed: int, bucket: tuple[float, float], index: int, h: int, w: int) -> np.ndarray:
    """The fixed evaluation mask for image ``index`` in ``bucket`` (independent of other images)."""
    rng = np.random.default_rng([seed, int(round(bucket[0] * 100)), int(round(bucket[1] * 100)), index, h, w])
    return mask_for_ratio_bucket(rng, h, w, *bucket)


SCRATCH_WIDTH = (3, 10)  # px
SCRATCHES = (3, 6)       # per photo


def scratch_mask(seed: int, index: int, h: int, w: int) -> np.ndarray:
    """Fixed-seed thin scratches across the whole photo (uint8, 1 = hole): the case where scaling a
    crop down to fill it would blur the fill away (scratched scans, wires across the sky)."""
    rng = np.random.default_rng([seed, 999, index, h, w])
    hole = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(SCRATCHES[0], SCRATCHES[1] + 1))):
        pts = [(rng.uniform(0, w), rng.uniform(0, h))]
        for _ in range(3):  # a gently bending line over a good part of the photo
            x, y = pts[-1]
            pts.append((float(np.clip(x + rng.uniform(-w / 2, w / 2), 0, w - 1)),
                        float(np.clip(y + rng.uniform(-h / 3, h / 3), 0, h - 1))))
        width = int(rng.integers(SCRATCH_WIDTH[0], SCRATCH_WIDTH[1] + 1))
        cv2.polylines(hole, [np.array(pts, np.int32)], False, 1, width)
    return hole


OBJECT_RATIO = (0.04, 0.15)  # share of the photo an object hole covers


def object_mask(seed: int, index: int, h: int, w: int, ratio: tuple[float, float] = OBJECT_RATIO) -> np.ndarray:
    """A fixed-seed object-shaped hole (uint8, 1 = hole): one or two large blobs (ellipses or
    star-shaped polygons) covering ``ratio`` of the photo, the shape of a removed person, boat or car."""
    rng = np.random.default_rng([seed, 777, index, h, w])
    lo, hi = ratio
    while True:
        target = rng.uniform(lo, hi)
        count = int(rng.integers(1, 3))
        hole = np.zeros((h, w), np.uint8)
        radius = math.sqrt(target * h * w / count / math.pi) * 1.2  # polygons cover less than their disc
        for _ in range(count):
            m = int(radius) + 1
            cx, cy = int(rng.uniform(m, max(m + 1, w - m))), int(rng.uniform(m, max(m + 1, h - m)))
            _blob_at(rng, hole, cx, cy, radius)
        if lo <= hole_ratio(hole) < hi:
            return hole
