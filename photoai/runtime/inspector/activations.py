"""Intermediate tensors of an ONNX graph on real inputs: the graph is run with the wanted tensors added
as outputs (one cached ONNX Runtime session per set of tensors); channels are ranked by their mean
response, and, for a painted mask, by how much more they respond inside it than outside."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from photoai.core.channels import resize_float
from photoai.core.errors import Cancelled, ModelError
from photoai.core.geometry import Size
from photoai.core.jobs import RunContext

if TYPE_CHECKING:
    import onnx

SESSIONS_KEPT = 3


class GraphSessions:
    """ONNX Runtime sessions of one graph, each exposing a set of intermediate tensors as outputs."""

    def __init__(self, model: onnx.ModelProto, providers: Sequence[str] | None = None,
                 threads: int | None = None) -> None:
        self.model = model
        self.providers = list(providers or ["CPUExecutionProvider"])
        self.threads = threads
        self._lock = threading.Lock()
        self._sessions: OrderedDict[tuple[str, ...], Any] = OrderedDict()
        self.input_names = [i.name for i in model.graph.input
                            if i.name not in {t.name for t in model.graph.initializer}]

    def session(self, outputs: Sequence[str]) -> Any:
        """A session whose outputs are exactly ``outputs`` (built once, a few kept)."""
        key = tuple(outputs)
        with self._lock:
            if key in self._sessions:
                self._sessions.move_to_end(key)
                return self._sessions[key]
        import onnx
        import onnxruntime as ort

        exposed = onnx.ModelProto()
        exposed.CopyFrom(self.model)
        del exposed.graph.output[:]
        exposed.graph.output.extend([onnx.helper.make_empty_tensor_value_info(n) for n in key])
        opts = ort.SessionOptions()
        if self.threads:
            opts.intra_op_num_threads = self.threads
        try:
            session = ort.InferenceSession(exposed.SerializeToString(), opts, providers=self.providers)
        except Exception as e:  # noqa: BLE001 - ORT raises its own types
            raise ModelError(f"ONNX Runtime cannot expose {', '.join(key)}: {e}") from None
        with self._lock:
            self._sessions[key] = session
            while len(self._sessions) > SESSIONS_KEPT:
                self._sessions.popitem(last=False)
        return session

    def run(self, inputs: Sequence[np.ndarray], outputs: Sequence[str],
            ctx: RunContext | None = None) -> dict[str, np.ndarray]:
        """``outputs`` computed on ``inputs`` (in graph input order); Cancel stops the run."""
        import onnxruntime as ort

        if len(inputs) != len(self.input_names):
            raise ModelError(f"the graph takes {len(self.input_names)} inputs, got {len(inputs)}")
        names = list(dict.fromkeys(outputs))
        session = self.session(names)
        options = ort.RunOptions()
        remove = ctx.on_cancel(lambda: setattr(options, "terminate", True)) if ctx is not None else None
        try:
            values = session.run(names, dict(zip(self.input_names, inputs, strict=True)), options)
        except Exception as e:  # noqa: BLE001
            if ctx is not None and ctx.cancelled:
                raise Cancelled() from e
            raise ModelError(f"running the graph failed: {e}") from None
        finally:
            if remove is not None:
                remove()
        return {n: np.asarray(v) for n, v in zip(names, values, strict=True)}


@dataclass
class MaskResponse:
    """Per channel: mean response ``inside`` and ``outside`` the mask and their difference in units of the
    channel's spread (``score``); ``order`` ranks channels from most inside to most outside."""

    inside: np.ndarray
    outside: np.ndarray
    score: np.ndarray
    order: np.ndarray
    coverage: float  # fraction of the map inside the mask

    def top_inside(self, n: int = 8) -> list[int]:
        return [int(c) for c in self.order[:n]]

    def top_outside(self, n: int = 8) -> list[int]:
        return [int(c) for c in self.order[::-1][:n]]

    def to_dict(self) -> dict[str, Any]:
        return {"coverage": round(self.coverage, 4), "inside_first": [int(c) for c in self.order],
                "channels": [{"channel": c, "inside": float(self.inside[c]), "outside": float(self.outside[c]),
                              "score": float(self.score[c])} for c in map(int, self.order)]}


@dataclass
class Activation:
    """One tensor's channels on a photo: ``maps`` (C, h, w) over the unpadded proxy, their ``means`` and the
    ``order`` from the strongest mean response down; ``mask`` statistics when a mask was painted."""

    layer: str
    tensor: str
    maps: np.ndarray
    means: np.ndarray
    order: np.ndarray
    mask: MaskResponse | None = None

    @property
    def channels(self) -> int:
        return int(self.maps.shape[0])

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "tensor": self.tensor, "shape": list(self.maps.shape),
                "order": [int(c) for c in self.order], "means": [float(self.means[c]) for c in range(self.channels)],
                "mask": None if self.mask is None else self.mask.to_dict()}


def crop_to_content(value: np.ndarray, size: tuple[int, int], padded: tuple[int, int]) -> np.ndarray:
    """(C, h, w) of a (1, C, H', W') tensor: the part that covers the unpadded ``size`` of a ``padded`` input."""
    if value.ndim != 4:
        raise ModelError(f"a tensor of shape {list(value.shape)} is not a stack of image channels")
    x = value[0]
    hh, ww = x.shape[1:]
    ch = max(1, min(hh, -(-hh * size[0] // padded[0])))
    cw = max(1, min(ww, -(-ww * size[1] // padded[1])))
    return np.ascontiguousarray(x[:, :ch, :cw], np.float32)


def mask_response(maps: np.ndarray, mask: np.ndarray) -> MaskResponse | None:
    """How each channel of ``maps`` (C, h, w) responds inside ``mask`` (HxW in [0, 1]) versus outside;
    None when the mask covers nothing or everything at the maps' resolution."""
    c, h, w = maps.shape
    m = mask if mask.shape == (h, w) else resize_float(mask.astype(np.float32), Size(w, h), Image.Resampling.BOX)
    m = np.clip(m, 0.0, 1.0).reshape(-1)
    inside_w, outside_w = m.sum(), (1.0 - m).sum()
    if inside_w < 0.5 or outside_w < 0.5:
        return None
    flat = maps.reshape(c, -1).astype(np.float64)
    inside = flat @ m / inside_w
    outside = flat @ (1.0 - m) / outside_w
    score = (inside - outside) / (flat.std(axis=1) + 1e-8)
    return MaskResponse(inside.astype(np.float32), outside.astype(np.float32), score.astype(np.float32),
                        np.argsort(-score, kind="stable"), float(m.mean()))


def rank_channels(layer: str, tensor: str, maps: np.ndarray, mask: np.ndarray | None = None) -> Activation:
    """``maps`` ranked by mean response (strongest first), with mask statistics when ``mask`` is given."""
    means = maps.reshape(maps.shape[0], -1).mean(axis=1)
    order = np.argsort(-means, kind="stable")
    return Activation(layer, tensor, maps, means.astype(np.float32), order,
                      mask_response(maps, mask) if mask is not None else None)
