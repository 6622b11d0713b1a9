"""Opening a camera raw in the editor: the develop dialog, the remembered choice, what was applied."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from photoai.core import io as core_io
from photoai.core.image import ImageBuffer
from photoai.core.raw import DevelopOptions, RawFacts
from photoai.ui.widgets import raw_dialog
from photoai.ui.widgets.raw_dialog import RawDevelopDialog
from tests.conftest import require_data

CAMERA = RawFacts("camera", (5302.0, 33.8), True)
SCAN = RawFacts("scan")


def test_camera_raw_dialog_shows_the_as_shot_balance_and_returns_the_choice(qtbot):
    dlg = RawDevelopDialog("photo.dng", CAMERA, DevelopOptions())
    qtbot.addWidget(dlg)
    assert dlg.white_balance.currentText() == "As shot (5302 K, tint +34)"
    assert dlg.auto.isChecked() and dlg.auto.isEnabled()
    assert not dlg.temperature.isEnabled() and not dlg.tint.isEnabled()
    dlg.white_balance.setCurrentIndex(dlg.white_balance.findData("custom"))
    assert dlg.temperature.isEnabled() and dlg.temperature.value() == 5302 and dlg.tint.value() == 34
    dlg.temperature.setValue(3200)
    dlg.exposure.setValue(-0.7)
    dlg.auto.setChecked(False)
    assert dlg.options() == DevelopOptions(auto_exposure=False, exposure=-0.7, white_balance="custom",
                                           temperature=3200, tint=34)
    dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.RestoreDefaults).click()
    assert dlg.options().auto_exposure and dlg.options().exposure == 0 and dlg.options().white_balance == "as_shot"


def test_film_scan_dialog_offers_the_exposure_only(qtbot):
    remembered = DevelopOptions(auto_exposure=False, white_balance="daylight")
    dlg = RawDevelopDialog("scan.nef", SCAN, remembered)
    qtbot.addWidget(dlg)
    assert not dlg.auto.isEnabled() and not dlg.white_balance.isEnabled() and not dlg.temperature.isEnabled()
    assert dlg.exposure.isEnabled()
    dlg.exposure.setValue(0.5)
    assert dlg.options() == DevelopOptions(auto_exposure=False, exposure=0.5, white_balance="daylight")


def test_custom_white_balance_is_offered_only_with_a_colour_matrix(qtbot):
    dlg = RawDevelopDialog("odd.cr2", RawFacts("camera"), DevelopOptions(white_balance="custom"))
    qtbot.addWidget(dlg)
    custom = dlg.white_balance.findData("custom")
    assert not dlg.white_balance.model().item(custom).isEnabled()
    assert dlg.white_balance.currentData() == "as_shot" and dlg.white_balance.currentText() == "As shot"


def test_the_choice_is_remembered_and_bad_stored_values_give_the_defaults(settings):
    assert raw_dialog.stored_options(settings) == DevelopOptions()
    chosen = DevelopOptions(auto_exposure=False, exposure=1.25, white_balance="custom", temperature=4100, tint=-5)
    raw_dialog.store_options(settings, chosen)
    assert raw_dialog.stored_options(settings) == chosen
    for bad in ("not json", '{"exposure": 99}', '{"colour": 1}', "[1, 2]"):
        settings.store.setValue(raw_dialog.SETTINGS_KEY, bad)
        assert raw_dialog.stored_options(settings) == DevelopOptions(), bad


def test_summary_of_a_developed_raw():
    image = ImageBuffer(np.zeros((2, 2, 3), np.float32))
    assert raw_dialog.summary(image) == ""
    image.info["raw_develop"] = {**DevelopOptions().to_dict(), "exposure_applied": 0.99, "kind": "camera",
                                 "as_shot": [5302.0, 33.8]}
    assert raw_dialog.summary(image) == \
        "Developed with auto exposure +0.99 EV, white balance as shot (5302 K, tint +34)"


@pytest.fixture
def fake_raw_open(monkeypatch, image):
    """Every file is a camera raw; records the options ``core.io.load`` is given and the dialog's input."""
    calls: dict = {"loads": [], "asked": [], "answer": DevelopOptions(exposure=0.5, white_balance="daylight")}

    def load(path, raw_options=None):
        calls["loads"].append(raw_options)
        out = image.copy()
        out.info["raw_develop"] = {**raw_options.to_dict(), "exposure_applied": 1.5, "kind": "camera",
                                   "as_shot": None}
        return out

    def ask(cls, parent, name, facts, options):
        calls["asked"].append((name, facts, options))
        return calls["answer"]

    monkeypatch.setattr(core_io, "is_raw", lambda path: True)
    monkeypatch.setattr(core_io, "raw_facts", lambda path: CAMERA)
    monkeypatch.setattr(core_io, "load", load)
    monkeypatch.setattr(RawDevelopDialog, "ask", classmethod(ask))
    return calls


@pytest.mark.parametrize("background", [False, True])
def test_opening_a_raw_asks_how_to_develop_it_and_remembers(window, qtbot, tmp_path, settings, fake_raw_open,
                                                           background):
    path = tmp_path / "photo.jpg"  # by content a raw: the name does not matter
    path.write_bytes(b"raw")
    raw_dialog.store_options(settings, DevelopOptions(exposure=-1.0))
    with qtbot.waitSignal(window.document_opened, timeout=10000):
        window.open_path(path, background=background)
    assert fake_raw_open["asked"] == [("photo.jpg", CAMERA, DevelopOptions(exposure=-1.0))]
    assert fake_raw_open["loads"] == [fake_raw_open["answer"]]
    assert raw_dialog.stored_options(settings) == fake_raw_open["answer"]
    assert window.document.image.info["raw_develop"]["white_balance"] == "daylight"
    assert window.statusBar().currentMessage() == raw_dialog.summary(window.document.image)
    assert "auto exposure +1.5 EV, white balance daylight" in window.statusBar().currentMessage()


def test_cancelling_the_develop_dialog_opens_nothing(window, tmp_path, settings, fake_raw_open):
    path = tmp_path / "photo.nef"
    path.write_bytes(b"raw")
    fake_raw_open["answer"] = None
    assert window.open_path(path) is False
    assert window.document is None and fake_raw_open["loads"] == []
    assert raw_dialog.stored_options(settings) == DevelopOptions()


def test_ordinary_photos_open_without_the_dialog(window, photo, monkeypatch):
    asked = []
    monkeypatch.setattr(RawDevelopDialog, "ask", classmethod(lambda cls, *a: asked.append(a)))
    assert window.open_path(photo, background=False)
    assert asked == [] and "raw_develop" not in window.document.image.info


def test_a_real_raw_opens_developed_as_chosen(window, qtbot, tmp_path, monkeypatch, settings):
    pytest.importorskip("rawpy")
    dng = require_data("raw/canon_eos550d_magiclantern_colorchart.dng", "sample raw")
    chosen = DevelopOptions(auto_exposure=False, exposure=0.5, white_balance="custom", temperature=4000)
    seen = []
    monkeypatch.setattr(RawDevelopDialog, "ask",
                        classmethod(lambda cls, parent, name, facts, options: seen.append(facts) or chosen))
    with qtbot.waitSignal(window.document_opened, timeout=20000):
        window.open_path(dng)
    assert seen[0].kind == "camera" and seen[0].as_shot == pytest.approx((5302, 33.8), abs=1)
    record = window.document.image.info["raw_develop"]
    assert DevelopOptions.from_dict({k: record[k] for k in DevelopOptions.keys()}) == chosen
    assert "exposure +0.5 EV, white balance custom (4000 K, tint +0)" in window.statusBar().currentMessage()
