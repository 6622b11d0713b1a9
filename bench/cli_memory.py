"""Peak memory and time of ``photoai run`` on a large JPEG (tiling keeps memory bounded).

    python bench/cli_memory.py [--megapixels 24] [--plugin sharpen] [--set key=value ...]

Prints a table: image size, wall time, peak RSS of the ``photoai run`` process, and peak RSS
divided by the size of one float32 RGB frame (how many full-size buffers were alive at once).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image


def make_photo(path: Path, megapixels: float) -> tuple[int, int]:
    w = int((megapixels * 1e6 * 3 / 2) ** 0.5)
    h = int(w * 2 / 3)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.5 + 0.25 * np.sin(xx / 37.0) * np.cos(yy / 23.0)
    noise = np.random.default_rng(0).normal(0, 0.03, (h, w)).astype(np.float32)
    rgb = np.stack([base, base * 0.9 + noise, 0.8 - base * 0.5], axis=2)
    Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)).save(path, quality=92)
    return w, h


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--megapixels", type=float, default=24.0)
    ap.add_argument("--plugin", default="sharpen")
    ap.add_argument("--set", dest="sets", action="append", default=[])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.jpg", Path(tmp) / "out.jpg"
        w, h = make_photo(src, args.megapixels)
        cmd = [sys.executable, "-m", "photoai", "run", args.plugin, str(src), "-o", str(out)]
        for s in args.sets:
            cmd += ["--set", s]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        frame_mb = w * h * 3 * 4 / 2**20
        print("| plugin | image | wall s | peak RSS MiB | float32 RGB frame MiB | peak / frame |")
        print("|---|---|---|---|---|---|")
        print(f"| {args.plugin} {' '.join(args.sets)} | {w}x{h} ({w*h/1e6:.1f} MP) | {wall:.1f} | "
              f"{peak_mb:.0f} | {frame_mb:.0f} | {peak_mb / frame_mb:.1f} |")


if __name__ == "__main__":
    main()
