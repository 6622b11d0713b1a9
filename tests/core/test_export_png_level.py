"""PNG's zlib level: libpng's 6 for ordinary images, 1 for large ones (7x faster); both lossless."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core import export, io
from photoai.core.image import ImageBuffer, to_uint


def first_idat_level(path) -> int:
    """The FLEVEL of the zlib stream (0: fastest ... 2: default, 3: best)."""
    data = path.read_bytes()
    start = data.index(b"IDAT") + 4
    return data[start + 1] >> 6


@pytest.mark.parametrize("bits", [8, 16])
def test_large_images_are_written_fast_and_still_exact(tmp_path, monkeypatch, bits):
    rgb = np.random.default_rng(0).random((60, 80, 3)).astype(np.float32)
    buf = ImageBuffer(rgb, bit_depth=bits)
    small = export.save(buf, tmp_path / "small.png")
    monkeypatch.setattr(export, "PNG_FAST_ABOVE", 60 * 80 - 1)
    large = export.save(buf, tmp_path / "large.png")
    assert first_idat_level(small) == 2 and first_idat_level(large) == 0  # zlib levels 6 and 1
    for path in (small, large):
        back = io.load(path)
        assert back.bit_depth == bits
        np.testing.assert_array_equal(to_uint(back.rgb, bits), to_uint(rgb, bits))

def test_levels_by_size():
    assert export.png_compress_level(np.zeros((1080, 1920, 3), np.uint8)) == 6
    assert export.png_compress_level(np.zeros((1200, 1800, 3), np.uint8)) == 1


def test_large_png_keeps_metadata_and_alpha(tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    buf = ImageBuffer(rng.random((30, 40, 3)).astype(np.float32), alpha=rng.random((30, 40)).astype(np.float32),
                      icc_profile=b"\0" * 16 + b"RGB " + b"\0" * 108, info={"dpi": (300.0, 300.0)})
    monkeypatch.setattr(export, "PNG_FAST_ABOVE", 100)
    path = export.save(buf, tmp_path / "big.png")
    back = io.load(path)
    assert back.icc_profile == buf.icc_profile and back.info.get("dpi") == pytest.approx((300.0, 300.0), abs=0.1)
    np.testing.assert_array_equal(to_uint(back.rgb, 8), to_uint(buf.rgb, 8))
    np.testing.assert_array_equal(to_uint(back.alpha, 8), to_uint(buf.alpha, 8))
