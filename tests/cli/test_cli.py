"""The CLI end to end, in a subprocess as a user runs it."""

import json
import textwrap

import numpy as np
import pytest
from PIL import Image

from tests.cli.conftest import photoai


@pytest.fixture
def photo(tmp_path):
    rng = np.random.default_rng(3)
    arr = (rng.random((40, 60, 3)) * 255).astype(np.uint8)
    path = tmp_path / "in.png"
    Image.fromarray(arr).save(path)
    return path


def test_run_sharpen_writes_output(photo, tmp_path):
    out = tmp_path / "out.png"
    r = photoai("run", "sharpen", photo, "-o", out, "--set", "amount=1.5", "--set", "tile=64")
    assert r.returncode == 0, r.stderr
    assert "100%" in r.stderr and "wrote" in r.stderr
    a, b = np.asarray(Image.open(photo)), np.asarray(Image.open(out))
    assert a.shape == b.shape and not np.array_equal(a, b)


def test_run_changes_size(photo, tmp_path):
    out = tmp_path / "big.png"
    r = photoai("run", "resample", photo, "-o", out, "--set", "factor=3", "--set", "method=bicubic")
    assert r.returncode == 0, r.stderr
    assert Image.open(out).size == (180, 120)


def test_mask_limits_the_change(photo, tmp_path):
    mask = np.zeros((40, 60), np.uint8)
    mask[:, :20] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    out = tmp_path / "masked.png"
    r = photoai("run", "sharpen", photo, "-o", out, "--mask", tmp_path / "mask.png", "--set", "amount=2")
    assert r.returncode == 0, r.stderr
    a, b = np.asarray(Image.open(photo)), np.asarray(Image.open(out))
    assert np.array_equal(a[:, 30:], b[:, 30:]) and not np.array_equal(a[:, :15], b[:, :15])


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "nope", "{photo}", "-o", "{out}"], "unknown plugin 'nope'"),
        (["run", "sharpen", "{photo}", "-o", "{out}", "--set", "amount=99"], "parameter 'amount'"),
        (["run", "sharpen", "{photo}", "-o", "{out}", "--set", "bogus=1"], "parameter 'bogus'"),
        (["run", "sharpen", "{corrupt}", "-o", "{out}"], "corrupt.png"),
        (["run", "sharpen", "{missing}", "-o", "{out}"], "missing.png"),
        (["run", "sharpen", "{photo}", "-o", "{photo}"], "refusing to overwrite"),
        (["run", "sharpen", "{photo}", "-o", "{out}", "--mask", "{wrongmask}"], "mask"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(photo, tmp_path, args, message):
    (tmp_path / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(tmp_path / "wrongmask.png")
    names = {"photo": photo, "out": tmp_path / "o.png", "corrupt": tmp_path / "corrupt.png",
             "missing": tmp_path / "missing.png", "wrongmask": tmp_path / "wrongmask.png"}
    before = photo.read_bytes()
    r = photoai(*[a.format(**names) for a in args])
    assert r.returncode != 0
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("photoai: error:")]
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert photo.read_bytes() == before
    assert not (tmp_path / "o.png").exists()


def test_plugins_json_lists_params_and_failures(tmp_path):
    (tmp_path / "bad.py").write_text("raise RuntimeError('boom')\n")
    r = photoai("plugins", "--json", env={"PHOTOAI_PLUGIN_PATH": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    sharpen = next(p for p in data["plugins"] if p["id"] == "sharpen")
    assert {p["key"] for p in sharpen["params"]} >= {"radius", "amount"}
    assert any("boom" in f["error"] for f in data["failures"])


def test_third_party_folder_plugin_runs(photo, tmp_path):
    folder = tmp_path / "ext"
    folder.mkdir()
    (folder / "halve.py").write_text(textwrap.dedent('''
        from photoai.plugin_api import BasePlugin, PluginInfo
        class Halve(BasePlugin):
            info = PluginInfo("halve", "Halve brightness")
            def run(self, request, ctx):
                return request.image * 0.5
        plugin = Halve()
    '''))
    out = tmp_path / "half.png"
    r = photoai("run", "halve", photo, "-o", out, env={"PHOTOAI_PLUGIN_PATH": str(folder)})
    assert r.returncode == 0, r.stderr
    a = np.asarray(Image.open(photo)).astype(int)
    b = np.asarray(Image.open(out)).astype(int)
    assert np.abs(b - a / 2).max() <= 1


def test_info_names_devices():
    r = photoai("info", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert "CPUExecutionProvider" in info["ort_providers"]
    assert info["photoai"]


def test_batch_over_a_folder_with_per_photo_masks_goes_on_after_a_failure(tmp_path):
    src, masks, out = tmp_path / "in", tmp_path / "masks", tmp_path / "out"
    src.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(0)
    for name in ("a.png", "b.jpg", "c.tif"):
        Image.fromarray((rng.random((30, 40, 3)) * 255).astype(np.uint8)).save(src / name)
    (src / "d.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    (src / "notes.txt").write_text("not a photo")
    mask = np.zeros((30, 40), np.uint8)
    mask[:, :10] = 255
    Image.fromarray(mask).save(masks / "a.png")
    Image.fromarray(mask).save(masks / "b_mask.png")
    Image.fromarray(mask).save(masks / "c.png")
    Image.fromarray(mask).save(masks / "d.png")
    r = photoai("run", "sharpen", src, "-o", out, "--mask", masks, "--set", "amount=2")
    assert r.returncode == 1  # d.png is corrupt
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.jpg", "c.tif"]
    assert "[4/4]" in r.stderr and "d.png" in r.stderr and "3 written" in r.stderr and "1 failed" in r.stderr
    a, b = np.asarray(Image.open(src / "a.png")), np.asarray(Image.open(out / "a.png"))
    assert np.array_equal(a[:, 20:], b[:, 20:]) and not np.array_equal(a[:, :8], b[:, :8])  # its own mask


def test_batch_of_files_with_a_format_and_refusals(photo, tmp_path):
    other = tmp_path / "other.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(other)
    r = photoai("run", "sharpen", photo, other, "-o", tmp_path / "out", "--format", "jpeg")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["in.jpg", "other.jpg"]
    r = photoai("run", "sharpen", photo, other, "-o", photo)  # -o must be a folder
    assert r.returncode != 0 and "must be a folder" in r.stderr
    twin = tmp_path / "sub"
    twin.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(twin / "in.png")
    r = photoai("run", "sharpen", photo, twin / "in.png", "-o", tmp_path / "o2")
    assert r.returncode != 0 and "both be written" in r.stderr and not (tmp_path / "o2").exists()
    (tmp_path / "nomasks").mkdir()
    r = photoai("run", "sharpen", photo, other, "-o", tmp_path / "o3", "--mask", tmp_path / "nomasks")
    assert r.returncode == 1 and r.stderr.count("no mask for") == 2 and not any((tmp_path / "o3").iterdir())
