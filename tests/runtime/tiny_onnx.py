"""A tiny ONNX network built in the tests (no training, no data) and an independent numpy convolution.

``x -> [x * (1 - mask)] -> Conv 3x3 (C->4, pad 1) -> Relu -> Conv 3x3 stride 2 (4->2, pad 1) -> y``, height
and width dynamic; filter 0 of the first convolution is ten times weaker than the others.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from photoai.core.models import ModelSpec
from photoai.runtime.manifest import read_manifest, sha256_of


def weights(in_channels: int = 3, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    w1 = rng.normal(0, 0.5, (4, in_channels, 3, 3)).astype(np.float32)
    w1[0] *= 0.1  # a weak filter: on the shared scale it stays close to gray
    return {"conv1.weight": w1, "conv1.bias": rng.normal(0, 0.1, 4).astype(np.float32),
            "conv2.weight": rng.normal(0, 0.5, (2, 4, 3, 3)).astype(np.float32),
            "conv2.bias": rng.normal(0, 0.1, 2).astype(np.float32)}


def build(in_channels: int = 3, mask: bool = False, seed: int = 0) -> tuple[onnx.ModelProto, dict[str, np.ndarray]]:
    """The graph and its weights."""
    w = weights(in_channels, seed)
    nodes, inputs = [], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, in_channels, "H", "W"])]
    first = "x"
    inits = [numpy_helper.from_array(v, k) for k, v in w.items()]
    if mask:
        inputs.append(helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1, "H", "W"]))
        inits.append(numpy_helper.from_array(np.array(1.0, np.float32), "one"))
        nodes += [helper.make_node("Sub", ["one", "mask"], ["valid"], name="valid"),
                  helper.make_node("Mul", ["x", "valid"], ["masked"], name="masked")]
        first = "masked"
    nodes += [
        helper.make_node("Conv", [first, "conv1.weight", "conv1.bias"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "conv2.weight", "conv2.bias"], ["y"], name="conv2", pads=[1, 1, 1, 1],
                         strides=[2, 2]),
    ]
    graph = helper.make_graph(nodes, "tiny", inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, None, None])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, w


def install(folder: Path, model_id: str = "tiny", in_channels: int = 3, mask: bool = False, color: str = "rgb",
            size_multiple: int = 1, seed: int = 0) -> tuple[ModelSpec, dict[str, np.ndarray]]:
    """Write the network and a manifest entry into ``folder``; returns its spec (as the runtime reads it)."""
    folder.mkdir(parents=True, exist_ok=True)
    model, w = build(in_channels, mask, seed)
    path = folder / f"{model_id}.onnx"
    onnx.save(model, str(path))
    entry = {"id": model_id, "file": path.name, "sha256": sha256_of(path), "task": "test", "arch": "tiny",
             "title": f"Tiny test network {model_id}", "in_channels": in_channels, "out_channels": 2,
             "inputs": ["x", "mask"] if mask else ["x"], "color": color, "size_multiple": size_multiple,
             "output_range": None}
    manifest = folder / "manifest.json"
    existing = json.loads(manifest.read_text())["models"] if manifest.is_file() else []
    manifest.write_text(json.dumps({"models": [*existing, entry]}))
    return next(s for s in read_manifest(folder) if s.id == model_id), w


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 1) -> np.ndarray:
    """(C, H, W) x (O, C, k, k) -> (O, H', W'), zero padding: a direct sum over each window."""
    k = w.shape[2]
    xp = np.pad(x.astype(np.float64), ((0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(1, 2))[:, ::stride, ::stride]
    return (np.einsum("chwij,ocij->ohw", windows, w.astype(np.float64)) + b[:, None, None]).astype(np.float32)
