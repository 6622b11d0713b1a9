"""The model inspector (photoai.runtime.inspector) on a tiny ONNX network built here and on the shipped models."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from photoai.core.errors import Cancelled, ModelError  # noqa: E402
from photoai.core.geometry import Rect  # noqa: E402
from photoai.core.jobs import RunContext  # noqa: E402
from photoai.core.resize import rgb_to_ycbcr  # noqa: E402
from photoai.runtime.inspector import ModelInspector  # noqa: E402
from photoai.runtime.inspector import graph as graph_mod  # noqa: E402
from photoai.runtime.inspector.activations import mask_response  # noqa: E402
from photoai.runtime.inspector.render import colorize, filter_grid, filter_picture, grid, normalize  # noqa: E402
from tests.conftest import shipped_runtime  # noqa: E402
from tests.runtime import tiny_onnx  # noqa: E402


@pytest.fixture
def tiny(tmp_path):
    spec, weights = tiny_onnx.install(tmp_path / "models")
    return ModelInspector(spec), weights


@pytest.fixture(scope="module")
def shipped():
    return shipped_runtime()


def photo(h: int = 17, w: int = 23, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).random((h, w, 3), dtype=np.float32)


# ------------------------------------------------------------------------------------------ layers
def test_layer_list_matches_the_graph(tiny):
    inspector, w = tiny
    probe = inspector.probe(photo(20, 30))
    layers = inspector.layers(probe)
    assert [(la.name, la.op) for la in layers] == [(n.name, n.op_type) for n in inspector.model.graph.node]
    conv1, relu, conv2 = layers
    assert conv1.inputs[0].shape == (1, 3, 20, 30) and conv1.output_shape == (1, 4, 20, 30)
    assert relu.output_shape == (1, 4, 20, 30) and conv2.output_shape == (1, 2, 10, 15)
    assert [la.params for la in layers] == [w["conv1.weight"].size + 4, 0, w["conv2.weight"].size + 2]
    assert inspector.total_params == sum(v.size for v in w.values())
    assert (conv1.weights, conv1.weight_shape, conv1.kernel, conv1.stride) == ("conv1.weight", (4, 3, 3, 3), (3, 3),
                                                                               (1, 1))
    assert conv2.stride == (2, 2) and conv2.label() == "conv2"
    # receptive field: 3 after the first 3x3 conv, +2 input pixels after the second
    assert [la.receptive_field for la in layers] == [3, 3, 5]
    assert [la.name for la in inspector.conv_layers(probe)] == ["conv1", "conv2"]
    assert inspector.layer("conv2.weight", probe) is conv2 and inspector.layer("r1", probe) is relu
    with pytest.raises(ModelError, match="no layer 'nope'.*conv1, conv2"):
        inspector.layer("nope")


def test_shapes_shape_inference_leaves_open_come_from_a_real_run(tiny, monkeypatch):
    inspector, _ = tiny
    probe = inspector.probe(photo(20, 30))
    inferred = [la.output_shape for la in inspector.layers(probe)]
    blank = ModelInspector(inspector.spec)
    monkeypatch.setattr("photoai.runtime.inspector.model.infer_shapes", lambda model, shapes: {})
    assert [la.output_shape for la in blank.layers(probe)] == inferred


def test_receptive_field_follows_pixel_shuffles_and_matches_the_manifest(shipped):
    for model_id in ("superres-x2", "superres-x3", "superres-x4-int8"):
        spec = shipped.spec(model_id)
        inspector = ModelInspector(spec)
        tail = inspector.layer("tail")
        assert tail.receptive_field == spec.receptive_field == 31
        assert inspector.layer("head").receptive_field == 3


def test_shipped_models_parameters_and_shapes(shipped):
    sr = ModelInspector(shipped.spec("superres-x2"))
    # the manifest counts trained parameters; the graph also holds the fixed 4x1x5x5 bicubic kernel
    assert sr.total_params == shipped.spec("superres-x2").params + 4 * 25
    assert ModelInspector(shipped.spec("superres-x2-int8")).total_params == sr.total_params
    probe = sr.probe(photo(30, 40))
    layers = sr.layers(probe)
    assert all(graph_mod.is_concrete(t.shape) for la in layers for t in la.outputs)
    assert sr.layer("head", probe).output_shape == (1, 48, 30, 40)
    assert layers[-1].output_shape == (1, 1, 60, 80)  # x2

    inpaint = ModelInspector(shipped.spec("inpaint-pconv"))
    assert inpaint.total_params == shipped.spec("inpaint-pconv").params
    assert [(s.name, s.channels, s.mask) for s in inpaint.slots] == [("image", 3, False), ("mask", 1, True)]
    first = inpaint.conv_layers()[0]
    assert first.weights == "net.enc.0.weight" and first.weight_shape == (32, 3, 7, 7) and first.receptive_field == 7


def test_int8_weights_are_dequantized(shipped):
    w32 = ModelInspector(shipped.spec("superres-x2")).weights(ModelInspector(shipped.spec("superres-x2")).layer("head"))
    int8 = ModelInspector(shipped.spec("superres-x2-int8"))
    w8 = int8.weights(int8.layer("head"))
    assert w8.shape == w32.shape and w8.dtype == np.float32
    assert np.abs(w8 - w32).max() <= np.abs(w32).max() / 127  # within a quantization step


def test_only_onnx_models(shipped):
    with pytest.raises(ModelError, match="torch-state-dict file; the inspector reads ONNX"):
        ModelInspector(shipped.spec("superres-torch"))


# ------------------------------------------------------------------------------------------ activations
def test_first_layer_activation_equals_a_direct_convolution(tiny):
    inspector, w = tiny
    rgb = photo()
    probe = inspector.probe(rgb, max_side=64)  # smaller than the proxy: the photo itself
    np.testing.assert_array_equal(probe.inputs[0][0], rgb.transpose(2, 0, 1))
    conv1, relu, conv2 = inspector.layers(probe)
    a1, ar, a2 = inspector.activations(probe, [conv1, relu, conv2])
    expected = tiny_onnx.conv2d(rgb.transpose(2, 0, 1), w["conv1.weight"], w["conv1.bias"])
    np.testing.assert_allclose(a1.maps, expected, atol=1e-5)
    np.testing.assert_allclose(ar.maps, np.maximum(expected, 0), atol=1e-5)
    np.testing.assert_allclose(a2.maps, tiny_onnx.conv2d(np.maximum(expected, 0), w["conv2.weight"],
                                                         w["conv2.bias"], stride=2), atol=1e-4)
    assert list(a1.order) == list(np.argsort(-expected.mean(axis=(1, 2))))
    np.testing.assert_allclose(a1.means[a1.order], np.sort(expected.mean(axis=(1, 2)))[::-1], atol=1e-5)


def test_a_large_photo_is_inspected_on_a_proxy_of_its_region(tiny):
    inspector, _ = tiny
    rgb = np.zeros((1200, 1600, 3), np.float32)
    rgb[:, 800:] = 1.0
    probe = inspector.probe(rgb, max_side=64)
    assert probe.size == (48, 64) and probe.region == Rect(0, 0, 1600, 1200) and probe.scale == 64 / 1600
    part = inspector.probe(rgb, region=Rect(700, 100, 200, 100), max_side=64)
    assert part.size == (32, 64)
    x = part.inputs[0][0, 0]
    assert x[:, :31].max() == 0.0 and x[:, 33:].min() == 1.0  # the edge at x = 800 lands in the middle
    act = inspector.activations(part, [inspector.layer("conv1")])[0]
    assert act.maps.shape == (4, 32, 64)


def test_inputs_follow_the_spec(tmp_path):
    spec, _ = tiny_onnx.install(tmp_path / "y", in_channels=1, color="y-bt601", size_multiple=8)
    inspector = ModelInspector(spec)
    rgb = photo(13, 21)
    probe = inspector.probe(rgb, max_side=64)
    assert probe.padded == (16, 24) and probe.size == (13, 21)  # padded to the size multiple
    np.testing.assert_allclose(probe.inputs[0][0, 0, :13, :21], rgb_to_ycbcr(rgb)[..., 0], atol=1e-6)
    act = inspector.activations(probe, [inspector.layer("conv1")])[0]
    assert act.maps.shape == (4, 13, 21)  # cropped back to the photo

    spec, _ = tiny_onnx.install(tmp_path / "m", mask=True)
    inspector = ModelInspector(spec)
    mask = np.zeros((13, 21), np.float32)
    mask[2:6, 3:9] = 1.0
    painted = inspector.probe(rgb, mask, max_side=64)
    np.testing.assert_array_equal(painted.inputs[1][0, 0], mask)
    assert not inspector.probe(rgb, None, max_side=64).inputs[1].any()  # no mask painted: zeros
    act = inspector.activations(painted, [inspector.layer("conv1")])[0]
    assert act.mask is not None and act.mask.coverage == pytest.approx(mask.mean())


def test_mask_response_ranks_channels_inside_versus_outside():
    mask = np.zeros((20, 20), np.float32)
    mask[5:15, 5:15] = 1.0
    rng = np.random.default_rng(0)
    maps = rng.normal(0, 0.1, (3, 20, 20)).astype(np.float32)
    maps[1] += 2 * mask  # responds inside
    maps[2] += 2 * (1 - mask)  # responds outside
    response = mask_response(maps, mask)
    assert response is not None
    assert response.top_inside(1) == [1] and response.top_outside(1) == [2]
    assert response.inside[1] > 1.8 and response.outside[1] < 0.2 and response.coverage == 0.25
    small = mask_response(maps[:, ::2, ::2], mask)  # the mask is resized to the maps
    assert small is not None and small.top_inside(1) == [1]
    assert mask_response(maps, np.zeros_like(mask)) is None


def test_cancel_stops_a_run(tiny):
    inspector, _ = tiny
    ctx = RunContext()
    ctx.token.cancel()
    with pytest.raises(Cancelled):
        inspector.activations(inspector.probe(photo()), [inspector.layer("conv1")], ctx)


# ------------------------------------------------------------------------------------------ pictures
def test_filters_share_one_symmetric_scale(tiny):
    inspector, w = tiny
    f = inspector.filters(inspector.layer("conv1"))
    w1 = w["conv1.weight"]
    assert f.rgb and f.tiles.shape == (4, 3, 3, 3) and (f.rows, f.cols) == (2, 2)
    assert f.scale == pytest.approx(np.abs(w1).max())
    np.testing.assert_allclose(f.tiles, 0.5 + 0.5 * w1.transpose(0, 2, 3, 1) / np.abs(w1).max(), atol=1e-6)
    # one shared scale: the weak filter stays near gray (per-filter scaling would stretch it like the others)
    weak, others = np.abs(f.tiles[0] - 0.5).max(), np.abs(f.tiles[1:] - 0.5).max()
    assert weak / others == pytest.approx(np.abs(w1[0]).max() / np.abs(w1[1:]).max(), rel=1e-4) and weak < 0.1
    assert min(f.tiles.min(), 1 - f.tiles.max()) == pytest.approx(0.0, abs=1e-6)  # the strongest weight spans it
    g = inspector.filters(inspector.layer("conv2"))  # 4 input channels: one gray tile per (output, input)
    assert not g.rgb and g.tiles.shape == (8, 3, 3, 1) and (g.rows, g.cols) == (2, 4)
    pic = filter_picture(g)
    assert pic.dtype == np.uint8 and pic.ndim == 2 and 1.9 < pic.shape[1] / pic.shape[0] < 2.1  # 2 rows x 4
    assert filter_picture(f).ndim == 3 and filter_picture(f).shape[2] == 3


def test_grid_layout_and_capped_filters():
    tiles = np.linspace(0, 1, 5 * 2 * 3).reshape(5, 2, 3, 1).astype(np.float32)
    pic = grid(tiles, cols=3, zoom=2, gap=1)
    assert pic.shape == (1 + 2 * (4 + 1), 1 + 3 * (6 + 1))
    assert pic[1, 1] == round(tiles[0, 0, 0, 0] * 255) and pic[1 + 5, 1 + 7] == round(tiles[4, 0, 0, 0] * 255)
    big = filter_grid(np.ones((300, 300, 3, 3), np.float32), max_outputs=16, max_inputs=8)
    assert big.tiles.shape == (128, 3, 3, 1) and big.shown == (16, 8) and "first 16 x 8" in big.caption()


def test_maps_are_stretched_and_colourized():
    maps = np.stack([np.linspace(0, 5, 121).reshape(11, 11), np.linspace(-1, 1, 121).reshape(11, 11)])
    n = normalize(maps)
    assert n.min() == 0.0 and n.max() == 1.0 and n.shape == maps.shape
    positive, signed = colorize(maps[0]).astype(int), colorize(maps[1]).astype(int)
    assert positive.shape == (11, 11, 3) and positive[0, 0].sum() < 30 and positive[-1, -1].sum() > 600
    assert np.abs(signed[5, 5] - 247).max() <= 3  # zero is the diverging map's white
    assert signed[0, 0, 2] > signed[0, 0, 0] and signed[-1, -1, 0] > signed[-1, -1, 2]  # blue below, red above


# ------------------------------------------------------------------------------------------ feature visualization
def test_feature_visualization_needs_torch(monkeypatch, shipped):
    from photoai.runtime.inspector import features

    spec = shipped.spec("superres-x2")
    assert features.feature_problem(spec, shipped.models()) in ("", features.feature_problem(spec, []))
    monkeypatch.setattr(features, "has_module", lambda name: False)
    assert "needs PyTorch" in features.feature_problem(spec, shipped.models())
    with pytest.raises(ModelError, match="needs PyTorch"):
        features.open_network(spec, shipped.models(), lambda: [])


def test_feature_visualization_raises_the_channel_response(shipped):
    pytest.importorskip("torch")
    from photoai.plugin_api.models import plugin_archs
    from photoai.plugin_api.registry import discover_plugins
    from photoai.runtime.inspector.ascent import channel_response, visualize
    from photoai.runtime.inspector.features import open_network

    spec = shipped.spec("superres-x2")
    assert "not one" in pytest.raises(ModelError, open_network, spec, shipped.models(), lambda: []).value.args[0]
    net = open_network(spec, shipped.models(), lambda: plugin_archs(discover_plugins(entry_point_group=None)))
    inspector = ModelInspector(spec)
    weights = inspector.weights(inspector.layer("body.0.conv2"))
    assert net.layer_module(weights)[0] == "body.0.conv2"  # found by its weights, not by name
    images = visualize(net, weights, [3, 7], spec, size=32, steps=12)
    assert images.shape == (2, 24, 24, 1) and 0 <= images.min() and images.max() <= 1
    gray = np.full((1, 24, 24, 1), 0.5, np.float32)
    for k, channel in enumerate((3, 7)):
        assert channel_response(net, weights, channel, images[k:k + 1], spec)[0] > \
            channel_response(net, weights, channel, gray, spec)[0]
    fixed = inspector.weights(inspector.layer("upsample"))  # the fixed bicubic kernel is no torch parameter
    with pytest.raises(ModelError, match="not a module"):
        net.layer_module(fixed)


def test_a_graph_exported_out_of_order_is_inspected_in_topological_order(tmp_path):
    """Some exporters append nodes after their consumers (ONNX Runtime runs such graphs): the layers come out
    sorted, with their shapes and activations, instead of a KeyError."""
    spec, _ = tiny_onnx.install(tmp_path / "models")
    path = tmp_path / "models" / spec.file
    model = onnx.load(str(path))
    nodes = list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(reversed(nodes))  # conv2, relu1, conv1
    onnx.save(model, str(path))
    inspector = ModelInspector(spec, path=path)
    probe = inspector.probe(photo(20, 30))
    layers = inspector.layers(probe)
    assert [la.name for la in layers] == ["conv1", "relu1", "conv2"]
    assert layers[2].output_shape == (1, 2, 10, 15) and [la.receptive_field for la in layers] == [3, 3, 5]
    assert inspector.activations(probe, [inspector.layer("conv2")])[0].maps.shape[0] == 2


def test_a_model_of_raw_channels_lists_its_layers_but_says_it_takes_no_photo(tmp_path):
    """A 4-channel (packed raw) input: layers and filters from a blank probe; a photo is a clear ModelError."""
    spec, w = tiny_onnx.install(tmp_path / "raw", in_channels=4)
    inspector = ModelInspector(spec)
    layers = inspector.layers()
    assert [la.name for la in layers] == ["conv1", "relu1", "conv2"]
    assert layers[0].inputs[0].shape[1] == 4 and layers[0].weight_shape == w["conv1.weight"].shape
    with pytest.raises(ModelError, match="takes 4 image channels"):
        inspector.probe(photo())
