"""The recognition rule every torch architecture here shares: guess the hyper-parameters from a few
tensors, build the network, and accept the file only if its tensor names and shapes are exactly the
network's (after :meth:`Arch.prepare_state`). Imports torch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from photoai.runtime.archs import Arch


def shape_of(state: Mapping[str, Any], key: str) -> tuple[int, ...] | None:
    """The shape of tensor ``key`` in ``state`` (None if there is no such tensor)."""
    value = state.get(key)
    return tuple(value.shape) if isinstance(value, torch.Tensor) else None


def shapes(state: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """Every tensor's name and shape (non-tensor entries are ignored)."""
    return {k: tuple(v.shape) for k, v in state.items() if isinstance(v, torch.Tensor)}


def example_size(multiple: int = 1, minimum: int = 1) -> tuple[int, int]:
    """A small height and width for export and checks: multiples of ``multiple``, at least ``minimum``."""
    h, w = max(32, minimum), max(40, minimum + 8)
    return h + (-h) % multiple, w + (-w) % multiple


@dataclass
class Prepared:
    """A network ready for export: the module as its authors run it, example inputs and the manifest facts
    (``arch``, ``title``, ``task`` and the :class:`~photoai.core.models.ModelSpec` fields of :meth:`Arch.facts`)."""

    module: torch.nn.Module
    inputs: tuple[torch.Tensor, ...]
    entry: dict[str, Any]


class TorchArch(Arch):
    """An :class:`Arch` recognized by :meth:`guess` plus an exact comparison of names and shapes."""

    def guess(self, state: Mapping[str, Any], scale: int | None) -> dict[str, Any] | None:
        """The config the tensors suggest (from a few shapes), or None if a key tensor is missing."""
        raise NotImplementedError

    def detect(self, state: Mapping[str, Any], scale: int | None = None) -> dict[str, Any] | None:
        config = self.guess(state, scale)
        if config is None:
            return None
        expected = shapes(self.build(config).state_dict())
        return config if shapes(self.prepare_state(dict(state))) == expected else None

    def example_inputs(self, config: Mapping[str, Any]) -> tuple[Any, ...]:
        facts = self.facts(config)
        h, w = example_size(int(facts.get("size_multiple", 1)), int(facts.get("min_size", 1)))
        return (torch.rand(1, int(facts.get("in_channels", 3)), h, w),)
