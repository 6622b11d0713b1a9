"""The synthetic underexposure is deterministic per seed and varies between seeds (numpy only)."""

from __future__ import annotations

import numpy as np

from photoai_plugins.lowlight.degrade import Degradation, make_pair

from .conftest import photo


def test_the_same_seed_gives_the_same_dark_photo():
    clean = photo(48, 64)
    (a, da), (b, db) = make_pair(clean, 7), make_pair(clean, 7)
    np.testing.assert_array_equal(a, b)
    assert da == db


def test_different_seeds_differ_in_every_stage():
    clean = photo(48, 64)
    pairs = [make_pair(clean, seed, bright_fraction=0.0) for seed in range(20)]
    assert len({d for _, d in pairs}) == 20
    assert not np.array_equal(pairs[0][0], pairs[1][0])
    for field in ("gamma", "exposure", "shot", "read", "tone"):
        assert len({getattr(d, field) for _, d in pairs}) == 20, field
    assert len({d.jpeg for _, d in pairs}) > 3


def test_the_output_is_a_dark_8bit_photo():
    clean = photo(48, 64)
    for seed in range(10):
        dark, d = make_pair(clean, seed, bright_fraction=0.0)
        assert dark.dtype == np.float32 and dark.shape == clean.shape
        np.testing.assert_array_equal(dark * 255.0, np.round(dark * 255.0))
        assert d.exposure < 0.4 and dark.mean() < clean.mean()


def test_bright_draws_stay_near_the_photo():
    rng = np.random.default_rng(0)
    draws = [Degradation.sample(rng, bright_fraction=1.0) for _ in range(20)]
    assert all(0.75 <= d.exposure <= 1.0 for d in draws)
