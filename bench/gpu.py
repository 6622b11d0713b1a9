"""GPU against CPU in one run: the shipped models with a GPU variant, and whole CLI runs.

    python bench/gpu.py [--mp 0.5 2] [--ids all | ID ...] [--cli superres lowlight colorize inpaint] [--repeat 5]

Networks: each chosen model as the app runs it (``photoai.runtime.backends.OrtModel``: padding, crop,
clamp) on a random input of ``--mp`` megapixels (4:3), on the CPU (its float32 and int8 files) and on the
GPU provider ONNX Runtime picks (``--device auto``: its float32 file and the float16 ``gpu_variant``); median
of ``--repeat`` runs after one warm-up, and the ratio of the best GPU time to the best CPU time. Then each
``--cli`` plugin through ``photoai run`` on a synthetic photo with ``--device cpu`` and ``--device auto``
(interpreter start, decode, encode included). Without a GPU provider it says so and prints the CPU rows.
Needs ``pip install "photoai[gpu]"`` on the GPU machine (see the README).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from common import ROOT, blob_mask, load, photo

from photoai.core.export import save, save_mask
from photoai.core.image import ImageBuffer
from photoai.core.models import ModelSpec
from photoai.plugin_api.models import open_runtime
from photoai.plugin_api.registry import discover_plugins
from photoai.runtime import GPU_PROVIDERS
from photoai.runtime.backends import OrtModel
from photoai.runtime.devices import pick_ort_providers
from photoai_plugins._fp16 import random_inputs

DEFAULT_IDS = ("superres-photo-fast-x2", "superres-photo-fast-x4", "superres-photo-x2", "superres-photo-x4",
               "lowlight-illum", "lowlight-denoise")
CLI_PLUGINS = ("superres", "lowlight", "colorize", "inpaint")


def variant_groups(specs: Sequence[ModelSpec], ids: Sequence[str]) -> list[tuple[ModelSpec, ModelSpec | None,
                                                                                   ModelSpec]]:
    """(float32, int8 or None, float16 variant) of each float32 model in ``ids`` (``all``: every one) that has
    a GPU variant."""
    by_id = {s.id: s for s in specs}
    out = []
    for s in specs:
        if s.precision == "float32" and s.gpu_variant and ("all" in ids or s.id in ids):
            variant = by_id.get(s.gpu_variant)
            if variant is not None:
                out.append((s, by_id.get(f"{s.id}-int8"), variant))
    return out


def inputs_for(model: OrtModel, megapixels: float) -> tuple[np.ndarray, ...]:
    """Random inputs in the spec's range (:func:`photoai_plugins._fp16.random_inputs`) at ``megapixels``, 4:3."""
    w = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    return random_inputs(model.session, model.spec, w * 3 // 4, w, np.random.default_rng(0))


def median_ms(model: OrtModel, inputs: tuple[np.ndarray, ...], repeat: int) -> float:
    model(*inputs)  # warm-up: memory arenas, cuDNN algorithm search
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        model(*inputs)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def network_rows(specs: Sequence[ModelSpec], ids: Sequence[str], sizes: Sequence[float], repeat: int,
                 gpu: bool) -> None:
    gpu_cols = "GPU float32 ms | GPU float16 ms | best GPU / best CPU |" if gpu else ""
    print(f"| model | MP in | CPU float32 ms | CPU int8 ms | {gpu_cols}")
    print("|---|---|---|---|" + ("---|---|---|" if gpu else ""))
    for fp32, int8, fp16 in variant_groups(specs, ids):
        for mp in sizes:
            cpu_model = OrtModel(fp32, fp32.path, "cpu")
            inputs = inputs_for(cpu_model, mp)
            cpu = [median_ms(cpu_model, inputs, repeat)]
            if int8 is not None:
                cpu.append(median_ms(OrtModel(int8, int8.path, "cpu"), inputs, repeat))
            row = f"| {fp32.id} | {mp:g} | {cpu[0]:.0f} | {f'{cpu[1]:.0f}' if int8 else '-'} |"
            if gpu:
                g = [median_ms(OrtModel(s, s.path, "auto"), inputs, repeat) for s in (fp32, fp16)]
                row += f" {g[0]:.1f} | {g[1]:.1f} | {min(g) / min(cpu):.3f} |"
            print(row, flush=True)


def cli_ms(plugin: str, image: Path, mask: Path, device: str, out_dir: Path) -> float:
    cmd = [sys.executable, "-m", "photoai", "run", plugin, str(image), "-o", str(out_dir / f"{plugin}_{device}.png"),
           "--device", device] + (["--mask", str(mask)] if plugin == "inpaint" else [])
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if res.returncode:
        last = (res.stderr.strip().splitlines() or [f"exit status {res.returncode}"])[-1]
        raise SystemExit(f"{' '.join(cmd)} failed: {last}")
    return (time.perf_counter() - t0) * 1000


def cli_rows(plugins: Sequence[str], sizes: Sequence[float], gpu: bool) -> None:
    print("\n| CLI `photoai run` | MP | --device cpu ms | " + ("--device auto ms | auto / cpu |" if gpu else ""))
    print("|---|---|---|" + ("---|---|" if gpu else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for mp in sizes:
            img = photo(mp)
            image, mask = Path(tmp) / "in.png", Path(tmp) / "mask.png"
            save(ImageBuffer(img), image)
            save_mask(blob_mask(*img.shape[:2]), mask)
            for plugin in plugins:
                cpu = cli_ms(plugin, image, mask, "cpu", Path(tmp))
                row = f"| {plugin} | {mp:g} | {cpu:.0f} |"
                if gpu:
                    auto = cli_ms(plugin, image, mask, "auto", Path(tmp))
                    row += f" {auto:.0f} | {auto / cpu:.3f} |"
                print(row, flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp", type=float, nargs="+", default=[0.5, 2.0], help="input megapixels")
    ap.add_argument("--ids", nargs="+", default=list(DEFAULT_IDS), help="float32 model ids, or 'all'")
    ap.add_argument("--cli", nargs="*", default=list(CLI_PLUGINS), help="plugins to run through the CLI")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    providers = pick_ort_providers("auto")
    gpu = providers[0] in GPU_PROVIDERS
    import onnxruntime as ort

    print(f"ONNX Runtime {ort.__version__}; providers {providers}; {load()}; "
          f"threads {os.environ.get('PHOTOAI_THREADS', 'default')}")
    if not gpu:
        print("no GPU provider: CPU rows only (install photoai[gpu] on a machine with an NVIDIA GPU)")
    rt = open_runtime(discover_plugins())
    network_rows(rt.models(), args.ids, args.mp, args.repeat, gpu)
    if args.cli:
        cli_rows(args.cli, args.mp, gpu)


if __name__ == "__main__":
    main()
