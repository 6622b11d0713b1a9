"""Training on the fly from degraded HR RGB patches (``--degrade mixed``) and warm starts (``--init``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from photoai.core.resize import imresize
from photoai_plugins.superres import data, degrade, train


def test_degraded_batches_are_aligned_and_sized(image_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bank = data.build_rgb_bank(data.list_images(image_dir), (1.0, 0.8))
    assert len(bank) == 8 and bank.images[0].dtype == np.uint8 and bank.images[0].shape == (72, 84, 3)
    eligible = bank.eligible((12 + 2 * data.DEGRADE_MARGIN) * 3)
    assert list(eligible) == [0, 2, 4, 6]  # the 0.8 copies (57 px high) are too small for 60 px crops
    clean = degrade.Degradation(3, (("resize", {"method": "matlab"}),))
    monkeypatch.setattr(data, "sample_degradation", lambda rng, scale, p_clean, weights, mix: clean)
    lr, hr = data.sample_degraded_batch(bank, eligible, 3, batch=5, patch=12, rng=np.random.default_rng(0))
    assert lr.shape == (5, 1, 12, 12) and hr.shape == (5, 1, 36, 36) and lr.dtype == np.float32
    for a, b in zip(lr[:, 0], hr[:, 0], strict=True):  # the margin gives the LR crop its true neighbours
        np.testing.assert_allclose(a, imresize(b.astype(np.float64), 1 / 3), atol=0.02)
        np.testing.assert_allclose(a[2:-2, 2:-2], imresize(b.astype(np.float64), 1 / 3)[2:-2, 2:-2], atol=0.004)


def test_mixed_batches_are_degraded_and_reproducible(image_dir: Path) -> None:
    bank = data.build_rgb_bank(data.list_images(image_dir))
    eligible = bank.eligible((8 + 2 * data.DEGRADE_MARGIN) * 2)
    a = data.sample_degraded_batch(bank, eligible, 2, 24, 8, np.random.default_rng(5))
    b = data.sample_degraded_batch(bank, eligible, 2, 24, 8, np.random.default_rng(5))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    bicubic = np.stack([imresize(h.astype(np.float64), 0.5) for h in a[1][:, 0]])
    err = np.abs(a[0][:, 0] - bicubic).mean(axis=(1, 2))
    assert (err > 2 / 255).sum() >= 6  # many patches are not plain bicubic


def test_smoke_mixed_training_warm_started(image_dir: Path, tmp_path: Path) -> None:
    common = ["--data", str(image_dir.parent), "--sources", "imgs:1,0.8", "--eval-dir", str(image_dir),
              "--smoke", "--scales", "2", "3", "--log-every", "1"]
    source = train.main(common + ["--iters", "2", "--out", str(tmp_path / "bicubic")])
    before = train.load_model(source).state_dict()
    ckpt = train.main(common + ["--iters", "3", "--out", str(tmp_path / "mixed"), "--degrade", "mixed",
                                "--init", str(source), "--edge-weight", "0.1", "--clean-fraction", "0.5",
                                "--eval-variants", "bicubic", "jpeg"])
    state = torch.load(ckpt, weights_only=True)
    assert state["iteration"] == 3
    assert set(state["history"][-1]) == {"iteration", "x2", "x3", "x2-jpeg", "x3-jpeg"}
    first, own = state["commands"]
    assert first["run"].startswith("warm-start source last.pt, 2 iterations") and "--degrade" not in first["command"]
    assert "--degrade mixed --init" in own["command"] and own["start_iteration"] == 0
    log = (tmp_path / "mixed" / "train.log").read_text()
    assert "warm start from" in log and "rgb bank:" in log and "x2 8, x3 8" in log
    after = train.load_model(ckpt).state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_holdout_keeps_the_last_files_of_each_source_out_of_training(image_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "held"
    ckpt = train.main(["--data", str(image_dir.parent), "--sources", "imgs:1,0.8", "--out", str(out), "--smoke",
                       "--scales", "2", "--degrade", "mixed", "--iters", "2", "--holdout", "1", "--eval-crop", "40",
                       "--eval-variants", "bicubic", "aliased", "--keep-evals", "--resize-weights", "cv-cubic=3"])
    log = (out / "train.log").read_text()
    assert "imgs 3 files x (1.0, 0.8) -> 6 images" in log  # img3 is held out of the bank
    assert "evaluating on 1 held-out images (central 40 px)" in log and "eval iter 2 held-out: x2 " in log
    state = torch.load(ckpt, weights_only=True)
    assert set(state["history"][-1]) == {"iteration", "x2", "x2-aliased"}
    assert state["args"]["weights"]["cv-cubic"] == 3.0 and state["args"]["weights"]["matlab"] == 2.0
    kept = torch.load(out / "iter_2.pt", weights_only=True)  # --keep-evals: the full state of each evaluation
    assert kept["iteration"] == 2 and "optimizer" in kept
    pairs = train.eval_pairs(train.parse_args(["--data", str(image_dir.parent), "--sources", "imgs", "--holdout",
                                               "2", "--degrade", "mixed", "--eval-crop", "40", "--scales", "3"]))[1]
    assert pairs is not None and [n for n, _, _ in pairs["x3"]] == ["img2", "img3"]
    assert pairs["x3"][0][1].shape == (39, 39, 3) and pairs["x3"][0][2].shape == (13, 13, 3)


def test_bad_holdout_and_resize_weights_are_refused(image_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        train.parse_args(["--holdout", "2"])  # needs --degrade mixed
    with pytest.raises(SystemExit):
        train.parse_args(["--degrade", "mixed", "--resize-weights", "box=1"])
    with pytest.raises(SystemExit, match="leaves no training image"):
        train.main(["--data", str(image_dir.parent), "--sources", "imgs", "--out", str(tmp_path / "r"), "--smoke",
                    "--scales", "2", "--degrade", "mixed", "--iters", "1", "--holdout", "4"])


def test_mixed_training_refuses_sources_too_small(tmp_path: Path) -> None:
    (tmp_path / "small").mkdir()
    Image.new("RGB", (80, 60), (90, 120, 30)).save(tmp_path / "small" / "a.png")  # x4 smoke crops need 64 px
    with pytest.raises(SystemExit, match="no training image is large enough for x4 patches of 8 px"):
        train.main(["--data", str(tmp_path), "--sources", "small", "--out", str(tmp_path / "r"), "--smoke",
                    "--scales", "3", "4", "--degrade", "mixed", "--iters", "1"])


def test_export_as_the_photo_family_gives_the_ids_the_plugin_offers(image_dir: Path, tmp_path: Path) -> None:
    from photoai.runtime.manifest import read_manifest
    from photoai_plugins.superres import export
    from photoai_plugins.superres.plugin import family_ids

    ckpt = train.main(["--data", str(image_dir.parent), "--sources", "imgs", "--eval-dir", str(image_dir),
                       "--out", str(tmp_path / "run"), "--smoke", "--scales", "2", "--degrade", "mixed",
                       "--iters", "1"])
    models = tmp_path / "models"
    export.main(["--checkpoint", str(ckpt), "--out-dir", str(models), "--no-int8", "--family", "photo",
                 "--data", str(tmp_path / "no-data")])
    specs = {s.id: s for s in read_manifest(models)}
    assert set(specs) == {"superres-photo-x2", "superres-photo-torch"} and "superres-photo-x2" in family_ids("photo")
    assert specs["superres-photo-x2"].file == "superres_photo_x2.onnx" and (models / "superres_photo_x2.onnx").is_file()
    assert "--degrade mixed" in specs["superres-photo-x2"].training["command"]
    assert specs["superres-photo-x2"].title == "PhotoAI SR network (photo) x2"


def test_export_records_the_checkpoints_lr_variant_gains(image_dir: Path, tmp_path: Path) -> None:
    import json

    from photoai.runtime.manifest import read_manifest
    from photoai_plugins.superres import evaluate_variants, export

    ckpt = train.main(["--data", str(image_dir.parent), "--sources", "imgs", "--eval-dir", str(image_dir),
                       "--out", str(tmp_path / "run"), "--smoke", "--scales", "2", "--degrade", "mixed",
                       "--iters", "1"])
    record = tmp_path / "variants.json"
    evaluate_variants.main(["--variants", "bicubic", "aliased", "--scale", "2", "--data", str(image_dir),
                            "--model", "checkpoint", str(ckpt), "--json", str(record)])
    rows = json.loads(record.read_text())["results"]["imgs"]["x2"]["aliased"]
    models = tmp_path / "models"
    export.main(["--checkpoint", str(ckpt), "--out-dir", str(models), "--no-int8", "--family", "photo",
                 "--data", str(tmp_path / "no-data"), "--variants-json", str(record)])
    lr_variants = {s.id: s for s in read_manifest(models)}["superres-photo-x2"].metrics["lr_variants"]
    got = lr_variants["results"]["imgs"]["x2"]["aliased"]
    best = max(rows["pil-bicubic"]["psnr_y"], rows["pil-lanczos"]["psnr_y"])
    ours = rows["run/last"]["psnr_y"]
    assert got == {"psnr_y": ours, "gain_over_pillow": round(ours - best, 2)}
    assert set(lr_variants["results"]["imgs"]["x2"]) == {"bicubic", "aliased"}
    assert "--variants" in lr_variants["command"]
    with pytest.raises(SystemExit, match="no row 'other/last'"):
        export.variants_metrics(json.loads(record.read_text()), "other/last")
