"""Atomic file replacement, the one mechanism for every file PhotoAI writes (exports, masks,
manifests, models, checkpoints): write a hidden temporary file beside the destination, make it
durable, then rename it over the destination. A crash or an error leaves the old file or the new
one, never half of either, and no temporary file behind."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

NAME_MAX = 255  # bytes in a file name on common file systems (ext4, APFS, NTFS in UTF-16 units)


def name_limit(folder: Path) -> int:
    """The longest file name (in bytes) ``folder``'s file system allows: what the OS says where it can
    (``PC_NAME_MAX``), else :data:`NAME_MAX`."""
    try:
        limit = int(os.pathconf(folder, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):  # Windows has no pathconf; a folder not made yet
        return NAME_MAX
    return limit if limit > 0 else NAME_MAX


def name_length(name: str) -> int:
    """``name``'s length as file-name limits count it: UTF-16 units on Windows, UTF-8 bytes elsewhere."""
    return len(name.encode("utf-16-le")) // 2 if os.name == "nt" else len(name.encode("utf-8"))


def temp_path(path: Path) -> Path:
    """A unique hidden name beside ``path``, ``.STEM.xxxxxxxx.tmp.SUFFIX`` (the suffix kept for writers
    that go by it, e.g. ``np.savez``), the stem shortened so that the name never exceeds the file
    system's name limit (:func:`name_limit`), even when ``path``'s own name is at the limit."""
    tail = f".{secrets.token_hex(4)}.tmp{path.suffix}"
    stem = path.stem.encode("utf-8")
    room = name_limit(path.parent) - 1 - len(tail.encode("utf-8"))
    if len(stem) > room:
        stem = stem[:room].decode("utf-8", "ignore").encode("utf-8")
    return path.with_name("." + stem.decode("utf-8") + tail)


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's contents to disk where the OS allows it (folders: not on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; when the block succeeds it is synced, given the
    permissions of the file it replaces and renamed over ``path``; otherwise it is removed."""
    path = Path(path)
    tmp = temp_path(path)
    try:
        yield tmp
        fsync_path(tmp)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
        fsync_path(path.parent)
    finally:
        tmp.unlink(missing_ok=True)
