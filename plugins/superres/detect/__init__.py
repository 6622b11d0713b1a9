"""Was a low-resolution photo shrunk without a prefilter (aliased)? The answer routes super-resolution's
default model: the Photo network is blind and has to guess, so it sharpens fold-over as if it were
detail; a network fine-tuned on aliased inputs only gains about twice as much on them and loses on all
others (README, "Aliased and JPEG inputs").

The detector (``superres-aliasing-detector``, :mod:`.net`, trained by :mod:`.train`) maps the photo's Y to
a map of logits at 1/4 resolution; :func:`aliasing_logit` averages it over up to :data:`MAX_WINDOWS` x
:data:`MAX_WINDOWS` windows of :data:`WINDOW` px spread over the photo (a few ms at any size). The photo
counts as aliased above :data:`THRESHOLD` (probability 1/2, fixed before any measurement; a lower one was tried
and rejected: README, "The last cell missed").
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from photoai.core.jobs import RunContext
from photoai.core.models import Model
from photoai.core.resize import rgb_to_y

DETECTOR_ID = "superres-aliasing-detector"
WINDOW = 128  # low-resolution px per side of a window the detector sees
MAX_WINDOWS = 3  # per side: at most 9 windows
THRESHOLD = 0.0  # mean logit above which a photo counts as aliased

__all__ = ["DETECTOR_ID", "WINDOW", "MAX_WINDOWS", "THRESHOLD", "windows", "aliasing_logit", "model_logits"]


def _starts(n: int, count: int) -> list[int]:
    if n <= WINDOW:
        return [0]
    return sorted({round(i * (n - WINDOW) / (count - 1)) for i in range(count)} if count > 1 else {(n - WINDOW) // 2})


def windows(height: int, width: int) -> list[tuple[slice, slice]]:
    """Up to :data:`MAX_WINDOWS` x :data:`MAX_WINDOWS` windows of :data:`WINDOW` px (the whole side when it is
    shorter), evenly spread from edge to edge."""
    return [(slice(y, y + WINDOW), slice(x, x + WINDOW))
            for y in _starts(height, MAX_WINDOWS) for x in _starts(width, MAX_WINDOWS)]


def aliasing_logit(rgb: np.ndarray, logit_map: Callable[[np.ndarray], np.ndarray]) -> float:
    """The mean over the :func:`windows` of the RGB photo ``rgb`` (HxWx3 float32 in [0, 1]) of the detector's
    logits, ``logit_map(y)`` of each window's Y (BT.601, as the super-resolution networks see it); above
    :data:`THRESHOLD` the photo was most likely shrunk without a prefilter."""
    return float(np.mean([logit_map(np.ascontiguousarray(rgb_to_y(rgb[rows, cols]), np.float32)).mean()
                          for rows, cols in windows(*rgb.shape[:2])]))


def model_logits(model: Model, ctx: RunContext | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """``logit_map`` of :func:`aliasing_logit` for the ONNX detector (the runtime pads to its size multiple)."""
    return lambda y: model(y[None, None], ctx=ctx)[0, 0]
