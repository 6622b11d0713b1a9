"""Camera raw: telling a raw from an ordinary image by its content, and developing it.

- :func:`sniff` decides by the file's bytes (never its name): raw signatures (CR3, RAF, ORF, RW2, CRW,
  MRW, X3F, CR2) and, inside TIFF containers, the tags a raw has (DNGVersion, a reduced-resolution
  first image, CFA or LinearRaw data in a SubIFD).
- :class:`DevelopOptions` are what the user chooses: exposure (automatic like LibRaw's default
  auto-brightening, plus an EV offset) and white balance (as shot, auto, daylight, or a custom
  temperature + tint).
- :func:`develop` turns an open ``rawpy.RawPy`` (or anything with the same attributes) into sRGB
  pixels. LibRaw does the camera work (black level, white balance, demosaicing, colour matrix to
  linear sRGB) at 16 bits without a tone curve; exposure and the sRGB tone curve are applied here, so
  the applied exposure is known and recorded. A film scanner's "raw" (no sensor mosaic, no colour
  matrix) already holds the image: its samples are taken as they are (only exposure applies).
- :func:`plausible_white_level` corrects white levels that the data contradicts (LibRaw reports 255
  for a Nikon film scanner's 16-bit samples).
- :class:`RawData` is the sensor data kept next to the developed image for plugins that work on the
  mosaic (:func:`sensor_data`; :class:`UnsupportedRaw` says why a file has none), and
  :func:`render_mosaic` is the one standard rendering of a mosaic (camera white balance, sRGB, no
  auto-brightening, the file's white level and orientation).

Temperature and tint name the light to neutralise, as in DNG/Lightroom: a point on the Planckian locus
(Krystek's approximation, CIE 1960 uv), moved perpendicular to it by ``tint / 3000`` towards green;
so a positive tint corrects a greenish light and turns the photo towards magenta (daylight is about
+10, fluorescent tubes more).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol

import numpy as np

from photoai.core.color import linear_to_srgb, srgb_to_linear
from photoai.core.errors import ParamError, PhotoAIError

WhiteBalance = Literal["as_shot", "auto", "daylight", "custom"]
RawKind = Literal["camera", "scan"]

#: White balance choices and how they read.
WHITE_BALANCES: dict[str, str] = {"as_shot": "as shot", "auto": "auto", "daylight": "daylight",
                                  "custom": "custom"}
EXPOSURE_RANGE = (-5.0, 5.0)  # EV
TEMPERATURE_RANGE = (2000.0, 15000.0)  # K
TINT_RANGE = (-150.0, 150.0)
#: LibRaw's auto-brightening: this share of the brightest pixels of any channel may clip.
AUTO_BRIGHT_THRESHOLD = 0.01
#: A reported white level the data exceeds by more than this factor is not believed.
WHITE_LEVEL_SLACK = 1.5

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
#: Signatures of raws that are not plain TIFF containers: (offset, bytes, format).
_RAW_SIGNATURES = (
    (4, b"ftypcrx ", "cr3"), (0, b"FUJIFILMCCD-RAW", "raf"), (0, b"IIRO", "orf"), (0, b"IIRS", "orf"),
    (0, b"MMOR", "orf"), (0, b"IIU\x00", "rw2"), (6, b"HEAPCCDR", "crw"), (0, b"\x00MRM", "mrw"),
    (0, b"FOVb", "x3f"), (0, b"ARRI\x12\x34\x56\x78", "ari"),
)
#: Signatures of ordinary images (an ISO media file other than CR3 is HEIF/AVIF, not a raw).
_IMAGE_SIGNATURES = (
    (0, b"\xff\xd8\xff"), (0, b"\x89PNG"), (0, b"GIF8"), (0, b"BM"), (8, b"WEBP"), (4, b"ftyp"),
    (0, b"\x00\x00\x00\x0cjP  "), (0, b"\xff\x4f\xff\x51"),
)
_PNM = frozenset(b"P%d" % i for i in range(1, 8))
_NEW_SUBFILE_TYPE, _PHOTOMETRIC, _SUB_IFDS, _DNG_VERSION = 254, 262, 330, 50706
_RAW_PHOTOMETRIC = frozenset({32803, 34892})  # CFA, LinearRaw
_MAX_IFD_ENTRIES = 4096

# Linear sRGB (D65) from CIE XYZ, IEC 61966-2-1.
_XYZ_TO_SRGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                         [-0.9692660, 1.8760108, 0.0415560],
                         [0.0556434, -0.2040259, 1.0572252]])
_TINT_SCALE = 3000.0  # tint units per unit of uv distance from the locus


class RawImage(Protocol):
    """What :func:`develop` and :func:`facts` use of a ``rawpy.RawPy``."""

    raw_type: Any
    sizes: Any
    white_level: int
    black_level_per_channel: Any
    raw_image_visible: np.ndarray
    tone_curve: np.ndarray
    color_matrix: np.ndarray
    daylight_whitebalance: Any
    camera_whitebalance: Any
    num_colors: int
    color_desc: bytes
    raw_pattern: np.ndarray | None
    rgb_xyz_matrix: np.ndarray
    other: Any

    def postprocess(self, **kwargs: Any) -> np.ndarray: ...


# --------------------------------------------------------------------------- content sniffing


def sniff(path: str | Path) -> bool | None:
    """True when ``path``'s content is a camera raw, False when it is an ordinary image, None when the
    content does not say (then only LibRaw or the extension can)."""
    family = raw_format(path)
    return None if family is None else bool(family)


def raw_format(path: str | Path) -> str | None:
    """The raw family by content (``"cr3"``, ``"dng"``, ``"tiff"`` for other TIFF-based raws, ...),
    ``""`` for an ordinary image, None when unknown."""
    try:
        with open(path, "rb") as fp:
            head = fp.read(64)
            if head[:4] in _TIFF_MAGIC:
                return _tiff_raw_format(fp, head)
    except OSError:
        return None
    for offset, magic, family in _RAW_SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return family
    if any(head[offset:offset + len(magic)] == magic for offset, magic in _IMAGE_SIGNATURES):
        return ""
    if head[:2] in _PNM and head[2:3].isspace():
        return ""
    return None


def _tiff_raw_format(fp: BinaryIO, head: bytes) -> str | None:
    """"dng", "cr2" or "tiff" for a TIFF-based raw, "" for a plain TIFF, None when unreadable."""
    if head[8:10] == b"CR":
        return "cr2"
    order = "<" if head[:2] == b"II" else ">"
    ifd0 = _read_ifd(fp, order, struct.unpack_from(order + "I", head, 4)[0])
    if ifd0 is None:
        return None
    if _DNG_VERSION in ifd0:
        return "dng"
    # IFD0 a reduced-resolution image: the photo is elsewhere (NEF, ARW, PEF...): Pillow would open the preview
    if (ifd0.get(_NEW_SUBFILE_TYPE) or [0])[0] & 1:
        return "tiff"
    subs = [ifd0] + [_read_ifd(fp, order, offset) or {} for offset in ifd0.get(_SUB_IFDS, [])[:16]]
    if any(set(ifd.get(_PHOTOMETRIC, [])) & _RAW_PHOTOMETRIC for ifd in subs):
        return "tiff"
    return ""


def _read_ifd(fp: BinaryIO, order: str, offset: int) -> dict[int, list[int]] | None:
    """The tags of the IFD at ``offset`` with their integer values (other types: no values)."""
    try:
        fp.seek(offset)
        (count,) = struct.unpack(order + "H", fp.read(2))
        if count > _MAX_IFD_ENTRIES:
            return None
        data = fp.read(12 * count)
        tags: dict[int, list[int]] = {}
        for i in range(count):
            tag, kind, n = struct.unpack_from(order + "HHI", data, 12 * i)
            size = {3: 2, 4: 4, 13: 4}.get(kind)
            if size is None or n > 64:
                tags[tag] = []
                continue
            raw = data[12 * i + 8:12 * i + 12]
            if size * n > 4:
                here = fp.tell()
                fp.seek(struct.unpack(order + "I", raw)[0])
                raw = fp.read(size * n)
                fp.seek(here)
            tags[tag] = list(struct.unpack(order + ("H" if size == 2 else "I") * n, raw[:size * n]))
        return tags
    except (struct.error, OSError, ValueError):
        return None


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class DevelopOptions:
    """How to develop a raw. ``exposure`` (EV) adds to the automatic exposure when ``auto_exposure``
    is on (LibRaw's default brightness), else to the exposure as shot. ``temperature`` (K) and
    ``tint`` apply to the ``"custom"`` white balance only."""

    auto_exposure: bool = True
    exposure: float = 0.0
    white_balance: WhiteBalance = "as_shot"
    temperature: float = 5500.0
    tint: float = 0.0

    def __post_init__(self) -> None:
        _within("exposure", self.exposure, EXPOSURE_RANGE, "EV")
        _within("temperature", self.temperature, TEMPERATURE_RANGE, "K")
        _within("tint", self.tint, TINT_RANGE, "")
        if self.white_balance not in WHITE_BALANCES:
            raise ParamError("white_balance", f"unknown white balance '{self.white_balance}' "
                                              f"(one of: {', '.join(WHITE_BALANCES)})")

    @staticmethod
    def keys() -> tuple[str, ...]:
        return tuple(f.name for f in fields(DevelopOptions))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> DevelopOptions:
        """Options from stored or typed values (strings are parsed); unknown keys are errors."""
        known = cls.keys()
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                raise ParamError(key, f"unknown raw develop option (known: {', '.join(known)})")
            if key == "auto_exposure":
                out[key] = _as_bool(key, value)
            elif key == "white_balance":
                out[key] = str(value).strip().lower().replace("-", "_").replace(" ", "_")
            else:
                try:
                    out[key] = float(value)
                except (TypeError, ValueError):
                    raise ParamError(key, f"'{value}' is not a number") from None
        return cls(**out)


def _within(key: str, value: float, bounds: tuple[float, float], unit: str) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ParamError(key, f"'{value}' is not a number")
    lo, hi = bounds
    if not lo <= value <= hi:
        raise ParamError(key, f"{value:g} is outside {lo:g} to {hi:g}{' ' + unit if unit else ''}")


def _as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ParamError(key, f"'{value}' is not on/off")


# --------------------------------------------------------------------------- what a raw allows


@dataclass(frozen=True)
class RawFacts:
    """What a raw allows: ``kind`` ``"camera"`` (developed by LibRaw) or ``"scan"`` (samples that are
    already an image: exposure only); ``as_shot``: the camera white balance as (temperature, tint)
    when the colour matrix allows computing it; ``can_set_temperature``: custom white balance works."""

    kind: RawKind
    as_shot: tuple[float, float] | None = None
    can_set_temperature: bool = False

    def applicable(self, options: DevelopOptions) -> DevelopOptions:
        """``options`` reduced to what this raw allows (a scan: its exposure only)."""
        if self.kind == "scan":
            return DevelopOptions(auto_exposure=False, exposure=options.exposure)
        if options.white_balance == "custom" and not self.can_set_temperature:
            raise ParamError("white_balance", "a custom temperature needs the camera's colour matrix, "
                                              "which LibRaw does not have for this file")
        return options


def facts(raw: RawImage) -> RawFacts:
    """What ``raw`` allows, from its headers (the sensor data is not read)."""
    rgb_cam, pre_mul = _color_data(raw)
    flat = str(raw.raw_type.name).lower() == "flat"
    if not flat and rgb_cam is None:
        return RawFacts("scan")
    if rgb_cam is None or pre_mul is None or int(raw.num_colors) != 3:
        return RawFacts("camera")
    cam_mul = np.asarray(raw.camera_whitebalance, np.float64)[:3]
    as_shot = multipliers_to_temperature(cam_mul, rgb_cam, pre_mul) if np.all(cam_mul > 0) else None
    return RawFacts("camera", as_shot, True)


def _color_data(raw: RawImage) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(camera -> linear sRGB matrix, daylight multipliers), each None when the file lacks it."""
    rgb_cam = np.asarray(raw.color_matrix, np.float64)[:3, :3]
    pre_mul = np.asarray(raw.daylight_whitebalance, np.float64)[:3]
    ok_matrix = bool(np.any(rgb_cam)) and abs(np.linalg.det(rgb_cam)) > 1e-9
    return (rgb_cam if ok_matrix else None), (pre_mul if np.all(pre_mul > 0) else None)


# --------------------------------------------------------------------------- white level


def plausible_white_level(reported: int, data_max: int, curve_at_white: int | None = None) -> int:
    """The white level to develop with. ``reported`` stands unless the data exceeds it by more than
    :data:`WHITE_LEVEL_SLACK`; then the file's tone curve at ``reported`` (``curve_at_white``) when
    that covers the data, else the smallest 8- to 16-bit full scale that does."""
    if data_max <= reported * WHITE_LEVEL_SLACK:
        return int(reported)
    if curve_at_white is not None and curve_at_white >= data_max:
        return int(curve_at_white)
    return next((2 ** bits - 1 for bits in range(8, 17) if 2 ** bits - 1 >= data_max), 65535)


def _white_levels(raw: RawImage) -> tuple[int, int]:
    """(reported, plausible) white level of ``raw``."""
    reported = int(raw.white_level)
    curve = getattr(raw, "tone_curve", None)
    curve_at = int(curve[reported]) if curve is not None and 0 <= reported < len(curve) else None
    return reported, plausible_white_level(reported, int(np.max(raw.raw_image_visible)), curve_at)


# --------------------------------------------------------------------------- developing


@dataclass(frozen=True)
class Developed:
    """A developed raw: ``rgb`` (HxWx3 float32 sRGB in [0, 1]), the ``options`` as applied, the total
    ``exposure`` applied (EV, automatic part included), the white levels and what the raw allows."""

    rgb: np.ndarray
    options: DevelopOptions
    exposure: float
    white_level: int
    reported_white_level: int
    facts: RawFacts

    def record(self) -> dict[str, Any]:
        """What is kept on the image (``ImageBuffer.info["raw_develop"]``)."""
        return {**self.options.to_dict(), "exposure_applied": self.exposure, "kind": self.facts.kind,
                "as_shot": list(self.facts.as_shot) if self.facts.as_shot else None,
                "white_level": self.white_level, "reported_white_level": self.reported_white_level}

    def describe(self) -> str:
        return describe(self.record())


def describe(record: Mapping[str, Any]) -> str:
    """One line for a :meth:`Developed.record`, e.g. ``auto exposure +0.99 EV, white balance as shot
    (4850 K, tint +3)``."""
    ev = _ev(float(record["exposure_applied"]))
    if record.get("kind") == "scan":
        return f"film scan, exposure {ev} EV"
    exposure = f"auto exposure {ev} EV" if record["auto_exposure"] else f"exposure {ev} EV"
    wb = str(record["white_balance"])
    if wb == "custom":
        balance = f"custom ({_temperature(record['temperature'], record['tint'])})"
    elif wb == "as_shot" and record.get("as_shot"):
        balance = f"as shot ({_temperature(*record['as_shot'])})"
    else:
        balance = WHITE_BALANCES[wb]
    return f"{exposure}, white balance {balance}"


def _ev(value: float) -> str:
    text = f"{value:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def _temperature(t: float, tint: float) -> str:
    return f"{t:.0f} K, tint {tint:+.0f}"


def develop(raw: RawImage, options: DevelopOptions) -> Developed:
    """Develop ``raw`` with ``options`` (reduced to what the raw allows, see :meth:`RawFacts.applicable`)."""
    what = facts(raw)
    options = what.applicable(options)
    reported, white = _white_levels(raw)
    if what.kind == "scan":
        rgb = _scan_pixels(raw, white, options.exposure)
        return Developed(_apply_flip(rgb, int(raw.sizes.flip)), options, options.exposure, white, reported, what)
    kwargs: dict[str, Any] = {"output_bps": 16, "gamma": (1, 1), "no_auto_bright": True,
                              **_white_balance_kwargs(raw, options)}
    if white != reported:
        kwargs["user_sat"] = white
    linear = raw.postprocess(**kwargs)
    ev = options.exposure + (auto_exposure(linear) if options.auto_exposure else 0.0)
    return Developed(_encode_lut(2.0 ** ev)[linear], options, ev, white, reported, what)


def _white_balance_kwargs(raw: RawImage, options: DevelopOptions) -> dict[str, Any]:
    wb = options.white_balance
    out: dict[str, Any] = {"use_camera_wb": wb == "as_shot", "use_auto_wb": wb == "auto"}
    if wb == "custom":
        rgb_cam, pre_mul = _color_data(raw)
        assert rgb_cam is not None and pre_mul is not None  # checked by RawFacts.applicable
        r, g, b = temperature_to_multipliers(options.temperature, options.tint, rgb_cam, pre_mul)
        out["user_wb"] = [float(r), float(g), float(b), float(g)]
    return out


def auto_exposure(linear: np.ndarray) -> float:
    """LibRaw's auto-brightening as EV (>= 0, to 0.01): per channel, the level that the brightest
    :data:`AUTO_BRIGHT_THRESHOLD` of the pixels exceed (16-bit ``linear``, histogram of 8192 bins);
    the highest of these becomes white."""
    count = linear.shape[0] * linear.shape[1] * AUTO_BRIGHT_THRESHOLD
    top = 32
    for c in range(linear.shape[2]):
        hist = np.bincount((linear[..., c] >> 3).ravel(), minlength=0x2000)
        above = np.cumsum(hist[::-1])  # above[i]: pixels in bin 0x1fff - i and the bins above it
        exceeding = np.flatnonzero(above > count)
        if exceeding.size:
            top = max(top, 0x1FFF - int(exceeding[0]))
    return round(max(0.0, math.log2(65535.0 / (top << 3))), 2)


def _scan_pixels(raw: RawImage, white: int, ev: float) -> np.ndarray:
    """A scan's RGB samples (its extra infrared channel dropped) in [0, 1], with ``ev`` applied in
    linear light (the samples are taken as sRGB-encoded)."""
    samples = raw.raw_image_visible[..., :3]
    black = np.asarray(raw.black_level_per_channel, np.float64)[:3]
    codes = np.arange(65536, dtype=np.float64)
    out = np.empty(samples.shape, np.float32)
    for c in range(3):
        values = np.clip((codes - black[c]) / max(white - black[c], 1.0), 0.0, 1.0)
        if ev:
            values = linear_to_srgb(np.minimum(srgb_to_linear(values) * 2.0 ** ev, 1.0))
        out[..., c] = values.astype(np.float32)[samples[..., c]]
    return out


def _apply_flip(a: np.ndarray, flip: int) -> np.ndarray:
    """LibRaw's orientation (``sizes.flip``: 3 = 180, 5 = 90 counter-clockwise, 6 = 90 clockwise)."""
    turns = {3: 2, 5: 1, 6: -1}.get(flip, 0)
    return np.ascontiguousarray(np.rot90(a, turns)) if turns else a


def _encode_lut(gain: float) -> np.ndarray:
    """float32 sRGB value of each 16-bit linear code multiplied by ``gain`` (clipped at white)."""
    return linear_to_srgb(np.minimum(np.arange(65536, dtype=np.float64) * (gain / 65535.0), 1.0)).astype(np.float32)


# --------------------------------------------------------------------------- temperature and tint


def temperature_to_multipliers(temperature: float, tint: float, rgb_cam: np.ndarray,
                               pre_mul: np.ndarray) -> np.ndarray:
    """Camera white-balance multipliers (R, G, B; G = 1) that make the light of ``temperature`` and
    ``tint`` neutral. ``rgb_cam`` maps daylight-balanced camera RGB to linear sRGB (LibRaw's
    ``color_matrix``), ``pre_mul`` are the daylight multipliers."""
    return _multipliers(np.array([float(temperature)]), np.array([float(tint)]), rgb_cam, pre_mul)[0]


def multipliers_to_temperature(multipliers: np.ndarray, rgb_cam: np.ndarray,
                               pre_mul: np.ndarray) -> tuple[float, float]:
    """The (temperature, tint) whose multipliers are closest to ``multipliers`` (clamped to the
    allowed ranges), to 1 K and 0.1 tint."""
    target = np.log(np.asarray(multipliers, np.float64)[[0, 2]] / float(multipliers[1]))
    mired_range = (1e6 / TEMPERATURE_RANGE[1], 1e6 / TEMPERATURE_RANGE[0])
    mired, tint = np.linspace(*mired_range, 300), np.linspace(*TINT_RANGE, 151)
    for _ in range(3):  # a coarse grid, then two finer ones around the best point
        m, t = np.meshgrid(mired, tint, indexing="ij")
        mult = _multipliers(1e6 / m.ravel(), t.ravel(), rgb_cam, pre_mul)
        with np.errstate(invalid="ignore", divide="ignore"):
            err = np.sum((np.log(mult[:, [0, 2]]) - target) ** 2, axis=1)
        best = int(np.nanargmin(np.where(np.isfinite(err), err, np.nan)))
        bm, bt = m.ravel()[best], t.ravel()[best]
        dm, dt = 3 * (mired[1] - mired[0]), 3 * (tint[1] - tint[0])
        mired = np.linspace(max(bm - dm, mired_range[0]), min(bm + dm, mired_range[1]), 61)
        tint = np.linspace(max(bt - dt, TINT_RANGE[0]), min(bt + dt, TINT_RANGE[1]), 61)
    return float(round(1e6 / bm)), round(float(bt), 1)


def _multipliers(temperature: np.ndarray, tint: np.ndarray, rgb_cam: np.ndarray,
                 pre_mul: np.ndarray) -> np.ndarray:
    """Vectorised :func:`temperature_to_multipliers`: N temperatures and tints -> N x 3."""
    u, v = _planck_uv(temperature)
    u2, v2 = _planck_uv(temperature * 1.001)
    nu, nv = -(v2 - v), u2 - u  # perpendicular to the locus
    norm = np.hypot(nu, nv)
    flip = np.where(nv < 0, -1.0, 1.0) / norm  # towards +v: green
    duv = tint / _TINT_SCALE
    u, v = u + duv * nu * flip, v + duv * nv * flip
    d = 2 * u - 8 * v + 4
    x, y = 3 * u / d, 2 * v / d
    xyz = np.stack([x / y, np.ones_like(x), (1 - x - y) / y], axis=1)
    camera = xyz @ _XYZ_TO_SRGB.T @ np.linalg.inv(rgb_cam).T  # balanced camera RGB of the light
    with np.errstate(divide="ignore", invalid="ignore"):
        mult = np.asarray(pre_mul, np.float64)[:3] / camera
        return mult / mult[:, 1:2]


def _planck_uv(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CIE 1960 uv of a black body at ``t`` K (Krystek 1985, 1000-15000 K)."""
    u = (0.860117757 + 1.54118254e-4 * t + 1.28641212e-7 * t ** 2) / (1 + 8.42420235e-4 * t + 7.08145163e-7 * t ** 2)
    v = (0.317398726 + 4.22806245e-5 * t + 4.20481691e-8 * t ** 2) / (1 - 2.89741816e-5 * t + 1.61456053e-7 * t ** 2)
    return u, v


# --------------------------------------------------------------------------- sensor data

#: The 2x2 Bayer tiles a :class:`RawData` can hold, in raster order from the top-left photosite.
BAYER_PATTERNS = ("RGGB", "BGGR", "GRBG", "GBRG")


class UnsupportedRaw(PhotoAIError):
    """A camera raw whose sensor data is not a 2x2 Bayer mosaic; the message is the reason
    (``"not supported: X-Trans sensor"``)."""


@dataclass(frozen=True, eq=False)
class RawData:
    """The sensor data of an opened camera raw, for plugins that work on the mosaic.

    ``mosaic``: uint16 HxW, the visible area as stored (not rotated; black level included).
    ``pattern``: the top-left 2x2 tile in raster order (one of :data:`BAYER_PATTERNS`). ``black``: the
    black level of each photosite of that tile, in the same raster order. ``white``: the white level.
    ``wb``: the camera's white-balance multipliers (R, G, B), G = 1. ``cam_to_srgb``: camera RGB to
    linear sRGB (LibRaw's ``color_matrix``), ``xyz_to_cam``: CIE XYZ to camera RGB (the file's or
    LibRaw's table), each 3x3 or None when unknown. ``iso``, ``shutter`` (seconds): None when unknown.
    ``flip``: LibRaw's orientation (0 none, 3 180 degrees, 5 90 counter-clockwise, 6 90 clockwise;
    1, 2, 4, 7 mirrored). ``path``: the file, which :func:`render_mosaic` reopens.
    """

    path: Path
    mosaic: np.ndarray
    pattern: str
    black: tuple[float, float, float, float]
    white: int
    wb: tuple[float, float, float]
    cam_to_srgb: np.ndarray | None = None
    xyz_to_cam: np.ndarray | None = None
    iso: float | None = None
    shutter: float | None = None
    flip: int = 0

    @property
    def output_shape(self) -> tuple[int, int]:
        """(height, width) of a rendering: the mosaic's, turned by ``flip``."""
        h, w = self.mosaic.shape[:2]
        return (w, h) if self.flip & 4 else (h, w)

    def describe(self) -> str:
        """One line: ``RGGB, black 512, white 16383, ISO 6400, 1/30 s``."""
        blacks = sorted(set(self.black))
        black = "/".join(f"{b:g}" for b in blacks)
        parts = [self.pattern, f"black {black}", f"white {self.white}"]
        if self.iso:
            parts.append(f"ISO {self.iso:g}")
        if self.shutter:
            parts.append(f"1/{1 / self.shutter:.0f} s" if self.shutter < 1 else f"{self.shutter:g} s")
        return ", ".join(parts)


def sensor_data(raw: RawImage, path: str | Path) -> RawData:
    """The Bayer sensor data of the open ``raw`` (the mosaic copied once); :class:`UnsupportedRaw`
    with the reason for X-Trans, Foveon, monochrome, linear (demosaiced) raws and film scans."""
    pattern = bayer_pattern(raw)
    idx = np.asarray(raw.raw_pattern)
    per_index = [float(b) for b in raw.black_level_per_channel]
    black = tuple(per_index[int(i)] for i in idx.ravel())
    wb = np.asarray(raw.camera_whitebalance, np.float64)[:3]
    wb = wb / wb[1] if np.all(wb > 0) else np.ones(3)
    rgb_cam, _ = _color_data(raw)
    xyz_cam = np.asarray(raw.rgb_xyz_matrix, np.float64)[:3, :3]
    other = getattr(raw, "other", None)
    iso, shutter = (float(getattr(other, name, 0.0) or 0.0) for name in ("iso_speed", "shutter_speed"))
    return RawData(Path(path), np.array(raw.raw_image_visible, np.uint16), pattern,
                   (black[0], black[1], black[2], black[3]), int(raw.white_level),
                   (float(wb[0]), float(wb[1]), float(wb[2])), rgb_cam,
                   xyz_cam if np.any(xyz_cam) else None, iso or None, shutter or None, int(raw.sizes.flip))


def bayer_pattern(raw: RawImage) -> str:
    """The 2x2 CFA pattern of ``raw`` (``"RGGB"``...), or :class:`UnsupportedRaw` with the reason."""
    if str(raw.raw_type.name).lower() != "flat":
        if _color_data(raw)[0] is None:  # as facts(): samples that are already an image
            raise UnsupportedRaw("not supported: a film scanner file (no camera sensor mosaic)")
        raise UnsupportedRaw("not supported: linear raw (already demosaiced, e.g. a linear DNG or a Foveon sensor)")
    if int(raw.num_colors) == 1:
        raise UnsupportedRaw("not supported: monochrome sensor")
    idx = None if raw.raw_pattern is None else np.asarray(raw.raw_pattern)
    if idx is not None and idx.shape == (6, 6):
        raise UnsupportedRaw("not supported: X-Trans sensor")
    desc = bytes(raw.color_desc).decode("ascii", "replace")
    pattern = "" if idx is None or idx.shape != (2, 2) else "".join(desc[int(i)] for i in idx.ravel())
    if pattern not in BAYER_PATTERNS:
        shown = pattern or ("none" if idx is None else f"{idx.shape[0]}x{idx.shape[1]}")
        raise UnsupportedRaw(f"not supported: colour filter {shown} (Bayer RGGB, BGGR, GRBG or GBRG only)")
    return pattern


def render_mosaic(raw: RawData, mosaic: np.ndarray) -> np.ndarray:
    """The standard rendering of ``mosaic`` (HxW in ``raw``'s code values, black level included; uint16, or
    float rounded and clipped to 0..65535): LibRaw's demosaicing with the camera white balance, the colour
    matrix to sRGB, no auto-brightening, the file's black and white levels (``adjust_maximum_thr=0``: no
    data-dependent change; LibRaw's ``user_sat`` is not used, it would count from the black level), the file's
    orientation, 16 bits, then the sRGB curve. float32 HxWx3 in [0, 1]."""
    from photoai.core.io import open_raw  # io imports this module

    if mosaic.shape != raw.mosaic.shape:
        raise ValueError(f"mosaic {mosaic.shape} does not match the raw's {raw.mosaic.shape}")
    with open_raw(raw.path) as libraw:
        return render_open(libraw, raw, mosaic)


def render_open(libraw: RawImage, raw: RawData, mosaic: np.ndarray) -> np.ndarray:
    """:func:`render_mosaic` on ``libraw``, the file of ``raw`` already open (its sensor data is replaced)."""
    codes = mosaic if mosaic.dtype == np.uint16 else np.clip(np.rint(mosaic), 0, 65535).astype(np.uint16)
    libraw.raw_image_visible[...] = codes
    # output_color left at LibRaw's default: sRGB
    linear = libraw.postprocess(use_camera_wb=True, no_auto_bright=True,
                                adjust_maximum_thr=0.0, output_bps=16, gamma=(1, 1),
                                user_flip=int(raw.flip))
    return _encode_lut(1.0)[linear]

