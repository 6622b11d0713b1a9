"""Super-resolution streamed to the file (the CLI's path) gives exactly the pixels of the editor's run (one
output frame), in any band size, for our network, an RGB-free bicubic run and small tiles; its memory estimate
is that of a band, not of the frame."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest

from photoai import cli
from photoai.core import export, memory, resize
from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.core.io import load
from photoai.plugin_api.execute import run_plugin, stream_plugin
from photoai.plugin_api.registry import discover_plugins
from tests.conftest import shipped_runtime


@pytest.fixture(scope="module")
def plugin():
    return discover_plugins(entry_point_group=None, paths=[]).get("superres")


@pytest.fixture(scope="module")
def runtime():
    return shipped_runtime()


@pytest.fixture
def plugin_module(plugin):
    return sys.modules[type(plugin).__module__]


def photo(h: int = 53, w: int = 71) -> ImageBuffer:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([np.sin(xx / 5) * 0.4 + 0.5, np.cos(yy / 4) * 0.4 + 0.5, (xx + yy) / (h + w)], axis=2)
    return ImageBuffer(np.clip(base + np.random.default_rng(0).normal(0, 0.03, (h, w, 3)), 0, 1).astype(np.float32))


@pytest.mark.parametrize("values", [
    {"scale": 3, "tile": 128},  # the default Photo int8 network, tiles of 128 px (several rows of tiles)
    {"scale": 2, "model": "network", "precision": "float32", "tile": 128},
    {"scale": 4, "model": "bicubic"},
])
def test_streamed_bands_are_the_frame_of_run_plugin(plugin, plugin_module, runtime, monkeypatch, values):
    values = {**values, "tile": values.get("tile", 128)}
    small = photo(203, 150)
    frame = run_plugin(plugin, small, values=values, runtime=runtime).rgb
    for band_rows in (1, 7, 100):  # chroma, colour conversion and clipping in bands of any height
        monkeypatch.setattr(plugin_module, "BAND_BYTES", 12 * frame.shape[1] * band_rows)
        stream = stream_plugin(plugin, small, values=values, runtime=runtime)
        bands = list(stream.bands())
        assert max(len(b) for b in bands) <= max(band_rows, 1)
        np.testing.assert_array_equal(np.concatenate(bands), frame)


def test_cli_writes_the_file_of_the_editors_result(plugin, runtime, tmp_path, monkeypatch, capsys):
    """16-bit PNG through the CLI (streamed) is the export of run_plugin's frame, byte for byte."""
    src = tmp_path / "in.png"
    export.save(ImageBuffer(photo().rgb, bit_depth=16), src)
    assert cli.main(["run", "superres", str(src), "-o", str(tmp_path / "cli.png"), "--set", "scale=2",
                     "--set", "tile=128"]) == 0
    frame = run_plugin(plugin, load(src), values={"scale": 2, "tile": 128}, runtime=runtime)
    export.save(frame, tmp_path / "frame.png")
    assert (tmp_path / "cli.png").read_bytes() == (tmp_path / "frame.png").read_bytes()
    assert load(tmp_path / "cli.png").bit_depth == 16


def test_a_streamed_run_holds_a_band_not_the_frame(plugin, plugin_module, runtime, monkeypatch, tmp_path):
    """numpy's traced peak while super-resolving x4 straight into a PNG: the input-sized planes, one row of luma
    tiles and a band; not the float32 output frame (the editor's run holds about 1.5 frames at its peak)."""
    monkeypatch.setattr(memory, "_meminfo_available", lambda: None)
    monkeypatch.setattr(memory, "_cgroup_headroom", lambda: None)
    monkeypatch.setattr(memory, "_sysconf_available", lambda: None)
    monkeypatch.setattr(resize, "_BAND_BYTES", 1 << 16)
    monkeypatch.setattr(plugin_module, "BAND_BYTES", 1 << 18)
    monkeypatch.setattr(export, "PNG_FAST_ABOVE", 1000)
    monkeypatch.setattr(export, "_PNG_STRIP_ROWS", 16)  # the strip writer's filter temporaries: 16 rows
    big = photo(400, 200)  # four rows of tiles
    values = {"scale": 4, "tile": 128}
    export.save(stream_plugin(plugin, big, values=values, runtime=runtime), tmp_path / "warm.png")  # model loaded
    tracemalloc.start()
    try:
        export.save(stream_plugin(plugin, big, values=values, runtime=runtime), tmp_path / "out.png")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    frame_bytes = 1600 * 800 * 3 * 4
    assert peak < 0.5 * frame_bytes, peak


def test_streamed_estimate_is_bounded_by_tiles(plugin_module):
    size = Size(4000, 3000)
    frame = 4000 * 3000 * 16 * 12  # the float32 RGB result at x4: 2.3 GB
    streamed = plugin_module.memory_needed(size, 4, 768, streamed=True)
    assert streamed < 0.9 * frame < plugin_module.memory_needed(size, 4, 768)
    assert streamed < 2.5e9  # 12 MP x4 fits in 3 GB with the interpreter
    # bicubic streams in bands: the input planes, two bands, and a JPEG's encoder buffer at most
    assert plugin_module.memory_needed(size, 4, None, streamed=True) < 0.5 * frame
