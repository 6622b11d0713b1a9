"""The evaluation (synthetic pairs and real photos, on 2 small photos with the smoke models), the
classical baselines and the no-reference measures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from photoai_plugins.lowlight import measures

from .conftest import photo

cv2 = pytest.importorskip("cv2")

from photoai_plugins.lowlight import baselines, evaluate  # noqa: E402

ROWS = ["input", "gamma", "CLAHE", "MSR", "ours", "ours, no denoise"]


@pytest.fixture
def two_photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(2):
        Image.fromarray(np.rint(photo(96, 128, seed=i) * 255).astype(np.uint8)).save(folder / f"p{i}.png")
    return folder


def test_synthetic_evaluation_on_two_photos(two_photos, smoke_models, tmp_path):
    out = evaluate.main(["--data", str(two_photos), "--models", str(smoke_models), "--no-imported", "--json",
                         str(tmp_path / "r.json"), "--save-crops", str(tmp_path / "crops")])
    assert out == json.loads((tmp_path / "r.json").read_text())
    assert out["mode"] == "synthetic" and out["images"] == 2 and list(out["methods"]) == ROWS
    assert "lowlight.evaluate --data" in out["command"]
    for row in out["methods"].values():
        assert set(row) == {"psnr", "ssim", "ciede2000", "seconds"} and all(np.isfinite(v) for v in row.values())
    assert out["methods"]["gamma"]["psnr"] > out["methods"]["input"]["psnr"]  # the pairs are dark
    crops = sorted((tmp_path / "crops").iterdir())
    assert [c.name for c in crops] == ["p0.png", "p1.png"]
    with Image.open(crops[0]) as im:
        assert im.size == (5 * 128 + 4 * 4, 96)  # input | gamma | CLAHE | ours | target, the whole small photo


def test_the_same_seed_gives_the_same_table(two_photos, smoke_models):
    argv = ["--data", str(two_photos), "--models", str(smoke_models), "--no-imported", "--limit", "1"]
    assert evaluate.main(argv)["methods"]["ours"]["psnr"] == evaluate.main(argv)["methods"]["ours"]["psnr"]


def test_real_evaluation_on_two_photos(two_photos, smoke_models):
    out = evaluate.main(["--real", str(two_photos), "--models", str(smoke_models), "--no-imported"])
    assert out["mode"] == "real" and out["images"] == 2 and list(out["methods"]) == ROWS
    assert out["methods"]["input"]["loe"] == 0.0
    assert set(out["methods"]["ours"]) == {"brightness", "clipped", "colourfulness", "loe", "seconds"}
    none = evaluate.main(["--real", str(two_photos), "--models", str(smoke_models), "--no-imported",
                          "--dark-below", "0.01"])
    assert none["images"] == 0 and none["methods"] == {}


def test_unchanged_evaluation_measures_how_much_a_well_exposed_photo_changes(two_photos, smoke_models):
    out = evaluate.main(["--unchanged", str(two_photos), "--models", str(smoke_models), "--no-imported"])
    assert out["mode"] == "unchanged" and out["images"] == 2 and list(out["methods"]) == ROWS[1:]
    assert "lowlight.evaluate --unchanged" in out["command"]
    row = out["methods"]["gamma"]
    assert set(row) == {"brightness_shift", "mean_abs", "psnr", "ciede2000", "seconds"}
    # the photos' mean is near 0.41: the gamma to 0.45 brightens them a little and changes them a little
    assert 0.0 < row["brightness_shift"] < 0.1 and 0.0 < row["mean_abs"] < 0.1 and row["psnr"] > 20


def test_without_our_models_the_baselines_still_run(two_photos, tmp_path):
    out = evaluate.main(["--data", str(two_photos), "--models", str(tmp_path / "none"), "--no-imported"])
    assert list(out["methods"]) == ROWS[:4]


def test_the_gamma_baseline_reaches_the_target_brightness():
    dark = photo(64, 80, scale=0.1)
    assert measures.mean_brightness(baselines.gamma_to_mean(dark)) == pytest.approx(baselines.TARGET_MEAN, abs=0.01)


def test_clahe_and_msr_brighten_a_dark_photo():
    dark = photo(64, 80, scale=0.1)
    for method in (baselines.clahe_l, baselines.msr):
        out = method(dark)
        assert out.shape == dark.shape and out.dtype == np.float32 and out.mean() > 1.5 * dark.mean()


def test_no_reference_measures():
    gray = np.full((60, 80, 3), 0.5, np.float32)
    assert measures.colourfulness(gray) == 0.0 and measures.clipped_share(gray) == 0.0
    red = np.zeros_like(gray)
    red[..., 0] = 1.0
    assert measures.colourfulness(red) == pytest.approx(0.3 * np.hypot(255.0, 127.5))
    assert measures.clipped_share(red) == 1.0
    small = photo(40, 48).mean(axis=2, keepdims=True).repeat(3, axis=2)  # short side under 50: used as it is
    assert measures.lightness_order_error(small, small ** 0.5) == 0.0  # a monotonic curve keeps every order
    assert measures.lightness_order_error(small, 1.0 - small) > 0.99 * small[..., 0].size  # inverted: nearly all
    big = photo(300, 400).mean(axis=2, keepdims=True).repeat(3, axis=2)  # reduced to 50 x 67 first
    assert measures.lightness_order_error(big, big ** 0.5) < 5.0
    assert measures.lightness_order_error(big, 1.0 - big) > 3000.0


def test_recorded_commands_name_paths_relative_to_the_repository():
    from photoai_plugins._training import REPO_ROOT

    data = REPO_ROOT.parent / "shared" / "data" / "photos" / "kodak24"
    command = evaluate.recorded_command(["--data", str(data), "--models", str(REPO_ROOT / "m"), "--limit", "3"])
    assert command == ("python -m photoai_plugins.lowlight.evaluate --data ../shared/data/photos/kodak24 --models m "
                       "--limit 3")


def test_the_shipped_float16_gpu_copies_are_no_imported_rows():
    """The fp16 entries are our networks for a GPU (``gpu_variant``), not imported models to evaluate."""
    from photoai.runtime import Runtime
    from photoai_plugins.lowlight.plugin import LowLightPlugin

    models = LowLightPlugin().models_dir
    runtime = Runtime(models, "cpu", user_models=False)
    assert any(s.id.endswith("-fp16") for s in runtime.models("lowlight"))
    assert list(evaluate.plugin_methods(runtime)) == ["ours", "ours, no denoise"]
