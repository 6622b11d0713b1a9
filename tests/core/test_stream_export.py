"""Results made band by band: ``imresize(rows=)`` and ``iter_tiled`` give exactly the rows of the whole
result; :class:`ImageStream` exports are the files an :class:`ImageBuffer` of the same pixels gives; the writers
quantize strip by strip (no full-size integer copy beside Pillow's or tifffile's)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import tifffile
from PIL import Image

from photoai.core import export
from photoai.core.errors import ImageWriteError
from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.core.resize import imresize
from photoai.core.stream import ImageStream, rechunk
from photoai.core.tiling import iter_tiled, run_tiled


def smooth(h: int, w: int, seed: int = 0) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([np.sin(xx / 7) * 0.4 + 0.5, np.cos(yy / 5) * 0.4 + 0.5, (xx + yy) / (h + w)], axis=2)
    noise = np.random.default_rng(seed).normal(0, 0.02, (h, w, 3))
    return np.clip(base + noise, 0, 1).astype(np.float32)


@pytest.mark.parametrize("scale", [2.0, 3.0, 4.0, 0.5, (2.0, 3.0), (3.0, 2.0), (0.5, 2.0)])
def test_imresize_rows_are_the_rows_of_the_whole_result(scale):
    img = smooth(37, 29)[..., :2]
    whole = imresize(img, scale)
    height = whole.shape[0]
    for rows in (slice(0, 5), slice(7, height), slice(3, height - 2), slice(height - 1, height)):
        np.testing.assert_array_equal(imresize(img, scale, rows=rows), whole[rows])
        out = np.empty_like(whole[rows])
        assert imresize(img, scale, rows=rows, out=out) is out
        np.testing.assert_array_equal(out, whole[rows])


def test_iter_tiled_yields_the_rows_of_run_tiled():
    img = smooth(70, 90)[..., 0].copy()

    def fn(t):  # depends on its neighbours: tiles must carry context
        return np.repeat(np.repeat(t + 0.1 * np.roll(t, 1, axis=0), 2, axis=0), 2, axis=1)

    whole = run_tiled(img, fn, scale=2, tile=32, overlap=4)
    bands = list(iter_tiled(img, fn, scale=2, tile=32, overlap=4))
    assert [top for top, _ in bands] == [0, 46, 94]  # three rows of tiles (23/24/23 input rows)
    np.testing.assert_array_equal(np.concatenate([b for _, b in bands]), whole)
    frame = np.zeros_like(whole)
    for top, band in iter_tiled(img, fn, scale=2, tile=32, overlap=4, out=frame):
        assert np.shares_memory(band, frame) and band.ctypes.data == frame[top:].ctypes.data
    np.testing.assert_array_equal(frame, whole)


def test_rechunk_cuts_and_joins_without_copying_a_whole_strip():
    bands = [np.arange(5)[:, None], np.arange(5, 7)[:, None], np.arange(7, 16)[:, None]]
    strips = list(rechunk(bands, 4))
    assert [len(s) for s in strips] == [4, 4, 4, 4]
    np.testing.assert_array_equal(np.concatenate(strips)[:, 0], np.arange(16))
    whole = np.arange(8)[:, None]
    assert np.shares_memory(next(rechunk([whole], 8)), whole)  # a view, no copy


def bands_of(rgb: np.ndarray, rows: int) -> list[np.ndarray]:
    return [rgb[top:top + rows] for top in range(0, len(rgb), rows)]


@pytest.mark.parametrize("name", ["a.png", "big.png", "a16.png", "a.tif", "a16.tif", "a.jpg", "a.webp", "a.bmp"])
def test_a_stream_writes_the_file_its_pixels_as_a_buffer_give(tmp_path, monkeypatch, name):
    if name == "big.png":  # the strip writer (a large image) at a small threshold
        monkeypatch.setattr(export, "PNG_FAST_ABOVE", 1000)
    rgb = smooth(61, 83)
    rgb[3, 4] = [1.2, -0.1, 0.5]  # out of range: clipped alike
    bits = 16 if "16" in name else 8
    buf = ImageBuffer(rgb.copy(), bit_depth=bits, icc_profile=None, info={"dpi": (300.0, 300.0)})
    stream = ImageStream.like(buf, Size(83, 61), bands_of(rgb, 7))
    a, b = export.save(buf, tmp_path / f"buffer_{name}"), export.save(stream, tmp_path / f"stream_{name}")
    assert a.read_bytes() == b.read_bytes()


def test_tiff_strips_are_tifffiles_own(tmp_path):
    """Our strips (predictor, zlib) make the file tifffile makes from the whole array, 8 and 16 bits."""
    for bits, dtype in ((8, np.uint8), (16, np.uint16)):
        px = (smooth(50, 70) * (2**bits - 1)).astype(dtype)
        ours = export.save(ImageBuffer(px.astype(np.float32) / (2**bits - 1), bit_depth=bits), tmp_path / "o.tif",
                           keep_metadata=False)
        theirs = tmp_path / "t.tif"
        tifffile.imwrite(theirs, px, photometric="rgb", planarconfig="contig", compression="zlib", predictor=True,
                         byteorder="<", bigtiff=False, metadata=None, software=False)
        np.testing.assert_array_equal(tifffile.imread(ours), px)
        assert ours.read_bytes() == theirs.read_bytes()


def test_a_stream_is_read_once_and_must_hold_its_rows(tmp_path):
    rgb = smooth(20, 30)
    stream = ImageStream(Size(30, 20), bands_of(rgb, 6))
    export.save(stream, tmp_path / "once.png")
    with pytest.raises(ImageWriteError, match="read once"):
        export.save(stream, tmp_path / "twice.png")
    (tmp_path / "short.png").write_bytes(b"old")
    with pytest.raises(ImageWriteError, match="hold 18 rows, the image has 20"):
        export.save(ImageStream(Size(30, 20), bands_of(rgb[:18], 6)), tmp_path / "short.png")
    assert (tmp_path / "short.png").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["once.png", "short.png"]


def test_pillow_writes_from_our_rgbx_buffer_without_a_copy():
    pixels = export._Pixels.quantized((40, 50, 3), 8, lambda: iter(bands_of(smooth(40, 50), 16)))
    image = pixels.pil_image()
    assert image.mode == "RGBX" and image.readonly  # Pillow's storage is our buffer (frombuffer shares it)
    np.testing.assert_array_equal(np.asarray(image.convert("RGB")), export.to_uint(smooth(40, 50), 8))


def test_png_and_tiff_export_quantize_strip_by_strip(tmp_path, monkeypatch):
    """No full-size integer copy of a float frame: numpy's peak while writing is bounded by a strip, so it does
    not grow with the image's height (before: the whole uint8 image first)."""
    monkeypatch.setattr(export, "PNG_FAST_ABOVE", 1000)

    def peak(height: int, name: str) -> int:
        buf = ImageBuffer(smooth(height, 400))
        tracemalloc.start()
        try:
            export.save(buf, tmp_path / name)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    for ext in ("png", "tif"):
        short, tall = peak(600, f"short.{ext}"), peak(6000, f"tall.{ext}")
        assert tall < 1.3 * short, (ext, short, tall)
        assert Image.open(tmp_path / f"tall.{ext}").size == (400, 6000)


def test_large_jpegs_skip_the_optimized_tables(tmp_path, monkeypatch):
    """Optimized Huffman tables hold every coefficient in memory: only up to JPEG_OPTIMIZE_UP_TO pixels."""
    buf = ImageBuffer(smooth(60, 80))
    small = export.save(buf, tmp_path / "small.jpg").stat().st_size
    monkeypatch.setattr(export, "JPEG_OPTIMIZE_UP_TO", 60 * 80 - 1)
    large = export.save(buf, tmp_path / "large.jpg").stat().st_size
    assert large > small  # standard tables
    a, b = (np.asarray(Image.open(tmp_path / n)) for n in ("small.jpg", "large.jpg"))
    np.testing.assert_array_equal(a, b)  # the same pixels: only the entropy coding differs
