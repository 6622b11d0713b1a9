"""Export a trained SR checkpoint to one ONNX file per scale and update the plugin's model manifest.

For each scale: ``models/superres_x{s}.onnx`` beside this file (opset 17, input ``y_lr``
NCHW float32 Y in [0, 1] with dynamic H/W >= 3, output ``y_sr``), checked against torch
with onnxruntime (max diff <= 1e-4, see ``photoai.runtime.onnx_export``), measured on
Set5/Set14 with ``evaluate.py``'s protocol, quantized to int8 (unless ``--no-int8``) and
recorded in ``models/manifest.json`` together with the multi-scale torch weights (``superres_net.pt``).

    python -m photoai_plugins.superres.export --checkpoint runs/superres/last.pt

``--variants-json FILE`` (an ``evaluate --variants --json`` record with a ``--model checkpoint`` row of the same
checkpoint file) adds that row's PSNR-Y and gain over the better Pillow row on every set, scale and LR
variant to each ONNX entry's ``metrics.lr_variants``.

``--family photo`` exports a model trained with ``--degrade mixed`` as the "Photo (robust)" family
(``superres-photo-x{s}[-int8]``, ``superres_photo_x{s}[_int8].onnx``, ``superres_photo_net.pt``);
``network-fast`` and ``photo-fast`` the small networks of the Speed choice "Fast" (``superres-fast-x{s}``,
``superres-photo-fast-x{s}``, and their int8 copies). A re-parameterized checkpoint
(``train --rep``) is exported folded (:meth:`.net.SRNet.fused`): plain 3x3 convs, the same function.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from photoai.runtime import onnx_export

from .. import _training as training
from .archs import SRNetArch
from .evaluate import evaluate, load_pairs, mean_metrics, onnx_predictor
from .evaluate_variants import PILLOW
from .net import SRNet, param_count
from .plugin import FAMILIES, model_id

__all__ = ["export_onnx", "verify_onnx", "manifest_entry", "variants_metrics", "main"]

INPUT_NAME, OUTPUT_NAME = "y_lr", "y_sr"
ARCH = SRNetArch()
DATA_TERMS = "research/evaluation use only (see ../shared/data/SOURCES.md); not for shipping training data"
SOURCE_NAMES = {"sr/T91": "T91 (Yang et al. 2010)",
                "photos/train/imagenet_sample": "imagenet_sample (ImageNet, non-commercial research)",
                "photos/train/imagenet_imagen": "imagenet_imagen (ImageNet, non-commercial research)",
                "photos/train/dogs_vs_cats": "dogs_vs_cats (Kaggle/Asirra, non-commercial research)"}
CHECK_SHAPES = ((37, 53), (64, 48), (5, 9))  # LR sizes the ONNX graph is checked at
#: Title words of the parts of a family's name (``photo-fast-jpeg``: ``PhotoAI SR network (photo, fast, JPEG
#: inputs) x2``); a part not listed is its own word.
TITLE_WORDS = {"network": "", "aliased": "aliased inputs", "jpeg": "JPEG inputs"}

QUANTIZATION = ("ONNX Runtime static QDQ: int8 per-channel weights, uint8 activations calibrated on 24 T91 "
                "LR crops; first conv, output convs and bicubic skip kept float32")


def title_words(family: str) -> str:
    """`` (photo, fast)`` for ``photo-fast``; empty for ``network``."""
    words = [w for part in family.split("-") if (w := TITLE_WORDS.get(part, part))]
    return f" ({', '.join(words)})" if words else ""


def _arch_config(model: SRNet, scale: int) -> dict[str, Any]:
    return {**model.config(), "scale": scale}


def _check_inputs(shapes: Sequence[tuple[int, int]]) -> list[tuple[np.ndarray]]:
    gen = np.random.default_rng(0)
    return [(gen.random((1, 1, h, w), dtype=np.float32),) for h, w in shapes]


def export_onnx(model: SRNet, scale: int, path: Path) -> float:
    """Write the single-scale ONNX graph (dynamic H and W >= 3), checked against torch; returns the max diff."""
    config = _arch_config(model, scale)
    return onnx_export.export_checked(ARCH.deploy(model, config), ARCH.example_inputs(config), path,
                                      cases=_check_inputs(CHECK_SHAPES), input_names=[INPUT_NAME],
                                      output_names=[OUTPUT_NAME], min_size=ARCH.facts(config)["min_size"])


def verify_onnx(model: SRNet, scale: int, path: Path, shapes: Sequence[tuple[int, int]] = CHECK_SHAPES) -> float:
    """Max |ORT - torch| over random inputs of several sizes; raises if above the tolerance."""
    return onnx_export.verify_onnx(ARCH.deploy(model, _arch_config(model, scale)), path, _check_inputs(shapes))


def measure(onnx_path: Path, scale: int, data: Path) -> dict[str, Any]:
    """Set5/Set14 Y-channel PSNR/SSIM of the ONNX model and of bicubic (sets that exist only)."""
    out: dict[str, Any] = {"protocol": ("Y BT.601 [0,255], HR modcrop to scale, LR = MATLAB bicubic imresize of RGB "
                                        "quantized to 8 bit, output quantized to 8 bit, shave = scale px; "
                                        "SSIM Gaussian 11x11 s=1.5")}
    predictor = onnx_predictor(onnx_path)
    for name in ("Set5", "Set14"):
        folder = data / "sr" / name
        if not folder.is_dir():
            continue
        pairs = load_pairs(folder, scale)
        (bp, bs), (mp, ms) = (mean_metrics(evaluate(pairs, scale, p)) for p in (None, predictor))
        out[name] = {"psnr_y": round(mp, 2), "ssim_y": round(ms, 4),
                     "bicubic_psnr_y": round(bp, 2), "bicubic_ssim_y": round(bs, 4),
                     "command": training.command_line("superres.evaluate", [
                         "--data", training.portable_path(folder), "--scale", str(scale), "--model", "onnx",
                         "--path", training.portable_path(onnx_path)])}
    return out


def training_entry(ckpt: Mapping[str, Any]) -> dict[str, Any]:
    sources = [str(s).partition(":")[0] for s in ckpt.get("args", {}).get("sources", [])]
    return {**training.training_record(ckpt), "script": "plugins/superres/train.py",
            "data": [{"name": SOURCE_NAMES.get(s, s), "path": s, "terms": DATA_TERMS} for s in sources]}


def manifest_entry(model: SRNet, scale: int, file: str, ckpt: Mapping[str, Any], metrics: dict[str, Any],
                   precision: str = "float32", family: str = "network") -> dict[str, Any]:
    """Manifest entry (``ModelSpec`` keys, sha256 filled in on writing) for one exported scale."""
    int8 = precision == "int8"
    description = (f"SRNet-Y: conv3x3 1->{model.channels}, {model.blocks} resblocks, conv3x3, conv3x3 ->{scale * scale}"
                   " + PixelShuffle, + fixed MATLAB-bicubic skip (multi-scale shared body). Input: Y of BT.601 YCbCr "
                   "(MATLAB rgb2ycbcr, [16,235]/255) in [0,1]; chroma: bicubic.")
    if ckpt.get("config", {}).get("rep"):
        description += (" Trained with each body conv as ECBSR-style branches (plugins/superres/rep.py), shipped "
                        "folded into plain 3x3 convs (the same function).")
    title = f"PhotoAI SR network{title_words(family)} x{scale}" + (" int8" if int8 else "")
    return {"id": model_id(scale, precision, family), "file": file, "task": ARCH.task,
            "format": "onnx", "arch": ARCH.name, "title": title,
            **ARCH.facts(_arch_config(model, scale)), "precision": precision,
            "params": param_count(ARCH.deploy(model, _arch_config(model, scale))),
            "description": description + (f" Quantization: {QUANTIZATION}" if int8 else ""),
            "training": training_entry(ckpt), "metrics": metrics}


def onnx_file(scale: int, precision: str = "float32", family: str = "network") -> str:
    """File name of an exported model: its id with underscores (``superres_photo_x2_int8.onnx``)."""
    return model_id(scale, precision, family).replace("-", "_") + ".onnx"


def int8_entry(model: SRNet, fp32_path: Path, scale: int, ckpt: Mapping[str, Any], data: Path,
               family: str = "network", variants: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Quantize ``fp32_path`` to int8 (calibrated on T91 LR crops), measure it, describe it."""
    from .quantize import quantize

    path = quantize(fp32_path, fp32_path.with_name(onnx_file(scale, "int8", family)), scale, data / "sr" / "T91")
    metrics = measure(path, scale, data)
    print(f"x{scale} int8: {path}; PSNR-Y {({k: v['psnr_y'] for k, v in metrics.items() if isinstance(v, dict)})}")
    if variants is not None:
        metrics["lr_variants"] = dict(variants)
    return manifest_entry(model, scale, path.name, ckpt, metrics, precision="int8", family=family)


def torch_file(family: str = "network") -> str:
    """File name of a family's multi-scale torch weights (``superres_net.pt``, ``superres_photo_fast_net.pt``)."""
    return FAMILIES[family].replace("-", "_") + "net.pt"


def torch_entry(model: SRNet, ckpt: Mapping[str, Any], path: Path, family: str = "network") -> dict[str, Any]:
    """Ship the multi-scale weights for torch (GPU path, torch-eager benchmark); manifest entry."""
    weights = training.weights_only({**ckpt, "model": model.state_dict(), "config": model.config()})
    training.save_checkpoint(path, weights)
    return {"id": f"{FAMILIES[family]}torch", "file": path.name, "task": ARCH.task, "format": "torch-state-dict",
            "arch": ARCH.name, "title": f"PhotoAI SR network{title_words(family)} (PyTorch state dict, all scales)",
            "config": {"scales": list(model.scales)},
            "description": "SRNet (plugins/superres/net.py), all scales; load: torch.load(path, weights_only=True); "
                           "SRNet(**config).load_state_dict(model)",
            "training": training.training_record(ckpt)}


def variants_metrics(doc: Mapping[str, Any], row: str) -> dict[str, Any]:
    """``metrics.lr_variants``: the ``row`` method's PSNR-Y and gain over the better Pillow row per set, scale and
    variant of an ``evaluate --variants --json`` record; SystemExit when the record has no such row."""
    results: dict[str, Any] = {}
    for set_name, by_scale in doc["results"].items():
        for scale, by_variant in by_scale.items():
            for variant, methods in by_variant.items():
                if row not in methods:
                    raise SystemExit(f"the variants record has no row {row!r} (rows: {', '.join(methods)})")
                psnr, best = methods[row]["psnr_y"], max(methods[p]["psnr_y"] for p in PILLOW)
                results.setdefault(set_name, {}).setdefault(scale, {})[variant] = {
                    "psnr_y": psnr, "gain_over_pillow": round(psnr - best, 2)}
    return {"command": doc["command"], "protocol": doc["protocol"],
            "note": f"row {row}: the exported checkpoint in float32 torch (the ONNX files match it within 1e-4)",
            "results": results}


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """CLI entry; returns the manifest entries written."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, default=Path("runs/superres/last.pt"))
    ap.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent / "models")
    ap.add_argument("--scales", type=int, nargs="+", default=None, help="default: all scales of the model")
    ap.add_argument("--data", type=Path, default=training.default_data_dir(),
                    help="for Set5/Set14 metrics and int8 calibration (default: $PHOTOAI_DATA, else ../shared/data)")
    ap.add_argument("--no-manifest", action="store_true")
    ap.add_argument("--variants-json", type=Path, default=None,
                    help="evaluate --variants --json record with a --model checkpoint row of --checkpoint")
    ap.add_argument("--no-int8", action="store_true", help="skip the int8 (fast) variants")
    ap.add_argument("--family", choices=tuple(FAMILIES), default="network",
                    help="network: 'Clean image (benchmark)' models; photo: 'Photo (robust)' (--degrade mixed); "
                         "-fast: the same, Speed 'Fast' (small networks)")
    args = ap.parse_args(argv)
    trained, ckpt = training.load_net(args.checkpoint, SRNet)
    model = trained.fused()
    variants = None if args.variants_json is None else variants_metrics(
        json.loads(args.variants_json.read_text(encoding="utf-8")),
        f"{args.checkpoint.parent.name}/{args.checkpoint.stem}")
    entries = []
    for scale in args.scales or model.scales:
        path = args.out_dir / onnx_file(scale, family=args.family)
        diff = export_onnx(model, scale, path)
        metrics = measure(path, scale, args.data)
        shown = {k: (v["psnr_y"], v["bicubic_psnr_y"]) for k, v in metrics.items() if isinstance(v, dict)}
        if variants is not None:
            metrics["lr_variants"] = variants
        entries.append(manifest_entry(model, scale, path.name, ckpt, metrics, family=args.family))
        if not args.no_int8:
            entries.append(int8_entry(model, path, scale, ckpt, args.data, args.family, variants))
        print(f"x{scale}: {path} max|ORT-torch| {diff:.2e}; (ours, bicubic) PSNR-Y {shown}")
    entries.append(torch_entry(model, ckpt, args.out_dir / torch_file(args.family), args.family))
    if not args.no_manifest:
        training.upsert_manifest(args.out_dir, entries)
        print(f"updated {args.out_dir / 'manifest.json'}")
    return entries


if __name__ == "__main__":
    main()
