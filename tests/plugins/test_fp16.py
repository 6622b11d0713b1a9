"""Float16 GPU variants of a plugin's models (``plugins/_fp16.py``): written only where the check passes, linked
from the float32 entry and its int8 copy, followed only when a GPU provider leads."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.runtime import Runtime
from photoai.runtime.manifest import read_manifest
from photoai_plugins import _fp16, _training
from tests.runtime.test_platform import entry, write_folder
from tests.runtime.test_runtime import write_scale_model

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


@pytest.fixture
def models(tmp_path):
    folder = write_folder(tmp_path, [entry("m"), entry("m-int8", precision="int8")])
    write_scale_model(folder / "huge.onnx", 1e5)  # x * 1e5 overflows float16 (max 65504)
    write_scale_model(folder / "flat.onnx", 0.0)  # always 0: a check would prove nothing
    _training.upsert_manifest(folder, [entry("huge"), entry("flat")])
    return folder


def test_variants_are_written_checked_and_linked(models):
    import onnx

    report = _fp16.add_variants(models)
    specs = {s.id: s for s in read_manifest(models)}
    assert specs["m-fp16"].precision == "float16" and (models / "m_fp16.onnx").is_file()
    weights = onnx.load(models / "m_fp16.onnx").graph.initializer
    assert weights and all(w.data_type == onnx.TensorProto.FLOAT16 for w in weights)  # really converted
    assert specs["m"].gpu_variant == "m-fp16" and specs["m-int8"].gpu_variant == "m-fp16"
    assert specs["m-fp16"].metrics["float16_check"]["max_difference_vs_float32"] <= _fp16.TOLERANCE
    # refused: no file, no entry, no link, and the report says why
    assert not (models / "huge_fp16.onnx").exists() and "huge-fp16" not in specs and not specs["huge"].gpu_variant
    assert "flat-fp16" not in specs
    assert any(line.startswith("huge: refused") and "differs from the float32 model" in line for line in report)
    assert any(line.startswith("flat: refused") and "prove nothing" in line for line in report)
    # the float16 file computes what the float32 one does (x * 2), float32 in and out
    x = np.random.default_rng(1).random((1, 1, 8, 9), dtype=np.float32)
    y = ort.InferenceSession(str(models / "m_fp16.onnx"), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    assert y.dtype == np.float32 and np.abs(y - 2 * x).max() < 2e-3
    # the runtime follows the link only when a GPU provider leads
    rt = Runtime(models, user_models=False)
    assert rt.resolve("m-int8", providers=["CUDAExecutionProvider", "CPUExecutionProvider"]).id == "m-fp16"
    assert rt.resolve("m-int8", providers=["CPUExecutionProvider"]).id == "m-int8"


def test_a_second_run_replaces_rather_than_stacks(models):
    for _ in range(2):
        _fp16.add_variants(models)
    ids = [s.id for s in read_manifest(models)]
    assert sorted(ids) == ["flat", "huge", "m", "m-fp16", "m-int8"]


def test_an_export_drops_the_copy_of_its_old_weights(models, capsys):
    _fp16.add_variants(models, ids=["m"])
    _training.upsert_manifest(models, [entry("m")])  # new weights for m, written without the link
    specs = {s.id: s for s in read_manifest(models)}
    assert "m-fp16" not in specs and not specs["m"].gpu_variant and not specs["m-int8"].gpu_variant
    err = capsys.readouterr().err
    assert "dropped 'm-fp16'" in err and "photoai_plugins._fp16" in err and "--ids m" in err


def test_an_input_range_reaches_the_check(models):
    (spec,) = [s for s in read_manifest(models) if s.id == "m"]
    cases = _fp16.check_cases(spec, {"x": (10.0, 20.0)})
    assert all(10.0 <= c[0].min() and c[0].max() <= 20.0 for c in cases)
    _fp16.add_variants(models, ids=["m"], ranges={"x": (10.0, 20.0)})
    check = {s.id: s for s in read_manifest(models)}["m-fp16"].metrics["float16_check"]
    assert "x in [10, 20]" in check["how"] and "--input-range x=10,20" in check["command"]


def test_unknown_ids_are_refused(models):
    with pytest.raises(SystemExit, match="not float32 ONNX entries of this manifest: m-int8"):
        _fp16.add_variants(models, ids=["m-int8"])
