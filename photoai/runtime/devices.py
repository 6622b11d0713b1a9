"""Pick the compute device: torch CUDA -> MPS -> CPU, ONNX Runtime's best execution provider.

torch and onnxruntime are imported inside functions so that importing PhotoAI (and listing
plugins) stays cheap.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: ONNX Runtime providers in order of preference.
ORT_PREFERENCE = (
    "CUDAExecutionProvider",
    "CoreMLExecutionProvider",
    "DmlExecutionProvider",
    "CPUExecutionProvider",
)

#: The device preferences a user can choose (CLI ``--device``, the editor's Settings menu, its stored
#: setting): "auto" runs models on the best device this install has, "cpu" never uses a GPU.
DEVICE_PREFERENCES = ("auto", "cpu")
#: The preference used unless the user chooses another.
DEFAULT_DEVICE_PREFERENCE = "auto"


@dataclass(frozen=True)
class Device:
    kind: str  # "cuda" | "mps" | "cpu"
    index: int = 0
    name: str = "CPU"

    @property
    def torch_name(self) -> str:
        return f"cuda:{self.index}" if self.kind == "cuda" else self.kind


def has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def pick_torch_device(preference: str = "auto") -> Device:
    """The best torch device allowed by ``preference`` ("auto" or "cpu")."""
    if preference == "cpu" or not has_module("torch"):
        return Device("cpu")
    import torch

    if torch.cuda.is_available():
        return Device("cuda", 0, torch.cuda.get_device_name(0))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return Device("mps", 0, "Apple MPS")
    return Device("cpu")


def available_ort_providers() -> list[str]:
    if not has_module("onnxruntime"):
        return []
    import onnxruntime as ort

    return list(ort.get_available_providers())


def pick_ort_providers(preference: str = "auto", available: list[str] | None = None) -> list[str]:
    """Preferred ONNX Runtime providers that this install has, CPU always last."""
    available = available_ort_providers() if available is None else available
    if preference == "cpu":
        return ["CPUExecutionProvider"]
    chosen = [p for p in ORT_PREFERENCE if p in available]
    if "CPUExecutionProvider" not in chosen:
        chosen.append("CPUExecutionProvider")
    return chosen
