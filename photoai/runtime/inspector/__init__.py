"""The model inspector: what each network learned and how it responds to a photo (no Qt).

:class:`ModelInspector` reads an ONNX model's graph (``onnx``, imported lazily): its layers with shapes,
parameters and receptive field (:mod:`.graph`), a convolution's filters as image tiles (:mod:`.render`),
the activations of any layer on a proxy of a photo (:mod:`.probe`, :mod:`.activations`); feature
visualization by gradient ascent needs torch (:mod:`.features`); :mod:`.report` writes the headless files.
"""

from photoai.runtime.inspector.activations import Activation, MaskResponse
from photoai.runtime.inspector.graph import Layer, Tensor
from photoai.runtime.inspector.model import ModelInspector
from photoai.runtime.inspector.probe import PROXY_SIDE, Probe
from photoai.runtime.inspector.render import FilterGrid

__all__ = ["PROXY_SIDE", "Activation", "FilterGrid", "Layer", "MaskResponse", "ModelInspector", "Probe", "Tensor"]
