"""Evaluate colorization: photos made gray, coloured back by the plugin at full resolution, one table.

Each photo (``--data DIR``, sorted by name; or ``--held-out N``: the last N colour photos of the training
list, which training never saw) is reduced to its CIELAB L (a = b = 0, 8-bit gray sRGB) and given to the
plugin as the app runs it (:meth:`ColorizePlugin.analyze` / ``render``; the output quantized to 8 bits).
Rows: the gray photo itself; ours at T = 1, the plugin's default T and the paper's 0.38 (or each T of
``--temperatures``, at the plugin's default vividness or at each of ``--vividness``) and the mode (the most
likely bin, at the default vividness); ours (default T) with 1, 10 and 100 simulated
hints (fixed seeds: points uniform over the photo, each coloured with the mean true RGB of the 5x5 patch
around it, passed as ColorPoints); with ``--rows hints-net`` also the same hints without their edge-aware
spread after the network (``, net only``: before/after the spread, one run).
Columns (means over the photos):

- ``auc``: area under the cumulative curve of per-pixel ab errors, thresholds 0-150 (Zhang et al. 2016);
- ``auc_rebal``: the same with each pixel weighted by 1 / prior of its true colour's bin (the model's
  ``config.prior``), per photo, then averaged over the photos;
- ``auc_rebal_set``: the class-rebalanced AuC as in the paper's Table 1: one curve over all the photos'
  pixels, each weighted by 1 / prior (per photo, the weights are renormalized within each photo, which
  weighs a photo's rare colours against its common ones only: a gray baseline scores far higher);
- ``psnr``: RGB PSNR (dB) against the photo; ``colourful``: Hasler & Suesstrunk's colourfulness of the
  output over the photo's (percent); ``seconds``: analyze + render.

    python -m photoai_plugins.colorize.evaluate --data ../shared/data/photos/kodak24 [--json OUT] [--save-crops DIR]
    python -m photoai_plugins.colorize.evaluate --held-out 16 --rows gray ours --proxy-side 256
    python -m photoai_plugins.colorize.evaluate --held-out 32 --rows gray ours --temperatures 0.38 0.5 1
    python -m photoai_plugins.colorize.evaluate --held-out 64 --rows gray ours --temperatures 0.38 --vividness 0.5 1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from photoai.core.color import lab_to_rgb, lightness, rgb_to_lab
from photoai.core.jobs import RunContext
from photoai.core.models import ModelProvider
from photoai.core.params import ColorPoint, validate

from .._training import TRAIN_FOLDERS, default_data_dir, list_photos, portable_path
from .._training import recorded_command as _recorded
from .bins import MODE, inverse_prior, nearest_bin
from .data import is_colour
from .metrics import auc, auc_of, colourfulness, cumulative_mass, psnr
from .plugin import DEFAULT_T, DEFAULT_VIVIDNESS, MODEL_ID, PAPER_T, ColorizePlugin, compose, model_bins

__all__ = ["ROWS", "NET_ROWS", "TEMPERATURES", "temperature_row", "row_settings", "rows_for", "make_gray",
           "simulated_points", "evaluate", "format_table", "main"]

EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
MODELS_DIR = Path(__file__).resolve().parent / "models"
HINT_ROWS = {"1 hint": 1, "10 hints": 10, "100 hints": 100}
NET_ONLY = ", net only"  # the same hints without their spread after the network (ColorizePlugin(spread=False))
HINT_COUNTS = {**HINT_ROWS, **{row + NET_ONLY: n for row, n in HINT_ROWS.items()}}  # row -> simulated hints
TEMPERATURES = tuple(dict.fromkeys((1.0, DEFAULT_T, PAPER_T)))  # the default "ours T=..." rows


def temperature_row(temperature: float, vividness: float | None = None) -> str:
    """The row of the automatic colours at ``temperature`` (``ours T=0.38``, ``ours T=1``; with
    ``vividness``: ``ours T=0.38 V=0.5``, else the plugin's default vividness)."""
    return f"ours T={temperature:g}" + ("" if vividness is None else f" V={vividness:g}")


def row_settings(row: str) -> tuple[float, float]:
    """(temperature, vividness) of an automatic row (:func:`temperature_row`, or ``ours mode``)."""
    settings = dict(part.split("=") for part in row.split()[1:] if "=" in part)
    temperature = MODE if row == "ours mode" else float(settings["T"])
    return temperature, float(settings.get("V", DEFAULT_VIVIDNESS))


def ours_rows(temperatures: Sequence[float] = TEMPERATURES,
              vividness: Sequence[float] | None = None) -> tuple[str, ...]:
    """The automatic rows: one per temperature (and vividness, when given; duplicates once), then the mode."""
    rows = (temperature_row(t, v) for t in temperatures for v in (vividness or (None,)))
    return (*dict.fromkeys(rows), "ours mode")


ROWS = ("gray", *ours_rows(), *HINT_ROWS)  # the default table
NET_ROWS = tuple(row + NET_ONLY for row in HINT_ROWS)
ROW_GROUPS = {"gray": ROWS[:1], "ours": ours_rows(), "hints": tuple(HINT_ROWS), "hints-net": NET_ROWS}
DEFAULT_GROUPS = ("gray", "ours", "hints")
HINT_PATCH = 5  # the simulated hint's colour: mean true RGB of this square around the point
CROP = 256
CROP_COLUMNS = ("gray", temperature_row(DEFAULT_T), "10 hints" + NET_ONLY, "10 hints")  # those run, then the truth
PATH_OPTIONS = ("--data", "--models")
OUTPUT_OPTIONS = ("--json", "--save-crops")


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), np.float32) / 255.0


def quantize(rgb: np.ndarray) -> np.ndarray:
    """As the photo would be saved: 8 bits."""
    return np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.float32) / 255.0


def make_gray(rgb: np.ndarray) -> np.ndarray:
    """The photo with a = b = 0 (its CIELAB L kept), as an 8-bit gray sRGB photo (HxWx3, equal channels)."""
    lab = np.zeros((*rgb.shape[:2], 3))
    lab[..., 0] = lightness(rgb)
    return quantize(np.repeat(lab_to_rgb(lab)[..., :1], 3, axis=2).astype(np.float32))


def simulated_points(truth: np.ndarray, n: int, seed: int) -> tuple[ColorPoint, ...]:
    """``n`` hints: positions uniform over the photo, each the mean true RGB of the :data:`HINT_PATCH`
    square around it (0-255)."""
    rng = np.random.default_rng(seed)
    h, w = truth.shape[:2]
    r = HINT_PATCH // 2
    points = []
    for _ in range(n):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        patch = truth[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1].reshape(-1, 3).mean(axis=0)
        points.append(ColorPoint(float(x), float(y), tuple(int(v) for v in np.rint(patch * 255.0))))  # type: ignore[arg-type]
    return tuple(points)


def measures(out: np.ndarray, truth: np.ndarray, true_ab: np.ndarray, weights: np.ndarray
             ) -> tuple[dict[str, float], tuple[np.ndarray, float]]:
    """One photo's measures and its rebalanced cumulative mass (summed over the photos for ``auc_rebal_set``)."""
    ab = rgb_to_lab(out)[..., 1:]
    mass = cumulative_mass(ab, true_ab, weights)
    return {"auc": auc(ab, true_ab), "auc_rebal": auc_of(*mass), "psnr": psnr(out, truth),
            "colourful": 100.0 * colourfulness(out) / max(colourfulness(truth), 1e-6)}, mass


def outputs(plugin: ColorizePlugin, gray: np.ndarray, truth: np.ndarray, rows: Sequence[str], seed: int,
            ctx: RunContext) -> dict[str, tuple[np.ndarray, float]]:
    """Each row's 8-bit output and its seconds (analyze + render) for one photo (the ``net only`` rows with
    ``plugin``'s proxy side and no hint spread)."""
    from photoai.plugin_api import Request

    params = plugin.info.params
    result: dict[str, tuple[np.ndarray, float]] = {}
    auto = None
    t_auto = 0.0
    for row in rows:
        t0 = time.perf_counter()
        if row == "gray":
            result[row] = (gray, 0.0)
            continue
        if row in HINT_COUNTS:
            values = validate(params, {"hints": simulated_points(truth, HINT_COUNTS[row], seed)})
            runner = ColorizePlugin(plugin.proxy_side, spread=False) if row.endswith(NET_ONLY) else plugin
            out = runner.run(Request(gray.copy(), None, values), ctx)
        else:
            if auto is None:
                auto = plugin.analyze(Request(gray.copy(), None, validate(params)), ctx)
                t_auto = time.perf_counter() - t0
                t0 = time.perf_counter()
            temperature, vividness = row_settings(row)
            out = compose(auto, temperature, vividness=vividness)
            t0 -= t_auto
        result[row] = (quantize(out), time.perf_counter() - t0)
    return result


def save_crops(path: Path, images: Sequence[np.ndarray], size: int = CROP) -> None:
    """The centre ``size`` window of each image, side by side with 4 px white gaps, as an 8-bit PNG."""
    h, w = images[0].shape[:2]
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    gap = np.ones((min(size, h), 4, 3), np.float32)
    parts: list[np.ndarray] = []
    for img in images:
        parts += [img[top:top + size, left:left + size], gap]
    Image.fromarray(np.rint(np.clip(np.concatenate(parts[:-1], axis=1), 0, 1) * 255).astype(np.uint8)).save(path)


def evaluate(paths: Sequence[Path], runtime: ModelProvider, rows: Sequence[str] = ROWS, seed: int = 0,
             proxy_side: int | None = None, crops: Path | None = None, spread: Mapping[str, float] | None = None
             ) -> dict[str, dict[str, float]]:
    """``{row: {auc, auc_rebal, auc_rebal_set, psnr, colourful, seconds}}``: means over the photos, except
    ``auc_rebal_set``, the rebalanced AuC of all the photos' pixels pooled in one curve."""
    spec = runtime.spec(MODEL_ID)
    bins = model_bins(dict(spec.config), spec.out_channels)
    rebalance = inverse_prior(np.asarray(spec.config["prior"], np.float64))
    plugin = ColorizePlugin(proxy_side=proxy_side, spread_settings=spread)
    ctx = RunContext(runtime=runtime)
    table: dict[str, list[dict[str, float]]] = {r: [] for r in rows}
    pooled: dict[str, list[tuple[np.ndarray, float]]] = {r: [] for r in rows}
    for i, path in enumerate(paths):
        truth = quantize(load_rgb(path))
        true_ab = rgb_to_lab(truth)[..., 1:]
        weights = rebalance[nearest_bin(true_ab, bins)]
        gray = make_gray(truth)
        done = outputs(plugin, gray, truth, rows, seed + i, ctx)
        for row, (out, seconds) in done.items():
            values, mass = measures(out, truth, true_ab, weights)
            table[row].append({**values, "seconds": seconds})
            pooled[row].append(mass)
        print(f"{path.name}: " + ", ".join(f"{r} {m[-1]['auc_rebal']:.1f}" for r, m in table.items()), file=sys.stderr)
        if crops is not None:
            shown = [done[c][0] for c in CROP_COLUMNS if c in done] + [truth]
            save_crops(crops / f"{path.stem}.png", shown)
    results = {}
    for r, ms in table.items():
        if ms:
            means = {k: round(float(np.mean([m[k] for m in ms])), 3) for k in ms[0]}
            pool = round(auc_of(np.sum([w for w, _ in pooled[r]], axis=0), sum(t for _, t in pooled[r])), 3)
            results[r] = {"auc": means["auc"], "auc_rebal": means["auc_rebal"], "auc_rebal_set": pool,
                          **{k: v for k, v in means.items() if k not in ("auc", "auc_rebal")}}
    return results


def format_table(results: dict[str, dict[str, float]]) -> str:
    """A Markdown table: one row per method, one column per measure."""
    if not results:
        return "(no photos)"
    keys = list(next(iter(results.values())))
    lines = ["| method | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for row, r in results.items():
        lines.append(f"| {row} | " + " | ".join(f"{r[k]:.2f}" for k in keys) + " |")
    return "\n".join(lines)


def recorded_command(argv: Sequence[str] | None) -> str:
    """The command as manifests record it: without the output options (``--json``, ``--save-crops``), the
    path options' values relative to the repository."""
    return _recorded("colorize.evaluate", argv, PATH_OPTIONS, drop=OUTPUT_OPTIONS)


def held_out_photos(n: int) -> list[Path]:
    """The last ``n`` colour photos of the training list (training holds the last 64 out)."""
    colour = []
    for path in reversed(list_photos(default_data_dir(), TRAIN_FOLDERS)):
        with Image.open(path) as im:
            if is_colour(np.asarray(im.convert("RGB"))):
                colour.append(path)
        if len(colour) == n:
            break
    return sorted(colour)


def rows_for(groups: Sequence[str], temperatures: Sequence[float] | None = None,
             vividness: Sequence[float] | None = None) -> list[str]:
    """The rows of the chosen ``groups`` in table order; ``temperatures`` replaces the default T rows, each
    repeated for every ``vividness`` when given."""
    ours = ours_rows(temperatures or TEMPERATURES, vividness) if temperatures or vividness else ROW_GROUPS["ours"]
    chosen = {g: ours if g == "ours" else ROW_GROUPS[g] for g in groups}
    return [r for g in ROW_GROUPS if g in chosen for r in chosen[g]]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="photoai eval colorize", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    source = ap.add_mutually_exclusive_group()
    source.add_argument("--data", type=Path, default=None,
                        help="colour photos to make gray (default: Kodak24 in the shared data folder)")
    source.add_argument("--held-out", type=int, default=0, help="the last N colour photos of the training list")
    ap.add_argument("--models", type=Path, default=MODELS_DIR, help="folder with the model's manifest "
                    "(default: the plugin's models/)")
    ap.add_argument("--rows", nargs="+", choices=sorted(ROW_GROUPS), default=list(DEFAULT_GROUPS),
                    help="which groups of rows (default: gray, ours, hints; hints-net: the hints without their "
                         "spread)")
    ap.add_argument("--temperatures", type=float, nargs="+", default=None, metavar="T",
                    help=f"the 'ours T=...' rows (default: {' '.join(f'{t:g}' for t in TEMPERATURES)}; "
                         f"choose a default on --held-out photos)")
    ap.add_argument("--vividness", type=float, nargs="+", default=None, metavar="V",
                    help=f"repeat the 'ours T=...' rows at each vividness (default: the plugin's, "
                         f"{DEFAULT_VIVIDNESS:g}; choose it on --held-out photos)")
    ap.add_argument("--proxy-side", type=int, default=None, help="override the model's proxy_side")
    ap.add_argument("--spread-sigma", type=float, default=None, help="override the hint spread's sigma (L units; "
                    "choose it on --held-out photos)")
    ap.add_argument("--spread-reach", type=float, default=None, help="override the hint spread's reach (a fraction "
                    "of the grid's long side; choose it on --held-out photos)")
    ap.add_argument("--seed", type=int, default=0, help="photo i's hints come from seed + i")
    ap.add_argument("--limit", type=int, default=0, help="only the first N photos")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument("--save-crops", type=Path, default=None, help="write centre crops (gray | ours | 10 hints "
                    "net only | 10 hints | truth, those run) here, one PNG per photo")
    ap.add_argument("--threads", type=int, default=1)
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """CLI entry; returns what ``--json`` writes."""
    args = parse_args(argv)
    from photoai.runtime import Runtime

    os.environ.setdefault("PHOTOAI_THREADS", str(args.threads))
    if args.held_out:
        paths, source = held_out_photos(args.held_out), f"last {args.held_out} colour photos of {TRAIN_FOLDERS}"
    else:
        folder = args.data or default_data_dir() / "photos" / "kodak24"
        paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in EXTENSIONS)
        source = portable_path(folder)
    paths = paths[: args.limit or None]
    if not paths:
        raise SystemExit(f"no photos in {source}")
    if args.save_crops is not None:
        args.save_crops.mkdir(parents=True, exist_ok=True)
    if args.temperatures and not all(0.0 < t <= 1.0 for t in args.temperatures):
        raise SystemExit("--temperatures: each T must be in (0, 1]")
    if args.vividness and not all(0.0 <= v <= 1.0 for v in args.vividness):
        raise SystemExit("--vividness: each V must be in [0, 1]")
    rows = rows_for(args.rows, args.temperatures, args.vividness)
    runtime = Runtime([args.models], "cpu", user_models=False)
    spread = {k: v for k, v in (("sigma", args.spread_sigma), ("reach", args.spread_reach)) if v is not None}
    results = evaluate(paths, runtime, rows, args.seed, args.proxy_side, args.save_crops, spread)
    proxy = args.proxy_side or runtime.spec(MODEL_ID).config.get("proxy_side")
    out: dict[str, Any] = {"data": source, "images": len(paths), "seed": args.seed, "proxy_side": proxy,
                           "command": recorded_command(argv), "methods": results}
    print(f"{len(paths)} photos from {source}, proxy long side {proxy}")
    print(format_table(results))
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
