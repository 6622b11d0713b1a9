import numpy as np
import pytest

from photoai.core.errors import Cancelled, ParamError, PluginError
from photoai.core.image import ImageBuffer
from photoai.core.jobs import CancelToken, RunContext
from photoai.plugin_api.execute import run_plugin


def test_values_are_validated(registry, small_image):
    with pytest.raises(ParamError):
        run_plugin(registry.get("invert"), small_image, values={"strength": 7})
    out = run_plugin(registry.get("invert"), small_image, values={"strength": "1"})
    np.testing.assert_allclose(out.rgb, 1 - small_image.rgb, atol=1e-6)


def test_input_is_never_modified(registry, small_image):
    before = small_image.rgb.copy()
    run_plugin(registry.get("invert"), small_image)
    np.testing.assert_array_equal(small_image.rgb, before)


def test_mask_shape_and_empty_mask(registry, small_image):
    with pytest.raises(PluginError, match="mask is 5x5"):
        run_plugin(registry.get("invert"), small_image, np.ones((5, 5)))
    mask = np.zeros((24, 32), np.float32)
    mask[:, :16] = 1
    out = run_plugin(registry.get("invert"), small_image, mask)
    np.testing.assert_array_equal(out.rgb[:, 16:], small_image.rgb[:, 16:])


def test_alpha_and_metadata_follow_a_size_change(registry, small_image):
    alpha = np.linspace(0, 1, 24 * 32, dtype=np.float32).reshape(24, 32)
    img = small_image.with_pixels(small_image.rgb, alpha)
    img.icc_profile = b"icc"
    out = run_plugin(registry.get("double"), img, values={"scale": 3})
    assert out.size == (96, 72) and out.alpha.shape == (72, 96) and out.icc_profile == b"icc"
    assert abs(float(out.alpha.mean()) - float(alpha.mean())) < 0.02


def test_gray_source_stays_gray_when_result_is_gray(registry):
    gray = ImageBuffer.from_array(np.tile(np.arange(32, dtype=np.uint8) * 8, (24, 1)))
    out = run_plugin(registry.get("invert"), gray)
    assert out.gray


def test_plugin_exception_becomes_readable_error(registry, small_image):
    with pytest.raises(PluginError, match="Broken failed: ZeroDivisionError: plugin bug"):
        run_plugin(registry.get("broken"), small_image)


def test_cancel_and_progress(registry, small_image):
    seen = []
    token = CancelToken()
    ctx = RunContext(on_progress=lambda f, s: (seen.append((f, s)), f > 0.1 and token.cancel()), token=token)
    with pytest.raises(Cancelled):
        run_plugin(registry.get("slow"), small_image, values={"steps": 100}, ctx=ctx)
    assert any(stage == "Working" for _, stage in seen)


def test_needs_mask_message(small_image):
    from photoai.plugin_api import BasePlugin, PluginInfo

    class NeedsMask(BasePlugin):
        info = PluginInfo("nm", "Fill", needs_mask=True)

        def run(self, request, ctx):
            return request.image

    with pytest.raises(PluginError, match="needs a mask"):
        run_plugin(NeedsMask(), small_image, np.zeros((24, 32)))


def test_wrong_output_size_is_caught(small_image):
    from photoai.plugin_api import BasePlugin, PluginInfo

    class Liar(BasePlugin):
        info = PluginInfo("liar", "Liar")

        def run(self, request, ctx):
            return request.image[:10]

    with pytest.raises(PluginError, match="expected 32x24"):
        run_plugin(Liar(), small_image)


def test_a_given_mask_that_selects_nothing_is_an_error_for_every_plugin(registry, small_image):
    """The CLI's --mask is explicit; the editor's unpainted mask is not and means the whole photo."""
    from photoai.plugin_api import BasePlugin, PluginInfo

    class Fill(BasePlugin):
        info = PluginInfo("fill", "Fill", needs_mask=True)

        def run(self, request, ctx):
            return request.image

    empty = np.zeros((24, 32), np.float32)
    for plugin in (registry.get("invert"), Fill()):
        with pytest.raises(PluginError, match="the mask selects nothing"):
            run_plugin(plugin, small_image, empty, mask_given=True)
    out = run_plugin(registry.get("invert"), small_image, empty)  # the editor, nothing painted
    np.testing.assert_allclose(out.rgb, 1 - small_image.rgb, atol=1e-6)
    with pytest.raises(PluginError, match="needs a mask"):
        run_plugin(Fill(), small_image, empty)
    mask = np.zeros((24, 32), np.uint8)
    mask[0, 0] = 255
    out = run_plugin(registry.get("invert"), small_image, mask, mask_given=True)  # one pixel is a selection
    np.testing.assert_allclose(out.rgb[0, 0], 1 - small_image.rgb[0, 0], atol=1e-6)
    np.testing.assert_array_equal(out.rgb[1:], small_image.rgb[1:])
