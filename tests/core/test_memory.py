"""Available memory (no psutil) and the one-line refusal before a job that would not fit."""

from __future__ import annotations

import pytest

from photoai.core import memory
from photoai.core.errors import NotEnoughMemoryError, PhotoAIError


def test_meminfo_is_read_in_bytes(tmp_path):
    info = tmp_path / "meminfo"
    info.write_text("MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\n")
    assert memory._meminfo_available(info) == 4_000_000 * 1024
    info.write_text("MemTotal: 1 kB\n")  # an old kernel without MemAvailable
    assert memory._meminfo_available(info) is None
    assert memory._meminfo_available(tmp_path / "missing") is None


def test_cgroup_limit_caps_what_is_available(tmp_path, monkeypatch):
    (tmp_path / "memory.max").write_text("3000000000\n")
    (tmp_path / "memory.current").write_text("1000000000\n")
    assert memory._cgroup_headroom(tmp_path) == 2_000_000_000
    (tmp_path / "memory.max").write_text("max\n")
    assert memory._cgroup_headroom(tmp_path) is None
    monkeypatch.setattr(memory, "_meminfo_available", lambda: 8_000_000_000)
    monkeypatch.setattr(memory, "_cgroup_headroom", lambda: 2_000_000_000)
    assert memory.available_memory() == 2_000_000_000


def test_fallbacks_when_the_platform_tells_nothing(monkeypatch):
    monkeypatch.setattr(memory, "_meminfo_available", lambda: None)
    monkeypatch.setattr(memory, "_cgroup_headroom", lambda: None)
    monkeypatch.setattr(memory, "_sysconf_available", lambda: 123_000_000)
    assert memory.available_memory() == 123_000_000
    monkeypatch.setattr(memory, "_sysconf_available", lambda: None)
    assert memory.available_memory() is None
    memory.ensure_memory(10**15, "anything")  # unknown: never refused


def test_this_machine_reports_something_plausible():
    n = memory.available_memory()
    assert n is None or 10**7 < n < 10**14


def test_refusal_is_one_line_with_both_numbers(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda: 1_200_000_000)
    memory.ensure_memory(1_000_000_000, "a job")
    with pytest.raises(NotEnoughMemoryError) as e:
        memory.ensure_memory(3_100_000_000, "super-resolution x4", "choose a smaller scale")
    assert isinstance(e.value, PhotoAIError)
    assert str(e.value) == ("not enough memory for super-resolution x4: it needs about 3.1 GB, 1.2 GB is "
                            "available; choose a smaller scale")
    assert memory.format_bytes(850e6) == "850 MB"
