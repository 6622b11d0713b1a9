"""A minimal CFA DNG writer (tifffile): a Bayer mosaic with the tags LibRaw needs to develop it.

One uncompressed 16-bit CFA image in IFD0 (DNG 1.4): the 2x2 CFA pattern, per-photosite black levels
(BlackLevelRepeatDim 2x2), the white level, ColorMatrix1 (CIE XYZ -> camera, D65), AsShotNeutral and
the orientation. Used for test fixtures and evaluation files, so the whole path from a file to pixels
(LibRaw included) is exercised.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from photoai.core.atomic import atomic_path
from photoai.core.raw import BAYER_PATTERNS

#: CIE XYZ (D65) to linear sRGB's inverse: a colour matrix for a camera that records linear sRGB.
SRGB_XYZ_TO_CAM = ((3.2404542, -1.5371385, -0.4985314),
                   (-0.9692660, 1.8760108, 0.0415560),
                   (0.0556434, -0.2040259, 1.0572252))

_CFA_COLOURS = "RGB"  # CFAPattern codes 0, 1, 2
_D65 = 21  # CalibrationIlluminant
_TIFF_TO_FLIP = {1: 0, 2: 1, 3: 3, 4: 2, 5: 4, 6: 6, 7: 7, 8: 5}  # EXIF orientation -> LibRaw's sizes.flip
FLIP_TO_ORIENTATION = {flip: orientation for orientation, flip in _TIFF_TO_FLIP.items()}


def write_dng(path: str | Path, mosaic: np.ndarray, pattern: str, black: float | Sequence[float], white: int,
              neutral: Sequence[float] = (1.0, 1.0, 1.0),
              color_matrix: np.ndarray | Sequence[Sequence[float]] = SRGB_XYZ_TO_CAM,
              orientation: int = 1, model: str = "PhotoAI synthetic") -> Path:
    """Write ``mosaic`` (uint16 HxW, black level included) as a CFA DNG, atomically.

    ``pattern``: the top-left 2x2 tile in raster order (``"RGGB"``, ``"BGGR"``, ``"GRBG"``, ``"GBRG"``);
    ``black``: one whole level, or one per photosite of that tile in raster order (LibRaw keeps one level
    per colour: give both greens the same); ``white``: the white level;
    ``neutral``: AsShotNeutral, the camera RGB of a neutral under the light (camera white balance
    multipliers are its inverse); ``color_matrix``: CIE XYZ -> camera RGB (3x3, ColorMatrix1, D65);
    ``orientation``: the EXIF/TIFF orientation (1-8).
    """
    import tifffile

    a = np.asarray(mosaic)
    if a.ndim != 2 or a.dtype != np.uint16:
        raise ValueError(f"the mosaic must be uint16 HxW, got {a.dtype} {a.shape}")
    pattern = pattern.upper()
    if pattern not in BAYER_PATTERNS:
        raise ValueError(f"unsupported CFA pattern {pattern!r}: one of {', '.join(BAYER_PATTERNS)}")
    blacks = np.broadcast_to(np.asarray(black, np.float64), (4,))
    if np.any(blacks != np.round(blacks)):
        raise ValueError(f"black levels {tuple(blacks)} must be whole numbers")
    if not 0 < white <= 65535 or np.any(blacks >= white) or np.any(blacks < 0):
        raise ValueError(f"black levels {tuple(blacks)} and white level {white} are not 0 <= black < white <= 65535")
    if orientation not in _TIFF_TO_FLIP:
        raise ValueError(f"orientation {orientation} is not 1-8")
    cm = np.asarray(color_matrix, np.float64).reshape(9)
    tags = [
        (33421, 3, 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, 1, 4, tuple(_CFA_COLOURS.index(c) for c in pattern), True),  # CFAPattern
        (50706, 1, 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, 1, 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, 2, 0, model, True),  # UniqueCameraModel
        (50710, 1, 3, (0, 1, 2), True),  # CFAPlaneColor
        (50711, 3, 1, 1, True),  # CFALayout: rectangular
        (50713, 3, 2, (2, 2), True),  # BlackLevelRepeatDim
        (50714, 4, 4, tuple(int(b) for b in blacks), True),  # BlackLevel
        (50717, 4, 1, int(white), True),  # WhiteLevel
        (50721, 10, 9, _rationals(cm, signed=True), True),  # ColorMatrix1
        (50728, 5, 3, _rationals(np.asarray(neutral, np.float64), signed=False), True),  # AsShotNeutral
        (50778, 3, 1, _D65, True),  # CalibrationIlluminant1
        (274, 3, 1, int(orientation), True),  # Orientation
    ]
    path = Path(path)
    with atomic_path(path) as tmp:
        tifffile.imwrite(tmp, a, photometric="cfa", subfiletype=0, extratags=tags, metadata=None)
    return path


def _rationals(values: np.ndarray, *, signed: bool) -> tuple[int, ...]:
    """Flattened (numerator, denominator) pairs, exact for integers, else to 1e-6."""
    out: list[int] = []
    for v in np.asarray(values, np.float64).ravel():
        if not signed and v < 0:
            raise ValueError(f"{v} must not be negative")
        f = Fraction(float(v)).limit_denominator(1_000_000)
        out += [f.numerator, f.denominator]
    return tuple(out)
