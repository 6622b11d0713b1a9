"""The ``inpaint`` plugin: fill painted holes with our partial-convolution U-Net, and give object-sized
holes the photo's own texture (:mod:`.exemplar`: PatchMatch synthesis at full resolution, started
from the network's fill, which guides its coarse levels' choice of patches and whose colours below
8 px the texture keeps).

Crop strategy (as IOPaint's, see :mod:`.crops`): each connected painted region is cropped with a
context margin; a crop larger than the working size is scaled down only as far as its hole's
thickness needs (a thin scratch stays at full resolution and runs in overlapping tiles), filled,
scaled back, and only the painted pixels are pasted back, blended by the (soft) mask. Pixels
outside the mask are never touched, and a small hole in a 24 MP photo costs one small crop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
from PIL import Image

from photoai.core.channels import is_gray, resize_float
from photoai.core.geometry import Rect, Size
from photoai.core.mask import mask_bbox
from photoai.core.mask_ops import grow_mask
from photoai.core.tiling import run_tiled
from photoai.plugin_api import (
    BasePlugin,
    ChoiceParam,
    FloatParam,
    IntParam,
    Model,
    ModelParam,
    PluginError,
    PluginInfo,
    Request,
    RunContext,
)
from photoai.plugin_api.preview import PreviewPlugin, View
from photoai.runtime.archs import Arch

from .crops import crop_plan, hole_thickness, local_width, network_scale
from .exemplar import exemplar_fill, low_pass

MODEL_ID = "inpaint-pconv"
#: "Automatic" fill: hole parts narrower than THIN_HOLE px (see :func:`.crops.local_width`) keep the
#: network's smooth fill, parts wider than WIDE_HOLE px get the photo's texture, a ramp between.
THIN_HOLE, WIDE_HOLE = 16.0, 32.0
#: Synthesize only when at least this share of a crop's hole wants texture (scratches that merely
#: cross each other keep the network's fill without the cost of a synthesis over their whole crop).
MIN_TEXTURE_SHARE = 0.05
#: The texture keeps the network's colours below 2**KEEP_LOW px (0: none): on held-out photos 8 px
#: gave +0.3 dB on objects for +9 % patch distance (README, Inpainting).
KEEP_LOW = 3
FILLS = ("auto", "texture", "smooth")
#: Preview pixels of photo around the view given to the network's crops as context.
PREVIEW_CONTEXT = 48
#: The preview's network size: a hole seen at 100 % is filled at up to half detail (a quick look: 4x fewer pixels).
PREVIEW_WORKING = 256


def texture_weight(fill: str, hole: np.ndarray) -> np.ndarray:
    """Per pixel, how much of the photo-texture fill replaces the network's: 1 everywhere
    (texture), nowhere (smooth) or (auto) by the hole's local width."""
    if fill not in FILLS:
        raise PluginError(f"unknown fill '{fill}' (choose {', '.join(FILLS)})")
    if fill != "auto":
        return np.full(hole.shape, float(fill == "texture"), np.float32)
    width = local_width(hole)
    return np.clip((width - THIN_HOLE) / (WIDE_HOLE - THIN_HOLE), 0.0, 1.0).astype(np.float32)


def mirrored_average(model: Model, x: np.ndarray, hole: np.ndarray, passes: int, ctx: RunContext) -> np.ndarray:
    """Mean of the model over ``passes`` mirrorings of NCHW ``x`` and ``hole`` (1: as is, 2: and
    left-right, 4: and up-down, both): a self-ensemble that trades time for a smoother, closer fill."""
    acc: np.ndarray | None = None
    for axes in ((), (3,), (2,), (2, 3))[:passes]:
        ctx.raise_if_cancelled()
        y = model(np.ascontiguousarray(np.flip(x, axes)), np.ascontiguousarray(np.flip(hole, axes)), ctx=ctx)
        y = np.flip(y, axes)
        acc = y if acc is None else acc + y
    if acc is None:
        raise ValueError(f"passes must be 1 to 4, got {passes}")
    return acc / passes


def block_max(mask: np.ndarray, step: int) -> np.ndarray:
    """``mask`` taken every ``step`` pixels as the maximum of each ``step`` x ``step`` block (a thin stroke never
    vanishes), read only inside its painted box."""
    if step == 1:
        return np.array(mask, np.float32)
    h, w = -(-mask.shape[0] // step), -(-mask.shape[1] // step)
    out = np.zeros((h, w), np.float32)
    box = mask_bbox(mask)
    if box.empty:
        return out
    y0, x0 = box.y // step, box.x // step
    y1, x1 = -(-box.bottom // step), -(-box.right // step)
    part = np.zeros(((y1 - y0) * step, (x1 - x0) * step), np.float32)
    src = mask[y0 * step : y1 * step, x0 * step : x1 * step]
    part[: src.shape[0], : src.shape[1]] = src
    out[y0:y1, x0:x1] = part.reshape(y1 - y0, step, x1 - x0, step).max(axis=(1, 3))
    return out


class InpaintPlugin(PreviewPlugin, BasePlugin):
    #: Preview: the network's fill without the texture pass (:meth:`preview`).
    preview_values = MappingProxyType({"fill": "smooth", "passes": 1})

    info = PluginInfo(
        id="inpaint",
        title="Inpaint (remove objects)",
        description="Paint over an object, scratch or blemish and fill it from its surroundings "
                    "with PhotoAI's partial-convolution network.",
        params=(
            ModelParam("model", "Model", choices=("network",), labels=("PhotoAI network",), task="inpaint",
                       help="PhotoAI's partial-convolution network, or an inpainting model you imported "
                            "('photoai models import')"),
            ChoiceParam("working_size", "Tile size", choices=(256, 512, 768, 1024), default=1024,
                        labels=("256 px (least memory)", "512 px", "768 px", "1024 px (best)"),
                        help="The most the network sees at once: larger regions run in overlapping tiles, "
                             "and a wide hole in one is filled scaled down to this size"),
            FloatParam("context", "Context", default=1.0, minimum=0.25, maximum=3.0, step=0.25,
                       help="Margin of surrounding photo given to the network, relative to the hole size"),
            ChoiceParam("fill", "Fill", choices=FILLS, default="auto",
                        labels=("Automatic", "Photo texture", "Smooth"),
                        help="Photo texture: patches copied from around the hole (objects); Smooth: the "
                             "network's soft fill (scratches, blemishes); Automatic: texture where the "
                             "hole is wider than 32 px, smooth where it is narrower than 16 px"),
            ChoiceParam("passes", "Quality", choices=(1, 2, 4), default=1,
                        labels=("Standard", "Better (2 passes)", "Best (4 mirrored passes)"),
                        help="Average the fill over mirrored copies: slower, slightly closer to the truth"),
            IntParam("grow", "Grow mask (px)", default=2, minimum=0, maximum=32,
                     help="Also fill this many pixels around the painted area (catches object edges)"),
        ),
        needs_mask=True,
        consumes_mask=True,  # the filled holes are done with: Keep clears the mask
        model_ids=(MODEL_ID,),
    )

    @staticmethod
    def crops(mask: np.ndarray, values: Mapping[str, Any]) -> list[Rect]:
        """The crops a run fills: each painted region with its context margin, overlaps merged."""
        return crop_plan(mask > 0.0, values["context"], min_margin=16 + values["grow"])

    def preview(self, request: Request, view: View, ctx: RunContext) -> np.ndarray:
        """The network's fill (``preview_values``) at about screen resolution: the view (with
        :data:`PREVIEW_CONTEXT` pixels around it) taken every ``step`` pixels, as the screen shows a zoomed-out
        photo, the mask by its block maxima; :meth:`run` on that (its crops, the network at
        :data:`PREVIEW_WORKING` px at most), cut to the view. A 12 MP photo costs no full-size pass: only the
        painted box of the mask is read."""
        region, (h, w) = view.region, request.image.shape[:2]
        step = max(1, int(1.0 / view.detail()))
        pad = PREVIEW_CONTEXT * step
        x0, y0 = max(0, region.x - pad) // step * step, max(0, region.y - pad) // step * step
        x0, y0 = x0 + (region.x - x0) % step, y0 + (region.y - y0) % step  # on the view's grid
        box = Rect(x0, y0, min(w, region.right + pad) - x0, min(h, region.bottom + pad) - y0)
        image = np.array(request.image[box.slices()][::step, ::step], np.float32)  # ours: run fills it in place
        values = {**request.values, **self.preview_values,
                  "working_size": min(request.values["working_size"], PREVIEW_WORKING),
                  "grow": -(-request.values["grow"] // step)}
        if request.mask is not None:
            mask = block_max(request.mask[box.slices()], step)
            if mask.any():
                image = self.run(Request(image, mask, values, None), ctx)
        top, left = (region.y - box.y) // step, (region.x - box.x) // step
        return image[top : top + -(-region.height // step), left : left + -(-region.width // step)]

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        if request.mask is None:
            raise PluginError("paint over the area to fill first")
        values = request.values
        name = MODEL_ID if values["model"] == "network" else values["model"]
        task = ctx.runtime.spec(name).task
        if task != "inpaint":
            raise PluginError(f"model '{name}' is a {task or 'general'} model, not an inpainting one")
        model = ctx.runtime.load(name)
        image, mask, grow = request.image, request.mask, values["grow"]
        crops = self.crops(mask, values)
        for i, crop in enumerate(crops):
            ctx.raise_if_cancelled()
            ctx.progress(i, len(crops), f"Filling region {i + 1} of {len(crops)}")
            soft = mask[crop.slices()]
            hole = grow_mask((soft > 0.0).astype(np.float32), grow) > 0.0  # a disc of `grow` px
            sub = ctx.sub(i / len(crops), (i + 1) / len(crops))
            weight = texture_weight(values["fill"], hole) * hole
            texture = float(weight.sum()) >= MIN_TEXTURE_SHARE * float(hole.sum())  # not for a few crossings
            filled = self._fill_crop(model, image[crop.slices()], hole, values["working_size"],
                                     values["passes"], sub.sub(0.0, 0.3 if texture else 1.0))
            if texture:
                synthesized = exemplar_fill(image[crop.slices()], hole, init=filled, ctx=sub.sub(0.3, 1.0))
                if KEEP_LOW:
                    synthesized = synthesized + low_pass(np.where(hole[..., None], filled - synthesized, 0.0)
                                                         .astype(np.float32), KEEP_LOW)
                filled = filled + weight[..., None] * (synthesized - filled)
            if is_gray(image[crop.slices()][~hole]):  # a black-and-white photo gets a gray fill, not a tint
                filled = np.repeat(filled.mean(axis=2, keepdims=True), 3, axis=2)
            # Blend by the soft brush mask; the grown rim is filled fully.
            a = np.where(hole & (soft <= 0.0), 1.0, soft).astype(np.float32)[..., None]
            image[crop.slices()] = image[crop.slices()] * (1.0 - a) + filled * a
        ctx.progress(1, 1, "Done")
        return image  # request.image is ours to modify

    @staticmethod
    def _fill_crop(model: Model, crop: np.ndarray, hole: np.ndarray, working: int, passes: int,
                   ctx: RunContext) -> np.ndarray:
        """Fill one crop (see :func:`.crops.network_scale`); returns the crop's size."""
        h, w = hole.shape
        factor = network_scale(Size(w, h), hole_thickness(hole), working)
        size = Size(max(1, round(w * factor)), max(1, round(h * factor)))
        net_in, net_hole = crop, hole.astype(np.float32)
        if factor < 1.0:
            net_in = resize_float(crop, size, Image.Resampling.BOX)
            net_hole = (resize_float(net_hole, size, Image.Resampling.BOX) > 0.0).astype(np.float32)

        def fill(tile: np.ndarray) -> np.ndarray:  # HxWx4 (RGB + hole); the model pads to its size multiple
            if not tile[..., 3].any():
                return tile[..., :3]
            x, m = tile[..., :3].transpose(2, 0, 1)[None], tile[..., 3][None, None]
            return mirrored_average(model, x, m, passes, ctx)[0].transpose(1, 2, 0)

        stacked = np.concatenate([net_in, net_hole[..., None]], axis=2)
        # A crop of at most working x working pixels (any shape) is one network run; a larger one runs
        # in tiles of `working` px plus 1/8 of that as blended context on each side.
        single = size.width * size.height <= working * working
        tile = max(size.width, size.height) if single else working
        result = run_tiled(stacked, fill, tile=tile, overlap=working // 8, blend=True,
                           out_channels=3, ctx=ctx)
        if factor < 1.0:
            result = resize_float(result, Size(w, h), Image.Resampling.BICUBIC)
        return np.clip(result, 0.0, 1.0)

    def architectures(self) -> list[Arch]:
        """Our network's architecture, for importing fine-tuned weights (imports torch)."""
        from .archs import ARCHS

        return list(ARCHS)

    def evaluate(self, argv: Sequence[str]) -> int:
        """``photoai eval inpaint --data DIR [--model onnx|checkpoint PATH]``."""
        from .evaluate import main

        main(list(argv))
        return 0
