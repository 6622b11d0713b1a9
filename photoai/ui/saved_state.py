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
from photoai.core.image import ImageBuffer


def _digest(mask: np.ndarray) -> bytes:
    return hashlib.blake2b(np.ascontiguousarray(mask).tobytes(), digest_size=16).digest()


def mask_print(mask: np.ndarray) -> bytes | None:
    """What identifies a painted mask (None: nothing painted). It reads the whole mask (48 MB at 12 MP, tens
    of milliseconds): the worker that exports or saves computes it, not the GUI thread."""
    return _digest(mask) if mask.any() else None


class SavedState:
    """The photo and the mask of ``document`` as last written out (at first: as opened)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._image = document.image
        self._mask: bytes | None = _digest(document.mask) if document.has_mask else None  # of the mask last saved

    @property
    def photo_modified(self) -> bool:
        """The photo differs from the one opened or last exported (kept results; undo brings it back)."""
        return self.document.image is not self._image

    @property
    def mask_unsaved(self) -> bool:
        """Something is painted that was neither saved, loaded nor used for an export (reads the mask)."""
        doc = self.document
        return doc.has_mask and _digest(doc.mask) != self._mask

    def photo_saved(self, image: ImageBuffer, mask: bytes | None) -> None:
        """``image`` was exported: it, and the mask that served it (its :func:`mask_print`), are written out."""
        self._image = image
        self.mask_saved(mask)

    def mask_saved(self, mask: bytes | None) -> None:
        """The mask whose :func:`mask_print` is ``mask`` is on disk (saved or loaded as a PNG)."""
        self._mask = mask
