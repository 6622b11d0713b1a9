"""A torch module to a checked ONNX file: the one export mechanism of the model importer
(:mod:`photoai.runtime.importer`) and the plugins' export scripts.

:func:`export_onnx` writes opset 17 with dynamic height and width on every NCHW input (the dynamo
exporter, else the TorchScript one); :func:`verify_onnx` compares ONNX Runtime with torch on inputs
of several sizes; :func:`export_checked` does both and only then replaces the destination
(:func:`atomic_path`). Only export and import use this module: torch (with onnx and onnxscript) and
ONNX Runtime are imported inside its functions, and the app never imports it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from photoai.core.atomic import atomic_path
from photoai.core.errors import ModelError, one_line

if TYPE_CHECKING:
    import torch

OPSET = 17
TOLERANCE = 1e-4  # max |ONNX Runtime - torch|, relative to the output's magnitude when that exceeds 1
NOISY_LOGGERS = ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript")  # exporter chatter users need not see


@contextlib.contextmanager
def quiet_exporter() -> Iterator[None]:
    """The exporters' warnings and log lines silenced (they are about torch internals, not the user's file)."""
    loggers = [logging.getLogger(n) for n in NOISY_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _dynamic_shapes(inputs: Sequence[torch.Tensor], size_multiple: int, min_size: int,
                    batch: bool) -> tuple[dict[int, Any] | None, ...]:
    """The dynamo exporter's ``dynamic_shapes``: height and width (multiples of ``size_multiple``, at
    least ``min_size``) of every NCHW input, and the batch when ``batch``."""
    from torch.export import Dim

    m = size_multiple
    if m > 1:
        height, width = (m * Dim(f"{n}_blocks", min=max(1, math.ceil(min_size / m))) for n in ("h", "w"))
    else:
        height, width = (Dim(n, min=max(2, min_size)) for n in ("height", "width"))
    dims: dict[int, Any] = {0: Dim("batch"), 2: height, 3: width} if batch else {2: height, 3: width}
    return tuple(dims if x.dim() == 4 else None for x in inputs)


def export_onnx(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], path: Path, *,
                input_names: Sequence[str], output_names: Sequence[str] = ("output",), size_multiple: int = 1,
                min_size: int = 1, dynamic_batch: bool = False, dynamo: bool = True) -> None:
    """Write ``module`` (eval mode) traced at ``inputs`` to ``path``: ONNX opset 17 whose NCHW inputs
    and output have dynamic height and width (see :func:`_dynamic_shapes`; also the batch if
    ``dynamic_batch``). The dynamo exporter first (unless ``dynamo`` is False), else the TorchScript
    one; ModelError if neither exports it."""
    import torch

    module = module.eval()
    common: dict[str, Any] = {"input_names": list(input_names), "output_names": list(output_names),
                              "opset_version": OPSET}
    first_error: Exception | None = None
    with quiet_exporter():
        if dynamo:
            dims = _dynamic_shapes(inputs, size_multiple, min_size, dynamic_batch)
            try:
                torch.onnx.export(module, inputs, str(path), dynamic_shapes=dims, dynamo=True, external_data=False,
                                  verbose=False, **common)
                return
            except Exception as e:  # noqa: BLE001 - fall back to the TorchScript exporter
                first_error = e
        axis = {0: "batch", 2: "height", 3: "width"} if dynamic_batch else {2: "height", 3: "width"}
        nchw = [n for n, x in zip(input_names, inputs, strict=True) if x.dim() == 4]
        axes = {n: axis for n in [*nchw, *output_names]}
        try:
            torch.onnx.export(module, inputs, str(path), dynamic_axes=axes, dynamo=False, **common)
        except Exception as e:  # noqa: BLE001 - the exporters raise many types
            raise ModelError(f"the network could not be exported to ONNX: {one_line(first_error or e)}") from None


def grown_inputs(inputs: Iterable[torch.Tensor], size_multiple: int = 1) -> list[tuple[np.ndarray, ...]]:
    """Check cases from example inputs: as they are, and with every NCHW input grown (replicate
    padding at the bottom/right) by one size multiple in height and two in width."""
    import torch

    def grown(x: torch.Tensor, dh: int, dw: int) -> np.ndarray:
        return (torch.nn.functional.pad(x, (0, dw, 0, dh), mode="replicate") if x.dim() == 4 else x).numpy()

    inputs = tuple(inputs)
    m = size_multiple
    return [tuple(grown(x, dh, dw) for x in inputs) for dh, dw in ((0, 0), (m, 2 * m))]


def _session(path: Path, what: str) -> Any:
    """A CPU ONNX Runtime session of ``path``; ModelError naming ``what`` if it does not load."""
    import onnxruntime as ort

    try:
        return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - ORT raises its own types
        raise ModelError(f"{what} does not load in ONNX Runtime: {one_line(e)}") from None


def compare_onnx(path: Path, reference: Callable[[tuple[np.ndarray, ...]], np.ndarray],
                 cases: Iterable[tuple[np.ndarray, ...]], tolerance: float, what: str, against: str) -> float:
    """The largest |ONNX Runtime(``path``) - ``reference``| over ``cases`` (each a tuple of float32
    inputs), relative to the output's magnitude where that exceeds 1 (a NaN where the reference has a number,
    or an infinity on either side, counts as infinite; NaN on both sides as equal); ModelError (naming ``what`` and
    ``against``) if the file does not load, an output shape differs or the difference exceeds ``tolerance``."""
    session = _session(path, what)
    names = [i.name for i in session.get_inputs()]
    worst = 0.0
    for inputs in cases:
        expected = reference(inputs)
        got = session.run(None, dict(zip(names, inputs, strict=True)))[0]
        if got.shape != expected.shape:
            raise ModelError(f"{what} gives shape {got.shape} where {against} gives {expected.shape}")
        with np.errstate(invalid="ignore"):  # inf - inf
            diff = np.where(np.isnan(got) & np.isnan(expected), 0.0, np.abs(got - expected))  # NaN elsewhere: inf
        scale = max(1.0, float(np.nan_to_num(np.abs(expected), nan=0.0, posinf=0.0).max()))
        worst = max(worst, float(np.nan_to_num(diff, nan=np.inf).max()) / scale)
    if not worst <= tolerance:
        raise ModelError(f"{what} differs from {against} by {worst:.2e} (more than {tolerance:g})")
    return worst


def verify_onnx(module: torch.nn.Module, path: Path, cases: Iterable[tuple[np.ndarray, ...]],
                tolerance: float = TOLERANCE) -> float:
    """:func:`compare_onnx` of the file at ``path`` against ``module`` (eval mode, torch)."""
    import torch

    module = module.eval()

    def reference(inputs: tuple[np.ndarray, ...]) -> np.ndarray:
        with torch.inference_mode():
            return module(*(torch.from_numpy(x) for x in inputs)).numpy()

    return compare_onnx(path, reference, cases, tolerance, "the ONNX export", "torch")


def export_checked(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], path: Path, *,
                   cases: Iterable[tuple[np.ndarray, ...]], tolerance: float = TOLERANCE, **options: Any) -> float:
    """:func:`export_onnx` (``options`` are its keywords) checked by :func:`verify_onnx` on ``cases``,
    and only then moved to ``path`` (a failure leaves ``path`` as it was). Returns the largest difference."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        export_onnx(module, inputs, tmp, **options)
        return verify_onnx(module, tmp, cases, tolerance)


def _to_float16(src: Path, dst: Path) -> None:
    """Write ``src`` with float16 weights and arithmetic to ``dst`` (inputs and outputs stay float32), its
    nodes in topological order (the converter appends its casts at the end, which ``onnx.checker`` refuses)."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    from photoai.runtime.inspector.graph import sort_nodes

    model = convert_float_to_float16(onnx.load(src), keep_io_types=True)
    sort_nodes(model.graph)
    onnx.checker.check_model(model)
    onnx.save(model, dst)


def float16_weights(module: torch.nn.Module, path: Path, cases: Iterable[tuple[np.ndarray, ...]],
                    tolerance: float) -> float:
    """Store the ONNX model at ``path`` in float16 (:func:`_to_float16`), check it against ``module`` within
    ``tolerance`` and only then replace ``path``. Returns the largest difference."""
    with atomic_path(path) as tmp:
        _to_float16(path, tmp)
        return verify_onnx(module, tmp, cases, tolerance=tolerance)


def float16_copy(src: Path, dst: Path, cases: Iterable[tuple[np.ndarray, ...]], tolerance: float) -> float:
    """Write a float16 copy of the float32 ONNX file ``src`` to ``dst`` (:func:`_to_float16`), checked against
    ``src`` in ONNX Runtime on ``cases`` within ``tolerance`` before ``dst`` is replaced; returns the largest
    (relative) difference."""
    session = _session(src, "the float32 model")
    names = [i.name for i in session.get_inputs()]
    with atomic_path(dst) as tmp:
        _to_float16(src, tmp)
        return compare_onnx(tmp, lambda inputs: session.run(None, dict(zip(names, inputs, strict=True)))[0],
                            cases, tolerance, "the float16 copy", "the float32 model")
