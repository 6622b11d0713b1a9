"""``photoai inspect`` through ``photoai.cli.main``: the files it writes are there and sane, on a tiny network
built in the test and on the shipped superres and inpaint models."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("onnx")

from photoai.cli import main  # noqa: E402
from tests.runtime import tiny_onnx  # noqa: E402


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_error(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("photoai: error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def tiny_models(tmp_path, monkeypatch):
    folder = tmp_path / "extra-models"
    tiny_onnx.install(folder, "tiny")
    monkeypatch.setenv("PHOTOAI_MODELS_DIR", str(folder))
    return folder


@pytest.fixture
def small_photo(tmp_path):
    """A 96x64 photo (a gradient with a bright square) and a mask over the square."""
    y, x = np.mgrid[0:64, 0:96]
    rgb = np.stack([x * 2, y * 3, np.full_like(x, 80)], axis=-1).astype(np.uint8)
    rgb[20:40, 30:60] = (240, 230, 40)
    path, mask = tmp_path / "photo.png", tmp_path / "mask.png"
    Image.fromarray(rgb).save(path)
    m = np.zeros((64, 96), np.uint8)
    m[20:40, 30:60] = 255
    Image.fromarray(m).save(mask)
    return path, mask


def read_png(path) -> np.ndarray:
    with Image.open(path) as im:
        im.load()
        return np.asarray(im)


def test_list(capsys, tiny_models):
    code, out, _ = run(capsys, "inspect", "--list")
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert code == 0 and out.splitlines()[0].split()[:5] == ["ID", "TASK", "ARCH", "INPUTS", "FEATURES"]
    assert rows["tiny"][:4] == ["tiny", "test", "tiny", "x"] and rows["inpaint-pconv"][3] == "image,mask"
    assert "superres-torch" not in rows  # only ONNX graphs can be inspected


def test_list_columns_line_up_with_long_names(capsys, tiny_models):
    """An arch or inputs longer than the old fixed widths (colorize-colornet; lightness,hint_ab,hint_mask) pushed
    the later columns out of line."""
    _, out, _ = run(capsys, "inspect", "--list")
    header, *lines = out.splitlines()
    at = {name: header.index(name) for name in ("ARCH", "INPUTS", "FEATURES", "TITLE")}
    long_rows = [line for line in lines if "colorize-colornet" in line or "hint_mask" in line]
    assert long_rows or any(len(line.split()[2]) > 12 for line in lines)
    for line in lines:
        for start in at.values():
            assert line[start - 1] == " " and line[start] != " ", line
        assert line[at["FEATURES"]:].split()[0] in ("yes", "-")


def test_tiny_model_files(capsys, tiny_models, small_photo, tmp_path):
    photo, _mask = small_photo
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "inspect", "tiny", str(photo), "-o", str(out_dir), "--layer", "all",
                         "--layer", "relu1", "--max-side", "48")
    assert code == 0, err
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["activations_conv1.json", "activations_conv1.png", "activations_conv2.json",
                     "activations_conv2.png", "activations_relu1.json", "activations_relu1.png",
                     "filters_conv1.png", "filters_conv2.png", "layers.json"]
    assert all(f"wrote {out_dir / n}" in out for n in names)
    doc = json.loads((out_dir / "layers.json").read_text())
    assert doc["model"] == "tiny" and doc["input"]["size"] == [32, 48] and doc["input"]["photo"] == "photo.png"
    assert [la["name"] for la in doc["layers"]] == ["conv1", "relu1", "conv2"]
    assert doc["layers"][2]["outputs"][0]["shape"] == [1, 2, 16, 24] and doc["layers"][2]["receptive_field"] == 5
    acts = json.loads((out_dir / "activations_conv1.json").read_text())
    assert acts["shape"] == [4, 32, 48] and sorted(acts["order"]) == [0, 1, 2, 3]
    means = acts["means"]
    assert [means[c] for c in acts["order"]] == sorted(means, reverse=True)
    filters = read_png(out_dir / "filters_conv1.png")
    assert filters.ndim == 3 and filters.shape[2] == 3  # RGB filters of a 3-channel input
    assert read_png(out_dir / "filters_conv2.png").ndim == 2  # gray: one tile per input channel
    assert read_png(out_dir / "activations_relu1.png").ndim == 2


def test_shipped_superres(capsys, small_photo, tmp_path):
    photo, _mask = small_photo
    out_dir = tmp_path / "sr"
    code, _, err = run(capsys, "inspect", "superres-x2", str(photo), "-o", str(out_dir), "--layer", "head",
                       "--layer", "tail")
    assert code == 0, err
    doc = json.loads((out_dir / "layers.json").read_text())
    assert doc["input"]["names"] == ["y_lr"] and doc["input"]["size"] == [64, 96] and doc["params"] > 270_000
    head = next(la for la in doc["layers"] if la["weights"] == "head.weight")
    assert head["outputs"][0]["shape"] == [1, 48, 64, 96] and head["weight_shape"] == [48, 1, 3, 3]
    assert doc["layers"][-1]["outputs"][0]["shape"] == [1, 1, 128, 192]  # the x2 output
    assert read_png(out_dir / "filters_head.png").ndim == 2  # 48 gray 3x3 filters
    assert read_png(out_dir / "filters_tail.png").ndim == 2
    acts = json.loads((out_dir / "activations_head.json").read_text())
    assert acts["shape"] == [48, 64, 96] and sorted(acts["order"]) == list(range(48)) and acts["mask"] is None
    grid = read_png(out_dir / "activations_head.png")
    assert grid.ndim == 2 and grid.shape[0] > 128 and grid.shape[1] > 128


def test_shipped_inpaint_with_mask(capsys, small_photo, tmp_path):
    photo, mask = small_photo
    out_dir = tmp_path / "inpaint"
    code, _, err = run(capsys, "inspect", "inpaint-pconv", str(photo), "-o", str(out_dir), "--mask", str(mask))
    assert code == 0, err
    doc = json.loads((out_dir / "layers.json").read_text())
    assert doc["input"]["names"] == ["image", "mask"] and doc["input"]["size"] == [64, 128]  # multiple of 64
    first = json.loads((out_dir / "activations_net.enc.0.json").read_text())
    assert first["shape"] == [32, 32, 48]  # stride 2, cropped back to the photo's 64x96
    stats = first["mask"]
    assert stats is not None and 0.05 < stats["coverage"] < 0.2 and len(stats["channels"]) == 32
    filters = read_png(out_dir / "filters_net.enc.0.png")
    assert filters.ndim == 3 and filters.shape[2] == 3  # 32 RGB 7x7 filters


def test_layers_without_a_photo(capsys, tmp_path):
    code, out, err = run(capsys, "inspect", "superres-x3", "-o", str(tmp_path / "x3"))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "x3").iterdir()) == ["filters_head.png", "layers.json"]
    doc = json.loads((tmp_path / "x3" / "layers.json").read_text())
    assert doc["input"]["photo"] is None and doc["layers"][-1]["outputs"][0]["shape"] == [1, 1, 192, 192]


def test_features(capsys, tmp_path):
    pytest.importorskip("torch")
    code, _, err = run(capsys, "inspect", "superres-x2", "-o", str(tmp_path / "f"), "--layer", "body.0.conv1",
                       "--features", "2", "--steps", "3")
    assert code == 0, err
    assert read_png(tmp_path / "f" / "features_body.0.conv1.png").ndim == 2
    code, _, err = run(capsys, "inspect", "inpaint-pconv", "-o", str(tmp_path / "g"), "--features", "2")
    assert code == 2 and "--weights FILE" in one_error(err)


def test_errors_are_one_line(capsys, tmp_path, small_photo):
    photo, mask = small_photo
    code, _, err = run(capsys, "inspect", "nope", "-o", str(tmp_path / "a"))
    assert code == 2 and "model 'nope' is not installed" in one_error(err)
    code, _, err = run(capsys, "inspect", "superres-x2")
    assert code == 2 and "photoai inspect --list" in one_error(err)
    code, _, err = run(capsys, "inspect", "superres-x2", "-o", str(tmp_path / "b"), "--layer", "nope")
    assert code == 2 and "no layer 'nope' (convolutions: head, body.0.conv1" in one_error(err)
    code, _, err = run(capsys, "inspect", "superres-x2", "-o", str(tmp_path / "c"), "--mask", str(mask))
    assert code == 2 and "--mask needs a PHOTO" in one_error(err)
    code, _, err = run(capsys, "inspect", "superres-x2", str(photo), "-o", str(photo))
    assert code == 2 and "is a file" in one_error(err)
