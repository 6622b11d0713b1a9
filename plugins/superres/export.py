"""Export a trained SR checkpoint to one ONNX file per scale and update the model manifest.

For each scale: ``resources/models/superres_x{s}.onnx`` (opset 17, input ``y_lr``
NCHW float32 Y in [0, 1] with dynamic H/W >= 3, output ``y_sr``), checked against
torch with onnxruntime (max abs diff <= 1e-4), measured on Set5/Set14 with
``evaluate.py``'s protocol, and merged into ``resources/models/manifest.json``.

    python -m plugins.superres.export --checkpoint runs/superres/last.pt --data /work/shared/data
"""

from __future__ import annotations

import argparse
import hashlib
import json
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from .evaluate import evaluate, load_pairs, mean_metrics, onnx_predictor
from .net import SRNet, SingleScale, macs_per_output_pixel, param_count, receptive_field
from .train import load_model

__all__ = ["export_onnx", "verify_onnx", "manifest_entry", "update_manifest", "main"]

OPSET = 17
TOLERANCE = 1e-4
INPUT_NAME, OUTPUT_NAME = "y_lr", "y_sr"
TORCH_FILE = "superres_net.pt"
DATA_TERMS = "research/evaluation use only (see /work/shared/data/SOURCES.md); not for shipping training data"
SOURCE_NAMES = {"sr/T91": "T91 (Yang et al. 2010)",
                "photos/train/imagenet_sample": "imagenet_sample (ImageNet, non-commercial research)",
                "photos/train/imagenet_imagen": "imagenet_imagen (ImageNet, non-commercial research)",
                "photos/train/dogs_vs_cats": "dogs_vs_cats (Kaggle/Asirra, non-commercial research)"}


def export_onnx(model: SRNet, scale: int, path: Path) -> None:
    """Write the single-scale ONNX graph with dynamic H and W."""
    module = SingleScale(model, scale).eval()
    dims = {2: torch.export.Dim("height", min=3), 3: torch.export.Dim("width", min=3)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.rand(1, 1, 32, 40),), str(path), input_names=[INPUT_NAME],
                          output_names=[OUTPUT_NAME], opset_version=OPSET, dynamic_shapes={"x": dims},
                          dynamo=True, external_data=False)


def verify_onnx(model: SRNet, scale: int, path: Path,
                shapes: Sequence[tuple[int, int]] = ((37, 53), (64, 48), (5, 9))) -> float:
    """Max |ORT - torch| over random inputs of several sizes; raises if above ``TOLERANCE``."""
    import onnxruntime as ort

    module = SingleScale(model, scale).eval()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    gen = torch.Generator().manual_seed(0)
    worst = 0.0
    for h, w in shapes:
        x = torch.rand(1, 1, h, w, generator=gen)
        with torch.inference_mode():
            ref = module(x).numpy()
        out = sess.run([OUTPUT_NAME], {INPUT_NAME: x.numpy()})[0]
        if out.shape != (1, 1, h * scale, w * scale):
            raise RuntimeError(f"ONNX output shape {out.shape} for input {(h, w)}")
        worst = max(worst, float(np.abs(out - ref).max()))
    if worst > TOLERANCE:
        raise RuntimeError(f"ONNX differs from torch by {worst:.2e} > {TOLERANCE}")
    return worst


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def measure(onnx_path: Path, scale: int, data: Path) -> dict:
    """Set5/Set14 Y-channel PSNR/SSIM of the ONNX model and of bicubic (sets that exist only)."""
    out = {"protocol": ("Y BT.601 [0,255], HR modcrop to scale, LR = MATLAB bicubic imresize of RGB "
                        "quantized to 8 bit, output quantized to 8 bit, shave = scale px; SSIM Gaussian 11x11 s=1.5")}
    predictor = onnx_predictor(onnx_path)
    for name in ("Set5", "Set14"):
        folder = data / "sr" / name
        if not folder.is_dir():
            continue
        pairs = load_pairs(folder, scale)
        (bp, bs), (mp, ms) = (mean_metrics(evaluate(pairs, scale, p)) for p in (None, predictor))
        out[name] = {"psnr_y": round(mp, 2), "ssim_y": round(ms, 4),
                     "bicubic_psnr_y": round(bp, 2), "bicubic_ssim_y": round(bs, 4),
                     "command": f"python -m plugins.superres.evaluate --data {folder} --scale {scale} "
                                f"--model onnx --path {onnx_path}"}
    return out


def manifest_entry(model: SRNet, scale: int, onnx_path: Path, ckpt: dict, metrics: dict) -> dict:
    """Manifest record for one exported scale."""
    single = SingleScale(model, scale)
    sources = [str(s).partition(":")[0] for s in ckpt.get("args", {}).get("sources", [])]
    return {
        "id": f"superres-x{scale}", "file": onnx_path.name, "sha256": sha256(onnx_path), "format": "onnx",
        "arch": (f"SRNet-Y: conv3x3 1->{model.channels}, {model.blocks} resblocks, conv3x3, "
                 f"conv3x3 ->{scale * scale} + PixelShuffle, + fixed MATLAB-bicubic skip (multi-scale shared body)"),
        "scale": scale, "in_channels": 1, "out_channels": 1, "size_multiple": 1, "tiling": "supported",
        "fp16": False, "receptive_field": receptive_field(single), "params": param_count(single),
        "macs_per_output_pixel": int(round(macs_per_output_pixel(single, scale))),
        "input": {"name": INPUT_NAME, "layout": "NCHW", "dtype": "float32", "min_size": 3,
                  "channel": "Y of BT.601 YCbCr (MATLAB rgb2ycbcr, [16,235]/255) in [0,1]; chroma: bicubic"},
        "output": {"name": OUTPUT_NAME, "layout": "NCHW", "dtype": "float32", "range": "clip to [0,1]"},
        "training": {"command": ckpt.get("command"), "resumed_with": ckpt.get("resumed_with", []),
                     "iterations": ckpt.get("iter"), "script": "plugins/superres/train.py",
                     "data": [{"name": SOURCE_NAMES.get(s, s), "path": s, "terms": DATA_TERMS} for s in sources]},
        "metrics": metrics,
    }


def int8_entry(fp32: dict, fp32_path: Path, scale: int, data: Path) -> dict:
    """Quantize ``fp32_path`` to int8 (calibrated on T91 LR crops), measure it, describe it."""
    from .quantize import quantize

    path = quantize(fp32_path, fp32_path.with_name(f"superres_x{scale}_int8.onnx"), scale, data / "sr" / "T91")
    metrics = measure(path, scale, data)
    print(f"x{scale} int8: {path}; PSNR-Y {({k: v['psnr_y'] for k, v in metrics.items() if isinstance(v, dict)})}")
    return dict(fp32, id=f"superres-x{scale}-int8", file=path.name, sha256=sha256(path), precision="int8",
                quantization="ONNX Runtime static QDQ: int8 per-channel weights, uint8 activations calibrated on "
                             "24 T91 LR crops; first conv, output convs and bicubic skip kept float32",
                metrics=metrics)


def save_state_dict(model: SRNet, ckpt: dict, path: Path) -> dict:
    """Ship the multi-scale weights for torch (GPU path, torch-eager benchmark); manifest entry."""
    torch.save({"config": model.config(), "model": model.state_dict()}, path)
    return {"id": "superres-torch", "file": path.name, "sha256": sha256(path), "format": "torch-state-dict",
            "arch": "SRNet (plugins/superres/net.py), all scales", "scales": list(model.scales),
            "load": "torch.load(path, weights_only=True); SRNet(**config).load_state_dict(model)",
            "training": {"command": ckpt.get("command"), "resumed_with": ckpt.get("resumed_with", []),
                         "iterations": ckpt.get("iter")}}


def update_manifest(path: Path, entries: Sequence[dict]) -> None:
    """Replace entries with the same ``id`` and keep every other model in the file."""
    doc = json.loads(path.read_text()) if path.exists() else {"models": []}
    ids = {e["id"] for e in entries}
    doc["models"] = [m for m in doc.get("models", []) if m.get("id") not in ids] + list(entries)
    doc["models"].sort(key=lambda m: m.get("id", ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")


def main(argv: Sequence[str] | None = None) -> list[dict]:
    """CLI entry; returns the manifest entries written."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, default=Path("runs/superres/last.pt"))
    ap.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent / "models")
    ap.add_argument("--scales", type=int, nargs="+", default=None, help="default: all scales of the model")
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"), help="for Set5/Set14 metrics")
    ap.add_argument("--no-manifest", action="store_true")
    ap.add_argument("--no-int8", action="store_true", help="skip the int8 (fast) variants")
    args = ap.parse_args(argv)
    model = load_model(args.checkpoint)
    ckpt = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    entries = []
    for scale in args.scales or model.scales:
        path = args.out_dir / f"superres_x{scale}.onnx"
        export_onnx(model, scale, path)
        diff = verify_onnx(model, scale, path)
        metrics = measure(path, scale, args.data)
        entry = manifest_entry(model, scale, path, ckpt, metrics)
        entries.append(entry)
        if not args.no_int8:
            entries.append(int8_entry(entry, path, scale, args.data))
        shown = {k: (v["psnr_y"], v["bicubic_psnr_y"]) for k, v in metrics.items() if isinstance(v, dict)}
        print(f"x{scale}: {path} max|ORT-torch| {diff:.2e}; (ours, bicubic) PSNR-Y {shown}")
    entries.append(save_state_dict(model, ckpt, args.out_dir / TORCH_FILE))
    if not args.no_manifest:
        update_manifest(args.out_dir / "manifest.json", entries)
        print(f"updated {args.out_dir / 'manifest.json'}")
    return entries


if __name__ == "__main__":
    main()
