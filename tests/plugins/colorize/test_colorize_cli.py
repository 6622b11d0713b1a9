"""Headless with the shipped model: ``photoai run colorize`` on a gray PNG, a gray JPEG with an ICC profile,
a 16-bit gray TIFF and a colour photo (files made here); the output is colour and keeps the lightness."""

from __future__ import annotations

import struct
import subprocess
import sys

import numpy as np
import pytest
import tifffile
from PIL import Image

from photoai.core.color import lightness
from photoai.core.io import load

from .conftest import photo


def gray_icc() -> bytes:
    """A minimal ICC v2 header of a gray display profile (no tags): what the loader keeps as metadata."""
    body = bytearray(132)
    for offset, value in ((4, b"none"), (8, b"\x02\x10\x00\x00"), (12, b"mntr"), (16, b"GRAY"), (20, b"XYZ "),
                          (36, b"acsp")):
        body[offset:offset + 4] = value
    struct.pack_into(">I", body, 0, len(body))
    return bytes(body)


def _gray(h: int = 60, w: int = 90) -> np.ndarray:
    return photo(h, w)[..., 1]


def _write(kind: str, path):
    g = _gray()
    if kind == "png":
        Image.fromarray(np.rint(g * 255).astype(np.uint8)).save(path)
    elif kind == "jpeg":
        Image.fromarray(np.rint(g * 255).astype(np.uint8)).save(path, quality=95, icc_profile=gray_icc())
    elif kind == "tiff16":
        tifffile.imwrite(path, np.rint(g * 65535).astype(np.uint16))
    else:
        Image.fromarray(np.rint(photo(60, 90) * 255).astype(np.uint8)).save(path)
    return path


@pytest.mark.parametrize("kind,suffix", [("png", ".png"), ("jpeg", ".jpg"), ("tiff16", ".tif"), ("colour", ".png")])
def test_run_colorize_on_each_kind_of_input(kind, suffix, tmp_path):
    source = _write(kind, tmp_path / f"in{suffix}")
    out = tmp_path / f"out{suffix}"
    r = subprocess.run([sys.executable, "-m", "photoai", "run", "colorize", str(source), "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    before, after = load(source), load(out)
    assert after.rgb.shape == (60, 90, 3) and not after.gray
    assert np.abs(lightness(after.rgb) - lightness(before.rgb)).mean() < 1.0
    if kind == "jpeg":
        assert after.icc_profile is None  # a gray profile does not describe colour pixels


def test_hints_from_a_file_and_a_hint_outside_the_photo(tmp_path):
    source = _write("png", tmp_path / "in.png")
    inside, outside = tmp_path / "inside.json", tmp_path / "outside.json"
    inside.write_text('[{"x": 10, "y": 20, "rgb": [200, 40, 40]}]')
    outside.write_text('[{"x": 500, "y": 20, "rgb": "#00ff00"}]')
    run = [sys.executable, "-m", "photoai", "run", "colorize", str(source), "-o", str(tmp_path / "out.png"), "--hints"]
    r = subprocess.run([*run, str(inside)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*run, str(outside)], capture_output=True, text=True)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == 2 and len(lines) == 1, r.stderr
    assert lines[0].endswith("parameter 'hints': point 1 (x 500, y 20) is outside the 90x60 image"), lines
