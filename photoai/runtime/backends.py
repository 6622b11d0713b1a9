"""Loaded models behind one call signature: ``model(x_nchw_float32) -> y_nchw_float32``."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np

from photoai.core.errors import Cancelled, ModelError
from photoai.core.jobs import RunContext
from photoai.core.models import Model, ModelSpec
from photoai.runtime.devices import pick_ort_providers

log = logging.getLogger(__name__)

LoadedModel = Model  # the name this module used before the protocol moved to photoai.core.models


def pad_inputs(inputs: tuple[np.ndarray, ...], spec: ModelSpec) -> tuple[list[np.ndarray], int, int]:
    """Inputs padded (reflect; edge when too small) at the bottom/right to ``spec``'s size multiple and
    minimum size; returns them with the original height and width."""
    if not inputs or inputs[0].ndim != 4:
        raise ModelError(f"model '{spec.id}' takes NCHW arrays, got shape {inputs[0].shape if inputs else ()}")
    h, w = inputs[0].shape[2:]
    for x in inputs:
        if x.ndim != 4 or x.shape[2:] != (h, w):
            raise ModelError(f"model '{spec.id}': every input must be NCHW of the same size")
    if inputs[0].shape[1] != spec.in_channels and spec.in_channels > 0:
        raise ModelError(f"model '{spec.id}' takes {spec.in_channels} channel(s), got {inputs[0].shape[1]}")
    m = max(1, spec.size_multiple)
    th, tw = max(h, spec.min_size), max(w, spec.min_size)
    th, tw = th + (-th) % m, tw + (-tw) % m
    if (th, tw) == (h, w):
        return list(inputs), h, w
    mode: Literal["reflect", "edge"] = "reflect" if h > th - h and w > tw - w else "edge"
    padded = [np.pad(x, ((0, 0), (0, 0), (0, th - h), (0, tw - w)), mode=mode) for x in inputs]
    return padded, h, w


def finish_output(y: np.ndarray, spec: ModelSpec, h: int, w: int) -> np.ndarray:
    """Crop to ``scale`` x the unpadded size and clamp to the spec's output range."""
    y = y[:, :, : h * spec.scale, : w * spec.scale]
    if spec.output_range is not None:
        lo, hi = spec.output_range
        y = np.clip(y, lo, hi)
    return np.ascontiguousarray(y, dtype=np.float32)


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
        """Run under the spec's contract: pad to the size multiple, crop to ``scale`` x size, clamp."""
        import onnxruntime as ort

        if len(inputs) != len(self.input_names):
            raise ModelError(f"model '{self.spec.id}' takes {len(self.input_names)} inputs, got {len(inputs)}")
        padded, h, w = pad_inputs(inputs, self.spec)
        feeds = {n: np.ascontiguousarray(x, dtype=np.float32) for n, x in zip(self.input_names, padded, strict=True)}
        run_options = ort.RunOptions()
        remove = ctx.on_cancel(lambda: setattr(run_options, "terminate", True)) if ctx else None
        try:
            return finish_output(self.session.run(None, feeds, run_options)[0], self.spec, h, w)
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
        self._models: dict[tuple[str, str], Model] = {}

    def get_or_load(self, key: tuple[str, str], loader: Callable[[], Model]) -> Model:
        with self._lock:
            model = self._models.get(key)
            if model is None:
                model = loader()
                self._models[key] = model
            return model

    def clear(self) -> None:
        with self._lock:
            self._models.clear()
