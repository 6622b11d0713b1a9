"""Export a training checkpoint to ONNX, verify it with onnxruntime and merge its manifest entry.

    python -m photoai_plugins.inpaint.export --checkpoint runs/inpaint/best.pt \
        [--onnx plugins/inpaint/models/inpaint_pconv.onnx] [--metrics kodak_metrics.json]

The ONNX graph takes ``image`` Nx3xHxW float32 in [0, 1] and ``mask`` Nx1xHxW (1 = hole) with
dynamic N, H, W (H, W multiples of ``size_multiple``) and returns the clamped composite ``output``.
The entry goes into ``manifest.json`` beside the ONNX file (default: this plugin's ``models/``).
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
from .archs import PConvUNetArch
from .masks import mask_for_ratio_bucket
from .net import PConvUNet, count_params

MODEL_ID = "inpaint-pconv"
ONNX_NAME = "inpaint_pconv.onnx"
WORKING_SIZE = 1024  # the plugin's default working size (plugin.py)
ARCH = PConvUNetArch()

# Terms of every folder the real run may use (from ../shared/data/SOURCES.md).
DATA_TERMS = {
    "imagenet_sample": "photos/train/imagenet_sample: ImageNet images (EliSchwartz/imagenet-sample-images), "
                       "ImageNet terms: non-commercial research/educational use only",
    "imagenet_imagen": "photos/train/imagenet_imagen: ImageNet DET images (ajschumacher/imagen), "
                       "ImageNet terms: research/educational use only",
    "dogs_vs_cats": "photos/train/dogs_vs_cats: Kaggle Dogs vs. Cats / Asirra (Petfinder) photos, "
                    "non-commercial research use only",
    "T91": "sr/T91: Yang et al. 2010 SR training set (tegg89/SRCNN-Tensorflow), no explicit licence: "
           "research/evaluation use only",
    "mcmaster18": "photos/mcmaster18: McMaster colour set (Zhang et al. 2011, cszn/FFDNet), no licence file: "
                  "research/evaluation use only",
    "zerodce_train_sice": "lowlight/zerodce_train_sice: Zero-DCE++ SICE crops, CC BY-NC 4.0: non-commercial only",
}


def default_onnx_path() -> Path:
    return Path(__file__).resolve().parent / "models" / ONNX_NAME


def load_net(checkpoint: str | Path) -> tuple[PConvUNet, dict[str, Any]]:
    """Net in eval mode plus the checkpoint (``last.pt`` or ``best.pt``)."""
    return training.load_net(checkpoint, PConvUNet)


def check_inputs(net: PConvUNet, sizes: Sequence[tuple[int, int]] | None = None,
                 seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random images with evaluation-like holes at several sizes (default: up to 512x768)."""
    m = net.size_multiple
    rng = np.random.default_rng(seed)
    return [(rng.random((1, 3, h, w), dtype=np.float32),
             mask_for_ratio_bucket(rng, h, w, 0.1, 0.4)[None, None].astype(np.float32))
            for h, w in sizes or [(m, m), (2 * m, 3 * m), (512, 768)]]


def export_onnx(net: PConvUNet, path: str | Path, sizes: Sequence[tuple[int, int]] | None = None) -> float:
    """Write the ONNX graph (opset 17, dynamic batch/height/width; the TorchScript exporter), checked
    against torch at ``sizes`` (see :func:`check_inputs`); returns the largest difference."""
    config = net.config()
    return onnx_export.export_checked(ARCH.deploy(net, config), ARCH.example_inputs(config), Path(path),
                                      cases=check_inputs(net, sizes), input_names=["image", "mask"],
                                      size_multiple=net.size_multiple, dynamic_batch=True, dynamo=False)


def data_entries(folders: Sequence[str]) -> list[str]:
    return [DATA_TERMS.get(Path(f).name, f"{f}: terms unknown, check SOURCES.md") for f in folders]


def manifest_entry(net: PConvUNet, file: str, state: Mapping[str, Any],
                   metrics: Mapping[str, Any] | None) -> dict[str, Any]:
    """Manifest entry (``ModelSpec`` keys, sha256 filled in on writing) for the exported net."""
    facts = ARCH.facts(net.config())
    args = state.get("args") or {}
    return {
        "id": MODEL_ID, "file": file, "task": ARCH.task, "format": "onnx", "arch": ARCH.name,
        "title": "PhotoAI partial-convolution U-Net", **facts,
        "config": {**facts["config"], "working_size": WORKING_SIZE}, "input_range": [0, 1],
        "description": "Inputs: image Nx3xHxW float32 [0,1]; mask Nx1xHxW float32, 1 = hole to fill. Output: "
                       "Nx3xHxW clamped composite (network output in the hole, input elsewhere)",
        "training": {
            **training.training_record(state),
            "data": data_entries(args.get("data", [])),
            "script": "plugins/inpaint/train.py",
            "crop": int(args.get("size", 128)),
            "notes": "fully convolutional: trained on square crops of training.crop px; runs at any H, W that are "
                     "multiples of size_multiple (evaluated on whole 768x512 Kodak images); "
                     "research-use-only training data",
        },
        "metrics": dict(metrics or {}),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default="runs/inpaint/best.pt")
    p.add_argument("--onnx", default=None, help=f"default: plugins/inpaint/models/{ONNX_NAME}")
    p.add_argument("--metrics", default=None, help="JSON file written by evaluate.py --json")
    p.add_argument("--no-manifest", action="store_true")
    args = p.parse_args(argv)
    net, state = load_net(args.checkpoint)
    onnx_path = Path(args.onnx) if args.onnx else default_onnx_path()
    diff = export_onnx(net, onnx_path)
    print(f"exported {onnx_path} ({count_params(net)} params); max |ORT - torch| = {diff:.2e}")
    metrics = json.loads(Path(args.metrics).read_text()) if args.metrics else None
    entry = manifest_entry(net, onnx_path.name, state, metrics)
    if not args.no_manifest:
        training.upsert_manifest(onnx_path.parent, [entry])
        print(f"manifest entry merged into {onnx_path.parent / 'manifest.json'}")
    return entry


if __name__ == "__main__":
    main()
