"""Bring your own weights: every architecture imported from both torch.save formats, run by the runtime
from its ONNX file and compared with an independent reference of the authors' forward pass; refusals
(code in the pickle, unknown architecture, taken id) and nothing half-imported left behind."""

from __future__ import annotations

import collections
import importlib.machinery
import os
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("onnxscript")

import torch  # noqa: E402

from photoai.core.errors import ModelError  # noqa: E402
from photoai.plugin_api import BasePlugin, PluginInfo  # noqa: E402
from photoai.plugin_api.models import plugin_archs  # noqa: E402
from photoai.runtime import Runtime, importer  # noqa: E402
from photoai.runtime.archs import builtin_archs  # noqa: E402
from photoai.runtime.archs.torch_arch import TorchArch, shape_of  # noqa: E402
from photoai.runtime.importer import import_model, load_state, scale_from_name, unwrap  # noqa: E402
from photoai.runtime.manifest import sha256_of  # noqa: E402
from photoai.runtime.store import ModelStore  # noqa: E402
from tests.runtime import reference_archs as ref  # noqa: E402


@dataclass(frozen=True)
class Case:
    arch: str
    task: str
    file_name: str
    scale: int | None  # --scale given
    state: Callable[[], dict[str, Any]]
    forward: Callable[[dict[str, Any], Any], Any]
    shape: tuple[int, int, int]  # C, H, W of the test input
    out_scale: int = 1


CASES = [
    Case("fsrcnn", "superres", "fsrcnn_x3.pth", None, ref.fsrcnn_state, lambda st, x: ref.fsrcnn_forward(st, x, 3),
         (1, 23, 31), 3),
    Case("fsrcnn", "superres", "fsrcnn-weights.pth", 2, lambda: ref.fsrcnn_state(32, 5, 2, seed=1),
         lambda st, x: ref.fsrcnn_forward(st, x, 2), (1, 20, 17), 2),
    Case("zero-dce", "lowlight", "Epoch99.pth", None, ref.zerodce_state, ref.zerodce_forward, (3, 30, 41)),
    Case("zero-dce++", "lowlight", "Epoch99_pp.pth", None, ref.zerodcepp_state, ref.zerodcepp_forward, (3, 48, 60)),
    Case("sci", "lowlight", "medium.pt", None, ref.sci_state, ref.sci_forward, (3, 29, 35)),
]


def save(state: Any, path: Path, legacy: bool) -> Path:
    torch.save(state, path, _use_new_zipfile_serialization=not legacy)
    return path


def store_files(home: Path) -> list[str]:
    folder = home / "models"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy-pickle"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c.arch}-{c.file_name}" for c in CASES])
def test_import_runs_like_the_authors_code(case, legacy, tmp_path, photoai_home):
    state = case.state()
    path = save(state, tmp_path / case.file_name, legacy)
    spec = import_model(path, "mine", scale=case.scale)
    assert (spec.arch, spec.task, spec.scale, spec.format) == (case.arch, case.task, case.out_scale, "onnx")
    assert spec.source["file"] == case.file_name and spec.source["sha256"] == sha256_of(path)
    assert spec.source["importer"].startswith("photoai ") and spec.source["date"]
    assert spec.path == photoai_home / "models" / "mine.onnx" and spec.path.is_file()

    x = torch.rand(1, *case.shape, generator=torch.Generator().manual_seed(5))
    if case.arch == "fsrcnn":
        x = 16 / 255 + x * (219 / 255)  # Y in studio range, as rgb2ycbcr gives
    expected = case.forward(state, x).numpy()
    model = Runtime([], device="cpu").load("mine")
    got = model(x.numpy())
    assert got.shape == expected.shape
    assert 0.05 < expected.std()  # a real image, not a constant that any wrong graph could match
    np.testing.assert_allclose(got, expected, atol=2e-5)


def test_fsrcnn_facts(tmp_path, photoai_home):
    spec = import_model(save(ref.fsrcnn_state(), tmp_path / "x4_fsrcnn.pth", False), "f4")
    assert (spec.scale, spec.in_channels, spec.out_channels, spec.color, spec.tiling) == (4, 1, 1, "y-bt601-srcnn",
                                                                                         "supported")
    assert spec.config == {"d": 56, "s": 12, "m": 4, "chroma": "pil-bicubic"}
    assert spec.receptive_field == 8 // 4 + 1 + 4 + 8 and spec.output_range == (0.0, 1.0)


def test_zerodcepp_pads_to_its_size_multiple(tmp_path, photoai_home):
    spec = import_model(save(ref.zerodcepp_state(), tmp_path / "zpp.pth", False), "zpp")
    assert (spec.size_multiple, spec.min_size, spec.config["scale_factor"]) == (12, 12, 12)
    x = np.random.default_rng(0).random((1, 3, 25, 37), dtype=np.float32)
    assert Runtime([]).load("zpp")(x).shape == x.shape


def test_scale_from_file_name():
    assert [scale_from_name(n) for n in ("fsrcnn_x3.pth", "x2.pt", "4x_UltraSharp.pth", "RealESRGAN_x4plus.pth",
                                         "model-2x.pth", "max3.pth", "fsrcnn.pth", "3xfoo.pth")] == \
        [3, 2, 4, 4, 2, None, None, None]


def test_fsrcnn_without_scale_asks_for_it(tmp_path, photoai_home):
    with pytest.raises(ModelError, match="FSRCNN.*--scale"):
        import_model(save(ref.fsrcnn_state(), tmp_path / "fsrcnn.pth", False), "f")
    assert store_files(photoai_home) == []


def test_containers_and_module_prefix_are_unwrapped(tmp_path):
    st = ref.zerodce_state()
    wrapped = {"epoch": 3, "optimizer": {"lr": 1e-3},
               "params_ema": {f"module.{k}": v for k, v in st.items()}, "params": {"x": torch.zeros(1)}}
    loaded = load_state(save(wrapped, tmp_path / "ckpt.pth", True))
    assert sorted(loaded) == sorted(st) and all(torch.equal(loaded[k], st[k]) for k in st)
    assert sorted(unwrap({"state_dict": st})) == sorted(st)
    assert sorted(unwrap({"net": {"model": st}})) == sorted(st)
    assert unwrap({"epoch": 3}) is None


class Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy-pickle"])
def test_pickle_with_code_is_refused_and_never_runs(legacy, tmp_path, photoai_home):
    marker = tmp_path / "ran"
    path = save({**ref.sci_state(), "hook": Evil(marker)}, tmp_path / "evil.pth", legacy)
    with pytest.raises(ModelError, match="code.*refused"):
        import_model(path, "evil")
    assert not marker.exists()
    assert store_files(photoai_home) == []


def test_not_a_torch_file(tmp_path, photoai_home):
    path = tmp_path / "notes.pth"
    path.write_text("hello")
    with pytest.raises(ModelError, match="notes.pth is not a PyTorch weights file"):
        import_model(path, "n")


def test_unknown_architecture_lists_the_supported_ones(tmp_path, photoai_home):
    path = save({"body.0.weight": torch.zeros(8, 3, 3, 3)}, tmp_path / "other.pth", False)
    with pytest.raises(ModelError) as err:
        import_model(path, "other")
    message = str(err.value)
    assert "other.pth is not an architecture PhotoAI can import" in message
    for title in ("FSRCNN (Dong", "Zero-DCE (Guo", "Zero-DCE++ (Li", "SCI (Ma"):
        assert title in message
    assert "photoai[spandrel]" in message
    assert store_files(photoai_home) == []


def test_taken_ids_are_refused_before_any_work(tmp_path, photoai_home):
    missing = tmp_path / "does-not-exist.pth"
    with pytest.raises(ModelError, match="'superres-x2' is already taken"):
        import_model(missing, "superres-x2", known_ids=["superres-x2"])
    import_model(save(ref.sci_state(), tmp_path / "sci.pt", False), "sci")
    with pytest.raises(ModelError, match="'sci' is already taken"):
        import_model(missing, "sci")
    with pytest.raises(ModelError, match="model id"):
        import_model(missing, "Bad Id")


def test_remove_deletes_the_file(tmp_path, photoai_home):
    spec = import_model(save(ref.sci_state(), tmp_path / "sci.pt", True), "sci")
    assert spec.path.is_file()
    ModelStore().remove("sci")
    assert not spec.path.exists() and ModelStore().entries() == []


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_interrupted_export_leaves_nothing(error, tmp_path, photoai_home, monkeypatch):
    def half_export(module, inputs, path, **options):
        Path(path).write_bytes(b"half an onnx file")
        raise error("stop")

    monkeypatch.setattr(importer, "export_onnx", half_export)
    with pytest.raises(error):
        import_model(save(ref.sci_state(), tmp_path / "sci.pt", False), "sci")
    assert store_files(photoai_home) == []


def test_failed_verification_leaves_nothing(tmp_path, photoai_home, monkeypatch):
    def bad(module, path, cases):
        raise ModelError("the ONNX export differs from torch")

    monkeypatch.setattr(importer, "verify_onnx", bad)
    with pytest.raises(ModelError, match="differs"):
        import_model(save(ref.sci_state(), tmp_path / "sci.pt", False), "sci")
    assert store_files(photoai_home) == []


def test_missing_torch_says_what_to_install(tmp_path, monkeypatch, photoai_home):
    path = save(ref.sci_state(), tmp_path / "sci.pt", False)
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(ModelError, match=r'pip install "photoai\[train\]"'):
        import_model(path, "sci")


# --- spandrel (faked: it is never installed here) ----------------------------------------------------

class _TinySR(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 12, 3, padding=1)

    def forward(self, x):
        return torch.nn.functional.pixel_shuffle(self.conv(x), 2)


def fake_spandrel(purpose: str) -> types.ModuleType:
    """A stand-in ``spandrel`` whose loader knows one state dict: a x2 sub-pixel network."""

    class Descriptor:
        def __init__(self, state):
            self.model = _TinySR()
            self.model.load_state_dict(state)
            self.purpose, self.scale, self.input_channels, self.output_channels = purpose, 2, 3, 3
            self.size_requirements = types.SimpleNamespace(minimum=0, multiple_of=4, square=False)
            self.tiling = types.SimpleNamespace(name="SUPPORTED")
            self.architecture = types.SimpleNamespace(id="TinySR", name="Tiny SR")
            self.tags = ["12nf"]

    class ModelLoader:
        def load_from_state_dict(self, state):
            if "conv.weight" not in state:
                raise ValueError("unsupported model")
            return Descriptor(state)

    module = types.ModuleType("spandrel")
    module.ModelLoader = ModelLoader  # type: ignore[attr-defined]
    module.__spec__ = importlib.machinery.ModuleSpec("spandrel", None)
    return module


def test_spandrel_path(tmp_path, photoai_home, monkeypatch):
    monkeypatch.setitem(sys.modules, "spandrel", fake_spandrel("SR"))
    net = _TinySR().eval()
    spec = import_model(save(net.state_dict(), tmp_path / "tiny.pth", False), "tiny")
    assert (spec.arch, spec.task, spec.scale, spec.size_multiple, spec.color) == ("spandrel:TinySR", "superres", 2,
                                                                                  4, "rgb")
    x = np.random.default_rng(1).random((1, 3, 16, 20), dtype=np.float32)
    with torch.inference_mode():
        expected = net(torch.from_numpy(x)).clamp(0, 1).numpy()
    np.testing.assert_allclose(Runtime([]).load("tiny")(x), expected, atol=2e-5)


def test_spandrel_task_without_plugin_and_unknown_file(tmp_path, photoai_home, monkeypatch):
    monkeypatch.setitem(sys.modules, "spandrel", fake_spandrel("Restoration"))
    with pytest.raises(ModelError, match="Tiny SR \\(Restoration\\), a task PhotoAI has no plugin for"):
        import_model(save(_TinySR().state_dict(), tmp_path / "tiny.pth", False), "tiny")
    with pytest.raises(ModelError, match="supported: FSRCNN.*spandrel does not recognize it either"):
        import_model(save({"body.weight": torch.zeros(2)}, tmp_path / "b.pth", False), "b")
    assert store_files(photoai_home) == []


def test_falls_back_to_the_torchscript_exporter(tmp_path, photoai_home, monkeypatch):
    real_export = torch.onnx.export
    calls = []

    def export(*args, **kwargs):
        calls.append(kwargs["dynamo"])
        if kwargs["dynamo"]:
            raise RuntimeError("dynamo cannot express this")
        return real_export(*args, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", export)
    state = ref.sci_state(seed=3)
    import_model(save(state, tmp_path / "sci.pt", False), "sci")
    assert calls == [True, False]
    x = torch.rand(1, 3, 21, 26, generator=torch.Generator().manual_seed(2))
    np.testing.assert_allclose(Runtime([]).load("sci")(x.numpy()), ref.sci_forward(state, x).numpy(), atol=2e-5)


# --- architectures from plugins -----------------------------------------------------------------------

class GainArch(TorchArch):
    """A plugin's own architecture: one 1x1 conv named ``gain``."""

    name, title, task = "gain", "Gain (test plugin)", "lowlight"

    def guess(self, state, scale):
        return {} if shape_of(state, "gain.weight") is not None else None

    def build(self, config):
        return torch.nn.Sequential(collections.OrderedDict(gain=torch.nn.Conv2d(3, 3, 1)))

    def facts(self, config):
        return {"inputs": ["image"], "receptive_field": 1}


class ArchPlugin(BasePlugin):
    info = PluginInfo("gainer", "Gainer")

    def architectures(self):
        return [GainArch()]


class BrokenArchPlugin(BasePlugin):
    info = PluginInfo("broken-archs", "Broken archs")

    def architectures(self):
        raise ImportError("needs a package that is not installed")


def test_plugin_architectures_are_importable(registry, tmp_path, photoai_home, caplog):
    registry.register(ArchPlugin(), "tests")
    registry.register(BrokenArchPlugin(), "tests")
    archs = plugin_archs(registry)
    assert [a.name for a in archs] == ["gain"]
    assert "broken-archs" in caplog.text and "not installed" in caplog.text
    net = GainArch().build({})
    spec = import_model(save(net.state_dict(), tmp_path / "gain.pth", False), "gain",
                        archs=[*builtin_archs(), *archs])
    assert (spec.arch, spec.task) == ("gain", "lowlight")
