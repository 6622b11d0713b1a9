"""The colorization AuC: thresholds 0-150 on the ab error, per photo and pooled over a data set."""

from __future__ import annotations

import numpy as np
import pytest

from photoai_plugins.colorize.metrics import auc, auc_of, cumulative_mass


def test_the_auc_of_a_constant_error_counts_the_thresholds_it_is_within():
    truth = np.zeros((4, 5, 2))
    assert auc(truth, truth) == pytest.approx(100.0)
    off = truth + np.array([30.0, 40.0])  # error 50: within thresholds 50..150
    assert auc(off, truth) == pytest.approx(100.0 * 101 / 151)


def test_the_pooled_auc_is_the_curve_of_all_pixels_and_not_the_mean_of_the_photos():
    rng = np.random.default_rng(0)
    photos = [(rng.normal(0, s, (6, 7, 2)), np.zeros((6, 7, 2)), rng.uniform(0.1, w, (6, 7))) for s, w in
              ((5.0, 1.0), (60.0, 50.0))]  # the second photo: large errors on pixels of rare (heavy) colours
    masses = [cumulative_mass(p, t, w) for p, t, w in photos]
    pooled = auc_of(np.sum([m for m, _ in masses], axis=0), sum(t for _, t in masses))
    everything = auc(*(np.concatenate([x[i].reshape(-1, *x[i].shape[2:]) for x in photos]) for i in range(3)))
    assert pooled == pytest.approx(everything)
    per_photo = np.mean([auc(p, t, w) for p, t, w in photos])
    assert pooled < per_photo - 5  # pooled, the heavy photo's errors dominate
