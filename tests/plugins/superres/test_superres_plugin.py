"""The superres plugin contract: sizes, alpha, gray, tiling without seams, cancel, and the shipped models."""

from __future__ import annotations

import json

import numpy as np
import pytest

from photoai.core.errors import Cancelled
from photoai.core.image import ImageBuffer
from photoai.core.jobs import CancelToken, RunContext
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.registry import discover_plugins
from photoai.runtime import Runtime
from photoai.runtime.manifest import sha256_of
from tests.conftest import shipped_runtime

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def plugin():
    return discover_plugins(entry_point_group=None, paths=[]).get("superres")


@pytest.fixture(scope="module")
def random_models(tmp_path_factory):
    """A randomly initialised (non-trivial) network exported for x2 and x3, with a manifest."""
    from photoai_plugins.superres.export import export_onnx
    from photoai_plugins.superres.net import SRNet, receptive_field
    from photoai_plugins.superres.plugin import FAMILIES

    folder = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    net = SRNet(channels=8, blocks=1, scales=(2, 3)).eval()
    for tail in net.tails.values():
        torch.nn.init.normal_(tail.weight, std=0.05)
    entries = []
    for s in (2, 3):
        path = folder / f"superres_x{s}.onnx"
        export_onnx(net, s, path)
        for family, suffix in [(f, x) for f in FAMILIES.values() for x in ("", "-int8")]:
            # one float model stands in for every family and the int8 ones here
            entries.append({"id": f"{family}x{s}{suffix}", "file": path.name, "sha256": sha256_of(path),
                            "scale": s, "in_channels": 1, "out_channels": 1, "task": "superres", "color": "y-bt601",
                            "receptive_field": receptive_field(net)})
    (folder / "manifest.json").write_text(json.dumps({"models": entries}))
    return Runtime(folder, user_models=False)


def image(h=40, w=52, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / 7.0
    base = 0.5 + 0.3 * np.sin(xx + yy)[..., None] * np.array([1.0, 0.6, 0.3])
    return ImageBuffer(np.clip(base + 0.05 * rng.random((h, w, 3)), 0, 1).astype(np.float32))


@pytest.mark.parametrize("scale", [2, 3])
def test_output_is_exactly_scale_times_input(plugin, random_models, scale):
    out = run_plugin(plugin, image(), values={"scale": scale}, runtime=random_models)
    assert out.size == (52 * scale, 40 * scale)


def test_tiles_reproduce_the_whole_image(plugin, random_models):
    img = image(90, 130)
    whole = run_plugin(plugin, img, values={"tile": 1024}, runtime=random_models)
    tiled = run_plugin(plugin, img, values={"tile": 128}, runtime=random_models)
    np.testing.assert_allclose(tiled.rgb, whole.rgb, atol=1e-5)


def test_alpha_is_upscaled_separately_and_gray_stays_gray(plugin, random_models):
    img = image()
    alpha = np.zeros((40, 52), np.float32)
    alpha[:, 26:] = 1.0
    out = run_plugin(plugin, img.with_pixels(img.rgb, alpha), runtime=random_models)
    assert out.alpha.shape == (80, 104) and out.alpha[:, :40].max() < 0.1 and out.alpha[:, 64:].min() > 0.9
    gray = ImageBuffer.from_array((img.rgb[..., 0] * 255).astype(np.uint8))
    out = run_plugin(plugin, gray, runtime=random_models)
    assert out.gray and np.abs(out.rgb[..., 0] - out.rgb[..., 2]).max() < 1e-5


def test_bicubic_method_needs_no_model(plugin):
    out = run_plugin(plugin, image(), values={"model": "bicubic", "scale": 4}, runtime=Runtime("/nonexistent"))
    assert out.size == (208, 160)


def test_cancel_between_tiles(plugin, random_models):
    token = CancelToken()
    ctx = RunContext(on_progress=lambda f, s: f > 0.2 and token.cancel(), token=token)
    with pytest.raises(Cancelled):
        run_plugin(plugin, image(200, 200), values={"tile": 128}, ctx=ctx, runtime=random_models)


def test_shipped_models_are_listed_and_load():
    manifest = shipped_runtime().manifest
    for s in (2, 3, 4):
        for name in (f"superres-x{s}", f"superres-x{s}-int8"):
            spec = manifest.get(name)
            assert spec.scale == s and spec.sha256 == sha256_of(spec.path)
            assert spec.training["command"] and spec.metrics and spec.task == "superres"
    plugin = discover_plugins(entry_point_group=None, paths=[]).get("superres")
    runtime = shipped_runtime()
    accurate = run_plugin(plugin, image(), values={"precision": "float32"}, runtime=runtime)
    fast = run_plugin(plugin, image(), values={"precision": "int8"}, runtime=runtime)
    bicubic = run_plugin(plugin, image(), values={"model": "bicubic"}, runtime=runtime)
    assert accurate.size == fast.size == (104, 80)
    assert np.abs(fast.rgb - accurate.rgb).mean() < 0.01
    assert np.abs(accurate.rgb - bicubic.rgb).mean() > 1e-3  # the network really runs
