"""Super-resolution on photos as users have them: the five LR variants of ``degrade.py`` on several sets.

For every set (``--data``), scale and LR variant (``bicubic`` = the benchmark protocol, ``area``,
``aliased``, ``jpeg``, ``camera``), each method upscales the same LR RGB image and is scored with the
protocol's PSNR/SSIM on Y (8-bit output, shave = scale). Methods: MATLAB bicubic (the protocol's
baseline), Pillow bicubic and Lanczos (what other programs do), and every ``--model`` (our ONNX files,
``{scale}`` in the path filled in, a multi-scale training checkpoint, or ``plugin DIR``: the plugin's defaults on
the models of DIR, as the app runs it). Each model row also shows its
gain over the better of Pillow bicubic and Lanczos.

    python -m photoai_plugins.superres.evaluate --variants --scale 2 4 \\
        --model onnx plugins/superres/models/superres_x{scale}.onnx --model checkpoint runs/superres_photo/last.pt \\
        --json runs/sr_variants.json --save-crops runs/sr_crops

``--data`` defaults to Set5, Set14 and Kodak24 in the shared data folder; ``--save-crops DIR`` writes,
per set, scale and variant, a JPEG of a detailed crop of the first images side by side (models,
Pillow bicubic, Lanczos, ground truth).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from photoai.core.atomic import atomic_path
from photoai.core.resize import imresize, rgb_to_y, rgb_to_ycbcr, ycbcr_to_rgb

from .. import _training as training
from .degrade import VARIANTS
from .evaluate import checkpoint_predictor, load_pairs, locate, onnx_predictor, score

__all__ = ["Method", "baselines", "model_method", "run", "main", "DEFAULT_SETS", "PILLOW"]

DEFAULT_SETS = ("sr/Set5", "sr/Set14", "photos/kodak24")
PILLOW = ("pil-bicubic", "pil-lanczos")
CROP = 128  # HR pixels per crop side


@dataclass(frozen=True)
class Method:
    """A named upscaler: LR RGB (float64 [0, 1]) -> SR RGB; only its Y is scored."""

    name: str
    upscale: Callable[[np.ndarray], np.ndarray]


def _pillow(lr: np.ndarray, scale: int, resample: Image.Resampling) -> np.ndarray:
    """What a program using Pillow returns: the 8-bit image enlarged in 8 bit."""
    im = Image.fromarray(np.round(np.clip(lr, 0, 1) * 255).astype(np.uint8))
    return np.asarray(im.resize((im.width * scale, im.height * scale), resample), np.float64) / 255.0


def baselines(scale: int) -> list[Method]:
    """MATLAB bicubic (the protocol's), Pillow bicubic and Pillow Lanczos."""
    return [Method("bicubic", lambda lr: imresize(lr, float(scale))),
            Method("pil-bicubic", lambda lr: _pillow(lr, scale, Image.Resampling.BICUBIC)),
            Method("pil-lanczos", lambda lr: _pillow(lr, scale, Image.Resampling.LANCZOS))]


def plugin_method(models: str, scale: int) -> Method:
    """``--model plugin DIR``: the ``superres`` plugin with its default values (Method, Speed, Precision, and
    the routing of aliased photos) on the models of ``DIR``, as the app runs it."""
    from photoai.core.image import ImageBuffer
    from photoai.plugin_api.execute import run_plugin
    from photoai.runtime import Runtime

    from .plugin import SuperResPlugin

    plugin, runtime = SuperResPlugin(), Runtime([locate(Path(models), "models folder")], "cpu", user_models=False)

    def upscale(lr: np.ndarray) -> np.ndarray:
        return run_plugin(plugin, ImageBuffer(lr.astype(np.float32)), None, {"scale": scale}, runtime=runtime).rgb

    return Method(f"plugin default ({Path(models).name})", upscale)


def model_method(kind: str, path: str, scale: int) -> Method:
    """A ``--model KIND PATH`` entry: Y through the model, chroma MATLAB bicubic (as the plugin does); ``plugin``:
    :func:`plugin_method`."""
    if kind == "plugin":
        return plugin_method(path, scale)
    if kind == "onnx":
        file = locate(Path(path.format(scale=scale)), "model file")
        predictor, name = onnx_predictor(file), Path(path).stem.replace("{scale}", "S")
    elif kind == "checkpoint":
        file = locate(Path(path), "checkpoint")
        predictor, name = checkpoint_predictor(file, scale), f"{file.parent.name}/{file.stem}"
    else:
        raise SystemExit(f"--model {kind}: expected onnx, checkpoint or plugin")

    def upscale(lr: np.ndarray) -> np.ndarray:
        ycc = rgb_to_ycbcr(lr)
        y = predictor(np.ascontiguousarray(ycc[..., 0], np.float32)).astype(np.float64)
        chroma = imresize(ycc[..., 1:], float(scale))
        return ycbcr_to_rgb(np.concatenate([y[..., None], chroma], axis=2))

    return Method(name, upscale)


def _detail_box(hr: np.ndarray, size: int) -> tuple[int, int]:
    """Top-left corner of the ``size`` square with the most gradient energy (on a coarse grid)."""
    y = rgb_to_y(hr)
    energy = np.abs(np.diff(y, axis=0))[:, :-1] + np.abs(np.diff(y, axis=1))[:-1]
    h, w = energy.shape
    step = max(8, size // 4)
    best, corner = -1.0, (0, 0)
    for top in range(0, max(1, h - size), step):
        for left in range(0, max(1, w - size), step):
            e = float(energy[top:top + size, left:left + size].sum())
            if e > best:
                best, corner = e, (top, left)
    return corner


def save_crops(path: Path, hr: np.ndarray, outputs: dict[str, np.ndarray], title: str) -> None:
    """One JPEG: the same detailed crop of every output, then the ground truth, labelled."""
    size = min(CROP, *hr.shape[:2])
    top, left = _detail_box(hr, size)
    panels = [*outputs.items(), ("ground truth", hr)]
    label_h = 14
    sheet = Image.new("RGB", (len(panels) * (size + 4), size + 2 * label_h), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((2, 0), title, fill="black")
    for i, (name, img) in enumerate(panels):
        crop = np.clip(img[top:top + size, left:left + size], 0, 1)
        sheet.paste(Image.fromarray(np.round(crop * 255).astype(np.uint8)), (i * (size + 4), label_h))
        draw.text((i * (size + 4) + 2, size + label_h), name[:22], fill="black")
    with atomic_path(path) as tmp:
        sheet.save(tmp, "JPEG", quality=95)


def run(sets: Sequence[Path], scales: Sequence[int], variants: Sequence[str],
        models: Sequence[tuple[str, str]], crops: Path | None = None, crop_images: int = 2,
        log: Callable[[str], None] = print) -> dict[str, Any]:
    """``{set: {"xS": {variant: {method: {"psnr_y", "ssim_y"}}}}}`` (means over the set's images)."""
    results: dict[str, Any] = {}
    for folder in sets:
        for scale in scales:
            methods = [*(model_method(k, p, scale) for k, p in models), *baselines(scale)]
            for variant in variants:
                rows: dict[str, list[tuple[float, float]]] = {m.name: [] for m in methods}
                for i, (name, hr, lr) in enumerate(load_pairs(folder, scale, variant)):
                    outputs = {m.name: m.upscale(lr) for m in methods}
                    for m, out in outputs.items():
                        rows[m].append(score(rgb_to_y(out), hr, scale))
                    if crops is not None and i < crop_images:
                        shown = {m: o for m, o in outputs.items() if m != "bicubic"}
                        save_crops(crops / f"{folder.name}_x{scale}_{variant}_{name}.jpg", hr, shown,
                                   f"{folder.name}/{name} x{scale} {variant}")
                means = {m: {"psnr_y": round(float(np.mean([r[0] for r in v])), 4),
                             "ssim_y": round(float(np.mean([r[1] for r in v])), 4)} for m, v in rows.items()}
                results.setdefault(folder.name, {}).setdefault(f"x{scale}", {})[variant] = means
            log(format_table(folder.name, scale, results[folder.name][f"x{scale}"], [m.name for m in methods]))
    return results


def format_table(set_name: str, scale: int, by_variant: dict[str, dict[str, dict[str, float]]],
                 methods: Sequence[str]) -> str:
    """PSNR-Y per method (rows) and variant (columns); models also show the gain over the better Pillow row."""
    variants = list(by_variant)
    lines = [f"{set_name} x{scale}: PSNR-Y dB (gain over the better of Pillow bicubic/Lanczos)",
             f"{'method':<24}" + "".join(f"{v:>16}" for v in variants)]
    for m in methods:
        cells = []
        for v in variants:
            p = by_variant[v][m]["psnr_y"]
            best = max(by_variant[v][b]["psnr_y"] for b in PILLOW)
            cells.append(f"{p:.2f}" + (f" ({p - best:+.2f})" if m not in (*PILLOW, "bicubic") else ""))
        lines.append(f"{m:<24}" + "".join(f"{c:>16}" for c in cells))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """CLI entry (``photoai eval superres --variants ...``); returns the results (also ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", nargs="*", choices=VARIANTS, default=None,
                    help=f"LR variants (default all: {' '.join(VARIANTS)})")
    ap.add_argument("--data", type=Path, nargs="+", default=None,
                    help=f"HR folders (default {' '.join(DEFAULT_SETS)} in the shared data folder)")
    ap.add_argument("--scale", type=int, nargs="+", choices=(2, 3, 4), default=[2, 4])
    ap.add_argument("--model", nargs=2, action="append", default=[], metavar=("KIND", "PATH"),
                    help="onnx FILE (may contain {scale}) or checkpoint FILE; repeat for several models")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument("--save-crops", type=Path, default=None, help="folder for side-by-side JPEG crops")
    ap.add_argument("--crop-images", type=int, default=2, help="images per set with crops (default 2)")
    args = ap.parse_args(argv)
    sets = [locate(p, "data folder") for p in args.data] if args.data else \
        [training.default_data_dir() / s for s in DEFAULT_SETS if (training.default_data_dir() / s).is_dir()]
    if not sets:
        raise SystemExit(f"no evaluation set found in {training.default_data_dir()} (give --data)")
    if args.save_crops is not None:
        args.save_crops.mkdir(parents=True, exist_ok=True)
    variants = args.variants or list(VARIANTS)
    results = run(sets, args.scale, variants, [tuple(m) for m in args.model], args.save_crops, args.crop_images)
    if args.json is not None:
        record = {"command": training.command_line("superres.evaluate", argv), "variants": variants,
                  "protocol": "Y BT.601 [0,255] of 8-bit outputs, HR modcrop to scale, shave = scale px",
                  "results": results}
        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return results
