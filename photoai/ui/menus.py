"""The editor's actions, menus and toolbar for a :class:`~photoai.ui.main_window.MainWindow`.

Kept apart from the window so that the window holds behaviour and this module holds layout:
:class:`Actions` creates every command as a ``QAction`` connected to a window slot, and
:func:`build_menus` / :func:`build_toolbar` lay them out. The window keeps what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, TypeAlias

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QSizePolicy, QToolBar, QWidget

from photoai.runtime.devices import DEVICE_PREFERENCES
from photoai.ui.icons import icon

if TYPE_CHECKING:
    from photoai.ui.main_window import MainWindow

#: A shortcut: a key sequence ("Ctrl+R"), a standard key, or several key sequences.
Shortcut: TypeAlias = str | QKeySequence.StandardKey | list[str] | None

#: Settings menu text and status tip for each of ``photoai.runtime.devices.DEVICE_PREFERENCES``.
DEVICE_LABELS: dict[str, tuple[str, str]] = {
    "auto": ("Use &GPU When Available", "Run models on the GPU when one is available"),
    "cpu": ("Force &CPU", "Always run models on the CPU"),
}


def make_action(w: QMainWindow, text: str, slot: Callable[..., object] | None, shortcut: Shortcut = None,
                tip: str = "", icon_name: str | None = None, checkable: bool = False,
                with_checked: bool = False) -> QAction:
    """A window-wide action (its shortcut works with the menu bar hidden); the tooltip shows the key.

    ``slot`` is called without arguments: ``triggered``'s ``checked`` flag never lands in a parameter
    such as ``fit(max_zoom)``. Only a checkable action with ``with_checked`` passes its new state.
    """
    if with_checked and not checkable:
        raise ValueError(f"action {text!r}: with_checked needs a checkable action")
    a = QAction(text, w)
    if shortcut is not None:
        keys = shortcut if isinstance(shortcut, list) else [shortcut]
        a.setShortcuts([QKeySequence(k) for k in keys])
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        a.setStatusTip(tip)
        key = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        a.setToolTip(f"{tip} ({key})" if key else tip)
    if icon_name:
        a.setIcon(icon(icon_name))
    a.setCheckable(checkable)
    if slot is not None:
        a.triggered.connect(slot if with_checked else lambda _checked=False: slot())
    w.addAction(a)  # shortcuts work even when the menu bar is hidden
    return a


class Actions:
    """Every command of the editor window as a ``QAction`` connected to the window's slots.

    ``device`` maps each device preference (``DEVICE_PREFERENCES``) to its exclusive checkable action.
    """

    def __init__(self, w: MainWindow) -> None:
        add = partial(make_action, w)
        K = QKeySequence.StandardKey
        self.open = add("&Open…", w.open_dialog, K.Open, "Open a photo", "open")
        self.export = add("&Export…", w.export_image, "Ctrl+Shift+S", "Export the photo", "export")
        self.quit = add("&Quit", w.close, K.Quit, "Quit PhotoAI")
        self.undo = add("&Undo", w.undo, "Ctrl+Z", "Undo", "undo")
        self.redo = add("&Redo", w.redo, ["Ctrl+Shift+Z", "Ctrl+Y"], "Redo", "redo")
        self.run = add("&Run Plugin", w.run_selected, "Ctrl+R", "Run the selected plugin")
        self.zoom_in = add("Zoom &In", w.canvas.zoom_in, ["Ctrl++", "Ctrl+="], "Zoom in")
        self.zoom_out = add("Zoom &Out", w.canvas.zoom_out, "Ctrl+-", "Zoom out")
        self.fit = add("&Fit in Window", w.canvas.fit, "Ctrl+0", "Fit the photo in the window", "fit")
        self.actual = add("&Actual Pixels (100%)", w.canvas.actual_size, "Ctrl+1", "Zoom to 100 %", "actual")
        self.compare_toggle = add("Toggle &Split / Result", w.toggle_compare, "\\",
                                  "Switch between the split view and the result", "compare")
        self.show_mask = add("Show &Mask Overlay", w.canvas.set_mask_visible, None, "Show the painted mask",
                             checkable=True, with_checked=True)
        self.show_mask.setChecked(True)

        self.brush = add("&Brush", w.brush.use_brush, "B", "Paint the mask", "brush", checkable=True)
        self.eraser = add("&Eraser", w.brush.use_eraser, "E", "Erase the mask", "eraser", checkable=True)
        _exclusive(w, (self.brush, self.eraser))
        self.bigger = add("Bigger Brush", w.brush.grow, "]", "Make the brush bigger")
        self.smaller = add("Smaller Brush", w.brush.shrink, "[", "Make the brush smaller")
        self.clear_mask = add("&Clear Mask", w.clear_mask, "Ctrl+Shift+A", "Clear the mask", "clear")
        self.invert_mask = add("&Invert Mask", w.invert_mask, "Ctrl+Shift+I", "Invert the mask")
        self.grow_mask = add("&Grow…", lambda: w.edit_mask_dialog("grow"), "Ctrl+Shift+G",
                             "Grow the mask by a number of pixels")
        self.shrink_mask = add("S&hrink…", lambda: w.edit_mask_dialog("shrink"), None,
                               "Shrink the mask by a number of pixels (not from the photo's border)")
        self.feather_mask = add("&Feather…", lambda: w.edit_mask_dialog("feather"), None, "Soften the mask edge")
        self.load_mask = add("&Load Mask…", w.load_mask_dialog, None, "Load a mask from a PNG file")
        self.save_mask = add("&Save Mask…", w.save_mask_dialog, None, "Save the mask as a PNG file")

        self.keep = add("&Keep Result", w.keep, ["Return", "Enter"], "Apply the result")
        self.discard = add("&Discard Result", w.discard, "Esc", "Throw the result away")

        self.device: dict[str, QAction] = {
            pref: add(DEVICE_LABELS[pref][0], partial(w.set_device_preference, pref), None, DEVICE_LABELS[pref][1],
                      checkable=True)
            for pref in DEVICE_PREFERENCES
        }
        _exclusive(w, self.device.values())
        self.models = add("&Models…", w.show_models, None, "The installed models; import your own weights")
        self.about = add("&About PhotoAI", w.about, None, "About PhotoAI")


def _exclusive(w: QMainWindow, actions: Iterable[QAction]) -> QActionGroup:
    """Make the checkable ``actions`` mutually exclusive."""
    group = QActionGroup(w)
    for a in actions:
        group.addAction(a)
    return group


def build_menus(w: MainWindow, a: Actions) -> QMenu:
    """File, Edit, View, Mask, Settings and Help menus; returns File > Open Recent (filled on show)."""
    mb = w.menuBar()
    m = mb.addMenu("&File")
    m.addAction(a.open)
    recent = m.addMenu("Open &Recent")
    recent.aboutToShow.connect(w.fill_recent_menu)
    m.addSeparator()
    m.addAction(a.export)
    m.addSeparator()
    m.addAction(a.quit)
    _add(mb.addMenu("&Edit"), [a.undo, a.redo], [a.run, a.keep, a.discard], [a.models])
    _add(mb.addMenu("&View"), [a.zoom_in, a.zoom_out, a.fit, a.actual], [a.compare_toggle, a.show_mask],
         [w.dock.toggleViewAction(), w.inspector_dock.toggleViewAction()])
    _add(mb.addMenu("&Mask"), [a.brush, a.eraser, a.bigger, a.smaller], [a.clear_mask, a.invert_mask],
         [a.grow_mask, a.shrink_mask, a.feather_mask], [a.load_mask, a.save_mask])
    _add(mb.addMenu("&Settings"), list(a.device.values()))
    _add(mb.addMenu("&Help"), [a.about])
    return recent


def _add(menu: QMenu, *sections: list[QAction]) -> None:
    """Add ``sections`` of actions to ``menu`` with a separator between them."""
    for i, section in enumerate(sections):
        if i:
            menu.addSeparator()
        menu.addActions(section)


def build_toolbar(w: QMainWindow, a: Actions, brush_options: QWidget) -> QToolBar:
    """The main toolbar: files, history, brush tools with ``brush_options``, zoom."""
    tb = QToolBar("Main")
    tb.setObjectName("mainToolBar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    tb.setIconSize(tb.iconSize().scaled(20, 20, Qt.AspectRatioMode.KeepAspectRatio))
    tb.addActions([a.open, a.export])
    tb.addSeparator()
    tb.addActions([a.undo, a.redo])
    tb.addSeparator()
    tb.addActions([a.brush, a.eraser])
    tb.addWidget(brush_options)
    tb.addAction(a.clear_mask)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    tb.addWidget(spacer)
    tb.addActions([a.fit, a.actual])
    w.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
    return tb
