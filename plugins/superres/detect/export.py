"""Export the aliasing detector to ONNX (``models/superres_aliasing_detector.onnx``, checked against torch)
and record it in the super-resolution manifest, with the share of the held-out images it calls aliased
for every LR variant and scale, measured on the ONNX file as the plugin runs it.

    python -m photoai_plugins.superres.detect.export --checkpoint runs/alias_detector/last.pt
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from photoai.runtime import onnx_export

from ... import _training as training
from ..train import split_sources
from . import DETECTOR_ID, MAX_WINDOWS, THRESHOLD, WINDOW, model_logits
from .net import AliasNet
from .train import held_out_rates, parse_args

__all__ = ["export", "entry", "main"]

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
FILE = DETECTOR_ID.replace("-", "_") + ".onnx"
MULTIPLE = 4


def export(net: AliasNet, path: Path) -> float:
    """The ONNX graph (dynamic H and W, multiples of 4), checked against torch; returns the max difference."""
    import torch

    gen = torch.Generator().manual_seed(0)
    example = (torch.rand(1, 1, 64, 96, generator=gen),)
    cases = [(torch.rand(1, 1, h, w, generator=gen).numpy(),) for h, w in ((64, 96), (36, 20), (128, 128))]
    return onnx_export.export_checked(net.eval(), example, path, cases=cases, input_names=["y_lr"],
                                      output_names=["aliasing_logits"], size_multiple=MULTIPLE, min_size=MULTIPLE)


def entry(net: AliasNet, ckpt: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    """The manifest entry (``ModelSpec`` keys; sha256 is filled in on writing)."""
    return {"id": DETECTOR_ID, "file": FILE, "task": "superres", "format": "onnx", "arch": "aliasnet",
            "title": "PhotoAI aliasing detector", "in_channels": 1, "out_channels": 1, "color": "y-bt601",
            "min_size": MULTIPLE, "size_multiple": MULTIPLE, "receptive_field": 15, "tiling": "discouraged",
            "output_range": None, "config": {**net.config(), "window": WINDOW, "max_windows": MAX_WINDOWS,
                                            "threshold": THRESHOLD},
            "params": sum(p.numel() for p in net.parameters()),
            "description": "AliasNet (plugins/superres/detect/net.py): low-resolution Y (BT.601, [0, 1]) -> a logit "
                           "per 4x4 block that the image was shrunk without a prefilter; the super-resolution plugin "
                           "averages it over up to 3x3 windows of 128 px and routes an aliased photo to the "
                           "aliased-input network.",
            "training": {**training.training_record(ckpt), "script": "plugins/superres/detect/train.py"},
            "metrics": metrics}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """CLI entry; returns the manifest entry written."""
    from photoai.runtime import Runtime

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, default=Path("runs/alias_detector/last.pt"))
    ap.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    ap.add_argument("--no-eval", action="store_true", help="record no metrics (tests)")
    args = ap.parse_args(argv)
    net, ckpt = training.load_net(args.checkpoint, AliasNet)
    diff = export(net, args.out_dir / FILE)
    print(f"{args.out_dir / FILE}: max |ORT - torch| {diff:.2e}")
    training.upsert_manifest(args.out_dir, [entry(net, ckpt, {})])
    if args.no_eval:
        return entry(net, ckpt, {})
    model = Runtime([args.out_dir], "cpu", user_models=False).load(DETECTOR_ID)
    trained = ckpt["args"]
    held = split_sources(parse_args(["--holdout", str(trained["holdout"]), "--sources", *trained["sources"]]))[1]
    rates = held_out_rates(model_logits(model), held)
    metrics = {"held_out_percent_called_aliased": rates, "images": len(held),
               "protocol": "the last --holdout images of every training source; each LR variant made as "
                           "superres.evaluate --variants does; called aliased when the mean logit over the "
                           "plugin's windows is above the threshold",
               "command": training.command_line("superres.detect.export", argv)}
    written = entry(net, ckpt, metrics)
    training.upsert_manifest(args.out_dir, [written])
    print(" ".join(f"{k} {v:g}" for k, v in rates.items()))
    return written


if __name__ == "__main__":
    main()
