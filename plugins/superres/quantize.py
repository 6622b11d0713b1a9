"""Static int8 quantization of an exported SR model (ONNX Runtime QDQ), for the "fast" setting.

The body's convolutions run in int8 (per-channel weights, uint8 activations calibrated on LR
training images, never on test sets). The first conv, the output convs, the fixed bicubic skip
and the final add stay in float32: they carry the precision of the output.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import onnx

from photoai.core.atomic import atomic_path
from photoai.core.resize import rgb_to_y

from .data import list_images, load_rgb, make_lr, modcrop


def float_nodes(model_path: Path) -> list[str]:
    """Names of the nodes to keep in float32: the first Conv, the last two Convs and what follows them."""
    graph = onnx.load(str(model_path)).graph
    convs = [n.name for n in graph.node if n.op_type == "Conv"]
    tail = {n.name for n in graph.node if n.op_type in ("DepthToSpace", "Pad", "Concat", "Slice")}
    last_add = [n.name for n in graph.node if n.op_type == "Add"][-1:]
    return [convs[0], *convs[-2:], *sorted(tail), *last_add]


def calibration_inputs(folder: Path, scale: int, limit: int = 24, crop: int = 96) -> Iterator[dict[str, np.ndarray]]:
    """LR Y crops (made like the training/eval LR: MATLAB bicubic, 8-bit) of training images."""
    for path in list_images(folder)[:limit]:
        hr = modcrop(load_rgb(path), scale)
        lr = rgb_to_y(make_lr(hr, scale))[:crop, :crop]
        yield {"y_lr": np.ascontiguousarray(lr, np.float32)[None, None]}


def quantize(src: Path, dst: Path, scale: int, calib_dir: Path, input_name: str = "y_lr") -> Path:
    """Write an int8 QDQ copy of ``src`` to ``dst`` (through a temporary file: ``dst`` is whole or untouched)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self, feeds: Sequence[dict[str, np.ndarray]]) -> None:
            self._it = iter(feeds)

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._it, None)

    feeds = [{input_name: f["y_lr"]} for f in calibration_inputs(calib_dir, scale)]
    if not feeds:
        raise RuntimeError(f"no calibration images in {calib_dir}")
    with atomic_path(dst) as tmp:
        quantize_static(str(src), str(tmp), Reader(feeds), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                        nodes_to_exclude=float_nodes(src))
    return dst
