"""Model manifest: which files ship under ``resources/models`` and what they are.

``resources/models/manifest.json`` is ``{"models": [entry, ...]}`` with entries like::

    {"id": "superres-x2", "file": "superres_x2.onnx", "sha256": "...",
     "format": "onnx", "arch": "...", "scale": 2, "in_channels": 1, "out_channels": 1,
     "size_multiple": 1, "tiling": "supported", "fp16": false, "input_range": [0, 1],
     "receptive_field": 16,
     "training": {"command": "...", "data": ["..."], "script": "plugins/superres/train.py"},
     "metrics": {"Set5": {"psnr_y": 37.1}, "command": "..."}}

The checksum is verified before any load; a missing or corrupt file raises ``ModelError``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from photoai.core.errors import ModelError

MANIFEST_NAME = "manifest.json"


def default_models_dir() -> Path:
    """``$PHOTOAI_MODELS_DIR`` or the ``resources/models`` folder shipped with PhotoAI."""
    env = os.environ.get("PHOTOAI_MODELS_DIR")
    if env:
        return Path(env)
    from photoai.resources import resource_path

    return resource_path("models")


@dataclass(frozen=True)
class ModelSpec:
    id: str
    file: str
    sha256: str
    format: str = "onnx"
    arch: str = ""
    scale: int = 1
    in_channels: int = 3
    out_channels: int = 3
    size_multiple: int = 1
    tiling: str = "supported"  # supported | discouraged | internal
    fp16: bool = False
    receptive_field: int = 16
    extra: dict[str, Any] = field(default_factory=dict)
    root: Path = Path(".")

    @property
    def path(self) -> Path:
        return self.root / self.file

    @classmethod
    def from_dict(cls, d: dict[str, Any], root: Path) -> "ModelSpec":
        known = {f for f in cls.__dataclass_fields__ if f not in ("extra", "root")}
        missing = [k for k in ("id", "file", "sha256") if k not in d]
        if missing:
            raise ModelError(f"model manifest entry {d.get('id', '?')!r} lacks {', '.join(missing)}")
        kwargs = {k: v for k, v in d.items() if k in known}
        extra = {k: v for k, v in d.items() if k not in known}
        return cls(**kwargs, extra=extra, root=root)


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


class Manifest:
    """The parsed manifest of one models folder."""

    def __init__(self, specs: dict[str, ModelSpec], root: Path) -> None:
        self.specs = specs
        self.root = root

    @classmethod
    def load(cls, root: Path | None = None) -> "Manifest":
        root = Path(root) if root is not None else default_models_dir()
        path = root / MANIFEST_NAME
        if not path.exists():
            return cls({}, root)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelError(f"model manifest {path} is unreadable: {e}") from e
        specs = {}
        for entry in data.get("models", []):
            spec = ModelSpec.from_dict(entry, root)
            specs[spec.id] = spec
        return cls(specs, root)

    def get(self, model_id: str) -> ModelSpec:
        try:
            return self.specs[model_id]
        except KeyError:
            raise ModelError(
                f"model '{model_id}' is not in {self.root / MANIFEST_NAME}; reinstall PhotoAI or the plugin"
            ) from None

    def verify(self, model_id: str) -> Path:
        """Path of the model file after checking it exists and matches its sha256."""
        spec = self.get(model_id)
        path = spec.path
        if not path.is_file():
            raise ModelError(f"model file for '{model_id}' is missing: {path}")
        actual = sha256_of(path)
        if actual != spec.sha256:
            raise ModelError(
                f"model file {path} is corrupt: sha256 {actual[:12]}… does not match the manifest's "
                f"{spec.sha256[:12]}…; reinstall it"
            )
        return path
