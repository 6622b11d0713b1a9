"""The one training scaffold the plugins' ``train``/``export``/``evaluate`` scripts share.

- Paths and commands: :func:`default_data_dir` (``$PHOTOAI_DATA``, else ``../shared/data`` beside the
  repository), :func:`list_photos` (the training photos of :data:`TRAIN_FOLDERS`),
  :func:`portable_path`, :func:`command_line` (every command is recorded as
  ``python -m photoai_plugins.<task>.<script> ARGS``).
- Training: :class:`TrainLog`, the checkpoint schema below (:func:`save_checkpoint`,
  :func:`load_checkpoint`, :func:`load_net`, :func:`warm_start`), :class:`Run` (resume, periodic
  checkpoints, every command recorded) and :func:`cosine_lr`.
- Export: the ONNX file itself is written by :func:`photoai.runtime.onnx_export.export_checked`
  (checked against torch with ONNX Runtime, then moved into place); :func:`upsert_manifest` (sha256,
  the strict :class:`~photoai.core.models.ModelSpec` schema, atomic write of the plugin's
  ``models/manifest.json``); :func:`training_record` is the manifest's ``training``.

Checkpoint schema (``schema`` = 1; older files are upgraded by :func:`load_checkpoint`)::

    schema      1
    model       the network's state dict (float16 allowed in a weights-only file)
    config      the network's constructor arguments: Net(**config)
    iteration   iterations done
    commands    every command that shaped the weights, in order: {"command": str,
                "start_iteration": int}; entries with a "run" label come from the --init source
                (upgraded files may lack "start_iteration")
    args        the last command's arguments (paths as strings)
    history     evaluations during training: [{"iteration": int, <metric>: value, ...}]
    optimizer   optimizer state            \\
    numpy_rng   numpy bit-generator state   > only in resumable files (OUT/last.pt)
    torch_rng   torch CPU RNG state        /

torch and ONNX Runtime are imported inside the functions that need them; the app never imports
this module (the leading underscore keeps plugin discovery away from it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np
from PIL import Image

from photoai.core.atomic import atomic_path
from photoai.core.models import ModelSpec
from photoai.runtime.manifest import MANIFEST_NAME, read_manifest, sha256_of

if TYPE_CHECKING:
    import torch

DATA_ENV = "PHOTOAI_DATA"
REPO_ROOT = Path(__file__).resolve().parents[1]
# The training photos (never photos/ recursively: Kodak24 and McMaster18 beside them are evaluation sets).
TRAIN_FOLDERS = ("photos/train/imagenet_sample", "photos/train/imagenet_imagen", "photos/train/dogs_vs_cats")
PHOTO_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png"})
RESEARCH_ONLY = "research/educational use only (see ../shared/data/SOURCES.md); not for shipping training data"
SOURCES = {  # the training folders of TRAIN_FOLDERS as ../shared/data/SOURCES.md names them: (name, terms)
    "photos/train/imagenet_sample": ("ImageNet, one image per ILSVRC-2012 class (EliSchwartz/imagenet-sample-images)",
                                     "ImageNet terms: non-commercial " + RESEARCH_ONLY),
    "photos/train/imagenet_imagen": ("ImageNet, five per ILSVRC DET synset (ajschumacher/imagen)",
                                     "ImageNet terms: non-commercial " + RESEARCH_ONLY),
    "photos/train/dogs_vs_cats": ("Kaggle Dogs vs. Cats / Asirra (chanakya2734/Image-classification-using-CNN)",
                                  "Kaggle competition data: non-commercial " + RESEARCH_ONLY),
}
SCHEMA = 1
WEIGHTS_KEYS = ("schema", "model", "config", "iteration", "commands", "args", "history")


# --------------------------------------------------------------------------- paths and commands

def default_data_dir() -> Path:
    """The shared data folder: ``$PHOTOAI_DATA``, else ``../shared/data`` relative to the repository."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def list_photos(data: Path, folders: Sequence[str] = TRAIN_FOLDERS) -> list[Path]:
    """The photos of each folder under ``data`` (not recursive), sorted."""
    out: list[Path] = []
    for folder in folders:
        d = Path(data) / folder
        if d.is_dir():
            out += sorted(p for p in d.iterdir() if p.suffix.lower() in PHOTO_EXTENSIONS)
    return out


def load_photos(paths: list[Path], min_side: int) -> list[np.ndarray]:
    """uint8 HxWx3 arrays of the photos with both sides >= ``min_side``."""
    photos = []
    for p in paths:
        with Image.open(p) as im:
            rgb = np.asarray(im.convert("RGB"))
        if min(rgb.shape[:2]) >= min_side:
            photos.append(rgb)
    return photos


def random_crop(rgb: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random ``size`` crop, flipped left-right half of the time, as float32 in [0, 1]."""
    h, w = rgb.shape[:2]
    y, x = int(rng.integers(0, h - size + 1)), int(rng.integers(0, w - size + 1))
    crop = rgb[y:y + size, x:x + size]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop, np.float32) / 255.0


def training_photos(args: argparse.Namespace, load: Callable[[list[Path]], list[np.ndarray]],
                    smoke_count: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The photos of ``--folders`` under ``--data`` (only the first ``smoke_count`` with ``--smoke``) loaded by
    ``load``, as (training, held out): the last ``--val`` are held out. SystemExit when there are too few."""
    paths = list_photos(args.data, tuple(args.folders))
    if args.smoke:
        paths = paths[:smoke_count]
    photos = load(paths)
    if len(photos) <= args.val:
        raise SystemExit(f"need more than {args.val} usable photos in {args.data}: found {len(photos)}")
    return photos[: -args.val], photos[-args.val:]


def portable_path(path: str | Path) -> str:
    """``path`` as recorded in manifests: relative to the repository when it lies beside it
    (``../shared/data/sr/Set5``, ``plugins/superres/models/x.onnx``), else as given."""
    for full in (Path(os.path.abspath(path)), Path(path).resolve()):  # as written first: ../shared may be a link
        if full.is_relative_to(REPO_ROOT.parent):
            return os.path.relpath(full, REPO_ROOT)
    return str(path)


def command_line(script: str, argv: Sequence[str] | None = None) -> str:
    """How a command is recorded: ``python -m photoai_plugins.<script> ARGS`` (``script``: e.g.
    ``superres.train``; ``argv``: default ``sys.argv[1:]``)."""
    return shlex.join(["python", "-m", f"photoai_plugins.{script}", *(sys.argv[1:] if argv is None else argv)])


def recorded_command(script: str, argv: Sequence[str] | None, path_options: Sequence[str],
                     drop: Sequence[str] = ()) -> str:
    """:func:`command_line` as manifests record an evaluation: the values of ``path_options`` relative to the
    repository (:func:`portable_path`), the options in ``drop`` (each with its value) left out."""
    given = list(sys.argv[1:] if argv is None else argv)
    args: list[str] = []
    i = 0
    while i < len(given):
        if given[i] in drop:
            i += 2
            continue
        args.append(portable_path(given[i]) if i and given[i - 1] in path_options else given[i])
        i += 1
    return command_line(script, args)


def add_run_args(ap: argparse.ArgumentParser, *, out: str, iters: int, lr: float, lr_min: float,
                 eval_every: int = 1000) -> None:
    """The arguments of every training loop driven by :class:`Run` (the defaults given per task): --data,
    --out, --iters, --lr, --lr-min, --seed, --threads, --bf16, --eval-every, --ckpt-minutes, --log-every,
    --resume, --smoke."""
    ap.add_argument("--data", type=Path, default=default_data_dir(),
                    help="shared data dir (default: $PHOTOAI_DATA, else ../shared/data beside the repository)")
    ap.add_argument("--out", type=Path, default=Path(out))
    ap.add_argument("--iters", type=int, default=iters)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--lr-min", type=float, default=lr_min)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast for the forward pass (weights, Adam "
                                                          "and the loss stay float32); ~1.7x faster on CPUs with BF16")
    ap.add_argument("--eval-every", type=int, default=eval_every)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    ap.add_argument("--smoke", action="store_true", help="tiny model and batch, for tests")


def _loadable(value: Any) -> Any:
    """An argument as a checkpoint stores it (``weights_only`` loading takes no Path): paths as strings."""
    if isinstance(value, Path):
        return str(value)
    return [_loadable(v) for v in value] if isinstance(value, (list, tuple)) else value


def seeded(args: argparse.Namespace) -> np.random.Generator:
    """A run's start: torch on ``args.threads`` threads, seeded with ``args.seed``; the numpy generator of
    that seed (the training scripts' one source of randomness besides torch)."""
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    return np.random.default_rng(args.seed)


class TrainLog:
    """``log(msg)`` prints ``msg`` with a timestamp and appends it to ``path`` (line-buffered, so a
    killed run loses nothing)."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "a", buffering=1)

    def __call__(self, msg: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {msg}"
        print(line, flush=True)
        self._file.write(line + "\n")

    def close(self) -> None:
        self._file.close()


# --------------------------------------------------------------------------- checkpoints

class Net(Protocol):
    """What the scaffold needs of a network (``SRNet``, ``PConvUNet``)."""

    def config(self) -> dict[str, Any]: ...
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> Any: ...
    def eval(self) -> Any: ...


N = TypeVar("N", bound=Net)


def save_checkpoint(path: Path, state: Mapping[str, Any]) -> None:
    """``torch.save`` (``schema`` added), atomically: a run killed mid-write keeps the old file."""
    import torch

    with atomic_path(path) as tmp:
        torch.save({"schema": SCHEMA, **state}, tmp)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint at ``path`` (``torch.load(weights_only=True)``) in the current schema."""
    import torch

    if not Path(path).is_file():
        raise SystemExit(f"checkpoint not found: {path}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    return state if state.get("schema") == SCHEMA else _upgrade(state)


_RENAMED = {"iter": "iteration", "opt": "optimizer", "optim": "optimizer", "rng": "numpy_rng"}
_MACHINE_DATA = re.compile(r"(?<!\S)/\S*/shared/data(?=[/\s]|$)")


def _modern_command(command: str) -> str:
    """An older record in today's spelling: the ``photoai_plugins`` module name, ``../shared/data``."""
    return _MACHINE_DATA.sub("../shared/data", command.replace(" -m plugins.", " -m photoai_plugins."))


def _upgrade(old: Mapping[str, Any]) -> dict[str, Any]:
    """A checkpoint of the layouts before ``schema`` 1 (superres: iter/opt/rng/command/resumed_with;
    inpaint: optim/sampler/best_val_psnr/val) in the current schema."""
    dropped = ("command", "resumed_with", "sampler", "best_val_psnr", "val", "history", "commands")
    state = {_RENAMED.get(k, k): v for k, v in old.items() if k not in dropped}
    if "sampler" in old:
        state["numpy_rng"] = old["sampler"]["rng"]
    commands = old.get("commands") or [{"command": c} for c in [old.get("command"), *old.get("resumed_with", [])] if c]
    state["commands"] = [{**c, "command": _modern_command(c["command"])} for c in commands]
    state["args"] = {k: v for k, v in old.get("args", {}).items() if k not in ("command", "resumed_with")}
    history = [{("iteration" if k == "iter" else k): v for k, v in h.items()} for h in old.get("history", [])]
    if "val" in old:
        history.append({"iteration": old.get("iteration"), **old["val"]})
    elif "best_val_psnr" in old and old["best_val_psnr"] > -1:
        history.append({"val_psnr": old["best_val_psnr"]})  # the iteration was not recorded
    state["history"] = history
    state["schema"] = SCHEMA
    return state


def load_net(path: str | Path, build: Callable[..., N]) -> tuple[N, dict[str, Any]]:
    """``build(**config)`` with the checkpoint's weights, in eval mode, and the checkpoint."""
    state = load_checkpoint(path)
    net = build(**state["config"])
    net.load_state_dict(state["model"])
    net.eval()
    return net, state


#: The state-dict prefixes a warm start's source may lack, or a function of that source's checkpoint that prepares
#: the network for it (e.g. deepens it) and returns them.
NewPrefixes = tuple[str, ...] | Callable[[Mapping[str, Any]], tuple[str, ...]]


def warm_start(net: Net, path: str | Path, new_prefixes: NewPrefixes = ()) -> tuple[list[dict[str, Any]], str]:
    """Load the weights of ``path`` into ``net``; only tensors under ``new_prefixes`` may be missing
    (they keep their initialisation). Returns the source's commands, each labelled with the run they
    belong to (an older source keeps its label), and a log line."""
    state = load_checkpoint(path)
    if callable(new_prefixes):
        new_prefixes = new_prefixes(state)
    try:
        missing, unexpected = net.load_state_dict(state["model"], strict=False)
    except RuntimeError as exc:  # shape mismatch
        raise SystemExit(f"--init {path}: incompatible weights: {exc}") from None
    if unexpected or any(not k.startswith(new_prefixes) for k in missing):
        raise SystemExit(f"--init {path}: incompatible weights (missing {missing}, unexpected {unexpected})")
    label = f"warm-start source {Path(path).name}, {state['iteration']} iterations"
    commands = [{"run": label, **c} for c in state["commands"]]
    return commands, (f"warm start from {path} (iteration {state['iteration']}, config {state['config']}); "
                      f"{len(missing)} new tensors keep their initialisation")


def weights_only(state: Mapping[str, Any]) -> dict[str, Any]:
    """The schema's keys a weights-only file (``best.pt``, a shipped state dict) keeps."""
    return {k: state[k] for k in WEIGHTS_KEYS if k in state}


class Run:
    """One training run in ``out``: ``train.log``, ``last.pt`` (resumable; written by :meth:`save`,
    at most every ``ckpt_minutes`` by :meth:`save_if_due`), the commands that shaped the weights and
    the evaluation history. The script drives the loop and advances :attr:`iteration`."""

    def __init__(self, task: str, args: argparse.Namespace, argv: Sequence[str] | None, net: Net,
                 optimizer: torch.optim.Optimizer, rng: np.random.Generator, ckpt_minutes: float = 5.0) -> None:
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.last = self.out / "last.pt"
        self.log = TrainLog(self.out / "train.log")
        self.net, self.optimizer, self.rng = net, optimizer, rng
        self.args = {k: _loadable(v) for k, v in vars(args).items()}
        self.command = command_line(f"{task}.train", argv)
        self.iteration = 0
        self._terms: dict[str, float] = {}
        self._t_log = time.time()
        self.commands: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self._interval, self._saved = ckpt_minutes * 60, time.time()

    def begin(self, resume: bool, init: str | None = None, new_prefixes: NewPrefixes = ()) -> None:
        """Continue from ``last.pt`` (``resume`` and it exists), else start from ``init``'s weights
        (see :func:`warm_start`), else fresh; then record this command. A refused start closes the log."""
        try:
            if resume and self.last.exists():
                self._resume()
            elif init:
                self.commands, message = warm_start(self.net, init, new_prefixes)
                self.log(message)
        except BaseException:
            self.log.close()
            raise
        self.commands.append({"command": self.command, "start_iteration": self.iteration})
        self.log(f"command: {self.command}")

    def _resume(self) -> None:
        import torch

        state = load_checkpoint(self.last)
        if state["config"] != self.net.config():
            raise SystemExit(f"{self.last}: network config {state['config']} != requested {self.net.config()}")
        self.net.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.rng.bit_generator.state = state["numpy_rng"]
        torch.set_rng_state(state["torch_rng"])
        self.iteration, self.commands, self.history = state["iteration"], state["commands"], state["history"]
        self.log(f"resumed from {self.last} at iteration {self.iteration}")

    def state(self) -> dict[str, Any]:
        """The full (resumable) checkpoint."""
        import torch

        return {"model": self.net.state_dict(), "config": self.net.config(), "iteration": self.iteration,
                "commands": self.commands, "args": self.args, "history": self.history,
                "optimizer": self.optimizer.state_dict(), "numpy_rng": self.rng.bit_generator.state,
                "torch_rng": torch.get_rng_state()}

    def save(self) -> Path:
        save_checkpoint(self.last, self.state())
        self._saved = time.time()
        return self.last

    def save_if_due(self) -> None:
        if time.time() - self._saved > self._interval:
            self.save()

    def save_weights(self, name: str = "best.pt") -> Path:
        path = self.out / name
        save_checkpoint(path, weights_only(self.state()))
        return path

    def end_iteration(self, terms: Mapping[str, float], evaluate: Callable[[], None]) -> None:
        """After one optimizer step: count it; every ``--log-every`` iterations log the mean of each of
        ``terms`` (e.g. the loss), the learning rate and the time per iteration; every ``--eval-every``
        run ``evaluate`` (the last one is left to :meth:`finish`); write ``last.pt`` when due."""
        self.iteration += 1
        for k, v in terms.items():
            self._terms[k] = self._terms.get(k, 0.0) + v
        every, total = int(self.args["log_every"]), int(self.args["iters"])
        if self.iteration % every == 0:
            dt = (time.time() - self._t_log) / every
            means = " ".join(f"{k} {v / every:.4g}" for k, v in self._terms.items())
            self.log(f"iter {self.iteration}/{total} {means} lr {self.optimizer.param_groups[0]['lr']:.2e} "
                     f"{dt:.3f} s/iter")
            self._terms, self._t_log = {}, time.time()
        if self.iteration % int(self.args["eval_every"]) == 0 and self.iteration < total:
            evaluate()
        self.save_if_due()

    def record(self, metrics: Mapping[str, Any]) -> None:
        """Append an evaluation at the current iteration to the history."""
        self.history.append({"iteration": self.iteration, **metrics})

    def best(self, key: str) -> float | None:
        """The highest ``key`` recorded so far (None before the first)."""
        return max((h[key] for h in self.history if key in h), default=None)

    def finish(self, final_eval: Callable[[], None] | None = None) -> Path:
        """Run ``final_eval`` unless the last evaluation was at this iteration, write ``last.pt``, log it and
        close the log; returns the checkpoint's path."""
        if final_eval is not None and (not self.history or self.history[-1]["iteration"] != self.iteration):
            final_eval()
        path = self.save()
        self.log(f"done at iteration {self.iteration}: {path}")
        self.log.close()
        return path


def cosine_lr(it: int, total: int, base: float, low: float = 0.0, decay_frac: float = 1.0) -> float:
    """``base`` for the first ``1 - decay_frac`` of ``total`` iterations, then a cosine decay to ``low``
    at ``total`` (and ``low`` after it)."""
    start = int(total * (1.0 - decay_frac))
    if it < start:
        return base
    t = min((it - start) / max(1, total - start), 1.0)
    return low + 0.5 * (base - low) * (1.0 + math.cos(math.pi * t))


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


# --------------------------------------------------------------------------- export

def macs_per_output_pixel(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> int:
    """Multiply-adds of the convolutions and linear layers per pixel of the first input (hooks on one run)."""
    import torch

    total = 0

    def count(layer: torch.nn.Module, _: Any, out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, torch.nn.Conv2d):
            k = layer.kernel_size[0] * layer.kernel_size[1] * layer.in_channels // layer.groups
            total += out.numel() * k
        elif isinstance(layer, torch.nn.Linear):
            total += out.numel() * layer.in_features

    layers = [m for m in module.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.Linear)]
    hooks = [m.register_forward_hook(count) for m in layers]
    try:
        with torch.inference_mode():
            module(*inputs)
    finally:
        for h in hooks:
            h.remove()
    return round(total / (inputs[0].shape[-2] * inputs[0].shape[-1]))


def training_record(state: Mapping[str, Any]) -> dict[str, Any]:
    """A checkpoint's manifest ``training`` record: the command that started the run, the commands
    that resumed it, the runs its ``--init`` weights came from (if any) and the iterations."""
    commands = state.get("commands", [])
    own = [c for c in commands if "run" not in c]
    record: dict[str, Any] = {"command": own[0]["command"] if own else "",
                              "resumed_with": [c["command"] for c in own[1:]],
                              "iterations": int(state.get("iteration", 0))}
    earlier = [c for c in commands if "run" in c]
    if earlier:
        record["warm_started_from"] = earlier
    return record


def data_record(folders: Sequence[str]) -> list[dict[str, str]]:
    """The manifest's ``training.data``: each training folder with its name and terms (:data:`SOURCES`)."""
    return [{"name": SOURCES.get(f, (f, ""))[0], "path": f, "terms": SOURCES.get(f, ("", RESEARCH_ONLY))[1]}
            for f in folders]


def record_metrics(models_dir: Path, model_id: str, metrics: Mapping[str, Any]) -> ModelSpec:
    """Replace the ``metrics`` of the entry ``model_id`` in ``models_dir``'s manifest (its file and every
    other fact as they are): a new evaluation of a shipped model without exporting it again."""
    kept = json.loads((models_dir / MANIFEST_NAME).read_text(encoding="utf-8"))["models"]
    entry = next((m for m in kept if m["id"] == model_id), None)
    if entry is None:
        raise SystemExit(f"no model {model_id!r} in {portable_path(models_dir / MANIFEST_NAME)}")
    fields = {k: v for k, v in entry.items() if k != "sha256"}
    return upsert_manifest(models_dir, [{**fields, "metrics": dict(metrics)}])[0]


def upsert_manifest(models_dir: Path, entries: Sequence[Mapping[str, Any]]) -> list[ModelSpec]:
    """Record ``entries`` in ``models_dir/manifest.json``: each entry's sha256 is computed from its
    file there, each is checked against the strict :class:`ModelSpec` schema, an entry with the same
    id is replaced in place and every other one is kept as it is; the file is replaced atomically.
    A replaced entry that loses its ``gpu_variant`` (an export writes the weights anew) takes that variant
    with it: a copy of the old weights must not run on a GPU (the message says how to make it again)."""
    path = models_dir / MANIFEST_NAME
    read_manifest(models_dir)  # the existing entries must be valid too
    specs = [ModelSpec.from_dict({**e, "sha256": sha256_of(models_dir / e["file"])}, path) for e in entries]
    new = {s.id: s.to_dict() for s in specs}
    kept = json.loads(path.read_text(encoding="utf-8"))["models"] if path.exists() else []
    stale = {m["gpu_variant"] for m in kept if m.get("gpu_variant") and m["id"] in new
             and not new[m["id"]].get("gpu_variant")}
    models = [new.pop(m["id"]) if m["id"] in new else m for m in kept] + list(new.values())
    for m in models:
        if m["id"] in stale:
            command = m.get("metrics", {}).get("float16_check", {}).get("command", "python -m photoai_plugins._fp16")
            print(f"dropped '{m['id']}', a GPU copy of weights written again; make it anew: {command}",
                  file=sys.stderr)
    models = [{k: v for k, v in m.items() if not (k == "gpu_variant" and v in stale)} for m in models
              if m["id"] not in stale]
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps({"models": models}, indent=1) + "\n", encoding="utf-8")
    return specs
