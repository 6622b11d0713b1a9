"""Auto exposure: a result darker than a normal exposure is lifted (never beyond the cap), a bright one is
left alone, and lifted highlights roll off instead of clipping."""

from __future__ import annotations

import numpy as np

from photoai_plugins.lowlight.plugin import (
    KNEE,
    MAX_STRENGTH,
    TARGET_BRIGHTNESS,
    exposure_strength,
    luminance,
    roll_off,
)


def test_a_dark_result_is_lifted_to_the_target_and_a_bright_one_is_not():
    rng = np.random.default_rng(0)
    dark = (rng.random((32, 32, 3)) * 0.2).astype(np.float32)
    s = np.full_like(dark, 0.3)
    k = exposure_strength(dark, s, 1.0)
    assert 1.0 < k < MAX_STRENGTH
    assert abs(luminance(np.clip(dark / s ** k, 0, 1)).mean() - TARGET_BRIGHTNESS) < 0.01
    bright = np.full_like(dark, 0.2)
    assert exposure_strength(bright, s, 1.0) == 1.0  # 0.2 / 0.3 = 0.67: bright enough already
    assert exposure_strength(np.full_like(dark, 1e-3), s, 1.0) == MAX_STRENGTH  # capped


def test_roll_off_keeps_values_below_the_knee_and_stays_below_one():
    x = np.array([0.2, KNEE, 0.9, 1.2, 3.0], np.float32)
    y = roll_off(x.copy())
    assert np.array_equal(y[:2], x[:2])
    assert np.all(np.diff(y) > 0) and y[-1] < 1.0 and y[2] < 0.9
