"""photoai.core.logs: one line per record on the console, tracebacks only in the rotating log file."""

from __future__ import annotations

import logging

import pytest

from photoai.core.logs import setup_logging, traceback_log


@pytest.fixture
def restore_root():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    setup_logging(False, None)  # drop ours
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def fail(log: logging.Logger) -> None:
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        log.exception("plugin x failed")


def test_tracebacks_go_to_the_file_not_the_console(tmp_path, capsys, restore_root):
    path = tmp_path / "logs" / "photoai.log"
    setup_logging(False, path)
    assert traceback_log() is None and not path.exists()  # made on the first record only
    log = logging.getLogger("photoai.test")
    log.warning("a warning")
    fail(log)
    err = capsys.readouterr().err
    assert err == "WARNING photoai.test: a warning\n"  # the failure's record waits for the one-line error
    text = path.read_text()
    assert "a warning" in text and "Traceback" in text and "ZeroDivisionError" in text
    assert traceback_log() == path
    setup_logging(True, path)  # verbose: the record's message, still without the traceback
    fail(log)
    err = capsys.readouterr().err
    assert err == "ERROR photoai.test: plugin x failed\n"


def test_a_log_file_that_cannot_be_written_is_skipped_quietly(tmp_path, capsys, restore_root):
    (tmp_path / "logs").write_text("a file where the folder should be")
    setup_logging(False, tmp_path / "logs" / "photoai.log")
    fail(logging.getLogger("photoai.test"))
    assert capsys.readouterr().err == "" and traceback_log() is None
