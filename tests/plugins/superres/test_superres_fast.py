"""The Speed choice "Fast": re-parameterized training folds into the plain network, a ``--rep`` run exports as the
fast family (ONNX equal to the trained net), the choice reaches the runtime, and the shipped fast models."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from photoai.core.image import ImageBuffer
from photoai.plugin_api.execute import run_plugin
from photoai.runtime.manifest import read_manifest
from photoai_plugins._training import load_net
from photoai_plugins.superres import export, train
from photoai_plugins.superres.net import SRNet
from photoai_plugins.superres.plugin import FAMILIES, SuperResPlugin, family, family_ids
from photoai_plugins.superres.rep import RepConv3x3
from tests.conftest import REPO, shipped_runtime
from tests.plugins.superres.test_superres_photo_choice import Spy, _folder

FAST = ("network-fast", "photo-fast")


def _rep_net() -> SRNet:
    """A small re-parameterized net with random branches and tails (a fresh net's zero tails would hide the body)."""
    torch.manual_seed(0)
    net = SRNet(8, 2, (2, 3), rep=True)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return net.eval()


def test_fused_net_is_plain_and_computes_the_same_function() -> None:
    net = _rep_net()
    plain = net.fused()
    assert not any(isinstance(m, RepConv3x3) for m in plain.modules())
    assert plain.config() == {"channels": 8, "blocks": 2, "scales": [2, 3]} and net.config()["rep"] is True
    x = torch.rand(1, 1, 11, 13)
    with torch.inference_mode():
        for scale in (2, 3):
            rep, fused = net(x, scale), plain(x, scale)
            assert (rep - torch.nn.functional.interpolate(x, scale_factor=scale)).abs().max() > 1e-2  # not trivial
            torch.testing.assert_close(fused, rep, atol=1e-5, rtol=0)


def test_a_rep_training_run_exports_as_the_fast_family(image_dir: Path, tmp_path: Path) -> None:
    """``train --rep`` (smoke) resumes as a rep net; ``export --family network-fast`` writes plain ONNX graphs that
    ONNX Runtime runs like the trained (unfused) net, int8 copies, the folded torch weights and valid entries."""
    data = tmp_path / "data"
    (data / "sr").mkdir(parents=True)
    image_dir.rename(data / "sr" / "T91")  # the int8 calibration images
    common = ["--data", str(data), "--sources", "sr/T91", "--eval-dir", str(data / "sr" / "T91"),
              "--out", str(tmp_path / "run"), "--smoke", "--rep", "--scales", "2", "3"]
    train.main(common + ["--iters", "2"])
    ckpt = train.main(common + ["--iters", "3", "--resume"])
    trained, state = load_net(ckpt, SRNet)
    assert state["config"]["rep"] is True and state["iteration"] == 3
    assert any(isinstance(m, RepConv3x3) for m in trained.modules())
    models = tmp_path / "models"
    export.main(["--checkpoint", str(ckpt), "--out-dir", str(models), "--family", "network-fast", "--data", str(data)])
    specs = {s.id: s for s in read_manifest(models)}
    assert set(specs) == {"superres-fast-x2", "superres-fast-x2-int8", "superres-fast-x3", "superres-fast-x3-int8",
                          "superres-fast-torch"}
    x3 = specs["superres-fast-x3"]
    assert x3.path.name == "superres_fast_x3.onnx" and x3.title == "PhotoAI SR network (fast) x3"
    assert "--rep" in x3.training["command"] and "folded" in x3.description
    session = ort.InferenceSession(str(x3.path), providers=["CPUExecutionProvider"])
    assert {n.op_type for n in onnx.load(str(x3.path)).graph.node}.isdisjoint({"Einsum", "MatMul"})
    x = np.random.default_rng(1).random((1, 1, 19, 23), dtype=np.float32)
    with torch.inference_mode():
        want = trained(torch.from_numpy(x), 3).numpy()
    np.testing.assert_allclose(session.run(None, {"y_lr": x})[0], want, atol=1e-4)
    plain, _ = load_net(specs["superres-fast-torch"].path, SRNet)  # shipped folded: a plain SRNet
    assert plain.config() == {"channels": 8, "blocks": 1, "scales": [2, 3]}
    assert specs["superres-fast-x2-int8"].precision == "int8"


def test_the_speed_choice_is_offered_in_words() -> None:
    speed = next(p for p in SuperResPlugin.info.params if p.key == "speed")
    assert speed.choices == ("quality", "fast") and speed.labels == ("Best quality", "Fast")
    assert set(family_ids("photo-fast")) | set(family_ids("network-fast")) <= set(SuperResPlugin.info.model_ids)
    assert family("photo", "fast") == "photo-fast" and family("network", "quality") == "network"
    assert FAMILIES["photo-fast"] == "superres-photo-fast-"


@pytest.mark.parametrize("method,speed,precision,loaded", [
    ("photo", "fast", "int8", "superres-photo-fast-x2-int8"),
    ("network", "fast", "float32", "superres-fast-x2"),
    ("photo", "quality", "int8", "superres-photo-x2-int8"),
])
def test_the_speed_choice_reaches_the_runtime(tmp_path: Path, method: str, speed: str, precision: str,
                                              loaded: str) -> None:
    spy = Spy(_folder(tmp_path, [i for f in FAMILIES for i in family_ids(f)]))
    img = ImageBuffer(np.full((6, 8, 3), 0.5, np.float32))
    out = run_plugin(SuperResPlugin(), img, values={"model": method, "speed": speed, "precision": precision,
                                                    "scale": 2}, runtime=spy)
    detector = ["superres-aliasing-detector"] if (method, speed) == ("photo", "fast") else []  # asked first
    assert spy.loaded == [*detector, loaded] and out.size == (16, 12)


@pytest.mark.parametrize("fast", FAST)
def test_shipped_fast_models_are_the_small_rep_networks(fast: str) -> None:
    manifest = shipped_runtime().manifest
    for model_id in family_ids(fast):
        spec = manifest.get(model_id)
        assert spec.config["channels"] == 16 and spec.params < 60_000  # 6-9 blocks; Best quality: ~250k
        last = [spec.training["command"], *spec.training["resumed_with"]][-1].split()
        assert "--rep" in last and spec.training["iterations"] == int(last[last.index("--iters") + 1])  # the final
        assert spec.metrics["Set5"]["psnr_y"] > spec.metrics["Set5"]["bicubic_psnr_y"] + 1.5
        assert fast == "network-fast" or "lr_variants" in spec.metrics


def test_cli_set_speed_fast_runs_the_fast_model(tmp_path: Path, photoai_home: Path) -> None:
    """``photoai run superres --set speed=fast`` gives the pixels of the shipped fast model (the plugin run with
    that model's values), not those of the full network."""
    from PIL import Image

    from photoai.cli import main
    from photoai.core.io import load

    rng = np.random.default_rng(2)
    src = tmp_path / "in.png"
    Image.fromarray((rng.random((24, 20, 3)) * 255).astype(np.uint8)).save(src)
    outs = {}
    for speed in ("fast", "quality"):
        outs[speed] = tmp_path / f"{speed}.png"
        assert main(["run", "superres", str(src), "-o", str(outs[speed]), "--set", "scale=2", "--set",
                     f"speed={speed}", "--set", "precision=float32"]) == 0
    fast = np.asarray(Image.open(outs["fast"]), np.float32) / 255
    expected = run_plugin(SuperResPlugin(), load(src), runtime=shipped_runtime(),
                          values={"scale": 2, "speed": "fast", "precision": "float32"}).rgb
    assert np.abs(fast - expected).max() <= 1 / 255 + 1e-6
    assert np.abs(np.asarray(Image.open(outs["quality"]), np.float32) / 255 - fast).mean() > 1e-3


def test_the_editor_form_offers_speed_in_words(qtbot: Any) -> None:
    from PySide6.QtWidgets import QComboBox

    from photoai.ui.widgets.param_form import ParamForm

    form = ParamForm(SuperResPlugin.info.params)
    qtbot.addWidget(form)
    combo = form.editors["speed"].findChild(QComboBox)
    assert combo is not None and form.values()["speed"] == "fast"  # the default
    assert [combo.itemText(i) for i in range(combo.count())] == ["Best quality", "Fast"]
    combo.setCurrentIndex(0)
    assert form.values()["speed"] == "quality"


@pytest.mark.parametrize("name", ["superres_fast_last.pt", "superres_fast_photo_last.pt",
                                  "superres_fast_aliased_last.pt", "superres_fast_jpeg_last.pt"])
def test_committed_fast_checkpoints_resume_with_their_recorded_commands(name: str) -> None:
    """Every command recorded in the kept resumable state still parses (``train.parse_args``, with the shared run
    arguments) to the checkpoint's network (a warm start's source: the same network or one with fewer blocks),
    and the state holds what ``--resume`` needs."""
    state = torch.load(REPO / "checkpoints" / name, map_location="cpu", weights_only=True)
    assert {"optimizer", "numpy_rng", "torch_rng"} <= set(state) and state["config"]["rep"] is True
    for record in state["commands"]:
        args = train.parse_args(shlex.split(record["command"])[3:])
        config = SRNet(args.channels, args.blocks, tuple(args.scales), args.rep).config()
        if "run" in record:  # a warm start's source
            assert config["blocks"] <= state["config"]["blocks"]
            config["blocks"] = state["config"]["blocks"]
        assert config == state["config"] and str(args.out).startswith("runs/")
    assert state["iteration"] == args.iters  # the last command's schedule ran to its end
