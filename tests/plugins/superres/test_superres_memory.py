"""Super-resolution memory: one output frame (no full-size copies in the plugin or run_plugin), the estimate
that picks the tile and refuses, before any work, a run the machine cannot hold."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest

from photoai.core import image as core_image
from photoai.core import memory, resize
from photoai.core.errors import NotEnoughMemoryError
from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.registry import discover_plugins
from photoai.runtime import Runtime
from tests.conftest import shipped_runtime


@pytest.fixture(scope="module")
def plugin():
    return discover_plugins(entry_point_group=None, paths=[]).get("superres")


@pytest.fixture
def plugin_module(plugin):
    return sys.modules[type(plugin).__module__]


@pytest.fixture
def memory_left(monkeypatch):
    """Set what the machine reports as available (bytes)."""
    def set_available(n: int | None) -> None:
        monkeypatch.setattr(memory, "_meminfo_available", lambda: n)
        monkeypatch.setattr(memory, "_cgroup_headroom", lambda: None)
        monkeypatch.setattr(memory, "_sysconf_available", lambda: None)
    return set_available


def photo(h: int = 150, w: int = 200) -> ImageBuffer:
    return ImageBuffer(np.random.default_rng(0).random((h, w, 3)).astype(np.float32))


def test_refused_in_one_line_before_any_work(plugin, memory_left):
    memory_left(50_000_000)
    missing = Runtime("/nonexistent", user_models=False)  # loading a model would fail differently
    for method in ("photo", "bicubic"):
        with pytest.raises(NotEnoughMemoryError) as e:
            run_plugin(plugin, photo(1000, 1500), values={"scale": 4, "model": method}, runtime=missing)
        message = str(e.value)
        assert "\n" not in message
        assert message.startswith("not enough memory for super-resolution x4 of 1500x1000 (a 6000x4000 result): "
                                  "it needs about ")
        assert message.endswith("50 MB is available; choose a smaller scale, or crop the photo")


def test_auto_tile_is_the_largest_that_fits(plugin_module):
    size = Size(4000, 3000)
    largest, smallest = plugin_module.AUTO_TILES[0], plugin_module.AUTO_TILES[-1]
    assert plugin_module.auto_tile(size, 2, None) == largest
    assert plugin_module.auto_tile(size, 2, 10**12) == largest
    need_384 = plugin_module.memory_needed(size, 2, 384)
    assert plugin_module.memory_needed(size, 2, 512) > need_384  # at x2 the plugin's phase is the peak
    assert plugin_module.auto_tile(size, 2, need_384) == 384
    assert plugin_module.auto_tile(size, 2, 1000) == smallest


def test_estimate_is_about_the_output_frame_and_its_export(plugin_module):
    size = Size(4000, 3000)
    frame = 4000 * 3000 * 16 * 12  # float32 RGB at x4
    need = plugin_module.memory_needed(size, 4, 768)
    assert frame * 1.5 < need < frame * 2  # the frame plus a JPEG encoder's RGBX buffer, nothing like 4 frames
    small = Size(400, 300)  # one tile: the network's share is that of a 400x300 tile, not a 768 px one
    assert plugin_module.memory_needed(small, 2, 768) == plugin_module.memory_needed(small, 2, 1024)


def test_a_run_holds_one_output_frame(plugin, monkeypatch, memory_left):
    """numpy's allocations at their peak (traced) through run_plugin: the output frame, the input-sized
    planes and one network tile; before, 4 frames (chroma, concatenation, conversion, clipped copy)."""
    memory_left(None)
    monkeypatch.setattr(resize, "_BAND_BYTES", 1 << 16, raising=False)  # bands far smaller than the frame
    runtime = shipped_runtime()
    run_plugin(plugin, photo(), values={"scale": 4}, runtime=runtime)  # the model loads outside the trace
    tracemalloc.start()
    try:
        out = run_plugin(plugin, photo(), values={"scale": 4}, runtime=runtime)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert out.size == (800, 600)
    assert peak < 1.8 * out.rgb.nbytes


def test_quantizing_for_export_makes_no_float_copy(monkeypatch):
    monkeypatch.setattr(core_image, "_BAND_ELEMENTS", 1 << 12, raising=False)
    rgb = np.random.default_rng(1).random((300, 400, 3)).astype(np.float32) * 1.2 - 0.1
    tracemalloc.start()
    try:
        u8 = core_image.to_uint(rgb, 8)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.4 * rgb.nbytes  # the uint8 result (a quarter) and a band
    np.testing.assert_array_equal(u8, (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8))
    np.testing.assert_array_equal(core_image.to_uint(rgb, 16), (np.clip(rgb, 0, 1) * 65535 + 0.5).astype(np.uint16))
