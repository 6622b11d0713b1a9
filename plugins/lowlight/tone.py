"""The exposure step of "Reach a normal exposure": a gain in linear light with a highlight shoulder.

The network's result I / S (sRGB, not clipped: it may exceed 1 where S is below the photo) is
linearised and multiplied by one global gain, chosen so that the photo's mean brightness reaches a
normal exposure, as a camera's exposure compensation would. The brightest values are then compressed
by a smooth shoulder instead of being clipped: the shoulder acts on each pixel's max(R, G, B) in linear
light and the three channels are scaled by the same factor, so a pixel's hue and saturation (its
linear RGB ratios) are kept and no channel leaves [0, 1]. Below the knee nothing changes; above it an
extended Reinhard curve (Reinhard et al. 2002, eq. 4) brings the white point -- the value that a small
share of the photo's pixels exceed, e.g. a lamp -- exactly to 1, and what lies beyond it (the lamp
itself) to white. An exposure with gain 1 and a white point of at most 1 changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from photoai.core.color import linear_to_srgb, srgb_to_linear

__all__ = ["KNEE", "MAX_GAIN", "WHITE_PERCENTILE", "DARK", "NORMAL", "Exposure", "shoulder", "underexposure",
           "choose_exposure"]

KNEE = 0.5  # linear light (sRGB 0.74): the shoulder starts here
MAX_GAIN = 16.0  # at most 4 stops on top of the network's estimate
WHITE_PERCENTILE = 99.5  # the white point: the share of the photo above it (0.5 %) may become white
DARK, NORMAL = 0.2, 0.3  # a photo's mean brightness: underexposed below DARK; from NORMAL on possibly low-key
_TINY = 1e-7
_SRGB_TOE, _LINEAR_TOE = 0.04045, 0.0031308  # where the sRGB curve turns linear (sRGB value, linear light)
LUMA = (0.299, 0.587, 0.114)  # brightness weights (the plugin's guide, net.luminance's: a test keeps them equal)


def shoulder(n: np.ndarray, white: float, knee: float = KNEE) -> np.ndarray:
    """Linear values ``n`` (>= 0) -> the same below ``knee``; above it, extended Reinhard reaching 1 at
    ``white`` (>= 1), smooth (slope 1 at the knee) and increasing; the identity when ``white`` is 1."""
    out = np.array(n, np.float64)
    over = out > knee
    u = (out[over] - knee) / (1.0 - knee)
    wu = (max(white, 1.0) - knee) / (1.0 - knee)
    out[over] = knee + (1.0 - knee) * u * (1.0 + u / (wu * wu)) / (1.0 + u)
    return out


@dataclass(frozen=True)
class Exposure:
    """A gain in linear light followed by the :func:`shoulder` up to ``white`` (linear, after the gain)."""

    gain: float = 1.0
    white: float = 1.0
    knee: float = KNEE

    @property
    def identity(self) -> bool:
        return self.gain == 1.0 and self.white <= 1.0

    def apply(self, rgb: np.ndarray) -> None:
        """In place on HxWx3 sRGB values (>= 0, possibly above 1): the exposed photo, in [0, 1].

        Each pixel's linear values are multiplied by one factor k; where a value and its product both lie
        on the power part of the sRGB curve that is, in sRGB, the affine map ``k**(1/2.4) * (x + 0.055) -
        0.055`` (float32, no power per channel); the few values on the curve's linear toe take the exact
        conversion (:meth:`exact` does it all the exact way)."""
        np.maximum(rgb, 0.0, out=rgb)
        k = self._factor(rgb)
        # a value takes the affine map when it is above the toe and k times it (in linear light) is too
        edge = np.maximum(linear_to_srgb(_LINEAR_TOE / k), _SRGB_TOE).astype(np.float32)
        toe = rgb <= edge[..., None]
        exact = np.clip(linear_to_srgb(srgb_to_linear(rgb[toe]) * np.broadcast_to(k[..., None], rgb.shape)[toe]), 0, 1)
        scale = (k ** (1 / 2.4)).astype(np.float32)[..., None]
        rgb += np.float32(0.055)
        rgb *= scale
        rgb -= np.float32(0.055)
        rgb[toe] = exact
        np.clip(rgb, 0.0, 1.0, out=rgb)

    def exact(self, rgb: np.ndarray) -> np.ndarray:
        """:meth:`apply`'s result computed in float64 through linear light throughout (for tests)."""
        lin = srgb_to_linear(np.maximum(rgb, 0.0))
        lin *= self._factor(np.maximum(rgb, 0.0))[..., None]
        return np.clip(linear_to_srgb(lin), 0.0, 1.0)

    def _factor(self, rgb: np.ndarray) -> np.ndarray:
        """Each pixel's linear-light factor: the shoulder of the gain times its max(R, G, B), over it."""
        top = np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])  # faster than max(axis=2)
        n = srgb_to_linear(top)  # the sRGB curve is increasing: the max of the linear values
        t = shoulder(self.gain * n, self.white, self.knee)
        return np.where(n > _TINY, t / np.maximum(n, _TINY), self.gain)

    @property
    def amplification(self) -> float:
        """How much :meth:`apply` multiplies the sRGB values of mid-tones (the gain to the power 1 / 2.4,
        the sRGB curve's exponent): the factor by which the noise there grows, for the denoiser."""
        return float(self.gain ** (1 / 2.4))


def luminance(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 -> HxW float32, the weights of :data:`LUMA`."""
    return rgb @ np.asarray(LUMA, np.float32)


def _brightness(rgb: np.ndarray) -> float:
    return float(luminance(rgb.astype(np.float32)).mean())


def underexposure(photo_brightness: float, dark: float = DARK, normal: float = NORMAL) -> float:
    """How far the exposure step goes toward its target (0-1) for a photo of this mean brightness (before
    any brightening): all the way for an underexposed photo (below ``dark``), not at all from ``normal``
    on (a low-key photo stays as the network made it), linearly in between."""
    return float(np.clip((normal - photo_brightness) / (normal - dark), 0.0, 1.0))


def choose_exposure(bright: np.ndarray, target: float, weight: float = 1.0, most: float = MAX_GAIN,
                    knee: float = KNEE, percentile: float = WHITE_PERCENTILE, steps: int = 16) -> Exposure:
    """The exposure for a photo whose network result (HxWx3 sRGB, unclipped; a proxy suffices) is
    ``bright``: the gain in [1, ``most``] whose result has mean brightness ``target`` (``weight`` < 1:
    that share of the way from the result's brightness to it; gain 1 when the result is bright enough,
    ``most`` when even that falls short; bisection on log gain, brightness grows with the gain), and the
    white point ``gain`` times the ``percentile`` of max(R, G, B) (at least 1)."""
    sample = np.maximum(bright[::2, ::2], 0.0)
    p = float(np.percentile(srgb_to_linear(sample).max(axis=2), percentile))

    def exposure(gain: float) -> Exposure:
        return Exposure(gain, max(1.0, gain * p), knee)

    def reached(gain: float) -> float:
        return _brightness(_applied(exposure(gain), sample))

    start = reached(1.0)
    if start >= target or weight <= 0:
        return exposure(1.0)
    target = start + weight * (target - start)
    if reached(most) <= target:
        return exposure(most)
    lo, hi = 0.0, float(np.log(most))
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if reached(float(np.exp(mid))) < target else (lo, mid)
    return exposure(float(np.exp(hi)))


def _applied(exposure: Exposure, rgb: np.ndarray) -> np.ndarray:
    out = np.array(rgb, np.float32)
    exposure.apply(out)
    return out
