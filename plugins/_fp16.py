"""Float16 copies of a plugin's float32 ONNX models, run instead of them on a GPU (``gpu_variant``).

For every float32 ONNX entry of ``plugins/<name>/models/manifest.json`` (or only the ``--ids`` given) this
writes ``<file stem>_fp16.onnx`` (float16 weights and arithmetic, float32 inputs and outputs:
:func:`photoai.runtime.onnx_export.float16_copy`), compares it with the float32 file in ONNX Runtime (CPU)
on random inputs of two sizes in the entry's input range (or a graph input's ``--input-range``), and only
when the outputs agree within ``--tolerance`` records it as ``<id>-fp16`` and points ``gpu_variant`` of the
entry (and of its int8 copy ``<id>-int8``, which a GPU runs no faster than float16) at it. On a CPU nothing
changes: the runtime follows ``gpu_variant`` only when a GPU provider leads (:meth:`photoai.runtime.Runtime.resolve`)
and its session really runs there.

    python -m photoai_plugins._fp16 superres
    python -m photoai_plugins._fp16 lowlight --input-range gain=1,50

An export writes its entries anew and drops their old float16 copies (``_training.upsert_manifest``): run
the recorded command (the copy's ``metrics.float16_check.command``) again after it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from photoai.core.models import ModelSpec
from photoai.runtime.manifest import MANIFEST_NAME, read_manifest

from . import _training as training

__all__ = ["TOLERANCE", "SUFFIX", "random_inputs", "check_cases", "add_variants", "main"]

TOLERANCE = 2e-3  # max |float16 - float32| of an output in [0, 1]: about half an 8-bit level (1.96e-3)
SUFFIX = "-fp16"
CHECK_SIZES = ((48, 64), (37, 53))  # height, width of the check inputs (rounded up to the size multiple)
PLUGINS_DIR = Path(__file__).resolve().parent
Ranges = Mapping[str, tuple[float, float]]


def random_inputs(session: Any, spec: ModelSpec, height: int, width: int, rng: np.random.Generator,
                  ranges: Ranges | None = None) -> tuple[np.ndarray, ...]:
    """Uniform random float32 inputs for the ONNX Runtime ``session`` of ``spec``: each NCHW input at
    ``height`` x ``width``, batch 1, other dynamic dimensions 1, values in ``ranges[name]`` where given, else in
    the spec's input range."""
    out = []
    for i in session.get_inputs():
        lo, hi = (ranges or {}).get(i.name, spec.input_range)
        dims = [d if isinstance(d, int) else 1 for d in i.shape]
        if len(dims) == 4:
            dims[2:] = [height, width]
        out.append((lo + (hi - lo) * rng.random(dims)).astype(np.float32))
    return tuple(out)


def _side(n: int, spec: ModelSpec) -> int:
    m = max(1, spec.size_multiple)
    return max(spec.min_size, -(-n // m) * m)


def check_cases(spec: ModelSpec, ranges: Ranges | None = None) -> list[tuple[np.ndarray, ...]]:
    """:func:`random_inputs` at each of :data:`CHECK_SIZES` (rounded up to the size multiple, at least the minimum
    size). ValueError when the float32 model's output is not finite or does not vary on them (a comparison there
    would prove nothing: e.g. a clamped output, or inputs unlike the real ones: give ``ranges``)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(spec.path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    cases = [random_inputs(session, spec, _side(h, spec), _side(w, spec), rng, ranges) for h, w in CHECK_SIZES]
    names = [i.name for i in session.get_inputs()]
    outputs = [session.run(None, dict(zip(names, c, strict=True)))[0] for c in cases]
    if not all(np.isfinite(o).all() and np.ptp(o) >= 1e-3 for o in outputs):
        raise ValueError("its float32 output is not finite or hardly varies on random inputs in its input range; "
                         "the check would prove nothing")
    return cases


def _float16_entry(entry: Mapping[str, Any], file: str, diff: float, tolerance: float, ranges: Ranges,
                   command: str) -> dict[str, Any]:
    keep = {k: v for k, v in entry.items() if k not in ("sha256", "gpu_variant", "metrics")}
    given = "".join(f", {n} in [{lo:g}, {hi:g}]" for n, (lo, hi) in ranges.items())
    return {**keep, "id": entry["id"] + SUFFIX, "file": file, "precision": "float16",
            "title": f"{entry.get('title') or entry['id']} (float16, GPU)",
            "description": f"Float16 copy of '{entry['id']}' (weights and arithmetic; float32 inputs and outputs), "
                           "run instead of it and of its int8 copy when a GPU provider leads. "
                           + str(entry.get("description", "")),
            "metrics": {"float16_check": {
                "max_difference_vs_float32": float(f"{diff:.3g}"), "tolerance": tolerance,
                "how": "ONNX Runtime CPU, float16 copy vs the float32 file, random inputs uniform in input_range"
                       f"{given} at {' and '.join(f'{h}x{w}' for h, w in CHECK_SIZES)} (rounded up to "
                       "size_multiple); relative to the output's magnitude where that exceeds 1",
                "command": command}}}


def _sources(models: Sequence[Mapping[str, Any]], ids: Sequence[str] | None) -> list[Mapping[str, Any]]:
    chosen = [m for m in models if m.get("format", "onnx") == "onnx" and m.get("precision", "float32") == "float32"
              and not m.get("source") and not str(m["id"]).endswith(SUFFIX)]
    if ids:
        unknown = set(ids) - {m["id"] for m in chosen}
        if unknown:
            raise SystemExit(f"not float32 ONNX entries of this manifest: {', '.join(sorted(unknown))}")
        chosen = [m for m in chosen if m["id"] in ids]
    return chosen


def _command(plugin: str, model_id: str, tolerance: float, ranges: Ranges) -> str:
    argv = [plugin, "--ids", model_id, "--tolerance", f"{tolerance:g}"]
    if ranges:
        argv += ["--input-range", *(f"{n}={lo:g},{hi:g}" for n, (lo, hi) in ranges.items())]
    return training.command_line("_fp16", argv)


def add_variants(models_dir: Path, ids: Sequence[str] | None = None, tolerance: float = TOLERANCE,
                 ranges: Ranges | None = None) -> list[str]:
    """Make, check and record the float16 copy of every float32 model of ``models_dir`` (or of ``ids``): each
    copy's entry and the ``gpu_variant`` links of its float32 entry and int8 copy are written to the manifest
    right after its file. Returns one report line per model (kept or refused, with the difference)."""
    from photoai.runtime.onnx_export import float16_copy

    ranges = dict(ranges or {})
    specs = {s.id: s for s in read_manifest(models_dir)}
    models = json.loads((models_dir / MANIFEST_NAME).read_text(encoding="utf-8"))["models"]
    by_id = {m["id"]: m for m in models}
    report = []
    for entry in _sources(models, ids):
        spec = specs[entry["id"]]
        file = f"{Path(spec.file).stem}_fp16.onnx"
        try:
            diff = float16_copy(spec.path, models_dir / file, check_cases(spec, ranges), tolerance)
        except Exception as e:  # noqa: BLE001 - a refused model is reported, the others go on
            report.append(f"{entry['id']}: refused ({e})")
            continue
        command = _command(models_dir.parent.name, entry["id"], tolerance, ranges)
        fp16 = _float16_entry(entry, file, diff, tolerance, ranges, command)
        links = [{k: v for k, v in {**e, "gpu_variant": fp16["id"]}.items() if k != "sha256"}
                 for e in (entry, by_id.get(f"{entry['id']}-int8")) if e is not None]
        training.upsert_manifest(models_dir, [fp16, *links])
        report.append(f"{entry['id']}: {file} max difference {diff:.2e}")
    return report


def _range(spec: str) -> tuple[str, tuple[float, float]]:
    name, _, values = spec.partition("=")
    lo, _, hi = values.partition(",")
    return name, (float(lo), float(hi))


def main(argv: Sequence[str] | None = None) -> list[str]:
    """CLI entry; returns the report lines."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("plugins", nargs="+", help="plugin folders under plugins/ (superres, lowlight, ...)")
    ap.add_argument("--ids", nargs="+", default=None, help="only these float32 entries (one plugin)")
    ap.add_argument("--tolerance", type=float, default=TOLERANCE)
    ap.add_argument("--input-range", nargs="+", default=[], metavar="NAME=LO,HI",
                    help="the range of one graph input where the entry's input_range is not it (e.g. a gain)")
    args = ap.parse_args(argv)
    if args.ids and len(args.plugins) > 1:
        ap.error("--ids needs exactly one plugin")
    try:
        ranges = dict(_range(r) for r in args.input_range)
    except ValueError:
        ap.error(f"--input-range takes NAME=LO,HI, got {' '.join(args.input_range)}")
    lines = []
    for name in args.plugins:
        models_dir = PLUGINS_DIR / name / "models"
        if not (models_dir / MANIFEST_NAME).is_file():
            ap.error(f"no model manifest at {training.portable_path(models_dir)}")
        lines += [f"{name}: {line}" for line in add_variants(models_dir, args.ids, args.tolerance, ranges)]
    print("\n".join(lines))
    return lines


if __name__ == "__main__":
    main()
