"""The built-in previews: super-resolution on the visible region, inpainting's network-only fill."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from photoai.core.geometry import Rect, Size
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.preview import View, preview_plugin
from photoai.plugin_api.registry import discover_plugins


@pytest.fixture(scope="module")
def registry():
    return discover_plugins(entry_point_group=None, paths=[])


def photo(h: int, w: int) -> ImageBuffer:
    return ImageBuffer(np.random.default_rng(0).random((h, w, 3), dtype=np.float32))


def test_superres_zoomed_in_preview_is_the_full_results_region(registry):
    plugin, image = registry.get("superres"), photo(60, 80)
    values = {"scale": 3, "model": "bicubic"}
    view = View(Rect(20, 10, 30, 20), Size(90, 60))  # the result at 100 %: every output pixel
    preview = preview_plugin(plugin, image, view, values=values)
    full = run_plugin(plugin, image, values=values).rgb
    np.testing.assert_allclose(preview.image.rgb, full[30:90, 60:150], atol=1e-5)


def test_superres_zoomed_out_preview_is_screen_sized(registry):
    plugin, image = registry.get("superres"), photo(120, 160)
    preview = preview_plugin(plugin, image, View.whole(image.size, Size(80, 80)),
                             values={"scale": 4, "model": "bicubic"})
    assert preview.image.rgb.shape == (60, 80, 3)  # not 480x640


def test_inpaint_preview_is_the_network_fill_without_the_texture_pass(registry, monkeypatch):
    from tests.conftest import shipped_runtime

    inpaint = importlib.import_module("photoai_plugins.inpaint.plugin")

    plugin, image = registry.get("inpaint"), photo(96, 400)
    mask = np.zeros((96, 400), np.float32)
    mask[30:70, 40:90] = 1.0  # wide: the full run would add texture
    mask[30:50, 330:350] = 1.0  # far off the view: not filled by the preview
    values = {"fill": "auto", "grow": 0}
    runtime = shipped_runtime()
    network_only = run_plugin(plugin, image, mask, {**values, "fill": "smooth"}, RunContext(), runtime).rgb

    def no_texture(*_args, **_kwargs):
        raise AssertionError("the preview ran the texture pass")

    filled = []
    fill_crop = inpaint.InpaintPlugin._fill_crop
    monkeypatch.setattr(inpaint, "exemplar_fill", no_texture)
    monkeypatch.setattr(inpaint.InpaintPlugin, "_fill_crop",
                        staticmethod(lambda *a, **k: filled.append(a[1].shape) or fill_crop(*a, **k)))
    preview = preview_plugin(plugin, image, View(Rect(32, 24, 64, 48), Size(64, 48)), mask, values,
                             runtime=runtime)
    np.testing.assert_allclose(preview.image.rgb, network_only[24:72, 32:96], atol=1e-6)
    assert preview.values["fill"] == "auto" and len(filled) == 1  # the visible hole's crop only


def test_inpaint_preview_of_a_zoomed_out_view_runs_the_network_small(registry, monkeypatch):
    from tests.conftest import shipped_runtime

    inpaint = importlib.import_module("photoai_plugins.inpaint.plugin")
    plugin, image = registry.get("inpaint"), photo(96, 400)
    mask = np.zeros((96, 400), np.float32)
    mask[30:70, 40:90] = 1.0
    working = []
    fill_crop = inpaint.InpaintPlugin._fill_crop
    monkeypatch.setattr(inpaint.InpaintPlugin, "_fill_crop",
                        staticmethod(lambda *a, **k: working.append(a[3]) or fill_crop(*a, **k)))
    preview = preview_plugin(plugin, image, View.whole(image.size, Size(100, 24)), mask, {"working_size": 1024},
                             runtime=shipped_runtime())
    assert working == [256] and preview.image.rgb.shape == (24, 100, 3)
