"""Data bank alignment and a tiny resumable training run on generated images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from photoai.core.resize import imresize
from plugins.superres import train
from plugins.superres.data import ImageBank, build_bank, list_images, sample_batch


def test_bank_patches_are_aligned(image_dir: Path, tmp_path: Path) -> None:
    bank = build_bank(list_images(image_dir), (2, 3), min_lr=8)
    bank.save(tmp_path / "bank.npz")
    bank = ImageBank.load(tmp_path / "bank.npz")
    assert len(bank) == 4 and set(bank.lr) == {2, 3}
    lr, hr = sample_batch(bank, 3, batch=6, patch=16, rng=np.random.default_rng(0))
    assert lr.shape == (6, 1, 16, 16) and hr.shape == (6, 1, 48, 48)
    for a, b in zip(lr[:, 0], hr[:, 0]):  # LR patch = downscaled HR patch away from the crop border
        np.testing.assert_allclose(a[3:-3, 3:-3], imresize(b.astype(np.float64), 1 / 3)[3:-3, 3:-3], atol=0.01)


def test_smoke_training_and_resume(image_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    common = ["--data", str(image_dir.parent), "--sources", "imgs:1,0.8", "--eval-dir", str(image_dir),
              "--out", str(out), "--smoke", "--scales", "2", "3", "--log-every", "1"]
    ckpt = train.main(common + ["--iters", "3"])
    assert ckpt.exists()
    train.main(common + ["--iters", "5", "--resume"])
    state = torch.load(ckpt, weights_only=False)
    assert state["iter"] == 5 and state["history"][-1]["iter"] == 5
    assert "--iters 3" in state["command"] and "--resume" not in state["command"]
    assert len(state["resumed_with"]) == 1 and "--iters 5 --resume" in state["resumed_with"][0]
    assert "resumed from" in (out / "train.log").read_text()
    model = train.load_model(ckpt)
    assert model(torch.rand(1, 1, 8, 8), 3).shape == (1, 1, 24, 24)
