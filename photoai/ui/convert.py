"""Display conversion between the core's float32 arrays and QImage (the only pixel code in the UI).

* ``rgb_to_qimage``: float32 HxWx3 in [0, 1] -> 8-bit ``Format_RGB888`` QImage (a deep copy, so
  the numpy buffer can go away).
* ``image_to_qimage``: what the canvas shows; a photo with an embedded ICC profile (Adobe RGB,
  Display P3, a gray profile, ...) is converted to sRGB for the screen. Only the display copy: the pixels the
  plugins see and the exported file keep the photo's own colour space and profile.
* ``new_overlay`` / ``paint_overlay``: the mask as a translucent colour in an
  ``ARGB32_Premultiplied`` QImage, rewritten only inside a dirty rectangle.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QByteArray, QRect, QRectF
from PySide6.QtGui import QColor, QColorSpace, QImage

from photoai.core.geometry import Rect
from photoai.core.image import ImageBuffer, to_uint

#: The default mask colour: a saturated red at 50 % opacity where the mask is 1.
MASK_COLOR = QColor(255, 40, 90, 130)


#: Rows converted at a time, so a 50 MP photo needs no full-size float temporaries.
BAND_ROWS = 256


def to_display_uint8(rgb: np.ndarray) -> np.ndarray:
    """float32 HxWx3 [0, 1] -> contiguous uint8 HxWx3 (rounded, clipped)."""
    out = np.empty(rgb.shape, np.uint8)
    for y in range(0, rgb.shape[0], BAND_ROWS):
        out[y : y + BAND_ROWS] = to_uint(rgb[y : y + BAND_ROWS], 8)
    return out


def array_to_qimage(array: np.ndarray) -> QImage:
    """uint8 HxWx3 (RGB) or HxW (gray) -> a QImage that owns its pixels."""
    a = np.ascontiguousarray(array)
    if a.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {a.dtype}")
    if a.ndim == 2:
        h, w = a.shape
        img = QImage(a.data, w, h, a.strides[0], QImage.Format.Format_Grayscale8)
    elif a.ndim == 3 and a.shape[2] == 3:
        h, w = a.shape[:2]
        img = QImage(a.data, w, h, a.strides[0], QImage.Format.Format_RGB888)
    else:
        raise ValueError(f"expected HxW or HxWx3 pixels, got shape {a.shape}")
    return img.copy()  # detach from the numpy buffer


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    return array_to_qimage(to_display_uint8(rgb))


def rgb32_image(rgb: np.ndarray, alpha: np.ndarray | None = None) -> QImage:
    """float32 HxWx3 in [0, 1] (over the checkerboard by ``alpha``) -> a ``Format_RGB32`` QImage, written band
    by band with numpy straight into Qt's buffer. No Qt call touches the pixels (PySide holds the GIL through
    those, ~0.1 s at 12 MP: the GUI thread would wait), so a worker can make it while the window runs."""
    h, w = rgb.shape[:2]
    img = QImage(max(1, w), max(1, h), QImage.Format.Format_RGB32)
    words = overlay_view(img)
    for y in range(0, h, BAND_ROWS):  # BAND_ROWS is a multiple of 2 * CHECKER: the squares line up
        band = slice(y, y + BAND_ROWS)
        u8 = composite_on_checker(rgb[band], alpha[band]) if alpha is not None else to_uint(rgb[band], 8)
        packed = u8[..., 0].astype(np.uint32) << 16
        packed |= u8[..., 1].astype(np.uint32) << 8
        packed |= u8[..., 2]
        packed |= np.uint32(0xFF000000)
        words[band] = packed
    return img


#: Side of the checkerboard squares behind transparent pixels, in image pixels.
CHECKER = 8


def composite_on_checker(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """uint8 HxWx3: ``rgb`` (float32 in [0, 1], or uint8) over a light checkerboard by ``alpha``
    (banded, no full-size floats)."""
    h, w = alpha.shape
    out = np.empty((h, w, 3), np.uint8)
    cols = (np.arange(w) // CHECKER) % 2
    scale = np.float32(1.0 / 255.0) if rgb.dtype == np.uint8 else np.float32(1.0)
    for y in range(0, h, BAND_ROWS):
        rows = (np.arange(y, min(h, y + BAND_ROWS)) // CHECKER) % 2
        checker = (0.62 + 0.18 * (rows[:, None] ^ cols[None, :]))[..., None].astype(np.float32)
        a = alpha[y : y + BAND_ROWS, :, None]
        out[y : y + BAND_ROWS] = to_uint(rgb[y : y + BAND_ROWS] * scale * a + checker * (1.0 - a), 8)
    return out


SRGB = QColorSpace(QColorSpace.NamedColorSpace.SRgb)


def source_color_space(icc: bytes | None, model: bytes = b"RGB ") -> QColorSpace | None:
    """The colour space of an embedded ICC profile of colour ``model`` (``b"RGB "`` or ``b"GRAY"``)
    when it is not plain sRGB (None: show as is). The display is taken to be sRGB, as browsers and
    most viewers do without a monitor profile."""
    if not icc or icc[16:20] != model:
        return None
    space = QColorSpace.fromIccProfile(QByteArray(icc))
    if not space.isValid() or space == SRGB:
        return None
    return space


def to_display_space(img: QImage, icc: bytes | None) -> QImage:
    """``img`` (RGB888, or Grayscale8 for a gray profile) converted from the profile's colour space
    to sRGB as ``Format_RGB888``; unchanged if no profile applies or Qt cannot apply it."""
    gray = img.format() == QImage.Format.Format_Grayscale8
    space = source_color_space(icc, b"GRAY" if gray else b"RGB ")
    if space is None:
        return img
    img.setColorSpace(space)
    try:
        converted = img.convertedToColorSpace(SRGB, QImage.Format.Format_RGB888)
    except TypeError:  # Qt < 6.8: no format argument, no gray -> RGB conversion
        converted = QImage() if gray else img.convertedToColorSpace(SRGB)
    if converted.isNull():  # a profile Qt parses but cannot apply: show the raw values
        return img
    return converted.convertToFormat(QImage.Format.Format_RGB888)


def image_to_qimage(image: ImageBuffer) -> QImage:
    """The displayed form of an image: colours in sRGB (a gray photo with a gray profile, Gray
    Gamma 2.2, Dot Gain 20 %, ..., is converted through it), then transparent areas over a
    checkerboard (the checkerboard itself is never colour-converted)."""
    profiled = source_color_space(image.icc_profile, b"GRAY" if image.gray else b"RGB ") is not None
    if image.alpha is not None and not profiled:  # the common case: one pass, no 8-bit round trip
        return array_to_qimage(composite_on_checker(image.rgb, image.alpha))
    if image.gray and profiled:
        qimg = array_to_qimage(to_display_uint8(image.rgb[:, :, 0]))
    else:
        qimg = rgb_to_qimage(image.rgb)
    qimg = to_display_space(qimg, image.icc_profile)
    if image.alpha is not None:
        qimg = array_to_qimage(composite_on_checker(qimage_to_array(qimg), image.alpha))
    return qimg


def qimage_to_array(img: QImage) -> np.ndarray:
    """A QImage as uint8 HxWx3 RGB (a copy), e.g. for tests and screenshots."""
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), np.uint8, count=bpl * h).reshape(h, bpl)
    return buf[:, : w * 3].reshape(h, w, 3).copy()


# -- mask overlay ------------------------------------------------------------------------------
def new_overlay(width: int, height: int) -> QImage:
    img = QImage(max(1, width), max(1, height), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    return img


def overlay_lut(color: QColor = MASK_COLOR) -> np.ndarray:
    """The premultiplied ARGB32 word (uint32) for each 8-bit mask level 0-255."""
    a = np.arange(256, dtype=np.float64) / 255.0 * (color.alpha() / 255.0)
    alpha = (a * 255.0 + 0.5).astype(np.uint32)
    r = (a * color.red() + 0.5).astype(np.uint32)
    g = (a * color.green() + 0.5).astype(np.uint32)
    b = (a * color.blue() + 0.5).astype(np.uint32)
    return (alpha << 24) | (r << 16) | (g << 8) | b


def overlay_pixels(mask: np.ndarray, color: QColor = MASK_COLOR) -> np.ndarray:
    """Premultiplied ARGB32 words (uint32 HxW) for a float mask region (mask rounded to 8 bits, one lookup)."""
    return overlay_lut(color)[to_uint(mask, 8)]


def overlay_view(img: QImage) -> np.ndarray:
    """A writable uint32 HxW view onto a 32-bit (ARGB32, RGB32) QImage's pixels."""
    h, bpl = img.height(), img.bytesPerLine()
    words = np.frombuffer(img.bits(), np.uint32, count=bpl * h // 4).reshape(h, bpl // 4)
    return words[:, : img.width()]


def paint_overlay(img: QImage, mask: np.ndarray, rect: Rect, color: QColor = MASK_COLOR) -> Rect:
    """Rewrite the overlay inside ``rect`` (clamped) from ``mask``; returns the rect written."""
    h, w = mask.shape
    rect = Rect(*rect).intersect(Rect(0, 0, min(w, img.width()), min(h, img.height())))
    if rect.empty:
        return rect
    view = overlay_view(img)
    for y in range(rect.y, rect.bottom, BAND_ROWS):
        band = Rect(rect.x, y, rect.width, min(BAND_ROWS, rect.bottom - y))
        sl = band.slices()
        view[sl] = overlay_pixels(mask[sl], color)
    return rect


def to_qrectf(rect: Rect) -> QRectF:
    return QRectF(rect.x, rect.y, rect.width, rect.height)


def to_qrect(rect: Rect) -> QRect:
    return QRect(rect.x, rect.y, rect.width, rect.height)
