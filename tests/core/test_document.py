import numpy as np
import pytest

from photoai.core.document import Document
from photoai.core.image import ImageBuffer
from photoai.core.mask import BrushSettings, mask_bbox


@pytest.fixture
def doc():
    rgb = np.random.default_rng(1).random((60, 80, 3), dtype=np.float32)
    return Document(ImageBuffer(rgb))


def test_stroke_paints_and_is_one_undo_step(doc):
    changed = []
    doc.mask_changed.connect(changed.append)
    doc.begin_stroke(BrushSettings(size=10, hardness=1.0), 10, 10)
    for x in range(12, 50, 3):
        doc.continue_stroke(x, 20)
    doc.end_stroke()
    assert changed and doc.mask[20, 30] == pytest.approx(1.0)
    assert doc.mask[55, 75] == 0.0
    box = mask_bbox(doc.mask)
    assert box.x <= 5 and box.right >= 50
    assert doc.modified and doc.history.undo_label == "Brush stroke"
    painted = doc.mask.copy()
    assert doc.undo() and not doc.mask.any()
    assert doc.redo()
    np.testing.assert_array_equal(doc.mask, painted)
    assert not doc.history.can_redo


def test_opacity_does_not_build_up_within_a_stroke(doc):
    doc.begin_stroke(BrushSettings(size=12, hardness=1.0, opacity=0.5), 30, 30)
    for _ in range(5):
        doc.continue_stroke(30.5, 30)
        doc.continue_stroke(30, 30)
    doc.end_stroke()
    assert doc.mask[30, 30] == pytest.approx(0.5, abs=1e-6)
    doc.begin_stroke(BrushSettings(size=12, hardness=1.0, opacity=0.5), 30, 30)
    doc.end_stroke()
    assert doc.mask[30, 30] == pytest.approx(0.75, abs=1e-6)  # a second stroke composites


def test_soft_brush_falls_off_and_eraser_removes(doc):
    doc.begin_stroke(BrushSettings(size=20, hardness=0.0), 40, 30)
    doc.end_stroke()
    assert doc.mask[30, 40] > 0.9 and 0.0 < doc.mask[30, 47] < doc.mask[30, 43]
    doc.begin_stroke(BrushSettings(size=40, erase=True), 40, 30)
    doc.end_stroke()
    assert not doc.mask.any()
    assert doc.history.undo_label == "Erase"


def test_keep_is_undoable_and_handles_size_change(doc):
    doc.begin_stroke(BrushSettings(size=8), 10, 10)
    doc.end_stroke()
    big = ImageBuffer(np.zeros((120, 160, 3), np.float32))
    doc.propose(big, "x", "Upscale", {"scale": 2})
    assert doc.proposal is not None
    doc.keep()
    assert doc.image.size == (160, 120) and doc.mask.shape == (120, 160) and not doc.mask.any()
    assert doc.history.undo_label == "Upscale"
    doc.undo()
    assert doc.image.size == (80, 60) and doc.mask.any()
    doc.redo()
    assert doc.image is big


def test_keep_clears_a_consumed_mask_and_undo_brings_it_back(doc):
    doc.begin_stroke(BrushSettings(size=8), 10, 10)
    doc.end_stroke()
    painted = doc.mask.copy()
    doc.propose(ImageBuffer(np.ones((60, 80, 3), np.float32)), "fill", "Fill", {}, clear_mask=True)
    doc.keep()
    assert not doc.mask.any() and doc.image.rgb.min() == 1.0
    doc.undo()
    np.testing.assert_array_equal(doc.mask, painted)
    doc.redo()
    assert not doc.mask.any()


def test_discard_leaves_document_unchanged(doc):
    before = doc.image
    doc.propose(ImageBuffer(np.ones((60, 80, 3), np.float32)), "x", "X", {})
    doc.discard()
    assert doc.image is before and doc.proposal is None and not doc.modified


def test_clean_state_tracks_export(doc):
    doc.set_mask(np.ones_like(doc.mask))
    assert doc.modified
    doc.history.mark_clean()
    assert not doc.modified
    doc.undo()
    assert doc.modified
    doc.redo()
    assert not doc.modified


def test_history_budget_drops_oldest(doc):
    doc.history.budget_bytes = doc.mask.nbytes * 5
    for i in range(6):
        doc.set_mask(np.full_like(doc.mask, i / 10))
    undos = 0
    while doc.undo():
        undos += 1
    assert undos < 6 and doc.history.nbytes <= doc.mask.nbytes * 5


def test_image_buffer_from_array_modes():
    rgba = np.zeros((4, 5, 4), np.uint16)
    rgba[..., 3] = 65535
    buf = ImageBuffer.from_array(rgba)
    assert buf.bit_depth == 16 and buf.alpha is not None and buf.alpha.min() == 1.0
    gray = ImageBuffer.from_array(np.full((3, 3), 128, np.uint8))
    assert gray.gray and gray.rgb.shape == (3, 3, 3)
    with pytest.raises(ValueError):
        ImageBuffer(np.zeros((3, 3), np.float32))


class _Counter:
    """An edit of something beside the pixels (like a colour hint), made on a pending result or not."""

    label = "Count"
    nbytes = 8

    def __init__(self, box: list[int], pending_base=None) -> None:
        self.box, self.pending_base = box, pending_base

    def apply(self, doc):
        self.box[0] += 1

    def revert(self, doc):
        self.box[0] -= 1


def test_an_edit_made_on_the_pending_result_is_undone_and_redone_within_it(doc):
    box = [0]
    doc.history.push(_Counter(box), doc)  # before any result
    doc.propose(doc.image.with_pixels(doc.image.rgb * 0.5), "p", "P", {})
    pending = doc.proposal
    doc.history.push(_Counter(box, pending_base=pending.before), doc)
    assert box == [2] and doc.edits_result() and doc.history.next_undo.pending_base is pending.before
    assert doc.undo() and box == [1] and doc.proposal is pending  # the result stays
    assert doc.edits_result(redo=True) and not doc.edits_result()
    assert doc.redo() and box == [2] and doc.proposal is pending
    assert doc.undo() and doc.proposal is pending
    assert doc.undo() and box == [0] and doc.proposal is None  # made before the result: the result goes


def _scans(doc, monkeypatch) -> list[int]:
    """Counts the whole-mask scans ``has_mask`` makes (``mask.any()`` on the document's current mask)."""
    scans: list[int] = []
    real = Document.has_mask.fget

    def counting(self):
        if self._painted is None:
            scans.append(1)
        return real(self)

    monkeypatch.setattr(Document, "has_mask", property(counting))
    return scans


def test_the_document_knows_whether_its_mask_is_painted_without_scanning(doc, monkeypatch):
    scans = _scans(doc, monkeypatch)
    assert not doc.has_mask and doc.mask_known_empty  # a new document: nothing painted
    doc.begin_stroke(BrushSettings(size=8), 10, 10)
    doc.end_stroke()
    assert doc.has_mask and scans == [1]  # a first stroke: scanned once, then remembered
    assert doc.has_mask and scans == [1]
    doc.continue_stroke(20, 20)  # no stroke in progress: nothing changes
    doc.begin_stroke(BrushSettings(size=8), 30, 30)
    doc.end_stroke()
    assert doc.has_mask and scans == [1]  # painting keeps a painted mask painted
    painted = doc.mask.copy()
    doc.propose(ImageBuffer(np.ones((60, 80, 3), np.float32)), "fill", "Fill", {}, clear_mask=True)
    doc.keep()
    assert not doc.has_mask and doc.mask_known_empty and not doc.mask.any()
    doc.undo()  # the Keep's step remembers both masks' state
    assert doc.has_mask and not doc.mask_known_empty and scans == [1]
    np.testing.assert_array_equal(doc.mask, painted)
    doc.clear_mask()
    assert doc.mask_known_empty and not doc.mask.any() and scans == [1]
    doc.undo()
    assert doc.has_mask and scans == [1]
    doc.begin_stroke(BrushSettings(size=300, hardness=1.0, erase=True), 40, 30)  # an erase may empty it: a scan
    doc.end_stroke()
    assert not doc.has_mask and not doc.mask.any() and scans == [1, 1]


def test_whole_mask_steps_swap_arrays_and_undo_exactly(doc):
    doc.begin_stroke(BrushSettings(size=8, hardness=0.3), 10, 10)
    doc.end_stroke()
    original = doc.mask
    snapshot = original.copy()
    doc.invert_mask()
    assert doc.mask is not original and doc.history.undo_label == "Invert mask"
    np.testing.assert_allclose(doc.mask, 1.0 - snapshot)
    assert doc.has_mask and doc.mask.min() >= 0.0 and doc.mask.max() <= 1.0
    doc.begin_stroke(BrushSettings(size=6, erase=True), 50, 40)  # an edit of the new mask, undone first
    doc.end_stroke()
    doc.undo()
    doc.undo()
    assert doc.mask is original  # no copies: the old array itself comes back
    np.testing.assert_array_equal(doc.mask, snapshot)
    loaded = np.full_like(snapshot, 2.0)
    doc.set_mask(loaded, "Load mask")
    assert doc.mask.max() == 1.0 and loaded.max() == 2.0  # clipped into the document's own array
    with pytest.raises(ValueError, match="does not match"):
        doc.set_mask(np.zeros((3, 3), np.float32))


def test_a_mask_snapshot_is_the_mask_when_taken_whatever_is_painted_before_it_is_copied(doc):
    import threading

    doc.begin_stroke(BrushSettings(size=8), 10, 10)
    doc.end_stroke()
    painted = doc.mask.copy()
    later = doc.mask_snapshot()  # copied by a worker, long after
    doc.begin_stroke(BrushSettings(size=8), 50, 40)  # painted before the worker copies: the document copies first
    doc.end_stroke()
    undone = doc.mask_snapshot()
    doc.undo()  # an in-place change too
    copies: list[np.ndarray] = []
    worker = threading.Thread(target=lambda: copies.extend([later(), undone()]))
    worker.start()
    worker.join()
    np.testing.assert_array_equal(copies[0], painted)
    assert copies[1][40, 50] > 0.9 and doc.mask[40, 50] == 0.0
    assert copies[0] is not doc.mask and later() is copies[0]  # one copy per snapshot
    quiet = doc.mask_snapshot()
    doc.invert_mask()  # a whole-mask step swaps arrays: the snapshot's array is unchanged
    np.testing.assert_array_equal(quiet(), painted)
