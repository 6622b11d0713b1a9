"""The in-memory image every part of PhotoAI shares."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from photoai.core.geometry import Size

if TYPE_CHECKING:
    from photoai.core.raw import RawData


@dataclass
class ImageBuffer:
    """Float32 RGB pixels in [0, 1] plus what export needs to write the file back faithfully.

    ``rgb`` is HxWx3 float32; ``alpha`` is HxW float32 or None; ``bit_depth`` is the
    source's bits per channel (8 or 16); ``gray`` says the source had one colour channel.
    ``icc_profile`` and ``exif`` are the raw bytes found in the source (EXIF with the
    orientation already applied to the pixels and reset to 1). ``raw``: the camera raw's sensor data
    when the image was opened from a Bayer raw (shared by every copy, never copied; exports do not
    write it).
    """

    rgb: np.ndarray
    alpha: np.ndarray | None = None
    bit_depth: int = 8
    gray: bool = False
    icc_profile: bytes | None = None
    exif: bytes | None = None
    source_format: str | None = None
    info: dict = field(default_factory=dict)
    raw: RawData | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.rgb.ndim != 3 or self.rgb.shape[2] != 3:
            raise ValueError(f"rgb must be HxWx3, got shape {self.rgb.shape}")
        if self.rgb.dtype != np.float32:
            self.rgb = self.rgb.astype(np.float32)
        if self.alpha is not None:
            if self.alpha.shape != self.rgb.shape[:2]:
                raise ValueError(f"alpha shape {self.alpha.shape} does not match {self.rgb.shape[:2]}")
            self.alpha = self.alpha.astype(np.float32, copy=False)

    @property
    def size(self) -> Size:
        return Size(int(self.rgb.shape[1]), int(self.rgb.shape[0]))

    @property
    def nbytes(self) -> int:
        return self.rgb.nbytes + (self.alpha.nbytes if self.alpha is not None else 0)

    def with_pixels(self, rgb: np.ndarray, alpha: np.ndarray | None = None, gray: bool | None = None) -> ImageBuffer:
        """A copy with new pixels and the same metadata."""
        return replace(self, rgb=rgb, alpha=alpha, gray=self.gray if gray is None else gray, info=dict(self.info))

    def copy(self) -> ImageBuffer:
        return self.with_pixels(self.rgb.copy(), None if self.alpha is None else self.alpha.copy())

    @classmethod
    def from_array(cls, array: np.ndarray, **meta) -> ImageBuffer:
        """Build from HxW, HxWx3 or HxWx4 arrays (uint8, uint16 or float in [0, 1])."""
        a = np.asarray(array)
        if a.dtype == np.uint8:
            bits, f = 8, a.astype(np.float32) / 255.0
        elif a.dtype == np.uint16:
            bits, f = 16, a.astype(np.float32) / 65535.0
        else:
            bits, f = 8, np.clip(a.astype(np.float32), 0.0, 1.0)
        meta.setdefault("bit_depth", bits)
        if f.ndim == 2:
            return cls(np.repeat(f[:, :, None], 3, axis=2), gray=True, **meta)
        if f.ndim == 3 and f.shape[2] == 4:
            return cls(np.ascontiguousarray(f[:, :, :3]), alpha=np.ascontiguousarray(f[:, :, 3]), **meta)
        if f.ndim == 3 and f.shape[2] == 2:  # gray + alpha
            return cls(np.repeat(f[:, :, :1], 3, axis=2), alpha=np.ascontiguousarray(f[:, :, 1]), gray=True, **meta)
        if f.ndim == 3 and f.shape[2] == 1:
            return cls(np.repeat(f, 3, axis=2), gray=True, **meta)
        return cls(np.ascontiguousarray(f), **meta)


#: Elements per band of :func:`to_uint`: its float temporaries stay this small whatever the image size.
_BAND_ELEMENTS = 1 << 20


def to_uint(a: np.ndarray, bits: int) -> np.ndarray:
    """Round float [0, 1] pixels to uint8 or uint16 (band of rows by band: no full-size float copy)."""
    peak = 65535.0 if bits == 16 else 255.0
    a = np.asarray(a)
    out = np.empty(a.shape, np.uint16 if bits == 16 else np.uint8)
    if a.ndim == 0:
        out[()] = np.clip(a, 0.0, 1.0) * peak + 0.5
        return out
    rows = max(1, _BAND_ELEMENTS // max(1, a[0].size))
    for top in range(0, len(a), rows):
        band = np.clip(a[top:top + rows], 0.0, 1.0)
        band *= peak
        band += 0.5
        out[top:top + rows] = band
    return out
