"""Export a training checkpoint to ONNX, verify it with onnxruntime and merge its manifest entry.

    python -m plugins.inpaint.export --checkpoint runs/inpaint/best.pt \
        [--onnx resources/models/inpaint_pconv.onnx] [--metrics kodak_metrics.json]

The ONNX graph takes ``image`` Nx3xHxW float32 in [0, 1] and ``mask`` Nx1xHxW (1 = hole) with
dynamic N, H, W (H, W multiples of ``size_multiple``) and returns the clamped composite ``output``.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .net import InpaintExportWrapper, PConvUNet, count_params

MODEL_ID = "inpaint-pconv"
ONNX_NAME = "inpaint_pconv.onnx"
OPSET = 17
TOLERANCE = 1e-4
WORKING_SIZE = 1024  # the plugin's default working size (plugin.py)

# Terms of every folder the real run may use (from /work/shared/data/SOURCES.md).
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
    """Net in eval mode plus the raw checkpoint dict (``last.pt`` or ``best.pt``)."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    net = PConvUNet(**state["config"])
    net.load_state_dict(state["model"])
    return net.eval(), state


def export_onnx(net: PConvUNet, path: str | Path, sample_hw: tuple[int, int] | None = None) -> Path:
    """Write the ONNX graph (opset 17, dynamic batch/height/width)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = sample_hw or (2 * net.size_multiple, 3 * net.size_multiple)
    image = torch.rand(1, 3, h, w)
    mask = (torch.rand(1, 1, h, w) > 0.7).float()
    axes = {0: "batch", 2: "height", 3: "width"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(InpaintExportWrapper(net).eval(), (image, mask), str(path),
                          input_names=["image", "mask"], output_names=["output"], opset_version=OPSET,
                          dynamic_axes={"image": axes, "mask": axes, "output": axes}, dynamo=False)
    return path


def verify_onnx(net: PConvUNet, path: str | Path, sizes: Sequence[tuple[int, int]] | None = None,
                seed: int = 0) -> float:
    """Max |ORT - torch| over random images/masks at several sizes; raises if above 1e-4."""
    import onnxruntime as ort

    from .masks import mask_for_ratio_bucket

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    wrapper = InpaintExportWrapper(net).eval()
    m = net.size_multiple
    sizes = sizes or [(m, m), (2 * m, 3 * m), (512, 768)]
    rng = np.random.default_rng(seed)
    worst = 0.0
    for h, w in sizes:
        image = rng.random((1, 3, h, w), dtype=np.float32)
        hole = mask_for_ratio_bucket(rng, h, w, 0.1, 0.4)[None, None].astype(np.float32)
        with torch.no_grad():
            ref = wrapper(torch.from_numpy(image), torch.from_numpy(hole)).numpy()
        got = session.run(None, {"image": image, "mask": hole})[0]
        worst = max(worst, float(np.abs(got - ref).max()))
    if worst > TOLERANCE:
        raise RuntimeError(f"ONNX Runtime differs from torch by {worst:.2e} > {TOLERANCE:g}")
    return worst


def data_entries(folders: Sequence[str]) -> list[str]:
    return [DATA_TERMS.get(Path(f).name, f"{f}: terms unknown, check SOURCES.md") for f in folders]


def manifest_entry(net: PConvUNet, onnx_path: Path, state: dict[str, Any],
                   metrics: dict[str, Any] | None) -> dict[str, Any]:
    from photoai.runtime.manifest import sha256_of

    args = state.get("args") or {}
    commands = state.get("commands", [])
    final = [c for c in commands if "run" not in c]  # this run; the others trained its warm-start weights
    return {
        "id": MODEL_ID, "file": onnx_path.name, "sha256": sha256_of(onnx_path),
        "format": "onnx", "arch": "pconv-unet", "config": net.config(), "in_channels": 3, "out_channels": 3,
        "size_multiple": net.size_multiple, "tiling": "internal", "fp16": False,
        "working_size": WORKING_SIZE,
        "input_range": [0, 1],
        "inputs": {"image": "Nx3xHxW float32 [0,1]", "mask": "Nx1xHxW float32, 1 = hole to fill"},
        "output": "Nx3xHxW clamped composite (network output in the hole, input elsewhere)",
        "params": count_params(net),
        "training": {
            "command": final[0]["command"] if final else "",
            "resumed_with": [c["command"] for c in final[1:]],
            "warm_started_from": [c for c in commands if "run" in c],
            "data": data_entries(args.get("data", [])),
            "iterations": int(state.get("iteration", 0)),
            "script": "plugins/inpaint/train.py",
            "crop": int(args.get("size", 128)),
            "notes": "fully convolutional: trained on square crops of training.crop px; runs at any H, W that are "
                     "multiples of size_multiple (evaluated on whole 768x512 Kodak images); "
                     "research-use-only training data",
        },
        "metrics": metrics or {},
    }


def merge_manifest(models_dir: Path, entry: dict[str, Any]) -> Path:
    """Replace (or append) the entry with the same id; keep every other model as it is."""
    path = models_dir / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"models": []}
    models = [m for m in data.get("models", []) if m.get("id") != entry["id"]]
    data["models"] = models + [entry]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default="runs/inpaint/best.pt")
    p.add_argument("--onnx", default=None, help=f"default: resources/models/{ONNX_NAME}")
    p.add_argument("--metrics", default=None, help="JSON file written by evaluate.py --json")
    p.add_argument("--no-manifest", action="store_true")
    args = p.parse_args(argv)
    net, state = load_net(args.checkpoint)
    if "args" not in state:  # best.pt has no args; take them from last.pt beside it
        last = Path(args.checkpoint).with_name("last.pt")
        if last.exists():
            full = torch.load(last, map_location="cpu", weights_only=True)
            state = {**state, "args": full["args"], "commands": full.get("commands", state.get("commands", []))}
    onnx_path = export_onnx(net, args.onnx or default_onnx_path())
    diff = verify_onnx(net, onnx_path)
    print(f"exported {onnx_path} ({count_params(net)} params); max |ORT - torch| = {diff:.2e}")
    metrics = json.loads(Path(args.metrics).read_text()) if args.metrics else None
    entry = manifest_entry(net, onnx_path, state, metrics)
    if not args.no_manifest:
        print(f"manifest entry merged into {merge_manifest(onnx_path.parent, entry)}")
    return entry


if __name__ == "__main__":
    main()
