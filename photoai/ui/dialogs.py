"""Message boxes in one place, so every error reads the same and tests can replace them.

Call these through the module (``dialogs.show_error(...)``), never ``from ... import``, so
that a test's ``monkeypatch.setattr(dialogs, "show_error", ...)`` takes effect.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def show_error(parent: QWidget | None, title: str, message: str, details: str = "") -> None:
    """A warning box with the readable message; the traceback goes into "Show Details..."."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(message)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def confirm(parent: QWidget | None, title: str, message: str, informative: str = "", ok_text: str = "OK") -> bool:
    """A Yes/Cancel question; Cancel is the default so Enter never destroys anything."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(message)
    if informative:
        box.setInformativeText(informative)
    ok = box.addButton(ok_text, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is ok


def ask_save_changes(parent: QWidget | None, name: str) -> str:
    """Save / Discard / Cancel for a modified photo; returns SAVE, DISCARD or CANCEL."""
    return _save_discard_cancel(parent, "Unsaved changes", f"Export the changes to “{name}” before closing?",
                                "Your edits are lost if you don't export them.", "Export…")


def ask_save_mask(parent: QWidget | None, name: str) -> str:
    """Save / Discard / Cancel for a painted mask on an unchanged photo; returns SAVE, DISCARD or CANCEL."""
    return _save_discard_cancel(parent, "Unsaved mask", f"Save the mask painted on “{name}” before closing?",
                                "The photo itself is unchanged. The mask is lost unless you save it as a PNG "
                                "(Mask > Load Mask… brings it back).", "Save Mask…")


def _save_discard_cancel(parent: QWidget | None, title: str, text: str, informative: str, save_text: str) -> str:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(informative)
    Btn = QMessageBox.StandardButton
    box.setStandardButtons(Btn.Save | Btn.Discard | Btn.Cancel)
    box.button(Btn.Save).setText(save_text)
    box.setDefaultButton(Btn.Save)
    answer = box.exec()
    return {Btn.Save: SAVE, Btn.Discard: DISCARD}.get(Btn(answer), CANCEL)
