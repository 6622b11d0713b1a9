"""Export a raw-denoiser checkpoint to ``models/rawdark.onnx`` and record it in ``models/manifest.json``.

The ONNX graph (inputs ``raw`` 1 x 4 x h x w and ``levels`` 1 x 2 x h x w, output ``clean``; the convention is in
:mod:`.net`) is checked against torch with ONNX Runtime on several sizes. The manifest entry carries the
commands that trained the weights (from the checkpoint), the data, the measured receptive field and the
metrics: the checkpoint's validation (held-out training photos at x50-x300, PSNR in raw space and after the
simple render, with the noisy input and the Gaussian-blur baseline), with ``--measure`` the per-ratio table
of :mod:`.measures` on the whole held-out photos, and with ``--metrics`` a JSON file of the plugin's
evaluation.

    python -m photoai_plugins.rawdark.export --checkpoint runs/rawdark/best.pt --measure
    python -m photoai_plugins.rawdark.export --checkpoint CKPT --out-dir /tmp/models
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
from .._training import macs_per_output_pixel
from .net import RawDenoiser

__all__ = ["MODEL_ID", "MODEL_FILE", "export_model", "receptive_field", "entry", "main"]

MODEL_ID, MODEL_FILE = "rawdark", "rawdark.onnx"
MODELS_DIR = Path(__file__).resolve().parent / "models"
DEGRADATION = ("Brooks et al. 2019 unprocessing of each crop (plugins/rawdark/unprocess.py: inverse smoothstep, "
               "x^2.2, random convex combination of 4 XYZ->camera matrices, inverted WB/brightness gains with "
               "highlight protection, random 2x2 Bayer pattern), then a short exposure (plugins/rawdark/noise.py): "
               "/ ratio (x50-x300, 20 % x1-x50), shot/read noise with the paper's log-linear model, 12/14-bit "
               "quantization above a black level, x ratio; loss L1 after a simple render (WB, CCM, gamma 1/2.2)")


def _example(h: int = 40, w: int = 56) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    levels = torch.tensor([0.05, 0.002]).view(1, 2, 1, 1).expand(1, 2, h, w).clone()
    return torch.rand(1, 4, h, w, generator=gen), levels


def export_model(net: RawDenoiser, path: Path) -> float:
    """``net`` to ``path``, checked; returns max |ORT - torch|."""
    example = _example()
    return onnx_export.export_checked(net, example, path, cases=onnx_export.grown_inputs(example, net.size_multiple),
                                      input_names=["raw", "levels"], output_names=["clean"],
                                      size_multiple=net.size_multiple, min_size=net.size_multiple)


def receptive_field(config: Mapping[str, Any], side: int = 128) -> int:
    """Packed pixels across that one output pixel depends on, measured: the extent of the input gradient of
    the centre output of a network of this ``config`` with random weights (all of them non-zero)."""
    torch.manual_seed(0)
    net = RawDenoiser(**config)
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.1)
    raw = torch.rand(1, 4, side, side, requires_grad=True)
    net(raw, torch.tensor([[0.05, 0.002]]))[0, :, side // 2, side // 2].sum().backward()
    assert raw.grad is not None
    rows = torch.nonzero(raw.grad.abs().sum(dim=(0, 1, 3)))
    return int(rows.max() - rows.min() + 1)


def training_entry(ckpt: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's ``training``: commands and iterations (checkpoint), script, data and degradation."""
    args = ckpt.get("args", {})
    data = training.data_record(args.get("folders", list(training.SOURCES)))
    return {**training.training_record(ckpt), "script": "plugins/rawdark/train.py", "data": data,
            "degradation": DEGRADATION,
            "validation": f"the last {args.get('val')} photos of the list held out (fixed-seed pairs, ratios "
                          "x50-x300, pick best.pt by PSNR after the simple render)"}


def validation_metrics(ckpt: Mapping[str, Any]) -> dict[str, Any]:
    """The checkpoint's best validation record (by rendered PSNR), if any."""
    records = [h for h in ckpt.get("history", []) if "psnr_render_net" in h]
    if not records:
        return {}
    best = max(records, key=lambda h: h["psnr_render_net"])
    return {"validation": {"data": "held-out training photos, 128 px centre crops, ratios x50-x300", **best}}


def entry(net: RawDenoiser, ckpt: Mapping[str, Any], metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest entry (``ModelSpec`` keys; sha256 is filled in on writing)."""
    return {"id": MODEL_ID, "file": MODEL_FILE, "task": "rawdark", "format": "onnx", "arch": "rawdark-unet",
            "title": "PhotoAI see-in-the-dark: raw denoiser", "in_channels": 4, "out_channels": 4, "color": "any",
            "inputs": ["raw", "levels"], "min_size": net.size_multiple, "size_multiple": net.size_multiple,
            "receptive_field": receptive_field(net.config()), "tiling": "supported",
            "input_range": [-1.0, 4.0], "output_range": [0.0, 1.0], "config": net.config(),
            "params": sum(p.numel() for p in net.parameters()),
            "macs_per_output_pixel": macs_per_output_pixel(net, _example(64, 64)),
            "description": "RawDenoiser (plugins/rawdark/net.py): U-Net on the packed (R, G1, G2, B) planes of "
                           "a Bayer mosaic, black-subtracted, normalized by white - black and multiplied by the "
                           "amplification ratio ('raw'), with the noise levels (shot, read) of that signal "
                           "('levels', 1 x 2 x h x w, normally constant: variance = shot * x + read; the plugin "
                           "estimates them with noise.estimate_levels); outputs the denoised planes in the same "
                           "units, clipped to [0, 1] (unpack, render with LibRaw). Sizes and receptive field in "
                           "packed pixels.",
            "training": training_entry(ckpt), "metrics": {**validation_metrics(ckpt), **metrics}}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """CLI entry; returns the manifest entry written."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, default=Path("runs/rawdark/best.pt"))
    ap.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    ap.add_argument("--metrics", type=Path, default=None, help="add the metrics of this JSON file (the plugin's "
                                                               "evaluation) to the entry")
    ap.add_argument("--measure", action="store_true", help="measure the network on the run's held-out photos at "
                                                            "x50-x300 (measures.py; needs the training data)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    net, ckpt = training.load_net(args.checkpoint, RawDenoiser)
    diff = export_model(net, args.out_dir / MODEL_FILE)
    print(f"{args.out_dir / MODEL_FILE}: max |ORT - torch| {diff:.2e}")
    metrics: dict[str, Any] = {}
    if args.measure:
        from .measures import main as measure

        metrics["held_out"] = measure(["--checkpoint", str(args.checkpoint), "--threads", str(args.threads)])
    if args.metrics is not None:
        metrics["evaluation"] = json.loads(args.metrics.read_text(encoding="utf-8"))
    written = entry(net, ckpt, metrics)
    training.upsert_manifest(args.out_dir, [written])
    print(f"updated {args.out_dir / 'manifest.json'}")
    return written


if __name__ == "__main__":
    main()
