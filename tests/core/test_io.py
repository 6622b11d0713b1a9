"""photoai.core.io: decoding every supported kind of file, with files built in each test."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms, ImageOps

from photoai.core import io as pio
from photoai.core import raw as craw
from photoai.core.document import Document
from photoai.core.errors import ImageReadError
from photoai.core.geometry import Size
from photoai_plugins._training import default_data_dir
from tests.conftest import require_data
from tests.core.test_raw import FakeRaw, film_scan

RAW_DIR = default_data_dir() / "raw"  # $PHOTOAI_DATA, else ../shared/data beside the repository
DNG = "canon_eos550d_magiclantern_colorchart.dng"
SCAN_NEF = "nikon_coolscan_iv_film_scan.nef"
RNG = np.random.default_rng(7)


def u8(buf_rgb: np.ndarray) -> np.ndarray:
    return (np.clip(buf_rgb, 0, 1) * 255 + 0.5).astype(np.uint8)


def u16(a: np.ndarray) -> np.ndarray:
    return (np.clip(a, 0, 1) * 65535 + 0.5).astype(np.uint16)


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif_bytes(orientation: int = 1, make: str = "PhotoAI Cam") -> bytes:
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = "2024:05:06 07:08:09"
    return exif.tobytes()


ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png_by_hand(width: int, height: int, bits: int, color_type: int, raw: bytes, interlace: bool = False) -> bytes:
    """A PNG from already-filtered scanlines, written without PhotoAI or Pillow."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, bits, color_type, 0, 0, int(interlace))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def png16_by_hand(a: np.ndarray, interlace: bool = False) -> bytes:
    """A 16-bit colour PNG with filter type 0, optionally Adam7-interlaced."""
    h, w, c = a.shape
    passes = [a[y::dy, x::dx] for x, y, dx, dy in ADAM7] if interlace else [a]
    raw = b"".join(b"\x00" + row.astype(">u2").tobytes() for sub in passes if sub.size for row in sub)
    return png_by_hand(w, h, 16, {2: 4, 3: 2, 4: 6}[c], raw, interlace)


def marked_rgb(h: int = 24, w: int = 40) -> np.ndarray:
    """An asymmetric picture (quadrants of flat colours) that survives JPEG."""
    a = np.zeros((h, w, 3), np.uint8)
    a[: h // 2, : w // 2] = (255, 0, 0)
    a[: h // 2, w // 2:] = (0, 255, 0)
    a[h // 2:, : w // 2] = (0, 0, 255)
    a[h // 2:, w // 2:] = (255, 255, 255)
    return a


# --------------------------------------------------------------------------- 8/16-bit, modes


def test_png_8bit_rgb(tmp_path):
    a = RNG.integers(0, 256, (9, 11, 3), dtype=np.uint8)
    Image.fromarray(a).save(tmp_path / "a.png")
    buf = pio.load(tmp_path / "a.png")
    assert np.array_equal(u8(buf.rgb), a)
    assert (buf.bit_depth, buf.gray, buf.alpha, buf.source_format) == (8, False, None, "PNG")
    assert buf.info["mode"] == "RGB"


def test_png_16bit_gray_exact(tmp_path):
    a = RNG.integers(0, 65536, (9, 11), dtype=np.uint16)
    Image.fromarray(a).save(tmp_path / "g.png")
    buf = pio.load(tmp_path / "g.png")
    assert buf.bit_depth == 16 and buf.gray
    assert np.array_equal(u16(buf.rgb[..., 0]), a)


@pytest.mark.parametrize("interlace", [False, True])
@pytest.mark.parametrize("channels", [2, 3, 4])
def test_png_16bit_colour_exact(tmp_path, channels, interlace):
    a = RNG.integers(0, 65536, (7, 13, channels), dtype=np.uint16)
    (tmp_path / "c.png").write_bytes(png16_by_hand(a, interlace))
    buf = pio.load(tmp_path / "c.png")
    assert buf.bit_depth == 16 and buf.info["mode"] == {2: "LA;16", 3: "RGB;16", 4: "RGBA;16"}[channels]
    colour = a[..., :1].repeat(3, axis=2) if channels == 2 else a[..., :3]
    assert np.array_equal(u16(buf.rgb), colour) and buf.gray == (channels == 2)
    if channels != 3:
        assert np.array_equal(u16(buf.alpha), a[..., -1])


def test_png_16bit_with_real_encoder_filters(tmp_path):
    """libpng (through OpenCV) picks Sub/Up/Avg/Paeth filters; both byte passes must agree."""
    cv2 = pytest.importorskip("cv2")
    y, x = np.mgrid[0:64, 0:80]
    a = np.dstack([x * 800, y * 1000, (x * y * 13) % 65536]).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "cv.png"), a[..., ::-1])
    assert np.array_equal(u16(pio.load(tmp_path / "cv.png").rgb), a)


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_tiff_16bit_exact(tmp_path, channels):
    a = RNG.integers(0, 65536, (8, 10, channels), dtype=np.uint16).squeeze()
    tifffile.imwrite(tmp_path / "t.tif", a, photometric="minisblack" if channels == 1 else "rgb",
                     compression="zlib")
    buf = pio.load(tmp_path / "t.tif")
    assert buf.bit_depth == 16 and buf.source_format == "TIFF"
    assert np.array_equal(u16(buf.rgb[..., 0] if channels == 1 else buf.rgb), a[..., :3] if channels > 1 else a)
    assert buf.gray == (channels == 1)
    if channels == 4:
        assert np.array_equal(u16(buf.alpha), a[..., 3])


def test_tiff_that_pillow_cannot_open(tmp_path):
    """16-bit gray+alpha and float RGB TIFFs go to tifffile alone."""
    la = RNG.integers(0, 65536, (5, 6, 2), dtype=np.uint16)
    tifffile.imwrite(tmp_path / "la.tif", la, photometric="minisblack", extrasamples=["unassalpha"])
    buf = pio.load(tmp_path / "la.tif")
    assert buf.gray and buf.bit_depth == 16 and np.array_equal(u16(buf.alpha), la[..., 1])
    f = RNG.random((5, 6, 3), dtype=np.float32)
    tifffile.imwrite(tmp_path / "f.tif", f, photometric="rgb")
    buf = pio.load(tmp_path / "f.tif")
    assert buf.bit_depth == 16 and np.allclose(buf.rgb, f)
    assert pio.probe(tmp_path / "la.tif") == pio.ImageProbe(Size(6, 5), "TIFF", "LA", 16)


def test_tiff_8bit_via_pillow(tmp_path):
    a = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    Image.fromarray(a).save(tmp_path / "p.tif", compression="tiff_deflate")
    buf = pio.load(tmp_path / "p.tif")
    assert buf.bit_depth == 8 and np.array_equal(u8(buf.rgb), a)


def test_gray_l_and_bilevel(tmp_path):
    a = RNG.integers(0, 256, (6, 7), dtype=np.uint8)
    Image.fromarray(a).save(tmp_path / "l.png")
    buf = pio.load(tmp_path / "l.png")
    assert buf.gray and np.array_equal(u8(buf.rgb[..., 0]), a)
    assert np.array_equal(buf.rgb[..., 0], buf.rgb[..., 2])
    Image.fromarray(a > 128).save(tmp_path / "b.png")
    bilevel = pio.load(tmp_path / "b.png")
    assert bilevel.gray and bilevel.info["mode"] == "1"
    assert np.array_equal(bilevel.rgb[..., 0] > 0.5, a > 128)


def test_la(tmp_path):
    a = RNG.integers(0, 256, (6, 7, 2), dtype=np.uint8)
    Image.fromarray(a, "LA").save(tmp_path / "la.png")
    buf = pio.load(tmp_path / "la.png")
    assert buf.gray and buf.info["mode"] == "LA"
    assert np.array_equal(u8(buf.rgb[..., 0]), a[..., 0]) and np.array_equal(u8(buf.alpha), a[..., 1])


def test_rgba(tmp_path):
    a = RNG.integers(0, 256, (6, 7, 4), dtype=np.uint8)
    Image.fromarray(a).save(tmp_path / "a.png")
    buf = pio.load(tmp_path / "a.png")
    assert np.array_equal(u8(buf.rgb), a[..., :3]) and np.array_equal(u8(buf.alpha), a[..., 3])


def test_palette_with_transparency(tmp_path):
    im = Image.new("P", (4, 3))
    im.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    im.putpixel((0, 0), 1)
    im.info["transparency"] = 0
    im.save(tmp_path / "p.png", transparency=0)
    im.save(tmp_path / "p.gif", transparency=0)
    for name in ("p.png", "p.gif"):
        buf = pio.load(tmp_path / name)
        assert buf.info["mode"] == "P" and buf.alpha is not None
        assert buf.alpha[0, 0] == 1.0 and buf.alpha[1, 1] == 0.0
        assert np.array_equal(u8(buf.rgb[0, 0]), [0, 255, 0])


def test_palette_without_transparency(tmp_path):
    a = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    Image.fromarray(a).convert("P").save(tmp_path / "p.png")
    buf = pio.load(tmp_path / "p.png")
    assert buf.alpha is None and not buf.gray and buf.bit_depth == 8


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
def test_cmyk_converted_to_rgb(tmp_path, fmt):
    cmyk = Image.new("CMYK", (16, 8), (0, 255, 255, 0))  # pure red ink
    path = tmp_path / f"c.{fmt.lower()}"
    cmyk.save(path, fmt)
    buf = pio.load(path)
    assert buf.info["mode"] == "CMYK" and buf.icc_profile is None
    r, g, b = u8(buf.rgb).reshape(-1, 3).mean(axis=0)
    assert r > 230 and g < 25 and b < 25


def test_cmyk_with_broken_profile_falls_back(tmp_path):
    Image.new("CMYK", (8, 8), (0, 0, 0, 0)).save(tmp_path / "c.jpg", icc_profile=b"not a profile" * 10)
    buf = pio.load(tmp_path / "c.jpg")
    assert u8(buf.rgb).min() > 240  # no ink: white


def test_webp_and_bmp(tmp_path):
    a = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    Image.fromarray(a).save(tmp_path / "a.webp", lossless=True)
    Image.fromarray(a).save(tmp_path / "a.bmp")
    assert np.array_equal(u8(pio.load(tmp_path / "a.webp").rgb), a)
    bmp = pio.load(tmp_path / "a.bmp")
    assert bmp.source_format == "BMP" and np.array_equal(u8(bmp.rgb), a)


# --------------------------------------------------------------------------- orientation and metadata


def test_jpeg_exif_orientation_6_rotates_and_resets(tmp_path):
    a = marked_rgb()
    path = tmp_path / "rot.jpg"
    Image.fromarray(a).save(path, quality=95, exif=exif_bytes(orientation=6))
    buf = pio.load(path)
    assert buf.size == Size(24, 40) and buf.info["orientation"] == 6
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im))
    assert np.array_equal(u8(buf.rgb), expected)
    assert np.abs(u8(buf.rgb)[2, -3].astype(int) - (255, 0, 0)).max() < 40  # red ends top-right
    exif = Image.Exif()
    exif.load(buf.exif)
    assert exif[0x0112] == 1 and exif[0x010F] == "PhotoAI Cam"
    assert exif.get_ifd(0x8769)[0x9003] == "2024:05:06 07:08:09"
    assert pio.probe(path).size == Size(24, 40)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_matches_exif_transpose(tmp_path, orientation):
    a = RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    path = tmp_path / "o.png"
    Image.fromarray(a).save(path, exif=exif_bytes(orientation))
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im))
    assert np.array_equal(u8(pio.load(path).rgb), expected)


def test_reset_orientation_big_endian_keeps_everything_else():
    exif = Image.Exif()
    exif.endian = ">"
    exif[0x0112] = 8
    exif[0x010F] = "X"
    data = exif.tobytes()
    assert data[6:8] == b"MM"
    out = pio.reset_exif_orientation(data)
    assert len(out) == len(data) and sum(x != y for x, y in zip(out, data, strict=True)) == 1
    check = Image.Exif()
    check.load(out)
    assert check[0x0112] == 1 and check[0x010F] == "X"
    assert pio.normalize_exif(data[6:]) == data and pio.normalize_exif(b"junk") is None


def test_icc_and_exif_kept(tmp_path):
    icc = srgb_icc()
    a = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    Image.fromarray(a).save(tmp_path / "m.jpg", icc_profile=icc, exif=exif_bytes(), dpi=(240, 240))
    buf = pio.load(tmp_path / "m.jpg")
    assert buf.icc_profile == icc and buf.exif.startswith(b"Exif\x00\x00")
    assert buf.info["dpi"] == (240.0, 240.0) and buf.source_format == "JPEG"


def test_probe_reads_header_only(tmp_path):
    Image.new("RGB", (30, 20)).save(tmp_path / "a.jpg")
    assert pio.probe(tmp_path / "a.jpg") == pio.ImageProbe(Size(30, 20), "JPEG", "RGB", 8)
    (tmp_path / "b.png").write_bytes(png16_by_hand(np.zeros((3, 5, 3), np.uint16)))
    assert pio.probe(tmp_path / "b.png").bit_depth == 16


# --------------------------------------------------------------------------- failures


def assert_read_error(path: Path, *words: str) -> None:
    with pytest.raises(ImageReadError) as info:
        pio.load(path)
    message = str(info.value)
    assert path.name in message and "Traceback" not in message
    for word in words:
        assert word in message.lower()


@pytest.mark.parametrize("keep", [0.25, 0.6, 0.95])
def test_truncated_jpeg_raises(tmp_path, keep):
    a = RNG.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    Image.fromarray(a).save(tmp_path / "full.jpg", quality=90)
    data = (tmp_path / "full.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: int(len(data) * keep)])
    assert_read_error(cut, "truncated")


def test_truncated_png_raises(tmp_path):
    Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError, match="cut.png"):
        pio.load(tmp_path / "cut.png")


def test_garbage_empty_missing_and_folder(tmp_path):
    (tmp_path / "garbage.jpg").write_bytes(b"this is not a picture" * 20)
    assert_read_error(tmp_path / "garbage.jpg", "not an image")
    (tmp_path / "empty.png").write_bytes(b"")
    assert_read_error(tmp_path / "empty.png", "empty")
    assert_read_error(tmp_path / "missing.png", "does not exist")
    (tmp_path / "folder.png").mkdir()
    assert_read_error(tmp_path / "folder.png", "folder")
    with pytest.raises(ImageReadError, match="garbage.jpg"):
        pio.probe(tmp_path / "garbage.jpg")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("side", [20_000, 30_000])  # 400 MP (over our limit), 900 MP (Pillow's bomb)
def test_huge_image_refused_before_decoding(tmp_path, side):
    (tmp_path / "huge.png").write_bytes(png_by_hand(side, side, 8, 2, b"\x00" * 64))  # header only
    assert_read_error(tmp_path / "huge.png", "too large")


def test_unknown_raw_gives_clear_message(tmp_path):
    pytest.importorskip("rawpy")
    (tmp_path / "fake.cr2").write_bytes(b"\x00\x01garbage" * 100)
    assert_read_error(tmp_path / "fake.cr2", "libraw")


# --------------------------------------------------------------------------- camera raw (fake LibRaw)


@pytest.fixture
def fake_libraw(monkeypatch):
    """``rawpy.imread`` answers with the FakeRaw put in ``opened[0]``; records the paths it was given."""
    rawpy = pytest.importorskip("rawpy")
    state: dict = {"raw": None, "paths": []}

    class Opened:
        def __init__(self, path):
            state["paths"].append(path)

        def __enter__(self):
            return state["raw"]

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(rawpy, "imread", Opened)
    return state


CR3_HEAD = b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01crx isom" + bytes(64)


def test_raw_content_decides_not_the_extension(tmp_path, fake_libraw):
    """A raw named .jpg is developed by LibRaw (never Pillow)."""
    fake_libraw["raw"] = FakeRaw(np.full((6, 8, 3), 0.2))
    (tmp_path / "photo.jpg").write_bytes(CR3_HEAD)
    assert pio.is_raw(tmp_path / "photo.jpg")
    buf = pio.load(tmp_path / "photo.jpg")
    assert buf.source_format == "RAW" and buf.size == Size(8, 6) and buf.info["raw_format"] == "cr3"
    assert pio.probe(tmp_path / "photo.jpg") == pio.ImageProbe(Size(8, 6), "RAW", "RGB", 16)


def test_a_raw_libraw_cannot_read_never_opens_as_its_preview(tmp_path):
    """A TIFF-based raw (IFD0 a reduced-resolution preview) that LibRaw refuses: Pillow would open
    the small preview; that must be an error instead."""
    pytest.importorskip("rawpy")
    Image.new("RGB", (32, 21), (200, 40, 40)).save(tmp_path / "photo.jpg", "TIFF", tiffinfo={254: 1})
    assert pio.is_raw(tmp_path / "photo.jpg")
    assert_read_error(tmp_path / "photo.jpg", "libraw", "camera raw")


def test_an_image_named_as_a_raw_opens_as_that_image_without_libraw(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "rawpy", None)  # LibRaw not installed
    Image.new("RGB", (10, 7), (1, 2, 3)).save(tmp_path / "photo.nef", "JPEG")
    assert not pio.is_raw(tmp_path / "photo.nef")
    buf = pio.load(tmp_path / "photo.nef")
    assert buf.source_format == "JPEG" and buf.size == Size(10, 7)
    assert pio.probe(tmp_path / "photo.nef").format == "JPEG"


def test_develop_options_reach_libraw_and_are_recorded_on_the_image(tmp_path, fake_libraw):
    fake = fake_libraw["raw"] = FakeRaw(np.full((6, 8, 3), 0.05))
    (tmp_path / "photo.cr3").write_bytes(CR3_HEAD)
    options = craw.DevelopOptions(auto_exposure=False, exposure=1.5, white_balance="daylight")
    buf = pio.load(tmp_path / "photo.cr3", raw_options=options)
    assert fake.calls[-1]["use_camera_wb"] is False
    record = buf.info["raw_develop"]
    assert craw.DevelopOptions.from_dict({k: record[k] for k in craw.DevelopOptions.keys()}) == options
    assert record["exposure_applied"] == 1.5
    np.testing.assert_allclose(buf.rgb, craw.develop(fake, options).rgb, atol=1 / 65535)
    # the record stays with the photo through an edit, its undo and redo
    doc = Document(buf, tmp_path / "photo.cr3")
    doc.propose(buf.with_pixels(buf.rgb * 0.5), "half", "Half", {})
    doc.keep()
    assert doc.image.info["raw_develop"] == record
    doc.undo()
    doc.redo()
    assert doc.image.info["raw_develop"] == record


def test_default_options_are_auto_exposure_and_the_camera_white_balance(tmp_path, fake_libraw):
    fake = fake_libraw["raw"] = FakeRaw(np.full((6, 8, 3), 0.05))
    (tmp_path / "photo.cr3").write_bytes(CR3_HEAD)
    buf = pio.load(tmp_path / "photo.cr3")
    assert fake.calls[-1]["use_camera_wb"] is True
    assert buf.info["raw_develop"]["auto_exposure"] is True
    assert buf.info["raw_develop"]["exposure_applied"] > 3  # 0.05 of white brought up to white


def test_bad_develop_options_name_the_file(tmp_path, fake_libraw):
    fake_libraw["raw"] = FakeRaw(np.full((6, 8, 3), 0.05), color_matrix=np.zeros((3, 3)))
    (tmp_path / "photo.cr3").write_bytes(CR3_HEAD)
    assert pio.load(tmp_path / "photo.cr3").size == Size(8, 6)  # the defaults need no colour matrix
    with pytest.raises(ImageReadError, match="colour matrix") as info:
        pio.load(tmp_path / "photo.cr3", raw_options=craw.DevelopOptions(white_balance="custom"))
    assert "photo.cr3" in str(info.value)


@pytest.mark.parametrize(("flip", "size"), [(0, Size(8, 6)), (3, Size(8, 6)), (5, Size(6, 8)), (6, Size(6, 8))])
def test_film_scan_orientation(tmp_path, fake_libraw, flip, size):
    scan = fake_libraw["raw"] = film_scan()
    scan.sizes.flip = flip
    (tmp_path / "scan.cr3").write_bytes(CR3_HEAD)
    buf = pio.load(tmp_path / "scan.cr3")
    samples = scan.raw_image_visible[..., :3].astype(np.float32) / 65535
    expected = {0: samples, 3: samples[::-1, ::-1], 5: np.rot90(samples, 1), 6: np.rot90(samples, -1)}[flip]
    assert buf.size == size
    np.testing.assert_allclose(buf.rgb, expected, atol=1e-6)
    assert pio.probe(tmp_path / "scan.cr3").size == size


def test_raw_facts(tmp_path, fake_libraw):
    fake_libraw["raw"] = film_scan()
    (tmp_path / "scan.cr3").write_bytes(CR3_HEAD)
    assert pio.raw_facts(tmp_path / "scan.cr3").kind == "scan"


# --------------------------------------------------------------------------- camera raw (shared data)


def raw_samples() -> list[Path]:
    if not RAW_DIR.is_dir():
        return []
    return sorted(RAW_DIR.glob("*.dng")) + sorted(RAW_DIR.glob("*.nef"))


def clipped_share(rgb: np.ndarray) -> float:
    """Share of pixels with a channel at white."""
    return float((rgb.max(axis=-1) >= 0.999).mean())


def need(name: str) -> Path:
    """The sample raw ``name`` (skips when the shared data or rawpy is missing)."""
    path = require_data(f"raw/{name}", "sample raw")
    pytest.importorskip("rawpy")
    return path


@pytest.mark.parametrize("path", raw_samples() or [None], ids=lambda p: p.name if p else "none")
def test_camera_raw(path):
    if path is None:
        require_data("raw", "sample raws")
        pytest.skip(f"no sample raws in {RAW_DIR}")
    pytest.importorskip("rawpy")
    buf = pio.load(path)
    assert buf.source_format == "RAW" and buf.bit_depth == 16 and not buf.gray
    assert buf.info["raw_format"] == path.suffix.lower().lstrip(".")
    assert buf.rgb.min() >= 0 and buf.rgb.max() <= 1
    # LibRaw's auto-brightening clips about 1 % of pixels by design; a wrong white level clips most of them
    assert clipped_share(buf.rgb) < 0.02
    assert 0.05 < float(buf.rgb.mean()) < 0.8
    assert pio.probe(path) == pio.ImageProbe(buf.size, "RAW", "RGB", 16)


def test_film_scan_nef_is_developed_at_a_plausible_white_level():
    """LibRaw reports a white level of 255 for the scanner's 16-bit samples (87 % came out white)."""
    nef = need(SCAN_NEF)
    buf = pio.load(nef)
    record = buf.info["raw_develop"]
    assert record["kind"] == "scan" and record["reported_white_level"] == 255 and record["white_level"] == 65535
    assert clipped_share(buf.rgb) < 0.001
    # the samples are the scan as the scanner wrote it: the embedded preview is a downscaled copy
    with Image.open(nef) as im:
        preview = np.asarray(im.convert("RGB"), np.float32) / 255
    small = np.asarray(Image.fromarray((buf.rgb * 255 + 0.5).astype(np.uint8)).resize(
        (preview.shape[1], preview.shape[0]), Image.Resampling.BILINEAR), np.float32) / 255
    assert abs(float(small.mean()) - float(preview.mean())) < 0.01
    assert np.corrcoef(small.ravel(), preview.ravel())[0, 1] > 0.95


def test_raw_named_jpg_opens_as_the_full_raw(tmp_path):
    path = tmp_path / "scan.jpg"
    path.write_bytes(need(SCAN_NEF).read_bytes())
    buf = pio.load(path)
    assert buf.source_format == "RAW" and buf.size == Size(869, 593)  # not the 320x218 preview
    assert pio.probe(path) == pio.ImageProbe(Size(869, 593), "RAW", "RGB", 16)


def libraw_default(path: Path, **kw) -> np.ndarray:
    import rawpy

    with rawpy.imread(str(path)) as raw:
        return raw.postprocess(output_bps=16, use_camera_wb=True, gamma=(2.4, 12.92), **kw) / 65535.0


def test_default_develop_is_as_bright_as_libraws_default():
    """Default options = LibRaw's auto-brightening (here +1 EV) with the camera's white balance."""
    dng = need(DNG)
    buf = pio.load(dng)
    reference = libraw_default(dng)
    assert abs(float(buf.rgb.mean()) - float(reference.mean())) < 0.005
    assert float(np.abs(buf.rgb - reference).mean()) < 0.002
    assert buf.info["raw_develop"]["exposure_applied"] == pytest.approx(1.0, abs=0.05)


def test_as_shot_exposure_is_libraws_unbrightened_develop():
    dng = need(DNG)
    buf = pio.load(dng, raw_options=craw.DevelopOptions(auto_exposure=False))
    reference = libraw_default(dng, no_auto_bright=True)
    assert float(np.abs(buf.rgb - reference).mean()) < 0.002


def test_white_balance_choices_on_a_real_raw():
    dng = need(DNG)
    facts = pio.raw_facts(dng)
    assert facts.kind == "camera" and facts.can_set_temperature and facts.as_shot is not None
    t, tint = facts.as_shot

    def develop(**kw) -> np.ndarray:
        return pio.load(dng, raw_options=craw.DevelopOptions(auto_exposure=False, **kw)).rgb

    as_shot = develop()
    same = develop(white_balance="custom", temperature=round(t), tint=round(tint))
    assert float(np.abs(same - as_shot).mean()) < 0.005  # the as-shot temperature reproduces the camera's

    def blue_over_red(rgb: np.ndarray) -> float:
        return float(rgb[..., 2].mean() / rgb[..., 0].mean())

    assert blue_over_red(develop(white_balance="custom", temperature=3000)) > \
        1.3 * blue_over_red(develop(white_balance="custom", temperature=7500))
    for wb in ("auto", "daylight"):
        assert float(np.abs(develop(white_balance=wb) - as_shot).mean()) > 0.005, wb
