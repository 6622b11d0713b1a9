"""Plugins whose result can be made band of rows by band, so a large result is written without being whole.

A :class:`BandedPlugin` implements :meth:`~BandedPlugin.bands` instead of ``run``; ``run`` (the editor's path,
which needs the whole result) fills one output frame from it, and
:func:`photoai.plugin_api.execute.stream_plugin` (the CLI's path) hands the bands to the export as they are
made (:class:`photoai.core.stream.ImageStream`): peak memory is then bounded by a band, not by the output size.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from photoai.core.geometry import Size
from photoai.core.jobs import RunContext
from photoai.core.stream import fill
from photoai.plugin_api.plugin import BasePlugin, Request


class BandedPlugin(BasePlugin):
    """A plugin that makes its RGB result top to bottom, band by band (see docs/plugins.md, "Result arrays")."""

    def bands(self, request: Request, ctx: RunContext, frame: np.ndarray | None) -> Iterator[np.ndarray]:
        """Yield the result as float32 ``rows x width x 3`` bands in [0, 1] (out-of-range values are clipped by
        the caller), top to bottom, their rows adding up to ``output_size``'s height. ``frame``: the whole
        output (float32, ``height x width x 3``) when the caller keeps it: write each band into its rows and
        yield that view (no copy); None when streaming: yield new arrays (each is used before the next is
        asked for). Both must give the same pixels."""
        raise NotImplementedError  # pragma: no cover - abstract

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        """The whole result: one frame filled by :meth:`bands` (a band not written in place is copied in)."""
        h, w = request.image.shape[:2]
        size = self.output_size(Size(w, h), request.values)
        frame = np.empty((size.height, size.width, 3), np.float32)
        top = fill(frame, self.bands(request, ctx, frame))
        if top != size.height:
            raise ValueError(f"bands hold {top} rows, expected {size.height}")
        return frame
