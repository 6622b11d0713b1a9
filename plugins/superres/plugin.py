"""The ``superres`` plugin: our Y-channel network (ONNX, tiled), an imported model, or MATLAB bicubic.

Our networks come in two families: "Clean image (benchmark)" (``network``: ``superres-x{s}``, trained on
the MATLAB-bicubic protocol) and "Photo (robust)" (``photo``: ``superres-photo-x{s}``, trained on
resized/blurred/noisy/JPEG inputs; the default), each at two Speeds: "Best quality" (48 channels) and "Fast"
(``superres-fast-x{s}``, ``superres-photo-fast-x{s}``: 16 channels, trained with re-parameterized branches), and
each in float32 and int8 (Precision).

Luma goes through the network tile by tile with enough overlap to cover its receptive field
(so tiles reproduce a whole-image run); chroma is upscaled with bicubic, as in SRCNN/FSRCNN. An
imported model runs as its authors run it: its own YCbCr convention and chroma upscaling
(``ModelSpec.color`` and ``config["chroma"]``), or all three channels for an RGB model.

The result is made band by band (:class:`~photoai.plugin_api.banded.BandedPlugin`): each row of luma tiles,
then, in bands of :data:`BAND_BYTES`, its chroma (MATLAB bicubic of just those rows) and the conversion to RGB.
The editor's run writes the bands into one float32 output frame; the CLI streams them to the file
(:func:`~photoai.plugin_api.execute.stream_plugin`), so no full-size frame exists. Same pixels either way.
Before the run, :func:`memory_needed` is checked against what the machine has.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from photoai.core.channels import resize_float
from photoai.core.geometry import Size
from photoai.core.memory import available_memory, ensure_memory
from photoai.core.resize import YCBCR, band_rows, imresize, rgb_to_ycbcr, ycbcr_to_rgb
from photoai.core.tiling import iter_tiled, plan_tiles
from photoai.plugin_api import (
    ChoiceParam,
    Model,
    ModelError,
    ModelParam,
    ModelSpec,
    PluginError,
    PluginInfo,
    Request,
    RunContext,
)
from photoai.plugin_api.banded import BandedPlugin
from photoai.plugin_api.preview import PreviewPlugin, View, proxy_preview
from photoai.runtime.archs import Arch

from .detect import DETECTOR_ID, THRESHOLD, aliasing_logit, model_logits
from .detect.jpeg import THRESHOLD as JPEG_THRESHOLD
from .detect.jpeg import jpeg_score

log = logging.getLogger(__name__)

SCALES = (2, 3, 4)
PRECISIONS = ("float32", "int8")
AUTO_TILES = (768, 512, 384, 256)  # LR px per tile side, "auto" takes the first that fits in memory
#: Bytes per output pixel of a run that keeps its result (the editor): the float32 RGB frame (12); at export
#: 4 more (JPEG and WebP: the encoder's RGBX buffer; PNG and TIFF are quantized and written in strips).
FRAME_BYTES, EXPORT_BYTES = 12, 4
#: Bytes per input pixel: the request's copy (12), YCbCr (12), contiguous Y (4).
IN_BYTES = 28
#: Float32 RGB result rows made at a time (chroma, colour conversion, clipping), about this many bytes.
BAND_BYTES = 32 << 20
#: Bytes per (context-padded) low-resolution tile pixel inside ONNX Runtime: 48 float32 feature maps, a few
#: alive at once, plus the output tile.
TILE_BYTES = 1024
#: Our model families (Method, with "-fast" for Speed "Fast") -> model id prefix.
FAMILIES = {"network": "superres-", "photo": "superres-photo-",
            "network-fast": "superres-fast-", "photo-fast": "superres-photo-fast-",
            "photo-fast-aliased": "superres-photo-fast-aliased-", "photo-fast-jpeg": "superres-photo-fast-jpeg-"}
#: A family whose photos go to another one when they are found JPEG-compressed at this size or shrunk without a
#: prefilter (asked in this order: a JPEG's blocks first; README, "Aliased and JPEG inputs"), unless the Input
#: choice says what the photo is.
ROUTES = {"photo-fast": {"jpeg": "photo-fast-jpeg", "aliased": "photo-fast-aliased"}}
#: The Input choices: let the detectors decide, or say what the photo is.
INPUTS = ("auto", "smooth", "aliased", "jpeg")
#: The Speed choices: the full network (48 channels) or the small one (16 channels); the default (README, "Fast").
SPEEDS, DEFAULT_SPEED = ("quality", "fast"), "fast"


def family(method: str, speed: str = "quality") -> str:
    """The model family of a Method choice (``network``/``photo``) at a Speed choice."""
    return method if speed == "quality" else f"{method}-{speed}"


def chosen_family(values: Mapping[str, Any]) -> str | None:
    """The family of the Method and Speed values, or None for bicubic or an imported model."""
    return family(values["model"], values["speed"]) if values["model"] in FAMILIES else None


def model_id(scale: int, precision: str = "float32", family: str = "network") -> str:
    """``superres-photo-fast-x2-int8``."""
    return f"{FAMILIES[family]}x{scale}" + ("-int8" if precision == "int8" else "")


def is_jpeg(image: np.ndarray, ctx: RunContext) -> bool:
    """Was ``image`` JPEG-compressed at this size (:func:`.detect.jpeg.jpeg_score`)?"""
    score = jpeg_score(image)
    log.info("JPEG score %.2f (threshold %.2f)", score, JPEG_THRESHOLD)
    return score > JPEG_THRESHOLD


def is_aliased(image: np.ndarray, ctx: RunContext) -> bool:
    """Was ``image`` shrunk without a prefilter (the aliasing detector; False when it is not installed)?"""
    try:
        detector = ctx.runtime.load(DETECTOR_ID)
    except ModelError as e:  # a models folder without the detector (tests, a user's own folder)
        log.warning("no aliasing detector (%s): not routed", e)
        return False
    logit = aliasing_logit(image, model_logits(detector, ctx))
    log.info("aliasing detector: mean logit %.2f", logit)
    return logit > THRESHOLD


#: What each kind of input of :data:`ROUTES` is told by.
KIND_TESTS: dict[str, Callable[[np.ndarray, RunContext], bool]] = {"jpeg": is_jpeg, "aliased": is_aliased}


def input_kind(image: np.ndarray, fam: str, ctx: RunContext, source: str = "auto") -> str:
    """What the photo ``image`` is for the :data:`ROUTES` of ``fam``: the ``source`` choice, or (``auto``) the first
    kind whose test finds it, else ``smooth`` (no test runs for a family without routes)."""
    routes = ROUTES.get(fam, {})
    if source != "auto" or not routes:
        return source if source != "auto" else "smooth"
    return next((kind for kind in routes if KIND_TESTS[kind](image, ctx)), "smooth")


def routed_family(image: np.ndarray, fam: str, ctx: RunContext, source: str = "auto") -> str:
    """``fam``, or the family of :data:`ROUTES` for what the photo ``image`` is (:func:`input_kind`)."""
    return ROUTES.get(fam, {}).get(input_kind(image, fam, ctx, source), fam)


def fingerprint(image: np.ndarray) -> tuple[tuple[int, ...], int]:
    """A cheap key of a photo's pixels (its shape and a sparse grid of ~4,000 pixels)."""
    step = max(1, int(np.sqrt(image.shape[0] * image.shape[1] / 4096)))
    return image.shape, hash(np.ascontiguousarray(image[::step, ::step]).tobytes())


def family_ids(family: str) -> tuple[str, ...]:
    return tuple(model_id(s, p, family) for s in SCALES for p in PRECISIONS)


def memory_needed(size: Size, scale: int, tile: int | None, *, streamed: bool = False) -> int:
    """Peak bytes a run adds to the process: ONNX Runtime's working memory for the largest tile (kept to the
    end) plus the plugin's and the export's needs; ``tile`` None for bicubic. ``streamed``: the result goes to
    the file band by band (the CLI): a row of luma tiles and a band instead of the frame, and at most the
    encoder's buffer of a JPEG or WebP (4 bytes per output pixel)."""
    in_px = size.width * size.height
    out_px = in_px * scale * scale
    network = luma = 0
    if tile:
        cores = plan_tiles(size, tile)
        core = max(cores, key=lambda r: r.width * r.height)
        network = (core.width + 2 * 16) * (core.height + 2 * 16) * TILE_BYTES
        luma = max(r.height for r in cores) * scale * size.width * scale * 4
    if streamed:  # bicubic: just the request's copy of the input
        return network + in_px * (IN_BYTES if tile else 12) + luma + 2 * BAND_BYTES + EXPORT_BYTES * out_px
    plugin = FRAME_BYTES * out_px + in_px * IN_BYTES + BAND_BYTES  # luma tiles go straight into the frame
    export = (FRAME_BYTES + EXPORT_BYTES) * out_px + 12 * in_px
    return network + max(plugin, export)


def auto_tile(size: Size, scale: int, available: int | None, *, streamed: bool = False) -> int:
    """The largest of :data:`AUTO_TILES` whose run fits in ``available`` bytes (the smallest if none does)."""
    for tile in AUTO_TILES:
        if available is None or memory_needed(size, scale, tile, streamed=streamed) <= available:
            return tile
    return AUTO_TILES[-1]


def _band(frame: np.ndarray | None, rows: slice, width: int) -> np.ndarray:
    """Rows ``rows`` of the result: a view of ``frame``, or a new array when streaming."""
    if frame is not None:
        return frame[rows]
    return np.empty((rows.stop - rows.start, width, 3), np.float32)


#: The Method choices: our two model families (robust first: the default) and the no-model reference.
_CHOICES = (("photo", "Photo (robust)"), ("network", "Clean image (benchmark)"), ("bicubic", "Bicubic (no model)"))
#: The Method choices of our networks (Speed and Precision act on them), and those routed by Input at Speed Fast.
OURS = ("photo", "network")
ROUTED_METHODS = tuple(m for m in OURS if family(m, "fast") in ROUTES)


class SuperResPlugin(PreviewPlugin, BandedPlugin):
    """Previews (:class:`PreviewPlugin`): the visible region of the input, scaled so that the output is screen-sized,
    on at most ``preview_max_pixels`` input pixels (the network takes about 2.3 s of one core per input MP)."""

    preview_max_pixels = 150_000
    #: The last routed photo's kind for previews: ((fingerprint, family), kind).
    _kind: tuple[tuple[Any, str], str] | None = None
    info = PluginInfo(
        id="superres",
        title="Super-resolution",
        description="Enlarge x2, x3 or x4 with PhotoAI's own residual network (or plain bicubic).",
        params=(
            ChoiceParam("scale", "Scale", choices=SCALES, labels=("x2", "x3", "x4"), default=2,
                        help="Output size = input size x scale"),
            ModelParam("model", "Method", choices=tuple(c for c, _ in _CHOICES),
                       labels=tuple(label for _, label in _CHOICES), default=_CHOICES[0][0], task="superres",
                       help="Photo (robust): for photos as they are (JPEG, resized, camera blur; at Speed Fast a "
                            "JPEG or a photo shrunk without smoothing is detected and gets a network made for it, see "
                            "Input); Clean image "
                            "(benchmark): for uncompressed images shrunk with bicubic, as in SR benchmarks; "
                            "MATLAB-style bicubic as a reference; or a model you imported ('photoai models "
                            "import')"),
            ChoiceParam("precision", "Precision", choices=PRECISIONS,
                        labels=("Exact (float32)", "Compact (int8)"), default="int8",
                        applies=(("model", OURS),),
                        help="PhotoAI networks only: int8 runs 1.5-3x faster on CPUs and scores within 0.1 dB "
                             "of float32"),
            ChoiceParam("speed", "Speed", choices=SPEEDS, labels=("Best quality", "Fast"), default=DEFAULT_SPEED,
                        applies=(("model", OURS),),
                        help="PhotoAI networks only: Fast (16 channels) runs about 2x faster and scores within 0.2 dB "
                             "of Best quality (48 channels) on photos; Best quality is up to 0.2 dB sharper on "
                             "clean benchmark images"),
            ChoiceParam("source", "Input", choices=INPUTS,
                        labels=("Detect", "Smoothly resized", "Resized without smoothing", "JPEG"), default="auto",
                        applies=(("model", ROUTED_METHODS), ("speed", ("fast",))),
                        help="Photo at Speed Fast only: what the photo went through. A JPEG saved at this size, or "
                             "a photo shrunk without smoothing (jagged edges, moire: nearest neighbour, some web "
                             "tools), gets a network that calms those artefacts instead of sharpening them; Detect "
                             "looks for both"),
            ChoiceParam("tile", "Tile size", choices=("auto", 128, 256, 512, 1024),
                        labels=("Auto", "128 px", "256 px", "512 px", "1024 px"), default="auto",
                        help="Input pixels per tile side; smaller uses less memory, results are identical"),
        ),
        changes_size=True,
        model_ids=(*(i for f in FAMILIES for i in family_ids(f)), DETECTOR_ID),
        alpha_mode="resize",
    )

    def preview(self, request: Request, view: View, ctx: RunContext) -> np.ndarray:
        """The region's preview, routed as the final run will be: the photo's kind (:func:`input_kind`) is found on
        the whole input (once per photo and family), not on the scaled-down crop a preview runs on."""
        values = request.values
        fam = chosen_family(values)
        if fam in ROUTES and values["source"] == "auto":
            key = (fingerprint(request.image), fam)
            cached = self._kind  # one read: previews may run on two threads at once
            if cached is None or cached[0] != key:
                cached = self._kind = (key, input_kind(request.image, fam, ctx))
            request = Request(request.image, request.mask, {**values, "source": cached[1]}, request.raw)
        return proxy_preview(self, request, view, ctx)

    def output_size(self, size: Size, values: Mapping[str, Any]) -> Size:
        s = int(values["scale"])
        return Size(size.width * s, size.height * s)

    def bands(self, request: Request, ctx: RunContext, frame: np.ndarray | None) -> Iterator[np.ndarray]:
        """Checks, the memory estimate (refusal before any work), the model; then the result's bands."""
        scale = int(request.values["scale"])
        choice = request.values["model"]
        h, w = request.image.shape[:2]
        size = Size(w, h)
        streamed = frame is None
        what = f"super-resolution x{scale} of {w}x{h} (a {w * scale}x{h * scale} result)"
        hint = "choose a smaller scale, or crop the photo"
        if choice == "bicubic":
            ensure_memory(memory_needed(size, scale, None, streamed=streamed), what, hint)
            ctx.raise_if_cancelled()
            ctx.progress(0, 1, "Bicubic upscaling")
            return self._bicubic_bands(request.image, scale, frame)
        auto = request.values["tile"] == "auto"
        tile = (auto_tile(size, scale, available_memory(), streamed=streamed) if auto
                else int(request.values["tile"]))
        ensure_memory(memory_needed(size, scale, tile, streamed=streamed), what,
                      hint + ("" if auto else ", or a smaller tile size"))
        values = request.values
        fam = chosen_family(values)
        name = choice if fam is None else model_id(scale, values["precision"],
                                                   routed_family(request.image, fam, ctx, values["source"]))
        model = ctx.runtime.load(name)
        spec = model.spec
        if spec.task != "superres":
            raise PluginError(f"model '{name}' is a {spec.task or 'general'} model, not a super-resolution one")
        if spec.scale != scale:
            raise PluginError(f"model '{name}' enlarges x{spec.scale}; choose x{spec.scale} as the scale")
        if spec.color == "rgb":
            return self._rgb_bands(model, request.image, tile, ctx, frame)
        if spec.color not in YCBCR:
            raise PluginError(f"model '{name}': colour convention {spec.color!r} is not supported")
        return self._luma_bands(model, request.image, tile, ctx, frame)

    @staticmethod
    def _bicubic_bands(image: np.ndarray, scale: int, frame: np.ndarray | None) -> Iterator[np.ndarray]:
        """MATLAB bicubic, band of output rows by band (the rows of the whole-image ``imresize``)."""
        height, width = image.shape[0] * scale, image.shape[1] * scale
        step = band_rows((height, width, 3), 4, BAND_BYTES)  # float32 RGB rows
        for top in range(0, height, step):
            rows = slice(top, min(height, top + step))
            yield imresize(image, float(scale), rows=rows, out=_band(frame, rows, width))

    @staticmethod
    def _luma_bands(model: Model, image: np.ndarray, tile: int, ctx: RunContext,
                    frame: np.ndarray | None) -> Iterator[np.ndarray]:
        """Y through the model (tiled, a row of tiles at a time); Cb/Cr bicubic: MATLAB-style on the chroma
        planes, just the band's rows (ours), or taken from a Pillow-bicubic enlargement of the whole RGB image
        (``config["chroma"] == "pil-bicubic"``, FSRCNN); then the band is converted to RGB in place."""
        spec: ModelSpec = model.spec
        scale = spec.scale
        h, w = image.shape[:2]
        width = w * scale
        ycc = rgb_to_ycbcr(image, spec.color)
        big = resize_float(image, Size(width, h * scale)) if spec.config.get("chroma") == "pil-bicubic" else None
        ctx.progress(0, 1, "Upscaling (network, then colour)")

        def luma(t: np.ndarray) -> np.ndarray:
            return model(t[None, None], ctx=ctx)[0, 0]

        step = band_rows((h * scale, width, 3), 4, BAND_BYTES)  # float32 RGB rows
        for top, ys in iter_tiled(np.ascontiguousarray(ycc[..., 0]), luma, scale=scale, tile=tile,
                                  overlap=spec.receptive_field // 2 + 1, ctx=ctx,
                                  out=None if frame is None else frame[..., 0]):
            for first in range(top, top + len(ys), step):
                rows = slice(first, min(top + len(ys), first + step))
                band = _band(frame, rows, width)
                if frame is None:
                    band[..., 0] = ys[first - top:rows.stop - top]
                if big is None:
                    imresize(ycc[..., 1:], float(scale), rows=rows, out=band[..., 1:])
                else:
                    band[..., 1:] = rgb_to_ycbcr(big[rows], spec.color)[..., 1:]
                ycbcr_to_rgb(band, spec.color, out=band)
                yield np.clip(band, 0.0, 1.0, out=band)

    @staticmethod
    def _rgb_bands(model: Model, image: np.ndarray, tile: int, ctx: RunContext,
                   frame: np.ndarray | None) -> Iterator[np.ndarray]:
        """All three channels through an RGB model (tiled), a row of tiles at a time."""
        spec = model.spec
        ctx.progress(0, 1, "Upscaling (network)")

        def rgb(t: np.ndarray) -> np.ndarray:
            return model(np.ascontiguousarray(t.transpose(2, 0, 1))[None], ctx=ctx)[0].transpose(1, 2, 0)

        for _, band in iter_tiled(image, rgb, scale=spec.scale, tile=tile, overlap=spec.receptive_field // 2 + 1,
                                  out_channels=3, ctx=ctx, out=frame):
            yield band

    def architectures(self) -> list[Arch]:
        """Our network's architecture, for importing fine-tuned weights (imports torch)."""
        from .archs import ARCHS

        return list(ARCHS)

    def evaluate(self, argv: Sequence[str]) -> int:
        """``photoai eval superres --data DIR --scale S [--model onnx|checkpoint|bicubic]``."""
        from .evaluate import main

        main(list(argv))
        return 0
