"""One model under inspection: its graph, its layers for an input size, a convolution's filters and the
activations of any layer on a photo. Thread-safe enough for one background job at a time (the
sessions are cached behind a lock)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from photoai.core.errors import ModelError
from photoai.core.geometry import Rect
from photoai.core.jobs import RunContext
from photoai.core.models import ModelSpec
from photoai.runtime.inspector.activations import Activation, GraphSessions, crop_to_content, rank_channels
from photoai.runtime.inspector.graph import (
    GraphFacts,
    Layer,
    conv_weights,
    find_layer,
    graph_input_shapes,
    infer_shapes,
    is_concrete,
    list_layers,
    load_graph,
)
from photoai.runtime.inspector.probe import PROXY_SIDE, InputSlot, Probe, blank_probe, input_slots, make_probe
from photoai.runtime.inspector.render import FilterGrid, filter_grid

if TYPE_CHECKING:
    import onnx


class ModelInspector:
    """Inspect the ONNX model of ``spec`` (its file checked against the manifest's sha256 unless ``path``
    names another file)."""

    def __init__(self, spec: ModelSpec, path: Path | None = None, providers: Sequence[str] | None = None,
                 threads: int | None = None) -> None:
        from photoai.runtime.manifest import verify_file

        if spec.format != "onnx":
            raise ModelError(f"model '{spec.id}' is a {spec.format} file; the inspector reads ONNX models")
        self.spec = spec
        self.path = Path(path) if path is not None else verify_file(spec)
        self.model: onnx.ModelProto = load_graph(self.path)
        self.facts = GraphFacts(self.model)
        self.sessions = GraphSessions(self.model, providers, threads)
        declared = graph_input_shapes(self.model)
        self.slots: list[InputSlot] = input_slots(spec, [
            (name, shape[1] if shape is not None and len(shape) > 1 and isinstance(shape[1], int) else None)
            for name, shape in declared.items()])
        self._layers: dict[tuple[int, int], list[Layer]] = {}
        self._lock = threading.Lock()

    @property
    def total_params(self) -> int:
        return self.facts.total_params()

    # ------------------------------------------------------------------------------ inputs
    def probe(self, rgb: np.ndarray, mask: np.ndarray | None = None, region: Rect | None = None,
              max_side: int = PROXY_SIDE) -> Probe:
        """The model's inputs for a photo (HxWx3 in [0, 1]) on a proxy (see :func:`make_probe`)."""
        return make_probe(self.spec, self.slots, rgb, mask, region, max_side)

    def blank_probe(self) -> Probe:
        return blank_probe(self.spec, self.slots)

    # ------------------------------------------------------------------------------ layers
    def layers(self, probe: Probe | None = None, ctx: RunContext | None = None) -> list[Layer]:
        """Every layer with its shapes for ``probe``'s input size (a small blank input when None): ONNX shape
        inference first, then one real run for the tensors it leaves open."""
        probe = probe or self.blank_probe()
        key = probe.padded
        with self._lock:
            if key in self._layers:
                return self._layers[key]
        shapes = infer_shapes(self.model, {s.name: x.shape for s, x in zip(self.slots, probe.inputs, strict=True)})
        produced = [o for n in self.model.graph.node if n.op_type != "Constant" for o in n.output if o]
        missing = [o for o in produced if not is_concrete(shapes.get(o)) and not self.facts.is_static(o)]
        if missing:
            values = self.sessions.run(probe.inputs, missing, ctx)
            shapes.update({n: tuple(int(d) for d in v.shape) for n, v in values.items()})
        layers = list_layers(self.model, shapes)
        with self._lock:
            self._layers[key] = layers
        return layers

    def layer(self, key: str, probe: Probe | None = None) -> Layer:
        """The layer ``key`` names (node, output tensor or weight name); a ModelError listing some otherwise."""
        layers = self.layers(probe)
        found = find_layer(layers, key)
        if found is None:
            convs = ", ".join([la.label() for la in layers if la.has_filters][:6])
            raise ModelError(f"model '{self.spec.id}' has no layer '{key}'" + (f" (convolutions: {convs}, ...)"
                                                                              if convs else ""))
        return found

    def conv_layers(self, probe: Probe | None = None) -> list[Layer]:
        """The convolutions with learned weights, in graph order."""
        return [la for la in self.layers(probe) if la.has_filters]

    # ------------------------------------------------------------------------------ filters
    def weights(self, layer: Layer) -> np.ndarray:
        w = conv_weights(self.model, layer, self.facts)
        if w is None:
            raise ModelError(f"layer '{layer.name}' ({layer.op}) has no convolution weights to show")
        return w

    def filters(self, layer: Layer, max_outputs: int = 256, max_inputs: int = 256) -> FilterGrid:
        """The layer's filters as tiles on one shared symmetric scale."""
        return filter_grid(self.weights(layer), max_outputs, max_inputs)

    # ------------------------------------------------------------------------------ activations
    def activations(self, probe: Probe, layers: Sequence[Layer], ctx: RunContext | None = None,
                    with_mask: bool = True) -> list[Activation]:
        """Each layer's first output on ``probe``, cropped to the photo's part, channels ranked (and compared
        inside/outside the probe's mask when ``with_mask`` and one was painted)."""
        tensors = [la.outputs[0].name for la in layers]
        values = self.sessions.run(probe.inputs, tensors, ctx)
        out = []
        for la, name in zip(layers, tensors, strict=True):
            try:
                maps = crop_to_content(values[name], probe.size, probe.padded)
            except ModelError as e:
                raise ModelError(f"layer '{la.name}': {e}") from None
            out.append(rank_channels(la.name, name, maps, probe.mask if with_mask else None))
        return out
