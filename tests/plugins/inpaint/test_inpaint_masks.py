"""Free-form mask generator: hole ratio lands in the requested bucket; evaluation masks are fixed."""

import numpy as np
import pytest

from photoai_plugins.inpaint.masks import BUCKETS, eval_mask, mask_for_ratio_bucket, random_training_mask


@pytest.mark.parametrize("hw", [(64, 64), (128, 128), (96, 160)])
@pytest.mark.parametrize("bucket", BUCKETS + ((0.5, 0.6),))
def test_ratio_in_bucket(hw, bucket):
    rng = np.random.default_rng(7)
    for _ in range(5):
        hole = mask_for_ratio_bucket(rng, *hw, *bucket)
        assert hole.shape == hw and hole.dtype == np.uint8
        assert set(np.unique(hole)) <= {0, 1}
        assert bucket[0] <= hole.mean() < bucket[1]


def test_eval_masks_are_deterministic_and_differ_per_image():
    a = eval_mask(2018, (0.1, 0.2), 0, 96, 128)
    b = eval_mask(2018, (0.1, 0.2), 0, 96, 128)
    c = eval_mask(2018, (0.1, 0.2), 1, 96, 128)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert 0.1 <= a.mean() < 0.2


def test_training_masks_cover_range():
    rng = np.random.default_rng(0)
    ratios = [random_training_mask(rng, 64, 64).mean() for _ in range(60)]
    assert min(ratios) >= 0.01 and max(ratios) < 0.6
    assert min(ratios) < 0.15 and max(ratios) > 0.4


def test_bad_bucket_rejected():
    with pytest.raises(ValueError):
        mask_for_ratio_bucket(np.random.default_rng(0), 8, 8, 0.5, 0.4)


def test_scratch_masks_are_fixed_thin_and_long():
    from photoai_plugins.inpaint.crops import hole_thickness
    from photoai_plugins.inpaint.masks import scratch_mask

    a, b = scratch_mask(7, 0, 512, 768), scratch_mask(7, 0, 512, 768)
    assert np.array_equal(a, b) and not np.array_equal(a, scratch_mask(7, 1, 512, 768))
    ys, xs = np.nonzero(a)
    assert hole_thickness(a > 0) <= 16 and max(np.ptp(xs), np.ptp(ys)) > 256  # thin (crossings too), yet long
