"""What an ONNX graph is made of: its layers (nodes), their tensor shapes for a given input size, the
parameters each holds, the receptive field reached so far, and a convolution's weights.

Shapes come from ONNX shape inference with the inputs fixed to a concrete size; the few a dynamic graph
leaves open (slices sized by ``Shape`` ops, ...) are measured by a real run (:func:`measure_shapes`).
The receptive field is tracked along the graph in input pixels: convolutions and pools grow it by
``(kernel - 1) x step``, strides and pixel shuffles change the step; per-pixel ops keep the largest of
their inputs; ops that mix all positions (global pooling, a reduction over height and width) mark the
layers after them as seeing *global context* on top of their local field; ops it cannot follow
(reshapes, matrix products) leave it unknown. Imports ``onnx`` (a runtime dependency) lazily.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from photoai.core.errors import ModelError

if TYPE_CHECKING:
    import onnx

Dim = int | str | None
Shape = tuple[Dim, ...]

#: Ops whose output at a pixel depends only on their inputs at that pixel (or that only rearrange whole
#: tensors along one axis): the receptive field is the largest of their inputs'.
PER_PIXEL_OPS = frozenset("""
    Abs Add And BatchNormalization Cast Ceil Celu Clip Concat DequantizeLinear Div Dropout Elu Equal Erf Exp
    Expand Floor Gelu Greater GreaterOrEqual HardSigmoid HardSwish Identity LeakyRelu Less LessOrEqual Log Max
    Mean Min Mish Mod Mul Neg Not Or Pad PRelu Pow QuantizeLinear Reciprocal Relu Round Selu Sigmoid Sign
    Sin Cos Slice Softplus Softsign Split Sqrt Sub Sum Tanh ThresholdedRelu Where Xor
""".split())
WINDOW_OPS = frozenset({"Conv", "ConvInteger", "QLinearConv", "MaxPool", "AveragePool", "LpPool"})
GLOBAL_OPS = frozenset({"GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "InstanceNormalization"})
REDUCE_OPS = frozenset({"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                        "ReduceLogSumExp", "ReduceSumSquare"})
RESIZE_OPS = frozenset({"Resize", "Upsample"})
#: Ops that read only their input's shape: their outputs are not pixels.
SHAPE_OPS = frozenset({"Shape", "Size", "ConstantOfShape"})
CONV_OPS = frozenset({"Conv", "ConvTranspose", "ConvInteger", "QLinearConv"})
_FLOAT_TYPES = (1, 10, 11, 16)  # onnx TensorProto FLOAT, FLOAT16, DOUBLE, BFLOAT16


def require_onnx() -> Any:
    """The ``onnx`` module, or a ModelError saying how to install it."""
    try:
        import onnx
    except ImportError:
        raise ModelError('inspecting models needs the onnx package: pip install "onnx>=1.15"') from None
    return onnx


def load_graph(path: Path) -> onnx.ModelProto:
    """The ONNX model in ``path`` (its weights included); a clear error for a file ONNX cannot read."""
    onnx = require_onnx()
    try:
        model = onnx.load(str(path))
    except Exception as e:  # noqa: BLE001 - protobuf raises its own types for foreign files
        raise ModelError(f"{path.name} is not an ONNX model ({type(e).__name__}: {e})") from None
    sort_nodes(model.graph)
    return model


def sort_nodes(graph: onnx.GraphProto) -> None:
    """Put ``graph``'s nodes in topological order, in place (ONNX Runtime runs graphs whose exporter
    appended nodes out of order; the inspector walks them in order). A sorted graph keeps its order;
    nodes whose inputs never appear stay at the end, as they were."""
    onnx = require_onnx()
    available = {"", *(i.name for i in graph.input), *(t.name for t in graph.initializer)}
    pending, ordered = list(graph.node), []
    while pending:
        waiting = []
        for node in pending:
            if all(name in available for name in node.input):
                ordered.append(node)
                available.update(node.output)
            else:
                waiting.append(node)
        if len(waiting) == len(pending):
            ordered += waiting
            break
        pending = waiting
    if all(a is b for a, b in zip(ordered, graph.node, strict=True)):
        return
    copies = []
    for node in ordered:
        copy = onnx.NodeProto()
        copy.CopyFrom(node)
        copies.append(copy)
    del graph.node[:]
    graph.node.extend(copies)


@dataclass(frozen=True)
class Tensor:
    """A tensor a layer reads or writes: its name and shape (``None`` where unknown)."""

    name: str
    shape: Shape | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": None if self.shape is None else list(self.shape)}


@dataclass(frozen=True)
class Field:
    """The receptive field of a tensor: ``size`` input pixels across, ``step`` input pixels between
    neighbouring positions; ``global_context`` when something before it mixed every position."""

    size: float
    step: float
    global_context: bool = False


@dataclass(frozen=True)
class Layer:
    """One node of the graph (``Constant`` nodes aside), as the inspector lists it."""

    index: int
    name: str
    op: str
    inputs: tuple[Tensor, ...]  # what it computes on (weights and constants aside)
    outputs: tuple[Tensor, ...]
    params: int  # elements of the weights it holds (quantized weights counted once)
    weights: str = ""  # a convolution's weight tensor, e.g. "body.0.conv1.weight"
    weight_shape: tuple[int, ...] | None = None
    kernel: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    receptive_field: int | None = None  # in input pixels; None where it cannot be followed
    global_context: bool = False
    on_pixels: bool = True  # False for shape arithmetic (Shape, Squeeze of a size, ...)

    @property
    def is_conv(self) -> bool:
        return self.op in CONV_OPS

    @property
    def has_filters(self) -> bool:
        """A convolution with learned weights (an initializer), not a fixed kernel built in the graph."""
        return self.is_conv and bool(self.weights)

    @property
    def output_shape(self) -> Shape | None:
        return self.outputs[0].shape if self.outputs else None

    def label(self) -> str:
        """What users recognize: the weight's module path for a convolution ("body.0.conv1"), else the name."""
        return self.weights.removesuffix(".weight") if self.weights else self.name

    def receptive_text(self) -> str:
        if self.receptive_field is None:
            return ""
        return f"{self.receptive_field}" + (" + global" if self.global_context else "")

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "op": self.op,
                "inputs": [t.to_dict() for t in self.inputs], "outputs": [t.to_dict() for t in self.outputs],
                "params": self.params, "weights": self.weights or None,
                "weight_shape": None if self.weight_shape is None else list(self.weight_shape),
                "kernel": None if self.kernel is None else list(self.kernel),
                "stride": None if self.stride is None else list(self.stride),
                "receptive_field": self.receptive_field, "global_context": self.global_context,
                "on_pixels": self.on_pixels}


# ------------------------------------------------------------------------------------------ graph facts
class GraphFacts:
    """Initializers, constants and producers of a graph, resolved once."""

    def __init__(self, model: onnx.ModelProto) -> None:
        from onnx import numpy_helper

        self.model = model
        graph = model.graph
        self._to_array = numpy_helper.to_array
        self.initializers = {t.name: t for t in graph.initializer}
        self.constants: dict[str, Any] = {}  # Constant node outputs -> their attribute tensor
        self.producer: dict[str, Any] = {}
        for node in graph.node:
            for out in node.output:
                self.producer[out] = node
            if node.op_type == "Constant":
                for a in node.attribute:
                    if a.name == "value":
                        self.constants[node.output[0]] = a.t
        self.inputs = [i for i in graph.input if i.name not in self.initializers]

    def is_static(self, name: str) -> bool:
        return name in self.initializers or name in self.constants

    def array(self, name: str) -> np.ndarray | None:
        """The value of an initializer or a Constant's output (None for computed tensors)."""
        t = self.initializers.get(name) or self.constants.get(name)
        return None if t is None else np.asarray(self._to_array(t))

    def weight_source(self, name: str) -> str | None:
        """The initializer holding a weight: ``name`` itself, or the quantized tensor a DequantizeLinear reads."""
        if name in self.initializers:
            return name
        node = self.producer.get(name)
        if node is not None and node.op_type == "DequantizeLinear" and node.input[0] in self.initializers:
            return node.input[0]
        return None

    def weight(self, name: str) -> np.ndarray | None:
        """A weight tensor as float32: an initializer, a Constant, or a DequantizeLinear of initializers."""
        direct = self.array(name)
        if direct is not None:
            return direct.astype(np.float32)
        node = self.producer.get(name)
        if node is None or node.op_type != "DequantizeLinear":
            return None
        parts = [self.array(n) if n else None for n in list(node.input) + [""] * (3 - len(node.input))]
        q, scale, zero = parts[0], parts[1], parts[2]
        if q is None or scale is None:
            return None
        axis = next((int(a.i) for a in node.attribute if a.name == "axis"), 1)
        shape = [1] * q.ndim
        if scale.ndim == 1 and scale.size > 1:
            shape[axis] = scale.size
        zero = np.zeros_like(scale) if zero is None else zero
        return ((q.astype(np.float32) - zero.astype(np.float32).reshape(shape)) * scale.reshape(shape)).astype(
            np.float32)

    def param_count(self, node: Any) -> int:
        """Elements of the weights ``node`` reads: float initializers of more than one element, and the
        quantized initializers behind DequantizeLinear (a DequantizeLinear itself holds none)."""
        if node.op_type == "DequantizeLinear":
            return 0
        count = 0
        for name in node.input:
            source = self.weight_source(name) if name else None
            if source is None:
                continue
            t = self.initializers[source]
            size = int(np.prod(t.dims)) if len(t.dims) else 1
            if source != name or (t.data_type in _FLOAT_TYPES and size > 1):
                count += size
        return count

    def total_params(self) -> int:
        """Parameters of the whole graph, each weight counted once."""
        seen: set[str] = set()
        total = 0
        for node in self.model.graph.node:
            if node.op_type == "DequantizeLinear":
                continue
            for name in node.input:
                source = self.weight_source(name) if name else None
                if source is None or source in seen:
                    continue
                t = self.initializers[source]
                size = int(np.prod(t.dims)) if len(t.dims) else 1
                if source != name or (t.data_type in _FLOAT_TYPES and size > 1):
                    seen.add(source)
                    total += size
        return total


# ------------------------------------------------------------------------------------------ shapes
def _dims(type_proto: Any) -> Shape | None:
    if not type_proto.HasField("tensor_type") or not type_proto.tensor_type.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                 for d in type_proto.tensor_type.shape.dim)


def graph_input_shapes(model: onnx.ModelProto) -> dict[str, Shape | None]:
    """The declared shape of each graph input (symbolic dims as strings)."""
    facts = GraphFacts(model)
    return {i.name: _dims(i.type) for i in facts.inputs}


def concrete(shape: Shape | None) -> tuple[int, ...] | None:
    """``shape`` as positive ints, or None when a dimension is unknown or symbolic."""
    if shape is None or not all(isinstance(d, int) and d > 0 for d in shape):
        return None
    return tuple(d for d in shape if isinstance(d, int))


def is_concrete(shape: Shape | None) -> bool:
    return concrete(shape) is not None


def infer_shapes(model: onnx.ModelProto, input_shapes: Mapping[str, Sequence[int]]) -> dict[str, Shape | None]:
    """Every tensor's shape by ONNX shape inference with the graph inputs fixed to ``input_shapes``."""
    onnx = require_onnx()
    fixed = onnx.ModelProto()
    fixed.CopyFrom(model)
    del fixed.graph.value_info[:]  # a dynamic export's symbolic shapes would win over the concrete ones
    for vi in fixed.graph.input:
        shape = input_shapes.get(vi.name)
        if shape is None:
            continue
        dims = vi.type.tensor_type.shape.dim
        del dims[:]
        for d in shape:
            dims.add().dim_value = int(d)
    try:
        inferred = onnx.shape_inference.infer_shapes(fixed, data_prop=True)
    except Exception:  # noqa: BLE001 - inference is best effort; measure_shapes fills the gaps
        inferred = fixed
    shapes: dict[str, Shape | None] = {}
    for vi in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]:
        shapes[vi.name] = _dims(vi.type)
    for name, t in GraphFacts(model).initializers.items():
        shapes[name] = tuple(int(d) for d in t.dims)
    return shapes


# ------------------------------------------------------------------------------------------ receptive field
def _attr(node: Any, name: str, default: Any = None) -> Any:
    from onnx import helper

    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def window_of(node: Any, weight_shape: tuple[int, ...] | None) -> tuple[tuple[int, ...], tuple[int, ...],
                                                                          tuple[int, ...]] | None:
    """(kernel, stride, dilation) of a convolution or pool, per spatial axis (None when unknown)."""
    kernel = _attr(node, "kernel_shape")
    if kernel is None and weight_shape is not None and len(weight_shape) > 2:
        kernel = weight_shape[2:]
    if kernel is None:
        return None
    n = len(kernel)
    strides = _attr(node, "strides") or [1] * n
    dilations = _attr(node, "dilations") or [1] * n
    return tuple(int(k) for k in kernel), tuple(int(s) for s in strides), tuple(int(d) for d in dilations)


def _spatial_ratio(shapes: Mapping[str, Shape | None], src: str, dst: str) -> float | None:
    """How many ``src`` positions one ``dst`` position spans (height axis; width when height is 1)."""
    a, b = concrete(shapes.get(src)), concrete(shapes.get(dst))
    if a is None or b is None or len(a) < 3 or len(a) != len(b):
        return None
    ratios = [x / y for x, y in zip(a[2:], b[2:], strict=True) if x > 1 or y > 1]
    return max(ratios) if ratios else 1.0


def _reduces_space(node: Any, facts: GraphFacts, shapes: Mapping[str, Shape | None]) -> bool:
    axes = _attr(node, "axes")
    if axes is None and len(node.input) > 1 and node.input[1]:
        value = facts.array(node.input[1])
        axes = None if value is None else value.reshape(-1).tolist()
    if axes is None:
        return True  # every axis
    shape = shapes.get(node.input[0])
    rank = len(shape) if shape is not None else 4
    return any(int(a) % rank >= 2 for a in axes)


def next_field(node: Any, fields: Mapping[str, Field | None], data_inputs: Sequence[str], facts: GraphFacts,
               shapes: Mapping[str, Shape | None]) -> Field | None:
    """The receptive field of ``node``'s outputs, given its data inputs' fields."""
    op = node.op_type
    known = [fields[n] for n in data_inputs]
    if any(f is None for f in known) or not known:
        return None
    inputs: list[Field] = [f for f in known if f is not None]
    first = inputs[0]
    if op in WINDOW_OPS or op == "ConvTranspose":
        w_name = node.input[3] if op == "QLinearConv" else (node.input[1] if len(node.input) > 1 else "")
        window = window_of(node, concrete(shapes.get(w_name)) if w_name else None)
        if window is None:
            return None
        kernel, stride, dilation = window
        reach = max((k - 1) * d for k, d in zip(kernel, dilation, strict=True))
        if op == "ConvTranspose":
            step = first.step / max(stride)
            return Field(first.size + reach * step, step, first.global_context)
        return Field(first.size + reach * first.step, first.step * max(stride), first.global_context)
    if op == "DepthToSpace":
        return Field(first.size, first.step / int(_attr(node, "blocksize", 1)), first.global_context)
    if op == "SpaceToDepth":
        b = int(_attr(node, "blocksize", 1))
        return Field(first.size + (b - 1) * first.step, first.step * b, first.global_context)
    if op in RESIZE_OPS:
        ratio = _spatial_ratio(shapes, node.input[0], node.output[0])
        return None if ratio is None else Field(first.size, first.step * ratio, first.global_context)
    if op in GLOBAL_OPS or (op in REDUCE_OPS and _reduces_space(node, facts, shapes)):
        return Field(first.size, first.step, True)
    if op in PER_PIXEL_OPS or op in REDUCE_OPS or op in ("Squeeze", "Unsqueeze"):
        return Field(max(f.size for f in inputs), max(f.step for f in inputs), any(f.global_context for f in inputs))
    return None


# ------------------------------------------------------------------------------------------ layers
def list_layers(model: onnx.ModelProto, shapes: Mapping[str, Shape | None]) -> list[Layer]:
    """Every node but ``Constant``, in graph order, with the given tensor shapes."""
    facts = GraphFacts(model)
    fields: dict[str, Field | None] = {i.name: Field(1.0, 1.0) for i in facts.inputs}
    static: set[str] = set(facts.initializers) | set(facts.constants)
    layers: list[Layer] = []
    for node in model.graph.node:
        if node.op_type == "Constant":
            continue
        data_inputs = [n for n in node.input if n and n not in static]
        on_pixels = bool(data_inputs) and node.op_type not in SHAPE_OPS
        if on_pixels:
            field = next_field(node, fields, data_inputs, facts, shapes)
            for out in node.output:
                fields[out] = field
        else:
            field = None
            static.update(node.output)
        weights, weight_shape, kernel, stride = "", None, None, None
        if node.op_type in CONV_OPS:
            w_name = node.input[3] if node.op_type == "QLinearConv" else node.input[1]
            weights = facts.weight_source(w_name) or ""  # a learned weight; "" for a fixed, computed kernel
            if weights and weights != w_name:
                weights = weights.removesuffix("_quantized")
            weight_shape = concrete(shapes.get(w_name))
            window = window_of(node, weight_shape)
            if window is not None:
                kernel, stride = window[0], window[1]
        elif node.op_type in WINDOW_OPS:
            window = window_of(node, None)
            if window is not None:
                kernel, stride = window[0], window[1]
        layers.append(Layer(
            index=len(layers), name=node.name or node.output[0], op=node.op_type,
            inputs=tuple(Tensor(n, shapes.get(n)) for n in data_inputs),
            outputs=tuple(Tensor(n, shapes.get(n)) for n in node.output if n),
            params=facts.param_count(node), weights=weights, weight_shape=weight_shape, kernel=kernel, stride=stride,
            receptive_field=None if field is None else int(math.ceil(field.size - 1e-6)),
            global_context=bool(field is not None and field.global_context), on_pixels=on_pixels))
    return layers


def conv_weights(model: onnx.ModelProto, layer: Layer, facts: GraphFacts | None = None) -> np.ndarray | None:
    """A convolution's weights (out, in/groups, kh, kw) as float32, dequantized if need be."""
    if not layer.is_conv:
        return None
    facts = facts or GraphFacts(model)
    node = next((n for n in model.graph.node if (n.name or n.output[0]) == layer.name), None)
    if node is None:
        return None
    return facts.weight(node.input[3] if node.op_type == "QLinearConv" else node.input[1])


def find_layer(layers: Iterable[Layer], key: str) -> Layer | None:
    """The layer named ``key``: its node name, an output tensor, or its weights ("head", "head.weight")."""
    layers = list(layers)
    for match in (lambda la: la.name == key, lambda la: any(t.name == key for t in la.outputs),
                  lambda la: bool(la.weights) and key in (la.weights, la.weights.removesuffix(".weight"))):
        found = next((la for la in layers if match(la)), None)
        if found is not None:
            return found
    return None
