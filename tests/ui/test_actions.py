"""Every action of every menu and of the toolbar, triggered once on a loaded photo, leaves a sane editor.

Modal dialogs are replaced (file dialogs answer with files in tmp_path, the radius prompt with 3, the
Models and About boxes return at once); each action is made enabled first (a mask painted, a result
pending, something to redo) so that it really runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from photoai.ui.canvas.view import MAX_ZOOM
from photoai.ui.widgets.export_dialog import ExportOptions, ExportOptionsDialog
from photoai.ui.widgets.models_dialog import ModelsDialog


def _menu_actions(menu: QMenu) -> list[QAction]:
    """The actions of ``menu`` and its submenus (filled as when they are about to show), in order."""
    menu.aboutToShow.emit()
    found: list[QAction] = []
    for a in menu.actions():
        if a.menu() is not None:
            found += _menu_actions(a.menu())
        elif not a.isSeparator():
            found.append(a)
    return found


def _all_actions(window) -> list[QAction]:
    """Menu bar actions in menu order, then the toolbar's own; Quit last."""
    found: list[QAction] = []
    for top in window.menuBar().actions():
        found += [a for a in _menu_actions(top.menu()) if a not in found]
    found += [a for a in window.main_toolbar.actions()
              if not a.isSeparator() and a.text() and a not in found]
    found.remove(window.act.quit)
    return [*found, window.act.quit]


def _photo_shown(window) -> tuple[bool, str]:
    c = window.canvas
    shown = c.mapFromScene(c.sceneRect()).boundingRect()
    vp = c.viewport().rect()
    ok = c.has_image and shown.intersects(vp) and shown.width() >= 32 and shown.height() >= 24
    return ok, f"photo on screen at {shown}, viewport {vp}, zoom {c.zoom():.3f}"


def _wait_job(window, qtbot) -> None:
    if window.runner.busy:
        with qtbot.waitSignal(window.job_ended, timeout=5000):
            pass


def _prepare(window, qtbot, action: QAction) -> None:
    """Put the editor in a state where ``action`` is enabled."""
    a, doc = window.act, window.document
    if action in (a.keep, a.discard, a.compare_toggle) and doc.proposal is None:
        window.plugin_panel.select("form")
        with qtbot.waitSignal(window.job_ended, timeout=5000):
            window.run_plugin("form", {"amount": 0.2})
    if action in (a.run, a.clear_mask, a.grow_mask, a.shrink_mask, a.feather_mask, a.invert_mask,
                  a.load_mask, a.undo, a.redo) and doc.proposal is not None:
        window.discard()
    if action in (a.clear_mask, a.grow_mask, a.shrink_mask, a.feather_mask, a.undo) and not doc.has_mask:
        painted = np.zeros_like(doc.mask)
        painted[12:30, 14:40] = 1.0
        doc.set_mask(painted, "Paint")
    if action is a.redo and not doc.history.can_redo:
        window.undo()
    if action is a.run:
        window.plugin_panel.select("form")


@pytest.fixture
def no_modal_dialogs(monkeypatch, photo, tmp_path):
    """File dialogs, the radius prompt, the Models and About boxes answer at once; returns the output paths."""
    mask_in = tmp_path / "mask-in.png"
    m = np.zeros((48, 64), np.uint8)
    m[5:25, 5:25] = 255
    Image.fromarray(m).save(mask_in)
    outputs = {"export": tmp_path / "exported.png", "mask": tmp_path / "saved-mask.png"}
    asked: list[str] = []

    def open_name(parent, caption, directory="", filters=""):
        asked.append(caption)
        return str(mask_in if "Mask" in caption else photo), ""

    def save_name(parent, caption, directory="", filters="", selected=""):
        asked.append(caption)
        return str(outputs["mask"] if "Mask" in caption else outputs["export"]), selected

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(open_name))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_name))
    monkeypatch.setattr(ExportOptionsDialog, "ask", classmethod(lambda cls, *a, **k: ExportOptions()))
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (asked.append(a[1]) or (3, True))))
    monkeypatch.setattr(ModelsDialog, "exec", lambda self: asked.append("Models") or 0)
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda parent, title, text: asked.append(title)))
    return outputs, asked


def test_every_menu_and_toolbar_action_once_on_a_loaded_photo(window, qtbot, photo, no_modal_dialogs, dialogs):
    outputs, asked = no_modal_dialogs
    assert window.open_path(photo)
    qtbot.wait(20)  # the deferred fit after opening
    actions = _all_actions(window)
    names = [a.text().replace("&", "") for a in actions]
    assert {"Fit in Window", "Zoom In", "Actual Pixels (100%)", "Keep Result", "Models…", "Quit"} <= set(names)
    triggered = []
    for action, name in zip(actions, names, strict=True):
        _prepare(window, qtbot, action)
        assert action.isEnabled(), f"{name} is disabled"
        with qtbot.captureExceptions() as exceptions:
            action.trigger()
            _wait_job(window, qtbot)
            qtbot.wait(1)
        assert not exceptions, f"{name}: {exceptions[0][1]!r}"
        triggered.append(name)
        if action is window.act.quit:
            assert not window.isVisible()
            break
        doc = window.document
        assert doc is not None and doc.path == photo, name
        assert doc.image.size == (64, 48) and np.isfinite(doc.image.rgb).all(), name
        assert 0.05 <= window.canvas.zoom() <= MAX_ZOOM, f"{name}: zoom {window.canvas.zoom()}"
        shown, why = _photo_shown(window)
        assert shown, f"{name}: {why}"
    assert triggered == names
    assert outputs["export"].exists() and outputs["mask"].exists()
    assert {"Open Photo", "Load Mask", "Export Image", "Save Mask", "Models", "About PhotoAI"} <= set(asked)


def test_fit_in_window_from_the_menu_toolbar_and_shortcut_fills_the_view(window, qtbot, photo):
    assert window.open_path(photo)
    qtbot.wait(20)
    c = window.canvas
    fit_button = window.main_toolbar.widgetForAction(window.act.fit)
    for trigger in (window.act.fit.trigger, fit_button.click):
        c.set_zoom(0.5)
        trigger()
        shown = c.mapFromScene(c.sceneRect()).boundingRect()
        vp = c.viewport().rect()
        assert vp.adjusted(-1, -1, 1, 1).contains(shown), (shown, vp)
        assert max(shown.width() / vp.width(), shown.height() / vp.height()) > 0.9, (shown, vp)


def test_make_action_passes_checked_only_to_checkable_actions_that_want_it(window):
    from photoai.ui import menus

    seen: list[object] = []
    plain = menus.make_action(window, "Plain", lambda max_zoom=None: seen.append(max_zoom))  # like fit()
    plain.trigger()
    toggle = menus.make_action(window, "Toggle", lambda value=None: seen.append(value), checkable=True)
    toggle.trigger()
    wanted = menus.make_action(window, "Wants", lambda checked: seen.append(checked), checkable=True,
                               with_checked=True)
    wanted.trigger()
    wanted.trigger()
    assert seen == [None, None, True, False]
    with pytest.raises(ValueError, match="checkable"):
        menus.make_action(window, "Bad", lambda checked: None, with_checked=True)
