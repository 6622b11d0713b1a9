"""Feature visualization (Olah et al., *Feature Visualization*, Distill 2017): the input image that
excites one channel most, found by gradient ascent on the input (:mod:`.ascent`). Needs gradients, hence
torch and the model's torch network: offered for PhotoAI's own architectures (the plugins'
``architectures()``) whose weights are at hand (a ``torch-state-dict`` entry of the same architecture, or
a checkpoint file). This module finds and builds that network; it imports torch only when it does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from photoai.core.errors import ModelError
from photoai.core.models import ModelSpec
from photoai.runtime.archs import Arch
from photoai.runtime.devices import has_module


def torch_weights_for(spec: ModelSpec, specs: Iterable[ModelSpec]) -> ModelSpec | None:
    """The torch state dict entry of ``spec``'s architecture and task, if a manifest lists one; of several
    (model families), the one whose family prefix (its id without ``torch``) is the longest that ``spec``'s
    id starts with (``superres-torch`` for ``superres-x2``, ``superres-photo-torch`` for ``superres-photo-x2``)."""
    candidates = [s for s in specs if s.format == "torch-state-dict" and spec.arch and s.arch == spec.arch
                  and s.task == spec.task]

    def family_match(s: ModelSpec) -> int:
        prefix = s.id.removesuffix("torch")
        return len(prefix) if spec.id.startswith(prefix) else -1

    return max(candidates, key=family_match, default=None)


def feature_problem(spec: ModelSpec, specs: Iterable[ModelSpec], weights: Path | None = None) -> str:
    """Why feature visualization cannot run for ``spec`` ('' when it may): torch missing, or no torch
    weights (a ``torch-state-dict`` entry of its architecture, or ``weights``). Imports nothing."""
    if not has_module("torch"):
        return 'feature visualization needs PyTorch: pip install "photoai[train]"'
    if weights is None and torch_weights_for(spec, specs) is None:
        return (f"feature visualization needs the torch network of '{spec.id}' ({spec.arch or 'unknown architecture'})"
                "; no manifest lists its weights (photoai inspect takes a checkpoint: --weights FILE)")
    return ""


def open_network(spec: ModelSpec, specs: Iterable[ModelSpec], archs: Callable[[], Sequence[Arch]],
                 weights: Path | None = None) -> TorchNetwork:
    """``spec``'s torch network from ``weights`` (else the manifest's torch weights of its architecture),
    built by one of PhotoAI's own architectures ``archs()`` (the plugins'); a ModelError says why not."""
    from photoai.runtime.manifest import verify_file

    specs = list(specs)
    problem = feature_problem(spec, specs, weights)
    if problem:
        raise ModelError(problem)
    own = list(archs())
    if not any(a.name == spec.arch for a in own):
        raise ModelError(f"feature visualization is offered for PhotoAI's own networks; '{spec.id}' "
                         f"({spec.arch or 'unknown architecture'}) is not one")
    entry = torch_weights_for(spec, specs)
    path = weights if weights is not None or entry is None else verify_file(entry)
    if path is None:
        raise ModelError(f"no torch weights for '{spec.id}'")
    return load_network(spec, path, own)


@dataclass
class TorchNetwork:
    """A model's torch module as its authors run it (``module(*inputs)``), its arch and config."""

    module: Any
    arch: Arch
    config: dict[str, Any]

    def layer_module(self, weights: np.ndarray) -> tuple[str, Any]:
        """The submodule whose weight equals ``weights`` (an ONNX convolution's, dequantized if need be:
        within 1 % of its largest value) -> (name, module)."""
        import torch

        target = torch.from_numpy(np.asarray(weights, np.float32))
        tol = 0.01 * float(target.abs().max()) + 1e-7
        for name, p in self.module.named_parameters():
            if tuple(p.shape) == tuple(target.shape) and float((p.detach().float() - target).abs().max()) <= tol:
                module_name = name.rpartition(".")[0]
                return module_name, self.module.get_submodule(module_name)
        raise ModelError("this layer's weights are not a module of the torch network (a fixed or computed kernel)")


def load_network(spec: ModelSpec, weights: Path, archs: Sequence[Arch]) -> TorchNetwork:
    """Build ``spec``'s network from ``weights`` with the architecture named ``spec.arch``."""
    from photoai.runtime.importer import load_state

    arch = next((a for a in archs if a.name == spec.arch), None)
    if arch is None:
        raise ModelError(f"no architecture '{spec.arch}' among PhotoAI's own networks")
    state = load_state(Path(weights))
    config = arch.detect(state, spec.scale if spec.scale > 1 else None)
    if config is None:
        raise ModelError(f"{Path(weights).name} holds no {arch.title} weights")
    module = arch.deployed(state, config, Path(weights).name)
    for p in module.parameters():
        p.requires_grad_(False)
    return TorchNetwork(module, arch, dict(config))
