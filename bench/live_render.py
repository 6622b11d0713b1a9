"""Live re-render speed of a LivePlugin: the analysis once, then re-renders for new live values.

    python bench/live_render.py [--plugin colorize] [--sizes 1 12] [--renders 7] [--threads N] [--device cpu]
                                [--baseline REV_OR_FOLDER]

For each size (megapixels) it makes one synthetic photo (``common.photo``), times ``analyze_plugin`` once
(the network: the part a slider move does not repeat) and then ``render_analysis`` for ``--renders`` sets
of live values spread over each live parameter's range (every render changes every live value), exactly
as the editor's worker runs them. It prints the median and worst milliseconds per render (and the median CPU
milliseconds of all threads, which a busy machine changes less), the same plus the
conversion for the screen that the worker also does (``photoai.ui.live.render_for_display``; skipped
without PySide6), and the median render as a fraction of the analysis. A plugin that is missing, has no live
parameters or whose model is not installed is reported in one line (exit status 2).

``--baseline REV`` measures a git revision of this repository (e.g. ``HEAD~3``) or a checkout's folder in the
same run, before the working tree: this script runs on its ``photoai`` and ``plugins`` (``common.code_of``, as
``ui_stalls.py --tree``) in a child process with the same arguments; the ``tree`` column tells the rows apart,
and the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from common import code_of, load, ms, photo, tree_env

from photoai.core.errors import PhotoAIError
from photoai.core.params import BoolParam, ChoiceParam, FloatParam, IntParam, Param


def live_values(param: Param, n: int) -> list[Any]:
    """``n`` values of a live parameter spread over its range (choices and booleans in turn)."""
    if isinstance(param, FloatParam):
        return [float(v) for v in np.linspace(param.minimum, param.maximum, n)]
    if isinstance(param, IntParam):
        return [int(round(v)) for v in np.linspace(param.minimum, param.maximum, n)]
    if isinstance(param, BoolParam):
        return [i % 2 == 1 for i in range(n)]
    if isinstance(param, ChoiceParam):
        return [param.choices[i % len(param.choices)] for i in range(n)]
    return [param.default] * n


def display_render() -> Callable[..., Any] | None:
    """The editor worker's render (render + conversion for the screen), or None without PySide6."""
    try:
        from photoai.ui.live import render_for_display
    except ImportError:
        return None
    return render_for_display


def run_baseline(rev: str, argv: list[str]) -> int:
    """This script with ``argv`` on ``rev``'s code (:func:`common.code_of`) in a child process; its table rows are
    printed as they come."""
    with code_of(rev) as folder:
        child = subprocess.run([sys.executable, __file__, *argv, "--label", rev, "--rows-only"],
                               env=tree_env(folder), check=False)
        return child.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugin", default="colorize", help="a LivePlugin's id (default: colorize)")
    ap.add_argument("--sizes", nargs="+", type=float, default=[1.0, 12.0], help="megapixels (default: 1 12)")
    ap.add_argument("--renders", type=int, default=7, help="re-renders per size (default: 7)")
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads (PHOTOAI_THREADS, default: 1)")
    ap.add_argument("--device", default="cpu", choices=("cpu", "auto"), help="model device (default: cpu)")
    ap.add_argument("--baseline", metavar="REV", help="also measure this git revision, first (see above)")
    ap.add_argument("--label", default="working tree", help=argparse.SUPPRESS)
    ap.add_argument("--rows-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.environ["PHOTOAI_THREADS"] = str(args.threads)

    from photoai.core.image import ImageBuffer
    from photoai.core.jobs import RunContext
    from photoai.plugin_api.execute import analyze_plugin, render_analysis
    from photoai.plugin_api.models import open_runtime
    from photoai.plugin_api.plugin import live_keys
    from photoai.plugin_api.registry import discover_plugins

    registry = discover_plugins(entry_point_group=None, paths=[])
    if args.plugin not in registry:
        failed = [f.error for f in registry.failures if f.source.rsplit(".", 1)[-1] == args.plugin]
        ids = ", ".join(p.info.id for p in registry.plugins())
        reason = f"it failed to load: {failed[0]}" if failed else f"available: {ids}"
        print(f"live_render: no plugin '{args.plugin}' ({reason})", file=sys.stderr)
        return 2
    plugin = registry.get(args.plugin)
    keys = live_keys(plugin)
    if not keys:
        print(f"live_render: {plugin.info.title} has no live parameters (not a LivePlugin, or none is live)",
              file=sys.stderr)
        return 2
    runtime = open_runtime(registry, args.device, user_models=False)
    params = [p for p in plugin.info.params if p.key in keys]
    sweeps = [{p.key: live_values(p, args.renders)[i] for p in params} for i in range(args.renders)]
    for_display = display_render()

    if not args.rows_only:
        print(f"{plugin.info.title} ({args.plugin}): live {', '.join(sorted(keys))}; {args.threads} ONNX Runtime "
              f"thread(s), {args.device}; {args.renders} re-renders per size; "
              f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; {load()}")
        print("| tree | photo | analyze ms | render ms median (max) | render CPU ms median "
              "| render + display ms median (max) | render / analyze |")
        print("|---|---|---|---|---|---|---|", flush=True)
        if args.baseline:
            argv = sys.argv[1:]
            i = next(i for i, a in enumerate(argv) if a.startswith("--baseline"))
            status = run_baseline(args.baseline, argv[:i] + argv[i + (1 if "=" in argv[i] else 2):])
            if status:
                return status
    for mp in args.sizes:
        image = ImageBuffer(photo(mp))
        try:
            t0 = time.perf_counter()
            analysis = analyze_plugin(plugin, image, runtime=runtime)
            analyze_ms = (time.perf_counter() - t0) * 1000
        except PhotoAIError as e:
            print(f"live_render: cannot analyze with {plugin.info.title}: {e}", file=sys.stderr)
            return 2
        cpu: list[float] = []
        renders = [ms(partial(render_analysis, plugin, analysis, v), cpu) for v in sweeps]
        shown = "n/a (no PySide6)"
        if for_display is not None:
            with_display = [ms(partial(for_display, plugin, analysis, dict(analysis.values, **v), RunContext()))
                            for v in sweeps]
            shown = f"{statistics.median(with_display):.0f} ({max(with_display):.0f})"
        w, h = image.size
        median = statistics.median(renders)
        print(f"| {args.label} | {w}x{h} ({mp:g} MP) | {analyze_ms:.0f} | {median:.0f} ({max(renders):.0f}) | "
              f"{statistics.median(cpu):.0f} | {shown} | {median / analyze_ms:.3f} |", flush=True)
    if not args.rows_only:
        print(load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
