"""Optional: architectures that spandrel (``pip install "photoai[spandrel]"``) recognizes (Real-ESRGAN,
SwinIR, LaMa, ...), for the tasks PhotoAI has a plugin for. spandrel is never a requirement."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from photoai.core.errors import ModelError, one_line
from photoai.runtime.archs.torch_arch import Prepared, example_size

TASKS = {"SR": "superres", "Inpainting": "inpaint"}  # spandrel's purpose -> the plugin task
COLORS = {1: "gray", 3: "rgb"}
TILING = ("supported", "discouraged", "internal")


def spandrel_available() -> bool:
    try:
        return importlib.util.find_spec("spandrel") is not None
    except ValueError:  # imported without a spec (only in tests)
        return "spandrel" in sys.modules


class SpandrelModel(nn.Module):
    """The descriptor's network called the way spandrel calls it (without its padding and clamp: the
    runtime pads to the size multiple and clamps to [0, 1] the same way)."""

    def __init__(self, descriptor: Any) -> None:
        super().__init__()
        self.model = descriptor.model
        self.call = getattr(descriptor, "_call_fn", None)

    def forward(self, *inputs: Tensor) -> Tensor:
        return self.call(self.model, *inputs) if self.call is not None else self.model(*inputs)


def prepare_with_spandrel(state: Mapping[str, Any]) -> Prepared:
    """The network spandrel loads from ``state``; ModelError if it does not, or has no PhotoAI task."""
    import spandrel

    try:
        desc = spandrel.ModelLoader().load_from_state_dict(dict(state))
    except Exception as e:  # noqa: BLE001 - spandrel raises its own types for unknown files
        raise ModelError(f"spandrel does not recognize it either ({one_line(e)})") from None
    name = desc.architecture.name
    task = TASKS.get(desc.purpose)
    if task is None:
        raise ModelError(f"spandrel recognizes it as {name} ({desc.purpose}), a task PhotoAI has no plugin for")
    req = desc.size_requirements
    multiple, minimum = max(1, int(req.multiple_of)), max(1, int(req.minimum))
    tiling = desc.tiling.name.lower()
    h, w = example_size(multiple, minimum)
    inputs: tuple[Tensor, ...] = (torch.rand(1, desc.input_channels, h, w),)
    if task == "inpaint":
        inputs += ((torch.rand(1, 1, h, w) > 0.7).float(),)
    entry = {"arch": f"spandrel:{desc.architecture.id}", "title": f"{name} (spandrel)", "task": task,
             "scale": int(desc.scale), "in_channels": desc.input_channels, "out_channels": desc.output_channels,
             "inputs": ["image", "mask"][: len(inputs)], "color": COLORS.get(desc.input_channels, "any"),
             "min_size": minimum, "size_multiple": multiple, "tiling": tiling if tiling in TILING else "supported",
             "config": {"tags": list(desc.tags)}, "description": f"{name} loaded by spandrel"}
    return Prepared(SpandrelModel(desc).eval(), inputs, entry)
