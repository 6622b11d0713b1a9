"""The mask brush: tool state (size, hardness, opacity, brush/eraser) and stroke forwarding.

Qt-free: the canvas calls :meth:`press`/:meth:`move`/:meth:`release`
with image coordinates and the document does the painting (one stroke = one undo step).
``changed`` fires whenever a setting changes, so tool bars and the brush cursor follow.
"""

from __future__ import annotations

from dataclasses import replace

from photoai.core.document import Document
from photoai.core.events import Signal
from photoai.core.mask import BrushSettings

MIN_SIZE = 1.0
MAX_SIZE = 1000.0
#: ``[`` and ``]`` change the size by this factor (like most painting apps).
SIZE_STEP = 1.2


class BrushController:
    def __init__(self, settings: BrushSettings | None = None) -> None:
        self.settings = settings or BrushSettings()
        self.document: Document | None = None
        self.enabled = True
        self.changed = Signal()
        self._active = False

    # -- settings -----------------------------------------------------------------------
    def _update(self, **kw) -> None:
        new = replace(self.settings, **kw)
        if new != self.settings:
            self.settings = new
            self.changed.emit()

    @property
    def size(self) -> float:
        return self.settings.size

    def set_size(self, size: float) -> None:
        self._update(size=float(min(max(size, MIN_SIZE), MAX_SIZE)))

    def grow(self) -> None:
        self.set_size(max(self.size * SIZE_STEP, self.size + 1))

    def shrink(self) -> None:
        self.set_size(min(self.size / SIZE_STEP, self.size - 1))

    def set_hardness(self, hardness: float) -> None:
        self._update(hardness=float(min(max(hardness, 0.0), 1.0)))

    def set_opacity(self, opacity: float) -> None:
        self._update(opacity=float(min(max(opacity, 0.01), 1.0)))

    @property
    def erasing(self) -> bool:
        return self.settings.erase

    def set_erase(self, erase: bool) -> None:
        self._update(erase=bool(erase))

    def use_brush(self) -> None:
        self.set_erase(False)

    def use_eraser(self) -> None:
        self.set_erase(True)

    # -- strokes ------------------------------------------------------------------------
    def set_document(self, document: Document | None) -> None:
        self.cancel()
        self.document = document

    def set_enabled(self, enabled: bool) -> None:
        if not enabled:
            self.release()
        self.enabled = enabled

    @property
    def painting(self) -> bool:
        return self._active

    def press(self, x: float, y: float) -> bool:
        """Start a stroke at image point (x, y); False when the brush is not usable now."""
        if not self.enabled or self.document is None:
            return False
        if self._active:
            self.release()
        self._active = True
        self.document.begin_stroke(self.settings, x, y)
        return True

    def move(self, x: float, y: float) -> None:
        if self._active and self.document is not None:
            self.document.continue_stroke(x, y)

    def release(self) -> None:
        """End the stroke: the document records it as one undo step."""
        if self._active and self.document is not None:
            self._active = False
            self.document.end_stroke()
        self._active = False

    def cancel(self) -> None:
        self.release()
