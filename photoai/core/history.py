"""Undo/redo with Qt's semantics (push applies) and a byte budget instead of an item count."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from photoai.core.events import Signal

if TYPE_CHECKING:
    from photoai.core.document import Document


class Edit(Protocol):
    """One undoable step. An edit may also carry ``pending_base``: the pending result's photo
    (``Proposal.before``) when it was made while that result was shown (e.g. a colour hint moved); undo and
    redo then keep the result pending (:meth:`Document.edits_result`)."""

    label: str

    @property
    def nbytes(self) -> int: ...

    def apply(self, doc: Document) -> None: ...

    def revert(self, doc: Document) -> None: ...


class History:
    """A stack of applied edits and a stack of undone ones.

    ``changed`` fires after every push/undo/redo/clear. The oldest edits are dropped when the
    stored bytes exceed ``budget_bytes`` (the newest edit is always kept).
    """

    def __init__(self, budget_bytes: int = 2 << 30) -> None:
        self.budget_bytes = budget_bytes
        self._done: list[Edit] = []
        self._undone: list[Edit] = []
        self._clean_index: int | None = 0
        self.changed = Signal()

    def push(self, edit: Edit, doc: Document, applied: bool = False) -> None:
        """Record ``edit``; apply it first unless ``applied`` says it already took effect."""
        if not applied:
            edit.apply(doc)
        self._done.append(edit)
        if self._clean_index is not None and self._clean_index > len(self._done) - 1:
            self._clean_index = None  # the clean state was in the discarded redo branch
        self._undone.clear()
        self._trim()
        self.changed.emit()

    def undo(self, doc: Document) -> bool:
        if not self._done:
            return False
        edit = self._done.pop()
        edit.revert(doc)
        self._undone.append(edit)
        self.changed.emit()
        return True

    def redo(self, doc: Document) -> bool:
        if not self._undone:
            return False
        edit = self._undone.pop()
        edit.apply(doc)
        self._done.append(edit)
        self.changed.emit()
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def next_undo(self) -> Edit | None:
        """The edit :meth:`undo` would revert."""
        return self._done[-1] if self._done else None

    @property
    def next_redo(self) -> Edit | None:
        """The edit :meth:`redo` would apply again."""
        return self._undone[-1] if self._undone else None

    @property
    def undo_label(self) -> str:
        return self._done[-1].label if self._done else ""

    @property
    def redo_label(self) -> str:
        return self._undone[-1].label if self._undone else ""

    @property
    def nbytes(self) -> int:
        return sum(e.nbytes for e in self._done) + sum(e.nbytes for e in self._undone)

    def mark_clean(self) -> None:
        self._clean_index = len(self._done)
        self.changed.emit()

    @property
    def is_clean(self) -> bool:
        return self._clean_index == len(self._done)

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean_index = 0
        self.changed.emit()

    def _trim(self) -> None:
        while len(self._done) > 1 and self.nbytes > self.budget_bytes:
            self._done.pop(0)
            if self._clean_index is not None:
                self._clean_index -= 1
                if self._clean_index < 0:
                    self._clean_index = None
