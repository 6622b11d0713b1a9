import json

import numpy as np
import pytest

from photoai.core.errors import ModelError
from photoai.runtime import Runtime
from photoai.runtime.devices import pick_ort_providers
from photoai.runtime.manifest import read_manifest, sha256_of


def write_scale_model(path, factor=2.0):
    """A one-node ONNX model y = x * factor, made without torch."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 1, "h", "w"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 1, "h", "w"])
    k = helper.make_tensor("k", TensorProto.FLOAT, [], [factor])
    graph = helper.make_graph([helper.make_node("Mul", ["x", "k"], ["y"])], "scale", [x], [y], [k])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


@pytest.fixture
def models_dir(tmp_path):
    write_scale_model(tmp_path / "m.onnx")
    entry = {"id": "m", "file": "m.onnx", "sha256": sha256_of(tmp_path / "m.onnx"), "in_channels": 1,
             "out_channels": 1, "output_range": None, "training": {"command": "n/a"}}
    (tmp_path / "manifest.json").write_text(json.dumps({"models": [entry]}))
    return tmp_path


def test_load_run_and_cache(models_dir):
    rt = Runtime(models_dir)
    model = rt.load("m")
    x = np.ones((1, 1, 3, 4), np.float32)
    np.testing.assert_allclose(model(x), 2 * x)
    assert rt.load("m") is model
    assert "CPU" in rt.last_device_label
    assert rt.spec("m").training == {"command": "n/a"}


def test_corrupt_model_is_refused_with_a_clear_message(models_dir):
    path = models_dir / "m.onnx"
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(ModelError, match="corrupt.*m.onnx|m.onnx.*corrupt"):
        Runtime(models_dir).load("m")


def test_missing_model_file_and_unknown_id(models_dir):
    (models_dir / "m.onnx").unlink()
    with pytest.raises(ModelError, match="missing"):
        Runtime(models_dir).load("m")
    with pytest.raises(ModelError, match="'nope' is not installed"):
        Runtime(models_dir).load("nope")


def test_broken_manifest(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="unreadable"):
        read_manifest(tmp_path)


def test_provider_preference():
    avail = ["CPUExecutionProvider", "CUDAExecutionProvider", "AzureExecutionProvider"]
    assert pick_ort_providers("auto", avail) == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert pick_ort_providers("cpu", avail) == ["CPUExecutionProvider"]
    assert pick_ort_providers("auto", ["DmlExecutionProvider", "CPUExecutionProvider"])[0] == "DmlExecutionProvider"


def test_device_preference_clears_cache(models_dir):
    rt = Runtime(models_dir)
    first = rt.load("m")
    rt.set_device_preference("cpu")
    assert rt.load("m") is not first
    assert "CPU forced" in rt.summary()
    with pytest.raises(ValueError):
        Runtime(models_dir, device="tpu")


def test_shipped_manifest_checksums_match():
    """Every model a built-in plugin ships matches its manifest entry, and every manifest reads cleanly."""
    from photoai.plugin_api.models import open_runtime
    from photoai.plugin_api.registry import discover_plugins

    manifest = open_runtime(discover_plugins(entry_point_group=None, paths=[]), user_models=False).manifest
    assert not manifest.failures
    assert {"superres-x2", "superres-x4-int8", "inpaint-pconv", "superres-torch"} <= set(manifest.specs)
    for model_id in manifest.specs:
        manifest.verify(model_id)
