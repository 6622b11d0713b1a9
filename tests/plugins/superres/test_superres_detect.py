"""The aliasing detector: its windows, the routing of the default Photo Fast family, a training smoke run and
export, and the shipped detector on an image shrunk with and without a prefilter."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest
from PIL import Image

from photoai.plugin_api.execute import run_plugin
from photoai_plugins.superres import detect
from tests.conftest import shipped_runtime

from .test_superres_plugin import image, plugin, random_models  # noqa: F401 - fixtures

torch = pytest.importorskip("torch")
sr_plugin = importlib.import_module("photoai_plugins.superres.plugin")  # the package's ``plugin`` is the instance


def test_windows_spread_over_the_photo_and_shrink_to_it():
    assert detect.windows(100, 50) == [(slice(0, 128), slice(0, 128))]  # smaller than a window: the whole photo
    spread = detect.windows(1000, 400)
    assert len(spread) == 9
    assert {r.start for r, _ in spread} == {0, 436, 872} and {c.start for _, c in spread} == {0, 136, 272}
    assert all(r.stop - r.start == detect.WINDOW for r, _ in spread)


def test_the_logit_is_the_mean_over_the_windows_of_the_map_means():
    rgb = np.zeros((300, 300, 3), np.float32)
    rgb[:150] = 1.0  # Y is 235/255 on the top half, 16/255 below
    logit = detect.aliasing_logit(rgb, lambda y: np.full((4, 4), float(y.mean())))
    expected = np.mean([0.5 * (235 + 16) / 255 if r.start == 86 else (235 / 255 if r.start == 0 else 16 / 255)
                        for r, _ in detect.windows(300, 300)])
    assert logit == pytest.approx(expected, abs=1e-6)


class Recording:
    """A runtime that records the ids it loads; the aliasing detector is never run (see ``detected``)."""

    def __init__(self, runtime: Any) -> None:
        self.runtime, self.loaded = runtime, []

    def load(self, model_id: str) -> Any:
        self.loaded.append(model_id)
        return None if model_id == detect.DETECTOR_ID else self.runtime.load(model_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.runtime, name)


def detected(monkeypatch: pytest.MonkeyPatch, jpeg: float, aliased: float) -> None:
    """The JPEG score and the aliasing detector's logit of every photo."""
    monkeypatch.setattr(sr_plugin, "jpeg_score", lambda rgb: jpeg)
    monkeypatch.setattr(sr_plugin, "aliasing_logit", lambda rgb, logit_map: aliased)


@pytest.mark.parametrize(("jpeg", "aliased", "loaded"), [
    (0.2, 1.5, [detect.DETECTOR_ID, "superres-photo-fast-aliased-x2-int8"]),
    (0.8, 1.5, ["superres-photo-fast-jpeg-x2-int8"]),  # a JPEG's blocks first: no aliasing detector
    (0.2, -1.5, [detect.DETECTOR_ID, "superres-photo-fast-x2-int8"]),
])
def test_a_detected_photo_goes_to_the_models_for_its_kind(plugin, random_models, monkeypatch, jpeg, aliased,  # noqa: F811
                                                          loaded):
    detected(monkeypatch, jpeg, aliased)
    runtime = Recording(random_models)
    run_plugin(plugin, image(), values={"scale": 2}, runtime=runtime)
    assert runtime.loaded == loaded
    runtime.loaded.clear()
    run_plugin(plugin, image(), values={"scale": 2, "speed": "quality"}, runtime=runtime)  # no routes there
    assert runtime.loaded == ["superres-photo-x2-int8"]


@pytest.mark.parametrize(("source", "loaded"), [("aliased", "superres-photo-fast-aliased-x2-int8"),
                                                ("jpeg", "superres-photo-fast-jpeg-x2-int8"),
                                                ("smooth", "superres-photo-fast-x2-int8")])
def test_the_input_choice_overrides_the_detectors(plugin, random_models, monkeypatch, source, loaded):  # noqa: F811
    monkeypatch.setattr(sr_plugin, "jpeg_score", lambda rgb: pytest.fail("a detector ran"))
    monkeypatch.setattr(sr_plugin, "aliasing_logit", lambda rgb, logit_map: pytest.fail("a detector ran"))
    runtime = Recording(random_models)
    run_plugin(plugin, image(), values={"scale": 2, "source": source}, runtime=runtime)
    assert runtime.loaded == [loaded]


def test_the_jpeg_score_finds_a_jpeg_saved_at_this_size():
    """A decoded JPEG (quality 50, 75) scores above the threshold; the same image not compressed, or compressed
    and then shifted off the 8 px grid, below it (quality 90 is not found: its steps are too fine, and its blocks
    too faint to matter)."""
    import io

    from photoai_plugins.superres.detect.jpeg import THRESHOLD, jpeg_score

    rgb = np.clip(_drawing(384, seed=1) + np.random.default_rng(1).normal(0, 0.02, (384, 384, 3)), 0, 1)

    def jpeg(quality: int) -> np.ndarray:
        buf = io.BytesIO()
        Image.fromarray(np.round(rgb * 255).astype(np.uint8)).save(buf, "JPEG", quality=quality)
        return np.asarray(Image.open(buf).convert("RGB"), np.float32) / 255.0

    assert jpeg_score(rgb) < THRESHOLD < min(jpeg_score(jpeg(50)), jpeg_score(jpeg(75)))
    assert jpeg_score(jpeg(75)[3:, 5:]) < THRESHOLD  # off the grid: the blocks are not where it looks
    assert jpeg_score(np.zeros((5, 5, 3), np.float32)) == 0.0


def test_without_a_detector_the_default_family_runs(plugin, random_models):  # noqa: F811
    out = run_plugin(plugin, image(), values={"scale": 2}, runtime=random_models)  # its manifest has no detector
    assert out.rgb.shape[:2] == (80, 104)


def test_training_smoke_run_and_export(tmp_path):
    from photoai.runtime.manifest import read_manifest
    from photoai_plugins.superres.detect import export, train

    data = tmp_path / "data" / "src"
    data.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray((rng.random((96, 96, 3)) * 255).astype(np.uint8)).save(data / f"p{i}.png")
    last = train.main(["--smoke", "--iters", "2", "--data", str(tmp_path / "data"), "--sources", "src",
                       "--holdout", "1", "--out", str(tmp_path / "run")])
    state = torch.load(last, weights_only=True)
    assert state["iteration"] == 2 and set(state["history"][-1]) >= {"iteration", "x2-aliased", "x4-bicubic"}
    from photoai_plugins.superres import train as sr_train

    expert = str(sr_train.main(["--smoke", "--iters", "1", "--data", str(tmp_path / "data"), "--sources", "src",
                                "--eval-dir", str(data), "--out", str(tmp_path / "sr")]))
    routed = train.main(["--smoke", "--iters", "2", "--data", str(tmp_path / "data"), "--sources", "src",
                         "--holdout", "1", "--out", str(tmp_path / "router"), "--init", str(last),
                         "--experts", expert, expert])
    assert torch.load(routed, weights_only=True)["args"]["experts"] == [expert, expert]  # loadable: no Path
    models = tmp_path / "models"
    models.mkdir()
    export.main(["--checkpoint", str(last), "--out-dir", str(models), "--no-eval"])
    (spec,) = read_manifest(models)
    assert spec.id == detect.DETECTOR_ID and spec.size_multiple == 4 and spec.output_range is None


def _drawing(size: int = 768, seed: int = 0) -> np.ndarray:
    """Thin lines and ellipse outlines on gray (sharp edges at every angle: what a resize without a prefilter
    turns into jaggies), HxWx3 float64 in [0, 1]."""
    from PIL import ImageDraw

    rng = np.random.default_rng(seed)
    im = Image.new("RGB", (size, size), (128, 128, 128))
    draw = ImageDraw.Draw(im)
    for _ in range(60):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        (x0, x1), (y0, y1) = np.sort(rng.integers(0, size, (2, 2)), axis=1)
        if rng.random() < 0.5:
            draw.line([(int(x0), int(y0)), (int(x1), int(y1))], fill=colour, width=int(rng.integers(1, 4)))
        else:
            draw.ellipse([int(x0), int(y0), int(x1), int(y1)], outline=colour, width=int(rng.integers(1, 3)))
    return np.asarray(im, np.float64) / 255.0


@pytest.mark.parametrize("scale", [2, 4])
def test_the_shipped_detector_tells_a_resize_without_a_prefilter(scale):
    from photoai_plugins.superres.degrade import lr_variant

    logits = detect.model_logits(shipped_runtime().load(detect.DETECTOR_ID))
    hr = _drawing()
    called = {v: detect.aliasing_logit(lr_variant(hr, scale, v).astype(np.float32), logits)
              for v in ("aliased", "bicubic", "camera")}
    assert called["aliased"] > detect.THRESHOLD > max(called["bicubic"], called["camera"])


@pytest.mark.parametrize(("source", "loaded"), [("aliased", ["superres-photo-fast-aliased-x2-int8"]),
                                                ("smooth", ["superres-photo-fast-x2-int8"])])
def test_the_input_choice_overrides_the_detector(plugin, random_models, monkeypatch, source, loaded):  # noqa: F811
    monkeypatch.setattr(sr_plugin, "aliasing_logit", lambda rgb, logit_map: pytest.fail("the detector ran"))
    runtime = Recording(random_models)
    run_plugin(plugin, image(), values={"scale": 2, "source": source}, runtime=runtime)
    assert runtime.loaded == loaded


@pytest.mark.parametrize("better", [0, 1])
def test_expert_targets_label_the_closer_expert_and_weigh_by_the_db_between(better):
    from photoai_plugins.superres.detect.train import Batch, expert_targets

    rng = np.random.default_rng(0)
    x = (0.9 * rng.random((3, 1, 8, 8))).astype(np.float32)
    scales = np.array([2, 4, 2])
    hr_y = [np.kron(x[i, 0], np.ones((s, s))) for i, s in enumerate(scales)]  # nearest-neighbour upscale

    def exact(t, s):
        return torch.nn.functional.interpolate(t, scale_factor=s, mode="nearest")

    def off(t, s):
        return exact(t, s) + 0.01 * s  # further off at x4

    experts = (exact, off) if better == 0 else (off, exact)
    labels, weights = expert_targets(experts, Batch(x, scales, hr_y, np.zeros(3, np.float32)), cap_db=100.0)
    assert labels.tolist() == [better] * 3
    assert weights[0] == weights[2] < weights[1] < 100.0  # the farther off, the more it matters
    _, capped = expert_targets(experts, Batch(x, scales, hr_y, np.zeros(3, np.float32)), cap_db=3.0)
    assert capped.tolist() == [3.0] * 3

    def off_at_the_border(t, s):  # wrong only in the second LR row from the top
        out = exact(t, s)
        out[..., s:2 * s, :] += 0.5
        return out

    edge = (exact, off_at_the_border)
    labels, weights = expert_targets(edge, Batch(x, scales, hr_y, np.zeros(3, np.float32)), cap_db=3.0)
    assert labels.tolist() == [0] * 3 and weights.tolist() == [3.0] * 3  # that row counts...
    _, weights = expert_targets(edge, Batch(x, scales, hr_y, np.zeros(3, np.float32)), cap_db=3.0, context=2)
    assert weights.tolist() == [0.0] * 3  # ...not with a context of two LR px


def test_a_preview_is_routed_by_the_whole_photo_once(plugin, random_models, monkeypatch):  # noqa: F811
    from photoai.core.geometry import Rect, Size
    from photoai.plugin_api.preview import View, preview_plugin

    photo = image()
    full = photo.rgb.shape
    calls = []

    def logit(rgb, logit_map):  # aliased as a whole; its scaled-down crops would not be
        calls.append(rgb.shape)
        return 1.0 if rgb.shape == full else -1.0

    monkeypatch.setattr(sr_plugin, "jpeg_score", lambda rgb: 0.0)
    monkeypatch.setattr(sr_plugin, "aliasing_logit", logit)
    monkeypatch.setattr(plugin, "_kind", None)
    runtime = Recording(random_models)
    view = View(Rect(10, 10, 40, 30), Size(20, 15))
    for _ in range(2):
        preview_plugin(plugin, photo, view, values={"scale": 2}, runtime=runtime)
    assert calls == [full]  # the whole photo, once
    assert runtime.loaded == [detect.DETECTOR_ID] + ["superres-photo-fast-aliased-x2-int8"] * 2
    preview_plugin(plugin, photo, view, values={"scale": 2, "speed": "quality"}, runtime=runtime)
    assert calls == [full] and runtime.loaded[-1] == "superres-photo-x2-int8"  # no routes: no detector


def test_the_input_choice_acts_only_on_photo_fast(plugin):  # noqa: F811
    from photoai.core.params import defaults

    params = {p.key: p for p in plugin.info.params}
    values = defaults(params.values())
    assert params["source"].applies_to(values) and params["speed"].applies_to(values)
    assert not params["source"].applies_to({**values, "model": "network"})
    assert not params["source"].applies_to({**values, "speed": "quality"})
    assert not params["speed"].applies_to({**values, "model": "bicubic"})
