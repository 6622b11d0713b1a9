"""The ``inpaint`` plugin: fill painted holes with our partial-convolution U-Net.

Crop strategy (as IOPaint's): each connected painted region is cropped with a context margin,
the crop is scaled down to the network's working size when it is larger, filled, scaled back,
and only the painted pixels are pasted back, blended by the (soft) mask. Pixels outside the mask
are never touched, and a small hole in a 24 MP photo costs one small crop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from photoai.core.channels import is_gray, resize_float
from photoai.core.geometry import Rect, Size
from photoai.core.mask import mask_regions
from photoai.core.mask_ops import grow_mask
from photoai.plugin_api import (BasePlugin, ChoiceParam, FloatParam, IntParam, PluginError, PluginInfo, Request,
                                RunContext)

MODEL_ID = "inpaint-pconv"


def mirrored_average(model, x: np.ndarray, hole: np.ndarray, passes: int, ctx: RunContext) -> np.ndarray:
    """Mean of the model over ``passes`` mirrorings of NCHW ``x`` and ``hole`` (1: as is, 2: and
    left-right, 4: and up-down, both): a self-ensemble that trades time for a smoother, closer fill."""
    acc = None
    for axes in ((), (3,), (2,), (2, 3))[:passes]:
        ctx.raise_if_cancelled()
        y = model(np.ascontiguousarray(np.flip(x, axes)), np.ascontiguousarray(np.flip(hole, axes)), ctx=ctx)
        y = np.flip(y, axes)
        acc = y if acc is None else acc + y
    return acc / passes


def merge_overlapping(rects: Sequence[Rect]) -> list[Rect]:
    """Union rectangles that overlap until none do."""
    merged = list(rects)
    changed = True
    while changed:
        changed = False
        out: list[Rect] = []
        for r in merged:
            for i, o in enumerate(out):
                if not r.intersect(o).empty:
                    out[i] = o.union(r)
                    changed = True
                    break
            else:
                out.append(r)
        merged = out
    return merged


def crop_plan(mask: np.ndarray, margin_factor: float, min_margin: int) -> list[Rect]:
    """Crops around painted regions: each box grown by a context margin, overlaps merged."""
    h, w = mask.shape
    crops = []
    for box in mask_regions(mask):
        margin = max(min_margin, int(margin_factor * max(box.width, box.height)))
        crops.append(box.pad(margin).clamp(Size(w, h)))
    return merge_overlapping(crops)


class InpaintPlugin(BasePlugin):
    info = PluginInfo(
        id="inpaint",
        title="Inpaint (remove objects)",
        description="Paint over an object, scratch or blemish and fill it from its surroundings "
                    "with PhotoAI's partial-convolution network.",
        params=(
            ChoiceParam("working_size", "Working size", choices=(256, 512, 768, 1024), default=1024,
                        labels=("256 px (fastest)", "512 px", "768 px", "1024 px (sharpest)"),
                        help="Crops larger than this are scaled down for the network, then back up"),
            FloatParam("context", "Context", default=1.0, minimum=0.25, maximum=3.0, step=0.25,
                       help="Margin of surrounding photo given to the network, relative to the hole size"),
            ChoiceParam("passes", "Quality", choices=(1, 2, 4), default=1,
                        labels=("Standard", "Better (2 passes)", "Best (4 mirrored passes)"),
                        help="Average the fill over mirrored copies: slower, slightly closer to the truth"),
            IntParam("grow", "Grow mask (px)", default=2, minimum=0, maximum=32,
                     help="Also fill this many pixels around the painted area (catches object edges)"),
        ),
        needs_mask=True,
        model_ids=(MODEL_ID,),
    )

    def run(self, request: Request, ctx: RunContext) -> np.ndarray:
        if request.mask is None:
            raise PluginError("paint over the area to fill first")
        runtime = ctx.runtime
        model = runtime.load(MODEL_ID)
        multiple = max(1, runtime.spec(MODEL_ID).size_multiple)
        values = request.values
        image, mask, grow = request.image, request.mask, values["grow"]
        crops = crop_plan(mask > 0.0, values["context"], min_margin=16 + grow)
        for i, crop in enumerate(crops):
            ctx.raise_if_cancelled()
            ctx.progress(i, len(crops), f"Filling region {i + 1} of {len(crops)}")
            soft = mask[crop.slices()]
            hole = grow_mask((soft > 0.0).astype(np.float32), grow) > 0.0  # a disc of `grow` px
            filled = self._fill_crop(model, image[crop.slices()], hole, values["working_size"], multiple,
                                     values["passes"], ctx)
            if is_gray(image[crop.slices()][~hole]):  # a black-and-white photo gets a gray fill, not a tint
                filled = np.repeat(filled.mean(axis=2, keepdims=True), 3, axis=2)
            # Blend by the soft brush mask; the grown rim is filled fully.
            a = np.where(hole & (soft <= 0.0), 1.0, soft).astype(np.float32)[..., None]
            image[crop.slices()] = image[crop.slices()] * (1.0 - a) + filled * a
        ctx.progress(1, 1, "Done")
        return image  # request.image is ours to modify

    @staticmethod
    def _fill_crop(model, crop: np.ndarray, hole: np.ndarray, working: int, multiple: int, passes: int,
                   ctx: RunContext) -> np.ndarray:
        """Fill one crop at most ``working`` px on its long side; returns the crop's size."""
        h, w = hole.shape
        factor = min(1.0, working / max(h, w))
        size = Size(max(1, round(w * factor)), max(1, round(h * factor)))
        net_in, net_hole = crop, hole.astype(np.float32)
        if factor < 1.0:
            net_in = resize_float(crop, size, Image.Resampling.BOX)
            net_hole = (resize_float(net_hole, size, Image.Resampling.BOX) > 0.0).astype(np.float32)
        ph, pw = (-size.height) % multiple, (-size.width) % multiple
        mode = "reflect" if size.height > ph and size.width > pw else "edge"
        net_in = np.pad(net_in, ((0, ph), (0, pw), (0, 0)), mode=mode)
        net_hole = np.pad(net_hole, ((0, ph), (0, pw)), mode=mode)
        result = mirrored_average(model, net_in.transpose(2, 0, 1)[None], net_hole[None, None], passes, ctx)[0]
        result = result.transpose(1, 2, 0)[: size.height, : size.width]
        if factor < 1.0:
            result = resize_float(np.ascontiguousarray(result), Size(w, h), Image.Resampling.BICUBIC)
        return np.clip(result, 0.0, 1.0)

    def evaluate(self, argv: Sequence[str]) -> int:
        """``photoai eval inpaint --data DIR [--model onnx|checkpoint PATH]``."""
        from .evaluate import main

        main(list(argv))
        return 0
