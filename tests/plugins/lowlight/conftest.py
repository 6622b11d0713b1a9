"""Fixtures for the low-light tests: fake models under the runtime's call contract, and a smoke network
(random weights, tiny widths) exported to ONNX in a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from photoai.core.errors import ModelError
from photoai.core.jobs import RunContext
from photoai.core.models import ModelSpec
from photoai.runtime.backends import finish_output, pad_inputs
from photoai_plugins.lowlight.plugin import DENOISE_ID, ILLUM_ID

ModelFn = Callable[..., np.ndarray]  # NCHW inputs (padded) -> NCHW output


def spec(model_id: str, **facts) -> ModelSpec:
    return ModelSpec(id=model_id, file=f"{model_id}.onnx", sha256="0" * 64, **{"task": "lowlight", **facts})


ILLUM_SPEC = spec(ILLUM_ID, inputs=("image",), size_multiple=16, min_size=16, receptive_field=512,
                  tiling="discouraged", output_range=(0.02, 1.0))
DENOISE_SPEC = spec(DENOISE_ID, inputs=("image", "gain"), size_multiple=2, min_size=2, receptive_field=35)


class FakeModel:
    """``fn`` called like the runtime calls a model: inputs padded to the size multiple, the output cropped
    and clamped; every call's (unpadded) inputs are recorded."""

    device_label = "fake"

    def __init__(self, spec: ModelSpec, fn: ModelFn) -> None:
        self.spec, self.fn = spec, fn
        self.calls: list[tuple[np.ndarray, ...]] = []

    def __call__(self, *inputs: np.ndarray, ctx: RunContext | None = None) -> np.ndarray:
        self.calls.append(tuple(x.copy() for x in inputs))
        padded, h, w = pad_inputs(inputs, self.spec)
        return finish_output(self.fn(*padded), self.spec, h, w)


class FakeRuntime:
    """A ModelProvider over :class:`FakeModel`\\ s."""

    last_device_label = "fake"

    def __init__(self, *models: FakeModel) -> None:
        self.by_id = {m.spec.id: m for m in models}

    def load(self, model_id: str) -> FakeModel:
        return self.by_id[self.spec(model_id).id]

    def spec(self, model_id: str) -> ModelSpec:
        if model_id not in self.by_id:
            raise ModelError(f"model '{model_id}' is not installed")
        return self.by_id[model_id].spec

    def models(self, task: str | None = None) -> list[ModelSpec]:
        return [m.spec for m in self.by_id.values() if task is None or m.spec.task == task]


def constant_illum(value: float) -> FakeModel:
    return FakeModel(ILLUM_SPEC, lambda x: np.full_like(x, value))


def identity_denoise() -> FakeModel:
    return FakeModel(DENOISE_SPEC, lambda x, gain: x)


def photo(h: int, w: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """A deterministic photo-like HxWx3 float32 image (smooth structure, an edge and a little noise)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.5 + 0.3 * np.sin(xx / 23.0) * np.cos(yy / 17.0)
    base[:, w // 3:] *= 0.6
    rgb = np.stack([base, 0.8 * base + 0.1, 1.0 - base], axis=2)
    rgb += np.random.default_rng(seed).normal(0.0, 0.02, rgb.shape).astype(np.float32)
    return (np.clip(rgb, 0.0, 1.0) * scale).astype(np.float32)


@pytest.fixture(scope="session")
def smoke_checkpoint(tmp_path_factory) -> Path:
    """A checkpoint of a tiny LowLightNet with random (not constant) outputs, in the training schema."""
    torch = pytest.importorskip("torch")
    from photoai_plugins import _training as training
    from photoai_plugins.lowlight.net import LowLightNet

    torch.manual_seed(0)
    net = LowLightNet(8, 8, 1)
    with torch.no_grad():  # the heads start at zero (constant S, identity denoiser): give them a shape
        for p in (net.illum.head.weight, net.denoise.tail.weight):
            p.normal_(0.0, 0.05)
    path = tmp_path_factory.mktemp("lowlight-ckpt") / "smoke.pt"
    training.save_checkpoint(path, {"model": net.state_dict(), "config": net.config(), "iteration": 3,
                                    "commands": [{"command": "python -m photoai_plugins.lowlight.train --smoke",
                                                  "start_iteration": 0}],
                                    "args": {"folders": ["photos/train/imagenet_sample"], "val": 4}, "history": []})
    return path


@pytest.fixture(scope="session")
def smoke_models(smoke_checkpoint, tmp_path_factory) -> Path:
    """The smoke checkpoint exported (ONNX + manifest) into a temporary models folder."""
    from photoai_plugins.lowlight import export

    out = tmp_path_factory.mktemp("lowlight-models")
    export.main(["--checkpoint", str(smoke_checkpoint), "--out-dir", str(out), "--no-eval"])
    return out
