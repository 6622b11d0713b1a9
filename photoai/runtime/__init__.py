"""Model runtime: manifest, checksums, device choice and cached ONNX Runtime / torch models (no Qt)."""

from __future__ import annotations

import logging
import platform
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from photoai.core.errors import ModelError
from photoai.core.models import Model, ModelProvider, ModelSpec
from photoai.runtime.backends import LoadedModel, ModelCache, OrtModel, default_threads
from photoai.runtime.devices import (
    DEVICE_PREFERENCES,
    available_ort_providers,
    has_module,
    pick_ort_providers,
    pick_torch_device,
)
from photoai.runtime.manifest import Manifest, ModelSource, env_models_dirs, user_models_dir, verify_file

log = logging.getLogger(__name__)

GPU_PROVIDERS = ("CUDAExecutionProvider", "DmlExecutionProvider", "CoreMLExecutionProvider")


ORT_BUILDS = ("onnxruntime", "onnxruntime-gpu", "onnxruntime-directml", "onnxruntime-openvino")


def ort_builds() -> list[str]:
    """The ONNX Runtime distributions installed (more than one is a broken install)."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ORT_BUILDS:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    return found


class Runtime:
    """Loads the models of every source (plugins' folders, the user store, ``$PHOTOAI_MODELS_DIR``) on the
    preferred device and caches them. Implements :class:`photoai.core.models.ModelProvider`.

    ``sources``: the plugins' model folders (see ``photoai.plugin_api.open_runtime``) or, in tests, any
    folders; the user store and ``$PHOTOAI_MODELS_DIR`` are added unless ``user_models=False``.
    """

    def __init__(self, sources: Iterable[ModelSource | Path | str] | Path | str | None = None,
                 device: str = "auto", *, user_models: bool = True) -> None:
        if device not in DEVICE_PREFERENCES:
            raise ValueError(f"device preference must be one of {DEVICE_PREFERENCES}")
        if isinstance(sources, (str, Path)):
            sources = [sources]
        self._sources = [s if isinstance(s, ModelSource) else ModelSource(Path(s), str(s)) for s in sources or ()]
        if user_models:
            self._sources.append(ModelSource(user_models_dir(), "user store"))
            self._sources += [ModelSource(p, "$PHOTOAI_MODELS_DIR") for p in env_models_dirs()]
        self._manifest: Manifest | None = None
        self._lock = threading.Lock()
        self.device_preference = device
        self.cache = ModelCache()
        self.last_device_label = ""

    @property
    def manifest(self) -> Manifest:
        with self._lock:
            if self._manifest is None:
                self._manifest = Manifest.load(self._sources)
                for failure in self._manifest.failures:
                    log.warning("%s", failure)
            return self._manifest

    def reload(self) -> None:
        """Re-read every manifest (after a model was imported or removed)."""
        with self._lock:
            self._manifest = None
        self.cache.clear()

    def spec(self, model_id: str) -> ModelSpec:
        return self.manifest.get(model_id)

    def models(self, task: str | None = None) -> list[ModelSpec]:
        return sorted(self.manifest.of_task(task), key=lambda s: (s.imported, s.id))

    def set_device_preference(self, device: str) -> None:
        if device != self.device_preference:
            self.device_preference = device
            self.cache.clear()

    def providers(self) -> list[str]:
        return pick_ort_providers(self.device_preference) if has_module("onnxruntime") else []

    def resolve(self, model_id: str, providers: list[str] | None = None) -> ModelSpec:
        """The entry that runs for ``model_id``: its ``gpu_variant`` (e.g. fp16) when a GPU provider leads and
        that entry is installed (else, with a warning, the entry itself)."""
        spec = self.manifest.get(model_id)
        providers = self.providers() if providers is None else providers
        if spec.gpu_variant and providers and providers[0] in GPU_PROVIDERS:
            try:
                return self.manifest.get(spec.gpu_variant)
            except ModelError:
                log.warning("model '%s' names a GPU variant '%s' that is not installed; running '%s' itself",
                            model_id, spec.gpu_variant, model_id)
        return spec

    def _open(self, spec: ModelSpec) -> OrtModel:
        path = verify_file(spec)
        if spec.format != "onnx":
            raise ModelError(f"model '{spec.id}' is a {spec.format} file; only ONNX models run in the app")
        if not has_module("onnxruntime"):
            raise ModelError("onnxruntime is not installed; reinstall PhotoAI")
        return OrtModel(spec, path, self.device_preference, default_threads())

    def load(self, model_id: str) -> Model:
        """The model ``model_id``, checksum-verified on first load, then cached. A GPU variant whose session
        ends up on the CPU (ONNX Runtime falls back silently when CUDA libraries are missing) is replaced by
        the model itself: its int8 or float32 file is the faster one there."""

        def loader() -> Model:
            spec = self.resolve(model_id)
            model = self._open(spec)
            if spec.id != model_id and model.providers[0] not in GPU_PROVIDERS:
                log.warning("the GPU variant '%s' runs on %s: loading '%s' instead", spec.id, model.providers[0],
                            model_id)
                model = self._open(self.manifest.get(model_id))
            return model

        model = self.cache.get_or_load((model_id, self.device_preference), loader)
        self.last_device_label = model.device_label
        return model

    def describe(self) -> dict[str, Any]:
        """Versions, devices, providers and models, for ``photoai info`` and the status bar."""
        info: dict[str, Any] = {"python": platform.python_version(), "device_preference": self.device_preference}
        builds = ort_builds()
        if len(builds) > 1:
            info["ort_warning"] = (f"several ONNX Runtime builds are installed ({', '.join(builds)}); they share one "
                                   "module: keep one (see the README's GPU section)")
        if has_module("onnxruntime"):
            import onnxruntime as ort

            info["onnxruntime"] = ort.__version__
            info["ort_available_providers"] = available_ort_providers()
            info["ort_providers"] = self.providers()
        else:
            info["onnxruntime"] = None
        if has_module("torch"):
            import torch

            info["torch"] = torch.__version__
            info["torch_device"] = pick_torch_device(self.device_preference).torch_name
        else:
            info["torch"] = None
        manifest = self.manifest
        info["model_sources"] = [f"{s.origin}: {s.folder}" for s in manifest.sources]
        info["models"] = sorted(manifest.specs)
        if manifest.failures:
            info["model_problems"] = manifest.failures
        return info

    def summary(self) -> str:
        """One line naming what runs models, e.g. for the GUI status bar."""
        providers = self.providers()
        main = providers[0].replace("ExecutionProvider", "") if providers else "none"
        return f"ONNX Runtime · {main}" + (" (CPU forced)" if self.device_preference == "cpu" else "")


__all__ = ["LoadedModel", "Manifest", "Model", "ModelProvider", "ModelSource", "ModelSpec", "Runtime"]
