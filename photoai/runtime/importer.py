"""Bring your own weights: a PyTorch file of a known architecture becomes an ONNX model in the user's store.

:func:`import_model` loads the file with ``torch.load(weights_only=True)`` (zip or legacy pickle; a
pickle that holds code is refused, nothing in it runs), finds the state dict in common checkpoint
containers, recognizes the architecture from tensor names and shapes, builds the network as its
authors run it, exports it to ONNX (opset 17, dynamic height and width), checks ONNX Runtime against
torch, and records it in the user's manifest with where it came from. Every failure, Ctrl+C included,
leaves the store as it was. Needs ``pip install "photoai[train]"`` (torch, onnx, onnxscript).
"""

from __future__ import annotations

import importlib.util
import pickle
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from photoai import __version__
from photoai.core.errors import ModelError, one_line
from photoai.core.models import ModelSpec
from photoai.runtime.archs import Arch, builtin_archs
from photoai.runtime.manifest import sha256_of
from photoai.runtime.onnx_export import export_onnx, grown_inputs, verify_onnx
from photoai.runtime.store import ModelStore, check_model_id

if TYPE_CHECKING:
    from photoai.runtime.archs.torch_arch import Prepared

CONTAINER_KEYS = ("params_ema", "params", "state_dict", "model", "net")  # checkpoint wrappers, preferred first
NEEDS = ("torch", "onnx", "onnxscript")
_SCALE_TOKENS = (re.compile(r"(?:^|[^a-z0-9])x([1-8])(?![0-9])"), re.compile(r"(?:^|[^a-z0-9])([1-8])x(?![a-z0-9])"))


def require_torch() -> None:
    """ModelError saying what to install when the converter's packages are missing."""
    missing = [m for m in NEEDS if importlib.util.find_spec(m) is None]
    if missing:
        raise ModelError(f"importing models needs {', '.join(missing)}: pip install \"photoai[train]\"")


def scale_from_name(name: str) -> int | None:
    """The scale an ``x2``, ``_x3`` or ``4x`` token in a file name states (None if there is none)."""
    stem = Path(name).stem.lower()
    for pattern in _SCALE_TOKENS:
        if m := pattern.search(stem):
            return int(m.group(1))
    return None


def load_state(path: Path) -> dict[str, Any]:
    """The state dict in ``path``: tensors only (no code runs), out of common containers, no ``module.``."""
    import torch

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "weights only load failed" in str(e).lower():
            raise ModelError(f"{path.name} holds Python code or objects besides weights; refused for safety "
                             "(save the model's state_dict() instead)") from None
        raise ModelError(f"{path.name} is not a PyTorch weights file ({one_line(e)})") from None
    except Exception as e:  # noqa: BLE001 - torch raises many types for foreign files
        raise ModelError(f"{path.name} is not a PyTorch weights file ({type(e).__name__}: {one_line(e)})") from None
    state = unwrap(obj)
    if state is None:
        top = ", ".join(map(str, list(obj)[:8])) if isinstance(obj, Mapping) else type(obj).__name__
        raise ModelError(f"{path.name} holds no state dict of tensors (found: {top})")
    return state


def unwrap(obj: Any) -> dict[str, Any] | None:
    """The tensors of a state dict, inside ``state_dict``/``params_ema``/... wrappers, without ``module.``."""
    import torch

    while isinstance(obj, Mapping):
        inner = next((obj[k] for k in CONTAINER_KEYS if isinstance(obj.get(k), Mapping)), None)
        if inner is None:
            break
        obj = inner
    if not isinstance(obj, Mapping) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        return None
    state = {str(k): v for k, v in obj.items()}
    if all(k.startswith("module.") for k in state):
        state = {k.removeprefix("module."): v for k, v in state.items()}
    return state


def recognize(state: dict[str, Any], archs: Sequence[Arch], scale: int | None, name: str) -> Prepared:
    """The network of the first architecture that recognizes ``state`` (else spandrel's, if installed)."""
    from photoai.runtime.archs.torch_arch import Prepared
    from photoai.runtime.archs.via_spandrel import prepare_with_spandrel, spandrel_available

    for arch in archs:
        config = arch.detect(state, scale)
        if config is None:
            continue
        if arch.needs_scale and scale is None:
            raise ModelError(f"{name} looks like {arch.title}, whose weights do not state the scale: "
                             "pass --scale (or name the file like model_x3.pth)")
        module = arch.deployed(state, config, name)
        entry = {"arch": arch.name, "title": f"{arch.title.partition(' (')[0]}: {name}", "task": arch.task,
                 **arch.facts(config)}
        return Prepared(module, tuple(arch.example_inputs(config)), entry)
    supported = "; ".join(a.title for a in archs) or "none"
    if not spandrel_available():
        raise ModelError(f"{name} is not an architecture PhotoAI can import (supported: {supported}; "
                         "pip install \"photoai[spandrel]\" for more)")
    try:
        return prepare_with_spandrel(state)
    except ModelError as e:
        raise ModelError(f"{name} is not an architecture PhotoAI can import (supported: {supported}); {e}") from None


def source_record(path: Path) -> dict[str, str]:
    """Where an imported model came from (the manifest's ``source``)."""
    return {"file": path.name, "sha256": sha256_of(path),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "importer": f"photoai {__version__}"}


def import_model(path: Path | str, model_id: str, *, archs: Sequence[Arch] | None = None,
                 store: ModelStore | None = None, scale: int | None = None,
                 known_ids: Iterable[str] = ()) -> ModelSpec:
    """Convert the weights in ``path`` to an ONNX model ``model_id`` in ``store`` (the user's by default).

    ``archs``: the architectures to try, in order (default :func:`builtin_archs`); ``scale``: for
    architectures whose weights do not state it (default: an ``x2``/``_x3``/``4x`` token in the file
    name); ``known_ids``: ids already taken elsewhere (plugins' models), refused like the store's own.
    """
    path, store = Path(path), store if store is not None else ModelStore()
    check_model_id(model_id)
    if model_id in set(known_ids) | {s.id for s in store.entries()}:
        raise ModelError(f"model id '{model_id}' is already taken; choose another --id (or remove that model)")
    if scale is not None and scale < 1:
        raise ModelError(f"scale {scale}: must be a positive integer")
    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    require_torch()
    state = load_state(path)
    prepared = recognize(state, builtin_archs() if archs is None else archs, scale or scale_from_name(path.name),
                         path.name)
    tmp = store.temp_path()
    try:
        facts, multiple = prepared.entry, int(prepared.entry.get("size_multiple", 1))
        names = facts.get("inputs") or [f"input{i}" for i in range(len(prepared.inputs))]
        export_onnx(prepared.module, prepared.inputs, tmp, input_names=names, size_multiple=multiple,
                    min_size=int(facts.get("min_size", 1)))
        verify_onnx(prepared.module, tmp, grown_inputs(prepared.inputs, multiple))
        params = sum(int(p.numel()) for p in prepared.module.parameters())
        entry = {**facts, "id": model_id, "format": "onnx", "params": params, "source": source_record(path)}
        return store.add(entry, tmp)
    finally:
        tmp.unlink(missing_ok=True)  # moved into the store on success; gone on any failure
