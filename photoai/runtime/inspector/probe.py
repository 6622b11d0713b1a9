"""The inputs a model gets when it is inspected on a photo: a proxy of the photo (or of a part of it) in
the colour the model expects, its other inputs (an inpainting mask) filled sensibly, padded under the
runtime's contract (:func:`photoai.runtime.backends.pad_inputs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from photoai.core.channels import proxy_of
from photoai.core.errors import ModelError
from photoai.core.geometry import Rect, Size
from photoai.core.models import ModelSpec
from photoai.core.resize import YCBCR, rgb_to_ycbcr
from photoai.runtime.backends import pad_inputs

#: Long side of the proxy a photo is inspected on: a 24 MP photo stays interactive.
PROXY_SIDE = 512
#: Input side used for shapes when no photo is given.
PROBE_SIDE = 64
_GRAY = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass(frozen=True)
class InputSlot:
    """One graph input: its name and channel count; ``mask`` for an inpainting mask."""

    name: str
    channels: int
    mask: bool = False


@dataclass
class Probe:
    """Model inputs made from a photo: ``inputs`` (NCHW, padded), the unpadded proxy ``size`` (h, w),
    the ``region`` of the photo it shows, its proxy ``mask`` (HxW in [0, 1], 1 = painted) if any."""

    inputs: list[np.ndarray]
    size: tuple[int, int]
    region: Rect
    mask: np.ndarray | None = None

    @property
    def padded(self) -> tuple[int, int]:
        h, w = self.inputs[0].shape[2:]
        return int(h), int(w)

    @property
    def scale(self) -> float:
        """Proxy pixels per photo pixel."""
        return self.size[1] / max(1, self.region.width)


def to_model_color(rgb: np.ndarray, spec: ModelSpec, channels: int) -> np.ndarray:
    """HxWx3 RGB in [0, 1] -> HxWxC as the model's ``color`` says (luma for y-bt601 models), mapped
    into its ``input_range``."""
    if spec.color in YCBCR and channels == 1:
        planes = rgb_to_ycbcr(rgb, spec.color)[..., :1]
    elif channels == 1:
        planes = (rgb @ _GRAY)[..., None]
    elif channels == 3:
        planes = rgb
    else:
        raise ModelError(f"model '{spec.id}' takes {channels} image channels; the inspector feeds 1 or 3")
    lo, hi = spec.input_range
    return (lo + (hi - lo) * planes).astype(np.float32)


def input_slots(spec: ModelSpec, declared: Sequence[tuple[str, int | None]]) -> list[InputSlot]:
    """What to feed each graph input (name, declared channels): the first takes the photo (``spec.in_channels``
    channels unless the graph says otherwise), an input named like a mask takes the painted mask, any
    other takes zeros."""
    slots = []
    for i, (name, channels) in enumerate(declared):
        if i == 0:
            slots.append(InputSlot(name, channels or spec.in_channels or 3))
        else:
            slots.append(InputSlot(name, channels or 1, mask="mask" in name.lower()))
    return slots


def make_probe(spec: ModelSpec, slots: Sequence[InputSlot], rgb: np.ndarray, mask: np.ndarray | None = None,
               region: Rect | None = None, max_side: int = PROXY_SIDE) -> Probe:
    """The model inputs for ``rgb`` (HxWx3 in [0, 1]; only ``region`` of it when given) on a proxy whose long
    side is at most ``max_side``, padded to the spec's size multiple and minimum size."""
    h, w = rgb.shape[:2]
    region = Rect(0, 0, w, h) if region is None else region.clamp(Size(w, h))
    if region.empty:
        raise ModelError("the region to inspect is empty")
    rows, cols = region.slices()
    crop = rgb[rows, cols]
    proxy = proxy_of(crop, max_side)
    proxy = np.clip(proxy, 0.0, 1.0)
    small_mask = None
    if mask is not None and mask.any():
        m = mask[rows, cols].astype(np.float32)
        small_mask = np.clip(proxy_of(m, max_side), 0, 1)
    inputs = []
    for slot in slots:
        if slot.mask:
            plane = small_mask if small_mask is not None else np.zeros(proxy.shape[:2], np.float32)
            x = np.repeat(plane[None, None], slot.channels, axis=1)
        elif slot is slots[0]:
            x = to_model_color(proxy, spec, slot.channels).transpose(2, 0, 1)[None]
        else:
            x = np.zeros((1, slot.channels, *proxy.shape[:2]), np.float32)
        inputs.append(np.ascontiguousarray(x, np.float32))
    padded, ph, pw = pad_inputs(tuple(inputs), spec)
    return Probe([np.ascontiguousarray(x, np.float32) for x in padded], (ph, pw), region, small_mask)


def blank_probe(spec: ModelSpec, slots: Sequence[InputSlot], side: int = PROBE_SIDE) -> Probe:
    """Mid-gray inputs of ``side`` px (rounded up to the spec's size multiple): shapes without a photo. An
    image input that is no photo (e.g. 4 raw channels) gets the middle of the model's input range, so its
    layers and filters can still be listed."""
    m = max(1, spec.size_multiple)
    side = max(side, spec.min_size)
    side += (-side) % m
    if slots and slots[0].channels not in (1, 3):
        mid = sum(spec.input_range) / 2
        inputs = [np.full((1, s.channels, side, side), mid if i == 0 else 0.0, np.float32) for i, s in enumerate(slots)]
        return Probe(inputs, (side, side), Rect(0, 0, side, side))
    gray = np.full((side, side, 3), 0.5, np.float32)
    return make_probe(spec, slots, gray, max_side=side)
