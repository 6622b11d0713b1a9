"""Model manifests: which model files exist, where, and what they are.

A *models folder* holds ``manifest.json`` (``{"models": [entry, ...]}``, each entry a
:class:`~photoai.core.models.ModelSpec`) beside the files it lists. The runtime merges, in order:

1. each installed plugin's ``models/`` folder (built-in and third-party plugins alike),
2. the user's model store (imported models; :func:`user_models_dir`),
3. ``$PHOTOAI_MODELS_DIR`` (folders separated by ``os.pathsep``), added, not replacing.

A broken manifest, an unknown key or a model id that two manifests both define is reported as a
failure naming the file(s); the other sources stay usable. The sha256 is verified before any load.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from photoai.core.errors import ModelError
from photoai.core.models import ModelSpec

MANIFEST_NAME = "manifest.json"
MODELS_ENV = "PHOTOAI_MODELS_DIR"
HOME_ENV = "PHOTOAI_HOME"


def user_data_dir() -> Path:
    """PhotoAI's data folder: ``$PHOTOAI_HOME``, else the platform's (``$XDG_DATA_HOME/photoai`` on Linux)."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("photoai", appauthor=False))


def user_models_dir() -> Path:
    """Where imported models and their manifest live."""
    return user_data_dir() / "models"


def env_models_dirs() -> list[Path]:
    return [Path(p) for p in os.environ.get(MODELS_ENV, "").split(os.pathsep) if p]


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: Path) -> list[ModelSpec]:
    """The entries of ``folder/manifest.json`` (none if there is no manifest); strict."""
    path = Path(folder) / MANIFEST_NAME
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"model manifest {path} is unreadable: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("models", []), list):
        raise ModelError(f"model manifest {path}: expected {{\"models\": [...]}}")
    unknown = sorted(set(data) - {"models"})
    if unknown:
        raise ModelError(f"model manifest {path}: unknown top-level key(s) {', '.join(unknown)}")
    specs = [ModelSpec.from_dict(entry, path) for entry in data.get("models", [])]
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise ModelError(f"model manifest {path}: model id '{spec.id}' appears twice")
        seen.add(spec.id)
    return specs


@dataclass(frozen=True)
class ModelSource:
    """A models folder and who provides it (``plugin superres``, ``user store``, ``$PHOTOAI_MODELS_DIR``)."""

    folder: Path
    origin: str


class Manifest:
    """The merged catalogue of every source; ``failures`` lists sources that could not be read."""

    def __init__(self, specs: dict[str, ModelSpec], sources: list[ModelSource], failures: list[str]) -> None:
        self.specs = specs
        self.sources = sources
        self.failures = failures

    @classmethod
    def load(cls, sources: Iterable[ModelSource | Path | str]) -> Manifest:
        specs: dict[str, ModelSpec] = {}
        failures: list[str] = []
        resolved = [s if isinstance(s, ModelSource) else ModelSource(Path(s), str(s)) for s in sources]
        for source in resolved:
            try:
                entries = read_manifest(source.folder)
            except ModelError as e:
                failures.append(str(e))
                continue
            for spec in entries:
                other = specs.get(spec.id)
                if other is not None:
                    failures.append(f"model id '{spec.id}' is defined twice: in {other.manifest} and in "
                                    f"{spec.manifest} (the second is ignored)")
                    continue
                specs[spec.id] = spec
        return cls(specs, resolved, failures)

    def get(self, model_id: str) -> ModelSpec:
        try:
            return self.specs[model_id]
        except KeyError:
            known = ", ".join(sorted(self.specs)) or "none"
            raise ModelError(f"model '{model_id}' is not installed (known models: {known})") from None

    def of_task(self, task: str | None) -> list[ModelSpec]:
        return [s for s in self.specs.values() if task is None or s.task == task]

    def verify(self, model_id: str) -> Path:
        """Path of the model file after checking it exists and matches its sha256."""
        return verify_file(self.get(model_id))


def verify_file(spec: ModelSpec) -> Path:
    path = spec.path
    if not path.is_file():
        raise ModelError(f"model file for '{spec.id}' is missing: {path}")
    actual = sha256_of(path)
    if actual != spec.sha256:
        raise ModelError(
            f"model file {path} is corrupt: sha256 {actual[:12]}… does not match the manifest's "
            f"{spec.sha256[:12]}…; reinstall it"
        )
    return path
