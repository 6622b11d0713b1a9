"""Channel helpers shared by everything that runs an RGB-only function on any image."""

from __future__ import annotations

import numpy as np
from PIL import Image

from photoai.core.geometry import Size


def resize_float(img: np.ndarray, size: Size, resample: Image.Resampling = Image.Resampling.BICUBIC) -> np.ndarray:
    """Resize an HxW or HxWxC float32 array channel by channel (Pillow 'F' mode keeps floats)."""
    planes = img[..., None] if img.ndim == 2 else img
    out = np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(planes[..., c], np.float32), mode="F")
                               .resize((size.width, size.height), resample), np.float32)
                    for c in range(planes.shape[2])], axis=2)
    return out[..., 0] if img.ndim == 2 else out


def proxy_of(image: np.ndarray, max_side: int) -> np.ndarray:
    """``image`` reduced by area averaging so its long side is at most ``max_side``; a smaller one as it is."""
    h, w = image.shape[:2]
    f = min(1.0, max_side / max(w, h, 1))
    size = Size(max(1, round(w * f)), max(1, round(h * f)))
    return image if size == Size(w, h) else resize_float(image, size, Image.Resampling.BOX)


def resize_plane(plane: np.ndarray, size: Size) -> np.ndarray:
    """Bicubic resize of one float32 HxW plane, clipped to [0, 1]."""
    return np.clip(resize_float(plane, size), 0.0, 1.0)


def is_gray(rgb: np.ndarray, tolerance: float = 0.5 / 255) -> bool:
    """True when the three channels are equal within ``tolerance``. A sparse sample is looked at first: a
    colour photo is usually told from it without reading every pixel."""
    if rgb.ndim == 3 and rgb.size > 1 << 16 and not _channels_equal(rgb[::61, ::59], tolerance):
        return False
    return _channels_equal(rgb, tolerance)


def _channels_equal(rgb: np.ndarray, tolerance: float) -> bool:
    return bool(
        np.abs(rgb[..., 0] - rgb[..., 1]).max(initial=0) <= tolerance
        and np.abs(rgb[..., 1] - rgb[..., 2]).max(initial=0) <= tolerance
    )


def as_rgb(array: np.ndarray) -> np.ndarray:
    """HxW or HxWx1 -> HxWx3; HxWx3 unchanged."""
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim == 3 and array.shape[2] == 1:
        return np.repeat(array, 3, axis=2)
    return array
