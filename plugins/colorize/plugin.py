"""The ``colorize`` plugin: a black-and-white photo becomes colour (Zhang et al. 2016, hints as in 2017).

:meth:`ColorizePlugin.analyze` (the expensive part, once per photo and set of hints):

1. the photo's luminance Y (CIELAB L) at full resolution; a colour photo is reduced to its lightness;
2. a proxy of L whose long side is the model's ``config.proxy_side`` (sides multiples of 8), the user's
   hints (:class:`~photoai.core.params.ColorPoint`, image pixels, sRGB) mapped onto it as small patches
   of their ab (:func:`.hints.paint`);
3. one run of the ``colorize-net`` model: a distribution over the 313 ab bins for every pixel of a grid
   at 1/4 of the proxy, kept as log-probabilities, with what depends only on L
   (:class:`~photoai.core.color.LabToRgb`) and the bilinear taps from the grid to the photo;
4. with hints, their edge-aware spread over the grid (:mod:`.propagate`: Levin-style propagation guided
   by the proxy's L, solved once), so a hint's colour carries across its region and stops at strong edges.

:meth:`ColorizePlugin.render` (live: temperature, saturation and vividness re-render without the network):
the annealed mean at the grid (of the distribution with part of the class rebalancing divided out),
moved towards the hints' spread colour, scaled by the saturation, upsampled bilinearly to full resolution
band by band and converted to sRGB with the photo's own L (out-of-gamut colours are desaturated towards
the gray of their luminance, so L is kept). A painted mask limits the effect (blend with the photo by the
mask).
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from photoai.core.channels import resize_float
from photoai.core.color import LabToRgb, luminance, rgb_to_lab
from photoai.core.geometry import Rect, Size
from photoai.core.guided import bilinear_taps, region_taps
from photoai.plugin_api import (
    ColorPoint,
    FloatParam,
    LivePlugin,
    ModelError,
    PluginInfo,
    PointsParam,
    Request,
    RunContext,
)
from photoai.plugin_api.preview import LivePreview

from . import hints as hint_raster
from .bins import MODE, annealed_mean_log, log_probs, rebalance_weights
from .propagate import HintSpread, cell_lightness

MODEL_ID = "colorize-net"
PROXY_SIDE = 256  # long side of the network's proxy unless the model's config says otherwise (README: chosen by AuC)
SIZE_MULTIPLE = 8  # the network's input sides
HINT_SIDE = 3  # proxy pixels across one hint patch
THREADS = max(1, min(4, os.cpu_count() or 1))  # render threads
BAND_PIXELS = 1 << 16  # pixels per step of the render: buffers of a few MB (L3-cached), few numpy calls per pixel
PAPER_T = 0.38  # Zhang et al. 2016's temperature
DEFAULT_T, MIN_T = PAPER_T, 0.05  # the default: README, "Default temperature"
DEFAULT_VIVIDNESS = 1.0  # as trained (Zhang et al.); README, "Vividness": the held-out and Kodak24 trade-off


class Frames:
    """The render results of one analysis, written again once nothing else holds them: a new H x W x 3
    frame costs its fresh pages (about 20 ms at 12 MP) on top of the arithmetic. At most :data:`KEEP` are
    remembered (the one on screen and a spare); they go with the analysis."""

    KEEP = 2
    _FREE = 2  # references of a frame nobody else holds: the list's and getrefcount's argument

    def __init__(self) -> None:
        self._frames: list[np.ndarray] = []
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, int, int]) -> np.ndarray:
        """A float32 array of ``shape`` (its contents undefined)."""
        with self._lock:
            for i in range(len(self._frames)):
                if self._frames[i].shape == shape and sys.getrefcount(self._frames[i]) == self._FREE:
                    return self._frames[i]
            frame = np.empty(shape, np.float32)
            self._frames = [*self._frames[1 - self.KEEP:], frame]
            return frame


@dataclass
class Analysis:
    """What :meth:`ColorizePlugin.render` needs: the network's log-probabilities on its grid (h x w x Q),
    the bin centres (Q x 2), the L-only part of Lab -> sRGB, the bilinear taps grid -> photo, the log of the
    class-rebalancing weights the network was trained with (Q, None if its entry has no ``config.prior``)
    and the render results (:class:`Frames`)."""

    logp: np.ndarray
    bins: np.ndarray
    lab: LabToRgb
    rows: tuple[np.ndarray, np.ndarray, np.ndarray]
    cols: tuple[np.ndarray, np.ndarray, np.ndarray]
    spread: HintSpread | None = None
    log_weights: np.ndarray | None = None
    frames: Frames = field(default_factory=Frames)

    @property
    def shape(self) -> tuple[int, int]:
        return self.lab.shape


def proxy_size(width: int, height: int, side: int, multiple: int = SIZE_MULTIPLE) -> Size:
    """The proxy of a ``width`` x ``height`` photo: long side at most ``side`` (never enlarged, except to
    reach ``multiple``), both sides rounded to multiples of ``multiple``."""
    f = min(1.0, side / max(width, height))
    return Size(*(max(multiple, multiple * round(d * f / multiple)) for d in (width, height)))


def hint_colour(point: ColorPoint) -> np.ndarray:
    """A hint's CIELAB ab (float32)."""
    return rgb_to_lab(np.asarray(point.rgb, np.float64) / 255.0)[1:].astype(np.float32)


def hint_planes(points: Sequence[ColorPoint], image_size: Size, proxy: Size) -> tuple[np.ndarray, np.ndarray]:
    """The hints as the network sees them on the proxy: ab planes (h x w x 2) and mask (h x w); each point
    (on the photo: the pre-run check refuses others) is a :data:`HINT_SIDE` patch of its colour's ab."""
    hint_ab, mask = hint_raster.empty((proxy.height, proxy.width))
    for p in points:
        y = math.floor(p.y * proxy.height / image_size.height) - HINT_SIDE // 2
        x = math.floor(p.x * proxy.width / image_size.width) - HINT_SIDE // 2
        hint_raster.paint(hint_ab, mask, y, x, HINT_SIDE, hint_colour(p))
    return hint_ab, mask


def hint_spread(points: Sequence[ColorPoint], image_size: Size, proxy_lightness: np.ndarray,
                grid: tuple[int, int], **settings: float) -> HintSpread | None:
    """The hints' :class:`~.propagate.HintSpread` on the network's ``grid`` (h, w), guided by the proxy's L
    averaged per grid cell; None without hints. ``settings``: :meth:`HintSpread.build`'s (evaluation)."""
    if not points:
        return None
    h, w = grid
    positions = [((math.floor(p.y) + 0.5) * h / image_size.height - 0.5,
                  (math.floor(p.x) + 0.5) * w / image_size.width - 0.5) for p in points]  # the hint pixels' centres
    guide = cell_lightness(proxy_lightness, proxy_lightness.shape[0] // h)
    return HintSpread.build(guide, np.asarray(positions), np.stack([hint_colour(p) for p in points]), **settings)


def model_log_weights(config: Mapping[str, object], channels: int) -> np.ndarray | None:
    """Log of the class-rebalancing weights of a model trained with them (from its ``config.prior``, the
    training photos' smoothed bin prior; :func:`.bins.rebalance_weights`), or None without a prior."""
    prior = np.asarray(config.get("prior", ()), np.float64)
    return np.log(rebalance_weights(prior)) if prior.shape == (channels,) else None


def model_bins(config: dict, channels: int) -> np.ndarray:
    """The ab bin centres a model's entry carries (``config.bins``), checked against its output channels."""
    bins = np.asarray(config.get("bins", ()), np.float32)
    if bins.ndim != 2 or bins.shape != (channels, 2):
        raise ModelError(f"model '{MODEL_ID}': config.bins must hold {channels} (a, b) pairs, found {bins.shape}")
    return bins


class ColorizePlugin(LivePreview, LivePlugin):
    renders_new_arrays = True  # compose returns a new array, or one that nothing holds any more (Frames)
    info = PluginInfo(
        id="colorize",
        title="Colorize",
        description="Turn a black-and-white photo into colour with PhotoAI's colorization network; colour hints "
                    "(points of a chosen colour) steer it. The photo's lightness is kept exactly; a colour photo "
                    "is first reduced to its lightness. A painted mask limits the effect.",
        params=(
            FloatParam("temperature", "Temperature", default=DEFAULT_T, minimum=MIN_T, maximum=1.0, step=0.01,
                       decimals=2, live=True,
                       help="How bold the colours are: low values take the most likely colour of each area (vivid, "
                            "may be patchy), 1 takes the average of the likely colours (safe, duller); 0.38 as in "
                            "Zhang et al."),
            FloatParam("saturation", "Saturation", default=1.0, minimum=0.0, maximum=2.0, step=0.05, decimals=2,
                       live=True, help="Multiplies the predicted colour's chroma: 0 gives back the gray photo"),
            FloatParam("vividness", "Vividness", default=DEFAULT_VIVIDNESS, minimum=0.0, maximum=1.0, step=0.05,
                       decimals=2, live=True,
                       help="How much rare, vivid colours are favoured: 1 as the network was trained (class "
                            "rebalancing, Zhang et al.: bold, sometimes wrong colours), 0 that favouring undone "
                            "(the colours as common as in photos: safer, duller)"),
            PointsParam("hints", "Colour hints",
                        help="Points of a chosen colour (x, y in image pixels, rgb): the network colours their "
                             "surroundings accordingly. None: fully automatic."),
        ),
        model_ids=(MODEL_ID,),
    )

    def __init__(self, proxy_side: int | None = None, spread: bool = True,
                 spread_settings: Mapping[str, float] | None = None) -> None:
        self.proxy_side = proxy_side  # overrides the model's config.proxy_side (evaluation)
        self.spread = spread  # False: the network's colours without the hints' spread (evaluation)
        self.spread_settings = dict(spread_settings or {})  # overrides of HintSpread.build's sigma, reach (evaluation)

    # ----------------------------------------------------------------------------- analysis

    def analyze(self, request: Request, ctx: RunContext) -> Analysis:
        ctx.raise_if_cancelled()
        ctx.progress(0, 1, "Reading the lightness")
        image = request.image
        height, width = image.shape[:2]
        y = luminance(image)
        lab = LabToRgb(y)
        ctx.raise_if_cancelled()
        model = ctx.runtime.load(MODEL_ID)
        config = dict(model.spec.config)
        proxy = proxy_size(width, height, self.proxy_side or int(config.get("proxy_side", PROXY_SIDE)),
                           int(config.get("size_multiple", SIZE_MULTIPLE)))
        lightness = 116.0 * lab.fy - 16.0
        small = lightness if proxy == Size(width, height) else resize_float(lightness, proxy, Image.Resampling.BOX)
        points = request.values.get("hints", ())
        hint_ab, hint_mask = hint_planes(points, Size(width, height), proxy)
        ctx.progress(0.3, 1, "Predicting colours")
        probs = model(small[None, None], np.ascontiguousarray(hint_ab.transpose(2, 0, 1))[None], hint_mask[None, None],
                      ctx=ctx)[0]
        ctx.raise_if_cancelled()
        bins = model_bins(config, probs.shape[0])
        logp = log_probs(np.ascontiguousarray(probs.transpose(1, 2, 0)))
        h, w = logp.shape[:2]
        spread = None if not self.spread else hint_spread(points, Size(width, height), small, (h, w),
                                                          **self.spread_settings)
        ctx.progress(1, 1)
        return Analysis(logp, bins, lab, bilinear_taps(h, height), bilinear_taps(w, width), spread,
                        model_log_weights(config, probs.shape[0]))

    # ----------------------------------------------------------------------------- render

    def render(self, analysis: Analysis, request: Request, ctx: RunContext) -> np.ndarray:
        v = request.values
        return compose(analysis, float(v["temperature"]), float(v["saturation"]), request.image, request.mask, ctx,
                       float(v["vividness"]))

    def render_preview(self, analysis: Analysis, request: Request, region: Rect, ctx: RunContext) -> np.ndarray:
        """The render of ``region`` at ``request.image``'s resolution (a slider being dragged): the same grid
        prediction, upsampled onto the lightness of the smaller image (:class:`LivePreview`)."""
        h, w = request.image.shape[:2]
        height, width = analysis.shape
        grid_h, grid_w = analysis.logp.shape[:2]
        small = Analysis(analysis.logp, analysis.bins, LabToRgb(luminance(request.image)),
                         region_taps(grid_h, height, region.y, region.height, h),
                         region_taps(grid_w, width, region.x, region.width, w), analysis.spread, analysis.log_weights)
        v = request.values
        return compose(small, float(v["temperature"]), float(v["saturation"]), request.image, request.mask, ctx,
                       float(v["vividness"]))

    def evaluate(self, argv: Sequence[str]) -> int:
        """``photoai eval colorize --data DIR`` (default Kodak24)."""
        from .evaluate import main

        main(list(argv))
        return 0


def grid_ab(analysis: Analysis, temperature: float, saturation: float = 1.0,
            vividness: float = DEFAULT_VIVIDNESS) -> np.ndarray:
    """The ab prediction on the network's grid (h x w x 2): annealed mean at ``temperature`` (:data:`MODE`
    takes the most likely bin) of the distribution with ``1 - vividness`` of the class rebalancing divided
    out, moved towards the hints' edge-aware spread (:mod:`.propagate`), times ``saturation``.

    A network trained with per-class loss weights w predicts about w(b) p(b | L), normalized: dividing by
    w**(1 - vividness) gives back the photos' own odds at vividness 0, the trained ones at 1."""
    logp = analysis.logp
    if analysis.log_weights is not None and vividness < 1.0:
        logp = logp - np.float32(1.0 - vividness) * analysis.log_weights.astype(np.float32)
    ab = annealed_mean_log(logp, analysis.bins, temperature)
    if analysis.spread is not None:
        ab = analysis.spread.apply(ab)
    ab *= np.float32(saturation)
    return ab


def compose(analysis: Analysis, temperature: float, saturation: float = 1.0, image: np.ndarray | None = None,
            mask: np.ndarray | None = None, ctx: RunContext | None = None,
            vividness: float = DEFAULT_VIVIDNESS) -> np.ndarray:
    """The colour photo (H x W x 3 float32 sRGB): :func:`grid_ab` upsampled bilinearly (band by band) onto the
    photo's L; with ``mask`` (H x W) the result is blended with ``image`` by it. Horizontal stripes of the
    photo are rendered by :data:`THREADS` threads (numpy releases the GIL); the pixels do not depend on it."""
    height, width = analysis.shape
    ab = grid_ab(analysis, temperature, saturation, vividness) * np.asarray(LabToRgb.AB_SCALE, np.float32)
    x0, x1, wx = analysis.cols
    wxc = wx[:, None]
    planes = np.ascontiguousarray((ab[:, x0] * (1.0 - wxc) + ab[:, x1] * wxc).transpose(2, 0, 1))  # 2 x h x W
    steps = np.concatenate([planes[:, 1:] - planes[:, :-1], np.zeros_like(planes[:, :1])], axis=1)  # row i -> i + 1
    out = analysis.frames.take((height, width, 3))
    band_rows = max(1, BAND_PIXELS // width)
    bands = range(0, height, band_rows)
    chunk = -(-len(bands) // THREADS) * band_rows

    def stripe(first: int) -> None:
        band = analysis.lab.band(band_rows)
        y0, _, wy = analysis.rows
        for top in range(first, min(first + chunk, height), band_rows):
            if ctx is not None and (top // band_rows) % 64 == 0:
                ctx.raise_if_cancelled()
            n = min(band_rows, height - top)
            d = band.offsets(n)
            idx = y0[top:top + n]
            for start in np.flatnonzero(np.diff(idx, prepend=-1)):  # runs of rows between the same two grid rows
                i, stop = idx[start], start + int(np.searchsorted(idx[start:], idx[start], side="right"))
                np.multiply(wy[None, top + start:top + stop, None], steps[:, i, None], out=d[:, start:stop])
                d[:, start:stop] += planes[:, i, None]
            analysis.lab.rows(top, band, out[top:top + n])
            rows = out[top:top + n]
            if mask is not None and image is not None:
                rows -= image[top:top + n]
                rows *= mask[top:top + n, :, None]
                rows += image[top:top + n]

    firsts = list(range(0, height, chunk))
    if len(firsts) == 1:
        stripe(0)
    else:
        with ThreadPoolExecutor(len(firsts)) as pool:
            for done in [pool.submit(stripe, f) for f in firsts]:
                done.result()
    return out


__all__ = ["MODEL_ID", "MODE", "DEFAULT_VIVIDNESS", "Analysis", "model_log_weights", "ColorizePlugin", "proxy_size",
           "hint_colour", "hint_planes", "hint_spread",
           "grid_ab", "compose"]
