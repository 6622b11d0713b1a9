"""Smoke runs of ``photoai eval rawdark`` (synthetic dark DNGs and real files) with a stand-in denoiser."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from photoai.core.dng import write_dng
from photoai_plugins.rawdark import evaluate
from tests.conftest import require_data
from tests.plugins.lowlight.conftest import FakeRuntime
from tests.plugins.rawdark.test_rawdark_plugin import identity

pytest.importorskip("rawpy")
pytest.importorskip("cv2")


def photos(folder, n: int = 2) -> None:
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        y, x = np.mgrid[0:48, 0:64] / 64.0
        rgb = np.stack([np.sin(7 * x + i), np.cos(5 * y - i), x * y], axis=-1) * 0.4 + 0.5
        Image.fromarray((np.clip(rgb + rng.normal(0, 0.02, rgb.shape), 0, 1) * 255).astype(np.uint8)).save(
            folder / f"p{i}.png")


def test_synthetic_rows_and_summary(tmp_path):
    photos(tmp_path / "photos")
    out = tmp_path / "eval.json"
    assert evaluate.main(["--data", str(tmp_path / "photos"), "--json", str(out), "--work", str(tmp_path / "dng")],
                         runtime=FakeRuntime(identity())) == 0
    result = json.loads(out.read_text())
    assert [(r["photo"], r["ratio"]) for r in result["rows"]] == [("p0.png", 100), ("p0.png", 300),
                                                                   ("p1.png", 100), ("p1.png", 300)]
    for key in ("x100", "x300"):
        summary = result["summary"][key]
        assert {"push", "push+NLM", "ours"} <= set(summary) and summary["photos"] == 2
        assert 0 < summary["push"]["psnr"] < summary["push+NLM"]["psnr"]  # NLM removes some of the noise
    assert len(list((tmp_path / "dng").glob("*.dng"))) == 6  # one clean + two dark per photo


def test_pairs_are_deterministic_per_seed(tmp_path):
    rgb = np.random.default_rng(1).random((32, 48, 3)).astype(np.float32)
    for name in "abc":
        (tmp_path / name).mkdir()
    a, b, c = (evaluate.make_pair(rgb, seed, [100], tmp_path / name, "x") for seed, name in ((7, "a"), (7, "b"),
                                                                                              (8, "c")))
    assert a[0].dark.read_bytes() == b[0].dark.read_bytes() and a[0].clean.read_bytes() == b[0].clean.read_bytes()
    assert c[0].dark.read_bytes() != b[0].dark.read_bytes()


def test_real_files_size_checked_and_a_scan_is_not_supported(tmp_path, capsys):
    folder = tmp_path / "raw"
    folder.mkdir()
    mosaic = np.random.default_rng(0).integers(300, 900, (40, 56)).astype(np.uint16)
    write_dng(folder / "dark.dng", mosaic, "BGGR", 256, 4095, orientation=6)
    assert evaluate.main(["--real", str(folder), "--out", str(tmp_path / "png")], runtime=FakeRuntime(identity())) == 0
    text = capsys.readouterr().out
    assert text.count(": 40x56 (opened 40x56, flip 6) ok") == 2, text  # turned as the file says
    assert len(list((tmp_path / "png").glob("*.png"))) == 2


def test_the_film_scan_gets_one_not_supported_line(capsys):
    nef = require_data("raw/nikon_coolscan_iv_film_scan.nef", "the Coolscan NEF")
    (result,) = evaluate.evaluate_real([nef], FakeRuntime(identity()))
    assert result["supported"] is False
    line = capsys.readouterr().out.strip()
    assert line == f"{nef.name}: not supported: a film scanner file (no camera sensor mosaic)"
