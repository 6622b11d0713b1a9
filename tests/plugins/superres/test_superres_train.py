"""Data bank alignment, a tiny resumable training run on generated images, its export, and the committed checkpoint."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import torch

from photoai.core.models import ModelSpec
from photoai.core.resize import imresize
from photoai.runtime.manifest import read_manifest, sha256_of
from photoai_plugins._training import Run, load_net
from photoai_plugins.superres import export, train
from photoai_plugins.superres.data import ImageBank, build_bank, list_images, sample_batch
from photoai_plugins.superres.net import SRNet

REPO = Path(__file__).resolve().parents[3]


def test_bank_patches_are_aligned(image_dir: Path, tmp_path: Path) -> None:
    bank = build_bank(list_images(image_dir), (2, 3), min_lr=8)
    bank.save(tmp_path / "bank.npz")
    bank = ImageBank.load(tmp_path / "bank.npz")
    assert len(bank) == 4 and set(bank.lr) == {2, 3}
    lr, hr = sample_batch(bank, 3, batch=6, patch=16, rng=np.random.default_rng(0))
    assert lr.shape == (6, 1, 16, 16) and hr.shape == (6, 1, 48, 48)
    for a, b in zip(lr[:, 0], hr[:, 0], strict=True):  # LR patch = downscaled HR patch away from the crop border
        np.testing.assert_allclose(a[3:-3, 3:-3], imresize(b.astype(np.float64), 1 / 3)[3:-3, 3:-3], atol=0.01)


def test_smoke_training_and_resume(image_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    common = ["--data", str(image_dir.parent), "--sources", "imgs:1,0.8", "--eval-dir", str(image_dir),
              "--out", str(out), "--smoke", "--scales", "2", "3", "--log-every", "1"]
    ckpt = train.main(common + ["--iters", "3"])
    assert ckpt.exists()
    train.main(common + ["--iters", "5", "--resume"])
    state = torch.load(ckpt, weights_only=True)
    assert state["schema"] == 1 and state["iteration"] == 5 and state["history"][-1]["iteration"] == 5
    first, resumed = state["commands"]
    assert first["command"].startswith("python -m photoai_plugins.superres.train ")
    assert "--iters 3" in first["command"] and "--resume" not in first["command"] and first["start_iteration"] == 0
    assert "--iters 5 --resume" in resumed["command"] and resumed["start_iteration"] == 3
    assert "resumed from" in (out / "train.log").read_text()
    model = train.load_model(ckpt)
    assert model(torch.rand(1, 1, 8, 8), 3).shape == (1, 1, 24, 24)


def test_export_writes_checked_models_and_a_schema_valid_manifest(image_dir: Path, tmp_path: Path) -> None:
    common = ["--data", str(image_dir.parent), "--sources", "imgs", "--eval-dir", str(image_dir),
              "--out", str(tmp_path / "run"), "--smoke", "--scales", "2", "3"]
    ckpt = train.main(common + ["--iters", "2"])
    models = tmp_path / "models"
    export.main(["--checkpoint", str(ckpt), "--out-dir", str(models), "--scales", "3", "--no-int8",
                 "--data", str(tmp_path / "no-data")])
    specs = {s.id: s for s in read_manifest(models)}
    assert set(specs) == {"superres-x3", "superres-torch"}
    x3 = specs["superres-x3"]
    assert (x3.task, x3.arch, x3.scale, x3.color, x3.inputs, x3.min_size) == ("superres", "srnet", 3, "y-bt601",
                                                                             ("y_lr",), 3)
    assert x3.sha256 == sha256_of(x3.path) and x3.training["command"].startswith("python -m photoai_plugins.")
    net, state = load_net(specs["superres-torch"].path, SRNet)  # the shipped torch weights are a checkpoint too
    assert state["iteration"] == 2 and net.config() == {"channels": 8, "blocks": 1, "scales": [2, 3]}


def test_committed_checkpoint_resumes_and_describes_the_shipped_models(tmp_path: Path) -> None:
    """checkpoints/superres_last.pt (the layout before the shared schema) still resumes, and its
    manifest entries state the same facts as the shipped ones."""
    out = tmp_path / "run"
    out.mkdir()
    shutil.copy(REPO / "checkpoints" / "superres_last.pt", out / "last.pt")
    net, state = load_net(out / "last.pt", SRNet)
    assert state["iteration"] == 8000 and state["history"][-1]["iteration"] == 8000
    assert state["commands"] == [{"command": "python -m photoai_plugins.superres.train --data ../shared/data "
                                             "--out runs/superres --iters 10000 --batch 16 --patch 48 --channels 48 "
                                             "--blocks 6 --scales 2 3 4 --lr 1e-3 --seed 0 --eval-every 500"}]
    model = SRNet(48, 6, (2, 3, 4))
    run = Run("superres", argparse.Namespace(out=out), ["--resume"], model,
              torch.optim.Adam(model.parameters()), np.random.default_rng(0))
    run.begin(resume=True)
    run.log.close()
    assert run.iteration == 8000 and len(run.optimizer.state) == len(list(model.parameters()))
    assert run.commands[-1] == {"command": "python -m photoai_plugins.superres.train --resume", "start_iteration": 8000}
    torch.testing.assert_close(model.state_dict(), net.state_dict())

    shipped = {s.id: s for s in read_manifest(REPO / "plugins" / "superres" / "models")}
    for scale in (2, 3, 4):
        for precision, suffix in (("float32", ""), ("int8", "_int8")):
            mine = export.manifest_entry(net, scale, f"superres_x{scale}{suffix}.onnx", state, {}, precision)
            spec = ModelSpec.from_dict({**mine, "sha256": "0" * 64}, REPO / "plugins/superres/models/manifest.json")
            same = ("file", "task", "format", "arch", "title", "scale", "in_channels", "out_channels", "inputs",
                    "color", "min_size", "size_multiple", "receptive_field", "tiling", "input_range", "output_range",
                    "precision", "params", "macs_per_output_pixel", "description")
            assert {k: getattr(spec, k) for k in same} == {k: getattr(shipped[spec.id], k) for k in same}


def test_a_deeper_net_warm_started_from_a_shallower_one_starts_with_its_function(image_dir: Path,
                                                                                tmp_path: Path) -> None:
    common = ["--data", str(image_dir.parent), "--sources", "imgs", "--eval-dir", str(image_dir), "--smoke",
              "--scales", "2", "--rep"]
    shallow = train.main(common + ["--iters", "2", "--out", str(tmp_path / "a"), "--blocks", "1"])
    small = train.load_model(shallow)
    deep = SRNet(small.channels, 3, (2,), rep=True)
    new = deep.deepen_from(1)
    assert new == ("body.1.", "body.2.")
    state = torch.load(shallow, weights_only=True)["model"]
    deep.load_state_dict(state, strict=False)
    x = torch.rand(1, 1, 12, 10)
    with torch.inference_mode():
        torch.testing.assert_close(deep.fused().eval()(x, 2), small(x, 2), atol=1e-6, rtol=0)
    grown = train.main(common + ["--iters", "2", "--out", str(tmp_path / "b"), "--blocks", "3", "--init",
                                 str(shallow)])  # trains: the new blocks move away from identities
    assert train.load_model(grown).blocks == 3 and "warm start from" in (tmp_path / "b" / "train.log").read_text()
    weight = torch.load(grown, weights_only=True)["model"]["body.2.conv2.conv.weight"]
    assert 0 < weight.abs().max() < 0.01  # started at zero (an identity block), moved by two small Adam steps
