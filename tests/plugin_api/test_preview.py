"""Previews: a screen-sized result of the visible region (PreviewPlugin) and of a live analysis (LivePreview)."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.errors import ParamError, PluginError
from photoai.core.geometry import Rect
from photoai.core.image import ImageBuffer
from photoai.plugin_api import BasePlugin, ChoiceParam, FloatParam, LivePlugin, PluginInfo, Request, Size
from photoai.plugin_api.execute import analyze_plugin, render_analysis, run_plugin
from photoai.plugin_api.preview import (
    LivePreview,
    PreviewPlugin,
    View,
    can_preview,
    can_preview_live,
    preview_analysis,
    preview_plugin,
)


class Upscale(PreviewPlugin, BasePlugin):
    """Nearest-neighbour x2/x3 plus a gain; records the input sizes it ran on."""

    info = PluginInfo("up", "Up", params=(ChoiceParam("scale", "Scale", choices=(2, 3), default=2),
                                          FloatParam("gain", "Gain", default=1.0, minimum=0.0, maximum=1.0)),
                      changes_size=True)

    def __init__(self) -> None:
        self.inputs: list[tuple[int, int]] = []

    def output_size(self, size, values):
        return Size(size.width * values["scale"], size.height * values["scale"])

    def run(self, request, ctx):
        self.inputs.append(request.image.shape[:2])
        s = request.values["scale"]
        return np.repeat(np.repeat(request.image, s, axis=0), s, axis=1) * request.values["gain"]


class Plain(BasePlugin):
    info = PluginInfo("plain", "Plain")

    def run(self, request, ctx):
        return request.image


class Tint(LivePreview, LivePlugin):
    """Analysis: the mean colour; render: the photo plus ``amount`` of it (works at any resolution)."""

    info = PluginInfo("tint", "Tint", params=(FloatParam("amount", "Amount", default=0.5, minimum=0.0, maximum=1.0,
                                                         live=True),
                                              FloatParam("other", "Other", default=0.0, minimum=0.0, maximum=1.0)))

    def analyze(self, request, ctx):
        return request.image.mean(axis=(0, 1))

    def render(self, analysis, request, ctx):
        return np.clip(request.image * 0.5 + request.values["amount"] * analysis * 0.5, 0, 1)

    def render_preview(self, analysis, request, region, ctx):
        assert not request.image.flags.writeable
        return self.render(analysis, request, ctx)


def gradient(w: int = 400, h: int = 300) -> ImageBuffer:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return ImageBuffer(np.stack([xx / w, yy / h, np.full_like(xx, 0.5)], axis=2))


def test_capabilities_are_declared_once() -> None:
    assert can_preview(Upscale()) and not can_preview(Plain()) and not can_preview(Tint())
    assert can_preview_live(Tint()) and not can_preview_live(Upscale())
    with pytest.raises(PluginError, match="makes no previews"):
        preview_plugin(Plain(), gradient(), View.whole(Size(400, 300), Size(100, 75)))


def test_whole_photo_preview_is_screen_sized_and_runs_on_a_proxy() -> None:
    plugin, image = Upscale(), gradient()
    preview = preview_plugin(plugin, image, View.whole(image.size, Size(200, 200)), values={"scale": 2})
    assert preview.region == Rect(0, 0, 400, 300)
    assert preview.image.rgb.shape == (150, 200, 3)  # the x2 result fitted to the screen
    assert plugin.inputs == [(75, 100)]  # the input scaled by 1/4: its x2 output is the screen's size
    full = run_plugin(plugin, image, values={"scale": 2}).rgb
    small = full.reshape(150, 4, 200, 4, 3).mean(axis=(1, 3))
    assert np.abs(preview.image.rgb - small).max() < 0.01


def test_zoomed_in_preview_runs_on_the_visible_region_only() -> None:
    plugin, image = Upscale(), gradient()
    view = View(Rect(100, 50, 40, 30), Size(240, 180))  # 40x30 input px shown at 6x: x3 needs every pixel
    preview = preview_plugin(plugin, image, view, values={"scale": 3, "gain": 0.5})
    assert preview.region == view.region and preview.values["scale"] == 3
    assert preview.image.rgb.shape == (90, 120, 3)  # the region's x3 result, full detail
    assert plugin.inputs == [(30 + 16, 40 + 16)]  # the region plus the margin, nothing more
    full = run_plugin(plugin, image, values={"scale": 3, "gain": 0.5}).rgb
    np.testing.assert_allclose(preview.image.rgb, full[150:240, 300:420])


def test_preview_values_and_whole_input() -> None:
    class Quick(Upscale):
        preview_values = {"gain": 0.25}
        preview_crops = False

    plugin, image = Quick(), gradient()
    preview = preview_plugin(plugin, image, View(Rect(0, 0, 200, 150), Size(100, 75)), values={"scale": 2})
    assert plugin.inputs == [(300, 400)]  # the whole input at full resolution
    assert preview.image.rgb.shape == (75, 100, 3)
    assert preview.image.rgb.max() <= 0.25 + 1e-6  # the quick values were used
    assert preview.values["gain"] == 1.0  # the values asked for


def test_preview_checks_values_and_leaves_the_image_alone() -> None:
    image = gradient()
    before = image.rgb.copy()
    with pytest.raises(ParamError):
        preview_plugin(Upscale(), image, View.whole(image.size, Size(50, 50)), values={"scale": 5})
    preview_plugin(Upscale(), image, View(Rect(-50, -50, 5000, 5000), Size(80, 60)))  # clamped to the photo
    np.testing.assert_array_equal(image.rgb, before)


def test_live_preview_renders_the_region_at_screen_resolution() -> None:
    plugin, image = Tint(), gradient()
    analysis = analyze_plugin(plugin, image, values={"amount": 0.5})
    view = View(Rect(0, 0, 400, 300), Size(100, 75))
    preview = preview_analysis(plugin, analysis, view, {"amount": 1.0})
    assert preview.image.rgb.shape == (75, 100, 3) and preview.values["amount"] == 1.0
    full = render_analysis(plugin, analysis, {"amount": 1.0}).rgb
    np.testing.assert_allclose(preview.image.rgb, full.reshape(75, 4, 100, 4, 3).mean(axis=(1, 3)), atol=1e-5)
    with pytest.raises(ParamError, match="not a live parameter"):
        preview_analysis(plugin, analysis, view, {"other": 1.0})


def test_a_pixel_budget_takes_the_region_at_less_detail() -> None:
    class Budget(Upscale):
        preview_max_pixels = 40 * 30
        preview_margin = 0

    plugin, image = Budget(), gradient()
    view = View(Rect(100, 50, 80, 60), Size(480, 360))  # needs all 80x60 input pixels: over the budget
    preview = preview_plugin(plugin, image, view, values={"scale": 3})
    assert plugin.inputs == [(30, 40)] and preview.region == view.region
    assert preview.image.rgb.shape == (90, 120, 3)  # less detail than the screen has; stretched when drawn


def test_scaled_inputs_are_kept_for_the_same_view_only() -> None:
    from photoai.plugin_api.preview import ScaledInputs

    plugin, image = Tint(), gradient()
    analysis = analyze_plugin(plugin, image)
    inputs, view = ScaledInputs(), View(Rect(0, 0, 400, 300), Size(100, 75))
    first = preview_analysis(plugin, analysis, view, {"amount": 0.2}, inputs=inputs)
    kept = inputs.get(Request(image.rgb, None, {}), view.region, view.detail()).image
    second = preview_analysis(plugin, analysis, view, {"amount": 0.9}, inputs=inputs)
    assert inputs.get(Request(image.rgb, None, {}), view.region, view.detail()).image is kept  # not scaled again
    assert not np.array_equal(first.image.rgb, second.image.rgb)
    np.testing.assert_allclose(second.image.rgb, preview_analysis(plugin, analysis, view, {"amount": 0.9}).image.rgb)
    other = View(Rect(0, 0, 200, 150), Size(100, 75))
    assert inputs.get(Request(image.rgb, None, {}), other.region, other.detail()).image is not kept
