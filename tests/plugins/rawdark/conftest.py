"""Fixtures for the raw denoiser tests: tiny training photos in a temporary data folder and a smoke run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

FOLDER = "photos/train/fixture"


@pytest.fixture(scope="session")
def fixture_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with 8 small random-texture photos under :data:`FOLDER`."""
    root = tmp_path_factory.mktemp("rawdark-data")
    folder = root / FOLDER
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(8):
        y, x = np.mgrid[0:48, 0:64] / 64.0
        rgb = np.stack([np.sin(7 * x + i), np.cos(5 * y - i), x * y], axis=-1) * 0.4 + 0.5
        rgb += rng.normal(0, 0.03, rgb.shape)
        Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)).save(folder / f"p{i}.png")
    return root


@pytest.fixture(scope="session")
def smoke_checkpoint(fixture_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``train --smoke`` for 6 iterations on the fixture photos: its last.pt."""
    pytest.importorskip("torch")
    from photoai_plugins.rawdark import train

    out = tmp_path_factory.mktemp("rawdark-run")
    return train.main(["--smoke", "--iters", "6", "--data", str(fixture_data), "--folders", FOLDER,
                       "--out", str(out)])
