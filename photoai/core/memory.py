"""How much memory the machine can give a job now, and a one-line refusal before a job that would not fit.

No psutil: Linux's ``/proc/meminfo`` (``MemAvailable``: what can be allocated without swapping) capped by
the cgroup v2 limit when one applies (containers), else ``os.sysconf`` free pages; ``None`` when the
platform tells nothing (then nothing is refused).
"""

from __future__ import annotations

import os
from pathlib import Path

from photoai.core.errors import NotEnoughMemoryError

MEMINFO = Path("/proc/meminfo")
CGROUP = Path("/sys/fs/cgroup")


def _meminfo_available(path: Path = MEMINFO) -> int | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_headroom(root: Path = CGROUP) -> int | None:
    """``memory.max - memory.current`` of this process's cgroup v2, or None without a limit."""
    try:
        limit = (root / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(0, int(limit) - int((root / "memory.current").read_text().strip()))
    except (OSError, ValueError):
        return None


def _sysconf_available() -> int | None:
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):  # no sysconf (Windows) or no such name (macOS)
        return None


def available_memory() -> int | None:
    """Bytes a new job can allocate without swapping, or None when unknown."""
    found = [n for n in (_meminfo_available() or _sysconf_available(), _cgroup_headroom()) if n is not None]
    return min(found) if found else None


def format_bytes(n: float) -> str:
    """``3.2 GB``, ``850 MB`` (decimal units, as file managers show)."""
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def ensure_memory(needed: int, what: str, hint: str = "") -> None:
    """Raise :class:`NotEnoughMemoryError` (one line) if ``needed`` bytes are more than is available."""
    available = available_memory()
    if available is not None and needed > available:
        raise NotEnoughMemoryError(f"not enough memory for {what}: it needs about {format_bytes(needed)}, "
                                   f"{format_bytes(available)} is available" + (f"; {hint}" if hint else ""))
