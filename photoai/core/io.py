"""Reading image files into :class:`ImageBuffer`.

Pillow decodes the common formats; tifffile takes the TIFFs whose precision Pillow would
drop (16-bit RGB, RGBA, gray+alpha, float); 16-bit colour PNGs are decoded by Pillow in two
passes (high and low bytes) because Pillow has no 16-bit RGB mode; camera raws go through
rawpy (LibRaw), imported only when a raw is opened, and are developed by :mod:`photoai.core.raw`.
Whether a file is a camera raw is decided by its content (:func:`is_raw`), not its name: a raw named
``.jpg`` is developed, never shown as its embedded preview, and a JPEG named ``.nef`` opens as a JPEG.

Pixels are returned upright: the EXIF orientation is applied (``ImageOps.exif_transpose``
semantics) and the kept EXIF says orientation 1. ICC profiles are kept as found; pixels are
*not* converted to sRGB, except CMYK and LAB sources, which are converted to sRGB RGB.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError
from PIL.TiffImagePlugin import TiffImageFile

from photoai.core import raw as core_raw
from photoai.core.errors import ImageReadError, ParamError
from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.core.raw import DevelopOptions, RawData, RawFacts, UnsupportedRaw

try:  # LittleCMS may be missing from a Pillow build
    from PIL import ImageCms
except ImportError:  # pragma: no cover - depends on the Pillow build
    ImageCms = None  # type: ignore[assignment]

#: Largest image accepted, in pixels (a 300 MP photo is ~3.6 GB as float32 RGB).
MAX_IMAGE_PIXELS = 300_000_000
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

RAW_EXTENSIONS = frozenset({
    ".3fr", ".ari", ".arw", ".bay", ".cap", ".cr2", ".cr3", ".crw", ".dcr", ".dcs", ".dng",
    ".erf", ".fff", ".iiq", ".k25", ".kdc", ".mdc", ".mef", ".mos", ".mrw", ".nef", ".nrw",
    ".orf", ".pef", ".ptx", ".r3d", ".raf", ".raw", ".rw2", ".rwl", ".sr2", ".srf", ".srw", ".x3f",
})
SUPPORTED_READ_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".webp", ".bmp", ".dib",
    ".gif", ".tga", ".ppm", ".pgm", ".pbm", ".pnm",
}) | RAW_EXTENSIONS

_EXIF_HEADER = b"Exif\x00\x00"
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
_ORIENTATION = 0x0112
_EXIF_IFD, _GPS_IFD, _INTEROP_IFD = 0x8769, 0x8825, 0xA005
_ICC_TAG = 34675
#: IFD0 tags of a TIFF that are photo metadata (not image structure) and belong in EXIF.
EXIF_IFD0_TAGS = (270, 271, 272, 305, 306, 315, 33432)
_GRAY16_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N"})
_SIMPLE_CONVERSIONS = {"1": "L", "La": "LA", "RGBa": "RGBA", "RGBX": "RGB", "YCbCr": "RGB",
                       "HSV": "RGB", "PA": "RGBA", "P": "RGB"}
#: Pillow rawmodes of 16-bit colour PNGs -> rawmode that unpacks the low bytes instead.
#: 16-bit gray+alpha is read as plain 4-byte RGBA, which holds both bytes of both samples.
_PNG16_LOW_RAWMODES = {"RGB;16B": "RGB;16L", "RGBA;16B": "RGBA;16L", "LA;16B": "RGBA"}
_CHANNEL_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


class ImageProbe(NamedTuple):
    """What :func:`probe` finds without decoding pixels."""

    size: Size  # as loaded: after the EXIF orientation is applied
    format: str  # Pillow's format name ("JPEG", "PNG", ...) or "RAW"
    mode: str  # Pillow's mode, or "RGB" for raws
    bit_depth: int  # 8 or 16


class _Unreadable(Exception):
    """Internal: a reason, in plain words, why a file cannot be read."""


# --------------------------------------------------------------------------- public API


def load(path: str | Path, raw_options: DevelopOptions | None = None) -> ImageBuffer:
    """Decode ``path`` into an :class:`ImageBuffer`; any failure raises :class:`ImageReadError`.

    ``source_format`` is Pillow's format name or ``"RAW"``; ``info`` holds ``mode`` (the
    file's own colour mode, e.g. ``"RGB;16"``, ``"CMYK"``, ``"P"``), ``orientation`` (the EXIF
    orientation that was applied) and, when known, ``dpi``. A camera raw is developed with
    ``raw_options`` (default: :class:`~photoai.core.raw.DevelopOptions`, LibRaw's brightness and
    the camera's white balance); ``info["raw_develop"]`` records what was applied.
    """
    path = Path(path)
    try:
        _check_file(path)
        if is_raw(path):
            return _load_raw(path, raw_options or DevelopOptions())
        return _load_image(path)
    except ImageReadError:
        raise
    except Exception as exc:  # decoders raise many types for damaged files
        raise ImageReadError(_message(path, _reason(exc))) from exc


def is_raw(path: str | Path) -> bool:
    """Whether ``path`` is opened as a camera raw: by its content, or by its extension when the
    content does not tell (:func:`photoai.core.raw.sniff`)."""
    by_content = core_raw.sniff(path)
    return Path(path).suffix.lower() in RAW_EXTENSIONS if by_content is None else by_content


def raw_facts(path: str | Path) -> RawFacts:
    """What the camera raw ``path`` allows when developing (reads its headers only)."""
    path = Path(path)
    try:
        _check_file(path)
        with _open_raw(path) as raw:
            return core_raw.facts(raw)
    except ImageReadError:
        raise
    except Exception as exc:
        raise ImageReadError(_message(path, _reason(exc))) from exc


def probe(path: str | Path) -> ImageProbe:
    """Size, format, mode and bit depth of ``path``, reading headers only where possible."""
    path = Path(path)
    try:
        _check_file(path)
        if is_raw(path):
            try:
                return _probe_raw(path)
            except _NotRaw:
                pass  # only the extension said raw: maybe an ordinary image
        with _open(path) as im:
            orientation = _pil_orientation(im)
            return ImageProbe(_oriented(Size(*im.size), orientation), im.format or "", im.mode,
                              _source_bits(im))
    except ImageReadError:
        if _is_tiff(path):
            return _probe_tiff(path)
        raise
    except Exception as exc:
        raise ImageReadError(_message(path, _reason(exc))) from exc


def normalize_exif(data: bytes | None) -> bytes | None:
    """EXIF as Pillow writes it (``b"Exif\\0\\0"`` + TIFF stream), or None if ``data`` isn't EXIF."""
    if not data:
        return None
    body = data[len(_EXIF_HEADER):] if data.startswith(_EXIF_HEADER) else data
    return _EXIF_HEADER + body if body[:4] in _TIFF_MAGIC else None


def reset_exif_orientation(exif: bytes) -> bytes:
    """``exif`` with IFD0's Orientation set to 1, patched in place so maker notes stay valid."""
    body = memoryview(exif)[len(_EXIF_HEADER):]
    order = "<" if body[:2] == b"II" else ">"
    try:
        (ifd,) = struct.unpack_from(order + "I", body, 4)
        (count,) = struct.unpack_from(order + "H", body, ifd)
        for i in range(count):
            entry = ifd + 2 + 12 * i
            tag, kind, n = struct.unpack_from(order + "HHI", body, entry)
            if tag == _ORIENTATION and kind == 3 and n >= 1:
                patched = bytearray(exif)
                struct.pack_into(order + "H", patched, len(_EXIF_HEADER) + entry + 8, 1)
                return bytes(patched)
    except struct.error:  # malformed EXIF: leave it as found
        pass
    return exif


def exif_sub_ifds(exif: Image.Exif) -> dict[int, dict]:
    """The Exif and GPS sub-IFDs of ``exif`` as dicts (Interop nested), ready to re-serialise."""
    out: dict[int, dict] = {}
    for pointer in (_EXIF_IFD, _GPS_IFD):
        sub = dict(exif.get_ifd(pointer))
        if _INTEROP_IFD in sub:
            interop = dict(exif.get_ifd(_INTEROP_IFD)) if pointer == _EXIF_IFD else {}
            if interop:
                sub[_INTEROP_IFD] = interop
            else:
                del sub[_INTEROP_IFD]
        if sub:
            out[pointer] = sub
    return out


# --------------------------------------------------------------------------- checks and messages


def _message(path: Path, reason: str) -> str:
    return f"Cannot open '{path.name}': {reason}."


def _reason(exc: BaseException) -> str:
    """Plain words for a decoder exception."""
    text = str(exc).strip()
    if isinstance(exc, _Unreadable):
        return text
    if isinstance(exc, Image.DecompressionBombError):
        return f"the image is too large (over {MAX_IMAGE_PIXELS // 1_000_000} megapixels)"
    if isinstance(exc, UnidentifiedImageError):
        return "it is not an image, or its format is not supported"
    if isinstance(exc, MemoryError):
        return "there is not enough memory to open it"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if "truncated" in text.lower() or isinstance(exc, EOFError):
        return "the file is truncated (an incomplete download or copy?)"
    detail = f" ({text[:160]})" if text else ""
    return f"the file is damaged or uses an unsupported feature{detail}"


def _check_file(path: Path) -> None:
    if not path.exists():
        raise _Unreadable("the file does not exist")
    if path.is_dir():
        raise _Unreadable("it is a folder, not a file")
    if path.stat().st_size == 0:
        raise _Unreadable("the file is empty")


def _check_pixels(size: Size) -> None:
    if size.width <= 0 or size.height <= 0:
        raise _Unreadable("the image has no pixels")
    if size.pixels > MAX_IMAGE_PIXELS:
        raise _Unreadable(
            f"the image is too large ({size.width}x{size.height}, {size.pixels / 1e6:.0f} "
            f"megapixels; the limit is {MAX_IMAGE_PIXELS // 1_000_000})")


def _is_tiff(path: Path) -> bool:
    try:
        with open(path, "rb") as fp:
            return fp.read(4) in _TIFF_MAGIC
    except OSError:
        return False


def _open(path: Path) -> ImageFile.ImageFile:
    """Open lazily (header only), with Pillow's failures turned into ImageReadError."""
    try:
        im = Image.open(path)
    except Exception as exc:
        raise ImageReadError(_message(path, _reason(exc))) from exc
    try:
        _check_pixels(Size(*im.size))
    except _Unreadable as exc:
        im.close()
        raise ImageReadError(_message(path, str(exc))) from None
    return im


# --------------------------------------------------------------------------- orientation


def _oriented(size: Size, orientation: int) -> Size:
    return Size(size.height, size.width) if orientation in (5, 6, 7, 8) else size


def _orient(a: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation to an HxW[xC] array, as ``ImageOps.exif_transpose`` does."""
    ops = {
        2: lambda x: x[:, ::-1],
        3: lambda x: x[::-1, ::-1],
        4: lambda x: x[::-1],
        5: lambda x: x.swapaxes(0, 1),
        6: lambda x: np.rot90(x, -1),
        7: lambda x: x.swapaxes(0, 1)[::-1, ::-1],
        8: lambda x: np.rot90(x, 1),
    }
    op = ops.get(orientation)
    return a if op is None else np.ascontiguousarray(op(a))


def _valid_orientation(value: object) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _pil_orientation(im: ImageFile.ImageFile) -> int:
    try:
        exif = Image.Exif()
        if im.info.get("exif"):
            exif.load(im.info["exif"])
        elif im.format != "PNG" or not im.tile:  # an unloaded PNG's getexif() decodes the pixels
            exif = im.getexif()
        return _valid_orientation(exif.get(_ORIENTATION, 1))
    except Exception:  # unreadable EXIF must not make the image unreadable
        return 1


# --------------------------------------------------------------------------- metadata


class _Meta(NamedTuple):
    icc: bytes | None = None
    exif: bytes | None = None  # orientation already reset to 1
    orientation: int = 1
    dpi: tuple[float, float] | None = None


def _tiff_metadata(path: Path) -> _Meta:
    """ICC, EXIF (rebuilt from IFD0's photo tags and sub-IFDs), orientation and dpi of a TIFF."""
    try:
        with open(path, "rb") as fp:
            tags = Image.Exif()
            tags.load_from_fp(fp)
            exif = Image.Exif()
            for tag in EXIF_IFD0_TAGS:
                if isinstance(tags.get(tag), str):
                    exif[tag] = tags[tag]
            for pointer, sub in exif_sub_ifds(tags).items():
                exif[pointer] = sub
            icc = tags.get(_ICC_TAG)
            unit = 2.54 if tags.get(296) == 3 else 1.0  # ResolutionUnit: 3 = centimetre
            return _Meta(icc if isinstance(icc, bytes) and icc else None,
                         exif.tobytes() if len(exif) else None,
                         _valid_orientation(tags.get(_ORIENTATION, 1)),
                         valid_dpi((tags.get(282, 0) * unit, tags.get(283, 0) * unit)))
    except Exception:  # metadata is best effort
        return _Meta()


def _pil_metadata(im: ImageFile.ImageFile) -> _Meta:
    exif = normalize_exif(im.info.get("exif"))
    return _Meta(im.info.get("icc_profile") or None, exif and reset_exif_orientation(exif),
                 _pil_orientation(im), valid_dpi(im.info.get("dpi")))


def valid_dpi(dpi: Any) -> tuple[float, float] | None:
    """``dpi`` as (x, y) rounded to 0.01 when both are positive numbers, else None."""
    try:
        x, y = (round(float(v), 2) for v in dpi)  # PNG stores dots per metre: 299.9994 -> 300
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return (x, y) if x > 0 and y > 0 else None


def _buffer(pixels: np.ndarray, bits: int, meta: _Meta, source_format: str, mode: str,
            raw: RawData | None = None, **info) -> ImageBuffer:
    """The ImageBuffer for decoded (not yet oriented) ``pixels``."""
    info = {"mode": mode, "orientation": meta.orientation, **info}
    if meta.dpi:
        info["dpi"] = meta.dpi
    return ImageBuffer.from_array(_orient(pixels, meta.orientation), bit_depth=bits,
                                  icc_profile=meta.icc, exif=meta.exif,
                                  source_format=source_format, info=info, raw=raw)


# --------------------------------------------------------------------------- decoding


def _load_image(path: Path) -> ImageBuffer:
    try:
        im = _open(path)
    except ImageReadError:
        if _is_tiff(path):  # e.g. 16-bit gray+alpha or float RGB, which Pillow can't open
            return _load_tiff_only(path)
        raise
    with im:
        pixels, bits, mode = _decode(path, im)
        meta = _tiff_metadata(path) if im.format == "TIFF" else _pil_metadata(im)
        if mode in ("CMYK", "LAB"):
            meta = meta._replace(icc=None)  # the pixels were converted to sRGB
        return _buffer(pixels, bits, meta, im.format or "", mode)


def _decode(path: Path, im: ImageFile.ImageFile) -> tuple[np.ndarray, int, str]:
    """Pixels, their bit depth and the file's colour mode, without losing precision."""
    if im.format == "TIFF" and _source_bits(im) == 16 and im.mode not in _GRAY16_MODES | {"I", "F"}:
        pixels, bits = _tiff_pixels(path)
        return pixels, bits, _mode_name(pixels, bits)
    if im.format == "PNG" and _tile_rawmode(im) in _PNG16_LOW_RAWMODES:
        pixels = _png16_pixels(path, im)
        return pixels, 16, _mode_name(pixels, 16)
    im.load()
    pixels, bits = _pil_pixels(im)
    return pixels, bits, im.mode


def _mode_name(pixels: np.ndarray, bits: int) -> str:
    name = _CHANNEL_MODES[pixels.shape[2] if pixels.ndim == 3 else 1]
    return f"{name};16" if bits == 16 else name


def _source_bits(im: ImageFile.ImageFile) -> int:
    """Bits per channel of the file (Pillow may decode fewer)."""
    if im.mode in _GRAY16_MODES or im.mode in ("I", "F"):
        return 16
    if isinstance(im, TiffImageFile):
        bps = im.tag_v2.get(258, 8)
        return 16 if max(bps if isinstance(bps, tuple) else (bps,)) > 8 else 8
    if im.format == "PNG" and _tile_rawmode(im).endswith(";16B"):
        return 16
    return 8


def _tile_rawmode(im: ImageFile.ImageFile) -> str:
    if not im.tile:
        return ""
    args = im.tile[0][3]
    return args if isinstance(args, str) else str(args[0]) if args else ""


def _pil_pixels(im: Image.Image) -> tuple[np.ndarray, int]:
    """Pixels of a loaded Pillow image as uint8/uint16/float arrays (H x W [x 2|3|4])."""
    mode = im.mode
    if mode in _GRAY16_MODES:
        return np.asarray(im).astype(np.uint16), 16
    if mode == "I":
        return np.clip(np.asarray(im), 0, 65535).astype(np.uint16), 16
    if mode == "F":
        return np.clip(np.asarray(im), 0.0, 1.0).astype(np.float32), 16
    if mode in ("CMYK", "LAB"):
        return _to_srgb(im), 8
    if mode in ("1", "L", "P", "RGB") and im.has_transparency_data:
        rgba = np.asarray(im.convert("RGBA"))
        return (rgba[..., [0, 3]] if mode in ("1", "L") else rgba), 8
    im = im.convert(_SIMPLE_CONVERSIONS[mode]) if mode in _SIMPLE_CONVERSIONS else im
    if im.mode not in ("L", "LA", "RGB", "RGBA"):
        raise _Unreadable(f"its colour mode ({mode}) is not supported")
    return np.asarray(im), 8


def _to_srgb(im: Image.Image) -> np.ndarray:
    """CMYK or LAB to sRGB: through the embedded profile when LittleCMS can, else Pillow's formula."""
    icc = im.info.get("icc_profile")
    if ImageCms is not None:
        try:
            if im.mode == "LAB":
                source: ImageCms.ImageCmsProfile | None = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
            else:
                source = ImageCms.ImageCmsProfile(io.BytesIO(icc)) if icc else None
            if source is not None:
                rgb = ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"),
                                                renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB")
                return np.asarray(rgb)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to the plain conversion
    if im.mode == "LAB":
        raise _Unreadable("LAB images need LittleCMS, which this Pillow lacks")
    return np.asarray(im.convert("RGB"))


def _png16_pixels(path: Path, im: ImageFile.ImageFile) -> np.ndarray:
    """16-bit colour PNG: Pillow decodes high bytes, a second pass unpacks the low bytes."""
    rawmode = _tile_rawmode(im)
    im.load()  # high bytes; also reads chunks after IDAT (late eXIf)
    with Image.open(path) as low:
        # plain tuples: Pillow < 11 has no ImageFile._Tile
        low.tile = [(t[0], t[1], t[2], _PNG16_LOW_RAWMODES[rawmode]) for t in low.tile]  # type: ignore[misc]
        low.load()
        lo = np.asarray(low)
    hi = np.asarray(im)
    if rawmode == "LA;16B":  # lo holds the four bytes L_hi, L_lo, A_hi, A_lo
        pairs = lo.reshape(*lo.shape[:2], 2, 2).astype(np.uint16)
        return (pairs[..., 0] << 8) | pairs[..., 1]
    return (hi.astype(np.uint16) << 8) | lo


def _tiff_pixels(path: Path) -> tuple[np.ndarray, int]:
    """Pixels of a TIFF's first page through tifffile (any bit depth, gray/RGB/CMYK)."""
    import tifffile

    with tifffile.TiffFile(path) as tf:
        page = tf.pages.first
        _check_pixels(Size(int(page.imagewidth), int(page.imagelength)))
        a = page.asarray()
        if a.ndim == 3 and page.axes.startswith("S"):  # planar: samples first
            a = np.moveaxis(a, 0, -1)
        photometric, bps = int(page.photometric), int(page.bitspersample)
    a, bits = _normalize_dtype(a, bps)
    if photometric == 5:  # SEPARATED (CMYK)
        return _cmyk_array_to_rgb(a), bits
    if photometric == 0:  # MINISWHITE
        a = (1.0 - a) if a.dtype.kind == "f" else np.iinfo(a.dtype).max - a
    if photometric not in (0, 1, 2):
        raise _Unreadable(f"its TIFF colour model ({photometric}) is not supported")
    return (a[..., : (4 if photometric == 2 else 2)] if a.ndim == 3 else a), bits


def _normalize_dtype(a: np.ndarray, bps: int) -> tuple[np.ndarray, int]:
    """uint8/uint16 using their full range, or float32 in [0, 1]; with the bit depth to record."""
    if a.dtype.kind == "b":
        a, bps = a.astype(np.uint8), 1
    if a.dtype.kind == "f":
        return np.clip(a, 0.0, 1.0).astype(np.float32), 16
    if a.dtype.kind not in "ui":
        raise _Unreadable(f"its sample type ({a.dtype}) is not supported")
    bits = 8 if a.dtype.itemsize == 1 else 16
    full = np.iinfo(a.dtype).max
    peak = full if a.dtype.kind == "i" else min(2 ** bps - 1, full)
    if a.dtype in (np.uint8, np.uint16) and peak == full:
        return a, bits
    return np.clip(a.astype(np.float32) / np.float32(peak), 0.0, 1.0), bits


def _cmyk_array_to_rgb(a: np.ndarray) -> np.ndarray:
    f = a.astype(np.float32) / (1.0 if a.dtype.kind == "f" else float(np.iinfo(a.dtype).max))
    return ((1.0 - f[..., :3]) * (1.0 - f[..., 3:4])).astype(np.float32)


def _load_tiff_only(path: Path) -> ImageBuffer:
    pixels, bits = _tiff_pixels(path)
    return _buffer(pixels, bits, _tiff_metadata(path), "TIFF", _mode_name(pixels, bits))


def _probe_tiff(path: Path) -> ImageProbe:
    import tifffile

    try:
        with tifffile.TiffFile(path) as tf:
            page = tf.pages.first
            size = Size(int(page.imagewidth), int(page.imagelength))
            bits = 16 if int(page.bitspersample) > 8 else 8
            mode = _CHANNEL_MODES.get(int(page.samplesperpixel), "RGB")
            orientation = _valid_orientation(int(getattr(page, "orientation", 1) or 1))
    except Exception as exc:
        raise ImageReadError(_message(path, _reason(exc))) from exc
    return ImageProbe(_oriented(size, orientation), "TIFF", mode, bits)


# --------------------------------------------------------------------------- camera raw


def _rawpy(path: Path):
    try:
        import rawpy
    except ImportError as exc:
        raise _Unreadable("camera raw support needs the 'rawpy' package, which is not installed") from exc
    return rawpy


def open_raw(path: str | Path) -> Any:
    """The camera raw ``path`` opened by LibRaw (a ``rawpy.RawPy``, to use as a context manager);
    any failure raises :class:`ImageReadError`."""
    path = Path(path)
    try:
        _check_file(path)
        return _open_raw(path)
    except ImageReadError:
        raise
    except Exception as exc:
        raise ImageReadError(_message(path, _reason(exc))) from exc


def _open_raw(path: Path):
    """``rawpy.imread(path)`` with LibRaw's failures in plain words (a file whose content is not a
    known raw may still be an ordinary image: :class:`_NotRaw`)."""
    rawpy = _rawpy(path)
    try:
        return rawpy.imread(str(path))
    except rawpy.LibRawFileUnsupportedError as exc:
        if core_raw.sniff(path) is None:
            raise _NotRaw from exc
        raise ImageReadError(_message(
            path, "it is a camera raw file that LibRaw cannot read (an unknown camera or format, or a "
                  "damaged file); its small embedded preview is not opened in its place")) from exc
    except rawpy.LibRawError as exc:
        raise _libraw_failed(path, exc) from exc


def _libraw_failed(path: Path, exc: Exception) -> ImageReadError:
    return ImageReadError(_message(path, f"the camera raw file is damaged or LibRaw cannot read it ({exc})"))


class _NotRaw(Exception):
    """Internal: LibRaw does not know the file and its content does not say it is a raw."""


def _load_raw(path: Path, options: DevelopOptions) -> ImageBuffer:
    """Develop a camera raw (:func:`photoai.core.raw.develop`) into a 16-bit sRGB buffer.

    A file LibRaw does not know, whose content does not say it is a raw (only its extension
    did), is tried as an ordinary image. EXIF is taken from the raw's TIFF structure when it has one.
    The sensor data is kept as the buffer's ``raw`` (:class:`~photoai.core.raw.RawData`), or
    ``info["raw_unsupported"]`` says why there is none.
    """
    rawpy = _rawpy(path)
    try:
        with _open_raw(path) as raw:
            _check_pixels(Size(raw.sizes.width, raw.sizes.height))
            developed, raw_type = core_raw.develop(raw, options), raw.raw_type.name.lower()
            sensor, unsupported = _sensor_data(raw, path)
    except _NotRaw as exc:
        return _load_unknown_raw(path, exc)
    except ParamError as exc:  # options this raw does not allow
        raise ImageReadError(_message(path, str(exc))) from exc
    except rawpy.LibRawError as exc:
        raise _libraw_failed(path, exc) from exc
    meta = _Meta(exif=_tiff_metadata(path).exif) if _is_tiff(path) else _Meta()
    suffix = path.suffix.lower()
    family = suffix.lstrip(".") if suffix in RAW_EXTENSIONS else core_raw.raw_format(path) or ""
    extra = {"raw_unsupported": unsupported} if unsupported else {}
    return _buffer(developed.rgb, 16, meta, "RAW", "RGB", sensor, raw_type=raw_type, raw_format=family,
                   raw_develop=developed.record(), **extra)


def _sensor_data(raw: Any, path: Path) -> tuple[RawData | None, str | None]:
    """(sensor data, None), or (None, why there is none)."""
    try:
        return core_raw.sensor_data(raw, path.resolve()), None
    except UnsupportedRaw as exc:
        return None, str(exc)


def _load_unknown_raw(path: Path, exc: Exception) -> ImageBuffer:
    try:
        return _load_image(path)
    except Exception:
        raise ImageReadError(_message(
            path, "LibRaw does not support this camera raw file (unknown camera or format, "
                  "or a damaged file)")) from exc


def _probe_raw(path: Path) -> ImageProbe:
    with _open_raw(path) as raw:
        size = Size(raw.sizes.width, raw.sizes.height)
        flip = raw.sizes.flip
    return ImageProbe(Size(size.height, size.width) if flip in (5, 6) else size, "RAW", "RGB", 16)

