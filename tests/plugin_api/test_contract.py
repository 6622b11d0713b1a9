"""The plugin contract (docs/plugins.md), checked for every built-in plugin that discovery finds.

A new plugin folder under ``plugins/`` is checked for free: its defaults validate, its parameters and
info serialize, its output has the size ``output_size`` promises, a cancelled job raises ``Cancelled``,
listing it imports no heavy library, and every model it names ships, checksum-verified, in its own
``models/manifest.json``.

Plugins that need models run against :class:`FakeProvider` (deterministic models that honour their
manifest entry's facts through the runtime's own pad/crop/clamp), and again against the shipped models.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from photoai.core import io
from photoai.core.dng import write_dng
from photoai.core.errors import Cancelled, ModelError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import CancelToken, RunContext
from photoai.core.models import ModelProvider, ModelSpec
from photoai.core.params import Param, PointsParam, defaults, validate
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.plugin import Plugin
from photoai.plugin_api.registry import discover_plugins
from photoai.runtime.backends import finish_output, pad_inputs
from photoai.runtime.manifest import MANIFEST_NAME, sha256_of
from tests.conftest import shipped_runtime

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = discover_plugins(entry_point_group=None, paths=[])
PLUGIN_IDS = [p.info.id for p in REGISTRY.plugins()]
MODEL_PLUGIN_IDS = [p.info.id for p in REGISTRY.plugins() if p.info.model_ids]
PARAM_TYPES: dict[str, type] = {cls.kind: cls for cls in typing.get_args(Param)}
HEAVY_MODULES = ("torch", "onnxruntime", "PySide6")
WIDTH, HEIGHT = 48, 40


class FakeModel:
    """Deterministic stand-in for a model: the first input fitted to ``out_channels`` (first channels, or
    the channel mean repeated) and enlarged ``scale`` times (nearest), called like the runtime's models
    (inputs padded to the size multiple, output cropped to ``scale`` x the input size and clamped)."""

    device_label = "fake"

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec

    def __call__(self, *inputs: np.ndarray, ctx: RunContext | None = None) -> np.ndarray:
        if self.spec.inputs and len(inputs) != len(self.spec.inputs):
            raise ModelError(f"model '{self.spec.id}' takes {len(self.spec.inputs)} inputs, got {len(inputs)}")
        padded, h, w = pad_inputs(inputs, self.spec)
        x, c, s = padded[0], self.spec.out_channels, self.spec.scale
        y = x[:, :c] if x.shape[1] >= c else np.repeat(x.mean(axis=1, keepdims=True), c, axis=1)
        return finish_output(y.repeat(s, axis=2).repeat(s, axis=3), self.spec, h, w)


class FakeProvider:
    """A :class:`ModelProvider` over the shipped manifests' entries that loads :class:`FakeModel`\\ s."""

    last_device_label = "fake"

    def __init__(self, specs: list[ModelSpec]) -> None:
        self._specs = {s.id: s for s in specs}
        self.loaded: list[str] = []

    def load(self, model_id: str) -> FakeModel:
        self.loaded.append(model_id)
        return FakeModel(self.spec(model_id))

    def spec(self, model_id: str) -> ModelSpec:
        try:
            return self._specs[model_id]
        except KeyError:
            raise ModelError(f"model '{model_id}' is not installed") from None

    def models(self, task: str | None = None) -> list[ModelSpec]:
        return [s for s in self._specs.values() if task is None or s.task == task]


@pytest.fixture(scope="module")
def shipped():
    return shipped_runtime("cpu")


@pytest.fixture
def fake(shipped) -> FakeProvider:
    return FakeProvider(shipped.models())


def plugin_of(plugin_id: str) -> Plugin:
    return REGISTRY.get(plugin_id)


def synthetic_image() -> ImageBuffer:
    """A small photo-like image: smooth gradients plus a little noise (deterministic)."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    rgb = np.stack([xx / WIDTH, yy / HEIGHT, 0.5 + 0.25 * np.sin(xx / 5.0)], axis=2)
    rgb += np.random.default_rng(0).normal(0.0, 0.02, rgb.shape).astype(np.float32)
    return ImageBuffer(np.clip(rgb, 0.0, 1.0).astype(np.float32))


def image_for(plugin: Plugin, folder: Path) -> ImageBuffer:
    """The synthetic photo; for a plugin that needs raw sensor data, its green as a Bayer DNG, opened."""
    if not plugin.info.needs_raw:
        return synthetic_image()
    mosaic = np.round(synthetic_image().rgb[..., 1] * 3800 + 256).astype(np.uint16)
    return io.load(write_dng(folder / "synthetic.dng", mosaic, "RGGB", 256, 4095))


def mask_for(plugin: Plugin) -> np.ndarray | None:
    """A painted rectangle for plugins that need a mask, else no mask."""
    if not plugin.info.needs_mask:
        return None
    mask = np.zeros((HEIGHT, WIDTH), np.float32)
    mask[12:26, 16:34] = 1.0
    return mask


def param_from_dict(d: dict[str, Any]) -> Param:
    """Rebuild a parameter spec from its ``to_dict`` (after JSON: lists back to tuples)."""
    fields = dict(d)
    cls = PARAM_TYPES[fields.pop("type")]
    return cls(**{k: _tuples(v) for k, v in fields.items()})


def _tuples(v: Any) -> Any:
    return tuple(_tuples(x) for x in v) if isinstance(v, list) else v


def test_every_builtin_plugin_loads():
    """A plugin folder that fails to import would silently drop out of the cases below."""
    assert not REGISTRY.failures, [f"{f.source}: {f.error}" for f in REGISTRY.failures]
    assert {"sharpen", "resample", "superres", "inpaint"} <= set(PLUGIN_IDS)


def test_fake_models_honour_their_spec(fake):
    """The stand-in model keeps the runtime's call contract, so the output-size cases below mean something."""
    for spec in fake.models():
        if spec.format != "onnx":
            continue
        n = max(1, len(spec.inputs))
        inputs = [np.full((1, spec.in_channels if i == 0 else 1, 13, 7), 2.0, np.float32) for i in range(n)]
        y = fake.load(spec.id)(*inputs)
        assert y.shape == (1, spec.out_channels, 13 * spec.scale, 7 * spec.scale), spec.id
        assert spec.output_range is None or y.max() <= spec.output_range[1]


@pytest.mark.parametrize("plugin_id", PLUGIN_IDS)
def test_defaults_validate(plugin_id):
    params = plugin_of(plugin_id).info.params
    expected = defaults(params)
    assert validate(params) == expected
    assert validate(params, expected) == expected  # each default passes its own checks
    points = {p.key for p in params if isinstance(p, PointsParam)}  # their text form is JSON
    text = {k: json.dumps([q.to_dict() for q in v]) if k in points else str(v) for k, v in expected.items()}
    assert validate(params, text) == expected  # and as CLI `--set` text


@pytest.mark.parametrize("plugin_id", PLUGIN_IDS)
def test_a_condition_names_another_parameter_and_its_values(plugin_id):
    params = {p.key: p for p in plugin_of(plugin_id).info.params}
    for p in params.values():
        for key, allowed in p.applies:
            assert key in params and key != p.key, (p.key, key)
            for value in allowed:
                assert validate((params[key],), {key: value})[key] == value, (p.key, key, value)
                assert value in getattr(params[key], "choices", (value,)), (p.key, key, value)  # no typo'd id


@pytest.mark.parametrize("plugin_id", PLUGIN_IDS)
def test_params_and_info_serialize(plugin_id):
    info = plugin_of(plugin_id).info
    for p in info.params:
        d = p.to_dict()
        assert d["type"] == p.kind and d["key"] == p.key
        assert param_from_dict(json.loads(json.dumps(d))) == p, p.key
    data = json.loads(json.dumps(info.to_dict()))
    assert data["id"] == info.id and [p["key"] for p in data["params"]] == [p.key for p in info.params]
    assert data["model_ids"] == list(info.model_ids)


def _check_output_size(plugin: Plugin, runtime: ModelProvider, folder: Path) -> None:
    image = image_for(plugin, folder)
    out = run_plugin(plugin, image, mask_for(plugin), None, RunContext(), runtime)
    assert out.size == plugin.output_size(image.size, validate(plugin.info.params))
    assert out.rgb.dtype == np.float32 and np.isfinite(out.rgb).all()
    assert 0.0 <= out.rgb.min() and out.rgb.max() <= 1.0


@pytest.mark.parametrize("plugin_id", PLUGIN_IDS)
def test_output_has_the_promised_size(plugin_id, fake, tmp_path):
    plugin = plugin_of(plugin_id)
    _check_output_size(plugin, fake, tmp_path)
    assert set(fake.loaded) <= set(plugin.info.model_ids), "with its defaults a plugin loads only models it declares"


@pytest.mark.parametrize("plugin_id", MODEL_PLUGIN_IDS)
def test_output_has_the_promised_size_with_the_shipped_models(plugin_id, shipped, tmp_path):
    _check_output_size(plugin_of(plugin_id), shipped, tmp_path)


@pytest.mark.parametrize("plugin_id", PLUGIN_IDS)
def test_cancel_propagates(plugin_id, fake, tmp_path):
    """docs/plugins.md: plugins call ``ctx.raise_if_cancelled()`` between units of work, so a job
    cancelled before it starts raises :class:`Cancelled` (finishing with a result is a contract breach)."""
    plugin = plugin_of(plugin_id)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_plugin(plugin, image_for(plugin, tmp_path), mask_for(plugin), None, RunContext(token=token), fake)


def test_listing_plugins_imports_no_heavy_library():
    """Discovery plus every plugin's ``info.to_dict()`` (what ``photoai plugins --json`` does) in a fresh
    interpreter loads neither torch, ONNX Runtime nor Qt."""
    code = (
        "import json, sys\n"
        "from photoai.plugin_api.registry import discover_plugins\n"
        "registry = discover_plugins(entry_point_group=None, paths=[])\n"
        "infos = [json.dumps(p.info.to_dict()) for p in registry.plugins()]\n"
        f"heavy = [m for m in {HEAVY_MODULES!r} if m in sys.modules]\n"
        "print(json.dumps({'ids': [p.info.id for p in registry.plugins()], 'heavy': heavy}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ids"] == PLUGIN_IDS
    assert result["heavy"] == [], f"listing plugins imported {result['heavy']}"


@pytest.mark.parametrize("plugin_id", PLUGIN_IDS)
def test_model_ids_ship_in_the_plugins_own_manifest(plugin_id, shipped):
    plugin = plugin_of(plugin_id)
    assert not shipped.manifest.failures, shipped.manifest.failures
    own = getattr(plugin, "models_dir", None)
    for model_id in plugin.info.model_ids:
        spec = shipped.spec(model_id)
        assert own is not None and spec.manifest is not None, model_id
        assert spec.manifest.resolve() == (own / MANIFEST_NAME).resolve(), f"{model_id} comes from {spec.manifest}"
        assert spec.path.is_file(), f"{model_id}: {spec.path} is missing"
        assert sha256_of(spec.path) == spec.sha256, f"{model_id}: {spec.path.name} does not match its sha256"
