"""Loaded models behind one call signature: ``model(x_nchw_float32) -> y_nchw_float32``."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from photoai.core.errors import Cancelled, ModelError
from photoai.core.jobs import RunContext
from photoai.runtime.devices import pick_ort_providers
from photoai.runtime.manifest import ModelSpec

log = logging.getLogger(__name__)


class LoadedModel(Protocol):
    spec: ModelSpec
    device_label: str

    def __call__(self, *inputs: np.ndarray, ctx: RunContext | None = None) -> np.ndarray: ...


class OrtModel:
    """An ONNX Runtime session. ``ctx`` cancellation terminates an in-flight ``run``."""

    def __init__(self, spec: ModelSpec, path: Path, preference: str = "auto", threads: int | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            opts.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=pick_ort_providers(preference))
        except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
            raise ModelError(f"model file {path} could not be loaded by ONNX Runtime: {e}") from e
        self.spec = spec
        self.providers = self.session.get_providers()  # what actually runs: CPU fallback is silent
        self.device_label = f"ONNX Runtime · {self.providers[0].replace('ExecutionProvider', '')}"
        self.input_names = [i.name for i in self.session.get_inputs()]
        log.info("loaded %s with %s", spec.id, self.providers)

    def __call__(self, *inputs: np.ndarray, ctx: RunContext | None = None) -> np.ndarray:
        import onnxruntime as ort

        if len(inputs) != len(self.input_names):
            raise ModelError(f"model '{self.spec.id}' takes {len(self.input_names)} inputs, got {len(inputs)}")
        feeds = {n: np.ascontiguousarray(x, dtype=np.float32) for n, x in zip(self.input_names, inputs)}
        run_options = ort.RunOptions()
        remove = ctx.on_cancel(lambda: setattr(run_options, "terminate", True)) if ctx else None
        try:
            return self.session.run(None, feeds, run_options)[0]
        except Exception as e:  # noqa: BLE001
            if ctx is not None and ctx.cancelled:
                raise Cancelled() from e
            raise
        finally:
            if remove:
                remove()


def default_threads() -> int | None:
    value = os.environ.get("PHOTOAI_THREADS")
    return int(value) if value and value.isdigit() else None


class ModelCache:
    """Loaded models keyed by (model id, device preference); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[tuple[str, str], LoadedModel] = {}

    def get_or_load(self, key: tuple[str, str], loader) -> LoadedModel:
        with self._lock:
            model = self._models.get(key)
            if model is None:
                model = loader()
                self._models[key] = model
            return model

    def clear(self) -> None:
        with self._lock:
            self._models.clear()
