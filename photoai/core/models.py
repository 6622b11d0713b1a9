"""What a model is, as plain data, and the typed seam between plugins and the model runtime.

:class:`ModelSpec` is one manifest entry: the facts a caller needs to run the file (in the spirit
of spandrel's model descriptor: layout, channels, scale, size multiple, receptive field, value
range) plus its provenance (training command, data, metrics, or where an imported file came
from). :class:`Model` and :class:`ModelProvider` are the protocols plugins program against;
``photoai.runtime`` implements them. Stdlib + numpy only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from photoai.core.errors import ModelError

if TYPE_CHECKING:
    from photoai.core.jobs import RunContext

TILING = ("supported", "discouraged", "internal")
FORMATS = ("onnx", "torch-state-dict")


@dataclass(frozen=True)
class ModelSpec:
    """One model file and its facts. Unknown manifest keys are an error (see :meth:`from_dict`).

    The call contract (``photoai.runtime``): inputs are float32 NCHW in ``input_range``; each input's
    height and width are padded (reflect) up to ``size_multiple``, the output is cropped to
    ``scale`` x the input size and clamped to ``output_range`` (no clamp when it is ``None``).
    """

    id: str
    file: str
    sha256: str
    task: str = ""  # the plugin task that uses it: superres, inpaint, lowlight, ...
    format: str = "onnx"
    arch: str = ""
    title: str = ""  # what users see in a model list
    scale: int = 1
    in_channels: int = 3
    out_channels: int = 3
    inputs: tuple[str, ...] = ()  # names of the graph inputs, in call order (informative)
    layout: str = "NCHW"
    color: str = "rgb"  # what the channels hold: rgb | y-bt601 (MATLAB rgb2ycbcr luma) | gray | any
    min_size: int = 1  # smallest input side the graph accepts (smaller inputs are padded up)
    size_multiple: int = 1
    receptive_field: int = 16
    tiling: str = "supported"  # supported | discouraged | internal
    input_range: tuple[float, float] = (0.0, 1.0)
    output_range: tuple[float, float] | None = (0.0, 1.0)
    precision: str = "float32"
    gpu_variant: str = ""  # id of an entry (e.g. fp16) to run instead when a GPU provider is used
    config: Mapping[str, Any] = field(default_factory=dict)  # architecture hyper-parameters
    params: int = 0
    macs_per_output_pixel: int = 0
    # Provenance: free-form records, kept as they are.
    description: str = ""
    training: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    source: Mapping[str, Any] = field(default_factory=dict)  # imported: file, sha256, date, importer
    notes: Any = None
    root: Path = field(default=Path("."), compare=False)
    manifest: Path | None = field(default=None, compare=False)  # the manifest file it came from

    @property
    def path(self) -> Path:
        return self.root / self.file

    @property
    def imported(self) -> bool:
        return bool(self.source)

    def label(self) -> str:
        return self.title or self.id

    @classmethod
    def keys(cls) -> frozenset[str]:
        """The keys a manifest entry may have."""
        return frozenset(f.name for f in dataclasses.fields(cls)) - {"root", "manifest"}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], manifest: Path) -> ModelSpec:
        """Parse one entry of ``manifest``; every error names that file."""
        where = f"model manifest {manifest}"
        if not isinstance(d, Mapping):
            raise ModelError(f"{where}: an entry is not an object")
        name = d.get("id", "?")
        unknown = sorted(set(d) - cls.keys())
        if unknown:
            raise ModelError(f"{where}: entry {name!r} has unknown key(s) {', '.join(unknown)}")
        missing = [k for k in ("id", "file", "sha256") if not d.get(k)]
        if missing:
            raise ModelError(f"{where}: entry {name!r} lacks {', '.join(missing)}")
        values = dict(d)
        for key in ("inputs", "input_range", "output_range"):
            if isinstance(values.get(key), list):
                values[key] = tuple(values[key])
        try:
            spec = cls(**values, root=manifest.parent, manifest=manifest)
        except TypeError as e:
            raise ModelError(f"{where}: entry {name!r}: {e}") from None
        problem = spec._problem()
        if problem:
            raise ModelError(f"{where}: entry {name!r}: {problem}")
        return spec

    def _problem(self) -> str:
        if self.format not in FORMATS:
            return f"format {self.format!r} is not one of {', '.join(FORMATS)}"
        if self.tiling not in TILING:
            return f"tiling {self.tiling!r} is not one of {', '.join(TILING)}"
        if self.scale < 1 or self.size_multiple < 1:
            return "scale and size_multiple must be positive integers"
        if Path(self.file).is_absolute() or ".." in Path(self.file).parts:
            return f"file {self.file!r} must be a name inside the manifest's folder"
        return ""

    def to_dict(self) -> dict[str, Any]:
        """The manifest entry: fields that differ from their defaults (``id``/``file``/``sha256`` always)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            if f.name in ("root", "manifest"):
                continue
            value = getattr(self, f.name)
            default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            if f.name in ("id", "file", "sha256") or value != default:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


class Model(Protocol):
    """A loaded model: ``model(*nchw_inputs, ctx=ctx) -> nchw_output`` under :class:`ModelSpec`'s contract."""

    spec: ModelSpec
    device_label: str

    def __call__(self, *inputs: np.ndarray, ctx: RunContext | None = None) -> np.ndarray: ...


class ModelProvider(Protocol):
    """What plugins see of the runtime (``ctx.runtime``)."""

    last_device_label: str

    def load(self, model_id: str) -> Model:
        """The model, checksum-verified on first load and cached."""
        ...

    def spec(self, model_id: str) -> ModelSpec: ...

    def models(self, task: str | None = None) -> list[ModelSpec]:
        """Every known model (of ``task``), built-in and imported."""
        ...
