"""Command line: ``photoai [gui] [FILE]``, ``photoai run``, ``photoai plugins``, ``photoai info``, ``photoai eval``,
``photoai models``, ``photoai inspect``.

The CLI runs the same plugin code as the editor (``run_plugin``), headless.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TextIO

from photoai import __version__
from photoai.core.errors import Cancelled, PhotoAIError
from photoai.core.export import EXPORT_FORMATS, check_destination, format_for_path, same_file
from photoai.core.jobs import RunContext
from photoai.core.logs import setup_logging, traceback_log
from photoai.core.params import (
    ParamError,
    PointsParam,
    parse_assignments,
    points_params,
)
from photoai.plugin_api.registry import PluginRegistry, discover_plugins
from photoai.runtime.devices import DEFAULT_DEVICE_PREFERENCE, DEVICE_PREFERENCES
from photoai.runtime.manifest import user_data_dir

if TYPE_CHECKING:
    from photoai.core.models import ModelSpec
    from photoai.plugin_api.plugin import Plugin
    from photoai.runtime import Manifest, Runtime

PROG = "photoai"
log = logging.getLogger(__name__)


def log_file() -> Path:
    """Where every run logs in full (tracebacks included): ``<user data>/logs/photoai.log``, rotated."""
    return user_data_dir() / "logs" / "photoai.log"


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, systemd, docker): handled like Ctrl-C (job cancelled, temporary files removed)."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` in the main thread; a second SIGTERM
    during the clean-up is ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigterm(_signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class ConsoleProgress:
    """Progress on stderr: a redrawn bar on a terminal, a line per 10 % otherwise."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last_step = -1
        self._last_draw = 0.0
        self.start = time.monotonic()

    def __call__(self, fraction: float, stage: str) -> None:
        pct = int(fraction * 100)
        now = time.monotonic()
        if self.tty:
            if now - self._last_draw < 0.1 and pct < 100:
                return
            self._last_draw = now
            bar = "#" * (pct // 4)
            self.stream.write(f"\r[{bar:<25}] {pct:3d}% {stage[:40]:<40}")
        else:
            step = pct // 10
            if step == self._last_step:
                return
            self._last_step = step
            self.stream.write(f"{pct:3d}% {stage}\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")
        self.stream.write(f"done in {time.monotonic() - self.start:.1f} s\n")
        self.stream.flush()


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="PhotoAI: offline AI photo enhancement.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens (devices, models)")
    sub = p.add_subparsers(dest="command")

    g = sub.add_parser("gui", help="open the editor (the default)")
    g.add_argument("file", nargs="?", help="photo to open")

    r = sub.add_parser("run", help="run a plugin on a photo, headless")
    r.add_argument("plugin", help="plugin id (see 'photoai plugins')")
    r.add_argument("input", nargs="+", help="input photo; several photos or folders run as a batch")
    r.add_argument("-o", "--output", required=True,
                   help="output file (format from its extension); for a batch, a folder")
    r.add_argument("--mask", help="grayscale mask of the input's size, white = selected (one that selects nothing "
                                  "is refused); for a batch, a mask for all or a folder of masks named like the "
                                  "photos (NAME.png or NAME_mask.png)")
    r.add_argument("--format", choices=sorted(f.lower() for f in EXPORT_FORMATS),
                   help="batch output format (default: the input's own where it can be written, else png)")
    r.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE", help="plugin parameter")
    r.add_argument("--hints", metavar="FILE.json",
                   help='colour hints for a plugin that takes them (colorize): a JSON list of {"x": .., "y": .., '
                        '"rgb": [r, g, b]}, x/y in pixels of the input photo, rgb 0-255 (one photo only)')
    r.add_argument("--raw", dest="raw", action="append", default=[], metavar="KEY=VALUE",
                   help="how to develop camera raw inputs: auto_exposure=true|false, exposure=EV, "
                        "white_balance=as_shot|auto|daylight|custom, temperature=K, tint=T (other inputs ignore it)")
    r.add_argument("--quality", type=int, default=95, help="JPEG/WebP quality (default 95)")
    r.add_argument("--device", choices=DEVICE_PREFERENCES, default=DEFAULT_DEVICE_PREFERENCE,
                   help="'cpu' disables GPU providers")
    r.add_argument("--overwrite-source", action="store_true",
                   help="allow OUTPUT to be the INPUT photo (never the mask)")

    pl = sub.add_parser("plugins", help="list plugins and their parameters")
    pl.add_argument("--json", action="store_true", help="machine-readable output")

    i = sub.add_parser("info", help="versions, devices, providers and models")
    i.add_argument("--json", action="store_true")

    e = sub.add_parser("eval", help="run a plugin's evaluation (e.g. 'photoai eval superres --data DIR --scale 2')")
    e.add_argument("plugin")
    e.add_argument("args", nargs=argparse.REMAINDER)

    mo = sub.add_parser("models", help="list models; import your own PyTorch weights; remove imported ones")
    ms = mo.add_subparsers(dest="models_command", required=True)
    mi = ms.add_parser("import", help="convert PyTorch weights of a known architecture into a model")
    mi.add_argument("file", help="the .pth/.pt file (its state dict; code in it is refused)")
    mi.add_argument("--id", dest="model_id", required=True, help="the new model's id (then: --set model=ID)")
    mi.add_argument("--scale", type=int, help="for super-resolution weights that do not state it (else from a "
                                               "x2/_x3/4x in the file name)")
    ml = ms.add_parser("list", help="every model: built-in and imported")
    ml.add_argument("--json", action="store_true")
    mr = ms.add_parser("remove", help="remove an imported model")
    mr.add_argument("model_id", metavar="ID")
    _add_inspect_parser(sub)
    return p


def _command_names(parser: argparse.ArgumentParser) -> list[str]:
    """The parser's sub-command names (``gui``, ``run``, ...)."""
    return [name for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name in action.choices]


def _fail(message: str, code: int = 2) -> int:
    """Print ``photoai: error: MESSAGE`` as one line (naming the log file if a traceback went there)."""
    logged = traceback_log()
    details = f" (details in {logged})" if logged else ""
    print(f"{PROG}: error: {' '.join(message.split())}{details}", file=sys.stderr)
    return code


def cmd_run(args: argparse.Namespace, registry: PluginRegistry) -> int:
    from photoai.core.raw import DevelopOptions

    plugin = registry.get(args.plugin)
    values = parse_assignments(args.sets)
    args.raw_options = DevelopOptions.from_dict(parse_assignments(args.raw))  # checked before any work
    batch = batch_inputs(args.input)
    if args.hints:
        if batch is not None:
            return _fail("--hints takes one input photo (hints are pixels of that photo), not a batch")
        values.update(read_hints(plugin, Path(args.hints), values))
    if batch is None:
        src, out = Path(args.input[0]), Path(args.output)
        mask = Path(args.mask) if args.mask else None
        check_output(src, out, mask, args)  # before the (slow) load and run, not at export
        _run_one(plugin, src, out, mask, values, _runtime(registry, args), args)
        return 0
    return _run_batch(plugin, batch, values, registry, args)


def read_hints(plugin: Plugin, path: Path, values: dict[str, Any]) -> dict[str, Any]:
    """``{key: points}`` for the plugin's one :class:`PointsParam`, read from the JSON file ``path``; errors
    name the file (and the point). Whether the points lie on the photo is checked once it is loaded."""
    params = points_params(plugin.info.params)
    if not params:
        raise PhotoAIError(f"{plugin.info.id} takes no colour hints")
    if len(params) > 1:
        keys = ", ".join(p.key for p in params)
        raise PhotoAIError(f"{plugin.info.id} takes several point lists ({keys}): pass each as --set KEY=JSON")
    param = params[0]
    if param.key in values:
        raise PhotoAIError(f"--hints and --set {param.key}=... both give the hints; pass one")
    try:
        return {param.key: param.coerce(path.read_text(encoding="utf-8"))}
    except UnicodeDecodeError:
        raise PhotoAIError(f"{path}: not a JSON text file") from None
    except ParamError as e:
        raise PhotoAIError(f"{path}: {e}") from None


def _runtime(registry: PluginRegistry, args: argparse.Namespace) -> Runtime:
    from photoai.plugin_api.models import open_runtime

    return open_runtime(registry, args.device)


def check_output(src: Path, out: Path, mask: Path | None, args: argparse.Namespace) -> None:
    """Refuse, before any work, an output that would replace an input (the photo, unless
    ``--overwrite-source``; the mask, always) or that the export would refuse."""
    if not args.overwrite_source and same_file(out, src):
        raise PhotoAIError(f"refusing to overwrite the input {src}; pass --overwrite-source to allow it")
    if mask is not None and same_file(out, mask):
        raise PhotoAIError(f"refusing to overwrite the mask {mask} with the result")
    check_destination(out, quality=args.quality, source_path=src, overwrite_source=args.overwrite_source)


def batch_inputs(inputs: list[str]) -> list[Path] | None:
    """The photos of a batch (folders read non-recursively, sorted), or None for one photo."""
    from photoai.core.io import SUPPORTED_READ_EXTENSIONS

    paths = [Path(p) for p in inputs]
    if len(paths) == 1 and not paths[0].is_dir():
        return None
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUPPORTED_READ_EXTENSIONS)
        else:
            files.append(p)
    return files


def _batch_output(src: Path, out_dir: Path, fmt: str | None) -> Path:
    try:
        chosen = format_for_path(src, fmt)
    except PhotoAIError:  # camera raw, GIF, ...: not a format we write
        return out_dir / (src.stem + ".png")
    return out_dir / (src.name if fmt is None else src.stem + chosen.extensions[0])


def _batch_mask(mask_arg: str | None, src: Path) -> Path | PhotoAIError | None:
    """The mask for ``src``: ``--mask`` itself, or its file in the ``--mask`` folder; a missing one is
    the error that photo fails with on its turn."""
    if not mask_arg:
        return None
    folder = Path(mask_arg)
    if not folder.is_dir():
        return folder
    for name in (f"{src.stem}.png", f"{src.stem}_mask.png"):
        if (folder / name).is_file():
            return folder / name
    return PhotoAIError(f"no mask for {src.name} in {folder} (looked for {src.stem}.png, {src.stem}_mask.png)")


def _make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; returns those created, deepest first."""
    created = list(itertools.takewhile(lambda p: not p.exists(), (folder, *folder.parents)))
    folder.mkdir(parents=True, exist_ok=True)
    return created


def _run_batch(plugin, files: list[Path], values: dict, registry: PluginRegistry, args: argparse.Namespace) -> int:
    """Each photo in turn (the model stays loaded); a failure is reported and the batch goes on.
    Every output is checked before the first photo runs."""
    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        return _fail(f"with several inputs or a folder, -o must be a folder: {out_dir} is a file")
    if not files:
        return _fail(f"no photos in {', '.join(args.input)}")
    outputs = [_batch_output(src, out_dir, args.format) for src in files]
    clash = next((o for i, o in enumerate(outputs) if o in outputs[:i]), None)
    if clash is not None:
        return _fail(f"two inputs would both be written to {clash}; pass --format or rename one")
    masks = [_batch_mask(args.mask, src) for src in files]
    created = _make_folder(out_dir)
    try:
        for src, out, mask in zip(files, outputs, masks, strict=True):
            check_output(src, out, mask if isinstance(mask, Path) else None, args)
    except PhotoAIError:
        for folder in created:
            folder.rmdir()
        raise
    runtime = _runtime(registry, args)
    failed = 0
    for i, (src, out, mask) in enumerate(zip(files, outputs, masks, strict=True), 1):
        print(f"[{i}/{len(files)}] {src}", file=sys.stderr)
        try:
            if isinstance(mask, PhotoAIError):
                raise mask
            _run_one(plugin, src, out, mask, values, runtime, args)
        except Cancelled:
            raise
        except (PhotoAIError, OSError) as e:
            failed += 1
            print(f"{PROG}: error: {src}: {_describe(e)}", file=sys.stderr)
    print(f"batch: {len(files) - failed} written to {out_dir}, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


def _run_one(plugin, src: Path, out: Path, mask_path: Path | None, values: dict, runtime,
             args: argparse.Namespace) -> None:
    """Load, run, export one photo (the input is never overwritten unless allowed). A mask file that
    selects nothing is an error (``mask_given``). A plugin that can stream its result (``stream_plugin``)
    runs while the file is written, without a full-size frame."""
    from photoai.core import export, io
    from photoai.plugin_api.execute import run_plugin, stream_plugin

    image = io.load(src, getattr(args, "raw_options", None))
    mask = export.load_mask(mask_path, image.size) if mask_path else None
    progress = ConsoleProgress()
    ctx = RunContext(on_progress=progress)
    given = mask is not None
    try:
        result = (stream_plugin(plugin, image, mask, values, ctx, runtime, mask_given=given)
                  or run_plugin(plugin, image, mask, values, ctx, runtime, mask_given=given))
        path = export.save(result, out, quality=args.quality, source_path=src,
                           overwrite_source=args.overwrite_source)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM (Terminated): stop what the plugin started
        ctx.token.cancel()
        raise
    progress.done()
    if runtime.last_device_label:
        print(f"ran on {runtime.last_device_label}", file=sys.stderr)
    print(f"wrote {path} ({result.size.width}x{result.size.height})", file=sys.stderr)


def _describe(e: Exception) -> str:
    if isinstance(e, OSError):
        return f"{e.strerror or e}: {e.filename}" if e.filename else str(e)
    return str(e)


def cmd_plugins(args: argparse.Namespace, registry: PluginRegistry) -> int:
    if args.json:
        data = {
            "plugins": [dict(p.info.to_dict(), source=registry.source(p.info.id)) for p in registry.plugins()],
            "failures": [{"source": f.source, "error": f.error} for f in registry.failures],
        }
        print(json.dumps(data, indent=2, default=str))
        return 0
    from photoai.plugin_api.models import open_runtime, resolve_params

    runtime = open_runtime(registry)
    for p in registry.plugins():
        info = p.info
        flags = ", ".join(f for f, on in (("needs mask", info.needs_mask), ("needs a RAW file", info.needs_raw),
                                           ("changes size", info.changes_size)) if on)
        print(f"{info.id:<12} {info.title}" + (f"  [{flags}]" if flags else ""))
        if info.description:
            print(f"{'':<12} {info.description}")
        for prm in resolve_params(info.params, runtime, info.model_ids):
            if isinstance(prm, PointsParam):
                print(f"{'':<14}--hints FILE.json  a JSON list of {{x, y, rgb}} (at most {prm.max_points}), "
                      f"default none  {prm.help}")
                continue
            d = prm.to_dict()
            extra = (
                f"one of {', '.join(map(str, d['choices']))}" if d["type"] in ("choice", "model")
                else f"{d['minimum']}..{d['maximum']}" if "minimum" in d else "true/false"
            )
            when = "; ".join(f"{k}={'/'.join(map(str, v))}" for k, v in prm.applies)
            extra += f" (acts only with {when})" if when else ""
            print(f"{'':<14}--set {prm.key}=<{d['type']}>  default {prm.default!r}; {extra}  {prm.help}")
    for f in registry.failures:
        print(f"(failed) {f.source}: {f.error}")
    return 0


def cmd_info(args: argparse.Namespace, registry: PluginRegistry) -> int:
    from photoai.plugin_api.models import open_runtime

    info = {"photoai": __version__, **open_runtime(registry).describe(),
            "plugins": [p.info.id for p in registry.plugins()]}
    try:
        from importlib.metadata import version

        info["PySide6"] = version("PySide6-Essentials")
    except Exception:  # noqa: BLE001 - optional
        info["PySide6"] = None
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:<24} {value}")
    return 0


def cmd_eval(args: argparse.Namespace, registry: PluginRegistry) -> int:
    plugin = registry.get(args.plugin)
    evaluate = getattr(plugin, "evaluate", None)
    if evaluate is None:
        return _fail(f"plugin '{args.plugin}' has no evaluation")
    return int(evaluate(list(args.args)) or 0)


def cmd_models(args: argparse.Namespace, registry: PluginRegistry) -> int:
    from photoai.plugin_api.models import open_runtime

    runtime = open_runtime(registry)
    actions = {"import": _models_import, "list": _models_list, "remove": _models_remove}
    return actions[args.models_command](args, registry, runtime)


def _models_import(args: argparse.Namespace, registry: PluginRegistry, runtime: Runtime) -> int:
    from photoai.plugin_api.models import import_weights

    print(f"importing {args.file} ...", file=sys.stderr)
    spec = import_weights(registry, runtime, Path(args.file), args.model_id, args.scale)
    scale = f", x{spec.scale}" if spec.scale > 1 else ""
    print(f"imported '{spec.id}': {spec.title} ({spec.task}{scale}) -> {spec.path}")
    if spec.task in {p.info.id for p in registry.plugins()}:
        also = f" --set scale={spec.scale}" if spec.task == "superres" else ""
        print(f"use it: photoai run {spec.task} IN -o OUT --set model={spec.id}{also}")
    else:
        print(f"(no installed plugin runs '{spec.task}' models yet)")
    return 0


def _model_row(spec: ModelSpec, manifest: Manifest) -> dict[str, Any]:
    """One model as ``photoai models list`` shows it."""
    origin = next((s.origin for s in manifest.sources if s.folder.resolve() == spec.root.resolve()), "")
    size = spec.path.stat().st_size if spec.path.is_file() else None
    return {"id": spec.id, "task": spec.task, "arch": spec.arch, "title": spec.title,
            "kind": "imported" if spec.imported else "built-in" if origin.startswith("plugin") else "external",
            "origin": origin, "file": spec.file,
            "size": size, "sha256": spec.sha256, "source": dict(spec.source)}


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> None:
    """Columns as wide as their longest cell (two spaces apart; the last one unpadded; ``right`` aligned)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        cells = [f"{c:>{w}}" if i in right else f"{c:<{w}}" for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        print("  ".join(cells[:-1] + [str(r[-1])]))


def _human_size(size: int | None) -> str:
    if size is None:
        return "missing"
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} kB"


def _models_list(args: argparse.Namespace, registry: PluginRegistry, runtime: Runtime) -> int:
    manifest = runtime.manifest
    rows = [_model_row(s, manifest) for s in runtime.models()]
    if args.json:
        print(json.dumps({"models": rows, "problems": manifest.failures}, indent=2))
        return 0
    _print_table(("ID", "TASK", "ARCH", "KIND", "SIZE", "SHA256", "SOURCE FILE"),
                 [(r["id"], r["task"] or "-", r["arch"] or "-", r["kind"], _human_size(r["size"]), r["sha256"][:12],
                   r["source"].get("file", "-")) for r in rows], right=(4,))
    for problem in manifest.failures:
        print(f"(problem) {problem}")
    return 0


def _models_remove(args: argparse.Namespace, registry: PluginRegistry, runtime: Runtime) -> int:
    from photoai.plugin_api.models import remove_model

    spec = remove_model(runtime, args.model_id)
    print(f"removed '{spec.id}' ({spec.path})")
    return 0


def _add_inspect_parser(sub: Any) -> None:
    """``photoai inspect``: look inside a model (see :mod:`photoai.runtime.inspector`)."""
    ins = sub.add_parser("inspect", help="look inside a model: layers, filters, activations on a photo")
    ins.add_argument("model_id", nargs="?", metavar="MODEL_ID", help="the model (see 'photoai inspect --list')")
    ins.add_argument("photo", nargs="?", metavar="PHOTO", help="a photo to show the activations on")
    ins.add_argument("-o", "--output", metavar="DIR", help="folder for layers.json and the pictures")
    ins.add_argument("--list", action="store_true", help="list the models that can be inspected")
    ins.add_argument("--layer", dest="layers", action="append", default=[], metavar="NAME",
                     help="a layer (node name, output tensor or weight such as body.0.conv1; repeatable; 'all' = "
                          "every convolution; default: the first convolution)")
    ins.add_argument("--mask", help="grayscale mask of the photo's size, white = painted: the model's mask input "
                                    "(inpainting) and which channels respond inside vs outside it")
    ins.add_argument("--max-side", type=int, default=512, metavar="PX",
                     help="long side of the proxy the photo is inspected on (default 512)")
    ins.add_argument("--features", type=int, default=0, metavar="N",
                     help="also visualize the N strongest channels by gradient ascent (needs torch and one of "
                          "PhotoAI's own networks)")
    ins.add_argument("--steps", type=int, default=64, help="gradient ascent steps for --features (default 64)")
    ins.add_argument("--weights", metavar="FILE", help="the torch checkpoint for --features when no manifest "
                                                      "lists the model's torch weights")


def cmd_inspect(args: argparse.Namespace, registry: PluginRegistry) -> int:
    from photoai.plugin_api.models import open_runtime, plugin_archs
    from photoai.runtime.inspector import ModelInspector
    from photoai.runtime.inspector.features import feature_problem, open_network
    from photoai.runtime.inspector.report import FeatureRequest, write_report

    runtime = open_runtime(registry)
    specs = [s for s in runtime.models() if s.format == "onnx"]
    if args.list:
        _print_table(("ID", "TASK", "ARCH", "INPUTS", "FEATURES", "TITLE"),
                     [(s.id, s.task or "-", s.arch or "-", ",".join(s.inputs) or "-",
                       "-" if feature_problem(s, runtime.models()) else "yes", s.title) for s in specs])
        return 0
    if not args.model_id or not args.output:
        return _fail("usage: photoai inspect MODEL_ID [PHOTO] -o DIR (photoai inspect --list shows the models)")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        return _fail(f"-o must be a folder: {out} is a file")
    if args.mask and not args.photo:
        return _fail("--mask needs a PHOTO")
    if args.max_side < 8:
        return _fail(f"--max-side {args.max_side}: must be at least 8")
    spec = runtime.spec(args.model_id)
    rgb = mask = None
    if args.photo:
        from photoai.core import export, io

        image = io.load(Path(args.photo))
        rgb = image.rgb
        mask = export.load_mask(Path(args.mask), image.size) if args.mask else None
    features = None
    if args.features > 0:
        network = open_network(spec, runtime.models(), lambda: plugin_archs(registry),
                               Path(args.weights) if args.weights else None)
        features = FeatureRequest(network, args.features, args.steps)
    progress = ConsoleProgress()
    inspector = ModelInspector(spec, providers=runtime.providers() or None)
    report = write_report(inspector, out, args.layers, rgb, mask, Path(args.photo).name if args.photo else None,
                          args.max_side, features, RunContext(on_progress=progress))
    progress.done()
    print(f"{spec.id}: {len(report.layers)} layers, {sum(la.has_filters for la in report.layers)} convolutions, "
          f"{inspector.total_params:,} parameters", file=sys.stderr)
    for path in report.files:
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _build_parser()
    if not argv or (argv[0] not in _command_names(parser) and not argv[0].startswith("-")):
        argv = ["gui", *argv]  # `photoai photo.jpg` opens the editor
    args = parser.parse_args(argv)
    setup_logging(args.verbose, log_file())
    if args.command in (None, "gui"):
        from photoai.ui.app import main as gui_main  # Qt is imported only when the editor opens

        return gui_main([args.file] if getattr(args, "file", None) else [])
    return _run_command(args)


def _run_command(args: argparse.Namespace) -> int:
    """A non-GUI command; every failure is one ``photoai: error:`` line (a traceback goes to the log
    file only), Ctrl-C exits 130 and SIGTERM 143, both after the same clean-up."""
    commands = {"run": cmd_run, "plugins": cmd_plugins, "info": cmd_info, "eval": cmd_eval, "models": cmd_models}
    commands["inspect"] = cmd_inspect
    with sigterm_as_interrupt():
        try:
            return commands[args.command](args, discover_plugins())
        except Cancelled:
            return _fail("cancelled", 130)
        except KeyboardInterrupt as e:
            print(file=sys.stderr)
            return _fail("terminated", 143) if isinstance(e, Terminated) else _fail("interrupted", 130)
        except (PhotoAIError, OSError) as e:
            return _fail(_describe(e))
        except Exception as e:  # noqa: BLE001 - a bug (ours or a plugin's): one line here, the traceback in the log
            log.exception("photoai %s failed", args.command)
            return _fail(f"{type(e).__name__}: {e}", 1)


if __name__ == "__main__":
    sys.exit(main())
