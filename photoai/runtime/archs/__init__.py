"""Architectures PhotoAI can import from a PyTorch state dict (``photoai models import``).

An :class:`Arch` recognizes its state dict by key names and shapes, builds the network, wraps it so
that it runs exactly as its authors' code runs it (same colour handling, same formula), and states
the facts of the exported ONNX model (:class:`~photoai.core.models.ModelSpec` fields). Plugins add
their own architectures through ``Plugin.architectures()``; :func:`builtin_archs` are those of
well-known public models that have no plugin of their own here. This module imports no torch; the
architectures' modules do, and are imported only when importing a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Arch:
    """One importable architecture. Subclasses set the class attributes and implement the methods."""

    name: str = ""  # recorded in the manifest's ``arch``: "fsrcnn"
    title: str = ""  # shown to users: "FSRCNN (Dong et al., ECCV 2016)"
    task: str = ""  # the task (plugin) that runs it: superres | lowlight | inpaint | ...
    needs_scale: bool = False  # the scale is not in the weights: ``--scale`` or an x2/x3/x4 in the file name

    def detect(self, state: Mapping[str, Any], scale: int | None = None) -> dict[str, Any] | None:
        """The architecture's config if ``state`` (names and shapes of its tensors) is this
        architecture, else None. ``scale`` is the user's ``--scale`` (or the file name's)."""
        raise NotImplementedError

    def build(self, config: Mapping[str, Any]) -> Any:
        """The torch network whose ``load_state_dict(state, strict=True)`` takes the weights."""
        raise NotImplementedError

    def deploy(self, net: Any, config: Mapping[str, Any]) -> Any:
        """A module mapping the model inputs to the output image as the authors' code does (default: ``net``)."""
        return net

    def facts(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """ModelSpec fields of the exported model (scale, channels, color, size_multiple, receptive_field, ...)."""
        raise NotImplementedError

    def example_inputs(self, config: Mapping[str, Any]) -> tuple[Any, ...]:
        """Example torch inputs for ONNX export (NCHW float32)."""
        raise NotImplementedError

    def prepare_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """The state dict the network loads (e.g. training-only keys dropped). Default: as is."""
        return state

    def deployed(self, state: Mapping[str, Any], config: Mapping[str, Any], source: str) -> Any:
        """The network built for ``config`` with ``state`` loaded strictly, wrapped by :meth:`deploy`, in
        eval mode; weights that do not fit are a ``ModelError`` naming ``source``."""
        from photoai.core.errors import ModelError, one_line

        net = self.build(config)
        try:
            net.load_state_dict(self.prepare_state(dict(state)), strict=True)
        except RuntimeError as e:
            raise ModelError(f"{source} looks like {self.title} but its weights do not load: {one_line(e)}") from None
        return self.deploy(net.eval(), config).eval()


def builtin_archs() -> list[Arch]:
    """The public architectures PhotoAI knows besides its plugins' own (imports torch)."""
    from photoai.runtime.archs.external import EXTERNAL_ARCHS

    return list(EXTERNAL_ARCHS)
