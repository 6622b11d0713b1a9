"""sRGB photo -> clean linear raw mosaic, after Brooks et al., *Unprocessing Images for Learned Raw Denoising*
(CVPR 2019), and the simple forward render used by the loss and the metrics. numpy only.

The inverse pipeline (:func:`unprocess`), each step undoing one of a camera's:

1. inverse smoothstep tone curve ``0.5 - sin(asin(1 - 2x) / 3)``;
2. gamma expansion ``x ** 2.2``;
3. sRGB -> camera space with a random colour matrix: a random convex combination of real XYZ -> camera
   matrices (:data:`XYZ_TO_CAMS`), times sRGB -> XYZ, rows normalized to sum 1 (white stays white);
4. inverted white-balance gains (red 1.9-2.4, blue 1.5-1.9) and brightness gain (1 / N(0.8, 0.1)), with
   Brooks' highlight protection (near-white pixels keep their value, so they do not turn into a false
   colour when the gains are applied again);
5. mosaic with one of the four 2x2 Bayer patterns (:mod:`.bayer`).

:class:`Camera` holds the drawn parameters; :func:`.net.render` is the simple forward render (the camera's
white balance, ``cam2rgb``, gamma 1/2.2) that the loss and the metrics use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import bayer

__all__ = ["XYZ_TO_CAMS", "SRGB_TO_XYZ", "Camera", "random_camera", "unprocess", "inverse_smoothstep"]

# The four XYZ -> camera matrices of Brooks et al.'s reference code (google-research/google-research,
# unprocessing/unprocess.py, random_ccm(): the cameras of the Darmstadt Noise Dataset).
XYZ_TO_CAMS = np.array([
    [[1.0234, -0.2969, -0.2266], [-0.5625, 1.6328, -0.0469], [-0.0703, 0.2188, 0.6406]],
    [[0.4913, -0.0541, -0.0202], [-0.6130, 1.3513, 0.2906], [-0.1564, 0.2151, 0.7183]],
    [[0.8380, -0.2630, -0.0639], [-0.2887, 1.0725, 0.2496], [-0.0627, 0.1427, 0.5438]],
    [[0.6596, -0.2079, -0.0562], [-0.4782, 1.3016, 0.1933], [-0.0970, 0.1581, 0.5181]],
])
# Linear sRGB (D65) -> XYZ.
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
GAMMA = 2.2
HIGHLIGHT_INFLECTION = 0.9


@dataclass(frozen=True)
class Camera:
    """One drawn camera: ``rgb2cam`` (3x3, rows sum to 1), white-balance gains (the camera's as-shot
    multipliers: camera RGB x (red, 1, blue) is white balanced), brightness gain and CFA pattern."""

    rgb2cam: np.ndarray
    red_gain: float
    blue_gain: float
    brightness_gain: float
    pattern: str

    @property
    def cam2rgb(self) -> np.ndarray:
        return np.linalg.inv(self.rgb2cam)

    @property
    def wb(self) -> np.ndarray:
        """White-balance multipliers per canonical channel (R, G1, G2, B)."""
        return np.array([self.red_gain, 1.0, 1.0, self.blue_gain], dtype=np.float32)


def random_camera(rng: np.random.Generator, pattern: str | None = None) -> Camera:
    """Draw a camera as Brooks et al. do (random convex combination of :data:`XYZ_TO_CAMS`, gains), with a
    random Bayer pattern unless ``pattern`` is given."""
    weights = rng.uniform(1e-8, 1e8, size=len(XYZ_TO_CAMS))
    xyz2cam = np.tensordot(weights / weights.sum(), XYZ_TO_CAMS, axes=1)
    rgb2cam = xyz2cam @ SRGB_TO_XYZ
    rgb2cam = rgb2cam / rgb2cam.sum(axis=1, keepdims=True)
    brightness = 1.0 / float(rng.normal(0.8, 0.1))
    red, blue = float(rng.uniform(1.9, 2.4)), float(rng.uniform(1.5, 1.9))
    chosen = pattern if pattern is not None else bayer.PATTERNS[int(rng.integers(len(bayer.PATTERNS)))]
    return Camera(rgb2cam, red, blue, brightness, chosen)


def inverse_smoothstep(x: np.ndarray) -> np.ndarray:
    """Inverse of the tone curve ``3x^2 - 2x^3``."""
    x = np.clip(x, 0.0, 1.0)
    return 0.5 - np.sin(np.arcsin(1.0 - 2.0 * x) / 3.0)


def _safe_invert_gains(rgb: np.ndarray, camera: Camera) -> np.ndarray:
    """Divide by the gains, except near white (Brooks' highlight protection)."""
    gains = np.array([1.0 / camera.red_gain, 1.0, 1.0 / camera.blue_gain]) / camera.brightness_gain
    gray = rgb.mean(axis=-1, keepdims=True)
    mask = (np.maximum(gray - HIGHLIGHT_INFLECTION, 0.0) / (1.0 - HIGHLIGHT_INFLECTION)) ** 2
    safe = np.maximum(mask + (1.0 - mask) * gains, gains)
    return rgb * safe


def unprocess(rgb: np.ndarray, camera: Camera) -> np.ndarray:
    """HxWx3 sRGB in [0, 1] -> the clean linear raw mosaic (H, W cropped to even), float32 in [0, 1]
    (0 = black level, 1 = white level)."""
    h, w = rgb.shape[0] // 2 * 2, rgb.shape[1] // 2 * 2
    lin = np.maximum(inverse_smoothstep(rgb[:h, :w].astype(np.float64)), 1e-8) ** GAMMA
    cam = np.clip(_safe_invert_gains(lin @ camera.rgb2cam.T, camera), 0.0, 1.0)
    planes = np.stack([cam[y::2, x::2, c] for (y, x), c in zip(bayer.positions(camera.pattern), (0, 1, 1, 2),
                                                                 strict=True)])
    return bayer.unpack(planes.astype(np.float32), camera.pattern)

