"""Fixtures for the colorization tests: a smoke network (random weights, tiny widths) exported to ONNX in a
temporary models folder, a fake model whose output follows the hints, and small photos made in code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from photoai.core.errors import ModelError
from photoai.core.jobs import RunContext
from photoai.core.models import ModelSpec
from photoai.runtime.backends import finish_output, pad_inputs
from photoai_plugins.colorize.bins import grid_bins, nearest_bin
from photoai_plugins.colorize.plugin import MODEL_ID

BINS = grid_bins()


def photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A deterministic colourful HxWx3 float32 photo (smooth hues, an edge, a little noise)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([0.5 + 0.4 * np.sin(xx / 9.0 + seed), 0.5 + 0.3 * np.cos(yy / 7.0), 0.4 + 0.2 * (xx > w / 2)],
                   axis=2)
    rgb += np.random.default_rng(seed).normal(0.0, 0.02, rgb.shape).astype(np.float32)
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


def fake_spec(proxy_side: int = 64) -> ModelSpec:
    return ModelSpec(id=MODEL_ID, file="fake.onnx", sha256="0" * 64, task="colorize", in_channels=1,
                     out_channels=len(BINS), inputs=("lightness", "hint_ab", "hint_mask"), size_multiple=8, min_size=8,
                     config={"bins": BINS.tolist(), "prior": [1.0 / len(BINS)] * len(BINS), "proxy_side": proxy_side})


class FakeModel:
    """Called like the runtime calls a model. Its 1/4-resolution output puts all probability on one bin per
    cell: the bin of ``colour(cell)`` (default: the mean hint ab within ``reach`` cells when there is a hint,
    else a = b = 0); every call's inputs are recorded."""

    device_label = "fake"

    def __init__(self, spec: ModelSpec | None = None, reach: int = 1,
                 colour: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None) -> None:
        self.spec, self.reach, self.colour = spec or fake_spec(), reach, colour
        self.calls: list[tuple[np.ndarray, ...]] = []

    def __call__(self, *inputs: np.ndarray, ctx: RunContext | None = None) -> np.ndarray:
        self.calls.append(tuple(x.copy() for x in inputs))
        (lightness, hint_ab, mask), h, w = pad_inputs(inputs, self.spec)
        n, _, hh, ww = lightness.shape
        gh, gw = hh // 4, ww // 4
        ab_sum = hint_ab[0].reshape(2, gh, 4, gw, 4).sum(axis=(2, 4))
        count = mask[0, 0].reshape(gh, 4, gw, 4).sum(axis=(1, 3))
        r = self.reach
        near_ab = np.zeros((2, gh, gw))
        near_n = np.zeros((gh, gw))
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                near_ab += np.roll(ab_sum, (dy, dx), axis=(1, 2))
                near_n += np.roll(count, (dy, dx), axis=(0, 1))
        ab = np.where(near_n > 0, near_ab / np.maximum(near_n, 1), 0.0).transpose(1, 2, 0)
        if self.colour is not None:
            ab = self.colour(lightness[0, 0], ab)
        probs = np.zeros((1, len(BINS), gh, gw), np.float32)
        idx = nearest_bin(ab, BINS)
        probs[0, idx, np.arange(gh)[:, None], np.arange(gw)[None, :]] = 1.0
        return finish_output(probs, self.spec, h, w)


class FakeRuntime:
    """A ModelProvider over one :class:`FakeModel`."""

    last_device_label = "fake"

    def __init__(self, model: FakeModel) -> None:
        self.model = model

    def load(self, model_id: str) -> FakeModel:
        self.spec(model_id)
        return self.model

    def spec(self, model_id: str) -> ModelSpec:
        if model_id != MODEL_ID:
            raise ModelError(f"model '{model_id}' is not installed")
        return self.model.spec

    def models(self, task: str | None = None) -> list[ModelSpec]:
        return [self.model.spec]


@pytest.fixture(scope="session")
def smoke_checkpoint(tmp_path_factory) -> Path:
    """A checkpoint of a tiny ColorNet with random weights (grid bins, a made-up prior), training schema."""
    torch = pytest.importorskip("torch")
    from photoai_plugins import _training as training
    from photoai_plugins.colorize.net import ColorNet

    torch.manual_seed(0)
    net = ColorNet(8, 16, bins=len(BINS), hint_radii=(2, 6))
    with torch.no_grad():
        net.bins.copy_(torch.from_numpy(BINS))
        prior = np.exp(-np.hypot(*BINS.T) / 30.0)
        net.prior.copy_(torch.from_numpy((prior / prior.sum()).astype(np.float32)))
        net.head.weight.normal_(0.0, 0.5)  # make the distribution depend on the input
    path = tmp_path_factory.mktemp("colorize-ckpt") / "smoke.pt"
    training.save_checkpoint(path, {"model": net.state_dict(), "config": net.config(), "iteration": 3,
                                    "commands": [{"command": "python -m photoai_plugins.colorize.train --smoke",
                                                  "start_iteration": 0}],
                                    "args": {"folders": ["photos/train/imagenet_sample"], "val": 2, "size": 32},
                                    "history": []})
    return path


@pytest.fixture(scope="session")
def smoke_models(smoke_checkpoint, tmp_path_factory) -> Path:
    """The smoke checkpoint exported (ONNX + manifest) into a temporary models folder (proxy side 64)."""
    from photoai_plugins.colorize import export

    out = tmp_path_factory.mktemp("colorize-models")
    export.main(["--checkpoint", str(smoke_checkpoint), "--out-dir", str(out), "--no-eval", "--proxy-side", "64"])
    return out


@pytest.fixture(scope="session")
def smoke_runtime(smoke_models):
    from photoai.runtime import Runtime

    return Runtime([smoke_models], "cpu", user_models=False)
