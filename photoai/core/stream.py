"""An RGB result made band of rows by band, so that it can be written to a file without ever being whole.

:func:`photoai.core.export.save` takes an :class:`ImageStream` wherever it takes an
:class:`~photoai.core.image.ImageBuffer`: each band is quantized and written (PNG, TIFF) or packed into the
encoder's own pixel buffer (JPEG, WebP) as it arrives, so the peak memory is one band, not a float32 frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer


@dataclass
class ImageStream:
    """A float32 RGB image in [0, 1] given as ``bands`` (one pass, top to bottom: rows x width x 3 arrays
    whose rows add up to ``size.height``), with an :class:`ImageBuffer`'s metadata (no alpha, not gray).

    Reading :meth:`bands` twice, or bands of the wrong width or total height, raise ``ValueError``."""

    size: Size
    source: Iterable[np.ndarray] = field(repr=False)
    bit_depth: int = 8
    icc_profile: bytes | None = None
    exif: bytes | None = None
    source_format: str | None = None
    info: dict = field(default_factory=dict)
    _used: bool = field(default=False, repr=False)

    @property
    def alpha(self) -> None:
        """Streams have no alpha channel."""
        return None

    @property
    def gray(self) -> bool:
        """Streams are colour images."""
        return False

    @classmethod
    def like(cls, image: ImageBuffer, size: Size, bands: Iterable[np.ndarray]) -> ImageStream:
        """A stream of ``size`` with ``image``'s metadata (what ``image.with_pixels`` would keep)."""
        return cls(size, bands, image.bit_depth, image.icc_profile, image.exif, image.source_format,
                   dict(image.info))

    def bands(self) -> Iterator[np.ndarray]:
        """The bands, checked: HxWx3 of the stream's width, exactly ``size.height`` rows in all."""
        if self._used:
            raise ValueError("an ImageStream can be read once")
        self._used = True
        rows = 0
        for band in self.source:
            if band.ndim != 3 or band.shape[1:] != (self.size.width, 3):
                raise ValueError(f"band of shape {band.shape}, expected rows x {self.size.width} x 3")
            rows += len(band)
            if rows > self.size.height:
                raise ValueError(f"bands hold more than the image's {self.size.height} rows")
            yield band
        if rows != self.size.height:
            raise ValueError(f"bands hold {rows} rows, the image has {self.size.height}")


def rechunk(bands: Iterable[np.ndarray], rows: int) -> Iterator[np.ndarray]:
    """``bands`` (arrays stacked along the first axis) cut or joined into strips of exactly ``rows`` rows (the
    last may be shorter); a band that already is one strip is passed on without a copy."""
    pending: list[np.ndarray] = []
    held = 0
    for band in bands:
        while len(band):
            take = min(rows - held, len(band))
            pending.append(band[:take])
            held += take
            band = band[take:]
            if held == rows:
                yield pending[0] if len(pending) == 1 else np.concatenate(pending)
                pending, held = [], 0
    if held:
        yield pending[0] if len(pending) == 1 else np.concatenate(pending)


def fill(out: np.ndarray, bands: Iterable[np.ndarray]) -> int:
    """Write ``bands`` (stacked along the first axis) into ``out``'s rows from the top; a band that already is
    those rows of ``out`` (a view made in place) is not copied. Returns the number of rows written."""
    top = 0
    for band in bands:
        rows = out[top:top + len(band)]
        if band.ctypes.data != rows.ctypes.data:
            rows[...] = band
        top += len(band)
    return top
