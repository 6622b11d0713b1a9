"""The ``rawdark`` plugin: see in the dark, on the camera's raw sensor data (Brooks et al. 2019 style).

1. The Bayer mosaic (:class:`photoai.core.raw.RawData`) is packed into (R, G1, G2, B) planes, black
   subtracted and divided by (white - black) (:func:`.noise.amplify`), then multiplied by the ratio:
   given (x1-x300) or ``auto`` (:func:`auto_ratio`: the frame's mean brought to that of a normally
   exposed frame).
2. The noise of the amplified planes is estimated blindly (:func:`.noise.estimate_levels`) and the
   ``rawdark`` ONNX denoiser (convention in :mod:`.net`) runs tile by tile with overlap.
3. The clean planes are unpacked into raw codes and rendered by the one standard rendering
   (:func:`photoai.core.raw.render_mosaic`: LibRaw, camera white balance, sRGB, 16-bit, the file's
   orientation).

The plugin works from the sensor data of the RAW file as opened (not from the current pixels), on the
whole frame (a mask does not apply).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from photoai.core.raw import RawData, render_mosaic
from photoai.core.tiling import run_tiled
from photoai.plugin_api import (
    BasePlugin,
    ChoiceParam,
    Model,
    PluginError,
    PluginInfo,
    Request,
    RunContext,
)
from photoai.plugin_api.execute import NEEDS_RAW

from . import bayer, noise

log = logging.getLogger(__name__)

MODEL_ID = "rawdark"
RATIO_RANGE = (1.0, 300.0)
#: The ratios offered (a plain choice: the form's list, ``--set ratio=100``), about half-stops from x1 to x300.
RATIO_STOPS = (1, 2, 3, 4, 6, 8, 12, 16, 25, 32, 50, 64, 100, 150, 200, 250, 300)
#: Mean of the normalized packed planes of a normally exposed frame: the median over 40 training photos
#: (every 40th of photos/train) unprocessed by :mod:`.unprocess` (0.134; spread: log std 0.37).
TARGET_MEAN = 0.13
TILE = 512  # packed pixels per tile side
PIXELS_PER_BIN = 64  # packed pixels per signal bin of the noise estimate, at least


def canonical_black(raw: RawData) -> np.ndarray:
    """The black levels of ``raw`` in canonical (R, G1, G2, B) order (``raw.black`` is in raster order)."""
    return bayer.pack(np.reshape(np.asarray(raw.black, np.float32), (2, 2)), raw.pattern)[:, 0, 0]


def normalized_planes(raw: RawData) -> np.ndarray:
    """The packed (R, G1, G2, B) planes of ``raw``, black subtracted and divided by white - black (float32)."""
    return noise.amplify(raw.mosaic, raw.pattern, tuple(canonical_black(raw)), raw.white, 1.0)


def auto_ratio(planes: np.ndarray, target: float = TARGET_MEAN) -> float:
    """The amplification that brings the mean of normalized packed ``planes`` (4 x h x w, not amplified) to
    ``target``, within :data:`RATIO_RANGE`. The mean is unbiased by the (zero-mean) noise, unlike a percentile."""
    mean = float(np.mean(planes, dtype=np.float64))
    if mean <= 0:
        return RATIO_RANGE[1]
    return float(np.clip(target / mean, *RATIO_RANGE))


def black_map(raw: RawData) -> np.ndarray:
    """The black level of every photosite of ``raw``'s mosaic (float32 HxW)."""
    h, w = raw.mosaic.shape
    return np.tile(np.reshape(np.asarray(raw.black, np.float32), (2, 2)), ((h + 1) // 2, (w + 1) // 2))[:h, :w]


def to_codes(normalized: np.ndarray, raw: RawData) -> np.ndarray:
    """A normalized mosaic (0 = black, 1 = white) back to ``raw``'s code values (float32, not rounded)."""
    black = black_map(raw)
    return normalized * (np.float32(raw.white) - black) + black


def noise_levels(planes: np.ndarray, title: str) -> noise.NoiseLevels:
    """The blind noise estimate of amplified ``planes`` (:func:`.noise.estimate_levels`), with fewer signal bins
    on small frames (at least :data:`PIXELS_PER_BIN` packed pixels each); too small a frame is a PluginError."""
    bins = int(np.clip(planes[0].size // PIXELS_PER_BIN, 1, 16))
    try:
        return noise.estimate_levels(planes, bins=bins)
    except ValueError:
        h, w = planes.shape[1:]
        raise PluginError(f"{title}: the photo ({2 * w}x{2 * h}) is too small to measure its noise") from None


def denoise(model: Model, planes: np.ndarray, levels: noise.NoiseLevels, ctx: RunContext) -> np.ndarray:
    """The model on amplified ``planes`` (4 x h x w) tile by tile, overlap covering its receptive field."""
    level_values = np.array([levels.shot, levels.read], np.float32)

    def tile(t: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(t.transpose(2, 0, 1))[None]
        lv = np.broadcast_to(level_values[None, :, None, None], (1, 2, *x.shape[2:]))
        return model(x, np.ascontiguousarray(lv), ctx=ctx)[0].transpose(1, 2, 0)

    hwc = np.ascontiguousarray(planes.transpose(1, 2, 0))
    out = run_tiled(hwc, tile, tile=TILE, overlap=model.spec.receptive_field // 2 + 1, out_channels=4, ctx=ctx)
    return np.ascontiguousarray(out.transpose(2, 0, 1))


class RawDarkPlugin(BasePlugin):
    info = PluginInfo(
        id="rawdark",
        title="See in the dark (RAW)",
        description="Turn a RAW photo taken in near darkness (short exposure, high ISO) into a clean, well-exposed "
                    "image: the sensor data is amplified, denoised by PhotoAI's raw network and developed as the "
                    "camera's standard rendering. Works from the RAW file as opened (Bayer sensors), on the whole "
                    "frame.",
        params=(
            ChoiceParam("ratio", "Amplification", choices=("auto", *RATIO_STOPS),
                       labels=("Auto", *(f"x{r}" for r in RATIO_STOPS)),
                       help="How much brighter than shot (x1 to x300, as exposure time ratios): 'auto' brings the "
                            "frame to a normal exposure; the ratio used is shown while it runs"),
        ),
        needs_raw=True,
        model_ids=(MODEL_ID,),
    )

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        raw = request.raw
        if raw is None:
            raise PluginError(f"{self.info.title}: {NEEDS_RAW}")
        ctx.raise_if_cancelled()
        ctx.progress(0, 1, "Reading the sensor data")
        model = ctx.runtime.load(MODEL_ID)
        planes = normalized_planes(raw)
        value = request.values.get("ratio", "auto")
        ratio = auto_ratio(planes) if value == "auto" else float(value)
        planes *= np.float32(ratio)
        label = f"x{ratio:.3g}" + (" (auto)" if value == "auto" else "")
        log.info("rawdark: %s, amplification %s", raw.describe(), label)
        levels = noise_levels(planes, self.info.title)
        ctx.raise_if_cancelled()
        sub = ctx.sub(0.02, 0.9)
        sub.progress(0, 1, f"Denoising the sensor data, amplified {label}")
        clean = denoise(model, planes, levels, sub)
        del planes
        ctx.progress(0.9, 1, f"Developing (amplified {label})")
        mosaic = bayer.unpack(np.clip(clean, 0.0, 1.0), raw.pattern, size=raw.mosaic.shape)
        rgb = render_mosaic(raw, to_codes(mosaic, raw))
        ctx.progress(1, 1, f"Done: amplified {label}")
        return rgb

    def evaluate(self, argv: Sequence[str]) -> int:
        """``photoai eval rawdark --data DIR`` (synthetic dark DNGs) or ``--real DIR``."""
        from .evaluate import main

        return main(list(argv))
