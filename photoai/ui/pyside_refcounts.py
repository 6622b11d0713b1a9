"""Work around a reference-count bug of PySide6 6.12 on CPython 3.10 and 3.11.

Its abi3 wheels return ``None`` from every method without a result and ``True`` from
``Signal.emit`` without taking a reference, as if those objects were immortal (they are from
CPython 3.12 on). Before 3.12 each such call steals a reference: after a few thousand calls
(mouse moves over the canvas, brush painting, progress signals) CPython aborts with
"Fatal Python error: none_dealloc" or "bool_dealloc". Measured with PySide6 6.12.0 on CPython
3.11: ``painter.save()`` and ``signal.emit()`` each take one reference from ``None`` / ``True``.

:func:`make_singletons_immortal` gives ``None``, ``True`` and ``False`` a reference count no run
can exhaust, which is what CPython 3.12 does for them. It runs when :mod:`photoai.ui` is imported.
"""

from __future__ import annotations

import ctypes
import sys

#: References added to each singleton: a million calls per second would need 12 days to use them up.
EXTRA_REFERENCES = 1 << 40


def make_singletons_immortal() -> bool:
    """Raise the reference counts of None, True and False once (CPython < 3.12); True when done now."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    done = False
    for obj in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is a PyObject's first field
        if refcount.value < EXTRA_REFERENCES:
            refcount.value += EXTRA_REFERENCES
            done = True
    return done
