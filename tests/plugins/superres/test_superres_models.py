"""The superres plugin with models other than its own: imported luma models in their authors' colour
convention, RGB models, clear refusals; and our own architecture recognized for import."""

from __future__ import annotations

import json

import numpy as np
import pytest

from photoai.core.channels import resize_float
from photoai.core.errors import PluginError
from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.core.resize import rgb_to_ycbcr, ycbcr_to_rgb
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.models import resolve_params
from photoai.plugin_api.registry import discover_plugins
from photoai.runtime import Runtime
from photoai.runtime.manifest import sha256_of

onnx = pytest.importorskip("onnx")


def write_nearest_upscaler(path, channels: int, scale: int) -> None:
    """An ONNX model that enlarges NCHW by nearest-neighbour ``scale`` (made without torch)."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", channels, "h", "w"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", channels, "H", "W"])
    scales = helper.make_tensor("scales", TensorProto.FLOAT, [4], [1, 1, scale, scale])
    node = helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="nearest")
    model = helper.make_model(helper.make_graph([node], "up", [x], [y], [scales]),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


@pytest.fixture
def runtime(tmp_path):
    entries = []
    for name, channels, facts in (("fsrcnn-like", 1, {"color": "y-bt601-srcnn", "config": {"chroma": "pil-bicubic"}}),
                                  ("rgb-up", 3, {"color": "rgb"}),
                                  ("dark", 3, {"task": "lowlight"})):
        write_nearest_upscaler(tmp_path / f"{name}.onnx", channels, 2)
        entries.append({"id": name, "file": f"{name}.onnx", "sha256": sha256_of(tmp_path / f"{name}.onnx"),
                        "task": "superres", "scale": 2, "in_channels": channels, "out_channels": channels,
                        "receptive_field": 1, "source": {"file": f"{name}.pth"}, **facts})
    (tmp_path / "manifest.json").write_text(json.dumps({"models": entries}))
    return Runtime(tmp_path, user_models=False)


@pytest.fixture(scope="module")
def plugin():
    return discover_plugins(entry_point_group=None, paths=[]).get("superres")


def photo(h=20, w=26):
    rng = np.random.default_rng(3)
    return ImageBuffer(rng.random((h, w, 3), dtype=np.float32))


def test_imported_models_are_offered_by_the_model_parameter(plugin, runtime):
    params = resolve_params(plugin.info.params, runtime, plugin.info.model_ids)
    model = next(p for p in params if p.key == "model")
    assert model.choices == ("photo", "network", "bicubic", "fsrcnn-like", "rgb-up")  # not the low-light model


def test_a_luma_model_runs_in_its_authors_colour_convention(plugin, runtime):
    img = photo()
    out = run_plugin(plugin, img, values={"model": "fsrcnn-like", "scale": 2, "tile": 128}, runtime=runtime)
    # The authors' recipe: Y in their /256 convention through the net; Cb/Cr from a Pillow-bicubic enlargement.
    y = rgb_to_ycbcr(img.rgb, "y-bt601-srcnn")[..., 0].repeat(2, 0).repeat(2, 1)
    chroma = rgb_to_ycbcr(resize_float(img.rgb, Size(52, 40)), "y-bt601-srcnn")[..., 1:]
    expected = np.clip(ycbcr_to_rgb(np.concatenate([y[..., None], chroma], axis=2), "y-bt601-srcnn"), 0, 1)
    np.testing.assert_allclose(out.rgb, expected, atol=1e-5)
    ours = run_plugin(plugin, img, values={"model": "bicubic", "scale": 2}, runtime=runtime)
    assert np.abs(out.rgb - ours.rgb).mean() > 1e-3


def test_an_rgb_model_sees_all_three_channels_tiled(plugin, runtime):
    img = photo(150, 140)
    out = run_plugin(plugin, img, values={"model": "rgb-up", "scale": 2, "tile": 128}, runtime=runtime)
    np.testing.assert_allclose(out.rgb, img.rgb.repeat(2, 0).repeat(2, 1), atol=1e-6)


def test_wrong_scale_task_or_id_get_clear_messages(plugin, runtime):
    with pytest.raises(PluginError, match="enlarges x2; choose x2"):
        run_plugin(plugin, photo(), values={"model": "rgb-up", "scale": 3}, runtime=runtime)
    with pytest.raises(PluginError, match="lowlight model, not a super-resolution one"):
        run_plugin(plugin, photo(), values={"model": "dark", "scale": 2}, runtime=runtime)
    with pytest.raises(Exception, match="'gone' is not installed"):
        run_plugin(plugin, photo(), values={"model": "gone", "scale": 2}, runtime=runtime)


def test_our_architectures_recognize_our_own_weights():
    torch = pytest.importorskip("torch")
    reg = discover_plugins(entry_point_group=None, paths=[])
    [srnet] = reg.get("superres").architectures()
    state = torch.load(reg.get("superres").models_dir / "superres_net.pt", weights_only=True)
    assert srnet.detect(state["model"]) == {"channels": 48, "blocks": 6, "scales": [2, 3, 4], "scale": 2}
    assert srnet.detect(state["model"], scale=4)["scale"] == 4
    assert srnet.detect(state["model"], scale=5) is None
    [pconv] = reg.get("inpaint").architectures()
    assert pconv.detect(state["model"]) is None and srnet.detect({"enc.0.weight": torch.zeros(8, 3, 7, 7)}) is None
