"""An open photo: image, mask, undo history and a pending plugin result (the proposal)."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from photoai.core.events import Signal
from photoai.core.geometry import Rect
from photoai.core.history import History
from photoai.core.image import ImageBuffer
from photoai.core.mask import BrushSettings, BrushStroke, new_mask


@dataclass
class Proposal:
    """A finished plugin result waiting for Keep or Discard. ``clear_mask``: the mask was what
    the plugin filled (inpainting), so Keep clears it in the same undo step."""

    before: ImageBuffer
    after: ImageBuffer
    plugin_id: str
    title: str
    values: dict[str, Any] = field(default_factory=dict)
    clear_mask: bool = False


@dataclass
class MaskPatch:
    """A painted region of the mask: only the bounding box is stored."""

    rect: Rect
    before: np.ndarray
    after: np.ndarray
    label: str = "Brush stroke"

    @property
    def nbytes(self) -> int:
        return self.before.nbytes + self.after.nbytes

    def apply(self, doc: Document) -> None:
        doc._before_write()
        doc.mask[self.rect.slices()] = self.after
        doc._mask_edited(self.rect, None)

    def revert(self, doc: Document) -> None:
        doc._before_write()
        doc.mask[self.rect.slices()] = self.before
        doc._mask_edited(self.rect, None)


@dataclass
class SwapMask:
    """A new whole mask (clear, invert, load) that swaps the mask arrays instead of copying them: ``before`` is
    the document's old array itself, ``after`` the new one (later strokes on it are edits of their own, undone
    before this step is). ``painted_*``: whether each selects something (None: not known, scanned when asked)."""

    before: np.ndarray
    after: np.ndarray
    painted_before: bool | None = None
    painted_after: bool | None = None
    label: str = "Set mask"

    @property
    def nbytes(self) -> int:
        return self.before.nbytes + self.after.nbytes

    def apply(self, doc: Document) -> None:
        doc._replace_mask(self.after, self.painted_after)

    def revert(self, doc: Document) -> None:
        doc._replace_mask(self.before, self.painted_before)


@dataclass
class ReplaceImage:
    """A kept plugin result (size changes included); the mask is reset when the size changes."""

    before: ImageBuffer
    after: ImageBuffer
    mask_before: np.ndarray
    mask_after: np.ndarray
    label: str = "Apply"
    painted_before: bool | None = None  # whether each mask selects something (None: not known)
    painted_after: bool | None = None

    @property
    def nbytes(self) -> int:
        return self.before.nbytes + self.after.nbytes + self.mask_before.nbytes + self.mask_after.nbytes

    def apply(self, doc: Document) -> None:
        doc._set_image(self.after, self.mask_after, self.painted_after)

    def revert(self, doc: Document) -> None:
        doc._set_image(self.before, self.mask_before, self.painted_before)


class MaskSnapshot:
    """The mask as it was when taken (:meth:`Document.mask_snapshot`), for a worker: calling it there returns a copy
    made there (the thread that took it copies nothing). Should the document change that mask in place first (a
    stroke right after Run), it makes the copy itself before."""

    def __init__(self, mask: np.ndarray) -> None:
        self._mask: np.ndarray | None = mask
        self._copy: np.ndarray | None = None
        self._lock = threading.Lock()

    def __call__(self) -> np.ndarray:
        with self._lock:
            if self._copy is None:
                assert self._mask is not None
                self._copy, self._mask = self._mask.copy(), None
            return self._copy


class Document:
    """The model behind the editor window; the Qt layer observes its signals.

    Signals: ``image_changed()``, ``mask_changed(rect)``, ``proposal_changed()``, and
    ``history.changed()`` for undo state and the dirty flag.
    """

    def __init__(self, image: ImageBuffer, path: Path | None = None, history_budget: int = 2 << 30) -> None:
        self.path = Path(path) if path else None
        self.image = image
        self.mask = new_mask(image.size)
        self.history = History(history_budget)
        self.proposal: Proposal | None = None
        self.image_changed = Signal()
        self.mask_changed = Signal()
        self.proposal_changed = Signal()
        self._stroke: BrushStroke | None = None
        self._painted: bool | None = False  # whether the mask selects something; None: scan when asked
        self._lent: weakref.WeakSet[MaskSnapshot] = weakref.WeakSet()  # snapshots that may not have copied yet

    # -- state ------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return not self.history.is_clean

    @property
    def has_mask(self) -> bool:
        """The mask selects something: known after most edits (new, cleared, kept, undone whole masks), else
        scanned once per change (48 MB at 12 MP) and remembered."""
        if self._painted is None:
            self._painted = bool(self.mask.any())
        return self._painted

    @property
    def mask_known_empty(self) -> bool:
        """The mask is known to select nothing (no scan: a new, cleared or kept-and-cleared mask)."""
        return self._painted is False

    def mask_snapshot(self) -> MaskSnapshot:
        """The mask as it is now, copied by whoever calls the snapshot (a worker), not here: a 12 MP mask is 48 MB."""
        snapshot = MaskSnapshot(self.mask)
        self._lent.add(snapshot)
        return snapshot

    def _before_write(self) -> None:
        """The mask is about to change in place: snapshots of it not copied yet copy it now."""
        for snapshot in list(self._lent):
            snapshot()
        self._lent.clear()

    def _mask_edited(self, rect: Rect, painted: bool | None) -> None:
        """The mask changed inside ``rect`` and now does (not) select something (None: not known)."""
        self._painted = painted
        self.mask_changed.emit(rect)

    def _replace_mask(self, mask: np.ndarray, painted: bool | None) -> None:
        self.mask = mask
        self._mask_edited(Rect(0, 0, mask.shape[1], mask.shape[0]), painted)

    def _set_image(self, image: ImageBuffer, mask: np.ndarray, painted: bool | None = None) -> None:
        self.image, self.mask, self._painted = image, mask, painted
        self.image_changed.emit()
        self.mask_changed.emit(Rect(0, 0, image.size.width, image.size.height))

    # -- brush ----------------------------------------------------------------------------
    def begin_stroke(self, brush: BrushSettings, x: float, y: float) -> Rect:
        self._stroke = BrushStroke(self.mask, brush)
        return self._paint(x, y)

    def continue_stroke(self, x: float, y: float) -> Rect:
        return self._paint(x, y) if self._stroke else Rect(0, 0, 0, 0)

    def end_stroke(self) -> None:
        """Finish the stroke as one undo step."""
        stroke, self._stroke = self._stroke, None
        if stroke is None or stroke.dirty.empty:
            return
        rect = stroke.dirty
        label = "Erase" if stroke.brush.erase else "Brush stroke"
        patch = MaskPatch(rect, stroke.before(rect), self.mask[rect.slices()].copy(), label)
        self.history.push(patch, self, applied=True)

    def _paint(self, x: float, y: float) -> Rect:
        assert self._stroke is not None
        self._before_write()
        rect = self._stroke.add_point(x, y)
        if not rect.empty:  # painting keeps a painted mask painted; an erase may empty it
            self._mask_edited(rect, True if self._painted and not self._stroke.brush.erase else None)
        return rect

    def set_mask(self, mask: np.ndarray, label: str = "Set mask", painted: bool | None = None) -> None:
        """Replace the whole mask (clear, invert, load) as one undo step (one pass over the pixels: clip's own new
        array becomes the mask, the old one is kept by the step). ``painted``: whether ``mask`` selects
        something, when the caller knows."""
        if np.shape(mask) != self.mask.shape:
            raise ValueError(f"mask shape {np.shape(mask)} does not match {self.mask.shape}")
        self._swap_mask(np.clip(np.asarray(mask, np.float32), 0.0, 1.0), label, painted)

    def invert_mask(self) -> None:
        """Select what was not selected (one undo step; the mask stays in [0, 1]: no clip)."""
        self._swap_mask(np.subtract(np.float32(1.0), self.mask), "Invert mask")

    def _swap_mask(self, mask: np.ndarray, label: str, painted: bool | None = None) -> None:
        """``mask`` (float32 in [0, 1], the document's own from now on) replaces the mask as one undo step."""
        self.history.push(SwapMask(self.mask, mask, self._painted, painted, label), self)

    def clear_mask(self) -> None:
        if self.has_mask:  # np.zeros: pages of zeros made as they are first touched (zeros_like writes 48 MB)
            self._swap_mask(np.zeros(self.mask.shape, np.float32), "Clear mask", painted=False)

    # -- plugin results --------------------------------------------------------------------
    def propose(self, after: ImageBuffer, plugin_id: str, title: str, values: dict[str, Any],
                clear_mask: bool = False) -> None:
        self.proposal = Proposal(self.image, after, plugin_id, title, dict(values), clear_mask)
        self.proposal_changed.emit()

    def revise(self, after: ImageBuffer, values: dict[str, Any]) -> None:
        """Replace the pending result's pixels and values (a live re-render); the rest of the proposal stays."""
        if self.proposal is None:
            raise RuntimeError("no pending result to revise")
        self.proposal = replace(self.proposal, after=after, values=dict(values))
        self.proposal_changed.emit()

    def keep(self) -> None:
        """Apply the proposal as one undoable step (undo also brings back the mask as it was). The step holds
        the mask itself, not a copy (48 MB at 12 MP, a stall of the editor): a later change to it is an edit
        of its own, undone before this step is."""
        p, self.proposal = self.proposal, None
        if p is None:
            return
        keep_mask = p.after.size == p.before.size and not p.clear_mask
        mask_after = self.mask if keep_mask else new_mask(p.after.size)
        painted = self._painted
        self.history.push(ReplaceImage(p.before, p.after, self.mask, mask_after, p.title, painted,
                                       painted if keep_mask else False), self)
        self.proposal_changed.emit()

    def discard(self) -> None:
        if self.proposal is not None:
            self.proposal = None
            self.proposal_changed.emit()

    # -- undo -------------------------------------------------------------------------------
    def edits_result(self, redo: bool = False) -> bool:
        """True when the next undo (``redo``: redo) step was made while the pending result was shown (its
        ``pending_base`` is the result's photo, e.g. a moved colour hint): it is undone or redone within the
        result, which stays pending, instead of throwing the result away."""
        edit = self.history.next_redo if redo else self.history.next_undo
        return (self.proposal is not None and edit is not None
                and getattr(edit, "pending_base", None) is self.proposal.before)

    def undo(self) -> bool:
        if not self.edits_result():
            self.discard()
        return self.history.undo(self)

    def redo(self) -> bool:
        if not self.edits_result(redo=True):
            self.discard()
        return self.history.redo(self)
