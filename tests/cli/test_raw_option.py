"""``photoai run --raw KEY=VALUE``: develop options reach the loader; bad ones fail before any work."""

from __future__ import annotations

import pytest

from photoai import cli
from photoai.core import io
from photoai.core.raw import DevelopOptions
from tests.cli.conftest import write_photo


def test_raw_options_reach_the_loader(tmp_path, monkeypatch):
    seen = []
    real = io.load
    monkeypatch.setattr(io, "load", lambda path, raw_options=None: seen.append(raw_options) or real(path))
    src = write_photo(tmp_path / "in.png")
    rc = cli.main(["run", "sharpen", str(src), "-o", str(tmp_path / "out.png"), "--raw", "exposure=0.5",
                   "--raw", "white_balance=custom", "--raw", "temperature=4000", "--raw", "tint=10"])
    assert rc == 0
    assert seen == [DevelopOptions(exposure=0.5, white_balance="custom", temperature=4000.0, tint=10.0)]


@pytest.mark.parametrize("option, words", [("exposure=9", "exposure"), ("white_balance=moonlight", "moonlight"),
                                           ("iso=100", "unknown raw develop option")])
def test_bad_raw_options_fail_first_in_one_line(tmp_path, capsys, monkeypatch, option, words):
    monkeypatch.setattr(io, "load", lambda *a, **k: pytest.fail("loaded before the options were checked"))
    src = write_photo(tmp_path / "in.png")
    assert cli.main(["run", "sharpen", str(src), "-o", str(tmp_path / "out.png"), "--raw", option]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("photoai: error:") and words in err[0]
