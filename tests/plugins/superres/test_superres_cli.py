"""``photoai run superres`` on images one pixel thick, and ``photoai eval superres`` from any folder."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from photoai.cli import main
from tests.cli.conftest import error_lines, photoai
from tests.conftest import REPO


def ramp(width: int, height: int) -> np.ndarray:
    """A smooth colour ramp along the long side, uint8 HxWx3."""
    t = np.linspace(0.1, 0.9, max(width, height), dtype=np.float32)
    rgb = np.stack([t, 1.0 - t, 0.5 + 0.3 * np.sin(8 * t)], axis=-1).reshape(height, width, 3)
    return np.round(rgb * 255).astype(np.uint8)


@pytest.mark.parametrize("method", ["network", "bicubic"])
@pytest.mark.parametrize("width, height", [(1, 1), (1, 5000), (5000, 1)])
def test_one_pixel_thick_images_are_enlarged(tmp_path, photoai_home, capsys, method, width, height):
    src, out = tmp_path / "thin.png", tmp_path / "big.png"
    pixels = ramp(width, height)
    Image.fromarray(pixels).save(src)
    assert main(["run", "superres", str(src), "-o", str(out), "--set", f"model={method}", "--set", "scale=2"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "error" not in err, err
    big = np.asarray(Image.open(out)).astype(np.float64)
    assert big.shape == (2 * height, 2 * width, 3)
    back = big.reshape(height, 2, width, 2, 3).mean(axis=(1, 3))  # each 2x2 block: the pixel it came from
    assert np.abs(back - pixels).max() <= 3


def test_eval_runs_from_any_folder_with_the_recorded_model_path(tmp_path, image_dir):
    """The manifests record ``--path plugins/superres/models/superres_x2.onnx`` (relative to the repository):
    that command works outside the repository too, and a missing model is one line, not a traceback."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for path in ([], ["--path", "plugins/superres/models/superres_x2.onnx"]):
        r = photoai("eval", "superres", "--data", image_dir, "--scale", "2", *path, cwd=elsewhere)
        assert r.returncode == 0, r.stderr
        assert "mean" in r.stdout and "onnx PSNR" in r.stdout
    r = photoai("eval", "superres", "--data", image_dir, "--scale", "2", "--path", "missing.onnx", cwd=elsewhere)
    errors = error_lines(r.stderr)
    assert r.returncode == 2 and len(errors) == 1 and "missing.onnx" in errors[0], r.stderr
    assert "Traceback" not in r.stderr
    assert REPO.joinpath("plugins/superres/models/superres_x2.onnx").is_file()
