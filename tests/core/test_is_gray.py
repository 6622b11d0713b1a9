"""is_gray: the sparse first look only ever says "colour" for a colour image; a gray one is read in full."""

from __future__ import annotations

import numpy as np

from photoai.core.channels import is_gray


def test_large_images_gray_colour_and_one_coloured_pixel():
    gray = np.repeat(np.random.default_rng(0).random((300, 400, 1), dtype=np.float32), 3, axis=2)
    assert is_gray(gray)
    colour = gray.copy()
    colour[..., 0] *= 0.5
    assert not is_gray(colour)
    one = gray.copy()
    one[150, 201, 2] += 0.1  # not on the sample's grid: found by the full check
    assert not is_gray(one)
    assert is_gray(gray + np.float32(0.4 / 255) * (np.arange(3, dtype=np.float32) == 1))  # within tolerance
