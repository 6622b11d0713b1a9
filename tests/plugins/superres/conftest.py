"""Shared fixtures for the super-resolution plugin tests; puts the repo root on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[3]
SHARED_DATA = REPO.parent / "shared/data"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    """Four smooth-ish random RGB PNGs (72x84) in ``tmp_path/imgs``."""
    folder = tmp_path / "imgs"
    folder.mkdir()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:72, 0:84] / 20.0
    for i in range(4):
        base = 0.5 + 0.3 * np.sin(xx * (i + 1) + yy)[..., None] * rng.random(3)
        img = np.clip(base + 0.05 * rng.standard_normal((72, 84, 3)), 0, 1)
        Image.fromarray((img * 255).astype(np.uint8)).save(folder / f"img{i}.png")
    return folder
