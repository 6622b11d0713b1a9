"""Evaluate low-light enhancement: our plugin against classical baselines and imported models, one table.

Synthetic pairs (``--data DIR``, e.g. Kodak24): photo i (sorted by name) is darkened by
``degrade.make_pair(photo, seed + i, bright_fraction=0)`` (the training pipeline's inverse camera,
never a bright draw); every method sees the dark photo, its output is quantized to 8 bits and scored
against the photo: PSNR on RGB, SSIM on Y (BT.601, [0, 255], Gaussian 11x11 sigma 1.5) and the mean
CIEDE2000 (:mod:`photoai.core.color`).

Real photos (``--real DIR``, no ground truth): mean brightness, share of clipped pixels, colourfulness
(Hasler & Suesstrunk) and the lightness-order error against the input (:mod:`.measures`);
``--dark-below B`` keeps only photos darker than B (the SICE folder also holds over-exposed frames).

Well-exposed photos (``--unchanged DIR``, e.g. the Kodak24 originals): how much each method changes a
photo that needs no brightening (brightness shift, mean absolute change, PSNR and CIEDE2000 against it).

Rows: the input; a global gamma bringing the mean brightness to 0.45 (a fixed target, since a real
method does not know the photo's true exposure); CLAHE on L; multi-scale Retinex (:mod:`.baselines`);
our plugin as the app runs it (``run_plugin``), with and without denoising; every imported low-light
model in the runtime.

    python -m photoai_plugins.lowlight.evaluate --data ../shared/data/photos/kodak24 [--json OUT] [--save-crops DIR]
    python -m photoai_plugins.lowlight.evaluate --real ../shared/data/lowlight/zerodce_train_sice --limit 50
    python -m photoai_plugins.lowlight.evaluate --unchanged ../shared/data/photos/kodak24
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from photoai.core.color import delta_e2000
from photoai.core.errors import ModelError
from photoai.core.metrics import psnr, ssim, to_y255
from photoai.core.models import ModelProvider
from photoai.plugin_api.models import gpu_variant_ids

from .._training import portable_path
from .._training import recorded_command as _recorded
from .baselines import clahe_l, gamma_to_mean, msr
from .degrade import make_pair
from .measures import mean_brightness, no_reference
from .plugin import DENOISE_ID, ILLUM_ID, LowLightPlugin

__all__ = ["Method", "load_rgb", "list_images", "baseline_methods", "plugin_methods", "full_reference",
           "evaluate_synthetic", "evaluate_real", "evaluate_unchanged", "format_table", "recorded_command", "main"]

Method = Callable[[np.ndarray], np.ndarray]  # HxWx3 float32 [0, 1] -> the same, enhanced
EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
MODELS_DIR = Path(__file__).resolve().parent / "models"
CROP = 256
PSNR_CAP = 60.0  # --unchanged: a photo the method leaves as it is counts as 60 dB (not infinity) in the mean
PATH_OPTIONS = ("--data", "--real", "--unchanged", "--models", "--json", "--save-crops")
CROP_COLUMNS = ("input", "gamma", "CLAHE", "ours")  # then the target, for synthetic pairs
PROTOCOL = {"synthetic": "dark = degrade.make_pair(photo, seed + i, bright_fraction=0); outputs quantized to 8 bit; "
                         "PSNR on RGB [0, 1]; SSIM on Y (BT.601, [0, 255], Gaussian 11x11 sigma 1.5); CIEDE2000 "
                         "mean over pixels (sRGB -> CIELAB D65)",
            "real": "brightness = mean BT.601 luminance; clipped = share of pixels with a channel at 255; "
                    "colourfulness = Hasler & Suesstrunk 2003 on 8-bit values; LOE = Wang et al. 2013 on max(R, G, B) "
                    "reduced to a short side of 50, against the input",
            "unchanged": "the method on the well-exposed photo itself, output quantized to 8 bit: brightness shift = "
                         "mean BT.601 luminance after minus before; mean_abs = mean |after - before| over RGB [0, 1]; "
                         "PSNR on RGB (at most 60 dB per photo) and mean CIEDE2000 against the photo"}


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), np.float32) / 255.0


def list_images(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in EXTENSIONS)


def quantize(rgb: np.ndarray) -> np.ndarray:
    """As the photo would be saved: 8 bits."""
    return np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.float32) / 255.0


def baseline_methods() -> dict[str, Method]:
    return {"input": lambda x: x, "gamma": gamma_to_mean, "CLAHE": clahe_l, "MSR": msr}


def plugin_methods(runtime: ModelProvider, imported: bool = True) -> dict[str, Method]:
    """Our network (denoised and not) when its models are installed, and each imported low-light model,
    all through ``run_plugin`` as the app runs them."""
    from photoai.core.image import ImageBuffer
    from photoai.plugin_api.execute import run_plugin

    plugin = LowLightPlugin()

    def method(values: dict[str, Any]) -> Method:
        return lambda x: run_plugin(plugin, ImageBuffer(x), None, values, runtime=runtime).rgb

    rows: dict[str, Method] = {}
    try:
        for model_id in (ILLUM_ID, DENOISE_ID):
            runtime.spec(model_id)
        rows = {"ours": method({}), "ours, no denoise": method({"denoise": 0.0})}
    except ModelError as e:
        print(f"no rows for our network: {e}", file=sys.stderr)
    if imported:
        specs = runtime.models("lowlight")
        ours = set(plugin.info.model_ids) | gpu_variant_ids(specs)
        for spec in specs:
            if spec.format == "onnx" and spec.id not in ours:
                rows[f"{spec.arch or 'model'}: {spec.id}"] = method({"model": spec.id})
    return rows


def full_reference(out: np.ndarray, target: np.ndarray) -> dict[str, float]:
    return {"psnr": psnr(out, target, data_range=1.0), "ssim": ssim(to_y255(out), to_y255(target)),
            "ciede2000": float(delta_e2000(out, target).mean())}


def flattest_window(reference: np.ndarray, size: int = CROP, stride: int = 32) -> tuple[int, int]:
    """Top-left corner of the ``size`` window where ``reference`` is flattest (least mean gradient), among
    windows of mid brightness (0.1-0.7) when there are any: where amplified noise shows most."""
    y = reference.mean(axis=2)
    grad = np.abs(np.diff(y, axis=0))[:, :-1] + np.abs(np.diff(y, axis=1))[:-1]
    h, w = grad.shape
    best: tuple[float, int, int] | None = None
    fallback: tuple[float, int, int] | None = None
    for top in range(0, max(1, h - size + 1), stride):
        for left in range(0, max(1, w - size + 1), stride):
            score = (float(grad[top:top + size, left:left + size].mean()), top, left)
            fallback = min(fallback or score, score)
            if 0.1 <= float(y[top:top + size, left:left + size].mean()) <= 0.7:
                best = min(best or score, score)
    chosen = best or fallback
    assert chosen is not None
    return chosen[1], chosen[2]


def save_crops(path: Path, images: Sequence[np.ndarray], corner: tuple[int, int], size: int = CROP) -> None:
    """The same window of each image, side by side with 4 px white gaps, as an 8-bit PNG."""
    top, left = corner
    gap = np.ones((min(size, images[0].shape[0] - top), 4, 3), np.float32)
    parts: list[np.ndarray] = []
    for img in images:
        parts += [img[top:top + size, left:left + size], gap]
    strip = np.concatenate(parts[:-1], axis=1)
    Image.fromarray(np.rint(np.clip(strip, 0, 1) * 255).astype(np.uint8)).save(path)


def _mean_rows(rows: dict[str, list[dict[str, float]]]) -> dict[str, dict[str, float]]:
    return {m: {k: round(float(np.mean([r[k] for r in rs])), 4) for k in rs[0]} for m, rs in rows.items() if rs}


def _run(method: Method, x: np.ndarray) -> tuple[np.ndarray, float]:
    t = time.perf_counter()
    out = quantize(method(x))
    return out, time.perf_counter() - t


def evaluate_synthetic(paths: Sequence[Path], methods: dict[str, Method], seed: int = 0,
                       crops: Path | None = None) -> dict[str, dict[str, float]]:
    """``{method: {psnr, ssim, ciede2000, seconds}}`` averaged over the photos' fixed-seed dark versions."""
    rows: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    for i, path in enumerate(paths):
        target = load_rgb(path)
        dark = make_pair(target, seed + i, bright_fraction=0.0)[0]
        outputs = {}
        for name, method in methods.items():
            outputs[name], seconds = _run(method, dark)
            rows[name].append({**full_reference(outputs[name], target), "seconds": seconds})
        print(f"{path.name}: " + ", ".join(f"{m} {r[-1]['psnr']:.2f}" for m, r in rows.items()), file=sys.stderr)
        if crops is not None:
            shown = [outputs[c] for c in CROP_COLUMNS if c in outputs] + [target]
            save_crops(crops / f"{path.stem}.png", shown, flattest_window(target))
    return _mean_rows(rows)


def evaluate_real(paths: Sequence[Path], methods: dict[str, Method], crops: Path | None = None,
                  dark_below: float | None = None) -> tuple[dict[str, dict[str, float]], int]:
    """``{method: {brightness, clipped, colourfulness, loe, seconds}}`` over the photos (those darker than
    ``dark_below`` if given) and how many photos that was."""
    rows: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    used = 0
    for path in paths:
        photo = load_rgb(path)
        if dark_below is not None and mean_brightness(photo) >= dark_below:
            continue
        used += 1
        outputs = {}
        for name, method in methods.items():
            outputs[name], seconds = _run(method, photo)
            rows[name].append({**no_reference(photo, outputs[name]), "seconds": seconds})
        if crops is not None:
            shown = [outputs[c] for c in CROP_COLUMNS if c in outputs]
            save_crops(crops / f"{path.stem}.png", shown, flattest_window(outputs.get("ours", photo)))
    return _mean_rows(rows), used


def evaluate_unchanged(paths: Sequence[Path], methods: dict[str, Method]) -> dict[str, dict[str, float]]:
    """``{method: {brightness_shift, mean_abs, psnr, ciede2000, seconds}}`` over well-exposed photos run
    through each method: how much a photo that needs no brightening changes."""
    rows: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
    for path in paths:
        photo = load_rgb(path)
        for name, method in methods.items():
            out, seconds = _run(method, photo)
            ref = full_reference(out, photo)
            rows[name].append({"brightness_shift": mean_brightness(out) - mean_brightness(photo),
                               "mean_abs": float(np.abs(out - photo).mean()), "psnr": min(ref["psnr"], PSNR_CAP),
                               "ciede2000": ref["ciede2000"], "seconds": seconds})
    return _mean_rows(rows)


def format_table(results: dict[str, dict[str, float]]) -> str:
    """A Markdown table: one row per method, one column per measure."""
    if not results:
        return "(no photos)"
    keys = list(next(iter(results.values())))
    lines = ["| method | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for method, r in results.items():
        lines.append(f"| {method} | " + " | ".join(f"{r[k]:.4f}" if abs(r[k]) < 10 else f"{r[k]:.2f}" for k in keys)
                     + " |")
    return "\n".join(lines)


def recorded_command(argv: Sequence[str] | None) -> str:
    """The command as manifests record it: the path options' values relative to the repository."""
    return _recorded("lowlight.evaluate", argv, PATH_OPTIONS)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="photoai eval lowlight", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="well-exposed photos to darken (synthetic pairs), e.g. Kodak24")
    source.add_argument("--real", type=Path, help="real low-light photos (no ground truth)")
    source.add_argument("--unchanged", type=Path, help="well-exposed photos: how much each method changes them")
    ap.add_argument("--models", type=Path, default=MODELS_DIR, help="folder with our models' manifest "
                    "(default: the plugin's models/); imported models come from the user's store")
    ap.add_argument("--no-imported", action="store_true", help="skip imported low-light models")
    ap.add_argument("--seed", type=int, default=0, help="photo i is darkened with seed + i")
    ap.add_argument("--limit", type=int, default=0, help="only the first N photos")
    ap.add_argument("--dark-below", type=float, default=None, help="--real: only photos darker than this mean")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument("--save-crops", type=Path, default=None, help="write side-by-side crops (input | gamma | "
                    "CLAHE | ours | target) here, one PNG per photo")
    ap.add_argument("--threads", type=int, default=1)
    return ap.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """CLI entry; returns what ``--json`` writes."""
    args = parse_args(argv)
    import cv2

    from photoai.runtime import Runtime

    cv2.setNumThreads(args.threads)
    os.environ.setdefault("PHOTOAI_THREADS", str(args.threads))
    folder = args.data or args.real or args.unchanged
    paths = list_images(folder)[: args.limit or None]
    if not paths:
        raise SystemExit(f"no photos in {folder}")
    if args.save_crops is not None:
        args.save_crops.mkdir(parents=True, exist_ok=True)
    runtime = Runtime([args.models], "cpu", user_models=not args.no_imported)
    methods = {**baseline_methods(), **plugin_methods(runtime, imported=not args.no_imported)}
    mode = "synthetic" if args.data else "real" if args.real else "unchanged"
    out: dict[str, Any] = {"mode": mode, "data": portable_path(folder)}
    if args.unchanged:  # the input itself would be a row of zeros (and an infinite PSNR)
        results = evaluate_unchanged(paths, {k: m for k, m in methods.items() if k != "input"})
        out.update(images=len(paths))
    elif args.data:
        results = evaluate_synthetic(paths, methods, args.seed, args.save_crops)
        out.update(images=len(paths), seed=args.seed)
    else:
        results, used = evaluate_real(paths, methods, args.save_crops, args.dark_below)
        out.update(images=used, dark_below=args.dark_below)
    out.update(protocol=PROTOCOL[out["mode"]], command=recorded_command(argv), methods=results)
    print(f"{out['images']} photos from {out['data']} ({out['mode']})")
    print(format_table(results))
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    main()
