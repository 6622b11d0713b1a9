"""Helpers shared by the benchmark scripts: a synthetic photo and mask, timing, peak memory, one timed case per
child process, and another version's code for before/after runs in one process tree (:func:`code_of`)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def photo(megapixels: float) -> np.ndarray:
    """A 4:3 float32 RGB test image with smooth structure plus fine noise (deterministic)."""
    w = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    h = int(w * 3 / 4)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.5 + 0.3 * np.sin(xx / 17.0) * np.cos(yy / 11.0)
    rgb = np.stack([base, 0.8 * base + 0.1, 1.0 - base], axis=2)
    return np.clip(rgb + np.random.default_rng(0).normal(0, 0.02, rgb.shape), 0, 1).astype(np.float32)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(call: Callable[[], np.ndarray]) -> dict:
    """Wall time and CPU time (all threads) of one ``call()``, peak RSS and the process baseline
    before it (MiB)."""
    base = rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    out = call()
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "peak": rss_mib(), "base": base,
            "out_shape": list(out.shape)}


def in_child(script: str, args: Sequence[str], python: str = sys.executable) -> dict:
    """Run ``script --one ARGS`` in a fresh interpreter (clean peak RSS; ``python``: another one, e.g. a
    virtual environment with another OpenCV); its last stdout line is JSON."""
    res = subprocess.run([python, script, "--one", *args], capture_output=True, text=True, cwd=ROOT)
    if res.returncode != 0:
        lines = res.stderr.strip().splitlines() or [f"exit status {res.returncode}"]  # -11: SIGSEGV
        return {"error": lines[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def blob_mask(h: int, w: int) -> np.ndarray:
    """Three soft-edged discs covering about 1 % of an ``h`` x ``w`` photo (a typical retouch), float32."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    mask = np.zeros((h, w), np.float32)
    r = 0.035 * min(h, w)
    for cy, cx in ((0.3, 0.3), (0.55, 0.7), (0.75, 0.4)):
        d = np.hypot(yy - cy * h, xx - cx * w)
        mask = np.maximum(mask, np.clip(r + 2 - d, 0.0, 1.0))
    return mask


def ms(call: Callable[[], Any], cpu: list[float] | None = None) -> float:
    """Wall milliseconds of ``call()``; its CPU milliseconds (all threads) are appended to ``cpu``."""
    t0, c0 = time.perf_counter(), time.process_time()
    call()
    if cpu is not None:
        cpu.append((time.process_time() - c0) * 1000)
    return (time.perf_counter() - t0) * 1000


def load() -> str:
    """The machine's load average, for the lines that frame a measurement."""
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


@contextlib.contextmanager
def code_of(tree: str) -> Iterator[Path]:
    """A folder that, first on ``PYTHONPATH`` (:func:`tree_env`), makes a child process import another version's
    ``photoai`` and built-in plugins (``photoai_plugins``): ``tree`` is a checkout's folder (e.g. a git worktree)
    or a git revision of this repository (exported with ``git archive``). Removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="photoai_tree_") as tmp:
        folder, source = Path(tmp), Path(tree)
        if source.is_dir():
            (folder / "photoai").symlink_to(source.resolve() / "photoai")
            (folder / "photoai_plugins").symlink_to(source.resolve() / "plugins")
        else:
            archive = subprocess.run(["git", "archive", "--format=tar", tree, "photoai", "plugins"], cwd=ROOT,
                                     capture_output=True, check=False)
            if archive.returncode != 0:
                raise SystemExit(f"cannot export {tree}: {archive.stderr.decode().strip()}")
            with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as t:
                t.extractall(folder, filter="data")
            (folder / "plugins").rename(folder / "photoai_plugins")
        yield folder


def tree_env(folder: Path) -> dict[str, str]:
    """The environment of a child that runs a bench script on :func:`code_of`'s ``folder`` (the bench's own helpers
    stay this checkout's)."""
    path = [str(folder), str(ROOT / "bench"), *filter(None, [os.environ.get("PYTHONPATH")])]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(path))
