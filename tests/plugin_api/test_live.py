"""Live parameters: analyze once, render for new live values through run_plugin's own pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.errors import Cancelled, ParamError, PluginError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import CancelToken, RunContext
from photoai.plugin_api import FloatParam, IntParam, LivePlugin, PluginInfo, Size
from photoai.plugin_api.execute import analyze_plugin, render_analysis, run_live, run_plugin


class Tone(LivePlugin):
    """Analysis: the luminance blurred over ``radius`` rows (counted); render: ``gain`` times it plus the photo."""

    info = PluginInfo("tone", "Tone", params=(
        FloatParam("gain", "Gain", default=0.5, minimum=0.0, maximum=2.0, live=True),
        IntParam("radius", "Radius", default=2, minimum=0, maximum=8),
    ))

    def __init__(self) -> None:
        self.analyzed = 0
        self.rendered = 0

    def analyze(self, request, ctx):
        self.analyzed += 1
        lum = request.image.mean(axis=2)
        r = request.values["radius"]
        return np.stack([np.roll(lum, k, axis=0) for k in range(-r, r + 1)]).mean(axis=0)

    def render(self, analysis, request, ctx):
        self.rendered += 1
        ctx.raise_if_cancelled()
        out = request.image * 0.5 + request.values["gain"] * analysis[..., None] * 0.5
        if request.mask is not None:
            out = request.image + (out - request.image) * request.mask[..., None]
        return out


class Upscale(Tone):
    """Doubles the size; runs on the alpha channel too (``alpha_mode="model"``)."""

    info = PluginInfo("upscale", "Upscale", params=Tone.info.params, changes_size=True, alpha_mode="model")

    def output_size(self, size, values):
        return Size(size.width * 2, size.height * 2)

    def render(self, analysis, request, ctx):
        out = super().render(analysis, request, ctx)
        return out.repeat(2, axis=0).repeat(2, axis=1)


@pytest.fixture
def photo() -> ImageBuffer:
    y, x = np.mgrid[0:24, 0:32].astype(np.float32)
    img = ImageBuffer(np.stack([x / 32, y / 24, np.full_like(x, 0.3)], axis=-1))
    img.icc_profile = b"icc"
    return img


def test_render_gives_run_plugins_pixels_and_analyzes_once(photo):
    plugin = Tone()
    analysis = analyze_plugin(plugin, photo, values={"radius": 3})
    assert plugin.analyzed == 1 and analysis.values == {"gain": 0.5, "radius": 3}
    for gain in (0.0, 0.7, 1.9):
        rendered = render_analysis(plugin, analysis, {"gain": gain})
        ran = run_plugin(plugin, photo, values={"gain": gain, "radius": 3})
        np.testing.assert_array_equal(rendered.rgb, ran.rgb)
        assert rendered.icc_profile == b"icc"
    assert plugin.analyzed == 1 + 3  # one analysis for the renders, one per full run
    assert render_analysis(plugin, analysis).rgb.mean() != render_analysis(plugin, analysis, {"gain": 2}).rgb.mean()


def test_alpha_mask_and_gray_follow_the_same_pipeline(photo):
    alpha = np.linspace(0, 1, 24 * 32, dtype=np.float32).reshape(24, 32)
    img = photo.with_pixels(photo.rgb, alpha)
    mask = np.zeros((24, 32), np.uint8)
    mask[:, 10:] = 255
    plugin = Upscale()
    analysis = analyze_plugin(plugin, img, mask, {"radius": 1})
    assert plugin.analyzed == 2 and analysis.alpha_state is not None  # the RGB and the alpha channel
    rendered = render_analysis(plugin, analysis, {"gain": 1.5})
    ran = run_plugin(plugin, img, mask, {"gain": 1.5, "radius": 1})
    assert rendered.size == (64, 48) and rendered.alpha.shape == (48, 64)
    np.testing.assert_array_equal(rendered.rgb, ran.rgb)
    np.testing.assert_array_equal(rendered.alpha, ran.alpha)
    np.testing.assert_array_equal(rendered.rgb[:, :20], np.repeat(np.repeat(img.rgb, 2, 0), 2, 1)[:, :20])

    gray = ImageBuffer.from_array(np.tile(np.arange(32, dtype=np.uint8) * 8, (24, 1)))
    assert render_analysis(Tone(), analyze_plugin(Tone(), gray), {"gain": 1.0}).gray


def test_a_changed_non_live_value_is_refused(photo):
    plugin = Tone()
    analysis = analyze_plugin(plugin, photo)
    with pytest.raises(ParamError, match="'radius': is not a live parameter"):
        render_analysis(plugin, analysis, {"gain": 1.0, "radius": 5})
    with pytest.raises(ParamError, match="'gain'"):
        render_analysis(plugin, analysis, {"gain": 9})  # validated like any run
    render_analysis(plugin, analysis, {"gain": 1.0, "radius": 2})  # the same non-live value is fine
    other = Tone()
    other.info = PluginInfo("other", "Other", params=Tone.info.params)
    with pytest.raises(PluginError, match="made by 'tone'"):
        render_analysis(other, analysis, {})


def test_plain_plugins_and_plugin_bugs(photo, registry):
    with pytest.raises(PluginError, match="not a LivePlugin"):
        analyze_plugin(registry.get("invert"), photo)

    class Buggy(Tone):
        def render(self, analysis, request, ctx):
            request.image[:] = 0  # the input is read-only for a LivePlugin: same pixels in every path
            return request.image

    plugin = Buggy()
    analysis = analyze_plugin(plugin, photo)
    with pytest.raises(PluginError, match="Tone failed: ValueError: .*read-only"):
        render_analysis(plugin, analysis, {"gain": 1.0})
    with pytest.raises(PluginError, match="Tone failed: ValueError"):
        run_plugin(plugin, photo)


def test_run_live_keeps_the_analysis_and_cancel_stops_a_render(photo):
    plugin = Tone()
    result = run_live(plugin, photo, values={"gain": 0.8})
    np.testing.assert_array_equal(result.image.rgb, run_plugin(Tone(), photo, values={"gain": 0.8}).rgb)
    assert (plugin.analyzed, plugin.rendered) == (1, 1) and result.analysis.values["gain"] == 0.8
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        render_analysis(plugin, result.analysis, {"gain": 0.1}, RunContext(token=token))
