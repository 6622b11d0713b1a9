"""core.dng.write_dng + core.raw sensor data and render_mosaic: real DNG files through LibRaw."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from photoai.core import io
from photoai.core.color import linear_to_srgb
from photoai.core.dng import FLIP_TO_ORIENTATION, write_dng
from photoai.core.raw import BAYER_PATTERNS, UnsupportedRaw, bayer_pattern, render_mosaic
from tests.conftest import require_data

rawpy = pytest.importorskip("rawpy")

BLACK = {"R": 256, "G": 300, "B": 400}  # LibRaw keeps one black level per colour


def mosaic(h: int = 40, w: int = 56, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(500, 4000, (h, w)).astype(np.uint16)


@pytest.mark.parametrize("pattern", BAYER_PATTERNS)
def test_round_trip_every_pattern(tmp_path, pattern):
    m = mosaic()
    black = [BLACK[c] for c in pattern]
    path = write_dng(tmp_path / f"{pattern}.dng", m, pattern, black, 4095, neutral=(0.5, 1.0, 0.8))
    image = io.load(path)
    raw = image.raw
    assert raw is not None and image.info.get("raw_unsupported") is None
    assert raw.pattern == pattern
    np.testing.assert_array_equal(raw.mosaic, m)
    assert raw.mosaic.dtype == np.uint16
    assert raw.black == tuple(float(b) for b in black)
    assert raw.white == 4095
    assert raw.wb == pytest.approx((2.0, 1.0, 1.25), rel=1e-4)  # the inverse of AsShotNeutral
    assert raw.cam_to_srgb is not None and raw.cam_to_srgb == pytest.approx(np.eye(3), abs=1e-3)
    assert raw.path == path.resolve() and raw.flip == 0
    assert image.size == (56, 40)


@pytest.mark.parametrize("flip", [0, 3, 5, 6])
def test_orientation_is_the_files(tmp_path, flip):
    m = mosaic()
    path = write_dng(tmp_path / "o.dng", m, "RGGB", 256, 4095, orientation=FLIP_TO_ORIENTATION[flip])
    image = io.load(path)
    assert image.raw is not None and image.raw.flip == flip
    rendered = render_mosaic(image.raw, m)
    assert rendered.shape[:2] == image.raw.output_shape == image.rgb.shape[:2]
    upright = render_mosaic(io.load(write_dng(tmp_path / "u.dng", m, "RGGB", 256, 4095)).raw, m)
    turns = {0: 0, 3: 2, 5: 1, 6: -1}[flip]
    np.testing.assert_allclose(rendered, np.rot90(upright, turns), atol=1e-6)


def test_black_and_white_levels_render_to_black_and_white(tmp_path):
    """A flat field at the black level renders black, at the white level white, halfway the sRGB of 0.5
    (neutral camera, identity colour matrix: LibRaw subtracts each colour's black and scales by white)."""
    pattern = "GRBG"
    black = [BLACK[c] for c in pattern]
    raw = io.load(write_dng(tmp_path / "f.dng", mosaic(), pattern, black, 4095)).raw
    assert raw is not None
    tile = np.reshape(np.asarray(raw.black, np.float32), (2, 2))
    level = np.tile(tile, (20, 28))
    np.testing.assert_allclose(render_mosaic(raw, level), 0.0, atol=1e-4)
    # LibRaw scales every colour by white - the lowest black: with one black level, white renders white
    raw = io.load(write_dng(tmp_path / "g.dng", mosaic(), pattern, 256, 4095)).raw
    assert raw is not None
    np.testing.assert_allclose(render_mosaic(raw, np.full((40, 56), 4095.0)), 1.0, atol=1e-4)
    half = render_mosaic(raw, np.full((40, 56), 256 + 0.5 * (4095 - 256)))
    np.testing.assert_allclose(half, float(linear_to_srgb(np.float64(0.5))), atol=2e-3)


def test_render_rounds_and_clips_float_codes(tmp_path):
    m = mosaic()
    raw = io.load(write_dng(tmp_path / "c.dng", m, "RGGB", 256, 4095)).raw
    assert raw is not None
    np.testing.assert_array_equal(render_mosaic(raw, m.astype(np.float32) + 0.3), render_mosaic(raw, m))
    assert np.isfinite(render_mosaic(raw, np.full(m.shape, -50.0))).all()
    with pytest.raises(ValueError, match="does not match"):
        render_mosaic(raw, m[:-2])


def test_writer_refuses_what_it_cannot_write(tmp_path):
    m = mosaic()
    with pytest.raises(ValueError, match="pattern"):
        write_dng(tmp_path / "x.dng", m, "RGBG", 0, 4095)
    with pytest.raises(ValueError, match="black"):
        write_dng(tmp_path / "x.dng", m, "RGGB", 4095, 4095)
    with pytest.raises(ValueError, match="whole"):
        write_dng(tmp_path / "x.dng", m, "RGGB", 10.5, 4095)
    with pytest.raises(ValueError, match="uint16"):
        write_dng(tmp_path / "x.dng", m.astype(np.float32), "RGGB", 0, 4095)
    assert not list(tmp_path.iterdir())


def _fake(**kw) -> SimpleNamespace:
    facts = {"raw_type": SimpleNamespace(name="Flat"), "num_colors": 3, "color_desc": b"RGBG",
             "raw_pattern": np.array([[0, 1], [3, 2]]), "color_matrix": np.eye(3, 4),
             "daylight_whitebalance": [2.0, 1.0, 1.5, 0.0]}
    return SimpleNamespace(**{**facts, **kw})


@pytest.mark.parametrize(("facts", "reason"), [
    ({"raw_pattern": np.zeros((6, 6), int)}, "not supported: X-Trans sensor"),
    ({"num_colors": 1}, "not supported: monochrome sensor"),
    ({"raw_type": SimpleNamespace(name="Stack")}, "not supported: linear raw"),
    ({"raw_type": SimpleNamespace(name="Stack"), "color_matrix": np.zeros((3, 4))}, "not supported: a film scanner"),
    ({"color_desc": b"CMYG", "raw_pattern": np.array([[0, 1], [2, 3]])}, "not supported: colour filter CMYG"),
])
def test_sensors_other_than_bayer_have_a_reason(facts, reason):
    with pytest.raises(UnsupportedRaw, match=reason.replace("(", r"\(")):
        bayer_pattern(_fake(**facts))


def test_the_film_scan_has_no_sensor_data_and_says_why():
    path = require_data("raw/nikon_coolscan_iv_film_scan.nef", "the Coolscan NEF")
    image = io.load(path)
    assert image.raw is None
    assert image.info["raw_unsupported"].startswith("not supported: a film scanner file")


def test_an_ordinary_image_has_no_sensor_data(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 6)).save(tmp_path / "a.png")
    image = io.load(tmp_path / "a.png")
    assert image.raw is None and "raw_unsupported" not in image.info


def test_copies_share_the_sensor_data(tmp_path):
    image = io.load(write_dng(tmp_path / "s.dng", mosaic(), "RGGB", 256, 4095))
    assert image.copy().raw is image.raw
    assert image.with_pixels(image.rgb * 0.5).raw is image.raw


@pytest.mark.parametrize("suffix", [".tiff", ".png", ".jpg"])
def test_export_of_an_opened_raw_writes_only_pixels(tmp_path, suffix):
    from photoai.core import export

    image = io.load(write_dng(tmp_path / "e.dng", mosaic(), "RGGB", 256, 4095, orientation=6))
    out = export.save(image, tmp_path / f"out{suffix}")
    again = io.load(out)
    assert again.raw is None and again.size == image.size == (40, 56)
    assert out.stat().st_size < 60_000  # no sensor data tucked in
