"""The "Photo (robust)" model family: the default Method, listed as the plugin's own models, reaching the
runtime; the benchmark network stays a choice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from photoai.core.errors import ModelError
from photoai.core.image import ImageBuffer
from photoai.core.params import ModelParam
from photoai.core.resize import rgb_to_ycbcr
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.models import resolve_params
from photoai.runtime import Runtime
from photoai.runtime.manifest import sha256_of
from photoai_plugins.superres.plugin import SuperResPlugin, family_ids
from tests.conftest import shipped_runtime
from tests.plugins.superres.test_superres_models import write_nearest_upscaler

PHOTO_MODELS = family_ids("photo")


def _folder(tmp_path: Path, ids: list[str]) -> Runtime:
    """A model folder with nearest-neighbour luma upscalers under ``ids`` (scale from the id)."""
    entries = []
    for model_id in ids:
        scale = int(model_id.split("-x")[1][0])
        write_nearest_upscaler(tmp_path / f"{model_id}.onnx", 1, scale)
        entries.append({"id": model_id, "file": f"{model_id}.onnx", "sha256": sha256_of(tmp_path / f"{model_id}.onnx"),
                        "task": "superres", "scale": scale, "in_channels": 1, "out_channels": 1,
                        "color": "y-bt601", "receptive_field": 1})
    (tmp_path / "manifest.json").write_text(json.dumps({"models": entries}))
    return Runtime(tmp_path, user_models=False)


class Spy:
    """A runtime that records the models loaded through it."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime, self.loaded = runtime, list[str]()

    def load(self, model_id: str) -> Any:
        self.loaded.append(model_id)
        return self.runtime.load(model_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.runtime, name)


def _model_param(params: tuple) -> ModelParam:
    return next(p for p in params if p.key == "model")


def test_the_shipped_photo_family_is_the_default_and_the_benchmark_network_stays() -> None:
    info = SuperResPlugin.info
    param = _model_param(info.params)
    assert param.default == "photo" and param.choices == ("photo", "network", "bicubic")
    assert param.labels == ("Photo (robust)", "Clean image (benchmark)", "Bicubic (no model)")
    assert set(PHOTO_MODELS) <= set(info.model_ids)
    resolved = _model_param(resolve_params(info.params, shipped_runtime(), info.model_ids))
    assert resolved.choices == ("photo", "network", "bicubic")  # no model listed twice as an extra


def test_photo_is_offered_first_once_all_its_models_are_installed(tmp_path: Path) -> None:
    runtime = _folder(tmp_path, [*PHOTO_MODELS, "someone-else-x2"])
    info = SuperResPlugin.info
    resolved = _model_param(resolve_params(info.params, runtime, info.model_ids))
    assert resolved.choices == ("photo", "network", "bicubic", "someone-else-x2")  # its models are not listed
    assert resolved.labels[0] == "Photo (robust)"


@pytest.mark.parametrize("scale,precision", [(2, "float32"), (3, "int8")])
def test_the_photo_choice_reaches_the_runtime(tmp_path: Path, scale: int, precision: str) -> None:
    spy = Spy(_folder(tmp_path, list(PHOTO_MODELS)))
    grey = 0.2 + 0.6 * np.random.default_rng(0).random((10, 14, 1), dtype=np.float32)
    img = ImageBuffer(np.repeat(grey, 3, axis=2) * np.array([1.0, 0.95, 0.9], np.float32))  # nothing clips
    out = run_plugin(SuperResPlugin(), img, runtime=spy,
                     values={"model": "photo", "scale": scale, "precision": precision, "speed": "quality"})
    assert spy.loaded == [f"superres-photo-x{scale}" + ("-int8" if precision == "int8" else "")]
    y = rgb_to_ycbcr(img.rgb)[..., 0].repeat(scale, 0).repeat(scale, 1)  # the fake model: nearest on Y
    np.testing.assert_allclose(rgb_to_ycbcr(out.rgb)[..., 0], y, atol=2e-3)


def test_photo_without_its_models_fails_naming_the_model(tmp_path: Path) -> None:
    img = ImageBuffer(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ModelError, match="superres-photo-x2"):
        run_plugin(SuperResPlugin(), img, runtime=_folder(tmp_path, []),
                   values={"model": "photo", "scale": 2, "precision": "float32", "speed": "quality"})
