"""The colorize plugin: L kept, live re-render = full run, hints, mask, saturation, errors (a fake model
whose output follows the hints), and the smoke network through ONNX Runtime."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.color import lightness, rgb_to_lab
from photoai.core.errors import Cancelled, ParamError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import CancelToken, RunContext
from photoai.core.params import ColorPoint, validate
from photoai.plugin_api import Request
from photoai.plugin_api.execute import run_plugin
from photoai_plugins.colorize.plugin import DEFAULT_T, PAPER_T, ColorizePlugin, compose, proxy_size

from .conftest import FakeModel, FakeRuntime, photo

PLUGIN = ColorizePlugin()


def quantize(rgb: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(rgb, 0, 1) * 255) / 255


def run(image: np.ndarray, runtime, values: dict | None = None, mask: np.ndarray | None = None,
        ctx: RunContext | None = None) -> np.ndarray:
    return run_plugin(PLUGIN, ImageBuffer(image), mask, values or {}, ctx or RunContext(), runtime).rgb


def colour_everywhere(ab: tuple[float, float]) -> FakeModel:
    return FakeModel(colour=lambda lightness, hinted: np.broadcast_to(np.asarray(ab), (*hinted.shape[:2], 2)))


def test_the_proxy_has_sides_in_multiples_of_8_and_the_long_side_asked():
    assert proxy_size(4000, 3000, 384) == (384, 288)
    assert proxy_size(3000, 4000, 256) == (192, 256)
    assert proxy_size(50, 30, 384) == (48, 32)  # a small photo is not enlarged beyond rounding
    assert proxy_size(3, 2, 384) == (8, 8)


@pytest.mark.parametrize("size", [(150, 230), (37, 53)])
def test_the_output_keeps_the_lightness_of_a_colour_photo(size):
    image = photo(*size)
    out = run(image, FakeRuntime(colour_everywhere((40.0, 25.0))))
    np.testing.assert_allclose(lightness(out), lightness(image), atol=0.02)
    assert np.abs(lightness(quantize(out)) - lightness(image)).mean() < 1.0  # after an 8-bit export
    ab = rgb_to_lab(out)[..., 1:]
    assert np.median(ab[..., 0]) > 30 and np.median(ab[..., 1]) > 15  # the predicted colour, not the photo's


def test_a_live_re_render_gives_the_pixels_of_a_full_run():
    image = photo(90, 120)
    runtime = FakeRuntime(FakeModel(colour=lambda lightness, hinted: np.stack(
        [lightness[::4, ::4] - 50.0, 50.0 - lightness[::4, ::4]], axis=-1)))
    values = validate(PLUGIN.info.params, {"temperature": 0.5, "saturation": 1.3})
    ctx = RunContext(runtime=runtime)
    analysis = PLUGIN.analyze(Request(image.copy(), None, values), ctx)
    other = PLUGIN.render(analysis, Request(image.copy(), None, {**values, "saturation": 0.5}), ctx)
    again = PLUGIN.render(analysis, Request(image.copy(), None, values), ctx)
    np.testing.assert_array_equal(again, run(image, runtime, values))
    assert len(runtime.model.calls) == 2  # one analysis above, one in the full run: renders run no network
    assert np.abs(other - again).max() > 0.01


def test_saturation_zero_gives_back_the_gray_photo():
    image = photo(40, 60)
    out = run(image, FakeRuntime(colour_everywhere((40.0, 25.0))), {"saturation": 0.0})
    gray = rgb_to_lab(out)
    np.testing.assert_allclose(gray[..., 1:], 0.0, atol=0.01)
    np.testing.assert_allclose(gray[..., 0], lightness(image), atol=0.02)


def test_hints_change_the_colour_near_them():
    gray = np.repeat(photo(120, 160)[..., :1], 3, axis=2)
    model = FakeModel(reach=1)
    runtime = FakeRuntime(model)
    plain = rgb_to_lab(run(gray, runtime))
    np.testing.assert_allclose(plain[..., 1:], 0.0, atol=0.5)  # no hints: the fake gives gray
    red = {"x": 30, "y": 40, "rgb": [220, 30, 30]}
    hinted = rgb_to_lab(run(gray, runtime, {"hints": [red]}))
    near, far = hinted[35:46, 25:36, 1:], hinted[100:, 120:, 1:]
    assert near[..., 0].mean() > 40 and near[..., 1].mean() > 20  # red: a > 0, b > 0
    np.testing.assert_allclose(far, 0.0, atol=0.5)
    lightness_in, hint_ab, hint_mask = model.calls[-1]
    assert hint_mask.sum() == 9 and lightness_in.shape == (1, 1, 48, 64)  # a 3x3 patch on the 64 px proxy
    ys, xs = np.nonzero(hint_mask[0, 0])
    assert (ys.mean(), xs.mean()) == (16.0, 12.0)  # (30, 40) of 160 x 120 -> (12, 16) of 64 x 48
    np.testing.assert_allclose(hint_ab[0, :, 16, 12], rgb_to_lab(np.array([220, 30, 30]) / 255)[1:], atol=1e-4)


def test_a_hint_outside_the_photo_is_refused_before_the_network_runs():
    model = FakeModel()
    inside = ColorPoint(59.5, 39.5, (1, 2, 3))
    with pytest.raises(ParamError, match=r"^parameter 'hints': point 2 \(x 60, y 10\) is outside the 60x40 image$"):
        run(photo(40, 60), FakeRuntime(model), {"hints": [inside, ColorPoint(60.0, 10.0, (1, 2, 3))]})
    assert model.calls == []


def test_a_mask_limits_the_effect():
    image = photo(64, 96)
    mask = np.zeros((64, 96), np.float32)
    mask[:, :40] = 1.0
    out = run(image, FakeRuntime(colour_everywhere((50.0, -30.0))), mask=mask)
    np.testing.assert_allclose(out[:, 40:], image[:, 40:], atol=1e-6)
    assert np.abs(out[:, :40] - image[:, :40]).max() > 0.1


def test_cancel_before_the_analysis():
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run(photo(40, 40), FakeRuntime(FakeModel()), ctx=RunContext(token=token))


def test_the_smoke_network_through_onnx_runtime(smoke_runtime):
    image = photo(100, 140)
    out = run(image, smoke_runtime)
    np.testing.assert_allclose(lightness(out), lightness(image), atol=0.02)
    ctx = RunContext(runtime=smoke_runtime)
    analysis = PLUGIN.analyze(Request(image.copy(), None, validate(PLUGIN.info.params)), ctx)
    assert analysis.logp.shape == (12, 16, analysis.bins.shape[0])  # 140 x 100 -> proxy 64 x 48 -> grid 16 x 12
    np.testing.assert_array_equal(compose(analysis, DEFAULT_T), out)  # the declared defaults reach the run
    assert analysis.log_weights is not None and np.ptp(analysis.log_weights) > 0  # the smoke run's own prior
    assert np.abs(compose(analysis, DEFAULT_T, vividness=0.0) - out).max() > 0.001  # vividness matters
    assert np.abs(compose(analysis, 1.0) - compose(analysis, 0.05)).max() > 0.01  # T matters
    hinted = PLUGIN.analyze(Request(image.copy(), None, validate(
        PLUGIN.info.params, {"hints": [{"x": 70, "y": 50, "rgb": [0, 200, 0]}]})), ctx)
    assert np.abs(hinted.logp - analysis.logp).max() > 0  # the network sees the hint


def test_the_render_threads_do_not_change_the_pixels(monkeypatch):
    import importlib

    module = importlib.import_module("photoai_plugins.colorize.plugin")
    image = photo(300, 70)  # narrow: many bands of few rows
    runtime = FakeRuntime(FakeModel(colour=lambda lightness, hinted: np.stack(
        [lightness[::4, ::4] - 50.0, 30.0 - lightness[::4, ::4]], axis=-1)))
    analysis = PLUGIN.analyze(Request(image, None, validate(PLUGIN.info.params)), RunContext(runtime=runtime))
    monkeypatch.setattr(module, "THREADS", 1)
    one = compose(analysis, 0.4)
    monkeypatch.setattr(module, "THREADS", 3)
    np.testing.assert_array_equal(compose(analysis, 0.4), one)


def test_the_fast_render_matches_the_float64_reference_within_one_8_bit_level():
    """compose (float32, banded, one BLAS product, branch-free sRGB curve) against the plain float64 path:
    the annealed mean upsampled bilinearly, then lab_to_rgb on the photo's own L; saturated colours leave the
    gamut. A random photo, so every band has its own L."""
    from photoai.core.color import lab_to_rgb
    from photoai.core.guided import bilinear_taps
    from photoai_plugins.colorize.plugin import grid_ab

    image = np.random.default_rng(3).random((83, 301, 3)).astype(np.float32)
    runtime = FakeRuntime(FakeModel(colour=lambda lightness, hinted: np.stack(
        [lightness[::4, ::4] - 50.0, 60.0 - lightness[::4, ::4]], axis=-1)))
    analysis = PLUGIN.analyze(Request(image, None, validate(PLUGIN.info.params)), RunContext(runtime=runtime))
    for temperature, saturation in ((0.38, 1.0), (1.0, 2.0), (0.05, 0.0)):
        ab = grid_ab(analysis, temperature, saturation).astype(np.float64)
        (r0, r1, wr), (c0, c1, wc) = bilinear_taps(ab.shape[0], 83), bilinear_taps(ab.shape[1], 301)
        wr, wc = wr[:, None, None], wc[None, :, None]
        full = ((1 - wr) * ((1 - wc) * ab[r0][:, c0] + wc * ab[r0][:, c1])
                + wr * ((1 - wc) * ab[r1][:, c0] + wc * ab[r1][:, c1]))
        lab = np.concatenate([lightness(image)[..., None].astype(np.float64), full], axis=-1)
        fast = compose(analysis, temperature, saturation)
        assert fast.min() >= 0.0 and fast.max() <= 1.0
        np.testing.assert_allclose(fast, lab_to_rgb(lab), atol=1e-4)
        assert np.abs(np.rint(fast * 255) - np.rint(lab_to_rgb(lab) * 255)).max() <= 1


def test_renders_reuse_only_frames_that_nothing_else_holds():
    import weakref

    from photoai_plugins.colorize.plugin import Frames

    frames, shape = Frames(), (6, 7, 3)
    first = frames.take(shape)
    ref = weakref.ref(first)
    del first
    again = frames.take(shape)
    assert again is ref()  # nobody held it: written again
    view = again[2:]
    del again
    other = frames.take(shape)
    assert other is not ref() and view.base is ref()  # a view still holds it: a new frame
    assert frames.take(shape) is not other and len(frames._frames) == Frames.KEEP

    image = photo(50, 70)
    runtime = FakeRuntime(FakeModel(colour=lambda lightness, hinted: np.stack(
        [lightness[::4, ::4] - 50.0, 50.0 - lightness[::4, ::4]], axis=-1)))
    analysis = PLUGIN.analyze(Request(image, None, validate(PLUGIN.info.params)), RunContext(runtime=runtime))
    shown = compose(analysis, 0.4)
    kept = shown.copy()
    second = compose(analysis, 1.0, 2.0)
    assert second is not shown and np.array_equal(shown, kept)  # the frame on screen is never written
    second_ref = weakref.ref(second)
    del second
    third = compose(analysis, 0.4)
    assert third is second_ref()
    np.testing.assert_array_equal(third, kept)  # a reused frame gives the same pixels


def test_the_temperature_default_is_declared_once_and_the_help_names_the_papers_value():
    temperature = next(p for p in PLUGIN.info.params if p.key == "temperature")
    assert validate(PLUGIN.info.params)["temperature"] == temperature.default == DEFAULT_T
    assert (temperature.minimum, temperature.maximum) == (0.05, 1.0) and temperature.live
    assert f"{PAPER_T:g}" in temperature.help and "Zhang" in temperature.help


def test_vividness_divides_out_the_class_rebalancing():
    """A network trained with class weights w predicts about w p: vividness 0 renders p (its w divided out),
    1 the trained odds; in between, duller as vividness falls; without a prior it changes nothing."""
    import dataclasses

    from photoai.core.color import LabToRgb
    from photoai.core.guided import bilinear_taps
    from photoai_plugins.colorize.bins import annealed_mean
    from photoai_plugins.colorize.plugin import Analysis, grid_ab

    bins = np.array([[0.0, 0.0], [60.0, 0.0], [0.0, 60.0]], np.float32)
    probs = np.array([0.2, 0.5, 0.3], np.float32)  # what the rebalanced network says
    weights = np.array([0.25, 2.0, 1.5])  # its training weights: the rare colours weigh more
    logp = np.log(np.broadcast_to(probs, (2, 2, 3))).astype(np.float32)
    taps = bilinear_taps(2, 4)
    analysis = Analysis(logp, bins, LabToRgb(np.full((4, 4), 0.5, np.float32)), taps, taps,
                        log_weights=np.log(weights))
    calibrated = probs / weights / (probs / weights).sum()
    for t in (1.0, 0.38):
        np.testing.assert_allclose(grid_ab(analysis, t, vividness=1.0)[1, 1], annealed_mean(probs, bins, t), atol=1e-4)
        np.testing.assert_allclose(grid_ab(analysis, t, vividness=0.0)[1, 1], annealed_mean(calibrated, bins, t),
                                   atol=1e-4)
    chroma = [float(np.hypot(*grid_ab(analysis, 0.38, vividness=v)[0, 0])) for v in (0.0, 0.5, 1.0)]
    assert chroma[0] < chroma[1] < chroma[2]
    plain = dataclasses.replace(analysis, log_weights=None)
    np.testing.assert_array_equal(grid_ab(plain, 0.38, vividness=0.0), grid_ab(plain, 0.38, vividness=1.0))
