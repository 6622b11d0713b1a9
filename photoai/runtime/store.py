"""The user's model store: imported models and their manifest in :func:`user_models_dir`.

Writes are atomic (temporary file + rename), so an interrupted import or removal never leaves a
manifest that lists a missing file or a half-written model.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from photoai.core.atomic import atomic_path
from photoai.core.errors import ModelError
from photoai.core.models import ModelSpec
from photoai.runtime.manifest import MANIFEST_NAME, read_manifest, sha256_of, user_models_dir

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def check_model_id(model_id: str) -> str:
    if not ID_RE.match(model_id):
        raise ModelError(f"model id {model_id!r}: use 1-64 lowercase letters, digits, '.', '_' or '-'")
    return model_id


class ModelStore:
    """Add and remove models in one folder that PhotoAI owns."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else user_models_dir()

    def entries(self) -> list[ModelSpec]:
        return read_manifest(self.root)

    def temp_path(self, suffix: str = ".onnx") -> Path:
        """A fresh temporary file in the store (same file system, so :meth:`add` can rename it)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".import-", suffix=suffix, dir=self.root)
        os.close(fd)
        return Path(name)

    def add(self, entry: dict[str, Any], model_file: Path) -> ModelSpec:
        """Move ``model_file`` into the store as ``<id>.onnx`` and record ``entry`` (file and sha256 filled in)."""
        model_id = check_model_id(entry["id"])
        entries = self.entries()
        if any(s.id == model_id for s in entries):
            raise ModelError(f"model id '{model_id}' is already in {self.root / MANIFEST_NAME}; remove it first")
        final = self.root / f"{model_id}.onnx"
        if final.exists():
            raise ModelError(f"{final} already exists but is not in the store's manifest; move it away first")
        entry = dict(entry, file=final.name, sha256=sha256_of(model_file))
        spec = ModelSpec.from_dict(entry, self.root / MANIFEST_NAME)  # validate before touching anything
        os.replace(model_file, final)
        try:
            self._write([s.to_dict() for s in entries] + [spec.to_dict()])
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        return spec

    def remove(self, model_id: str) -> ModelSpec:
        entries = self.entries()
        spec = next((s for s in entries if s.id == model_id), None)
        if spec is None:
            raise ModelError(f"model '{model_id}' is not an imported model (see 'photoai models list')")
        self._write([s.to_dict() for s in entries if s.id != model_id])
        spec.path.unlink(missing_ok=True)
        return spec

    def _write(self, models: list[dict[str, Any]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.root / MANIFEST_NAME) as tmp:
            tmp.write_text(json.dumps({"models": models}, indent=1) + "\n", encoding="utf-8")
