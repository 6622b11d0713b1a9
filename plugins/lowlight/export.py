"""Export a low-light checkpoint to the plugin's two ONNX models and record them in ``models/manifest.json``.

``lowlight_illum.onnx`` (``IllumNet``: proxy photo -> illumination S, H and W multiples of 16, run on
the whole proxy) and ``lowlight_denoise.onnx`` (``DenoiseNet``: brightened photo + gain 1/S -> clean
photo, H and W even, tiled), each checked against torch with ONNX Runtime on several sizes. The
manifest entries carry the commands that trained the weights (from the checkpoint), the data and the
metrics of :mod:`.evaluate` on Kodak24 (the plugin with both models, as the app runs it).

    python -m photoai_plugins.lowlight.export --checkpoint runs/lowlight/best.pt
    python -m photoai_plugins.lowlight.export --checkpoint CKPT --out-dir /tmp/models --no-eval
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
from .net import S_MIN, DenoiseNet, IllumNet, LowLightNet
from .plugin import DENOISE_ID, ILLUM_ID, PROXY_SIDE

__all__ = ["export_illum", "export_denoise", "denoise_receptive_field", "macs_per_output_pixel", "entries", "main"]

ILLUM_FILE, DENOISE_FILE = "lowlight_illum.onnx", "lowlight_denoise.onnx"
MODELS_DIR = Path(__file__).resolve().parent / "models"
DEGRADATION = ("synthetic underexposure of each crop (plugins/lowlight/degrade.py): sRGB -> linear (gamma 2.0-2.4), "
               "exposure x 1/25-1/2.5 (10 % of crops x 0.75-1), colour cast, Poisson-Gaussian noise growing with the "
               "implied ISO, tone curve, 8-bit, JPEG 55-95 (60 %)")


def denoise_receptive_field(blocks: int) -> int:
    """Pixels across that one output pixel of ``DenoiseNet`` sees: 2 + 2 * blocks 3x3 convolutions at half
    resolution (pixel-unshuffled), i.e. a radius of 2 * (2 + 2 * blocks) + 1 full-resolution pixels."""
    return 2 * (2 * (2 + 2 * blocks) + 1) + 1


def _cases(inputs: tuple[torch.Tensor, ...], multiple: int) -> list[tuple[Any, ...]]:
    return onnx_export.grown_inputs(inputs, multiple)


def export_illum(net: IllumNet, path: Path) -> float:
    """``net`` to ``path`` (input ``image``, output ``illumination``), checked; returns max |ORT - torch|."""
    example = (torch.rand(1, 3, 64, 96, generator=torch.Generator().manual_seed(0)),)
    return onnx_export.export_checked(net, example, path, cases=_cases(example, net.size_multiple),
                                      input_names=["image"], output_names=["illumination"],
                                      size_multiple=net.size_multiple, min_size=net.size_multiple)


def export_denoise(net: DenoiseNet, path: Path) -> float:
    """``net`` to ``path`` (inputs ``image``, ``gain``; output ``output``), checked; returns max |ORT - torch|."""
    gen = torch.Generator().manual_seed(0)
    example = (torch.rand(1, 3, 40, 56, generator=gen), 1.0 + 20.0 * torch.rand(1, 3, 40, 56, generator=gen))
    return onnx_export.export_checked(net, example, path, cases=_cases(example, net.size_multiple),
                                      input_names=["image", "gain"], output_names=["output"],
                                      size_multiple=net.size_multiple, min_size=net.size_multiple)


def training_entry(ckpt: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest's ``training``: commands and iterations (checkpoint), script, data and degradation."""
    data = training.data_record(ckpt.get("args", {}).get("folders", list(training.SOURCES)))
    held_out = ckpt.get("args", {}).get("val")
    return {**training.training_record(ckpt), "script": "plugins/lowlight/train.py", "data": data,
            "degradation": DEGRADATION,
            "validation": f"the last {held_out} photos of the list held out (fixed-seed pairs pick best.pt)"}


def entries(net: LowLightNet, ckpt: Mapping[str, Any], metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The two manifest entries (``ModelSpec`` keys; sha256 is filled in on writing)."""
    illum, denoise = net.illum, net.denoise
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    proxy = torch.rand(1, 3, 64, 96)
    common = {"task": "lowlight", "format": "onnx", "in_channels": 3, "out_channels": 3, "color": "rgb",
              "training": training_entry(ckpt), "metrics": dict(metrics)}
    return [
        {"id": ILLUM_ID, "file": ILLUM_FILE, "arch": "lowlight-illumnet", "title": "PhotoAI low-light: illumination",
         **common, "inputs": ["image"], "min_size": illum.size_multiple, "size_multiple": illum.size_multiple,
         "receptive_field": PROXY_SIDE, "tiling": "discouraged", "output_range": [S_MIN, 1.0],
         "config": {**illum.config(), "s_min": S_MIN, "proxy_side": PROXY_SIDE}, "params": count(illum),
         "macs_per_output_pixel": macs_per_output_pixel(illum, (proxy,)),
         "description": "IllumNet (plugins/lowlight/net.py): the illumination S (per channel, in [s_min, 1]) of a "
                        "proxy of the photo (long side <= proxy_side); encoder to 1/16 with a global branch, S "
                        "predicted at 1/4 and upsampled with a fast guided filter on the proxy's luminance. The "
                        "global branch sees the whole proxy: run it untiled. The plugin upsamples S to full "
                        "resolution the same way and outputs I / S."},
        {"id": DENOISE_ID, "file": DENOISE_FILE, "arch": "lowlight-denoisenet", "title": "PhotoAI low-light: denoise",
         **common, "inputs": ["image", "gain"], "min_size": denoise.size_multiple,
         "size_multiple": denoise.size_multiple, "receptive_field": denoise_receptive_field(denoise.blocks),
         "tiling": "supported", "config": denoise.config(), "params": count(denoise),
         "macs_per_output_pixel": macs_per_output_pixel(denoise, (proxy, torch.ones_like(proxy))),
         "description": "DenoiseNet (plugins/lowlight/net.py): the brightened photo I / S and the gain 1 / S -> the "
                        "photo without the noise the division amplified (residual, at half resolution after "
                        "pixel-unshuffle)."},
    ]


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """CLI entry; returns the manifest entries written."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", type=Path, default=Path("runs/lowlight/best.pt"))
    ap.add_argument("--out-dir", type=Path, default=MODELS_DIR)
    ap.add_argument("--data", type=Path, default=training.default_data_dir() / "photos" / "kodak24",
                    help="evaluation photos for the metrics (default: Kodak24 in the shared data folder)")
    ap.add_argument("--metrics", type=Path, default=None, help="take the metrics from this evaluate --json file")
    ap.add_argument("--no-eval", action="store_true", help="record no metrics (tests, quick checks)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    net, ckpt = training.load_net(args.checkpoint, LowLightNet)
    diffs = {ILLUM_FILE: export_illum(net.illum, args.out_dir / ILLUM_FILE),
             DENOISE_FILE: export_denoise(net.denoise, args.out_dir / DENOISE_FILE)}
    for name, diff in diffs.items():
        print(f"{args.out_dir / name}: max |ORT - torch| {diff:.2e}")
    training.upsert_manifest(args.out_dir, entries(net, ckpt, {}))
    metrics: dict[str, Any] = {}
    if args.metrics is not None:
        metrics = json.loads(args.metrics.read_text(encoding="utf-8"))
    elif not args.no_eval:
        from .evaluate import main as evaluate

        metrics = evaluate(["--data", str(args.data), "--models", str(args.out_dir), "--no-imported",
                            "--threads", str(args.threads)])
    written = entries(net, ckpt, metrics)
    if metrics:
        training.upsert_manifest(args.out_dir, written)
    print(f"updated {args.out_dir / 'manifest.json'}")
    return written


if __name__ == "__main__":
    main()
