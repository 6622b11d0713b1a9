"""ONNX export (matches torch; the manifest entry carries bins, prior and proxy), a training smoke run on
photos made here, and the evaluation on two small photos with the smoke model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoai.runtime.manifest import read_manifest

from .conftest import BINS, photo

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from photoai_plugins import _training as training  # noqa: E402
from photoai_plugins.colorize import evaluate, export, train  # noqa: E402
from photoai_plugins.colorize.net import ColorNet, Deployed  # noqa: E402
from photoai_plugins.colorize.plugin import MODEL_ID  # noqa: E402


def test_onnx_matches_torch_and_the_entry_carries_the_bins(smoke_checkpoint, smoke_models):
    net, _ = training.load_net(smoke_checkpoint, ColorNet)
    (spec,) = read_manifest(smoke_models)
    assert spec.id == MODEL_ID and spec.inputs == ("lightness", "hint_ab", "hint_mask")
    np.testing.assert_allclose(np.asarray(spec.config["bins"]), BINS, atol=1e-4)
    assert len(spec.config["prior"]) == len(BINS) and spec.config["proxy_side"] == 64
    assert spec.out_channels == len(BINS) and spec.size_multiple == 8 and spec.precision == "float16"
    inputs = export.example_inputs(40, 56, seed=3)  # another size and other hints than the export's check
    with torch.inference_mode():
        expected = Deployed(net)(*inputs).numpy()
    session = ort.InferenceSession(str(spec.path), providers=["CPUExecutionProvider"])
    got = session.run(None, dict(zip(spec.inputs, (x.numpy() for x in inputs), strict=True)))[0]
    assert got.shape == (1, len(BINS), 10, 14)
    np.testing.assert_allclose(got, expected, atol=export.FP16_TOLERANCE)  # float16 weights
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)


@pytest.fixture
def data_dir(tmp_path):
    """A shared-data folder in miniature: 8 colour photos and the bins file."""
    folder = tmp_path / "data" / "photos" / "train" / "imagenet_sample"
    folder.mkdir(parents=True)
    for i in range(8):
        Image.fromarray(np.rint(photo(48, 64, seed=i) * 255).astype(np.uint8)).save(folder / f"p{i}.png")
    (tmp_path / "data" / "colorization").mkdir()
    np.save(tmp_path / "data" / "colorization" / "pts_in_hull.npy", BINS.astype(np.float64))
    return tmp_path / "data"


def test_a_training_smoke_run_then_export(data_dir, tmp_path):
    argv = ["--smoke", "--data", str(data_dir), "--iters", "3", "--out", str(tmp_path / "run")]
    last = train.main(argv)
    net, state = training.load_net(last, ColorNet)
    assert state["iteration"] == 3 and net.config()["width"] == 8
    assert np.allclose(net.get_buffer("bins").numpy(), BINS)
    assert float(net.get_buffer("prior").sum()) == pytest.approx(1.0, abs=1e-4)
    assert {"val_auc", "val_auc_rebal", "val_auc_10hints"} <= set(state["history"][-1])
    written = export.main(["--checkpoint", str(last), "--out-dir", str(tmp_path / "models"), "--no-eval"])
    assert written["training"]["command"] == training.command_line("colorize.train", argv)
    assert written["training"]["data"][0]["path"] == "photos/train/imagenet_sample"
    import onnx

    onnx.checker.check_model(onnx.load(tmp_path / "models" / written["file"]))  # float16 casts in topological order


def test_the_evaluation_on_two_photos(smoke_models, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(2):
        Image.fromarray(np.rint(photo(72, 96, seed=i) * 255).astype(np.uint8)).save(folder / f"p{i}.png")
    out = evaluate.main(["--data", str(folder), "--models", str(smoke_models), "--json", str(tmp_path / "r.json"),
                         "--save-crops", str(tmp_path / "crops")])
    assert out == json.loads((tmp_path / "r.json").read_text())
    assert out["images"] == 2 and list(out["methods"]) == list(evaluate.ROWS)
    for row in out["methods"].values():
        assert set(row) == {"auc", "auc_rebal", "auc_rebal_set", "psnr", "colourful", "seconds"}
        assert all(np.isfinite(v) for v in row.values())
    gray = out["methods"]["gray"]
    assert gray["colourful"] < 1.0 and 0 < gray["auc"] < 100
    assert "colorize.evaluate --data" in out["command"] and "--json" not in out["command"]
    crops = sorted((tmp_path / "crops").iterdir())
    assert [c.name for c in crops] == ["p0.png", "p1.png"]
    with Image.open(crops[0]) as im:
        assert im.size == (4 * 96 + 3 * 4, 72)  # gray | ours | 10 hints | truth


def test_the_evaluation_compares_hints_with_and_without_their_spread(smoke_models, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(np.rint(photo(64, 80) * 255).astype(np.uint8)).save(folder / "p.png")
    out = evaluate.main(["--data", str(folder), "--models", str(smoke_models), "--rows", "hints", "hints-net",
                         "--save-crops", str(tmp_path / "crops")])
    assert list(out["methods"]) == ["1 hint", "10 hints", "100 hints", *evaluate.NET_ROWS]
    assert out["methods"]["100 hints"]["psnr"] != out["methods"]["100 hints, net only"]["psnr"]
    with Image.open(tmp_path / "crops" / "p.png") as im:
        assert im.size == (3 * 80 + 2 * 4, 64)  # 10 hints net only | 10 hints | truth
    far = evaluate.main(["--data", str(folder), "--models", str(smoke_models), "--rows", "hints",
                         "--spread-reach", "2.0", "--spread-sigma", "50"])
    assert far["methods"]["10 hints"]["psnr"] != out["methods"]["10 hints"]["psnr"]
    assert "--spread-reach 2.0" in far["command"]


def test_the_default_rows_are_kept_and_temperatures_add_one_row_each(smoke_models, tmp_path):
    assert evaluate.ROWS == ("gray", "ours T=1", "ours T=0.38", "ours mode", "1 hint", "10 hints", "100 hints")
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(np.rint(photo(64, 80) * 255).astype(np.uint8)).save(folder / "p.png")
    args = ["--data", str(folder), "--models", str(smoke_models), "--rows", "gray", "ours"]
    default = evaluate.main(args)["methods"]
    assert list(default) == ["gray", "ours T=1", "ours T=0.38", "ours mode"]
    out = evaluate.main([*args, "--temperatures", "0.38", "0.6", "1.0", "0.6"])
    assert list(out["methods"]) == ["gray", "ours T=0.38", "ours T=0.6", "ours T=1", "ours mode"]
    assert "--temperatures 0.38 0.6 1.0 0.6" in out["command"]
    for row in ("ours T=0.38", "ours T=1", "ours mode"):  # the same rows measure the same outputs
        assert {k: v for k, v in out["methods"][row].items() if k != "seconds"} == \
            {k: v for k, v in default[row].items() if k != "seconds"}
    assert out["methods"]["ours T=0.6"]["colourful"] != out["methods"]["ours T=1"]["colourful"]
    with pytest.raises(SystemExit, match="--temperatures"):
        evaluate.main([*args, "--temperatures", "0"])


def test_simulated_hints_are_fixed_by_the_seed_and_coloured_from_the_truth():
    truth = photo(50, 70)
    a, b = evaluate.simulated_points(truth, 10, seed=4), evaluate.simulated_points(truth, 10, seed=4)
    assert a == b and len(a) == 10
    p = a[0]
    y, x = int(p.y), int(p.x)
    patch = truth[max(0, y - 2):y + 3, max(0, x - 2):x + 3].reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(p.rgb, np.rint(patch * 255), atol=0)


def test_vividness_rows_and_their_settings(smoke_models, tmp_path):
    from photoai_plugins.colorize.plugin import DEFAULT_VIVIDNESS

    assert evaluate.row_settings("ours T=0.38 V=0.25") == (0.38, 0.25)
    assert evaluate.row_settings("ours T=1") == (1.0, DEFAULT_VIVIDNESS)
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(np.rint(photo(64, 80) * 255).astype(np.uint8)).save(folder / "p.png")
    args = ["--data", str(folder), "--models", str(smoke_models), "--rows", "gray", "ours", "--temperatures", "0.38"]
    out = evaluate.main([*args, "--vividness", "0", "0.5", str(DEFAULT_VIVIDNESS), "0.5"])["methods"]
    default = f"ours T=0.38 V={DEFAULT_VIVIDNESS:g}"
    assert list(out) == ["gray", "ours T=0.38 V=0", "ours T=0.38 V=0.5", default, "ours mode"]  # duplicates once
    plain = evaluate.main(args)["methods"]["ours T=0.38"]  # no --vividness: the plugin's default
    assert {k: v for k, v in plain.items() if k != "seconds"} == \
        {k: v for k, v in out[default].items() if k != "seconds"}
    assert out["ours T=0.38 V=0"]["colourful"] != out[default]["colourful"]
    with pytest.raises(SystemExit, match="--vividness"):
        evaluate.main([*args, "--vividness", "1.5"])


def test_metrics_only_records_an_evaluation_without_exporting_again(smoke_models, tmp_path):
    import shutil

    smoke_models = Path(shutil.copytree(smoke_models, tmp_path / "models"))  # the session's folder stays as it is
    (before,) = read_manifest(smoke_models)
    (tmp_path / "eval.json").write_text(json.dumps({"command": "x", "methods": {"gray": {"auc": 1.0}}}))
    export.main(["--out-dir", str(smoke_models), "--metrics", str(tmp_path / "eval.json"), "--metrics-only"])
    (after,) = read_manifest(smoke_models)
    assert after.metrics == {"command": "x", "methods": {"gray": {"auc": 1.0}}}
    assert after.sha256 == before.sha256 and after.config == before.config and after.training == before.training
    with pytest.raises(SystemExit):
        export.main(["--out-dir", str(smoke_models), "--metrics-only"])
