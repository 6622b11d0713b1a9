"""The real message boxes (the other tests replace them): answers map to the right results."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def _click_later(which):
    def attempt():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, attempt)
            return
        by_text = (b for b in box.buttons() if b.text() == which)
        button = next(by_text) if isinstance(which, str) else box.button(which)
        button.click()

    QTimer.singleShot(10, attempt)


@pytest.fixture
def real_dialogs(monkeypatch):
    monkeypatch.undo()  # drop the autouse fakes
    from photoai.ui import dialogs

    return dialogs


def test_save_discard_cancel(qtbot, real_dialogs):
    Btn = QMessageBox.StandardButton
    for button, answer in ((Btn.Save, "save"), (Btn.Discard, "discard"), (Btn.Cancel, "cancel")):
        _click_later(button)
        assert real_dialogs.ask_save_changes(None, "photo.png") == answer


def test_save_mask_question_in_its_own_words(qtbot, real_dialogs):
    Btn = QMessageBox.StandardButton
    seen = {}

    def inspect():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, inspect)
            return
        seen["text"], seen["save"] = box.text(), box.button(Btn.Save).text()
        box.button(Btn.Cancel).click()

    QTimer.singleShot(10, inspect)
    assert real_dialogs.ask_save_mask(None, "photo.png") == "cancel"
    assert "mask" in seen["text"] and "photo.png" in seen["text"] and "xport" not in seen["text"]
    assert seen["save"] == "Save Mask…"
    for button, answer in ((Btn.Save, "save"), (Btn.Discard, "discard")):
        _click_later(button)
        assert real_dialogs.ask_save_mask(None, "photo.png") == answer


def test_confirm_defaults_to_cancel(qtbot, real_dialogs):
    _click_later("Overwrite")
    assert real_dialogs.confirm(None, "Overwrite?", "It is the original", ok_text="Overwrite") is True
    _click_later(QMessageBox.StandardButton.Cancel)
    assert real_dialogs.confirm(None, "Overwrite?", "It is the original", ok_text="Overwrite") is False


def test_error_box_has_details(qtbot, real_dialogs):
    seen = {}

    def inspect():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, inspect)
            return
        seen["text"], seen["details"] = box.text(), box.detailedText()
        box.button(QMessageBox.StandardButton.Ok).click()

    QTimer.singleShot(10, inspect)
    real_dialogs.show_error(None, "Broken failed", "Broken failed: ZeroDivisionError", "Traceback ...")
    assert seen == {"text": "Broken failed: ZeroDivisionError", "details": "Traceback ..."}
