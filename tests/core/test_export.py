"""photoai.core.export: formats, bit depths, metadata, atomic writes and masks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, JpegImagePlugin
from PIL.TiffImagePlugin import IFDRational

from photoai.core import export
from photoai.core.errors import ImageReadError, ImageWriteError
from photoai.core.export import OverwriteSourceError, load_mask, save, save_mask
from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.core.io import load

RNG = np.random.default_rng(11)


def u16(a: np.ndarray) -> np.ndarray:
    return (np.clip(a, 0, 1) * 65535 + 0.5).astype(np.uint16)


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def camera_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhotoAI Cam"
    exif[0x0112] = 6  # must come back as 1: buffers are always upright
    exif.get_ifd(0x8769)[0x829A] = IFDRational(1, 250)
    exif.get_ifd(0x8825)[0x0001] = "N"
    return exif.tobytes()


def random_buffer(channels: int, bits: int, **meta) -> ImageBuffer:
    dtype = np.uint16 if bits == 16 else np.uint8
    a = RNG.integers(0, np.iinfo(dtype).max + 1, (13, 17, channels), dtype=dtype)
    return ImageBuffer.from_array(a[..., 0] if channels == 1 else a, **meta)


def assert_same_pixels(a: ImageBuffer, b: ImageBuffer) -> None:
    assert np.array_equal(u16(a.rgb), u16(b.rgb))
    assert (a.alpha is None) == (b.alpha is None)
    if a.alpha is not None:
        assert np.array_equal(u16(a.alpha), u16(b.alpha))


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("ext", ["png", "tif"])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_16bit_round_trip_exact(tmp_path, ext, channels):
    buf = random_buffer(channels, 16)
    out = save(buf, tmp_path / f"x.{ext}")
    back = load(out)
    assert back.bit_depth == 16 and back.gray == (channels <= 2)
    assert_same_pixels(buf, back)


@pytest.mark.parametrize("ext", ["png", "tif", "bmp"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_8bit_round_trip_exact(tmp_path, ext, channels):
    buf = random_buffer(channels, 8)
    back = load(save(buf, tmp_path / f"x.{ext}"))
    assert back.bit_depth == 8 and back.gray == (channels == 1)
    if ext == "bmp" and channels == 4:  # no alpha in BMP: composited over white
        return
    assert_same_pixels(buf, back)


def test_reexport_of_loaded_8bit_png_is_bit_exact(tmp_path):
    a = RNG.integers(0, 256, (21, 34, 4), dtype=np.uint8)
    Image.fromarray(a).save(tmp_path / "in.png")
    save(load(tmp_path / "in.png"), tmp_path / "out.png")
    with Image.open(tmp_path / "out.png") as im:
        assert im.mode == "RGBA" and np.array_equal(np.asarray(im), a)


def test_16bit_png_matches_libpng(tmp_path):
    """Cross-check our own 16-bit PNG writer against an independent decoder."""
    cv2 = pytest.importorskip("cv2")
    buf = random_buffer(3, 16)
    save(buf, tmp_path / "x.png")
    decoded = cv2.imread(str(tmp_path / "x.png"), cv2.IMREAD_UNCHANGED)[..., ::-1]
    assert decoded.dtype == np.uint16 and np.array_equal(decoded, u16(buf.rgb))


def test_gray_written_as_gray_and_stale_gray_flag_ignored(tmp_path):
    save(random_buffer(1, 8), tmp_path / "g.png")
    with Image.open(tmp_path / "g.png") as im:
        assert im.mode == "L"
    coloured = random_buffer(3, 8)
    coloured.gray = True  # e.g. a gray photo that a plugin tinted
    save(coloured, tmp_path / "c.png")
    with Image.open(tmp_path / "c.png") as im:
        assert im.mode == "RGB"


def test_webp_lossless_keeps_alpha_and_pixels(tmp_path):
    buf = random_buffer(4, 8)
    back = load(save(buf, tmp_path / "x.webp", lossless=True))
    assert_same_pixels(buf, back)


def test_jpeg_composites_alpha_over_white(tmp_path):
    rgb = np.zeros((16, 16, 3), np.float32)
    alpha = np.zeros((16, 16), np.float32)
    alpha[:, 8:] = 1.0
    back = load(save(ImageBuffer(rgb, alpha=alpha), tmp_path / "a.jpg"))
    assert back.alpha is None
    assert back.rgb[:, :4].min() > 0.95 and back.rgb[:, 12:].max() < 0.05


# --------------------------------------------------------------------------- options


def test_default_bit_depth_follows_source_and_format(tmp_path):
    buf16 = random_buffer(3, 16)
    assert load(save(buf16, tmp_path / "a.png")).bit_depth == 16
    assert load(save(buf16, tmp_path / "a.tiff")).bit_depth == 16
    assert load(save(buf16, tmp_path / "b.png", bit_depth=8)).bit_depth == 8
    assert load(save(buf16, tmp_path / "a.jpg")).bit_depth == 8
    assert load(save(random_buffer(3, 8), tmp_path / "c.png", bit_depth=16)).bit_depth == 16
    with pytest.raises(ImageWriteError, match="16 bits"):
        save(buf16, tmp_path / "d.jpg", bit_depth=16)
    with pytest.raises(ImageWriteError, match="bit depth"):
        save(buf16, tmp_path / "d.png", bit_depth=12)


def test_jpeg_quality_changes_size_and_subsampling(tmp_path):
    buf = random_buffer(3, 8)
    high = save(buf, tmp_path / "high.jpg", quality=95)
    low = save(buf, tmp_path / "low.jpg", quality=40)
    assert high.stat().st_size > low.stat().st_size
    with Image.open(high) as im:
        assert JpegImagePlugin.get_sampling(im) == 0  # 4:4:4
    with Image.open(low) as im:
        assert JpegImagePlugin.get_sampling(im) == 2  # 4:2:0
    with pytest.raises(ImageWriteError, match="quality"):
        save(buf, tmp_path / "bad.jpg", quality=0)


def test_format_argument_and_unknown_extension(tmp_path):
    buf = random_buffer(3, 8)
    out = save(buf, tmp_path / "picture.data", format="png")
    with Image.open(out) as im:
        assert im.format == "PNG"
    with pytest.raises(ImageWriteError, match="picture.xyz"):
        save(buf, tmp_path / "picture.xyz")
    with pytest.raises(ImageWriteError, match="unknown format"):
        save(buf, tmp_path / "picture.png", format="heic")


def test_export_formats_describe_the_dialog():
    assert list(export.EXPORT_FORMATS) == ["JPEG", "PNG", "TIFF", "WEBP", "BMP"]
    jpeg, png = export.EXPORT_FORMATS["JPEG"], export.EXPORT_FORMATS["PNG"]
    assert jpeg.has_quality and not jpeg.supports_alpha and not jpeg.supports_16bit
    assert png.supports_alpha and png.supports_16bit and not png.has_quality
    assert export.EXPORT_FORMATS["WEBP"].supports_lossless
    assert export.format_for_path("x.JPEG") is jpeg and export.format_for_path("x", "tif").name == "TIFF"
    assert png.bit_depths == (8, 16) and jpeg.bit_depths == (8,) and jpeg.title == "JPEG image"


@pytest.mark.parametrize(("name", "expected"), [("jpg", "JPEG"), (".TIF", "TIFF"), ("webp", "WEBP"),
                                                 ("Png", "PNG"), ("heic", None), ("", None)])
def test_find_format_knows_aliases(name, expected):
    fmt = export.find_format(name)
    assert (fmt.name if fmt else None) == expected


def test_dpi_is_checked_by_the_one_reader_helper():
    from photoai.core import io

    assert export.valid_dpi is io.valid_dpi  # one definition for reading and writing
    assert io.valid_dpi((299.9994, 72.001)) == (300.0, 72.0)
    assert io.valid_dpi((0, 300)) is None and io.valid_dpi("300") is None and io.valid_dpi(None) is None


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("ext,bits", [("jpg", 8), ("png", 8), ("png", 16), ("webp", 8), ("tif", 8), ("tif", 16)])
def test_exif_and_icc_round_trip(tmp_path, ext, bits):
    icc = srgb_icc()
    buf = random_buffer(3, bits, icc_profile=icc, exif=camera_exif())
    back = load(save(buf, tmp_path / f"m.{ext}"))
    assert back.icc_profile == icc
    exif = Image.Exif()
    exif.load(back.exif)
    assert exif[0x010F] == "PhotoAI Cam" and exif.get(0x0112, 1) == 1
    assert exif.get_ifd(0x8769)[0x829A] == 1 / 250
    assert exif.get_ifd(0x8825)[0x0001] == "N"


def test_keep_metadata_false_drops_exif_keeps_icc(tmp_path):
    icc = srgb_icc()
    back = load(save(random_buffer(3, 8, icc_profile=icc, exif=camera_exif()), tmp_path / "m.jpg",
                     keep_metadata=False))
    assert back.exif is None and back.icc_profile == icc


def test_exif_too_long_for_jpeg_is_dropped_not_fatal(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "PhotoAI Cam"
    exif.get_ifd(0x8769)[0x927C] = b"\x00" * 70_000  # a huge maker note
    buf = random_buffer(3, 8, exif=exif.tobytes())
    assert load(save(buf, tmp_path / "big.jpg")).exif is None
    assert load(save(buf, tmp_path / "big.png")).exif is not None


def test_rgb_profile_not_embedded_in_gray_file(tmp_path):
    back = load(save(random_buffer(1, 8, icc_profile=srgb_icc()), tmp_path / "g.png"))
    assert back.gray and back.icc_profile is None


def test_dpi_kept(tmp_path):
    buf = random_buffer(3, 16, info={"dpi": (300.0, 300.0)})
    for name in ("d.png", "d.tif", "d.jpg"):
        assert load(save(buf, tmp_path / name)).info["dpi"] == (300.0, 300.0)
    no_dpi = random_buffer(3, 8, info={"dpi": (0, 0)})  # invalid: not written
    assert "dpi" not in load(save(no_dpi, tmp_path / "n.png")).info


# --------------------------------------------------------------------------- atomic writes


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_failed_write_leaves_destination_and_no_temp(tmp_path, monkeypatch):
    dest = tmp_path / "photo.png"
    dest.write_bytes(b"old content")

    def half_then_fail(fp, job):
        fp.write(b"\x89PNG half a file")
        raise RuntimeError("encoder crashed")

    monkeypatch.setitem(export._WRITERS, "PNG", half_then_fail)
    with pytest.raises(ImageWriteError, match="photo.png.*encoder crashed"):
        save(random_buffer(3, 8), dest)
    assert dest.read_bytes() == b"old content"
    assert leftovers(tmp_path) == []
    with pytest.raises(ImageWriteError):
        save(random_buffer(3, 8), tmp_path / "new.png")
    assert not (tmp_path / "new.png").exists() and leftovers(tmp_path) == []


def test_successful_write_replaces_and_keeps_permissions(tmp_path):
    dest = tmp_path / "photo.png"
    dest.write_bytes(b"old")
    if sys.platform != "win32":
        os.chmod(dest, 0o640)
    save(random_buffer(3, 8), dest)
    assert dest.read_bytes().startswith(b"\x89PNG") and leftovers(tmp_path) == []
    if sys.platform != "win32":
        assert dest.stat().st_mode & 0o777 == 0o640


def test_missing_folder_and_read_only_file(tmp_path):
    with pytest.raises(ImageWriteError, match="does not exist"):
        save(random_buffer(3, 8), tmp_path / "nope" / "x.png")
    dest = tmp_path / "locked.png"
    dest.write_bytes(b"keep me")
    os.chmod(dest, 0o444)
    try:
        if os.access(dest, os.W_OK):
            pytest.skip("running with privileges that ignore read-only files")
        with pytest.raises(ImageWriteError, match="read-only"):
            save(random_buffer(3, 8), dest)
        assert dest.read_bytes() == b"keep me"
    finally:
        os.chmod(dest, 0o644)


def test_refuses_to_overwrite_source(tmp_path):
    source = tmp_path / "original.jpg"
    save(random_buffer(3, 8), source)
    before = source.read_bytes()
    buf = load(source)
    for target in (source, tmp_path / "sub" / ".." / "original.jpg"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(OverwriteSourceError, match="original.jpg"):
            save(buf, target, source_path=source)
    if sys.platform != "win32":
        (tmp_path / "link.jpg").symlink_to(source)
        with pytest.raises(OverwriteSourceError):
            save(buf, tmp_path / "link.jpg", source_path=source)
    assert source.read_bytes() == before
    assert issubclass(OverwriteSourceError, ImageWriteError)
    save(buf, source, source_path=source, overwrite_source=True, quality=50)
    assert source.read_bytes() != before
    save(buf, tmp_path / "copy.jpg", source_path=source)  # a different file is fine


@pytest.mark.parametrize("name, kwargs, message", [
    ("out.xyz", {}, "unknown file type '.xyz'"),
    ("nope/out.png", {}, "the folder '.*nope' does not exist"),
    ("file.txt/out.png", {}, "'.*file.txt' is a file, not a folder"),
    ("out.jpg", {"quality": 0}, "quality must be 1-100"),
    ("a" * 252 + ".png", {}, "the name is too long \\(256 bytes; the limit is 255\\)"),
    ("folder.png", {}, "a folder has that name"),
    ("orig.png", {"source_path": "orig.png"}, "it is the original photo"),
])
def test_check_destination_says_what_save_would_refuse(tmp_path, monkeypatch, name, kwargs, message):
    """The CLI checks its output with this before the (slow) run; save() refuses the same things."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("not a folder")
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "orig.png").write_bytes(b"the photo")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ImageWriteError, match=message):
        export.check_destination(tmp_path / name, **kwargs)
    with pytest.raises(ImageWriteError, match=message):
        save(random_buffer(3, 8), tmp_path / name, **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_check_destination_returns_the_format(tmp_path):
    assert export.check_destination(tmp_path / "x.TIF").name == "TIFF"
    assert export.check_destination(tmp_path / "x.png", format="jpeg", quality=1).name == "JPEG"
    assert not any(tmp_path.iterdir())


def test_the_name_limit_is_the_file_systems(tmp_path, monkeypatch):
    """A file system with 100-byte names: a 100-byte name is written (its temporary name shortened to fit),
    a 101-byte one refused up front."""
    real = os.pathconf if hasattr(os, "pathconf") else None

    def pathconf(path, name):
        return 100 if name == "PC_NAME_MAX" else real(path, name)

    monkeypatch.setattr(os, "pathconf", pathconf, raising=False)
    created: list[str] = []
    real_open = open

    def spy_open(file, *args, **kwargs):
        created.append(Path(file).name)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy_open)
    save(random_buffer(3, 8), tmp_path / ("a" * 96 + ".png"))
    assert (tmp_path / ("a" * 96 + ".png")).is_file()
    assert created and all(len(n.encode()) <= 100 for n in created)
    with pytest.raises(ImageWriteError, match="too long .101 bytes; the limit is 100"):
        export.check_destination(tmp_path / ("a" * 97 + ".png"))


# --------------------------------------------------------------------------- masks


def test_mask_round_trip(tmp_path):
    boolean = RNG.random((9, 12)) > 0.5
    save_mask(boolean, tmp_path / "m.png")
    with Image.open(tmp_path / "m.png") as im:
        assert im.mode == "L" and set(np.unique(np.asarray(im))) <= {0, 255}
    back = load_mask(tmp_path / "m.png", Size(12, 9))
    assert back.dtype == np.float32 and back.shape == (9, 12)
    assert np.array_equal(back > 0.5, boolean)
    soft = RNG.random((9, 12)).astype(np.float32)
    save_mask(soft, tmp_path / "s.png")
    assert np.abs(load_mask(tmp_path / "s.png", (12, 9)) - soft).max() <= 0.5 / 255 + 1e-6


def test_mask_size_mismatch_names_both_sizes(tmp_path):
    save_mask(np.ones((9, 12), bool), tmp_path / "m.png")
    with pytest.raises(ImageReadError, match=r"m\.png.*12x9.*40x30"):
        load_mask(tmp_path / "m.png", Size(40, 30))


def test_colour_masks_accepted(tmp_path):
    rgba = np.zeros((4, 5, 4), np.uint8)
    rgba[:, 2:] = 255
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    mask = load_mask(tmp_path / "rgba.png", Size(5, 4))
    assert mask[:, :2].max() == 0.0 and mask[:, 2:].min() == pytest.approx(1.0, abs=1e-3)


def test_mask_bad_input(tmp_path):
    with pytest.raises(ImageWriteError, match="HxW"):
        save_mask(np.zeros((4, 5, 3)), tmp_path / "m.png")
    with pytest.raises(ImageWriteError, match=r"\.png"):
        save_mask(np.zeros((4, 5)), tmp_path / "m.jpg")
    with pytest.raises(ImageReadError, match="missing.png"):
        load_mask(tmp_path / "missing.png", Size(5, 4))


@pytest.mark.parametrize("channels,bits", [(3, 8), (1, 8), (4, 8), (3, 16)])
def test_strip_png_writer_rows_across_strips_decode_exactly(tmp_path, monkeypatch, channels, bits):
    """The fast strip writer (Up filter, several strips: each strip's first row is filtered against the last row
    of the strip before) decodes to the same pixels in an independent decoder."""
    monkeypatch.setattr(export, "PNG_FAST_ABOVE", 0)
    monkeypatch.setattr(export, "_PNG_STRIP_ROWS", 5)
    buf = random_buffer(channels, bits)
    save(buf, tmp_path / "x.png")
    if bits == 16:
        cv2 = pytest.importorskip("cv2")
        decoded = cv2.imread(str(tmp_path / "x.png"), cv2.IMREAD_UNCHANGED)[..., ::-1]
        assert decoded.dtype == np.uint16 and np.array_equal(decoded, u16(buf.rgb))
        return
    assert_same_pixels(buf, load(tmp_path / "x.png"))
