"""A dark Fusion theme, as photo editors use so that the photo is the brightest thing on screen."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor(64, 140, 230)

STYLE_SHEET = """
QToolBar { spacing: 2px; padding: 2px 4px; border: none; }
QToolBar::separator { width: 1px; margin: 4px 6px; background: #4a4a4e; }
QToolButton { padding: 3px 5px; border-radius: 4px; }
QToolButton:checked { background: #3d5f8c; }
QToolButton:hover { background: #48484d; }
QDockWidget::title { padding: 6px 8px; background: #2c2c2f; font-weight: 600; }
QListWidget { border: 1px solid #3c3c40; border-radius: 4px; padding: 2px; }
QListWidget::item { padding: 5px 4px; }
QListWidget::item:selected { background: #3d5f8c; color: white; }
/* a styled QPushButton loses Fusion's bevel: every state is drawn here (a checked one must show) */
QPushButton { padding: 4px 12px; border-radius: 4px; background: #3a3a3e; border: 1px solid #4a4a50; }
QPushButton:hover { background: #48484d; }
QPushButton:checked { background: #3d5f8c; border-color: #4d77b0; }
QPushButton:disabled { background: #333336; border-color: #3c3c40; }
QPushButton#runButton, QPushButton#keepButton {
    background: #2f6fc0; color: white; font-weight: 600; border: 1px solid #3a7bd0;
}
QPushButton#runButton:hover, QPushButton#keepButton:hover { background: #3a7bd0; }
QPushButton#runButton:disabled { background: #34343a; color: #78787e; border: 1px solid #3c3c40; }
QFrame#compareBar { background: rgba(36, 38, 44, 236); border: 1px solid #4a4a50; border-radius: 6px; }
QStatusBar QLabel { padding: 0 6px; color: #b8b8bc; }
QProgressBar { border: 1px solid #3c3c40; border-radius: 3px; text-align: center; height: 16px; }
QProgressBar::chunk { background: #2f6fc0; border-radius: 2px; }
"""


def dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(45, 45, 48), QColor(32, 32, 34), QColor(226, 226, 228)
    disabled = QColor(128, 128, 132)
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor(40, 40, 43),
        QPalette.ColorRole.ToolTipBase: QColor(30, 30, 32),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: disabled,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor(56, 56, 60),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor(255, 90, 90),
        QPalette.ColorRole.Light: QColor(70, 70, 74),
        QPalette.ColorRole.Midlight: QColor(60, 60, 64),
        QPalette.ColorRole.Mid: QColor(40, 40, 42),
        QPalette.ColorRole.Dark: QColor(25, 25, 27),
        QPalette.ColorRole.Shadow: QColor(10, 10, 10),
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: ACCENT.lighter(130),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(STYLE_SHEET)
