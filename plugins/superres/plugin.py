"""The ``superres`` plugin: our Y-channel network (ONNX, tiled), an imported model, or MATLAB bicubic.

Our networks come in two families: "Clean image (benchmark)" (``network``: ``superres-x{s}``, trained on
the MATLAB-bicubic protocol) and "Photo (robust)" (``photo``: ``superres-photo-x{s}``, trained on
resized/blurred/noisy/JPEG inputs; the default).

Luma goes through the network tile by tile with enough overlap to cover its receptive field
(so tiles reproduce a whole-image run); chroma is upscaled with bicubic, as in SRCNN/FSRCNN. An
imported model runs as its authors run it: its own YCbCr convention and chroma upscaling
(``ModelSpec.color`` and ``config["chroma"]``), or all three channels for an RGB model.

Memory: one float32 RGB output frame, filled in place (luma tiles, chroma bands, then the colour
conversion band by band); before the run, :func:`memory_needed` is checked against what the machine has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from photoai.core.channels import resize_float
from photoai.core.geometry import Size
from photoai.core.memory import available_memory, ensure_memory
from photoai.core.resize import YCBCR, imresize, rgb_to_ycbcr, ycbcr_to_rgb
from photoai.core.tiling import plan_tiles, run_tiled
from photoai.plugin_api import (
    BasePlugin,
    ChoiceParam,
    Model,
    ModelParam,
    ModelSpec,
    PluginError,
    PluginInfo,
    Request,
    RunContext,
)
from photoai.runtime.archs import Arch

SCALES = (2, 3, 4)
PRECISIONS = ("float32", "int8")
AUTO_TILES = (768, 512, 384, 256)  # LR px per tile side, "auto" takes the first that fits in memory
#: Bytes a run needs per output pixel: the float32 RGB result (12) and its 8-bit export (3, and 4 more in
#: Pillow for a JPEG or WebP; a PNG is written in strips).
OUT_BYTES = 19
#: Bytes per input pixel: the request's copy (12), YCbCr (12), contiguous Y (4); per input pixel and unit of
#: scale, the chroma's first bicubic pass (8).
IN_BYTES, IN_BYTES_PER_SCALE = 28, 8
#: Bytes per (context-padded) low-resolution tile pixel inside ONNX Runtime: 48 float32 feature maps, a few
#: alive at once, plus the output tile.
TILE_BYTES = 1024
FAMILIES = {"network": "superres-", "photo": "superres-photo-"}  # our choices -> model id prefix


def model_id(scale: int, precision: str = "float32", family: str = "network") -> str:
    return f"{FAMILIES[family]}x{scale}" + ("-int8" if precision == "int8" else "")


def family_ids(family: str) -> tuple[str, ...]:
    return tuple(model_id(s, p, family) for s in SCALES for p in PRECISIONS)


def memory_needed(size: Size, scale: int, tile: int | None) -> int:
    """Peak bytes a run adds to the process: ONNX Runtime's working memory for the largest tile (kept to the
    end) plus the larger of the plugin's and the export's phases; ``tile`` None for bicubic."""
    in_px = size.width * size.height
    out_px = in_px * scale * scale
    network = 0
    if tile:
        core = max(plan_tiles(size, tile), key=lambda r: r.width * r.height)
        network = (core.width + 2 * 16) * (core.height + 2 * 16) * TILE_BYTES
    plugin = 12 * out_px + in_px * (IN_BYTES + IN_BYTES_PER_SCALE * scale)
    export = OUT_BYTES * out_px + 12 * in_px
    return network + max(plugin, export)


def auto_tile(size: Size, scale: int, available: int | None) -> int:
    """The largest of :data:`AUTO_TILES` whose run fits in ``available`` bytes (the smallest if none does)."""
    for tile in AUTO_TILES:
        if available is None or memory_needed(size, scale, tile) <= available:
            return tile
    return AUTO_TILES[-1]


#: The Method choices: our two model families (robust first: the default) and the no-model reference.
_CHOICES = (("photo", "Photo (robust)"), ("network", "Clean image (benchmark)"), ("bicubic", "Bicubic (no model)"))


class SuperResPlugin(BasePlugin):
    info = PluginInfo(
        id="superres",
        title="Super-resolution",
        description="Enlarge x2, x3 or x4 with PhotoAI's own residual network (or plain bicubic).",
        params=(
            ChoiceParam("scale", "Scale", choices=SCALES, labels=("x2", "x3", "x4"), default=2,
                        help="Output size = input size x scale"),
            ModelParam("model", "Method", choices=tuple(c for c, _ in _CHOICES),
                       labels=tuple(label for _, label in _CHOICES), default=_CHOICES[0][0], task="superres",
                       help="Photo (robust): for photos as they are (JPEG, resized, camera blur); Clean image "
                            "(benchmark): for uncompressed images shrunk with bicubic, as in SR benchmarks; "
                            "MATLAB-style bicubic as a reference; or a model you imported ('photoai models "
                            "import')"),
            ChoiceParam("precision", "Precision", choices=PRECISIONS,
                        labels=("Accurate (float32)", "Fast (int8)"), default="int8",
                        help="PhotoAI networks only: int8 runs about 2x faster on CPUs and scores within 0.04 dB "
                             "of float32"),
            ChoiceParam("tile", "Tile size", choices=("auto", 128, 256, 512, 1024),
                        labels=("Auto", "128 px", "256 px", "512 px", "1024 px"), default="auto",
                        help="Input pixels per tile side; smaller uses less memory, results are identical"),
        ),
        changes_size=True,
        model_ids=family_ids("network") + family_ids("photo"),
        alpha_mode="resize",
    )

    def output_size(self, size: Size, values: Mapping[str, Any]) -> Size:
        s = int(values["scale"])
        return Size(size.width * s, size.height * s)

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        scale = int(request.values["scale"])
        choice = request.values["model"]
        h, w = request.image.shape[:2]
        size = Size(w, h)
        what = f"super-resolution x{scale} of {w}x{h} (a {w * scale}x{h * scale} result)"
        hint = "choose a smaller scale, or crop the photo"
        if choice == "bicubic":
            ensure_memory(memory_needed(size, scale, None), what, hint)
            ctx.raise_if_cancelled()
            ctx.progress(0, 1, "Bicubic upscaling")
            return imresize(request.image, float(scale))
        auto = request.values["tile"] == "auto"
        tile = auto_tile(size, scale, available_memory()) if auto else int(request.values["tile"])
        ensure_memory(memory_needed(size, scale, tile), what, hint + ("" if auto else ", or a smaller tile size"))
        name = model_id(scale, request.values["precision"], choice) if choice in FAMILIES else choice
        model = ctx.runtime.load(name)
        spec = model.spec
        if spec.task != "superres":
            raise PluginError(f"model '{name}' is a {spec.task or 'general'} model, not a super-resolution one")
        if spec.scale != scale:
            raise PluginError(f"model '{name}' enlarges x{spec.scale}; choose x{spec.scale} as the scale")
        if spec.color == "rgb":
            return self._run_rgb(model, request.image, tile, ctx)
        if spec.color not in YCBCR:
            raise PluginError(f"model '{name}': colour convention {spec.color!r} is not supported")
        return self._run_luma(model, request.image, tile, ctx)

    @staticmethod
    def _run_luma(model: Model, image: np.ndarray, tile: int, ctx: RunContext) -> np.ndarray:
        """Y through the model (tiled); Cb/Cr bicubic: MATLAB-style on the chroma planes (ours), or taken
        from a Pillow-bicubic enlargement of the RGB image (``config["chroma"] == "pil-bicubic"``, FSRCNN).
        Everything is written into one output frame, converted to RGB in place."""
        spec: ModelSpec = model.spec
        scale = spec.scale
        h, w = image.shape[:2]
        out = np.empty((h * scale, w * scale, 3), np.float32)
        ycc = rgb_to_ycbcr(image, spec.color)
        ctx.progress(0, 1, "Upscaling detail (network)")

        def luma(t: np.ndarray) -> np.ndarray:
            return model(t[None, None], ctx=ctx)[0, 0]

        run_tiled(np.ascontiguousarray(ycc[..., 0]), luma, scale=scale, tile=tile,
                  overlap=spec.receptive_field // 2 + 1, ctx=ctx.sub(0.0, 0.85), out=out[..., 0])
        ctx.progress(0.85, 1, "Upscaling colour")
        ctx.raise_if_cancelled()
        if spec.config.get("chroma") == "pil-bicubic":
            big = resize_float(image, Size(w * scale, h * scale))
            out[..., 1:] = rgb_to_ycbcr(big, spec.color, out=big)[..., 1:]
            del big
        else:
            imresize(ycc[..., 1:], float(scale), out=out[..., 1:])
        del ycc
        ycbcr_to_rgb(out, spec.color, out=out)
        return np.clip(out, 0.0, 1.0, out=out)

    @staticmethod
    def _run_rgb(model: Model, image: np.ndarray, tile: int, ctx: RunContext) -> np.ndarray:
        """All three channels through an RGB model (tiled)."""
        spec = model.spec
        ctx.progress(0, 1, "Upscaling (network)")

        def rgb(t: np.ndarray) -> np.ndarray:
            return model(np.ascontiguousarray(t.transpose(2, 0, 1))[None], ctx=ctx)[0].transpose(1, 2, 0)

        return run_tiled(image, rgb, scale=spec.scale, tile=tile, overlap=spec.receptive_field // 2 + 1,
                         out_channels=3, ctx=ctx)

    def architectures(self) -> list[Arch]:
        """Our network's architecture, for importing fine-tuned weights (imports torch)."""
        from .archs import ARCHS

        return list(ARCHS)

    def evaluate(self, argv: Sequence[str]) -> int:
        """``photoai eval superres --data DIR --scale S [--model onnx|checkpoint|bicubic]``."""
        from .evaluate import main

        main(list(argv))
        return 0
