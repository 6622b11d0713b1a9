"""photoai.runtime.onnx_export: dynamic height/width on every NCHW input, the TorchScript fallback,
the ONNX Runtime check (shapes, relative tolerance) and the atomic replace."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from photoai.core.atomic import atomic_path

pytest.importorskip("torch")
pytest.importorskip("onnxscript")

import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402

from photoai.core.errors import ModelError  # noqa: E402
from photoai.runtime import onnx_export  # noqa: E402


class Masked(torch.nn.Module):
    """Two NCHW inputs (image, mask) and a per-channel gain that is not NCHW."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 3, 3, padding=1)
        self.scale = scale

    def forward(self, image: torch.Tensor, mask: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
        return self.scale * self.conv(torch.cat([image, mask], 1)) * gain.view(1, -1, 1, 1)


def _inputs(h: int = 8, w: int = 12, batch: int = 1) -> tuple[torch.Tensor, ...]:
    return torch.rand(batch, 3, h, w), (torch.rand(batch, 1, h, w) > 0.5).float(), torch.rand(3) + 0.5


def _run(path: Path, *inputs: torch.Tensor) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {i.name: x.numpy() for i, x in zip(session.get_inputs(), inputs, strict=True)})[0]


NAMES = ["image", "mask", "gain"]


def test_export_is_dynamic_in_height_and_width_of_every_nchw_input(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net, path = Masked().eval(), tmp_path / "m.onnx"
    onnx_export.export_onnx(net, _inputs(), path, input_names=NAMES, output_names=["y"], size_multiple=4)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == NAMES and session.get_outputs()[0].name == "y"
    assert session.get_inputs()[2].shape == [3]  # not NCHW: left static
    for h, w in ((4, 4), (20, 36)):  # any multiple of 4, not only the traced 8x12
        inputs = _inputs(h, w)
        with torch.inference_mode():
            np.testing.assert_allclose(_run(path, *inputs), net(*inputs).numpy(), atol=1e-5)


def test_torchscript_fallback_when_dynamo_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real, calls = torch.onnx.export, []

    def export(*args: Any, dynamo: bool, **kwargs: Any) -> Any:
        calls.append(dynamo)
        if dynamo:
            raise RuntimeError("dynamo cannot trace this")
        return real(*args, dynamo=False, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", export)
    net, path = Masked().eval(), tmp_path / "m.onnx"
    cases = onnx_export.grown_inputs(_inputs(), 4)
    assert [c[0].shape for c in cases] == [(1, 3, 8, 12), (1, 3, 12, 20)]
    assert onnx_export.export_checked(net, _inputs(), path, cases=cases, input_names=NAMES,
                                      dynamic_batch=True) <= onnx_export.TOLERANCE
    assert calls == [True, False]
    inputs = _inputs(5, 7, batch=2)  # dynamic batch too
    with torch.inference_mode():
        np.testing.assert_allclose(_run(path, *inputs), net(*inputs).numpy(), atol=1e-5)

    calls.clear()
    onnx_export.export_onnx(net, _inputs(), path, input_names=NAMES, dynamo=False)
    assert calls == [False]  # dynamo=False goes straight to TorchScript


def test_export_failure_is_a_one_line_model_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def export(*args: Any, dynamo: bool, **kwargs: Any) -> None:
        raise RuntimeError("dynamo says\nno" if dynamo else "torchscript says no")

    monkeypatch.setattr(torch.onnx, "export", export)
    with pytest.raises(ModelError, match=r"^the network could not be exported to ONNX: dynamo says no$"):
        onnx_export.export_onnx(Masked(), _inputs(), tmp_path / "m.onnx", input_names=NAMES)


def test_verify_compares_relative_to_the_output_magnitude(tmp_path: Path) -> None:
    torch.manual_seed(0)
    net, path = Masked(1000.0).eval(), tmp_path / "m.onnx"
    onnx_export.export_onnx(net, _inputs(), path, input_names=NAMES)
    cases = onnx_export.grown_inputs(_inputs())

    class Off(torch.nn.Module):
        def __init__(self, offset: float, rows: int | None = None) -> None:
            super().__init__()
            self.offset, self.rows = offset, rows

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return net(*inputs)[:, :, : self.rows] + self.offset

    assert onnx_export.verify_onnx(Off(0.01), path, cases) <= onnx_export.TOLERANCE  # 0.01 of ~1000: fine
    with pytest.raises(ModelError, match="differs from torch by"):
        onnx_export.verify_onnx(Off(1.0), path, cases)
    with pytest.raises(ModelError, match="gives shape"):
        onnx_export.verify_onnx(Off(0.0, rows=-1), path, cases)
    with pytest.raises(ModelError, match="differs from torch by inf"):  # a NaN on one side is no agreement
        onnx_export.verify_onnx(Off(float("nan")), path, cases)
    (tmp_path / "bad.onnx").write_bytes(b"not onnx")
    with pytest.raises(ModelError, match="does not load in ONNX Runtime"):
        onnx_export.verify_onnx(net, tmp_path / "bad.onnx", cases)


def test_export_checked_replaces_the_file_only_after_a_passing_check(tmp_path: Path) -> None:
    path = tmp_path / "m.onnx"
    path.write_bytes(b"the old model")
    cases = onnx_export.grown_inputs(_inputs())
    with pytest.raises(ModelError, match="differs from torch"):
        onnx_export.export_checked(Masked(), _inputs(), path, cases=cases, tolerance=-1.0, input_names=NAMES)
    assert path.read_bytes() == b"the old model" and [p.name for p in tmp_path.iterdir()] == ["m.onnx"]
    onnx_export.export_checked(Masked(), _inputs(), path, cases=cases, input_names=NAMES)
    assert path.read_bytes() != b"the old model" and [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_atomic_path_keeps_the_old_file_when_the_block_fails(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_path(path) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.json"]
    with atomic_path(path) as tmp:
        tmp.write_text("new")
    assert path.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_importing_the_module_does_not_import_torch() -> None:
    code = "import sys, photoai.runtime.onnx_export; assert not {'torch', 'onnxruntime'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
