"""Shared fixtures for the super-resolution plugin tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image


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
