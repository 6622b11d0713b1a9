"""LR variants and the training degradation: sizes, pixel alignment, determinism, what each step does."""

from __future__ import annotations

import numpy as np
import pytest

from photoai_plugins.superres import degrade

SCALES = (2, 3, 4)


def _ramp(h: int = 96, w: int = 120) -> np.ndarray:
    """A linear RGB ramp: every centred, symmetric, normalised filter keeps it (away from borders)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.stack([0.1 + 0.006 * xx, 0.2 + 0.005 * yy, 0.15 + 0.002 * xx + 0.003 * yy], axis=2)


def _texture(h: int = 96, w: int = 120, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / 7.0
    base = 0.5 + 0.3 * np.sin(xx * 1.3 + yy)[..., None] * np.array([1.0, 0.8, 0.6])
    return np.clip(base + 0.05 * rng.standard_normal((h, w, 3)), 0, 1).astype(np.float32)


def test_mix_probabilities_choose_the_training_steps() -> None:
    assert degrade.mix_probabilities() == degrade.MIX
    bare = degrade.mix_probabilities({n: 0.0 for n in degrade.MIX})  # a resize and nothing else, every time
    draws = [degrade.sample_degradation(np.random.default_rng(seed), 2, 0.0, None, bare) for seed in range(40)]
    assert all([n for n, _ in d.steps] == ["resize"] for d in draws)
    always_jpeg = degrade.mix_probabilities({"jpeg": 1.0})
    draws = [degrade.sample_degradation(np.random.default_rng(seed), 2, 0.0, None, always_jpeg) for seed in range(40)]
    assert all(d.steps[-1][0] == "jpeg" for d in draws)
    with pytest.raises(ValueError, match="bad mix probability"):
        degrade.mix_probabilities({"blur": 0.5})
    with pytest.raises(ValueError, match="bad mix probability"):
        degrade.mix_probabilities({"jpeg": 1.5})


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("variant", degrade.VARIANTS)
def test_variants_have_exact_sizes_8bit_levels_and_are_deterministic(variant: str, scale: int) -> None:
    hr = _texture()
    lr = degrade.lr_variant(hr, scale, variant)
    assert lr.shape == (96 // scale, 120 // scale, 3)
    np.testing.assert_array_equal(lr * 255, np.round(lr * 255))
    np.testing.assert_array_equal(lr, degrade.lr_variant(hr, scale, variant))


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("method", [m for m in degrade.RESIZES if m != "nearest"])
def test_resizes_sample_block_centres(method: str, scale: int) -> None:
    hr = _ramp()
    ref = degrade.resize_down(hr, scale, "matlab")
    lr = degrade.resize_down(hr, scale, method)
    m = 3  # LR pixels from the border
    np.testing.assert_allclose(lr[m:-m, m:-m], ref[m:-m, m:-m], atol=2e-4)


@pytest.mark.parametrize("scale", SCALES)
def test_anisotropic_kernel_decimation_samples_block_centres(scale: int) -> None:
    hr = _ramp(120, 144)
    ref = degrade.resize_down(hr, scale, "matlab")
    lr = degrade.blur_decimate(hr, scale, degrade.gaussian_kernel(scale, 0.6 * scale, 0.3 * scale, 0.7))
    m = 6
    np.testing.assert_allclose(lr[m:-m, m:-m], ref[m:-m, m:-m], atol=2e-4)


def test_variants_differ_from_the_protocol_as_they_should() -> None:
    hr = _texture()
    bic = degrade.lr_variant(hr, 2, "bicubic")
    diff = {v: float(np.abs(degrade.lr_variant(hr, 2, v) - bic).mean()) for v in degrade.VARIANTS}
    assert diff["bicubic"] == 0.0
    assert all(diff[v] > 1 / 255 / 4 for v in ("area", "aliased", "jpeg", "camera"))
    # aliasing folds fine detail (here white noise) into the LR image; the area average removes most of it
    noise = np.clip(0.5 + 0.1 * np.random.default_rng(1).standard_normal((96, 120, 3)), 0, 1).astype(np.float32)
    sd = [float(np.std(degrade.lr_variant(noise, 4, v))) for v in ("aliased", "area")]
    assert sd[0] > 2 * sd[1]


def test_unknown_variant_and_bad_size_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown LR variant"):
        degrade.lr_variant(_texture(), 2, "fancy")
    with pytest.raises(ValueError, match="modcrop"):
        degrade.resize_down(_texture(97, 120), 2, "area")


def test_noise_is_signal_dependent() -> None:
    rng = np.random.default_rng(0)
    dark, bright = np.full((64, 64, 3), 0.05, np.float32), np.full((64, 64, 3), 0.9, np.float32)
    sd = [float(np.std(degrade.add_noise(x, rng, read=0.002, shot=0.03, gray=False) - x)) for x in (dark, bright)]
    assert sd[1] > 2.5 * sd[0]
    gray = degrade.add_noise(bright, rng, read=0.002, shot=0.03, gray=True) - bright
    np.testing.assert_allclose(gray[..., 0], gray[..., 2], atol=1e-6)


@pytest.mark.parametrize("scale", SCALES)
def test_training_degradation_is_deterministic_per_seed_and_keeps_sizes(scale: int) -> None:
    hr = _texture(120, 144)
    draws = [degrade.sample_degradation(np.random.default_rng(seed), scale) for seed in range(60)]
    again = [degrade.sample_degradation(np.random.default_rng(seed), scale) for seed in range(60)]
    assert draws == again
    for d in draws[:20]:
        lr = d(hr)
        assert lr.shape == (120 // scale, 144 // scale, 3) and lr.dtype == np.float32
        np.testing.assert_array_equal(lr, d(hr))
    steps = [name for d in draws for name, _ in d.steps]
    assert {"resize", "kernel", "noise", "jpeg"} <= set(steps)  # the mix covers every kind of step
    methods = {p["method"] for d in draws for n, p in d.steps if n == "resize"}
    assert {"matlab", "area"} <= methods and methods & {"cv-cubic", "cv-linear", "nearest"}
    assert any(d.steps == (("resize", {"method": "matlab"}),) for d in draws)  # clean protocol pairs remain
    orders = {tuple(n for n, _ in d.steps).index("noise") == 0 for d in draws if "noise" in dict(d.steps)}
    assert orders == {True, False}  # noise both before and after the resize
    assert "jpeg(quality=" in " ".join(d.describe() for d in draws)
    clean = [degrade.sample_degradation(np.random.default_rng(seed), scale, p_clean=1.0) for seed in range(5)]
    assert all(d.steps == (("resize", {"method": "matlab"}),) for d in clean)


def test_resize_weights_choose_the_training_resizes() -> None:
    only_aliased = degrade.resize_weights({n: 0.0 for n in degrade.RESIZES} | {"cv-cubic": 1.0})
    assert degrade.resize_weights()["cv-cubic"] == degrade.RESIZE_WEIGHTS["cv-cubic"]
    draws = [degrade.sample_degradation(np.random.default_rng(seed), 2, 0.0, only_aliased) for seed in range(80)]
    methods = {p["method"] for d in draws for n, p in d.steps if n == "resize"}
    assert methods == {"cv-cubic"}
    default = {p["method"] for seed in range(80)
               for n, p in degrade.sample_degradation(np.random.default_rng(seed), 2, 0.0).steps if n == "resize"}
    assert len(default) >= 5
    with pytest.raises(ValueError, match="bad resize weight"):
        degrade.resize_weights({"box": 1.0})
    with pytest.raises(ValueError, match="bad resize weight"):
        degrade.resize_weights({"area": -1.0})


@pytest.mark.parametrize("scale", SCALES)
def test_bicubic_variant_is_the_protocols_lr(scale: int) -> None:
    from photoai_plugins.superres.data import make_lr

    hr = _texture(72, 84).astype(np.float64)
    np.testing.assert_array_equal(degrade.lr_variant(hr, scale, "bicubic"), make_lr(hr, scale))
