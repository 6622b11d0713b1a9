"""The editor's actions, menus and toolbar, built onto a :class:`~photoai.ui.main_window.MainWindow`.

Kept apart from the window so that the window holds behaviour and this module holds layout: every
action becomes a ``w.act_*`` attribute connected to a window slot.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSizePolicy, QToolBar, QWidget

from photoai.ui.icons import icon
from photoai.ui.widgets.brush_options import BrushOptions


def make_action(w: QMainWindow, text: str, slot, shortcut=None, tip: str = "", icon_name: str | None = None,
                checkable: bool = False) -> QAction:
    """A window-wide action (its shortcut works with the menu bar hidden); the tooltip shows the key."""
    a = QAction(text, w)
    if shortcut is not None:
        keys = shortcut if isinstance(shortcut, (list, tuple)) else [shortcut]
        a.setShortcuts([QKeySequence(k) for k in keys])
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        a.setStatusTip(tip)
        a.setToolTip(f"{tip} ({a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})" if a.shortcut() else tip)
    if icon_name:
        a.setIcon(icon(icon_name))
    a.setCheckable(checkable)
    if slot is not None:
        a.triggered.connect(slot)
    w.addAction(a)  # shortcuts work even when the menu bar is hidden
    return a


def build_actions(w: QMainWindow) -> None:
    """Create the window's ``act_*`` actions, connected to its slots."""

    def A(*args, **kwargs) -> QAction:
        return make_action(w, *args, **kwargs)

    K = QKeySequence.StandardKey
    w.act_open = A("&Open…", w.open_dialog, K.Open, "Open a photo", "open")
    w.act_export = A("&Export…", w.export_image, "Ctrl+Shift+S", "Export the photo", "export")
    w.act_quit = A("&Quit", w.close, K.Quit, "Quit PhotoAI")
    w.act_undo = A("&Undo", w.undo, "Ctrl+Z", "Undo", "undo")
    w.act_redo = A("&Redo", w.redo, ["Ctrl+Shift+Z", "Ctrl+Y"], "Redo", "redo")
    w.act_run = A("&Run Plugin", w.run_selected, "Ctrl+R", "Run the selected plugin")
    w.act_zoom_in = A("Zoom &In", w.canvas.zoom_in, ["Ctrl++", "Ctrl+="], "Zoom in")
    w.act_zoom_out = A("Zoom &Out", w.canvas.zoom_out, "Ctrl+-", "Zoom out")
    w.act_fit = A("&Fit in Window", w.canvas.fit, "Ctrl+0", "Fit the photo in the window", "fit")
    w.act_actual = A("&Actual Pixels (100%)", w.canvas.actual_size, "Ctrl+1", "Zoom to 100 %", "actual")
    w.act_compare_toggle = A("Toggle &Split / Result", w.toggle_compare, "\\",
                                "Switch between the split view and the result", "compare")
    w.act_show_mask = A("Show &Mask Overlay", w._toggle_mask_visible, None, "Show the painted mask",
                           checkable=True)
    w.act_show_mask.setChecked(True)

    w.act_brush = A("&Brush", w.brush.use_brush, "B", "Paint the mask", "brush", checkable=True)
    w.act_eraser = A("&Eraser", w.brush.use_eraser, "E", "Erase the mask", "eraser", checkable=True)
    tools = QActionGroup(w)
    tools.addAction(w.act_brush)
    tools.addAction(w.act_eraser)
    w.act_bigger = A("Bigger Brush", w.brush.grow, "]", "Make the brush bigger")
    w.act_smaller = A("Smaller Brush", w.brush.shrink, "[", "Make the brush smaller")
    w.act_clear_mask = A("&Clear Mask", w.clear_mask, "Ctrl+Shift+A", "Clear the mask", "clear")
    w.act_invert_mask = A("&Invert Mask", w.invert_mask, "Ctrl+Shift+I", "Invert the mask")
    w.act_grow_mask = A("&Grow…", lambda: w.edit_mask_dialog("grow"), "Ctrl+Shift+G",
                        "Grow the mask by a number of pixels")
    w.act_shrink_mask = A("S&hrink…", lambda: w.edit_mask_dialog("shrink"), None,
                          "Shrink the mask by a number of pixels (not from the photo's border)")
    w.act_feather_mask = A("&Feather…", lambda: w.edit_mask_dialog("feather"), None,
                           "Soften the mask edge")
    w.act_load_mask = A("&Load Mask…", w.load_mask_dialog, None, "Load a mask from a PNG file")
    w.act_save_mask = A("&Save Mask…", w.save_mask_dialog, None, "Save the mask as a PNG file")

    w.act_keep = A("&Keep Result", w.keep, ["Return", "Enter"], "Apply the result")
    w.act_discard = A("&Discard Result", w.discard, "Esc", "Throw the result away")

    w.act_device_auto = A("Use &GPU When Available", lambda: w.set_device_preference("auto"), None,
                             "Run models on the GPU when one is available", checkable=True)
    w.act_device_cpu = A("Force &CPU", lambda: w.set_device_preference("cpu"), None,
                            "Always run models on the CPU", checkable=True)
    devices = QActionGroup(w)
    devices.addAction(w.act_device_auto)
    devices.addAction(w.act_device_cpu)
    w.act_about = A("&About PhotoAI", w.about, None, "About PhotoAI")


def build_menus(w: QMainWindow) -> None:
    """File, Edit, View, Mask, Settings and Help menus from the actions."""
    mb = w.menuBar()
    m = mb.addMenu("&File")
    m.addAction(w.act_open)
    w.recent_menu = m.addMenu("Open &Recent")
    w.recent_menu.aboutToShow.connect(w._fill_recent_menu)
    m.addSeparator()
    m.addAction(w.act_export)
    m.addSeparator()
    m.addAction(w.act_quit)
    m = mb.addMenu("&Edit")
    m.addAction(w.act_undo)
    m.addAction(w.act_redo)
    m.addSeparator()
    m.addAction(w.act_run)
    m.addAction(w.act_keep)
    m.addAction(w.act_discard)
    m = mb.addMenu("&View")
    for a in (w.act_zoom_in, w.act_zoom_out, w.act_fit, w.act_actual):
        m.addAction(a)
    m.addSeparator()
    m.addAction(w.act_compare_toggle)
    m.addAction(w.act_show_mask)
    m.addSeparator()
    m.addAction(w.dock.toggleViewAction())
    m = mb.addMenu("&Mask")
    for a in (w.act_brush, w.act_eraser, w.act_bigger, w.act_smaller):
        m.addAction(a)
    m.addSeparator()
    for a in (w.act_clear_mask, w.act_invert_mask):
        m.addAction(a)
    m.addSeparator()
    for a in (w.act_grow_mask, w.act_shrink_mask, w.act_feather_mask):
        m.addAction(a)
    m.addSeparator()
    m.addAction(w.act_load_mask)
    m.addAction(w.act_save_mask)
    m = mb.addMenu("&Settings")
    m.addAction(w.act_device_auto)
    m.addAction(w.act_device_cpu)
    m = mb.addMenu("&Help")
    m.addAction(w.act_about)


def build_toolbar(w: QMainWindow) -> None:
    """The main toolbar: files, history, brush tools with their options, zoom."""
    tb = QToolBar("Main")
    tb.setObjectName("mainToolBar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    tb.setIconSize(tb.iconSize().scaled(20, 20, Qt.AspectRatioMode.KeepAspectRatio))
    for a in (w.act_open, w.act_export):
        tb.addAction(a)
    tb.addSeparator()
    for a in (w.act_undo, w.act_redo):
        tb.addAction(a)
    tb.addSeparator()
    for a in (w.act_brush, w.act_eraser):
        tb.addAction(a)
    w.brush_options = BrushOptions(w.brush)
    tb.addWidget(w.brush_options)
    tb.addAction(w.act_clear_mask)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    tb.addWidget(spacer)
    for a in (w.act_fit, w.act_actual):
        tb.addAction(a)
    w.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
    w.main_toolbar = tb
