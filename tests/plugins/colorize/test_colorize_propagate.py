"""The hints' edge-aware spread after the network (plugins/colorize/propagate.py): exact solve, a hint's
colour at its cell and across its region, not across a strong edge of L; through the plugin too."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.color import rgb_to_lab
from photoai.core.image import ImageBuffer
from photoai.core.jobs import RunContext
from photoai.core.params import validate
from photoai.plugin_api import Request
from photoai.plugin_api.execute import run_plugin
from photoai_plugins.colorize.plugin import ColorizePlugin
from photoai_plugins.colorize.propagate import HintSpread, bilinear_cells, cell_lightness

from .conftest import FakeModel, FakeRuntime

RED = np.array([60.0, 40.0])


def dense_solution(guide: np.ndarray, cells, targets: np.ndarray, sigma: float, reach: float, c: float) -> np.ndarray:
    """The minimizer of the documented energy for each column of ``targets`` (K x C; hints on whole cells), by
    a dense solve."""
    h, w = guide.shape
    n = h * w
    a = np.eye(n) / (reach * max(h, w)) ** 2
    for (di, dj) in ((0, 1), (1, 0)):
        for i in range(h - di):
            for j in range(w - dj):
                k, m = i * w + j, (i + di) * w + j + dj
                link = np.exp(-(guide[i, j] - guide[i + di, j + dj]) ** 2 / (2 * sigma ** 2))
                a[k, k] += link
                a[m, m] += link
                a[k, m] -= link
                a[m, k] -= link
    b = np.zeros((n, targets.shape[1]))
    for (i, j), t in zip(cells, targets, strict=True):
        a[i * w + j, i * w + j] += c
        b[i * w + j] += c * t
    return np.linalg.solve(a, b).reshape(h, w, -1)


@pytest.mark.parametrize("shape", [(9, 13), (13, 9)])
def test_the_block_solve_gives_the_minimizers_of_the_energy(shape):
    rng = np.random.default_rng(1)
    guide = rng.uniform(20, 80, shape)
    cells = [(1, 2), (5, 7), (8, 3)]
    ab = rng.normal(0, 30, (3, 2))
    spread = HintSpread.build(guide, np.asarray(cells, float), ab, sigma=10.0, reach=0.5, confidence=50.0)
    expected = dense_solution(guide, cells, np.concatenate([np.ones((3, 1)), ab], axis=1), 10.0, 0.5, 50.0)
    np.testing.assert_allclose(spread.weight, expected[..., :1], atol=1e-5)
    np.testing.assert_allclose(spread.colour, expected[..., 1:], atol=1e-3)
    pred = rng.normal(0, 10, (*shape, 2)).astype(np.float32)
    np.testing.assert_allclose(spread.apply(pred), pred * (1 - expected[..., :1]) + expected[..., 1:], atol=1e-3)


def test_a_hint_fills_its_region_and_stops_at_a_strong_edge():
    guide = np.full((16, 24), 30.0)
    guide[:, 12:] = 80.0  # a strong edge of L between columns 11 and 12
    pred = np.broadcast_to(np.float32([-20.0, 10.0]), (16, 24, 2))  # the network's colour everywhere
    out = HintSpread.build(guide, np.array([[8.0, 4.0]]), RED[None]).apply(pred)
    np.testing.assert_allclose(out[8, 4], RED, atol=1.0)  # honoured at its cell
    away = np.hypot(*(out - RED).transpose(2, 0, 1)) / np.hypot(*(pred[0, 0] - RED))  # 0: the hint's, 1: the net's
    assert away[7:10, 3:6].max() < 0.4  # near it
    assert away[:, :12].max() < 0.8  # the whole dark region leans to it
    np.testing.assert_allclose(out[:, 12:], pred[:, 12:], atol=0.01)  # nothing across the edge


def test_two_hints_in_one_region_share_it_by_nearness():
    guide = np.full((8, 40), 50.0)
    blue = np.array([-10.0, -50.0])
    out = HintSpread.build(guide, np.array([[4.0, 2.0], [4.0, 37.0]]), np.stack([RED, blue])).apply(
        np.zeros((8, 40, 2), np.float32))
    np.testing.assert_allclose(out[4, 2], RED, atol=1.0)
    np.testing.assert_allclose(out[4, 37], blue, atol=1.0)
    assert np.hypot(*(out[4, 8] - RED)) < np.hypot(*(out[4, 8] - blue))


def test_a_hint_between_cells_binds_the_four_around_it_by_their_bilinear_weights():
    cells, weights = bilinear_cells(np.array([[1.25, 2.5], [-0.4, 9.0]]), (4, 10))
    np.testing.assert_array_equal(cells, [[12, 13, 22, 23], [9, 9, 19, 19]])
    np.testing.assert_allclose(weights, [[0.375, 0.375, 0.125, 0.125], [1.0, 0.0, 0.0, 0.0]])


def test_cell_lightness_is_the_block_mean():
    plane = np.arange(32, dtype=np.float32).reshape(4, 8)
    np.testing.assert_allclose(cell_lightness(plane, 4), [[13.5, 17.5]])


def edge_photo() -> np.ndarray:
    """A gray 96 x 128 photo: a left half about as light as the red hint below, a bright right half."""
    gray = np.full((96, 128, 3), 0.42, np.float32)
    gray[:, 64:] = 0.9
    return gray


def test_the_plugin_honours_a_hint_at_and_near_its_pixel_not_across_an_edge():
    runtime = FakeRuntime(FakeModel(reach=0))  # the fake network: gray off the hint's own cell
    red = {"x": 20, "y": 50, "rgb": [200, 40, 40]}
    out = run_plugin(ColorizePlugin(), ImageBuffer(edge_photo()), None, {"hints": [red]}, RunContext(), runtime).rgb
    ab = rgb_to_lab(out)[..., 1:]
    want = rgb_to_lab(np.array(red["rgb"]) / 255.0)[1:]
    np.testing.assert_allclose(ab[50, 20], want, atol=3.0)  # at its pixel
    dark = np.hypot(*(ab[10:86, 5:52] - want).reshape(-1, 2).T) / np.hypot(*want)  # 0: the hint's colour, 1: gray
    assert dark.max() < 0.5 and np.median(dark) < 0.4  # the dark half, well beyond the hint's cell, leans to it
    assert np.hypot(*ab[:, 72:].reshape(-1, 2).T).max() < 1.0  # the bright half stays gray
    net_only = run_plugin(ColorizePlugin(spread=False), ImageBuffer(edge_photo()), None, {"hints": [red]},
                          RunContext(), runtime).rgb
    assert np.hypot(*rgb_to_lab(net_only)[10:86, 5:52, 1:].reshape(-1, 2).T).min() < 1.0  # the fake alone: a blob


def test_a_live_re_render_with_hints_gives_the_pixels_of_a_full_run():
    image = edge_photo()
    runtime = FakeRuntime(FakeModel(reach=1))
    plugin = ColorizePlugin()
    values = validate(plugin.info.params, {"temperature": 0.6, "saturation": 1.2,
                                           "hints": [{"x": 10, "y": 10, "rgb": [30, 90, 200]},
                                                     {"x": 100, "y": 80, "rgb": [200, 180, 40]}]})
    ctx = RunContext(runtime=runtime)
    analysis = plugin.analyze(Request(image.copy(), None, values), ctx)
    assert analysis.spread is not None
    plugin.render(analysis, Request(image.copy(), None, {**values, "temperature": 0.2}), ctx)
    again = plugin.render(analysis, Request(image.copy(), None, values), ctx)
    full = run_plugin(plugin, ImageBuffer(image), None, values, RunContext(), runtime).rgb
    np.testing.assert_array_equal(again, full)
