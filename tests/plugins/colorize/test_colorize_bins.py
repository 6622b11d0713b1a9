"""The 313-bin ab quantization: soft encoding, annealed mean, rebalancing."""

from __future__ import annotations

import numpy as np
import pytest

from photoai_plugins.colorize.bins import (
    MODE,
    annealed_mean,
    grid_bins,
    nearest_bin,
    rebalance_weights,
    smoothed_prior,
    soft_encode,
)

BINS = grid_bins()


def test_soft_encoding_then_the_mode_returns_the_nearest_bin():
    ab = np.random.default_rng(0).uniform(-70, 70, (500, 2)).astype(np.float32)
    encoded = soft_encode(ab, BINS)
    np.testing.assert_allclose(encoded.sum(axis=-1), 1.0, atol=1e-5)
    assert ((encoded > 0).sum(axis=-1) == 5).all()
    nearest = BINS[nearest_bin(ab, BINS)]
    np.testing.assert_array_equal(annealed_mean(encoded, BINS, MODE), nearest)
    rng = np.random.default_rng(1)
    close = BINS[rng.integers(0, len(BINS), 200)] + rng.uniform(-2, 2, (200, 2)).astype(np.float32)
    np.testing.assert_allclose(annealed_mean(soft_encode(close, BINS), BINS, 0.05),  # T -> 0 tends to the mode
                               BINS[nearest_bin(close, BINS)], atol=0.05)


def test_temperature_one_is_the_mean_and_lower_moves_towards_the_mode():
    probs = np.zeros(len(BINS), np.float32)
    i, j = nearest_bin(np.array([30.0, 0.0]), BINS), nearest_bin(np.array([-30.0, 0.0]), BINS)
    probs[i], probs[j] = 0.7, 0.3
    np.testing.assert_allclose(annealed_mean(probs, BINS, 1.0), 0.7 * BINS[i] + 0.3 * BINS[j], atol=1e-4)
    a_38 = annealed_mean(probs, BINS, 0.38)[0]
    assert 0.7 * 30 - 0.3 * 30 < a_38 < 30.0


@pytest.mark.parametrize("seed", [0, 1])
def test_rebalancing_weights_have_expectation_one_under_the_prior(seed):
    counts = np.random.default_rng(seed).integers(0, 1000, len(BINS)) ** 2
    prior = smoothed_prior(counts, BINS)
    assert prior.sum() == pytest.approx(1.0)
    w = rebalance_weights(prior)
    assert float(np.sum(prior * w)) == pytest.approx(1.0, abs=1e-5)
    assert w[np.argmax(prior)] < 1.0 < w[np.argmin(prior)]  # rare colours weigh more
