"""The lowlight plugin's pipeline with fake models: the division, strength, denoise blend, mask, imported
models, output size, progress and Cancel (numpy only: no torch, no ONNX)."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.errors import Cancelled, PluginError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import CancelToken, RunContext
from photoai.plugin_api.execute import run_plugin
from photoai_plugins.lowlight.plugin import KEEP_MEAN_RADIUS, PROXY_SIDE, LowLightPlugin, local_detail, proxy_of

from .conftest import (
    DENOISE_SPEC,
    ILLUM_SPEC,
    FakeModel,
    FakeRuntime,
    constant_illum,
    identity_denoise,
    photo,
    spec,
)

PLUGIN = LowLightPlugin()
BIG = (600, 900)  # larger than the proxy: S goes through the guided upsampling


def run(image: np.ndarray, runtime: FakeRuntime, values: dict | None = None, mask: np.ndarray | None = None,
        ctx: RunContext | None = None) -> np.ndarray:
    values = {"auto_exposure": False, **(values or {})}  # the division itself; auto exposure: its own tests
    return run_plugin(PLUGIN, ImageBuffer(image), mask, values, ctx or RunContext(), runtime).rgb


@pytest.mark.parametrize("size", [BIG, (37, 53)])
@pytest.mark.parametrize("denoise", [0.0, 1.0])
def test_division_is_exact_where_s_is_one(size, denoise):
    image = photo(*size)
    out = run(image, FakeRuntime(constant_illum(1.0), identity_denoise()), {"denoise": denoise})
    np.testing.assert_array_equal(out, image)


def test_the_photo_is_divided_by_s_and_the_denoiser_gets_the_gain():
    image = photo(*BIG, scale=0.4)
    denoiser = identity_denoise()
    out = run(image, FakeRuntime(constant_illum(0.5), denoiser))
    np.testing.assert_allclose(out, np.minimum(image / 0.5, 1.0), atol=1e-6)
    margin = DENOISE_SPEC.receptive_field // 2 + 1 + KEEP_MEAN_RADIUS
    for bright, gain in denoiser.calls:  # tiles of (I / S, 1 / S)
        np.testing.assert_allclose(gain, 2.0, atol=1e-5)
        assert bright.shape == gain.shape and bright.shape[2] <= 512 + 2 * margin
    assert len(denoiser.calls) == 4  # 600 x 900 in 512 px tiles


def test_strength_is_an_exponent_of_s():
    image = photo(*BIG, scale=0.2)
    runtime = FakeRuntime(constant_illum(0.25), identity_denoise())
    np.testing.assert_allclose(run(image, runtime, {"strength": 0.5}), image / 0.5, atol=1e-6)
    np.testing.assert_allclose(run(image, runtime, {"strength": 1.5}), np.minimum(image / 0.125, 1.0), atol=1e-5)
    np.testing.assert_array_equal(run(image, runtime, {"strength": 0.0}), image)


def test_denoise_strength_blends_the_denoiser_in():
    """The fake denoiser flattens the photo; its correction keeps only what varies locally (the noise)."""
    noise = np.random.default_rng(2).normal(0.0, 0.02, (*BIG, 3)).astype(np.float32)
    image = np.full((*BIG, 3), 0.15, np.float32) + noise
    runtime = FakeRuntime(constant_illum(0.5), FakeModel(DENOISE_SPEC, lambda x, gain: np.full_like(x, 0.3)))
    bright = image / 0.5
    correction = local_detail(0.3 - bright, KEEP_MEAN_RADIUS)
    np.testing.assert_allclose(run(image, runtime, {"denoise": 1.0}), bright + correction, atol=1e-5)
    np.testing.assert_allclose(run(image, runtime, {"denoise": 0.4}), bright + 0.4 * correction, atol=1e-5)
    np.testing.assert_allclose(run(image, runtime, {"denoise": 0.0}), bright, atol=1e-6)
    assert np.std(run(image, runtime)) < 0.2 * np.std(bright)  # the noise is gone


def test_the_denoisers_correction_keeps_no_offset_and_no_2_pixel_pattern():
    h, w = 96, 128
    yy, xx = np.mgrid[0:h, 0:w]
    noise = np.random.default_rng(4).normal(0.0, 0.05, (h, w, 3)).astype(np.float32)
    pattern = (0.03 * (-1.0) ** yy + 0.02 * (-1.0) ** (yy + xx) + 0.1).astype(np.float32)[..., None]
    kept = local_detail(noise + pattern, KEEP_MEAN_RADIUS)
    assert np.abs(kept - noise).std() < 0.1 * noise.std()  # the offset and the stripes are gone
    assert np.corrcoef(kept.ravel(), noise.ravel())[0, 1] > 0.99  # the noise is what remains


def test_without_denoise_the_denoiser_is_not_loaded():
    image = photo(64, 80, scale=0.5)
    out = run(image, FakeRuntime(constant_illum(0.5)), {"denoise": 0.0})  # no denoise model installed
    np.testing.assert_allclose(out, image / 0.5, atol=1e-6)


def test_s_follows_the_photos_edges_at_full_resolution():
    """The illumination network sees a proxy; at full resolution S keeps the photo's sharp edges. Here S is
    the proxy itself (x2), so I / S is flat: within a few pixels of the edge the guided filter's eps shows
    as a small bump, where bilinear upsampling of S would be off by 30 % for ~6 pixels."""
    h, w, edge = 1024, 1536, 700  # proxy 512 x 341: the edge falls inside a proxy pixel
    image = np.full((h, w, 3), 0.1, np.float32)
    image[:, edge:] = 0.4
    out = run(image, FakeRuntime(FakeModel(ILLUM_SPEC, lambda x: x * 2.0)), {"denoise": 0.0})
    error = np.abs(out - 0.5).max(axis=(0, 2))
    assert error.max() < 0.04
    assert error[: edge - 9].max() < 1e-4 and error[edge + 9:].max() < 1e-4
    s_proxy = 2.0 * proxy_of(image)[0, :, 0]
    bilinear = np.interp((np.arange(w) + 0.5) * s_proxy.size / w - 0.5, np.arange(s_proxy.size), s_proxy)
    assert np.abs(image[0, :, 0] / bilinear - 0.5).max() > 0.15


def test_a_painted_mask_limits_the_effect():
    image = photo(*BIG, scale=0.3)
    mask = np.zeros(BIG, np.float32)
    mask[:, :300] = 1.0
    mask[:, 300:400] = 0.5
    out = run(image, FakeRuntime(constant_illum(0.5), identity_denoise()), mask=mask)
    np.testing.assert_array_equal(out[:, 400:], image[:, 400:])
    np.testing.assert_allclose(out[:, :300], image[:, :300] * 2.0, atol=1e-6)
    np.testing.assert_allclose(out[:, 300:400], image[:, 300:400] * 1.5, atol=1e-6)


def test_the_proxy_is_an_area_average_with_a_long_side_of_512():
    image = photo(700, 1100)
    proxy = proxy_of(image)
    assert max(proxy.shape[:2]) == PROXY_SIDE and proxy.shape[:2] == (326, 512)
    assert proxy.mean() == pytest.approx(image.mean(), abs=2e-3)
    small = photo(40, 48)
    assert proxy_of(small) is small


def test_the_illumination_model_sees_the_proxy():
    illum = constant_illum(1.0)
    run(photo(*BIG), FakeRuntime(illum, identity_denoise()))
    (x,), = illum.calls
    assert x.shape == (1, 3, 341, 512)


@pytest.mark.parametrize("size", [(1, 1), (5, 3), (37, 53), (513, 17)])
def test_output_has_the_input_size(size):
    out = run(photo(*size, scale=0.3), FakeRuntime(constant_illum(0.5), identity_denoise()))
    assert out.shape == (*size, 3) and out.dtype == np.float32


def test_progress_names_each_stage_in_order():
    seen: list[tuple[float, str]] = []
    ctx = RunContext(lambda frac, stage: seen.append((frac, stage)))
    run(photo(*BIG, scale=0.3), FakeRuntime(constant_illum(0.5), identity_denoise()), ctx=ctx)
    stages = [s for _, s in seen]
    first = [stages.index(s) for s in ("Estimating the light", "Brightening", "Reducing noise")]
    assert first == sorted(first)
    fractions = [f for f, _ in seen[1:-1]]
    assert fractions == sorted(fractions) and fractions[-1] >= 0.95


def test_cancel_before_the_start_loads_nothing():
    token = CancelToken()
    token.cancel()
    runtime = FakeRuntime(constant_illum(0.5), identity_denoise())
    with pytest.raises(Cancelled):
        run(photo(64, 64), runtime, ctx=RunContext(token=token))
    assert not runtime.by_id[ILLUM_SPEC.id].calls


def test_cancel_between_denoiser_tiles():
    token = CancelToken()

    def denoise_then_cancel(x: np.ndarray, gain: np.ndarray) -> np.ndarray:
        token.cancel()
        return x

    denoiser = FakeModel(DENOISE_SPEC, denoise_then_cancel)
    with pytest.raises(Cancelled):
        run(photo(*BIG, scale=0.3), FakeRuntime(constant_illum(0.5), denoiser), ctx=RunContext(token=token))
    assert len(denoiser.calls) == 1


def test_cancel_between_bands_of_the_division():
    token = CancelToken()
    ctx = RunContext(lambda frac, stage: token.cancel() if stage == "Brightening" else None, token=token)
    denoiser = identity_denoise()
    with pytest.raises(Cancelled):
        run(photo(*BIG, scale=0.3), FakeRuntime(constant_illum(0.5), denoiser), ctx=ctx)
    assert not denoiser.calls


def _sqrt_model(model_id: str, **facts) -> FakeModel:
    return FakeModel(spec(model_id, inputs=("image",), **facts), np.sqrt)


def test_an_imported_model_with_internal_tiling_sees_the_whole_photo():
    model = _sqrt_model("zero-dce-pp", tiling="internal", size_multiple=12, receptive_field=204)
    image = photo(*BIG, scale=0.3)
    out = run(image, FakeRuntime(model), {"model": "zero-dce-pp", "strength": 0.3, "denoise": 0.0})
    (x,), = model.calls
    assert x.shape == (1, 3, *BIG)
    np.testing.assert_allclose(out, np.sqrt(image), atol=1e-6)  # strength and denoise do not apply


def test_a_tiled_imported_model_overlaps_its_receptive_field():
    model = _sqrt_model("zero-dce", tiling="supported", receptive_field=15)
    image = photo(*BIG, scale=0.3)
    out = run(image, FakeRuntime(model), {"model": "zero-dce"})
    assert len(model.calls) == 4 and max(c[0].shape[3] for c in model.calls) <= 450 + 2 * 8
    np.testing.assert_allclose(out, np.sqrt(image), atol=1e-6)


def test_models_that_cannot_run_here_are_refused_clearly():
    runtime = FakeRuntime(constant_illum(0.5), identity_denoise(),
                          FakeModel(spec("sr-x2", task="superres", scale=2), lambda x: x))
    with pytest.raises(PluginError, match="superres model, not a low-light one"):
        run(photo(32, 32), runtime, {"model": "sr-x2"})
    with pytest.raises(PluginError, match="choose model=network"):
        run(photo(32, 32), runtime, {"model": "lowlight-illum"})
