"""The window's actions object, menus and toolbar; the export dialog's formats; device choices."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence

from photoai.core.export import EXPORT_FORMATS
from photoai.runtime.devices import DEFAULT_DEVICE_PREFERENCE, DEVICE_PREFERENCES
from photoai.ui import menus
from photoai.ui.widgets import export_dialog


def _keys(action) -> list[str]:
    return [k.toString(QKeySequence.SequenceFormat.PortableText) for k in action.shortcuts()]


def _menu(window, title: str):
    return next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title)


def test_the_window_keeps_an_actions_object_instead_of_act_attributes(window):
    assert isinstance(window.act, menus.Actions)
    assert not [name for name in vars(window) if name.startswith("act_")]
    assert window.recent_menu.title() == "Open &Recent"
    toolbar = [a for a in window.main_toolbar.actions() if not a.isSeparator() and a.text()]
    assert toolbar[:6] == [window.act.open, window.act.export, window.act.undo, window.act.redo, window.act.brush,
                           window.act.eraser]
    assert toolbar[-2:] == [window.act.fit, window.act.actual]


@pytest.mark.parametrize(("name", "keys"), [
    ("export", ["Ctrl+Shift+S"]), ("undo", ["Ctrl+Z"]), ("redo", ["Ctrl+Shift+Z", "Ctrl+Y"]),
    ("run", ["Ctrl+R"]), ("zoom_in", ["Ctrl++", "Ctrl+="]), ("zoom_out", ["Ctrl+-"]), ("fit", ["Ctrl+0"]),
    ("actual", ["Ctrl+1"]), ("compare_toggle", ["\\"]), ("brush", ["B"]), ("eraser", ["E"]),
    ("bigger", ["]"]), ("smaller", ["["]), ("clear_mask", ["Ctrl+Shift+A"]), ("invert_mask", ["Ctrl+Shift+I"]),
    ("grow_mask", ["Ctrl+Shift+G"]), ("keep", ["Return", "Enter"]), ("discard", ["Esc"]),
    ("shrink_mask", []), ("show_mask", []),
])
def test_every_action_keeps_its_shortcut(window, name, keys):
    action = getattr(window.act, name)
    assert _keys(action) == keys
    assert action in window.actions()  # window-wide: works with the menu bar hidden
    if keys and action.statusTip():
        assert action.toolTip().endswith(f"({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")


def test_show_mask_toggles_the_overlay(window):
    assert window.act.show_mask.isChecked() and window.canvas.mask_item.isVisible()
    window.act.show_mask.trigger()
    assert not window.act.show_mask.isChecked() and not window.canvas.mask_item.isVisible()
    window.act.show_mask.trigger()
    assert window.canvas.mask_item.isVisible()


def test_settings_menu_offers_each_device_preference_once(window, runtime, settings):
    entries = [a for a in _menu(window, "Settings").actions() if not a.isSeparator()]
    assert entries == [window.act.device[p] for p in DEVICE_PREFERENCES]
    assert all(a.isCheckable() for a in entries) and entries[0].actionGroup().isExclusive()
    assert window.act.device[DEFAULT_DEVICE_PREFERENCE].isChecked()
    for pref in reversed(DEVICE_PREFERENCES):
        window.act.device[pref].trigger()
        assert runtime.device_preference == pref and settings.device_preference() == pref
        assert [p for p in DEVICE_PREFERENCES if window.act.device[p].isChecked()] == [pref]


def test_settings_accept_only_the_runtime_device_preferences(settings):
    with pytest.raises(ValueError, match="auto"):
        settings.set_device_preference("gpu")
    settings.store.setValue("runtime/device", "gpu")  # e.g. written by another version
    assert settings.device_preference() == DEFAULT_DEVICE_PREFERENCE


def test_export_dialog_lists_the_core_formats():
    assert set(export_dialog.FORMATS) == set(EXPORT_FORMATS.values())
    assert [f.name for f in export_dialog.FORMATS][:4] == ["PNG", "JPEG", "TIFF", "WEBP"]
    jpeg = EXPORT_FORMATS["JPEG"]
    assert export_dialog.file_filter(jpeg) == "JPEG image (*.jpg *.jpeg)"
    assert export_dialog.format_for_filter(export_dialog.file_filter(jpeg)) is jpeg
    assert export_dialog.format_for_path("a.JPEG") is jpeg and export_dialog.format_for_path("a.cr2") is None


@pytest.mark.parametrize(("source", "expected"), [("JPG", "JPEG"), ("tif", "TIFF"), ("RAW", "TIFF"),
                                                   ("WEBP", "WEBP"), ("GIF", "PNG"), (None, "PNG")])
def test_export_defaults_to_the_source_format_when_it_can_be_written(source, expected):
    assert export_dialog.default_format(source).name == expected


def test_lossless_webp_disables_quality(qtbot):
    dlg = export_dialog.ExportOptionsDialog(EXPORT_FORMATS["WEBP"], 8, quality=80)
    qtbot.addWidget(dlg)
    assert dlg.lossless is not None and dlg.quality is not None and dlg.bit_depth is None
    dlg.lossless.setChecked(True)
    assert not dlg.quality.isEnabled()
    assert dlg.options().lossless and dlg.options().quality == 80
    dlg.lossless.setChecked(False)
    assert dlg.quality.isEnabled()
