"""Where ``photoai run superres`` spends its time and memory, stage by stage, for one or more code trees.

    nice python bench/superres_stages.py [--sizes 1 3] [--scales 2 4] [--trees before=DIR now=.] [--repeat 1]
    nice python bench/superres_stages.py --ort [--sizes 1] [--scales 2 4]     # ONNX Runtime options, tile size
    nice python bench/superres_stages.py --png [--sizes 3] [--scales 4]       # PNG compress level

Default mode: a synthetic photo (JPEG, q92) goes through the real CLI (``photoai.cli.main``, the default
model and precision, PNG output) in a fresh interpreter per case and tree, with timers wrapped around the
functions that make up each stage (exclusive times: inference is not counted again in tiling). A tree is
a folder holding ``photoai`` and ``photoai_plugins`` (e.g. ``git archive`` of an older commit with
``plugins`` linked as ``photoai_plugins``), so "before" and "after" are measured side by side in one run:
read the ratios, not the seconds, on a shared machine. Peak RSS is the child's ``ru_maxrss``.

``--ort`` times the network alone (Y of the photo, tiled as the plugin tiles it) under ONNX Runtime session
options and tile sizes, round-robin over the variants (median of ``--repeat``, default 3).
``--png`` re-encodes one super-resolved output at PNG compress levels (time and file size).
"""

from __future__ import annotations

import time

T_SCRIPT = time.time()  # before the heavy imports: the child's import time starts here

import argparse  # noqa: E402
import functools  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

#: (module, attribute, stage): every function that exists in a tree is wrapped; missing ones are skipped,
#: so older and newer code share one list. Methods are wrapped on their class ("Class.method").
STAGES: tuple[tuple[str, str, str], ...] = (
    ("photoai.cli", "discover_plugins", "plugin discovery"),
    ("photoai.runtime.backends", "OrtModel.__init__", "model load (ORT session)"),
    ("photoai.core.io", "load", "decode input"),
    ("photoai.plugin_api.execute", "run_plugin", "run_plugin checks and copies"),
    ("photoai.plugin_api.execute", "_check_output", "run_plugin checks and copies"),
    ("photoai_plugins.superres.plugin", "SuperResPlugin.run", "plugin glue"),
    ("photoai_plugins.superres.plugin", "rgb_to_ycbcr", "colour conversion"),
    ("photoai_plugins.superres.plugin", "ycbcr_to_rgb", "colour conversion"),
    ("photoai_plugins.superres.plugin", "ycbcr_to_rgb_inplace", "colour conversion"),
    ("photoai_plugins.superres.plugin", "imresize", "chroma bicubic"),
    ("photoai_plugins.superres.plugin", "run_tiled", "tiling (crop, pad, assemble)"),
    ("photoai.core.tiling", "_Job.run_tile", "tiling (crop, pad, assemble)"),  # streamed: bands made in the writer
    ("photoai.runtime.backends", "OrtModel.__call__", "ONNX Runtime inference"),
    ("photoai.core.export", "save", "export glue"),
    ("photoai.core.export", "to_uint", "quantize to 8 bit"),
    ("PIL.Image", "Image.save", "PNG encode (filter, zlib)"),
    ("photoai.core.export", "_write_png_strips", "PNG encode (filter, zlib)"),
)
ORDER = ("interpreter start", "imports", "plugin discovery", "model load (ORT session)", "decode input",
         "colour conversion", "chroma bicubic", "tiling (crop, pad, assemble)", "ONNX Runtime inference",
         "plugin glue", "run_plugin checks and copies", "quantize to 8 bit", "PNG encode (filter, zlib)",
         "export glue", "other")


# --------------------------------------------------------------------------- child: one CLI run, timed


class StageTimer:
    """Exclusive wall time per stage: a wrapped call's time minus that of wrapped calls inside it."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._stack: list[list[float]] = []  # [start, time spent in wrapped children]
        self.tiles: list[dict[str, Any]] = []

    def wrap(self, fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if fn.__name__ == "run_tiled":
                self.tiles.append({"shape": list(args[0].shape[:2]), "tile": kwargs.get("tile"),
                                   "overlap": kwargs.get("overlap")})
            self._stack.append([time.perf_counter(), 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                start, inner = self._stack.pop()
                spent = time.perf_counter() - start
                self.times[stage] = self.times.get(stage, 0.0) + spent - inner
                if self._stack:
                    self._stack[-1][1] += spent

        return timed

    def install(self) -> None:
        for module_name, attr, stage in STAGES:
            module = importlib.import_module(module_name)
            owner_name, _, name = attr.rpartition(".")
            owner = getattr(module, owner_name) if owner_name else module
            fn = getattr(owner, name, None)
            if fn is not None:
                setattr(owner, name, self.wrap(fn, stage))


def overlap_fraction(tiles: list[dict[str, Any]]) -> float:
    """Extra pixels the network sees because of tile context, relative to the image (0.17 = +17 %)."""
    from photoai.core.geometry import Size
    from photoai.core.tiling import plan_tiles

    seen = total = 0
    for t in tiles:
        h, w = t["shape"]
        for core in plan_tiles(Size(w, h), int(t["tile"])):
            ctx = core.pad(int(t["overlap"])).clamp(Size(w, h))
            seen += ctx.width * ctx.height
        total += w * h
    return seen / total - 1 if total else 0.0


def run_cli_child(src: str, out: str, scale: int) -> dict[str, Any]:
    import photoai.cli as cli

    t_imported = time.time()
    timer = StageTimer()
    timer.install()
    t0 = time.perf_counter()
    code = cli.main(["run", "superres", src, "-o", out, "--set", f"scale={scale}"])
    wall = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"photoai run failed with {code}")
    times = dict(timer.times)
    times["imports"] = t_imported - T_SCRIPT
    times["interpreter start"] = T_SCRIPT - float(os.environ["BENCH_SPAWN"])
    times["other"] = wall - sum(v for k, v in timer.times.items())
    return {"times": times, "total": time.time() - float(os.environ["BENCH_SPAWN"]),
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "out_bytes": Path(out).stat().st_size, "overlap": overlap_fraction(timer.tiles),
            "tile": timer.tiles[0]["tile"] if timer.tiles else None}


# --------------------------------------------------------------------------- parent


def make_input(folder: Path, megapixels: float) -> Path:
    from common import photo
    from PIL import Image

    path = folder / f"in_{megapixels:g}mp.jpg"
    if not path.exists():
        Image.fromarray((photo(megapixels) * 255 + 0.5).astype("uint8")).save(path, quality=92)
    return path


def run_tree(tree: Path, src: Path, out: Path, scale: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(tree), BENCH_SPAWN=repr(time.time()))
    res = subprocess.run([sys.executable, __file__, "--child", str(src), str(out), str(scale)],
                         capture_output=True, text=True, env=env, cwd=ROOT / "bench")
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def tree_path(spec: str) -> tuple[str, Path]:
    name, _, folder = spec.partition("=")
    path = Path(folder or ".").resolve()
    if (path / "plugins").is_dir() and not (path / "photoai_plugins").exists():  # a checkout: link its plugins
        linked = Path(tempfile.mkdtemp(prefix=f"bench-tree-{name}-"))
        (linked / "photoai").symlink_to(path / "photoai")
        (linked / "photoai_plugins").symlink_to(path / "plugins")
        path = linked
    return name, path


def stages_main(args: argparse.Namespace) -> None:
    trees = [tree_path(t) for t in args.trees]
    names = [n for n, _ in trees]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        summary = []
        for mp in args.sizes:
            src = make_input(folder, mp)
            for scale in args.scales:
                best: dict[str, dict[str, Any]] = {}
                for _ in range(args.repeat):
                    for name, path in trees:  # interleaved, so load changes hit every tree alike
                        r = run_tree(path, src, folder / "out.png", scale)
                        if "error" in r:
                            print(f"{name} {mp:g} MP x{scale}: failed: {r['error']}", file=sys.stderr)
                        elif name not in best or r["total"] < best[name]["total"]:
                            best[name] = r
                print(f"\n{mp:g} MP in, x{scale} (default model; PNG out)\n")
                print("| stage | " + " | ".join([f"{n} s" for n in names] + [f"{n}/{names[0]}" for n in names[1:]])
                      + " |")
                print("|---|" + "---|" * (2 * len(names) - 1))
                for stage in ORDER:
                    vals = [best.get(n, {}).get("times", {}).get(stage) for n in names]
                    if all(v is None for v in vals):
                        continue
                    cells = [f"{v:.2f}" if v is not None else "-" for v in vals]
                    ratios = [f"{v / vals[0]:.2f}x" if v and vals[0] else "-" for v in vals[1:]]
                    print(f"| {stage} | " + " | ".join(cells + ratios) + " |")
                for n in names:
                    if n in best:
                        summary.append((f"{mp:g} MP x{scale}", n, best[n]))
        print("\n| case | tree | CLI total s | vs first tree | peak RSS MiB | PNG MiB | tile | tile overlap |")
        print("|---|---|---|---|---|---|---|---|")
        firsts: dict[str, float] = {}
        for case, n, r in summary:
            firsts.setdefault(case, r["total"])
            print(f"| {case} | {n} | {r['total']:.2f} | {r['total'] / firsts[case]:.2f}x | {r['peak_mib']:.0f} | "
                  f"{r['out_bytes'] / 2**20:.1f} | {r['tile']} | +{100 * r['overlap']:.0f} % |")


# --------------------------------------------------------------------------- ONNX Runtime options


def ort_variants() -> dict[str, dict[str, Any]]:
    """Session option sets to compare; the first is what the app used before this bench."""
    cores = os.cpu_count() or 1
    return {
        "ENABLE_ALL, default threads, arena on, tile 384": {},
        f"intra-op threads = {cores}": {"threads": cores},
        "intra-op threads = 1": {"threads": 1},
        "memory arena off": {"arena": False},
        "execution mode parallel": {"parallel": True},
        "graph optimization EXTENDED": {"level": "ORT_ENABLE_EXTENDED"},
        "graph optimization BASIC": {"level": "ORT_ENABLE_BASIC"},
        "tile 256": {"tile": 256},
        "tile 512": {"tile": 512},
        "tile 768": {"tile": 768},
        "tile 1024": {"tile": 1024},
    }


def ort_session(path: Path, v: dict[str, Any]) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, v.get("level", "ORT_ENABLE_ALL"))
    if "threads" in v:
        opts.intra_op_num_threads = v["threads"]
    opts.enable_cpu_mem_arena = v.get("arena", True)
    if v.get("parallel"):
        opts.execution_mode = ort.ExecutionMode.ORT_PARALLEL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def ort_main(args: argparse.Namespace) -> None:
    import numpy as np
    from common import photo

    from photoai.core.resize import rgb_to_y
    from photoai.core.tiling import run_tiled
    from photoai.plugin_api.models import open_runtime
    from photoai.plugin_api.registry import discover_plugins

    runtime = open_runtime(discover_plugins(entry_point_group=None, paths=[]), user_models=False)
    variants = ort_variants()
    for mp in args.sizes:
        y = np.ascontiguousarray(rgb_to_y(photo(mp)))
        for scale in args.scales:
            spec = runtime.spec(f"superres-photo-x{scale}-int8")
            path = spec.path
            sessions = {name: ort_session(path, v) for name, v in variants.items()}
            times: dict[str, list[float]] = {name: [] for name in variants}
            for _ in range(args.repeat):
                for name, v in variants.items():
                    sess = sessions[name]

                    def fn(t: np.ndarray, sess: Any = sess) -> np.ndarray:
                        return sess.run(None, {sess.get_inputs()[0].name: t[None, None]})[0][0, 0]

                    t0 = time.perf_counter()
                    run_tiled(y, fn, scale=scale, tile=v.get("tile", 384), overlap=spec.receptive_field // 2 + 1)
                    times[name].append(time.perf_counter() - t0)
            ref = statistics.median(times[next(iter(variants))])
            print(f"\nONNX Runtime alone, {spec.id}, Y of a {y.shape[1]}x{y.shape[0]} ({mp:g} MP) photo, "
                  f"median of {args.repeat} round-robin runs\n")
            print("| variant | s | vs first |")
            print("|---|---|---|")
            for name in variants:
                m = statistics.median(times[name])
                print(f"| {name} | {m:.2f} | {m / ref:.2f}x |")


# --------------------------------------------------------------------------- PNG level


def png_main(args: argparse.Namespace) -> None:
    import io

    import numpy as np
    from common import photo
    from PIL import Image

    from photoai.core import export
    from photoai.core.resize import imresize

    for mp in args.sizes:
        for scale in args.scales:
            big = imresize(photo(mp), float(scale))
            px = (np.clip(big, 0, 1) * 255 + 0.5).astype(np.uint8)
            del big
            print(f"\nPNG encode of a {px.shape[1]}x{px.shape[0]} 8-bit RGB result ({mp:g} MP x{scale}, bicubic)\n")
            print("| compress_level (Pillow unless named) | s | MiB | time vs 6 | size vs 6 |")
            print("|---|---|---|---|---|")
            rows: dict[Any, tuple[float, int]] = {}
            for level in (6, 1, 3, 9) if args.repeat > 1 else (6, 1, 3):
                buf = io.BytesIO()
                t0 = time.perf_counter()
                Image.fromarray(px).save(buf, "PNG", compress_level=level)
                rows[level] = (time.perf_counter() - t0, buf.tell())
            buf = io.BytesIO()
            t0 = time.perf_counter()
            export._write_png_strips(buf, export._Job(export._Pixels.of(px), 8, None, None, None, 95, False))  # large
            rows["1, PhotoAI's strip writer (Up filter)"] = (time.perf_counter() - t0, buf.tell())
            for level, (t, n) in rows.items():
                print(f"| {level} | {t:.2f} | {n / 2**20:.1f} | {t / rows[6][0]:.2f}x | {n / rows[6][1]:.2f}x |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 3])
    ap.add_argument("--scales", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--trees", nargs="+", default=["now=."], help="NAME=DIR: a checkout or a folder with "
                    "photoai and photoai_plugins; the first is the reference")
    ap.add_argument("--repeat", type=int, default=None, help="runs per case (best kept) / per ORT variant")
    ap.add_argument("--ort", action="store_true", help="ONNX Runtime session options and tile sizes")
    ap.add_argument("--png", action="store_true", help="PNG compress levels")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_cli_child(args.child[0], args.child[1], int(args.child[2]))))
    elif args.ort:
        args.repeat = args.repeat or 3
        ort_main(args)
    elif args.png:
        args.repeat = args.repeat or 1
        png_main(args)
    else:
        args.repeat = args.repeat or 1
        stages_main(args)


if __name__ == "__main__":
    main()
