"""Helpers shared by the benchmark scripts: a synthetic photo, peak memory, one timed case per child process."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

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
