"""What of an open document has been written out: the photo (by Export) and the painted mask.

A mask is a selection, not an edit of the photo. Closing therefore asks to export only when the
photo itself changed, and asks about an unsaved mask in its own words when only the mask is new.
Exporting counts as done with the mask too (it served the edit); saving or loading a mask PNG
records that mask as saved. Undoing back to what was saved leaves nothing unsaved.
"""

from __future__ import annotations

import hashlib

import numpy as np

from photoai.core.document import Document


def _digest(mask: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(mask).tobytes(), digest_size=16).digest()


class SavedState:
    """The photo and the mask of ``document`` as last written out (at first: as opened)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._image = document.image
        self._mask: bytes | None = None  # digest of the mask last saved; None: nothing painted
        self.mask_saved()

    @property
    def photo_modified(self) -> bool:
        """The photo differs from the one opened or last exported (kept results; undo brings it back)."""
        return self.document.image is not self._image

    @property
    def mask_unsaved(self) -> bool:
        """Something is painted that was neither saved, loaded nor used for an export (reads the mask)."""
        doc = self.document
        return doc.has_mask and _digest(doc.mask) != self._mask

    def photo_saved(self) -> None:
        """The photo was exported: it, and the mask that served it, are written out."""
        self._image = self.document.image
        self.mask_saved()

    def mask_saved(self) -> None:
        """The current mask is on disk (saved or loaded as a PNG)."""
        doc = self.document
        self._mask = _digest(doc.mask) if doc.has_mask else None
