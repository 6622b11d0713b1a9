"""The ``lowlight`` plugin: brighten an underexposed photo with our illumination network (DeepUPE-style).

Our network (``model=network``):

1. The photo is reduced (box filter) to a proxy whose long side is at most :data:`PROXY_SIDE`; the
   ``lowlight-illum`` model estimates the illumination S (per channel, in [0.02, 1]) of the proxy.
2. S is brought to full resolution edge-aware (:mod:`photoai.core.guided`, guided by the photo's own
   luminance), raised to the power ``strength`` and divided out: I / S. This runs in bands of rows,
   so the full-size work is one pass.
3. ``lowlight-denoise`` removes the noise the division amplified, tile by tile (overlap covering its
   receptive field), from the brightened photo and the gain; of its correction only the local detail
   is kept (:func:`local_detail`: it removes noise, not colour, and adds no pattern); ``denoise``
   blends it in.
4. "Reach a normal exposure" (:mod:`.tone`): when the result is darker than a normal exposure, a gain
   in linear light chosen on the proxy brings it there (all the way for an underexposed photo, not at
   all for a low-key one), highlights rolling off under a shoulder that keeps hue instead of clipping.
   The denoiser in step 3 is told this extra gain, so it removes the noise the final photo would show.

An imported low-light model (Zero-DCE, Zero-DCE++, SCI: RGB in, enhanced RGB out) runs as its authors
run it: on the whole photo when its entry says ``tiling: internal`` (or ``discouraged``), else in tiles
whose overlap covers its receptive field; ``strength`` and ``denoise`` do not apply to it.

A painted mask limits the effect (the result is blended with the photo by the mask, so a feathered
mask brightens one area smoothly); with no mask the whole photo changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from photoai.core import channels
from photoai.core.guided import GuidedUpsampler, box_mean
from photoai.core.tiling import run_tiled
from photoai.plugin_api import (
    BasePlugin,
    BoolParam,
    FloatParam,
    Model,
    ModelParam,
    PluginError,
    PluginInfo,
    Request,
    RunContext,
)

from .tone import DARK, MAX_GAIN, NORMAL, Exposure, choose_exposure, luminance, underexposure

ILLUM_ID, DENOISE_ID = "lowlight-illum", "lowlight-denoise"
PROXY_SIDE = 512  # long side of the photo the illumination network sees (unless its entry's config says)
S_MIN = 0.02  # the net's floor on S (x50), unless the entry's config says otherwise
GUIDED_RADIUS, GUIDED_EPS = 2, 1e-3  # the fast guided filter of net.IllumNet, applied at proxy resolution
BAND_ROWS = 256  # full-resolution rows per step of the division (progress and Cancel between bands)
TILE = 512  # pixels per tile side for the denoiser and tiled imported models
KEEP_MEAN_RADIUS = 12  # the denoiser's result keeps its input's mean over (2r+1)^2 pixels
TARGET_BRIGHTNESS = 0.4  # mean luminance of a normally exposed photo (auto exposure lifts darker results to it)


def local_detail(correction: np.ndarray, radius: int) -> np.ndarray:
    """HxWx3 ``correction`` without its locally constant parts (means over (2r+1)^2 boxes) at 0 and at
    the 2-pixel periods (alternating rows, columns, checkerboard): what is left is detail that varies
    from place to place, like noise; a constant offset or a fixed 2x2 pattern is removed. In place."""
    h, w = correction.shape[:2]
    rows = np.where(np.arange(h) % 2 == 0, 1.0, -1.0).astype(np.float32)[:, None, None]
    cols = np.where(np.arange(w) % 2 == 0, 1.0, -1.0).astype(np.float32)[None, :, None]
    for sign in (None, rows, cols, rows * cols):
        if sign is None:
            correction -= box_mean(correction, radius)
        else:
            correction -= box_mean(correction * sign, radius) * sign
    return correction


def proxy_of(image: np.ndarray, side: int = PROXY_SIDE) -> np.ndarray:
    """The photo the illumination network sees (:func:`photoai.core.channels.proxy_of`, long side ``side``)."""
    return channels.proxy_of(image, side)


def nchw(hwc: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(hwc.transpose(2, 0, 1))[None]


def hwc(nchw_array: np.ndarray) -> np.ndarray:
    return nchw_array[0].transpose(1, 2, 0)


def blend(base: np.ndarray, result: np.ndarray, weight: float | np.ndarray) -> np.ndarray:
    """``base + weight * (result - base)``, written into ``result``; ``weight`` a number or an HxW map."""
    w = weight[..., None] if isinstance(weight, np.ndarray) else weight
    np.subtract(result, base, out=result)
    result *= w
    result += base
    return result


class LowLightPlugin(BasePlugin):
    info = PluginInfo(
        id="lowlight",
        title="Low light (brighten)",
        description="Brighten an underexposed photo (a dim room, dusk, a backlit face) with natural colour and "
                    "without amplified noise: PhotoAI's illumination network, or a low-light model you imported. "
                    "A painted mask limits the effect to the painted area.",
        params=(
            ModelParam("model", "Model", choices=("network",), labels=("PhotoAI network",), task="lowlight",
                       help="PhotoAI's illumination network, or a low-light model you imported ('photoai models "
                            "import': Zero-DCE, Zero-DCE++, SCI), run as its authors run it; Strength and Denoise "
                            "apply to PhotoAI's network only"),
            FloatParam("strength", "Strength", default=1.0, minimum=0.0, maximum=1.5, step=0.05,
                       help="How much to brighten: 0 leaves the photo as it is, 1 is the network's estimate, "
                            "up to 1.5 brighter still. With 'Reach a normal exposure' on, a dark photo still ends "
                            "at a normal exposure as far as that step's gain allows: a lower strength leaves more "
                            "of it to that even, global gain (less lifting of the shadows against the lights) "
                            "(PhotoAI network only)"),
            BoolParam("auto_exposure", "Reach a normal exposure", default=True,
                      help="When the network's result is still darker than a normal exposure (mean brightness "
                           f"{TARGET_BRIGHTNESS}), expose it brighter as a camera would (a gain in linear light, "
                           f"at most {MAX_GAIN:g}x), rolling the highlights off smoothly instead of clipping them "
                           f"and keeping every colour's hue. A photo darker than mean {DARK:g} is brought all the "
                           f"way; one of {NORMAL:g} or brighter keeps the network's exposure (a low-key photo stays "
                           "low-key); in between, part of the way (PhotoAI network only)"),
            FloatParam("denoise", "Denoise", default=1.0, minimum=0.0, maximum=1.0, step=0.05,
                       help="How much of the noise that brightening amplified is removed: 0 skips the denoising "
                            "network (PhotoAI network only)"),
        ),
        model_ids=(ILLUM_ID, DENOISE_ID),
    )

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        ctx.raise_if_cancelled()
        v = request.values
        image = request.image
        if v["model"] == "network":  # without a mask the photo is not needed afterwards: divide it in place
            out = self._network(image, float(v["strength"]), float(v["denoise"]), ctx, request.mask is None,
                                bool(v["auto_exposure"]))
        else:
            out = self._imported(self._load_imported(str(v["model"]), ctx), image, ctx)
        ctx.raise_if_cancelled()
        if request.mask is not None:
            out = blend(image, out, request.mask)
        return np.clip(out, 0.0, 1.0, out=out)

    # ----------------------------------------------------------------------------- our network

    def _network(self, image: np.ndarray, strength: float, denoise: float, ctx: RunContext,
                 in_place: bool = False, auto_exposure: bool = False) -> np.ndarray:
        ctx.progress(0, 1, "Estimating the light")
        illum = ctx.runtime.load(ILLUM_ID)
        s_min = float(illum.spec.config.get("s_min", S_MIN))
        side = int(illum.spec.config.get("proxy_side", PROXY_SIDE))
        proxy = proxy_of(image, side)
        s_proxy = np.clip(hwc(illum(nchw(proxy), ctx=ctx)), s_min, 1.0)
        exposure = None
        if auto_exposure and strength > 0:
            weight = underexposure(float(luminance(proxy).mean()))
            exposure = choose_exposure(proxy / s_proxy ** strength, TARGET_BRIGHTNESS, weight)
            exposure = None if exposure.identity else exposure
        ctx.raise_if_cancelled()
        work = ctx.sub(0.1, 0.35 if denoise > 0 else 0.9 if exposure else 1.0)
        out = self._divide(image, proxy, s_proxy, strength, s_min, denoise > 0, work, in_place, exposure)
        if denoise > 0:
            out = self._denoise(out, denoise, ctx.runtime.load(DENOISE_ID), ctx.sub(0.35, 0.9 if exposure else 0.97))
        if exposure is not None:
            self._expose(out, exposure, ctx.sub(0.9, 0.97))
        return out

    @staticmethod
    def _divide(image: np.ndarray, proxy: np.ndarray, s_proxy: np.ndarray, strength: float, s_min: float,
                with_gain: bool, ctx: RunContext, in_place: bool = False,
                exposure: Exposure | None = None) -> np.ndarray:
        """I / S**strength, not clamped (HxWx3; into ``image`` itself when ``in_place``), followed by the
        gain when ``with_gain`` (HxWx6: the denoiser's two inputs in one array, so tiles cut both alike):
        1 / S**strength, times what ``exposure`` will add (:attr:`.tone.Exposure.amplification`), so the
        denoiser removes the noise the final photo would show. Band by band; S is upsampled from the
        proxy with the guided filter (taken as is when the proxy is the photo)."""
        h, w = image.shape[:2]
        up = None
        if proxy is not image:
            up = GuidedUpsampler(s_proxy, luminance(proxy), (h, w), GUIDED_RADIUS, GUIDED_EPS)
        out = image if in_place and not with_gain else np.empty((h, w, 6 if with_gain else 3), np.float32)
        for top in range(0, h, BAND_ROWS):
            ctx.raise_if_cancelled()
            ctx.progress(top, h, "Brightening")
            rows = slice(top, top + BAND_ROWS)
            s = s_proxy[rows].copy() if up is None else up.rows(luminance(image[rows]), top)
            np.clip(s, s_min, 1.0, out=s)
            if strength != 1.0:
                np.power(s, strength, out=s)
            band = out[rows]
            np.divide(image[rows], s, out=band[..., :3])
            if with_gain:
                np.divide(1.0, s, out=band[..., 3:])
                if exposure is not None:
                    band[..., 3:] *= exposure.amplification
        ctx.progress(1, 1)
        return out

    @staticmethod
    def _denoise(buf: np.ndarray, denoise: float, model: Model, ctx: RunContext) -> np.ndarray:
        """The denoiser on ``buf`` (:meth:`_divide`'s HxWx6), tile by tile, blended by ``denoise``. It sees
        the photo clamped to [0, 1], as in training, each tile mirrored outward by its receptive field
        (at the photo's edges the network would otherwise see its zero padding: a bright frame once
        exposed); its correction keeps only :func:`local_detail`, so it removes noise but shifts no
        colour or brightness (at high gains it brightens and tints flat shadows) and leaves no 2-pixel
        pattern (at high gains it adds one to flat areas), and what lay above 1 is added back, for the
        exposure's shoulder."""
        reach = model.spec.receptive_field // 2 + 1

        def tile(t: np.ndarray) -> np.ndarray:
            x = t[..., :3]
            clamped = np.clip(x, 0.0, 1.0)
            h, w = x.shape[:2]
            m = reach + reach % 2  # even: the network's 2x2 pixel-unshuffle keeps its pairing
            pad = ((m, m), (m, m), (0, 0))
            mirror = min(h, w) > m
            ins = [np.pad(a, pad, mode="reflect" if mirror else "edge") for a in (clamped, t[..., 3:])]
            y = hwc(model(nchw(ins[0]), nchw(ins[1]), ctx=ctx))[m:m + h, m:m + w]
            y = clamped + local_detail(y - clamped, KEEP_MEAN_RADIUS)
            y += x - clamped
            return y

        ctx.progress(0, 1, "Reducing noise")
        overlap = reach + KEEP_MEAN_RADIUS  # the local mean needs its window too
        clean = run_tiled(buf, tile, tile=TILE, overlap=overlap, out_channels=3, ctx=ctx)
        return clean if denoise >= 1 else blend(buf[..., :3], clean, denoise)

    @staticmethod
    def _expose(rgb: np.ndarray, exposure: Exposure, ctx: RunContext) -> None:
        """In place, band by band: ``exposure`` (:class:`.tone.Exposure`: a gain in linear light whose
        highlights roll off instead of clipping); nothing when it is the identity."""
        if exposure.identity:
            return
        h = rgb.shape[0]
        for top in range(0, h, BAND_ROWS):
            ctx.raise_if_cancelled()
            ctx.progress(top, h, "Exposing")
            exposure.apply(rgb[top:top + BAND_ROWS])
        ctx.progress(1, 1)

    # ----------------------------------------------------------------------------- imported models

    def _load_imported(self, name: str, ctx: RunContext) -> Model:
        if name in self.info.model_ids:
            raise PluginError(f"'{name}' is one stage of PhotoAI's network: choose model=network")
        model = ctx.runtime.load(name)
        spec = model.spec
        if spec.task != "lowlight":
            raise PluginError(f"model '{name}' is a {spec.task or 'general'} model, not a low-light one")
        if spec.scale != 1 or spec.in_channels != 3 or spec.out_channels != 3 or len(spec.inputs) > 1:
            raise PluginError(f"model '{name}' does not map an RGB photo to an RGB photo of the same size")
        return model

    @staticmethod
    def _imported(model: Model, image: np.ndarray, ctx: RunContext) -> np.ndarray:
        spec = model.spec
        ctx.progress(0, 1, f"Brightening ({spec.label()})")

        def call(t: np.ndarray) -> np.ndarray:
            return hwc(model(nchw(t), ctx=ctx))

        if spec.tiling != "supported":  # the model needs the whole photo (e.g. a global curve estimate)
            return call(image)
        return run_tiled(image, call, tile=TILE, overlap=spec.receptive_field // 2 + 1, out_channels=3, ctx=ctx)

    # ----------------------------------------------------------------------------- evaluation

    def evaluate(self, argv: Sequence[str]) -> int:
        """``photoai eval lowlight --data DIR`` (synthetic pairs) or ``--real DIR`` (no ground truth)."""
        from .evaluate import main

        main(list(argv))
        return 0
