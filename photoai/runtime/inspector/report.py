"""The headless inspection (``photoai inspect``): ``layers.json`` (every layer: name, op, input/output
shapes for this photo, parameters, receptive field), ``filters_<layer>.png`` for each chosen convolution
(<layer>: its weights' module path such as ``body.0.conv1``, else its node name),
``activations_<layer>.png`` + ``activations_<layer>.json`` (channel order, means, mask statistics) when a
photo is given, ``features_<layer>.png`` when feature visualization is asked for. Every file is written
atomically."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from photoai.core.atomic import atomic_path
from photoai.core.errors import ModelError
from photoai.core.jobs import RunContext
from photoai.runtime.inspector.graph import Layer
from photoai.runtime.inspector.model import ModelInspector
from photoai.runtime.inspector.probe import PROXY_SIDE, Probe
from photoai.runtime.inspector.render import activation_picture, filter_picture, grid, save_png

ALL = "all"


def file_stem(label: str) -> str:
    """A file-name-safe form of a layer's label ("body.0.conv1"; "/net/Relu_3" -> "net_Relu_3")."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("_.") or "layer"


def write_json(data: Any, path: Path) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def choose_layers(inspector: ModelInspector, keys: Sequence[str], probe: Probe | None = None) -> list[Layer]:
    """The layers ``keys`` name (``all``: every convolution); none given: the first convolution."""
    convs = inspector.conv_layers(probe)
    if not keys:
        if not convs:
            raise ModelError(f"model '{inspector.spec.id}' has no convolution; name a layer with --layer")
        return convs[:1]
    chosen: list[Layer] = []
    for key in keys:
        for la in convs if key == ALL else [inspector.layer(key, probe)]:
            if la not in chosen:
                chosen.append(la)
    return chosen


@dataclass
class FeatureRequest:
    """Feature visualization of the ``count`` strongest channels (by mean activation on the photo, else
    the first ones), ``steps`` of gradient ascent on ``size`` px images, with the torch ``network``."""

    network: Any
    count: int = 8
    steps: int = 64
    size: int = 64


def layers_document(inspector: ModelInspector, layers: Sequence[Layer], probe: Probe, photo: str | None) -> dict:
    spec = inspector.spec
    return {"model": spec.id, "title": spec.title, "file": spec.file, "arch": spec.arch, "task": spec.task,
            "params": inspector.total_params,
            "input": {"names": [s.name for s in inspector.slots], "size": list(probe.padded),
                      "photo": photo, "region": list(probe.region) if photo else None,
                      "proxy_scale": round(probe.scale, 6) if photo else None},
            "layers": [la.to_dict() for la in layers]}


@dataclass
class Report:
    """What :func:`write_report` wrote, and the layers it listed."""

    files: list[Path]
    layers: list[Layer]


def write_report(inspector: ModelInspector, out: Path, keys: Sequence[str] = (), rgb: np.ndarray | None = None,
                 mask: np.ndarray | None = None, photo_name: str | None = None, max_side: int = PROXY_SIDE,
                 features: FeatureRequest | None = None, ctx: RunContext | None = None) -> Report:
    """Inspect and write the files into ``out`` (created)."""
    ctx = ctx or RunContext()
    out.mkdir(parents=True, exist_ok=True)
    probe = inspector.probe(rgb, mask, max_side=max_side) if rgb is not None else inspector.blank_probe()
    ctx.progress(0, 1, "Reading the graph")
    layers = inspector.layers(probe, ctx)
    written = [write_json(layers_document(inspector, layers, probe, photo_name), out / "layers.json")]
    chosen = choose_layers(inspector, keys, probe)
    for k, layer in enumerate(chosen):
        step = ctx.sub(k / len(chosen), (k + 1) / len(chosen))
        step.progress(0, 1, f"Layer {layer.label()}")
        step.raise_if_cancelled()
        stem = file_stem(layer.label())
        order = None
        if layer.is_conv:
            written.append(save_png(filter_picture(inspector.filters(layer)), out / f"filters_{stem}.png"))
        if rgb is not None:
            act = inspector.activations(probe, [layer], step)[0]
            order = act.order
            written.append(save_png(activation_picture(act.maps, act.order), out / f"activations_{stem}.png"))
            written.append(write_json(act.to_dict(), out / f"activations_{stem}.json"))
        if features is not None and layer.has_filters:
            from photoai.runtime.inspector.ascent import visualize

            n = min(features.count, int(layer.weight_shape[0]) if layer.weight_shape else features.count)
            channels = [int(c) for c in (order[:n] if order is not None else range(n))]
            images = visualize(features.network, inspector.weights(layer), channels, inspector.spec,
                               size=features.size, steps=features.steps, ctx=step.sub(0.3, 1.0))
            written.append(save_png(grid(images, min(len(channels), 8), zoom=2, gap=2), out / f"features_{stem}.png"))
    ctx.progress(1, 1, "Done")
    return Report(written, layers)
