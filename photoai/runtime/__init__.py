"""Model runtime: manifest, checksums, device choice and cached ONNX Runtime / torch models (no Qt)."""

from __future__ import annotations

import logging
import platform
import threading
from pathlib import Path
from typing import Any

from photoai.core.errors import ModelError
from photoai.runtime.backends import LoadedModel, ModelCache, OrtModel, default_threads
from photoai.runtime.devices import (
    DEVICE_PREFERENCES,
    available_ort_providers,
    has_module,
    pick_ort_providers,
    pick_torch_device,
)
from photoai.runtime.manifest import Manifest, ModelSpec

log = logging.getLogger(__name__)


class Runtime:
    """Loads models listed in a manifest on the preferred device and caches them."""

    def __init__(self, models_dir: Path | None = None, device: str = "auto") -> None:
        if device not in DEVICE_PREFERENCES:
            raise ValueError(f"device preference must be one of {DEVICE_PREFERENCES}")
        self._models_dir = models_dir
        self._manifest: Manifest | None = None
        self.device_preference = device
        self.cache = ModelCache()
        self.last_device_label = ""

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            self._manifest = Manifest.load(self._models_dir)
        return self._manifest

    def spec(self, model_id: str) -> ModelSpec:
        return self.manifest.get(model_id)

    def set_device_preference(self, device: str) -> None:
        if device != self.device_preference:
            self.device_preference = device
            self.cache.clear()

    def load(self, model_id: str) -> LoadedModel:
        """The model ``model_id``, checksum-verified on first load, then cached."""

        def loader() -> LoadedModel:
            spec = self.manifest.get(model_id)
            path = self.manifest.verify(model_id)
            if spec.format != "onnx":
                raise ModelError(f"model '{model_id}': unsupported format {spec.format!r}")
            if not has_module("onnxruntime"):
                raise ModelError("onnxruntime is not installed; reinstall PhotoAI")
            return OrtModel(spec, path, self.device_preference, default_threads())

        model = self.cache.get_or_load((model_id, self.device_preference), loader)
        self.last_device_label = model.device_label
        return model

    def describe(self) -> dict[str, Any]:
        """Versions, devices and providers, for ``photoai info`` and the status bar."""
        info: dict[str, Any] = {"python": platform.python_version(), "device_preference": self.device_preference}
        if has_module("onnxruntime"):
            import onnxruntime as ort

            info["onnxruntime"] = ort.__version__
            info["ort_available_providers"] = available_ort_providers()
            info["ort_providers"] = pick_ort_providers(self.device_preference)
        else:
            info["onnxruntime"] = None
        if has_module("torch"):
            import torch

            info["torch"] = torch.__version__
            info["torch_device"] = pick_torch_device(self.device_preference).torch_name
        else:
            info["torch"] = None
        info["models_dir"] = str(self.manifest.root)
        info["models"] = sorted(self.manifest.specs)
        return info

    def summary(self) -> str:
        """One line naming what runs models, e.g. for the GUI status bar."""
        providers = pick_ort_providers(self.device_preference) if has_module("onnxruntime") else []
        main = providers[0].replace("ExecutionProvider", "") if providers else "none"
        return f"ONNX Runtime · {main}" + (" (CPU forced)" if self.device_preference == "cpu" else "")


_default: Runtime | None = None
_default_lock = threading.Lock()


def default_runtime() -> Runtime:
    """A process-wide runtime for the CLI and GUI (tests make their own)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Runtime()
        return _default


__all__ = ["LoadedModel", "ModelSpec", "Manifest", "Runtime", "default_runtime"]
