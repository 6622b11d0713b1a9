"""Train the low-light networks (illumination + denoiser) on synthetic underexposure (CPU, resumable).

Each iteration darkens a batch of well-exposed crops with a freshly drawn inverse camera pipeline
(:mod:`.degrade`) and fits DeepUPE's losses (:mod:`.losses`). The last ``--val`` photos of the list
are held out: PSNR of the output on fixed-seed pairs of them is logged and picks ``best.pt``.

    python -m photoai_plugins.lowlight.train --iters 20000 --out runs/lowlight

``--resume`` continues from ``OUT/last.pt`` (see ``plugins/_training.py``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from .._training import Run, add_run_args, cosine_lr, seeded, set_lr, training_photos
from . import losses
from .data import TRAIN_FOLDERS, load_photos, sample_batch
from .degrade import make_pair
from .net import LowLightNet

__all__ = ["main", "parse_args", "validation_pairs"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_args(ap, out="runs/lowlight", iters=20000, lr=5e-4, lr_min=1e-5)
    ap.add_argument("--folders", nargs="+", default=list(TRAIN_FOLDERS), help="photo folders under --data")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=192, help="crop side (the illumination net's proxy)")
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--denoise-width", type=int, default=32)
    ap.add_argument("--denoise-blocks", type=int, default=3)
    ap.add_argument("--bright-fraction", type=float, default=0.1, help="share of crops left (nearly) as bright")
    ap.add_argument("--min-exposure", type=float, default=1 / 25,
                    help="darkest synthetic exposure (linear light x this; validation keeps 1/25)")
    ap.add_argument("--val", type=int, default=48, help="photos held out for validation")
    args = ap.parse_args(argv)
    if args.smoke:
        args.width, args.denoise_width, args.denoise_blocks, args.batch, args.size = 8, 8, 1, 2, 32
        args.eval_every = max(args.iters, 1)
    return args


def validation_pairs(photos: list[np.ndarray], size: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    """Centre crops of the held-out photos, each darkened with its own fixed seed (no bright ones)."""
    dark, target = [], []
    for i, rgb in enumerate(photos):
        h, w = rgb.shape[:2]
        y, x = (h - size) // 2, (w - size) // 2
        clean = rgb[y:y + size, x:x + size].astype(np.float32) / 255.0
        target.append(clean)
        dark.append(make_pair(clean, seed + i, bright_fraction=0.0)[0])
    return np.stack(dark).transpose(0, 3, 1, 2).copy(), np.stack(target).transpose(0, 3, 1, 2).copy()


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    mse = ((a - b) ** 2).mean(dim=(1, 2, 3)).clamp_min(1e-10)
    return float((10 * torch.log10(1.0 / mse)).mean())


def main(argv: Sequence[str] | None = None) -> Path:
    """Train; returns the path of the final checkpoint."""
    args = parse_args(argv)
    rng = seeded(args)
    net = LowLightNet(args.width, args.denoise_width, args.denoise_blocks)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    run = Run("lowlight", args, argv, net, opt, rng, args.ckpt_minutes)
    run.begin(args.resume)
    log = run.log
    train, held = training_photos(args, lambda paths: load_photos(paths, args.size), 2 * args.val + 4)
    val_dark, val_target = (torch.from_numpy(a) for a in validation_pairs(held, args.size))
    log(f"model {net.config()}: {sum(p.numel() for p in net.parameters())} params; "
        f"{len(train)} training photos, {len(held)} held out")

    def evaluate() -> None:
        net.eval()
        with torch.inference_mode():
            _, bright, out = net(val_dark)
        net.train()
        metrics = {"val_psnr": round(psnr(out, val_target), 3), "val_psnr_bright": round(psnr(bright, val_target), 3),
                   "val_psnr_input": round(psnr(val_dark, val_target), 3)}
        best = run.best("val_psnr")
        run.record(metrics)
        if best is None or metrics["val_psnr"] > best:
            run.save_weights("best.pt")
        log(f"eval iter {run.iteration}: " + "  ".join(f"{k} {v:.2f}" for k, v in metrics.items()))

    net.train()
    for it in range(run.iteration, args.iters):
        dark_np, target_np = sample_batch(train, args.batch, args.size, rng, args.bright_fraction, args.min_exposure)
        dark, target = torch.from_numpy(dark_np), torch.from_numpy(target_np)
        set_lr(opt, cosine_lr(it, args.iters, args.lr, args.lr_min))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            s, bright, out = net(dark)
        loss, terms = losses.total(s.float(), dark, bright.float(), out.float(), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run.end_iteration({"loss": loss.item(), **terms}, evaluate)
    return run.finish(evaluate)


if __name__ == "__main__":
    main()
