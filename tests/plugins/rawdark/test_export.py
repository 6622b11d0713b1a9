"""Export: the ONNX file matches torch (levels as a map, several sizes) and its manifest entry is valid."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.runtime.manifest import read_manifest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from photoai_plugins import _training as training  # noqa: E402
from photoai_plugins.rawdark import export  # noqa: E402
from photoai_plugins.rawdark.net import RawDenoiser  # noqa: E402


@pytest.fixture(scope="module")
def models(smoke_checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("rawdark-models")
    export.main(["--checkpoint", str(smoke_checkpoint), "--out-dir", str(out), "--measure"])
    return out


def test_the_manifest_entry(models, smoke_checkpoint) -> None:
    (spec,) = read_manifest(models)
    assert (spec.id, spec.task, spec.file, spec.inputs) == ("rawdark", "rawdark", "rawdark.onnx", ("raw", "levels"))
    assert (spec.in_channels, spec.out_channels, spec.size_multiple, spec.tiling) == (4, 4, 4, "supported")
    assert spec.output_range == (0.0, 1.0) and spec.params > 0 and spec.macs_per_output_pixel > 0
    assert 20 < spec.receptive_field < 128
    assert spec.training["iterations"] == 6 and spec.training["command"].startswith("python -m photoai_plugins.")
    assert spec.metrics["validation"]["iteration"] == 6 and "psnr_render_blur" in spec.metrics["validation"]
    table = spec.metrics["held_out"]  # measures.py on the run's 2 held-out fixture photos
    assert set(table) == {"data", "blur_sigma", "x50", "x100", "x200", "x300"}
    assert table["x300"]["psnr_raw_input"] < table["x50"]["psnr_raw_input"]  # more amplification, more noise


@pytest.mark.parametrize(("h", "w"), [(24, 40), (52, 36)])
def test_onnx_matches_torch(models, smoke_checkpoint, h, w) -> None:
    net = training.load_net(smoke_checkpoint, RawDenoiser)[0]
    rng = np.random.default_rng(h)
    raw = (rng.random((1, 4, h, w), dtype=np.float32) * 1.2 - 0.1).astype(np.float32)
    levels = np.broadcast_to(np.array([0.08, 0.004], np.float32).reshape(1, 2, 1, 1), (1, 2, h, w)).copy()
    with torch.no_grad():
        want = net(torch.from_numpy(raw), torch.from_numpy(levels)).numpy()
    session = ort.InferenceSession(str(models / export.MODEL_FILE), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"raw": raw, "levels": levels})[0], want, atol=1e-4)


def test_receptive_field_is_what_the_architecture_reaches() -> None:
    """A 3-level U-Net of 3x3 convolutions: grows with neither width nor input size."""
    assert export.receptive_field({"width": 4}) == export.receptive_field({"width": 8}, side=96)
