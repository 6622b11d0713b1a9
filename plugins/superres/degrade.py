"""How low-resolution photos are made: the five evaluation variants and a random training degradation.

Everything works on RGB in [0, 1] (HxWx3 float) and returns the LR RGB quantized to 8-bit levels, since
the app degrades nothing itself: a user's photo was resized, blurred, noised and compressed in RGB, and the
network sees its Y afterwards. The LR image is exactly ``HR / scale`` (HR modcropped by the caller) and
every LR pixel is centred on its block of ``scale x scale`` HR pixels (the convention of MATLAB's
``imresize``, Pillow and OpenCV's resizes), except ``nearest`` at even scales (half an HR pixel off,
as real nearest-neighbour downscalers are).

Evaluation variants (:data:`VARIANTS`, :func:`lr_variant`, deterministic):

- ``bicubic``  MATLAB bicubic ``imresize`` (antialiased): the benchmark protocol
- ``area``     area average (OpenCV ``INTER_AREA``: the mean of each block)
- ``aliased``  OpenCV ``INTER_CUBIC`` with no prefilter (what many programs do when shrinking)
- ``jpeg``     ``bicubic``, then JPEG quality 75 (Pillow, 4:2:0)
- ``camera``   Gaussian blur sigma ``0.5 * scale`` HR px, then decimation (an optical low-pass)

Training (:func:`sample_degradation`): a mild BSRGAN/Real-ESRGAN-style mix aimed at fidelity: one of
several resizes (antialiased or aliased) or a Gaussian/anisotropic blur kernel before decimation,
signal-dependent sensor noise before or after the resize, JPEG at random qualities (sometimes none,
sometimes also before the resize), with a share of clean MATLAB-bicubic pairs to keep the benchmark.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

from photoai.core.resize import imresize

__all__ = ["VARIANTS", "RESIZES", "Degradation", "lr_variant", "resize_down", "blur_decimate", "gaussian_kernel",
           "add_noise", "jpeg", "quantize8", "resize_weights", "mix_probabilities", "sample_degradation"]

VARIANTS = ("bicubic", "area", "aliased", "jpeg", "camera")
EVAL_JPEG_QUALITY = 75
CAMERA_SIGMA = 0.5  # x scale, in HR pixels

def quantize8(img: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] and round to 8-bit levels (same float dtype)."""
    return np.round(np.clip(img, 0.0, 1.0) * 255.0) / 255.0


def _pil_resize(img: np.ndarray, size: tuple[int, int], resample: Image.Resampling) -> np.ndarray:
    """Pillow resize (antialiased when shrinking) of each channel in float mode; ``size`` is (w, h)."""
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(img[..., c], np.float32), mode="F")
                         .resize(size, resample)) for c in range(img.shape[2])]
    return np.stack(planes, axis=2)


def _cv_resize(img: np.ndarray, size: tuple[int, int], interpolation: int) -> np.ndarray:
    return cv2.resize(np.ascontiguousarray(img, np.float32), size, interpolation=interpolation)


def _nearest(img: np.ndarray, scale: int) -> np.ndarray:
    """Every ``scale``-th pixel, from the middle of each block (rounded down at even scales)."""
    o = (scale - 1) // 2
    return img[o::scale, o::scale][: img.shape[0] // scale, : img.shape[1] // scale]


#: Downscaling resizes by name: (img, (w, h), scale) -> LR. Antialiased: matlab, bicubic, bilinear, lanczos,
#: area; aliased (no prefilter): cv-cubic, cv-linear, nearest.
RESIZES: dict[str, Callable[[np.ndarray, tuple[int, int], int], np.ndarray]] = {
    "matlab": lambda im, size, s: imresize(im, output_shape=(size[1], size[0])),
    "bicubic": lambda im, size, s: _pil_resize(im, size, Image.Resampling.BICUBIC),
    "bilinear": lambda im, size, s: _pil_resize(im, size, Image.Resampling.BILINEAR),
    "lanczos": lambda im, size, s: _pil_resize(im, size, Image.Resampling.LANCZOS),
    "area": lambda im, size, s: _cv_resize(im, size, cv2.INTER_AREA),
    "cv-cubic": lambda im, size, s: _cv_resize(im, size, cv2.INTER_CUBIC),
    "cv-linear": lambda im, size, s: _cv_resize(im, size, cv2.INTER_LINEAR),
    "nearest": lambda im, size, s: _nearest(im, s),
}


def _lr_size(img: np.ndarray, scale: int) -> tuple[int, int]:
    h, w = img.shape[:2]
    if h % scale or w % scale:
        raise ValueError(f"image {w}x{h} is not a multiple of the scale {scale} (modcrop it first)")
    return w // scale, h // scale


def resize_down(img: np.ndarray, scale: int, method: str) -> np.ndarray:
    """Downscale by the integer ``scale`` with one of :data:`RESIZES` (not quantized; float64 input stays
    float64, so ``matlab`` on it is exactly the protocol's ``data.make_lr`` before quantization)."""
    dtype = img.dtype if img.dtype == np.float64 else np.float32
    return np.asarray(RESIZES[method](img, _lr_size(img, scale), scale), dtype)


def gaussian_kernel(scale: int, sigma_x: float, sigma_y: float | None = None, theta: float = 0.0) -> np.ndarray:
    """(Anisotropic) Gaussian kernel, sigmas in HR pixels, rotated by ``theta``, normalised, odd size; for
    an even ``scale`` its centre lies half a pixel right/below the middle tap, so that decimating
    the filtered image at ``s*i + s/2 - 1`` samples at the block centre ``s*i + (s-1)/2``."""
    sigma_y = sigma_x if sigma_y is None else sigma_y
    radius = max(1, math.ceil(3.0 * max(sigma_x, sigma_y)) + 1)
    shift = 0.5 if scale % 2 == 0 else 0.0
    d = np.arange(-radius, radius + 1, dtype=np.float64) - shift
    x, y = np.meshgrid(d, d)
    c, s = math.cos(theta), math.sin(theta)
    u, v = c * x + s * y, -s * x + c * y
    k = np.exp(-0.5 * ((u / sigma_x) ** 2 + (v / sigma_y) ** 2))
    return (k / k.sum()).astype(np.float32)


def blur_decimate(img: np.ndarray, scale: int, kernel: np.ndarray) -> np.ndarray:
    """Filter with ``kernel`` (from :func:`gaussian_kernel`, mirrored borders) and keep one pixel per block."""
    w, h = _lr_size(img, scale)
    blurred = cv2.filter2D(np.ascontiguousarray(img, np.float32), -1, kernel, borderType=cv2.BORDER_REFLECT_101)
    o = scale // 2 - 1 if scale % 2 == 0 else scale // 2
    return blurred[o::scale, o::scale][:h, :w]


def add_noise(img: np.ndarray, rng: np.random.Generator, read: float, shot: float, gray: bool) -> np.ndarray:
    """Sensor-like noise: variance ``read**2 + shot**2 * x`` (values in [0, 1] units), per channel or the
    same for all channels (``gray``)."""
    std = np.sqrt(read ** 2 + shot ** 2 * np.clip(img, 0.0, 1.0))
    shape = img.shape[:2] + (1,) if gray else img.shape
    return (img + std * rng.standard_normal(shape, dtype=np.float32)).astype(np.float32)


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    """Quantize to 8 bit, JPEG-encode (Pillow, 4:2:0 subsampling) at ``quality`` and decode."""
    buf = io.BytesIO()
    Image.fromarray(np.round(np.clip(img, 0.0, 1.0) * 255.0).astype(np.uint8)).save(buf, "JPEG", quality=quality)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0


def lr_variant(hr: np.ndarray, scale: int, variant: str) -> np.ndarray:
    """The evaluation LR image of ``variant`` (one of :data:`VARIANTS`), quantized to 8 bit; ``bicubic`` of a
    float64 image equals the protocol's ``data.make_lr``."""
    if variant == "bicubic":
        lr = resize_down(hr, scale, "matlab")
    elif variant == "area":
        lr = resize_down(hr, scale, "area")
    elif variant == "aliased":
        lr = resize_down(hr, scale, "cv-cubic")
    elif variant == "jpeg":
        lr = jpeg(resize_down(hr, scale, "matlab"), EVAL_JPEG_QUALITY)
    elif variant == "camera":
        lr = blur_decimate(hr, scale, gaussian_kernel(scale, CAMERA_SIGMA * scale))
    else:
        raise ValueError(f"unknown LR variant {variant!r} (choose from {', '.join(VARIANTS)})")
    return quantize8(lr)


# --------------------------------------------------------------------------- training degradation

#: Probabilities of the training mix (mild: most inputs stay close to what cameras and editors produce).
P_CLEAN = 0.25          # plain MATLAB bicubic, nothing else (keeps the benchmark protocol)
P_BLUR_KERNEL = 0.3     # Gaussian / anisotropic kernel + decimation instead of a resize
P_PREBLUR = 0.15        # a mild blur before a resize (lens, motion)
P_NOISE = 0.4
P_NOISE_BEFORE = 0.5    # noise in HR (sensor, then resized) vs in LR
P_JPEG = 0.65
P_JPEG_BEFORE = 0.15    # an earlier JPEG generation before the resize
JPEG_QUALITY = (40, 95)
#: The probabilities above by the names ``train --mix`` takes (:func:`mix_probabilities`).
MIX = {"kernel": P_BLUR_KERNEL, "preblur": P_PREBLUR, "noise": P_NOISE, "noise_before": P_NOISE_BEFORE,
       "jpeg": P_JPEG, "jpeg_before": P_JPEG_BEFORE}
RESIZE_WEIGHTS = {"matlab": 2.0, "bicubic": 2.0, "bilinear": 1.5, "lanczos": 1.5, "area": 2.0,
                  "cv-cubic": 1.0, "cv-linear": 1.0, "nearest": 0.4}


@dataclass(frozen=True)
class Degradation:
    """One drawn degradation: ``steps`` applied in order, each ``(name, params)``; ``seed`` drives the
    noise. Calling it maps HR RGB (HxWx3, sides multiples of ``scale``) to LR RGB quantized to 8 bit."""

    scale: int
    steps: tuple[tuple[str, dict[str, Any]], ...]
    seed: int = 0

    def __call__(self, hr: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        img = np.asarray(hr, np.float32)
        for name, params in self.steps:
            img = _apply(name, img, self.scale, params, rng)
        return quantize8(img)

    def describe(self) -> str:
        """One line, e.g. ``noise(read=0.004, ...) > resize(method=area) > jpeg(quality=71)``."""
        return " > ".join(f"{n}({', '.join(f'{k}={_fmt(v)}' for k, v in p.items())})" for n, p in self.steps)


def _fmt(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _apply(name: str, img: np.ndarray, scale: int, p: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    if name == "resize":
        return resize_down(img, scale, p["method"])
    if name == "kernel":
        return blur_decimate(img, scale, gaussian_kernel(scale, p["sigma_x"], p["sigma_y"], p["theta"]))
    if name == "blur":
        return cv2.GaussianBlur(img, (0, 0), p["sigma"], borderType=cv2.BORDER_REFLECT_101)
    if name == "noise":
        return add_noise(img, rng, p["read"], p["shot"], p["gray"])
    if name == "jpeg":
        return jpeg(img, p["quality"])
    raise ValueError(f"unknown degradation step {name!r}")


def _kernel_params(rng: np.random.Generator, scale: int) -> dict[str, Any]:
    """Isotropic (half the time) or anisotropic Gaussian, sigmas ~ [0.25, 0.65] x scale HR px."""
    sx = float(rng.uniform(0.25, 0.65) * scale)
    if rng.random() < 0.5:
        return {"sigma_x": sx, "sigma_y": sx, "theta": 0.0}
    sy = float(np.clip(sx * rng.uniform(0.4, 1.0), 0.2 * scale, None))
    return {"sigma_x": sx, "sigma_y": sy, "theta": float(rng.uniform(0.0, math.pi))}


def _noise_params(rng: np.random.Generator) -> dict[str, Any]:
    return {"read": float(rng.uniform(0.5, 3.0) / 255.0), "shot": float(rng.uniform(0.0, 0.04)),
            "gray": bool(rng.random() < 0.3)}


def resize_weights(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """:data:`RESIZE_WEIGHTS` with ``overrides`` (e.g. ``{"cv-cubic": 3.0}``); ValueError for an unknown
    resize or a negative weight."""
    weights = dict(RESIZE_WEIGHTS)
    for name, w in (overrides or {}).items():
        if name not in RESIZES or w < 0:
            raise ValueError(f"bad resize weight {name}={w} (names: {', '.join(RESIZES)}; weights >= 0)")
        weights[name] = float(w)
    return weights


def mix_probabilities(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """:data:`MIX` with ``overrides`` (e.g. ``{"jpeg": 0.3}``); ValueError for an unknown name or a value
    outside [0, 1]."""
    mix = dict(MIX)
    for name, p in (overrides or {}).items():
        if name not in MIX or not 0.0 <= p <= 1.0:
            raise ValueError(f"bad mix probability {name}={p} (names: {', '.join(MIX)}; values in [0, 1])")
        mix[name] = float(p)
    return mix


def sample_degradation(rng: np.random.Generator, scale: int, p_clean: float = P_CLEAN,
                       weights: Mapping[str, float] | None = None,
                       mix: Mapping[str, float] | None = None) -> Degradation:
    """Draw a training degradation for ``scale`` (all randomness from ``rng``: same state, same result);
    ``p_clean``: the share of plain MATLAB-bicubic pairs; ``weights``: the resizes' relative weights
    (default :data:`RESIZE_WEIGHTS`; see :func:`resize_weights`); ``mix``: the steps' probabilities
    (default :data:`MIX`; see :func:`mix_probabilities`)."""
    p = MIX if mix is None else mix
    seed = int(rng.integers(2**31))
    if rng.random() < p_clean:
        return Degradation(scale, (("resize", {"method": "matlab"}),), seed)
    steps: list[tuple[str, dict[str, Any]]] = []
    noise = _noise_params(rng) if rng.random() < p["noise"] else None
    if noise is not None and rng.random() < p["noise_before"]:
        steps.append(("noise", noise))
        noise = None
    if rng.random() < p["jpeg_before"]:
        steps.append(("jpeg", {"quality": int(rng.integers(60, 96))}))
    if rng.random() < p["kernel"]:
        steps.append(("kernel", _kernel_params(rng, scale)))
    else:
        if rng.random() < p["preblur"]:
            steps.append(("blur", {"sigma": float(rng.uniform(0.3, 1.0))}))
        table = RESIZE_WEIGHTS if weights is None else weights
        names = list(table)
        w = np.array([table[n] for n in names])
        steps.append(("resize", {"method": names[int(rng.choice(len(names), p=w / w.sum()))]}))
    if noise is not None:
        steps.append(("noise", noise))
    if rng.random() < p["jpeg"]:
        steps.append(("jpeg", {"quality": int(rng.integers(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1))}))
    return Degradation(scale, tuple(steps), seed)
