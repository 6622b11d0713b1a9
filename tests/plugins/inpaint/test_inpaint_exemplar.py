"""The exemplar fill (PatchMatch completion), the texture measures and the plugin's Fill setting."""

import numpy as np
import pytest

from photoai.core.errors import Cancelled, PluginError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import CancelToken, RunContext
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.registry import discover_plugins
from photoai_plugins.inpaint.exemplar import PATCH_RADIUS, exemplar_fill
from photoai_plugins.inpaint.masks import object_mask
from photoai_plugins.inpaint.plugin import texture_weight
from photoai_plugins.inpaint.texture import hf_ratio, hole_psnr, patch_swd

from .test_inpaint_plugin import MeanFillRuntime


def texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A periodic pattern (bricks-like stripes) plus fine noise: something to repeat."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.5 + 0.25 * np.sign(np.sin(xx / 3.0)) * np.sign(np.sin(yy / 5.0))
    noise = np.random.default_rng(seed).normal(0, 0.05, (h, w, 3))
    return np.clip(base[..., None] * np.array([1.0, 0.8, 0.6]) + noise, 0, 1).astype(np.float32)


def disc(h: int, w: int, cy: int, cx: int, r: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    return (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r


def test_exemplar_copies_only_pixels_of_patches_lying_outside_the_hole():
    h, w = 80, 96
    img = np.random.default_rng(3).random((h, w, 3)).astype(np.float32)  # every colour unique
    hole = disc(h, w, 40, 48, 14)
    img[hole] = [1.0, 0.0, 1.0]  # the "object": must never be copied
    out = exemplar_fill(img, hole, init=np.full_like(img, 0.5))
    assert np.array_equal(out[~hole], img[~hole])
    where = {tuple(img[y, x]): (y, x) for y, x in zip(*np.nonzero(~hole), strict=True)}
    r = PATCH_RADIUS
    hy, hx = np.nonzero(hole)
    centre_ok = np.zeros((h, w), bool)  # centres of source patches: the whole 7x7 patch outside the hole
    for y in range(r, h - r):
        for x in range(r, w - r):
            centre_ok[y, x] = not hole[y - r:y + r + 1, x - r:x + r + 1].any()
    for y, x in zip(hy, hx, strict=True):  # the vote copies pixels: each is a pixel of a source patch
        sy, sx = where[tuple(out[y, x])]  # KeyError if it were not a copied pixel from outside the hole
        assert centre_ok[max(0, sy - r):sy + r + 1, max(0, sx - r):sx + r + 1].any()


def test_exemplar_continues_a_texture_where_a_smooth_fill_blurs():
    truth = texture(96, 128)
    hole = disc(96, 128, 48, 64, 20)
    damaged = np.where(hole[..., None], 0.0, truth).astype(np.float32)
    mean_fill = np.where(hole[..., None], truth[~hole].mean(axis=0), truth)
    out = exemplar_fill(damaged, hole)
    assert 0.7 < hf_ratio(out, truth, hole) < 1.4
    assert patch_swd(out, truth, hole) < 0.5 * patch_swd(mean_fill, truth, hole)
    assert hole_psnr(out, truth, hole) > hole_psnr(mean_fill, truth, hole)


def test_the_init_guides_which_patches_are_copied():
    h, w = 96, 160
    t = texture(h, w)
    red, blue = np.array([1.0, 0.3, 0.2], np.float32), np.array([0.2, 0.3, 1.0], np.float32)
    img = np.where((np.arange(w) < w // 2)[None, :, None], t * red, t * blue).astype(np.float32)
    yy, _ = np.mgrid[0:h, 0:w]
    hole = disc(h, w, 48, 80, 30)
    want_red = yy < 48  # the "network" says red texture above the middle, blue below; the photo splits left/right
    colour = np.where(want_red[..., None], (t * red).mean(axis=(0, 1)), (t * blue).mean(axis=(0, 1)))
    init = np.where(hole[..., None], colour, img).astype(np.float32)

    def agreement(weight: float) -> float:
        out = exemplar_fill(img, hole, init=init, guide_weight=weight)
        return float(((out[..., 0] > out[..., 2]) == want_red)[hole].mean())

    guided, unguided = agreement(4.0), agreement(0.0)
    assert guided > 0.8 and guided > unguided + 0.1


def test_cancel_stops_the_fill_between_iterations():
    img, hole = texture(96, 128), disc(96, 128, 48, 64, 24)
    token = CancelToken()
    stages = []

    def progress(fraction, stage):
        stages.append(fraction)
        if len(stages) == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        exemplar_fill(img, hole, ctx=RunContext(progress, token))
    assert len(stages) == 3  # stopped at the next check, not at the end


def test_nothing_to_copy_keeps_the_start_and_tiny_crops_work():
    img = texture(10, 10)
    hole = np.ones((10, 10), bool)
    hole[0, 0] = False
    out = exemplar_fill(img, hole, init=np.full_like(img, 0.3))
    assert np.allclose(out[hole], 0.3) and np.array_equal(out[0, 0], img[0, 0])


@pytest.fixture(scope="module")
def plugin():
    return discover_plugins(entry_point_group=None, paths=[]).get("inpaint")


def test_plugin_texture_fill_changes_only_the_hole_and_adds_detail(plugin):
    truth = texture(96, 128)
    mask = np.zeros((96, 128), np.float32)
    mask[disc(96, 128, 48, 64, 18)] = 1.0
    mask[disc(96, 128, 48, 64, 20) & (mask == 0)] = 0.5  # a soft edge
    out = {}
    for fill in ("smooth", "texture", "auto"):
        res = run_plugin(plugin, ImageBuffer(truth.copy()), mask, {"grow": 0, "fill": fill}, RunContext(),
                         MeanFillRuntime())
        assert np.array_equal(res.rgb[mask == 0], truth[mask == 0])
        out[fill] = res.rgb
    hole = mask > 0
    assert hf_ratio(out["smooth"], truth, hole) < 0.6 < hf_ratio(out["texture"], truth, hole)
    assert hf_ratio(out["auto"], truth, hole) > 0.6  # a 36 px wide hole gets texture by default


def test_cancel_through_the_plugin_stops_the_synthesis(plugin):
    token = CancelToken()
    stages = []

    def progress(fraction, stage):
        stages.append(stage)
        if stage == "Synthesizing texture":
            token.cancel()

    mask = np.zeros((96, 128), np.float32)
    mask[disc(96, 128, 48, 64, 24)] = 1.0
    with pytest.raises(Cancelled):
        run_plugin(plugin, ImageBuffer(texture(96, 128)), mask, {"fill": "texture"}, RunContext(progress, token),
                   MeanFillRuntime())
    assert stages.count("Synthesizing texture") == 1 and "Done" not in stages


def test_automatic_fill_keeps_thin_strokes_smooth_and_textures_wide_holes():
    hole = np.zeros((120, 200), bool)
    hole[20:26, 10:190] = True  # a 6 px scratch
    hole |= disc(120, 200, 80, 100, 25)  # an object
    weight = texture_weight("auto", hole)
    assert weight[22, 20] == 0.0 and weight[80, 100] == 1.0
    assert np.all(texture_weight("texture", hole) == 1.0) and np.all(texture_weight("smooth", hole) == 0.0)
    with pytest.raises(PluginError, match="unknown fill"):
        texture_weight("sharp", hole)


def test_crossing_scratches_keep_the_network_fill_without_a_synthesis(plugin, monkeypatch):
    import importlib

    module = importlib.import_module("photoai_plugins.inpaint.plugin")
    calls = []
    monkeypatch.setattr(module, "exemplar_fill", lambda *a, **k: calls.append(1) or a[0])
    mask = np.zeros((200, 300), np.float32)
    mask[95:105, 10:290] = mask[10:190, 145:155] = 1.0  # two 10 px scratches crossing
    run_plugin(plugin, ImageBuffer(texture(200, 300)), mask, {"grow": 0}, RunContext(), MeanFillRuntime())
    assert calls == []
    mask[60:140, 40:120] = 1.0  # and an object
    run_plugin(plugin, ImageBuffer(texture(200, 300)), mask, {"grow": 0}, RunContext(), MeanFillRuntime())
    assert calls == [1]


def test_texture_measures_separate_blur_noise_and_mean_from_texture():
    truth = texture(96, 128, seed=0)
    other = texture(96, 128, seed=1)  # the same texture, another sample
    hole = disc(96, 128, 48, 64, 24)
    k = np.ones(5) / 5  # 5x5 box blur of the truth
    blurred = np.apply_along_axis(lambda v: np.convolve(v, k, "same"), 0, truth)
    blurred = np.apply_along_axis(lambda v: np.convolve(v, k, "same"), 1, blurred)
    noisy = np.clip(truth + np.random.default_rng(2).normal(0, 0.25, truth.shape), 0, 1)
    mean = np.broadcast_to(truth[hole].mean(axis=0), truth.shape)
    cases = {n: np.where(hole[..., None], v, truth) for n, v in
             {"other": other, "blurred": blurred, "noisy": noisy, "mean": mean}.items()}
    hf = {n: hf_ratio(v, truth, hole) for n, v in cases.items()}
    swd = {n: patch_swd(v, truth, hole) for n, v in cases.items()}
    assert hf_ratio(truth, truth, hole) == 1.0 and patch_swd(truth, truth, hole) == 0.0
    assert 0.8 < hf["other"] < 1.2 and hf["blurred"] < 0.5 and hf["mean"] < 0.05 and hf["noisy"] > 2.0
    assert swd["other"] < 0.3 * min(swd["blurred"], swd["mean"], swd["noisy"])
    assert hole_psnr(truth, truth, hole) == float("inf")


def test_object_masks_are_fixed_blobs_of_4_to_15_percent():
    masks = [object_mask(2018, i, 128, 192) for i in range(6)]
    assert all(0.04 <= m.mean() < 0.15 for m in masks)
    assert np.array_equal(masks[0], object_mask(2018, 0, 128, 192))
    assert not np.array_equal(masks[0], masks[1])


def test_eval_texture_smoke_on_tiny_fixtures(tmp_path, capsys):
    pytest.importorskip("cv2")
    from photoai_plugins.inpaint import evaluate
    from photoai_plugins.inpaint.data import write_synthetic_images

    write_synthetic_images(tmp_path / "eval", 2, 64, seed=5)
    out = evaluate.main(["--data", str(tmp_path / "eval"), "--texture", "--no-model", "--json",
                         str(tmp_path / "r.json"), "--save-crops", str(tmp_path / "crops"), "--crop-images", "1"])
    assert [p.name for p in (tmp_path / "crops").iterdir()] == ["inpaint_objects_01.png"]
    results = out["eval"]
    assert list(results) == ["objects", "10-20%", "scratches"]
    row = results["objects"]["exemplar"]
    assert {"psnr", "hf", "swd", "swd_rgb", "hole_psnr"} <= set(row) and row["hf"] > 0
    printed = capsys.readouterr().out
    assert "SWD" in printed and "exemplar" in printed and "telea" in printed
    assert ("opencv-fsr" in results["objects"]) or "opencv-fsr: not installed" in printed


def test_texture_keeps_the_network_colours_and_its_own_fine_detail(plugin, monkeypatch):
    import importlib

    module = importlib.import_module("photoai_plugins.inpaint.plugin")
    h, w = 160, 200
    hole = disc(h, w, 80, 100, 40)
    checker = np.where((np.add.outer(np.arange(h), np.arange(w)) % 2)[..., None] == 0, 0.1, -0.1)
    # a synthesis that is 0.3 too bright but carries a 1 px checkerboard
    monkeypatch.setattr(module, "exemplar_fill",
                        lambda image, hole, **k: np.where(hole[..., None], 0.8 + checker, image).astype(np.float32))
    out = run_plugin(plugin, ImageBuffer(np.full((h, w, 3), 0.5, np.float32)), hole.astype(np.float32),
                     {"grow": 0, "fill": "texture"}, RunContext(), MeanFillRuntime()).rgb
    inner = disc(h, w, 80, 100, 40 - 2 ** module.KEEP_LOW * 2)
    assert abs(float(out[inner].mean()) - 0.5) < 0.02  # the network's (mean-fill) colour
    assert abs(float(out[inner].std()) - 0.1) < 0.02  # the synthesis' detail
    assert np.array_equal(out[~hole], np.full((int((~hole).sum()), 3), 0.5, np.float32))
