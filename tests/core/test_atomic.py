"""The one atomic-replace mechanism: whole files only, no temporary left, names within the limit."""

from __future__ import annotations

import pytest

from photoai.core.atomic import NAME_MAX, atomic_path, temp_path


def test_replaces_only_when_the_block_succeeds(tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old")
    path.chmod(0o640)
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk on fire")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    with atomic_path(path) as tmp:
        tmp.write_text("new")
    assert path.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    assert path.stat().st_mode & 0o777 == 0o640  # the replaced file's permissions are kept


def test_a_name_at_the_limit_still_gets_a_legal_temporary_name(tmp_path):
    path = tmp_path / ("é" * 60 + "a" * (NAME_MAX - 120 - 4) + ".png")  # 255 bytes in UTF-8
    assert len(path.name.encode()) == NAME_MAX
    tmp = temp_path(path)
    assert len(tmp.name.encode()) <= NAME_MAX and tmp.name.startswith(".") and tmp.suffix == ".png"
    with atomic_path(path) as tmp:
        tmp.write_bytes(b"ok")
    assert path.read_bytes() == b"ok"


def test_temporary_names_are_unique_and_keep_the_suffix(tmp_path):
    names = {temp_path(tmp_path / "bank.npz").name for _ in range(20)}
    assert len(names) == 20 and all(n.endswith(".tmp.npz") for n in names)
