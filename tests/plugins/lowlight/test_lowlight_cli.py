"""Headless: ``photoai run lowlight`` on one photo and in batch mode, ``photoai eval lowlight`` (the smoke
models reach the CLI through PHOTOAI_MODELS_DIR)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

from .conftest import photo


def photoai(*args, models):
    env = {**os.environ, "PHOTOAI_MODELS_DIR": str(models), "PHOTOAI_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "photoai", *map(str, args)], capture_output=True, text=True, env=env)


def _save(path, image):
    Image.fromarray(np.rint(image * 255).astype(np.uint8)).save(path)
    return path


def test_run_one_photo_and_a_folder(smoke_models, tmp_path):
    dark = _save(tmp_path / "dark.png", photo(50, 70, scale=0.2))
    r = photoai("run", "lowlight", dark, "-o", tmp_path / "bright.png", "--set", "denoise=0.5", models=smoke_models)
    assert r.returncode == 0, r.stderr
    a, b = np.asarray(Image.open(dark), np.float32), np.asarray(Image.open(tmp_path / "bright.png"), np.float32)
    assert a.shape == b.shape and b.mean() > a.mean()
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(2):
        _save(folder / f"p{i}.png", photo(40, 30 + 10 * i, seed=i, scale=0.2))
    r = photoai("run", "lowlight", folder, "-o", tmp_path / "out", "--format", "jpeg", models=smoke_models)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["p0.jpg", "p1.jpg"]


def test_eval_from_the_cli(smoke_models, tmp_path):
    folder = tmp_path / "kodak"
    folder.mkdir()
    _save(folder / "a.png", photo(48, 64))
    r = photoai("eval", "lowlight", "--data", folder, "--models", smoke_models, "--no-imported", "--json",
                tmp_path / "r.json", models=smoke_models)
    assert r.returncode == 0, r.stderr
    assert "| ours |" in r.stdout
    assert json.loads((tmp_path / "r.json").read_text())["images"] == 1
