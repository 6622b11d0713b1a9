"""The screen form of images, made off the GUI thread and remembered per image.

Converting a 12 MP float32 photo for the screen takes a few hundred milliseconds: far too long for the GUI
thread (issue 15: the editor never stalls). Workers call :meth:`DisplayCache.prepare` (a QImage may be built
on any thread; a QPixmap may not), so the window only swaps pictures: a plugin's result is converted by the
job's worker, an opened photo by the loader, and what Keep, Undo and Redo bring back is usually the picture
already made for the comparison. Pictures are remembered by the identity of their :class:`ImageBuffer`
(pixels are never changed in place), weakly, for the last few images only.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from functools import partial

from PySide6.QtGui import QImage

from photoai.core.image import ImageBuffer
from photoai.ui.convert import image_to_qimage, rgb32_image, source_color_space

#: Images up to this many pixels are converted on the GUI thread when no picture is ready (a few ms).
SMALL_PIXELS = 1_000_000


def display_image(image: ImageBuffer) -> QImage:
    """What the canvas draws (as :func:`~photoai.ui.convert.image_to_qimage` shows it), in the raster paint
    engine's native ``Format_RGB32`` so that no paint converts it again. Safe on any thread; written by numpy
    (:func:`~photoai.ui.convert.rgb32_image`), so a worker making it leaves the GUI thread running. Only a
    photo with an ICC profile goes through Qt's colour conversion."""
    if source_color_space(image.icc_profile, b"GRAY" if image.gray else b"RGB ") is not None:
        return image_to_qimage(image).convertToFormat(QImage.Format.Format_RGB32)
    return rgb32_image(image.rgb, image.alpha)


def is_small(image: ImageBuffer) -> bool:
    """Cheap enough to convert on the GUI thread."""
    return image.size.width * image.size.height <= SMALL_PIXELS


class DisplayCache:
    """The pictures of the last ``capacity`` images, by identity; thread-safe."""

    def __init__(self, capacity: int = 3) -> None:  # the photo, a pending result, one step of undo
        self.capacity = capacity
        self._lock = threading.RLock()  # a weakref callback may run inside a locked block (GC)
        self._items: OrderedDict[int, tuple[weakref.ref[ImageBuffer], QImage]] = OrderedDict()

    def get(self, image: ImageBuffer) -> QImage | None:
        """The picture made for ``image`` (this very object), or None."""
        with self._lock:
            entry = self._items.get(id(image))
            if entry is None or entry[0]() is not image:
                return None
            self._items.move_to_end(id(image))
            return entry[1]

    def put(self, image: ImageBuffer, picture: QImage) -> None:
        with self._lock:
            key = id(image)
            self._items[key] = (weakref.ref(image, partial(self._forget, key)), picture)
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def prepare(self, image: ImageBuffer) -> QImage:
        """``image``'s picture, made now unless remembered (the worker's part)."""
        picture = self.get(image)
        if picture is None:
            picture = display_image(image)
            self.put(image, picture)
        return picture

    def picture(self, image: ImageBuffer) -> QImage | None:
        """The picture if it is remembered or cheap to make here (a small image), else None: ask a worker."""
        return self.get(image) if not is_small(image) else self.prepare(image)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def _forget(self, key: int, _ref: object = None) -> None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None and entry[0]() is None:  # not a newer image that reuses the id
                del self._items[key]
