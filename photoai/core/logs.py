"""Logging for the command line and the editor: short lines on the console, full records (tracebacks
included) in a rotating log file, so that a plugin error reads as one line and its details are kept."""

from __future__ import annotations

import logging
import sys
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3

_installed: list[logging.Handler] = []


class ConsoleFormatter(logging.Formatter):
    """``LEVEL name: message`` and never a traceback (the log file has it)."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


class Console(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (tests and embedders replace it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(ConsoleFormatter())

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class LogFile(RotatingFileHandler):
    """A rotating log file whose folder is made on the first record; a file that cannot be written
    is skipped quietly rather than disturbing the console."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.tracebacks = 0  # records with a traceback written so far
        self._written = False

    def _open(self) -> TextIOWrapper:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        self._written = True
        super().emit(record)
        if record.exc_info is not None and self._written:
            self.tracebacks += 1

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """Drop the record: a read-only or full disk must not turn into console tracebacks."""
        self._written = False


def _without_tracebacks(record: logging.LogRecord) -> bool:
    return record.exc_info is None


def setup_logging(verbose: bool, log_file: Path | None) -> None:
    """Configure the root logger (replacing what an earlier call installed): warnings, or everything
    from INFO with ``verbose``, on stderr as one line each; records that carry a traceback reach the
    console only with ``verbose``, and then without it. ``log_file`` gets every record in full."""
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()
    console = Console()
    if not verbose:
        console.addFilter(_without_tracebacks)
    _installed.append(console)
    if log_file is not None:
        _installed.append(LogFile(log_file))
    for handler in _installed:
        root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)


def traceback_log() -> Path | None:
    """The log file, if a traceback was written to it since :func:`setup_logging` (else None)."""
    for handler in _installed:
        if isinstance(handler, LogFile) and handler.tracebacks:
            return Path(handler.baseFilename)
    return None
