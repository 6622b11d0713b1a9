"""PhotoAI Qt user interface (the only package that imports PySide6)."""

from photoai.ui.pyside_refcounts import make_singletons_immortal

make_singletons_immortal()  # before any Qt call: PySide6 6.12 on CPython < 3.12 (see the module)
