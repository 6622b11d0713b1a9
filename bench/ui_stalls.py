"""Event-loop stalls of the real editor on a 12 MP photo (issue 15: "the editor never stalls").

    OMP_NUM_THREADS=1 nice python bench/ui_stalls.py [--mp 12] [--photo PATH] [--plugin inpaint]
        [--set key=value ...] [--change key=value ...] [--formats png jpg tif] [--tree NAME=PATH ...]

Starts the real :class:`~photoai.ui.main_window.MainWindow` (offscreen unless QT_QPA_PLATFORM says otherwise)
with the installed plugins and runtime, opens a synthetic photo (``common.photo``, saved as JPEG) or
``--photo``, sets a mask (a few blobs, ~1 % of the photo: what ``inpaint`` fills), runs ``--plugin``, shows
the result in the split view, changes the values given by ``--change`` one at a time in the form (the
header says when the first preview and the full result came), toggles before/after, Keeps, Undoes, Redoes
and exports to each format, while a 5 ms :class:`~photoai.ui.stall_probe.StallProbe` records the gaps of the
GUI thread's event loop. Prints one table per tree: per phase the longest gap, the 99th percentile and the
count of gaps over 50 ms.
``--tree NAME=TREE`` (repeatable) runs the same bench in a child process on another version's ``photoai`` and
plugins (TREE: a git revision or a checkout's folder, ``common.code_of``), so before and after are measured in
one run on the same load.
``--profile PHASE`` prints the GUI thread's cProfile of one step. The column "GUI CPU in longest" is the GUI
thread's own CPU time inside the longest gap: on a loaded machine the rest of a gap is waiting for a core.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib.util
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from common import blob_mask, code_of, tree_env

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("open", "mask", "run", "show result", "toggle before/after", "keep", "undo", "redo")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mp", type=float, default=12.0, help="megapixels of the synthetic photo")
    p.add_argument("--photo", type=Path, help="open this photo instead of a synthetic one")
    p.add_argument("--plugin", default="inpaint", help="the plugin to run (default: inpaint on a ~1 %% mask)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a plugin value")
    p.add_argument("--no-mask", action="store_true", help="run without a mask")
    p.add_argument("--change", action="append", default=[], metavar="KEY=VALUE",
                   help="after the run, set a value in the form as the user does: times the first preview and the "
                        "full result (repeatable)")
    p.add_argument("--formats", nargs="*", default=["png", "jpg", "tif"], help="export formats (extensions)")
    p.add_argument("--settle-ms", type=int, default=600, help="event-loop time after each step (paints, timers)")
    p.add_argument("--profile", metavar="PHASE", help="print the GUI thread's cProfile of that step (e.g. keep)")
    p.add_argument("--tree", action="append", default=[], metavar="NAME=TREE",
                   help="also run on another version's code (a git revision or a checkout's folder; child process)")
    p.add_argument("--name", default="this tree", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _values(pairs: list[str]) -> dict[str, Any]:
    import json

    out: dict[str, Any] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        try:
            out[key] = json.loads(raw)
        except ValueError:
            out[key] = raw
    return out


def _synthetic_photo(mp: float, folder: Path) -> Path:
    from common import photo
    from PIL import Image

    path = folder / f"synthetic-{mp:g}mp.jpg"
    Image.fromarray((photo(mp) * 255 + 0.5).astype("uint8")).save(path, quality=92)
    return path


def _probe_class() -> Any:
    """This checkout's StallProbe, also when ``photoai`` is an older tree's (``--tree``): both trees are measured
    by the same probe."""
    spec = importlib.util.spec_from_file_location("stall_probe", ROOT / "photoai" / "ui" / "stall_probe.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.StallProbe


def bench(args: argparse.Namespace) -> str:
    """Run the scripted session in this process; returns the probe's table."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QSettings, QTimer, qInstallMessageHandler

    from photoai.ui.app import build_window, create_app
    from photoai.ui.qsettings import Settings

    StallProbe = _probe_class()

    qInstallMessageHandler(lambda _kind, _ctx, msg: None if "propagateSizeHints" in msg  # offscreen's noise
                           else print(msg, file=sys.stderr))
    app = create_app()
    tmp = Path(tempfile.mkdtemp(prefix="ui_stalls_"))
    settings = Settings(QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    window = build_window(settings=settings)
    window.resize(1280, 820)
    window.show()
    probe = StallProbe(interval_ms=5)

    def spin(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def wait_for(signal: Any, timeout_s: float = 600.0) -> list[Any]:
        got: list[Any] = []
        loop = QEventLoop()

        def done(*a: Any) -> None:
            got.extend(a)
            loop.quit()

        signal.connect(done)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        loop.exec()
        signal.disconnect(done)
        return got

    @contextlib.contextmanager
    def profiled(name: str) -> Iterator[None]:
        profiler = cProfile.Profile() if name == args.profile else None
        if profiler is not None:
            profiler.enable()
        yield
        if profiler is not None:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)

    def step(name: str, action: Callable[[], None], settle: bool = True) -> None:
        with probe.phase(name), profiled(name):
            action()
            if settle:
                spin(args.settle_ms)

    photo_path = args.photo or _synthetic_photo(args.mp, tmp)
    spin(300)
    probe.start()
    spin(300)
    step("baseline (idle)", lambda: spin(400))
    t0 = time.perf_counter()

    def open_photo() -> None:
        window.open_path(photo_path)
        if window.document is None or window.document.path != photo_path:
            wait_for(window.document_opened)

    step("open", open_photo)
    doc = window.document
    assert doc is not None, "the photo did not open"
    if not args.no_mask:
        h, w = doc.mask.shape
        mask = blob_mask(h, w)
        step("mask", lambda: doc.set_mask(mask, "Bench mask"))

    # "run" ends when the worker's result reaches the GUI thread; what the window then does is "show result"
    runner = window.runner
    runner.finished.disconnect(window._on_job_finished)
    runner.finished.connect(lambda *_a: probe.enter("show result"))
    runner.finished.connect(window._on_job_finished)
    window.plugin_panel.select(args.plugin)
    values = {**window.plugin_panel.values(), **_values(args.set)}
    ended: list[str] = []
    window.job_ended.connect(ended.append)
    previews = getattr(window, "previews", None)  # a first run's preview (older trees: none)
    previewed: list[float] = []

    def first_shown(*_a: Any) -> None:
        previewed.append(time.perf_counter() - started)

    if previews is not None:
        previews.shown.connect(first_shown)
    probe.enter("run")
    with profiled("run"):
        started = time.perf_counter()
        if window.run_plugin(args.plugin, values) is None:
            raise SystemExit(f"cannot run {args.plugin}: {window.plugin_panel.run_hint()}")
        if not ended:
            wait_for(window.job_ended)
        run_s = time.perf_counter() - started
    if previews is not None:
        previews.shown.disconnect(first_shown)
        if ended != ["proposed"] or doc.proposal is None:
            raise SystemExit(f"the run ended {ended}")
        spin(args.settle_ms)
    probe.enter("idle")
    changes = [_change(window, probe, spin, wait_for, pair) for pair in args.change]

    def toggles() -> None:
        for mode in ("after", "split", "before", "split"):
            window._set_compare_mode(mode) if mode == "before" else window.toggle_compare()
            spin(120)

    step("toggle before/after", toggles)
    step("keep", window.keep)
    step("undo", window.undo)
    step("redo", window.redo)
    exported = getattr(window, "export_ended", None)  # asynchronous export (a signal), else a blocking call
    for ext in args.formats:
        target = tmp / f"export.{ext}"

        def export(target: Path = target) -> None:
            window.export_to(target)
            if exported is not None and window.exporting:
                wait_for(exported)

        step(f"export {ext.upper()}", export)
        if not target.exists():
            raise SystemExit(f"the export to {target.name} failed")
    probe.stop()
    total = time.perf_counter() - t0
    window.runner.shutdown(2000)
    window.saved = None  # no "save changes?" question
    window.close()
    app.processEvents()
    size = doc.image.size
    head = (f"### {args.name}: {size.width}x{size.height} ({size.width * size.height / 1e6:.1f} MP, "
            f"{photo_path.stat().st_size / 1e6:.1f} MB {photo_path.suffix}), "
            f"{args.plugin} {values if args.set else ''} run {run_s:.1f} s (first preview "
            f"{f'{previewed[0]:.2f} s' if previewed else 'none'}), session {total:.1f} s"
            + "".join(f"; {c}" for c in changes))
    phases = [p for p in probe.phases() if p != "idle"]
    split = [(p, *probe.stall_time(p)) for p in phases]
    stalls = "".join(f"\n- {p}: {t:.0f} ms in gaps > {probe.threshold_ms:.0f} ms; GUI thread CPU {gui:.0f} ms, "
                     f"workers' CPU {work:.0f} ms" for p, t, gui, work in split if t)
    note = "\n\nIn the stalls (the rest: no thread of this process ran):" + stalls if stalls else ""
    return head + "\n\n" + probe.table(phases) + note


def _change(window: Any, probe: Any, spin: Callable[[int], None], wait_for: Callable[..., list[Any]],
            pair: str) -> str:
    """Set one form value of the pending result's plugin (``KEY=VALUE``) as the user does and wait for the full
    result: the seconds to the first preview (``window.previews``) and to the full result, as one line."""
    (key, value), = _values([pair]).items()
    previews = getattr(window, "previews", None)
    plugin_id = window.document.proposal.plugin_id
    full = window.live.rendered if window.live.holds(plugin_id) else window.job_ended
    first: list[float] = []
    started = time.perf_counter()
    if previews is not None:
        previews.shown.connect(lambda *_a: first.append(time.perf_counter() - started))
    with probe.phase(f"change {key}"):
        window.plugin_panel.form.editors[key].set_value(value)
        wait_for(full)
        done = time.perf_counter() - started
        spin(300)
    preview = f"{first[0]:.2f} s" if first else "none"
    return f"{key}={value}: first preview {preview}, full result {done:.2f} s"


def _child(name: str, tree: str, argv: list[str]) -> str:
    """The same bench on ``tree``'s code (:func:`common.code_of`) in a child process."""
    with code_of(tree) as folder:
        res = subprocess.run([sys.executable, str(Path(__file__)), *argv, "--name", name], env=tree_env(folder),
                             capture_output=True, text=True, cwd=folder)
    if res.returncode != 0:
        return f"### {name}: failed\n\n    " + "\n    ".join(res.stderr.strip().splitlines()[-5:])
    return res.stdout[res.stdout.index("### "):].strip()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parse(argv)
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs, "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}", flush=True)
    own = [a for i, a in enumerate(argv) if not (a.startswith("--tree") or (i and argv[i - 1] == "--tree"))]
    for spec in args.tree:
        name, _, path = spec.partition("=")
        print(_child(name, path, own), flush=True)
        print()
    print(bench(args), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
