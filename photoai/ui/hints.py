"""The editor window's colour hints: one :class:`~photoai.ui.canvas.hints.HintTool` shared by the settings
form of every plugin that takes hints (a ``PointsParam``), kept in step with the window.

- The form's hints row (:class:`~photoai.ui.widgets.hints_editor.PointsEditor`) is bound to the tool
  whenever a form is built; a plugin without hints hides the markers and gives the canvas back to the brush.
- Brush or Eraser (B/E) end hint placing: one canvas tool at a time.
- Hints belong to the photo: opening another photo, or a change of the photo's size, clears them.
- When the pending result came from the selected plugin, a hint change runs it again (debounced, the
  result replaces the pending one: :meth:`MainWindow.rerun_proposal`). Hints are not live parameters:
  they change the network's input.
- Every hint edit (place, move, recolour, delete, clear) is a step of the photo's undo history
  (:class:`HintsEdit`); Undo and Redo put the hints back, and so run the plugin again when its result is
  pending. An edit made while a result is pending is undone within it (the result stays pending).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from photoai.core.geometry import Size
from photoai.core.image import ImageBuffer
from photoai.core.params import ColorPoint, points_params
from photoai.ui.canvas.hints import HintTool

if TYPE_CHECKING:
    from photoai.core.document import Document
    from photoai.ui.main_window import MainWindow

#: Milliseconds after the last hint change before the plugin runs again.
RERUN_DELAY_MS = 300


@dataclass
class HintsEdit:
    """One hint edit as an undo step: the tool's points before and after. ``pending_base``: the pending
    result's photo when the edit was made while it was shown, else None (see ``Document.edits_result``)."""

    tool: HintTool
    before: tuple[ColorPoint, ...]
    after: tuple[ColorPoint, ...]
    label: str
    pending_base: ImageBuffer | None = None

    @property
    def nbytes(self) -> int:
        return 64 * (len(self.before) + len(self.after))

    def apply(self, doc: Document) -> None:
        self.tool.set_points(self.after)

    def revert(self, doc: Document) -> None:
        self.tool.set_points(self.before)


class WindowHints(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.tool = HintTool(window.canvas, self)
        self.rerun_timer = QTimer(self)
        self.rerun_timer.setSingleShot(True)
        self.rerun_timer.setInterval(RERUN_DELAY_MS)
        self.rerun_timer.timeout.connect(self.rerun)
        self._size: Size | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.tool.changed.connect(self.rerun_timer.start)
        self.tool.edited.connect(self._record)
        window.plugin_panel.form_built.connect(self.bind_form)
        for action in (window.act.brush, window.act.eraser):
            action.triggered.connect(self._end_placing)
        self.tool.active_changed.connect(self._show_tool)
        window.document_opened.connect(self._on_document)
        self.bind_form()

    def bind_form(self) -> None:
        """Bind the current form's hints row to the tool, or put the tool away when there is none."""
        from photoai.ui.widgets.hints_editor import PointsEditor

        form = self.window.plugin_panel.form
        editor = next((e for e in form.editors.values() if isinstance(e, PointsEditor)), None) if form else None
        if editor is None:
            self.tool.set_active(False)
            self.tool.set_visible(False)
            return
        editor.bind(self.tool)
        self.tool.set_visible(True)

    def _record(self, label: str, before: tuple[ColorPoint, ...], after: tuple[ColorPoint, ...]) -> None:
        """A hint edit by the user: one undo step (already applied)."""
        doc = self.window.document
        if doc is not None:
            base = doc.proposal.before if doc.proposal is not None else None
            doc.history.push(HintsEdit(self.tool, before, after, label, base), doc, applied=True)

    def _end_placing(self) -> None:
        self.tool.set_active(False)

    def _show_tool(self, placing: bool) -> None:
        """Brush and Eraser look unchecked while hints are placed (one canvas tool at a time)."""
        act = self.window.act
        group = act.brush.actionGroup()
        if group is not None:
            group.setExclusionPolicy(group.ExclusionPolicy.ExclusiveOptional if placing
                                     else group.ExclusionPolicy.Exclusive)
        if placing:
            act.brush.setChecked(False)
            act.eraser.setChecked(False)
        else:
            erasing = self.window.brush.erasing
            act.eraser.setChecked(erasing)
            act.brush.setChecked(not erasing)

    def _on_document(self, _path: object) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        doc = self.window.document
        self._size = doc.image.size if doc is not None else None
        self.tool.clear()
        if doc is not None:
            self._unsubscribe = doc.image_changed.connect(self._on_image_changed)

    def _on_image_changed(self) -> None:
        doc = self.window.document
        if doc is not None and doc.image.size != self._size:
            self._size = doc.image.size
            self.tool.clear()  # the hints were pixels of a photo of another size

    def rerun(self) -> int | None:
        """Run the selected plugin again with the current hints if the pending result is its own."""
        self.rerun_timer.stop()
        w = self.window
        doc, plugin = w.document, w.plugin_panel.current_plugin
        proposal = doc.proposal if doc is not None else None
        if proposal is None or plugin is None or proposal.plugin_id != plugin.info.id:
            return None
        if not points_params(plugin.info.params):
            return None
        return w.rerun_proposal(w.plugin_panel.values())
