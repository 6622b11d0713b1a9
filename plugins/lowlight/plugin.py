"""The ``lowlight`` plugin: brighten an underexposed photo with our illumination network (DeepUPE-style).

Our network (``model=network``):

1. The photo is reduced (box filter) to a proxy whose long side is at most :data:`PROXY_SIDE`; the
   ``lowlight-illum`` model estimates the illumination S (per channel, in [0.02, 1]) of the proxy.
2. S is brought to full resolution edge-aware (:mod:`photoai.core.guided`, guided by the photo's own
   luminance), raised to the power ``strength`` and divided out: I / S, clamped. This runs in bands
   of rows, so the full-size work is one pass.
3. ``lowlight-denoise`` removes the noise the division amplified, tile by tile (overlap covering its
   receptive field), from the brightened photo and the gain 1 / S; ``denoise`` blends it in.

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
from photoai.core.guided import GuidedUpsampler
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

ILLUM_ID, DENOISE_ID = "lowlight-illum", "lowlight-denoise"
PROXY_SIDE = 512  # long side of the photo the illumination network sees (unless its entry's config says)
LUMA = (0.299, 0.587, 0.114)  # the guide: net.luminance's weights (a test keeps them equal)
S_MIN = 0.02  # the net's floor on S (x50), unless the entry's config says otherwise
GUIDED_RADIUS, GUIDED_EPS = 2, 1e-3  # the fast guided filter of net.IllumNet, applied at proxy resolution
BAND_ROWS = 256  # full-resolution rows per step of the division (progress and Cancel between bands)
TILE = 512  # pixels per tile side for the denoiser and tiled imported models
TARGET_BRIGHTNESS = 0.4  # mean luminance of a normally exposed photo (auto exposure lifts darker results to it)
MAX_STRENGTH = 2.0  # the most auto exposure raises S's exponent
KNEE = 0.6  # where the highlight shoulder of a lifted exposure starts


def luminance(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 -> HxW float32, the weights of :data:`LUMA`."""
    return rgb @ np.asarray(LUMA, np.float32)


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


def roll_off(x: np.ndarray, knee: float = KNEE) -> np.ndarray:
    """In place: values above ``knee`` approach 1 smoothly (tanh shoulder) instead of clipping at 1."""
    over = x > knee
    x[over] = knee + (1.0 - knee) * np.tanh((x[over] - knee) / (1.0 - knee))
    return x


def exposure_strength(proxy: np.ndarray, s: np.ndarray, strength: float, target: float = TARGET_BRIGHTNESS,
                      most: float = MAX_STRENGTH) -> float:
    """The exponent k >= ``strength`` for which the proxy's mean luminance after I / S**k reaches ``target``
    (``strength`` itself when it already does; at most ``most``), by bisection: brightness grows with k."""
    def brightness(k: float) -> float:
        return float(luminance(np.clip(proxy / s ** k, 0.0, 1.0)).mean())

    if brightness(strength) >= target:
        return strength
    if brightness(most) <= target:
        return most
    lo, hi = strength, most
    for _ in range(12):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if brightness(mid) < target else (lo, mid)
    return hi


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
                            "up to 1.5 brighter still (PhotoAI network only)"),
            BoolParam("auto_exposure", "Reach a normal exposure", default=True,
                      help="When the network's result is still darker than a normal exposure (mean brightness "
                           f"{TARGET_BRIGHTNESS}), lift it further with a stronger illumination correction; a photo "
                           "already bright enough is left as the network made it (PhotoAI network only)"),
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
        proxy = proxy_of(image, int(illum.spec.config.get("proxy_side", PROXY_SIDE)))
        s_proxy = np.clip(hwc(illum(nchw(proxy), ctx=ctx)), s_min, 1.0)
        lifted = auto_exposure and strength > 0 and (k := exposure_strength(proxy, s_proxy, strength)) > strength
        ctx.raise_if_cancelled()
        work = ctx.sub(0.1, 0.35 if denoise > 0 else 1.0)
        buf = self._divide(image, proxy, s_proxy, k if lifted else strength, s_min, denoise > 0, work, in_place,
                           shoulder=lifted)
        if denoise <= 0:
            return buf
        model = ctx.runtime.load(DENOISE_ID)

        def tile(t: np.ndarray) -> np.ndarray:
            return hwc(model(nchw(t[..., :3]), nchw(t[..., 3:]), ctx=ctx))

        sub = ctx.sub(0.35, 0.97)
        sub.progress(0, 1, "Reducing noise")
        clean = run_tiled(buf, tile, tile=TILE, overlap=model.spec.receptive_field // 2 + 1, out_channels=3, ctx=sub)
        return clean if denoise >= 1 else blend(buf[..., :3], clean, denoise)

    @staticmethod
    def _divide(image: np.ndarray, proxy: np.ndarray, s_proxy: np.ndarray, strength: float, s_min: float,
                with_gain: bool, ctx: RunContext, in_place: bool = False, shoulder: bool = False) -> np.ndarray:
        """I / S**strength, clamped (HxWx3; into ``image`` itself when ``in_place``), followed by the gain
        1 / S**strength when ``with_gain`` (HxWx6: the denoiser's two inputs in one array, so tiles cut
        both alike), computed band by band. S is upsampled from the proxy with the guided filter (taken as
        is when the proxy is the photo). ``shoulder``: highlights roll off (:func:`roll_off`) instead of
        clipping, for an exposure lifted beyond the network's estimate."""
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
            if shoulder:
                roll_off(band[..., :3])
            np.clip(band[..., :3], 0.0, 1.0, out=band[..., :3])
            if with_gain:
                np.divide(1.0, s, out=band[..., 3:])
        ctx.progress(1, 1)
        return out

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
