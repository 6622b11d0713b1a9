"""The inpaint plugin's crop-and-paste logic, with a stand-in model and with the shipped one."""

from dataclasses import dataclass

import numpy as np
import pytest

from photoai.core.errors import PluginError
from photoai.core.export import save
from photoai.core.geometry import Rect, Size
from photoai.core.image import ImageBuffer
from photoai.core.io import load
from photoai.core.jobs import RunContext
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.registry import discover_plugins
from photoai_plugins.inpaint.crops import crop_plan, hole_thickness, merge_overlapping, network_scale


@dataclass
class _Spec:
    size_multiple: int = 64
    task: str = "inpaint"


class MeanFillRuntime:
    """Fills holes with the mean of the valid pixels; records the shapes the model saw."""

    def __init__(self):
        self.calls = []

    def spec(self, model_id):
        return _Spec()

    def load(self, model_id):
        def model(x, m, ctx=None):
            self.calls.append(x.shape)
            valid = 1.0 - m
            mean = (x * valid).sum(axis=(2, 3), keepdims=True) / max(1.0, float(valid.sum()))
            return x * valid + mean * m
        return model


@pytest.fixture(scope="module")
def plugin():
    return discover_plugins(entry_point_group=None, paths=[]).get("inpaint")


def photo(h, w, seed=0):
    rng = np.random.default_rng(seed)
    return ImageBuffer.from_array((rng.random((h, w, 3)) * 255).astype(np.uint8))


def test_crop_plan_grows_and_merges():
    mask = np.zeros((300, 400), bool)
    mask[100:110, 100:120] = True
    mask[100:110, 140:150] = True  # close: crops overlap and merge
    mask[280:290, 380:395] = True  # far corner: its own crop, clamped to the image
    crops = crop_plan(mask, 1.0, 16)
    assert len(crops) == 2
    assert all(c.x >= 0 and c.y >= 0 and c.right <= 400 and c.bottom <= 300 for c in crops)
    assert merge_overlapping([Rect(0, 0, 10, 10), Rect(5, 5, 10, 10), Rect(50, 50, 1, 1)]) == [
        Rect(0, 0, 15, 15), Rect(50, 50, 1, 1)]


def test_outside_mask_is_bit_exact_after_8bit_round_trip(plugin, tmp_path):
    img = photo(96, 128)
    mask = np.zeros((96, 128), np.float32)
    mask[30:50, 40:90] = 1.0
    mask[50:52, 40:90] = 0.5  # a soft edge
    out = run_plugin(plugin, img, mask, {"grow": 0}, RunContext(), MeanFillRuntime())
    save(out, tmp_path / "out.png")
    a = np.asarray(img.rgb * 255 + 0.5, np.uint8)
    b = np.asarray(load(tmp_path / "out.png").rgb * 255 + 0.5, np.uint8)
    outside = mask == 0
    assert np.array_equal(a[outside], b[outside])
    assert not np.array_equal(a[30:50, 40:90], b[30:50, 40:90])


def test_grow_fills_a_disc_around_the_painted_pixel_and_nothing_beyond(plugin):
    img = photo(64, 64)
    mask = np.zeros((64, 64), np.float32)
    mask[32, 32] = 1.0
    out = run_plugin(plugin, img, mask, {"grow": 3}, RunContext(), MeanFillRuntime())
    changed = np.any(out.rgb != img.rgb, axis=2)
    yy, xx = np.mgrid[:64, :64]
    np.testing.assert_array_equal(changed, (yy - 32) ** 2 + (xx - 32) ** 2 <= 9)


def test_large_photo_small_hole_runs_one_small_crop(plugin):
    img = ImageBuffer(np.full((3000, 4000, 3), 0.25, np.float32))
    img.rgb[2000:2020, 3000:3030] = 1.0  # the "object"
    mask = np.zeros((3000, 4000), np.float32)
    mask[1995:2025, 2995:3035] = 1.0
    rt = MeanFillRuntime()
    out = run_plugin(plugin, img, mask, {}, RunContext(), rt)
    assert len(rt.calls) == 1 and max(rt.calls[0][2:]) <= 256
    np.testing.assert_allclose(out.rgb[2000:2020, 3000:3030], 0.25, atol=1e-6)
    assert np.array_equal(out.rgb[:1900], img.rgb[:1900])


def test_hole_thickness_is_the_half_width_whatever_the_length():
    yy, xx = np.mgrid[0:100, 0:100]
    assert hole_thickness((yy - 50) ** 2 + (xx - 50) ** 2 <= 20 ** 2) == 20.5  # a disc of diameter 41
    line = np.zeros((50, 3000), bool)
    line[20:26, 10:2990] = True
    assert hole_thickness(line) == 3.0
    diagonal = np.abs(yy - xx) <= 3  # 7 px across the rows, ~5 px perpendicular
    assert 2.0 <= hole_thickness(diagonal) <= 3.5
    cross = np.zeros((400, 400), bool)
    cross[195:205, :] = cross[:, 195:205] = True  # two long 10 px lines crossing: still 10 px strokes
    assert hole_thickness(cross) <= 10.0  # (7 in truth at the centre; not the 200 of the arms)
    assert hole_thickness(np.zeros((8, 8), bool)) == 0.0


def test_network_scale_keeps_thin_holes_at_full_resolution():
    assert network_scale(Size(800, 600), 300.0, 1024) == 1.0  # fits: as is
    assert network_scale(Size(4000, 3000), 4.0, 1024) == 1.0  # a scratch: full resolution, tiled
    assert network_scale(Size(4000, 3000), 1500.0, 1024) == pytest.approx(1024 / 4000)  # a wide hole: fit
    assert 1024 / 4000 < network_scale(Size(4000, 3000), 300.0, 1024) < 1.0  # between: tiled, scaled


def test_thin_scratch_on_a_large_photo_is_filled_at_full_resolution_in_tiles(plugin):
    img = ImageBuffer(np.full((2000, 3000, 3), 0.25, np.float32))
    mask = np.zeros((2000, 3000), np.float32)
    mask[1000:1006, 100:2900] = 1.0  # a 6 px scratch across the photo
    img.rgb[mask > 0] = 1.0
    rt = MeanFillRuntime()
    out = run_plugin(plugin, img, mask, {"working_size": 256, "grow": 0}, RunContext(), rt)
    assert len(rt.calls) >= 2800 // 256 and all(max(c[2:]) <= 256 + 2 * 32 for c in rt.calls)  # tile + context
    assert len(rt.calls) <= 2 * 2800 // 192  # only tiles along the scratch, not the whole photo
    np.testing.assert_allclose(out.rgb[1000:1006, 100:2900], 0.25, atol=1e-6)
    assert np.array_equal(out.rgb[:990], img.rgb[:990]) and np.array_equal(out.rgb[1016:], img.rgb[1016:])


def test_big_hole_is_scaled_to_working_size(plugin):
    img = photo(900, 1200)
    mask = np.zeros((900, 1200), np.float32)
    mask[100:800, 100:1100] = 1.0
    rt = MeanFillRuntime()
    out = run_plugin(plugin, img, mask, {"working_size": 256, "fill": "smooth"}, RunContext(), rt)
    assert max(rt.calls[0][2:]) <= 256 + 63
    assert out.size == img.size


def test_empty_and_mismatched_masks(plugin):
    img = photo(32, 32)
    with pytest.raises(PluginError, match="needs a mask"):
        run_plugin(plugin, img, np.zeros((32, 32)), {}, RunContext(), MeanFillRuntime())
    with pytest.raises(PluginError, match="mask is 16x16 but the image is 32x32"):
        run_plugin(plugin, img, np.ones((16, 16)), {}, RunContext(), MeanFillRuntime())


def test_shipped_model_fills_a_hole_from_its_surroundings(plugin):
    """The committed network (checksum-verified) fills a hole in a smooth gradient plausibly."""
    from tests.conftest import shipped_runtime

    h, w = 128, 192
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([xx / w, yy / h, 0.5 + 0 * xx], axis=2).astype(np.float32)
    img = ImageBuffer(rgb.copy())
    img.rgb[50:80, 80:120] = [1.0, 0.0, 1.0]  # a magenta "object"
    mask = np.zeros((h, w), np.float32)
    mask[46:84, 76:124] = 1.0
    out = run_plugin(plugin, img, mask, {"grow": 0}, RunContext(), shipped_runtime())
    hole = mask > 0
    assert np.array_equal(out.rgb[~hole], img.rgb[~hole])
    err = np.abs(out.rgb[hole] - rgb[hole]).mean()
    assert err < 0.1, err  # the magenta is gone and the gradient continues


def test_mirrored_passes_average_flipped_predictions(plugin):
    from photoai_plugins.inpaint.plugin import mirrored_average

    def biased(x, m, ctx=None):  # not mirror-equivariant: a ramp along x, a step along y
        h, w = x.shape[2:]
        return np.broadcast_to(np.arange(w, dtype=np.float32) + (np.arange(h)[:, None] < h // 2), x.shape).copy()

    x, m = np.zeros((1, 3, 4, 6), np.float32), np.ones((1, 1, 4, 6), np.float32)
    np.testing.assert_allclose(mirrored_average(biased, x, m, 1, RunContext()), biased(x, m))
    np.testing.assert_allclose(mirrored_average(biased, x, m, 2, RunContext())[0, 0, 0], 2.5 + 1)
    np.testing.assert_allclose(mirrored_average(biased, x, m, 4, RunContext()), 2.5 + 0.5)
    runtime = MeanFillRuntime()
    mask = np.zeros((96, 128), np.float32)
    mask[30:50, 40:90] = 1.0
    run_plugin(plugin, photo(96, 128), mask, {"grow": 0, "passes": 4}, RunContext(), runtime)
    assert len(runtime.calls) == 4


class TintFillRuntime(MeanFillRuntime):
    """Fills holes with a colour: a network's fill is never exactly neutral."""

    def load(self, model_id):
        return lambda x, m, ctx=None: x * (1.0 - m) + np.array([0.6, 0.4, 0.5], np.float32)[None, :, None, None] * m


def test_a_black_and_white_photo_gets_a_gray_fill_and_stays_gray(plugin):
    gray = ImageBuffer.from_array((np.random.default_rng(1).random((64, 96)) * 255).astype(np.uint8))
    assert gray.gray
    mask = np.zeros((64, 96), np.float32)
    mask[20:40, 30:60] = 1.0
    out = run_plugin(plugin, gray, mask, {"grow": 0, "fill": "smooth"}, RunContext(), TintFillRuntime())
    assert out.gray and np.allclose(out.rgb[30, 45], 0.5)  # the tint's mean, in all three channels
    assert run_plugin(plugin, gray, mask, {"grow": 0, "fill": "texture"}, RunContext(), TintFillRuntime()).gray
    colour = run_plugin(plugin, photo(64, 96), mask, {"grow": 0, "fill": "smooth"}, RunContext(), TintFillRuntime())
    np.testing.assert_allclose(colour.rgb[30, 45], [0.6, 0.4, 0.5])  # a colour photo keeps the fill as is


def test_our_architecture_recognizes_the_shipped_checkpoint(plugin):
    torch = pytest.importorskip("torch")
    from pathlib import Path

    state = torch.load(Path(__file__).resolve().parents[3] / "checkpoints" / "inpaint_best.pt", weights_only=True)
    [arch] = plugin.architectures()
    config = arch.detect(state["model"])
    assert config == {**state["config"], "prefill": True}
    net = arch.build(config)
    net.load_state_dict(state["model"], strict=True)
    assert arch.facts(config)["size_multiple"] == 64


def test_an_imported_model_of_another_task_is_refused(plugin):
    class OtherTask(MeanFillRuntime):
        def spec(self, model_id):
            return _Spec(task="superres")

    img = photo(32, 32)
    mask = np.zeros((32, 32), np.float32)
    mask[8:16, 8:16] = 1
    with pytest.raises(PluginError, match="superres model, not an inpainting one"):
        run_plugin(plugin, img, mask, {"model": "x2"}, RunContext(), OtherTask())
