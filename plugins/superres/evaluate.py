"""Evaluate super-resolution on a benchmark folder (Set5/Set14) with the standard SR protocol.

Relative paths are read from the working folder, else from the repository (the form manifests record,
e.g. ``--path plugins/superres/models/superres_x2.onnx``), so a recorded command runs from any folder.

Protocol: HR RGB modcropped to a multiple of ``scale``; LR = MATLAB-bicubic
downscale of the RGB, quantized to 8 bit; the output Y (BT.601, [16, 235]) is
quantized to 8 bit and compared with the HR Y in [0, 255] with ``scale`` pixels
shaved from each border (PSNR and Wang et al. SSIM).  Bicubic = MATLAB
``imresize`` of the LR RGB.

    python -m photoai_plugins.superres.evaluate --data ../shared/data/sr/Set5 --scale 2 \
        --model onnx|checkpoint|bicubic [--path FILE]

With ``--variants`` the five LR variants of ``degrade.py`` on several sets, with Pillow baselines and
several models in one run (see ``evaluate_variants.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from photoai.core.errors import PhotoAIError
from photoai.core.metrics import sr_y_metrics
from photoai.core.resize import imresize, rgb_to_y

from .._training import REPO_ROOT
from .data import list_images, load_rgb, modcrop
from .degrade import lr_variant

__all__ = ["Predictor", "torch_predictor", "checkpoint_predictor", "onnx_predictor", "make_predictor", "locate",
           "load_pairs", "pairs_from_paths", "evaluate", "score", "mean_metrics", "main"]

#: LR Y (HxW float32 in [0, 1]) -> SR Y (sHxsW).  Bicubic takes the LR RGB instead.
Predictor = Callable[[np.ndarray], np.ndarray]

DEFAULT_CHECKPOINT = Path("runs/superres/last.pt")
DEFAULT_ONNX = Path(__file__).resolve().parent / "models" / "superres_x{scale}.onnx"


def locate(path: Path, what: str) -> Path:
    """``path`` as given (absolute, or relative to the working folder), else relative to the repository;
    a one-line :class:`PhotoAIError` naming both places when it is in neither."""
    candidates = [path] if path.is_absolute() else [path, REPO_ROOT / path]
    found = next((p for p in candidates if p.exists()), None)
    if found is None:
        where = " or ".join(str(p.absolute()) for p in candidates)
        raise PhotoAIError(f"{what} {path} not found (looked for {where})")
    return found


def load_pairs(folder: Path, scale: int, variant: str = "bicubic") -> list[tuple[str, np.ndarray, np.ndarray]]:
    """``(name, hr_rgb, lr_rgb)`` per image: HR modcropped, LR made as ``variant`` (:data:`.degrade.VARIANTS`;
    ``bicubic`` is the protocol's) and quantized to 8 bit."""
    return pairs_from_paths(list_images(folder), scale, variant)


def pairs_from_paths(paths: Sequence[Path], scale: int, variant: str = "bicubic",
                     crop: int | None = None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """:func:`load_pairs` of the given image files; ``crop``: keep at most the central ``crop`` x ``crop``
    HR pixels of each (a cheaper evaluation)."""
    pairs = []
    for path in paths:
        hr = load_rgb(path)
        if crop is not None:
            y, x = max(0, (hr.shape[0] - crop) // 2), max(0, (hr.shape[1] - crop) // 2)
            hr = hr[y:y + crop, x:x + crop]
        hr = modcrop(hr, scale)
        pairs.append((path.stem, hr, lr_variant(hr, scale, variant).astype(np.float64)))
    return pairs


def quantize(y: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] and round to 8-bit levels."""
    return np.round(np.clip(y, 0.0, 1.0) * 255.0) / 255.0


def bicubic_sr(lr_rgb: np.ndarray, scale: int) -> np.ndarray:
    """Y of the MATLAB-bicubic upscaled LR RGB."""
    return rgb_to_y(imresize(lr_rgb, float(scale)))


def torch_predictor(model: object, scale: int) -> Predictor:
    """Predictor from an ``SRNet`` (multi-scale) or a single-scale module."""
    import torch

    from .net import SRNet

    def run(lr_y: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(lr_y, dtype=np.float32))[None, None]
        with torch.inference_mode():
            out = model(x, scale) if isinstance(model, SRNet) else model(x)  # type: ignore[operator]
        return out[0, 0].numpy()

    return run


def checkpoint_predictor(path: Path, scale: int) -> Predictor:
    """Predictor from a training checkpoint."""
    from .train import load_model

    return torch_predictor(load_model(path), scale)


def onnx_predictor(path: Path) -> Predictor:
    """Predictor from an exported single-scale ONNX file (CPU execution provider)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name

    def run(lr_y: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(lr_y, dtype=np.float32)[None, None]
        return sess.run(None, {name: x})[0][0, 0]

    return run


def evaluate(pairs: Sequence[tuple[str, np.ndarray, np.ndarray]], scale: int,
             predictor: Predictor | None) -> list[tuple[str, float, float]]:
    """``(name, psnr, ssim)`` per image; ``predictor=None`` evaluates bicubic."""
    rows = []
    for name, hr, lr in pairs:
        sr = bicubic_sr(lr, scale) if predictor is None else predictor(rgb_to_y(lr).astype(np.float32))
        rows.append((name, *score(sr, hr, scale)))
    return rows


def score(sr_y: np.ndarray, hr_rgb: np.ndarray, scale: int) -> tuple[float, float]:
    """The protocol's (PSNR, SSIM) of an SR Y image against the HR RGB image (8-bit output, shave = scale)."""
    p, s = sr_y_metrics(quantize(np.asarray(sr_y, np.float64)), rgb_to_y(hr_rgb), shave=scale)
    return p, s


def mean_metrics(rows: Sequence[tuple[str, float, float]]) -> tuple[float, float]:
    """Mean PSNR and SSIM over the rows."""
    return float(np.mean([r[1] for r in rows])), float(np.mean([r[2] for r in rows]))


def make_predictor(kind: str, scale: int, path: Path | None) -> Predictor | None:
    """Predictor for ``--model`` (``None`` means bicubic)."""
    if kind == "bicubic":
        return None
    if kind == "checkpoint":
        return checkpoint_predictor(locate(path or DEFAULT_CHECKPOINT, "checkpoint"), scale)
    return onnx_predictor(locate(path or Path(str(DEFAULT_ONNX).format(scale=scale)), "model file"))


def format_table(bic: Sequence[tuple[str, float, float]],
                 ours: Sequence[tuple[str, float, float]] | None, label: str) -> str:
    """Per-image table with bicubic and model columns and a mean row."""
    lines = [f"{'image':<14}{'bicubic PSNR':>14}{'SSIM':>8}" + (f"{label + ' PSNR':>18}{'SSIM':>8}" if ours else "")]
    rows = list(zip(bic, ours, strict=True)) if ours else [(b, None) for b in bic]
    for b, o in rows:
        lines.append(f"{b[0]:<14}{b[1]:>14.2f}{b[2]:>8.4f}" + (f"{o[1]:>18.2f}{o[2]:>8.4f}" if o else ""))
    bp, bs = mean_metrics(bic)
    mean = f"{'mean':<14}{bp:>14.2f}{bs:>8.4f}"
    if ours:
        op, os_ = mean_metrics(ours)
        mean += f"{op:>18.2f}{os_:>8.4f}"
    return "\n".join(lines + [mean])


def main(argv: Sequence[str] | None = None) -> dict:
    """CLI entry; returns ``{"bicubic": (psnr, ssim), "model": (psnr, ssim) | None}`` (with ``--variants``:
    :func:`.evaluate_variants.main`'s results)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--variants" in argv:
        from .evaluate_variants import main as variants_main

        return variants_main(argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="folder of HR images (e.g. sr/Set5)")
    ap.add_argument("--scale", type=int, required=True, choices=(2, 3, 4))
    ap.add_argument("--model", choices=("onnx", "checkpoint", "bicubic"), default="onnx")
    ap.add_argument("--path", type=Path, default=None,
                    help=f"model file (default {DEFAULT_ONNX} or {DEFAULT_CHECKPOINT})")
    args = ap.parse_args(argv)
    pairs = load_pairs(locate(args.data, "data folder"), args.scale)
    bic = evaluate(pairs, args.scale, None)
    predictor = make_predictor(args.model, args.scale, args.path)
    ours = evaluate(pairs, args.scale, predictor) if predictor else None
    print(f"{args.data.name} x{args.scale} (Y channel, shave {args.scale})")
    print(format_table(bic, ours, args.model))
    return {"bicubic": mean_metrics(bic), "model": mean_metrics(ours) if ours else None}


if __name__ == "__main__":
    main(sys.argv[1:])
