"""The GPU path without a GPU: with onnxruntime-gpu's providers faked as available, the runtime asks ONNX
Runtime for CUDA first and loads the manifest's ``gpu_variant`` (fp16); ``--device cpu`` never does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from photoai.runtime import Runtime
from tests.runtime.test_platform import entry, write_folder

ort = pytest.importorskip("onnxruntime")


@pytest.fixture
def fake_cuda(monkeypatch):
    """onnxruntime-gpu as seen from Python; records every session's model file and providers."""
    sessions: list[tuple[str, list[str]]] = []

    class Session:
        def __init__(self, path, options=None, providers=None):
            sessions.append((path, list(providers)))
            self.providers = list(providers)

        def get_providers(self):
            return self.providers

        def get_inputs(self):
            return [SimpleNamespace(name="x")]

    monkeypatch.setattr(ort, "get_available_providers",
                        lambda: ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"])
    monkeypatch.setattr(ort, "InferenceSession", Session)
    return sessions


@pytest.fixture
def models(tmp_path):
    return write_folder(tmp_path, [entry("m", gpu_variant="m-fp16"), entry("m-fp16", precision="float16"),
                                   entry("plain")])


def test_cuda_is_requested_and_the_fp16_variant_loads(fake_cuda, models):
    rt = Runtime(models, user_models=False)
    assert rt.providers() == ["CUDAExecutionProvider", "CPUExecutionProvider"]
    model = rt.load("m")
    assert model.spec.id == "m-fp16"
    assert fake_cuda == [(str(models / "m-fp16.onnx"), ["CUDAExecutionProvider", "CPUExecutionProvider"])]
    assert model.device_label == "ONNX Runtime · CUDA" and rt.last_device_label == model.device_label
    assert rt.load("plain").spec.id == "plain"  # no variant: the model itself, on CUDA too
    assert fake_cuda[-1][1][0] == "CUDAExecutionProvider"
    assert rt.summary() == "ONNX Runtime · CUDA"


def test_cpu_preference_never_asks_for_cuda(fake_cuda, models):
    rt = Runtime(models, device="cpu", user_models=False)
    assert rt.load("m").spec.id == "m"
    assert fake_cuda == [(str(models / "m.onnx"), ["CPUExecutionProvider"])]
    rt.set_device_preference("auto")  # the cache is per preference: a new session, now on CUDA
    assert rt.load("m").spec.id == "m-fp16" and fake_cuda[-1][1][0] == "CUDAExecutionProvider"


def test_a_variant_whose_session_falls_back_to_the_cpu_is_replaced_by_the_model(fake_cuda, models, monkeypatch):
    """ONNX Runtime silently drops CUDA when its libraries are missing: then the fp16 file would run on the CPU,
    slower than the model's own file, so the model itself is loaded."""
    real = ort.InferenceSession

    class CpuOnly(real):  # type: ignore[misc, valid-type]
        def get_providers(self):
            return ["CPUExecutionProvider"]

    monkeypatch.setattr(ort, "InferenceSession", CpuOnly)
    model = Runtime(models, user_models=False).load("m")
    assert model.spec.id == "m"
    assert [path for path, _ in fake_cuda] == [str(models / "m-fp16.onnx"), str(models / "m.onnx")]


def test_a_missing_variant_runs_the_model_itself(fake_cuda, tmp_path):
    models = write_folder(tmp_path, [entry("m", gpu_variant="gone")])
    rt = Runtime(models, user_models=False)
    assert rt.resolve("m").id == "m" and rt.load("m").spec.id == "m"
