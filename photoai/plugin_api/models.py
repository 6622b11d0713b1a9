"""Where plugins and the model runtime meet: the runtime built from the plugins' model folders,
``model`` parameters filled with every installed model of their task, and importing/removing models
with every plugin's architectures (one implementation for the CLI and the editor)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from pathlib import Path

from photoai.core.errors import ModelError
from photoai.core.models import ModelProvider, ModelSpec
from photoai.core.params import ModelParam, Param
from photoai.plugin_api.registry import PluginRegistry
from photoai.runtime import Runtime
from photoai.runtime.archs import Arch
from photoai.runtime.manifest import ModelSource
from photoai.runtime.store import ModelStore


def model_sources(registry: PluginRegistry) -> list[ModelSource]:
    """Each plugin's ``models/`` folder that holds a manifest, once, in plugin order."""
    sources: list[ModelSource] = []
    seen: set[str] = set()
    for plugin in registry.plugins():
        folder = getattr(plugin, "models_dir", None)
        if folder is None or not (folder / "manifest.json").is_file():
            continue
        key = str(folder.resolve())
        if key not in seen:
            seen.add(key)
            sources.append(ModelSource(folder, f"plugin {plugin.info.id}"))
    return sources


def open_runtime(registry: PluginRegistry, device: str = "auto", *, user_models: bool = True) -> Runtime:
    """The runtime for the app: every plugin's models, the user store and ``$PHOTOAI_MODELS_DIR``."""
    return Runtime(model_sources(registry), device, user_models=user_models)


def gpu_variant_ids(specs: Iterable[ModelSpec]) -> set[str]:
    """The ids other entries name as their ``gpu_variant``: copies of a model for a GPU, not models to offer."""
    return {s.gpu_variant for s in specs if s.gpu_variant}


def resolve_params(
    params: Iterable[Param], provider: ModelProvider | None, own: Iterable[str] = ()
) -> tuple[Param, ...]:
    """``params`` with each :class:`ModelParam` extended by the installed models of its task that are not
    among ``own`` (the plugin's built-in model ids), labelled with their titles."""
    own_ids = set(own)
    out: list[Param] = []
    for p in params:
        if isinstance(p, ModelParam) and provider is not None:
            specs = provider.models(p.task)
            variants = gpu_variant_ids(specs)
            extra = [s for s in specs
                     if s.format == "onnx" and s.id not in own_ids | variants and s.id not in p.choices]
            if extra:
                labels = p.labels or tuple(str(c) for c in p.choices)
                p = dataclasses.replace(p, choices=p.choices + tuple(s.id for s in extra),
                                        labels=labels + tuple(f"{s.label()} (imported)" if s.imported else s.label()
                                                              for s in extra))
        out.append(p)
    return tuple(out)


def plugin_archs(registry: PluginRegistry) -> list[Arch]:
    """The architectures the plugins can import (``plugin.architectures()``, where a plugin has it), in
    plugin order; a plugin whose method fails is skipped with a warning. Combine with ``builtin_archs()``."""
    archs: list[Arch] = []
    for plugin in registry.plugins():
        method = getattr(plugin, "architectures", None)
        if method is None:
            continue
        try:
            archs += list(method())
        except Exception as e:  # noqa: BLE001 - a third-party plugin must not break importing the others
            logging.getLogger(__name__).warning("plugin %s: architectures() failed: %s", plugin.info.id, e)
    return archs


def import_weights(registry: PluginRegistry, runtime: Runtime, path: Path | str, model_id: str,
                   scale: int | None = None) -> ModelSpec:
    """Import PyTorch weights into the user's store (every plugin's architectures and the built-in ones),
    refusing an id any source already uses; the runtime sees the new model at once. Needs torch."""
    from photoai.runtime.archs import builtin_archs
    from photoai.runtime.importer import import_model, require_torch

    require_torch()  # before the architectures import it: a clear message, not an ImportError
    spec = import_model(path, model_id, archs=[*plugin_archs(registry), *builtin_archs()], scale=scale,
                        known_ids=runtime.manifest.specs)
    runtime.reload()
    return spec


def remove_model(runtime: Runtime, model_id: str) -> ModelSpec:
    """Remove an imported model; a built-in one is refused with a clear message."""
    spec = runtime.manifest.specs.get(model_id)
    if spec is not None and not spec.imported:
        raise ModelError(f"model '{model_id}' ships with {spec.manifest}; only imported models can be removed")
    removed = ModelStore().remove(model_id)
    runtime.reload()
    return removed
