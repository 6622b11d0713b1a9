"""Tests that need the shared data find it through $PHOTOAI_DATA from anywhere, and say why when they skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, require_data


def test_photoai_data_points_to_the_data_from_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHOTOAI_DATA", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sr" / "Set5").mkdir(parents=True)
    assert require_data("sr/Set5") == tmp_path / "sr" / "Set5"


def test_a_skip_says_where_it_looked_and_which_variable_to_set(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHOTOAI_DATA", str(tmp_path))
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_data("raw", "sample camera raws")
    reason = str(skipped.value)
    assert "sample camera raws" in reason and str(tmp_path / "raw") in reason and "PHOTOAI_DATA" in reason
    monkeypatch.delenv("PHOTOAI_DATA")
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_data("no/such/folder")
    assert str(REPO.parent / "shared" / "data" / "no" / "such" / "folder") in str(skipped.value)
