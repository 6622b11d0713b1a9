"""Model warm-up: the selected plugin's models load on a worker while the user prepares the run (issue 15).

Loading an ONNX model takes a few tenths of a second the first time in a session (inpaint: about 0.3 s), which a
first Run would otherwise spend before its preview. :class:`WindowWarmup` loads the models of the plugin selected
in the panel into the runtime's cache (``Runtime.load`` caches them; the run then finds them loaded) once a photo
is open: when a plugin is selected with a photo open, or a photo is opened with a plugin selected. Only the
selected plugin's models, on their own worker (never the GUI thread); selecting another plugin drops what is not
loaded yet (a load under way finishes: ONNX Runtime cannot stop it, and it is only cached).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from photoai.core.jobs import RunContext
from photoai.core.params import ModelParam
from photoai.plugin_api.plugin import Plugin
from photoai.ui.jobs import JobRunner

if TYPE_CHECKING:
    from photoai.ui.main_window import MainWindow

log = logging.getLogger(__name__)

#: A plugin that declares more models than this picks among them by its values (superres: one per scale, precision
#: and speed): nothing is warmed for it, rather than models its run may not use.
MAX_WARM = 2


def models_to_warm(plugin: Plugin, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The models a run of ``plugin`` with ``values`` loads, as far as its declaration says: its ``model_ids`` when it
    declares at most :data:`MAX_WARM`; none when it declares more, or when a model parameter names another model
    (an imported one: the run loads that)."""
    ids = plugin.info.model_ids
    if not ids or len(ids) > MAX_WARM:
        return ()
    for p in plugin.info.params:
        if isinstance(p, ModelParam) and values.get(p.key, p.default) not in p.choices:
            return ()
    return ids


class WindowWarmup(QObject):
    """Warms the main window's selected plugin's models (see the module docstring). ``warmed(ids)`` tells
    observers (tests) which models a warm-up loaded."""

    warmed = Signal(tuple)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.runner = JobRunner(window.runtime, self, max_threads=1)
        self.runner.finished.connect(lambda _id, ids: self.warmed.emit(ids))
        self.runner.failed.connect(lambda _id, message: log.info("model warm-up failed: %s", message))
        window.plugin_panel.plugin_selected.connect(lambda _pid: self.warm())
        window.document_opened.connect(lambda _path: self.warm())

    def warm(self) -> int | None:
        """Load the selected plugin's models on the worker (a warm-up of another plugin still queued is dropped);
        returns the job id, or None when there is nothing to load (no photo, no plugin, no models to warm)."""
        w = self.window
        plugin = w.plugin_panel.current_plugin
        ids = models_to_warm(plugin, w.plugin_panel.values()) if plugin is not None and w.document is not None else ()
        if not ids or not callable(getattr(w.runtime, "load", None)):
            self.runner.cancel()
            return None

        def job(ctx: RunContext) -> tuple[str, ...]:
            for model_id in ids:
                ctx.raise_if_cancelled()
                ctx.runtime.load(model_id)  # cached by the runtime: the run reuses it
            return ids

        return self.runner.submit(job)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        return self.runner.shutdown(timeout_ms)
