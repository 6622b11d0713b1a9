"""Smoke test: train a tiny net on generated images, resume, export to ONNX, evaluate; the committed checkpoint."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from photoai.runtime import onnx_export
from photoai.runtime.manifest import read_manifest, sha256_of
from photoai_plugins import _training as training
from photoai_plugins.inpaint import evaluate, export, train
from photoai_plugins.inpaint.data import write_synthetic_images
from photoai_plugins.inpaint.net import PConvUNet

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("extras", [{}, {"res_blocks": (0, 1, 1), "prefill": True, "refine": 4}])
def test_onnx_export_matches_torch_and_merges_manifest(tmp_path, extras):
    torch.manual_seed(0)
    net = PConvUNet((8, 16, 16), **extras).eval()
    for name, param in net.named_parameters():  # zero-init (identity) layers would hide an export mistake
        if name.startswith(("res.", "refine.")):
            torch.nn.init.normal_(param, std=0.1)
    path = tmp_path / export.ONNX_NAME
    assert export.export_onnx(net, path, sizes=[(8, 8), (40, 24), (64, 96)]) <= onnx_export.TOLERANCE
    (tmp_path / "manifest.json").write_text(json.dumps({"models": [{"id": "other", "file": "o.onnx", "sha256": "x"}]}))
    state = {"args": {"size": 32, "data": ["/x/imagenet_sample"]}, "iteration": 3,
             "commands": [{"command": "python -m photoai_plugins.inpaint.train", "start_iteration": 0}]}
    training.upsert_manifest(tmp_path, [export.manifest_entry(net, path.name, state, {"kodak24": {}})])
    training.upsert_manifest(tmp_path, [export.manifest_entry(net, path.name, state, None)])  # replaces
    models = json.loads((tmp_path / "manifest.json").read_text())["models"]
    assert [m["id"] for m in models] == ["other", "inpaint-pconv"]
    spec = read_manifest(tmp_path)[1]
    assert spec.task == "inpaint" and spec.inputs == ("image", "mask") and spec.tiling == "internal"
    assert spec.size_multiple == 8 and spec.params == sum(p.numel() for p in net.parameters())
    assert spec.sha256 == sha256_of(path) and spec.config["working_size"] == export.WORKING_SIZE
    assert "research" in spec.training["data"][0] and spec.metrics == {}


def test_train_resume_export_evaluate(tmp_path):
    out = tmp_path / "run"
    common = ["--tiny", "--out", str(out), "--log-every", "2", "--val-every", "2", "--batch", "2"]
    ckpt = train.main(common + ["--iterations", "3"])
    assert torch.load(ckpt, weights_only=True)["iteration"] == 3
    train.main(common + ["--iterations", "5", "--resume"])
    state = torch.load(ckpt, weights_only=True)
    assert state["iteration"] == 5 and [c["start_iteration"] for c in state["commands"]] == [0, 3]
    assert all(c["command"].startswith("python -m photoai_plugins.inpaint.train --tiny") for c in state["commands"])
    assert [h["iteration"] for h in state["history"]] == [2, 3, 4, 5]
    best = torch.load(out / "best.pt", weights_only=True)  # weights only, at the best validation PSNR
    assert "optimizer" not in best and best["history"][-1]["val_psnr"] == max(h["val_psnr"] for h in state["history"])
    log = (out / "train.log").read_text()
    assert "resumed" in log and "val_psnr" in log and "nan" not in log.lower()

    warm = train.main(["--tiny", "--out", str(tmp_path / "warm"), "--batch", "2", "--iterations", "2",
                       "--init", str(ckpt), "--res-blocks", "0", "1", "1", "--prefill", "--bf16"])
    warm_state = torch.load(warm, weights_only=True)
    assert warm_state["config"]["res_blocks"] == [0, 1, 1] and warm_state["config"]["prefill"] is True
    assert [c["start_iteration"] for c in warm_state["commands"]] == [0, 3, 0]  # source run's history kept
    assert "warm-start source" in warm_state["commands"][0]["run"]
    warm_entry = export.manifest_entry(export.load_net(warm)[0], "x.onnx", warm_state, None)["training"]
    assert "--init" in warm_entry["command"] and warm_entry["resumed_with"] == []
    assert [c["start_iteration"] for c in warm_entry["warm_started_from"]] == [0, 3]
    loaded = train.main(["--tiny", "--out", str(tmp_path / "workers"), "--batch", "2", "--iterations", "3",
                         "--workers", "1", "--log-every", "1"])  # crops from a loader process
    assert torch.load(loaded, weights_only=True)["iteration"] == 3
    with pytest.raises(SystemExit):  # a different width cannot be warm-started
        train.main(["--tiny", "--out", str(tmp_path / "bad"), "--iterations", "1", "--init", str(ckpt),
                    "--widths", "8", "8", "8"])

    onnx_path = tmp_path / "models" / export.ONNX_NAME
    entry = export.main(["--checkpoint", str(ckpt), "--onnx", str(onnx_path)])
    assert entry["training"]["iterations"] == 5 and onnx_path.exists()

    images = write_synthetic_images(tmp_path / "eval", 2, 40, seed=5)
    fn, name = evaluate.network_inpainter("onnx", str(onnx_path))
    ref = np.asarray(evaluate.load_rgb(images[0]))
    hole = evaluate.eval_mask(1, (0.2, 0.3), 0, *ref.shape[:2])
    result = fn(ref * (1 - hole[..., None]), hole)
    assert result.shape == ref.shape and np.array_equal(result[hole == 0], ref[hole == 0])
    results = evaluate.evaluate(images, {name: fn, "telea": evaluate.opencv_inpainter(1, 3)},
                                buckets=[(0.1, 0.2)])
    assert set(results["10-20%"]) == {name, "telea"}
    scratched = evaluate.evaluate(images[:1], {"telea": evaluate.opencv_inpainter(1, 3)},
                                  masks=evaluate.mask_sets(1, (), scratches=True), upscale=2)
    assert list(scratched) == ["scratches"] and scratched["scratches"]["telea"]["hole_ratio"] > 0
    assert "PSNR" in evaluate.format_table(results)


def test_committed_checkpoint_loads_and_reproduces_the_shipped_entry(tmp_path):
    """checkpoints/inpaint_best.pt (float16, the layout before the shared schema) still loads, warm-starts
    a run, and its export entry matches the shipped one (commands included) but for hand-written notes."""
    ckpt = REPO / "checkpoints" / "inpaint_best.pt"
    net, state = export.load_net(ckpt)
    assert state["iteration"] == 22000 and net.config()["res_blocks"] == [0, 0, 2, 3, 2, 1]
    entry = export.manifest_entry(net, export.ONNX_NAME, state, None)
    shipped = json.loads((REPO / "plugins/inpaint/models/manifest.json").read_text())["models"][0]
    hand_written = {"notes", "warm_start_source"}
    assert {k: v for k, v in entry["training"].items() if k not in hand_written} == \
        {k: v for k, v in shipped["training"].items() if k not in hand_written}
    assert {k: v for k, v in entry.items() if k not in ("training", "metrics")} == \
        {k: v for k, v in shipped.items() if k not in ("training", "metrics", "sha256")}

    fresh = PConvUNet((32, 64, 128, 256, 256, 256), res_blocks=(0, 0, 2, 3, 2, 1), prefill=True)
    commands, _ = training.warm_start(fresh, ckpt)
    assert len(commands) == len(state["commands"]) and all("run" in c for c in commands)
    torch.testing.assert_close(fresh.state_dict(), net.state_dict())


def test_data_folders_are_taken_as_given_else_from_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(training.DATA_ENV, str(tmp_path / "data"))
    assert train.data_folder(str(tmp_path)) == str(tmp_path)
    assert train.data_folder("photos/train/x") == str(tmp_path / "data" / "photos/train/x")
