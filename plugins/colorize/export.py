"""Export a colorization checkpoint to the plugin's ONNX model and record it in ``models/manifest.json``.

``colorize_net.onnx`` is :class:`.net.Deployed`: inputs ``lightness`` (L 0-100), ``hint_ab`` (ab at the
hints, 0 elsewhere) and ``hint_mask`` (1 at the hints), N x {1, 2, 1} x H x W with H, W multiples of 8;
output ``probabilities`` N x Q x H/4 x W/4 (softmax over the ab bins), checked against torch with ONNX
Runtime on several sizes, then stored with float16 weights (half the file; ``--fp32`` keeps float32) and
checked again. The entry's ``config`` carries the bin centres, the training prior and the proxy size the
plugin runs the network at; ``training`` the commands of the checkpoint and the data;
``metrics`` the Kodak24 table of :mod:`.evaluate` (the plugin as the app runs it).

    python -m photoai_plugins.colorize.export --checkpoint runs/colorize/best.pt
    python -m photoai_plugins.colorize.export --checkpoint CKPT --out-dir /tmp/models --no-eval
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from photoai.runtime import onnx_export

from .. import _training as training
from .net import OUT_STRIDE, SIZE_MULTIPLE, ColorNet, Deployed
from .plugin import DEFAULT_T, MODEL_ID, PROXY_SIDE

__all__ = ["MODEL_FILE", "export_model", "entry", "main"]

MODEL_FILE = "colorize_net.onnx"
MODELS_DIR = Path(__file__).resolve().parent / "models"
INPUTS = ("lightness", "hint_ab", "hint_mask")
FP16_TOLERANCE = 1e-3  # max |probability difference| of the float16 file (measured: 6e-5 on a 384x256 proxy)


def example_inputs(h: int = 64, w: int = 96, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Lightness 0-100 and a few random hints: what the check runs torch and ONNX Runtime on."""
    gen = torch.Generator().manual_seed(seed)
    lightness = 100.0 * torch.rand(1, 1, h, w, generator=gen)
    mask = (torch.rand(1, 1, h, w, generator=gen) < 0.02).float()
    hint_ab = (torch.rand(1, 2, h, w, generator=gen) * 160.0 - 80.0) * mask
    return lightness, hint_ab, mask


def export_model(net: ColorNet, path: Path, float16: bool = True) -> float:
    """``Deployed(net)`` to ``path``, checked on two sizes; with ``float16`` the weights are then stored in
    float16 (inputs, output and arithmetic between them stay float32 where ONNX Runtime's CPU kernels need it)
    and checked again with :data:`FP16_TOLERANCE`. Returns max |ORT - torch| of the probabilities."""
    example = example_inputs()
    cases = onnx_export.grown_inputs(example, SIZE_MULTIPLE)
    module = Deployed(net).eval()
    diff = onnx_export.export_checked(module, example, path, cases=cases, input_names=list(INPUTS),
                                      output_names=["probabilities"], size_multiple=SIZE_MULTIPLE,
                                      min_size=SIZE_MULTIPLE)
    if not float16:
        return diff
    return onnx_export.float16_weights(module, path, cases, FP16_TOLERANCE)


def training_entry(ckpt: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's ``training``: commands and iterations (checkpoint), script, data, validation."""
    args = ckpt.get("args", {})
    return {**training.training_record(ckpt), "script": "plugins/colorize/train.py",
            "data": training.data_record(args.get("folders", list(training.TRAIN_FOLDERS))),
            "crops": f"{args.get('size', '?')} px crops of the photos reduced to a short side of "
                     f"{args.get('short_side', '?')}, rescaled by {args.get('min_scale', '?')}-1, flipped; simulated "
                     "hints (none for 40 %, geometric count p=1/8, 10 % with 20-120)",
            "validation": f"the last {args.get('val', '?')} colour photos of the list held out (centre crops; "
                          "the class-rebalanced AuC picks best.pt)"}


def entry(net: ColorNet, ckpt: Mapping[str, Any], metrics: Mapping[str, Any], proxy_side: int = PROXY_SIDE,
          float16: bool = True) -> dict[str, Any]:
    """The manifest entry (``ModelSpec`` keys; sha256 is filled in on writing)."""
    bins = [[round(float(a), 4), round(float(b), 4)] for a, b in net.get_buffer("bins").tolist()]
    prior = [float(f"{p:.6g}") for p in net.get_buffer("prior").tolist()]
    return {"id": MODEL_ID, "file": MODEL_FILE, "task": "colorize", "format": "onnx", "arch": "colorize-colornet",
            "title": "PhotoAI colorization", "in_channels": 1, "out_channels": len(bins), "color": "any",
            "inputs": list(INPUTS), "min_size": SIZE_MULTIPLE, "size_multiple": SIZE_MULTIPLE,
            "receptive_field": proxy_side, "tiling": "discouraged", "input_range": [0.0, 100.0],
            "output_range": [0.0, 1.0], "precision": "float16" if float16 else "float32",
            "config": {**net.config(), "bins": bins, "prior": prior, "proxy_side": proxy_side,
                       "size_multiple": SIZE_MULTIPLE, "out_stride": OUT_STRIDE, "default_temperature": DEFAULT_T},
            "params": sum(p.numel() for p in net.parameters()),
            "training": training_entry(ckpt), "metrics": dict(metrics),
            "description": "ColorNet (plugins/colorize/net.py): CIELAB L of a proxy of the photo (long side "
                           "proxy_side) and the user's colour hints (ab at the hint pixels + a mask) -> a "
                           "distribution over the Q ab bins of config.bins for every pixel of a grid at 1/4 of "
                           "the input (out_stride). Encoder to 1/8 with dilated residual blocks and a global-context "
                           "branch: run it on the whole proxy. The plugin takes the annealed mean (temperature T) "
                           "and adds the ab to the photo's own full-resolution L."}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """CLI entry; returns the manifest entry written."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, default=Path("runs/colorize/best.pt"))
    ap.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    ap.add_argument("--proxy-side", type=int, default=PROXY_SIDE, help="long side of the proxy the plugin runs "
                    f"the network at (default {PROXY_SIDE}, chosen by the held-out AuC; see the README)")
    ap.add_argument("--fp32", action="store_true", help="keep the weights in float32 (default: float16 weights, "
                    "half the file, the same probabilities within 1e-3)")
    ap.add_argument("--data", type=Path, default=training.default_data_dir() / "photos" / "kodak24",
                    help="evaluation photos for the metrics (default: Kodak24 in the shared data folder)")
    ap.add_argument("--metrics", type=Path, default=None, help="take the metrics from this evaluate --json file")
    ap.add_argument("--no-eval", action="store_true", help="record no metrics (tests, quick checks)")
    ap.add_argument("--metrics-only", action="store_true", help="with --metrics: record them on the shipped entry "
                    "without exporting again (the ONNX file, and its sha256, stay as they are)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    if args.metrics_only:
        if args.metrics is None:
            ap.error("--metrics-only needs --metrics")
        spec = training.record_metrics(args.out_dir, MODEL_ID, json.loads(args.metrics.read_text(encoding="utf-8")))
        print(f"recorded the metrics of {args.metrics} on {spec.id}")
        return spec.to_dict()
    torch.set_num_threads(args.threads)
    net, ckpt = training.load_net(args.checkpoint, ColorNet)
    diff = export_model(net, args.out_dir / MODEL_FILE, not args.fp32)
    print(f"{args.out_dir / MODEL_FILE}: max |ORT - torch| {diff:.2e}")
    training.upsert_manifest(args.out_dir, [entry(net, ckpt, {}, args.proxy_side, not args.fp32)])
    metrics: dict[str, Any] = {}
    if args.metrics is not None:
        metrics = json.loads(args.metrics.read_text(encoding="utf-8"))
    elif not args.no_eval:
        from .evaluate import main as evaluate

        metrics = evaluate(["--data", str(args.data), "--models", str(args.out_dir), "--threads", str(args.threads)])
    written = entry(net, ckpt, metrics, args.proxy_side, not args.fp32)
    if metrics:
        training.upsert_manifest(args.out_dir, [written])
    print(f"updated {args.out_dir / 'manifest.json'}")
    return written


if __name__ == "__main__":
    main()
