"""photoai.core.raw: content sniffing, white-level sanity, develop options, exposure and white balance.

Everything here runs on tiny files and fake LibRaw objects made in the test; the real sample raws are
exercised in ``tests/core/test_io.py``.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest
import tifffile
from PIL import Image

from photoai.core import raw as craw
from photoai.core.errors import PhotoAIError

# A camera's colour matrix (camera -> linear sRGB, rows sum to 1) and daylight multipliers, from a real DNG.
RGB_CAM = np.array([[1.8177627, -0.964303, 0.14654028],
                    [-0.22892007, 1.7737942, -0.5448741],
                    [-0.01954069, -0.46814167, 1.4876823]])
PRE_MUL = np.array([2.4728853, 0.93278807, 1.2953286])


class FakeRaw:
    """What :func:`photoai.core.raw.develop` reads of a ``rawpy.RawPy``.

    ``linear`` is what LibRaw's linear develop would give (HxWx3 in [0, 1] at the reported white
    level); ``postprocess`` records its keyword arguments and scales by ``white / user_sat``.
    """

    def __init__(self, linear: np.ndarray | None = None, *, stack: np.ndarray | None = None,
                 white: int = 4095, data: np.ndarray | None = None, tone_curve: np.ndarray | None = None,
                 color_matrix: np.ndarray = RGB_CAM, pre_mul: np.ndarray = PRE_MUL,
                 cam_mul: tuple[float, ...] = (2.0, 1.0, 1.5, 0.0)) -> None:
        self.linear = linear
        self.raw_type = SimpleNamespace(name="Stack" if stack is not None else "Flat")
        source = stack if stack is not None else linear
        assert source is not None
        shape = source.shape
        self.sizes = SimpleNamespace(width=shape[1], height=shape[0], flip=0)
        self.raw_image_visible = stack if stack is not None else (
            data if data is not None else np.full(shape[:2], white // 2, np.uint16))
        self.white_level = white
        self.black_level_per_channel = [0, 0, 0, 0]
        self.tone_curve = tone_curve if tone_curve is not None else np.arange(65536, dtype=np.uint16)
        self.color_matrix = np.concatenate([color_matrix, np.zeros((3, 1))], axis=1).astype(np.float32)
        self.daylight_whitebalance = [*pre_mul, 0.0]
        self.camera_whitebalance = list(cam_mul)
        self.num_colors = 3
        self.color_desc = b"RGBG"  # the sensor data (core.raw.sensor_data): an RGGB Bayer tile
        self.raw_pattern = None if stack is not None else np.array([[0, 1], [3, 2]])
        self.rgb_xyz_matrix = np.zeros((4, 3), np.float32)
        self.other = SimpleNamespace(iso_speed=0.0, shutter_speed=0.0)
        self.calls: list[dict] = []

    def postprocess(self, **kw) -> np.ndarray:
        self.calls.append(kw)
        assert self.linear is not None, "a scan is never developed by LibRaw"
        scale = self.white_level / kw.get("user_sat", self.white_level)
        return np.round(np.clip(self.linear * scale, 0, 1) * 65535).astype(np.uint16)


def film_scan(white: int = 255) -> FakeRaw:
    """A film scanner's NEF as LibRaw gives it: 8-bit samples spread to 16 bits by the file's
    curve, a 4th (infrared) channel, a reported white level of 255 and no colour matrix."""
    rng = np.random.default_rng(3)
    eight = rng.integers(0, 216, (6, 8, 3)).astype(np.uint16)  # brightest sample 215 of 255
    stack = np.concatenate([eight * 257, np.zeros((6, 8, 1), np.uint16)], axis=2)
    return FakeRaw(stack=stack, white=white, tone_curve=np.minimum(np.arange(65536) * 257, 65535),
                   color_matrix=np.zeros((3, 3)), pre_mul=np.ones(3), cam_mul=(0.0, 1.0, 0.0, 0.0))


def encode(linear: float) -> float:
    return 12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055


# --------------------------------------------------------------------------- content sniffing


def tiff_bytes(tags: dict[int, object] | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (90, 120, 30)).save(out, "TIFF", tiffinfo=tags or {})
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (90, 120, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(("name", "head"), [
    ("cr3", b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01crx isom"),
    ("raf", b"FUJIFILMCCD-RAW 0201FF383501"),
    ("orf", b"IIRO\x08\x00\x00\x00" + bytes(8)),
    ("orf-rs", b"IIRS\x08\x00\x00\x00" + bytes(8)),
    ("rw2", b"IIU\x00\x08\x00\x00\x00" + bytes(8)),
    ("crw", b"II\x1a\x00\x00\x00HEAPCCDR" + bytes(4)),
    ("mrw", b"\x00MRM\x00\x00\x00\x00" + bytes(8)),
    ("x3f", b"FOVb\x00\x00\x00\x00" + bytes(8)),
    ("cr2", b"II*\x00\x10\x00\x00\x00CR\x02\x00" + bytes(8)),
])
def test_raw_signatures_are_recognised(tmp_path, name, head):
    (tmp_path / "photo.jpg").write_bytes(head + bytes(64))
    assert craw.sniff(tmp_path / "photo.jpg") is True, name


@pytest.mark.parametrize(("kind", "tags"), [
    ("preview first (NEF, ARW, PEF...)", {254: 1}),
    ("DNG", {50706: b"\x01\x04\x00\x00"}),
])
def test_tiff_based_raws_are_recognised_by_their_tags(tmp_path, kind, tags):
    (tmp_path / "photo.tif").write_bytes(tiff_bytes(tags))
    assert craw.sniff(tmp_path / "photo.tif") is True, kind


def test_cfa_data_in_a_sub_ifd_makes_a_raw(tmp_path):
    """The NEF/CR2 layout: a small RGB preview in IFD0, the sensor data (photometric CFA) in a SubIFD."""
    path = tmp_path / "photo.tif"
    with tifffile.TiffWriter(path) as tw:
        tw.write(np.zeros((6, 8, 3), np.uint8), photometric="rgb", subifds=1)
        tw.write(np.zeros((12, 16), np.uint16), photometric=32803)
    assert craw.sniff(path) is True


@pytest.mark.parametrize("maker", ["pil", "tifffile16", "jpeg", "png"])
def test_ordinary_images_are_not_raws(tmp_path, maker):
    path = tmp_path / "photo.nef"
    if maker == "pil":
        path.write_bytes(tiff_bytes())
    elif maker == "tifffile16":
        tifffile.imwrite(path, np.zeros((6, 8, 3), np.uint16), photometric="rgb")
    elif maker == "jpeg":
        path.write_bytes(jpeg_bytes())
    else:
        Image.new("RGB", (4, 4)).save(path, "PNG")
    assert craw.sniff(path) is False


def test_unknown_content_is_undecided(tmp_path):
    (tmp_path / "x.raw").write_bytes(b"\x00\x01garbage" * 10)
    assert craw.sniff(tmp_path / "x.raw") is None
    (tmp_path / "short").write_bytes(b"II")
    assert craw.sniff(tmp_path / "short") is None


def test_a_damaged_tiff_structure_does_not_raise(tmp_path):
    (tmp_path / "x.tif").write_bytes(b"II*\x00\xff\xff\xff\x7f" + bytes(20))  # IFD offset past the end
    assert craw.sniff(tmp_path / "x.tif") in (None, False)


# --------------------------------------------------------------------------- white level


@pytest.mark.parametrize(("reported", "data_max", "curve_at_white", "expected"), [
    (15000, 12128, None, 15000),    # a normal camera raw: data below the white level
    (15000, 16383, None, 15000),    # a little above (per-channel saturation): kept
    (255, 54998, 65535, 65535),     # the film-scanner NEF: the file's curve maps 255 -> 65535
    (255, 54998, None, 65535),      # same data without a curve: the 16-bit container
    (4095, 16000, None, 16383),     # 14-bit data reported as 12-bit
    (1023, 3000, 1023, 4095),       # an identity curve does not explain the data
])
def test_plausible_white_level(reported, data_max, curve_at_white, expected):
    assert craw.plausible_white_level(reported, data_max, curve_at_white) == expected


def test_film_scan_is_developed_without_clipping():
    scan = film_scan()
    out = craw.develop(scan, craw.DevelopOptions())
    expected = scan.raw_image_visible[..., :3] / 65535.0
    np.testing.assert_allclose(out.rgb, expected, atol=1e-6)  # the scan's samples, unclipped
    assert out.rgb.dtype == np.float32 and out.rgb.shape == (6, 8, 3)
    assert out.white_level == 65535 and out.reported_white_level == 255
    assert (out.rgb >= 0.999).mean() == 0
    assert scan.calls == []  # a scan's samples are the image: no LibRaw colour pipeline


def test_camera_raw_with_an_implausible_white_level_is_developed_at_the_plausible_one():
    linear = np.full((4, 4, 3), 0.5)
    fake = FakeRaw(linear, white=4095, data=np.full((4, 4), 16000, np.uint16))
    out = craw.develop(fake, craw.DevelopOptions(auto_exposure=False))
    assert fake.calls[0]["user_sat"] == 16383
    assert out.white_level == 16383
    assert float(out.rgb.max()) < 0.99  # not clipped white


def test_a_plausible_white_level_is_left_to_libraw():
    fake = FakeRaw(np.full((4, 4, 3), 0.5), white=4095, data=np.full((4, 4), 3000, np.uint16))
    craw.develop(fake, craw.DevelopOptions())
    assert "user_sat" not in fake.calls[0]


# --------------------------------------------------------------------------- exposure


def test_as_shot_exposure_is_linear_data_with_the_srgb_curve():
    fake = FakeRaw(np.full((4, 4, 3), 0.18))
    out = craw.develop(fake, craw.DevelopOptions(auto_exposure=False))
    kw = fake.calls[0]
    assert kw["gamma"] == (1, 1) and kw["no_auto_bright"] and kw["output_bps"] == 16
    assert out.exposure == 0.0
    np.testing.assert_allclose(out.rgb, encode(0.18), atol=1e-4)


@pytest.mark.parametrize("ev", [-1.0, 0.5, 2.0])
def test_exposure_is_a_gain_in_linear_light(ev):
    out = craw.develop(FakeRaw(np.full((4, 4, 3), 0.1)), craw.DevelopOptions(auto_exposure=False, exposure=ev))
    np.testing.assert_allclose(out.rgb, encode(min(0.1 * 2 ** ev, 1.0)), atol=1e-4)
    assert out.exposure == pytest.approx(ev)


def test_auto_exposure_brings_the_brightest_percent_to_white_as_libraw_does():
    """LibRaw's auto-brightening: the level that the brightest 1 % of any channel exceeds becomes white."""
    linear = np.full((100, 100, 3), 0.05)
    linear[:2, :, 1] = 0.25  # 2 % of green at 0.25: the 99th percentile of green
    linear[:1, :10, 0] = 0.9  # 0.1 % of red brighter: ignored
    out = craw.develop(FakeRaw(linear), craw.DevelopOptions())
    assert out.exposure == pytest.approx(2.0, abs=0.01)  # 1 / 0.25
    np.testing.assert_allclose(out.rgb[50, 50], encode(0.2), atol=2e-3)
    more = craw.develop(FakeRaw(linear), craw.DevelopOptions(exposure=-0.5))
    assert more.exposure == pytest.approx(1.5, abs=0.01)  # the offset adds to the automatic value


def test_auto_exposure_never_darkens():
    out = craw.develop(FakeRaw(np.full((10, 10, 3), 1.0)), craw.DevelopOptions())
    assert out.exposure == 0.0


def test_film_scan_exposure_is_applied_in_linear_light_and_only_the_exposure_applies():
    scan = film_scan()
    options = craw.DevelopOptions(auto_exposure=True, exposure=1.0, white_balance="custom", temperature=3000)
    out = craw.develop(scan, options)
    assert out.options == craw.DevelopOptions(auto_exposure=False, exposure=1.0)
    samples = scan.raw_image_visible[..., :3] / 65535.0
    linear = np.where(samples <= 0.04045, samples / 12.92, ((samples + 0.055) / 1.055) ** 2.4)
    expected = np.vectorize(encode)(np.minimum(linear * 2.0, 1.0))
    np.testing.assert_allclose(out.rgb, expected, atol=2e-4)


# --------------------------------------------------------------------------- white balance


@pytest.mark.parametrize(("wb", "expected"), [
    ("as_shot", {"use_camera_wb": True, "use_auto_wb": False}),
    ("auto", {"use_camera_wb": False, "use_auto_wb": True}),
    ("daylight", {"use_camera_wb": False, "use_auto_wb": False}),
])
def test_white_balance_presets_reach_libraw(wb, expected):
    fake = FakeRaw(np.full((4, 4, 3), 0.2))
    craw.develop(fake, craw.DevelopOptions(white_balance=wb))
    kw = fake.calls[0]
    assert {k: kw[k] for k in expected} == expected and "user_wb" not in kw


def test_custom_white_balance_gives_libraw_the_multipliers_of_the_temperature():
    fake = FakeRaw(np.full((4, 4, 3), 0.2))
    out = craw.develop(fake, craw.DevelopOptions(white_balance="custom", temperature=3200, tint=10))
    user_wb = fake.calls[0]["user_wb"]
    expected = craw.temperature_to_multipliers(3200, 10, RGB_CAM, PRE_MUL)
    np.testing.assert_allclose(user_wb, [*expected, expected[1]], rtol=1e-6)
    assert out.options.temperature == 3200 and out.options.tint == 10


def test_d65_gives_the_daylight_multipliers():
    """The colour matrix maps balanced camera white to sRGB white (D65): at D65 the multipliers are
    the camera's daylight ones."""
    t, tint = craw.multipliers_to_temperature(PRE_MUL, RGB_CAM, PRE_MUL)
    assert 6300 < t < 6700 and 5 < tint < 15  # D65 lies a little on the green side of the Planckian locus
    np.testing.assert_allclose(craw.temperature_to_multipliers(t, tint, RGB_CAM, PRE_MUL),
                               PRE_MUL / PRE_MUL[1], rtol=2e-3)


def test_lower_temperature_means_more_blue_gain():
    warm = craw.temperature_to_multipliers(3000, 0, RGB_CAM, PRE_MUL)
    cool = craw.temperature_to_multipliers(7500, 0, RGB_CAM, PRE_MUL)
    assert warm[1] == cool[1] == 1.0
    assert warm[2] / warm[0] > 1.5 * cool[2] / cool[0]
    # a positive tint corrects a greenish light: less gain on green, the photo turns magenta
    magenta = craw.temperature_to_multipliers(5000, 50, RGB_CAM, PRE_MUL)
    green = craw.temperature_to_multipliers(5000, -50, RGB_CAM, PRE_MUL)
    assert magenta[1] / np.sqrt(magenta[0] * magenta[2]) < green[1] / np.sqrt(green[0] * green[2])


@pytest.mark.parametrize(("t", "tint"), [(2500, 0), (4300, 12), (5500, -20), (9000, 40)])
def test_temperature_round_trip(t, tint):
    mult = craw.temperature_to_multipliers(t, tint, RGB_CAM, PRE_MUL)
    t2, tint2 = craw.multipliers_to_temperature(mult, RGB_CAM, PRE_MUL)
    assert t2 == pytest.approx(t, rel=0.01) and tint2 == pytest.approx(tint, abs=1.0)


def test_facts_of_a_camera_raw_and_of_a_film_scan():
    facts = craw.facts(FakeRaw(np.zeros((2, 2, 3))))
    assert facts.kind == "camera" and facts.can_set_temperature
    assert facts.as_shot is not None and 3000 < facts.as_shot[0] < 8000
    scan = craw.facts(film_scan())
    assert scan.kind == "scan" and not scan.can_set_temperature and scan.as_shot is None


def test_custom_white_balance_without_a_colour_matrix_is_a_clear_error():
    fake = FakeRaw(np.full((2, 2, 3), 0.2), color_matrix=np.zeros((3, 3)))
    with pytest.raises(PhotoAIError, match="colour matrix"):
        craw.develop(fake, craw.DevelopOptions(white_balance="custom"))


# --------------------------------------------------------------------------- options


def test_options_round_trip_and_record():
    opts = craw.DevelopOptions(auto_exposure=False, exposure=0.7, white_balance="custom", temperature=4100, tint=-8)
    assert craw.DevelopOptions.from_dict(opts.to_dict()) == opts
    assert craw.DevelopOptions.from_dict({}) == craw.DevelopOptions()


@pytest.mark.parametrize(("values", "words"), [
    ({"exposure": 9}, "exposure"),
    ({"white_balance": "tungsten"}, "white balance"),
    ({"temperature": 500}, "temperature"),
    ({"tint": 400}, "tint"),
    ({"exposure": "bright"}, "exposure"),
    ({"colour": 1}, "colour"),
])
def test_bad_options_are_clear_errors(values, words):
    with pytest.raises(PhotoAIError, match=words):
        craw.DevelopOptions.from_dict(values)


def test_describe_says_what_was_applied():
    out = craw.develop(FakeRaw(np.full((4, 4, 3), 0.05)), craw.DevelopOptions())
    text = out.describe()
    assert "auto exposure" in text and "EV" in text and "as shot" in text and "K" in text
    record = out.record()
    assert record["exposure_applied"] == pytest.approx(out.exposure) and record["white_balance"] == "as_shot"
    scan = craw.develop(film_scan(), craw.DevelopOptions(exposure=0.5)).describe()
    assert "scan" in scan and "+0.5 EV" in scan and "white balance" not in scan
