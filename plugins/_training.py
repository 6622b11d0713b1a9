"""What the plugins' training scripts share: a timestamped log (stdout + ``train.log``) and
atomic checkpoints. Needs torch; the app never imports it (the leading underscore keeps plugin
discovery away from it)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import torch


class TrainLog:
    """``log(msg)`` prints ``msg`` with a timestamp and appends it to ``path`` (line-buffered, so a
    killed run loses nothing); also a context manager that closes the file."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "a", buffering=1)

    def __call__(self, msg: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}"
        print(line, flush=True)
        self._file.write(line + "\n")

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "TrainLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """``torch.save`` to a temporary file, then rename: a run killed mid-write keeps the old file."""
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
