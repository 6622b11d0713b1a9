"""Train the colorization network on the shared training photos (CPU, resumable).

Each iteration takes random crops of colour photos (random scale, flips), gives the network their
lightness plus simulated hints (none for 40 % of the crops, see :mod:`.hints`) and fits the
class-rebalanced cross-entropy over the 313 ab bins (:mod:`.losses`). Before the first iteration the
bin prior of the training photos is counted and smoothed (:mod:`.bins`); the checkpoint carries it and
the bin centres. The last ``--val`` photos are held out: the AuC of the ab error on their centre
crops (raw, rebalanced, and with 10 hints) is logged and picks ``best.pt``.

    python -m photoai_plugins.colorize.train --iters 12000 --out runs/colorize

``--resume`` continues from ``OUT/last.pt`` (see ``plugins/_training.py``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from .._training import TRAIN_FOLDERS, Run, add_run_args, cosine_lr, seeded, set_lr, training_photos
from . import bins as ab_bins
from . import hints as hint_sim
from .data import bin_counts, block_mean, lab_planes, load_photos, sample_batch
from .losses import rebalanced_ce
from .metrics import auc
from .net import ColorNet, encode_inputs
from .plugin import PAPER_T

__all__ = ["main", "parse_args"]

VAL_SIDE = 192


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_args(ap, out="runs/colorize", iters=12000, lr=1e-3, lr_min=1e-5)
    ap.add_argument("--folders", nargs="+", default=list(TRAIN_FOLDERS), help="photo folders under --data")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=160, help="crop side (multiple of 8)")
    ap.add_argument("--short-side", type=int, default=256, help="photos are first reduced to this short side")
    ap.add_argument("--min-scale", type=float, default=0.5, help="crops come from the photo rescaled by 0.5-1")
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--deep", type=int, default=128)
    ap.add_argument("--hint-radii", type=int, nargs="*", default=[2, 6, 16],
                    help="radii (output-grid pixels) of the hint branch's windows; none: no hint branch")
    ap.add_argument("--init", type=Path, help="start from these weights (a checkpoint without the hint branch "
                                              "may be given: the branch starts at zero)")
    ap.add_argument("--val", type=int, default=64, help="photos held out for validation")
    args = ap.parse_args(argv)
    if args.smoke:
        args.width, args.deep, args.batch, args.size, args.val = 8, 16, 2, 32, 2
        args.eval_every = max(args.iters, 1)
    return args


def validation_set(photos: Sequence[np.ndarray], seed: int = 1234) -> dict[str, np.ndarray]:
    """Centre crops (VAL_SIDE, or the largest multiple of 8 that fits) of the held-out photos: lightness,
    the true ab on the output grid and 10 fixed-seed hints each."""
    side = min(VAL_SIDE, *(min(p.shape[:2]) // 8 * 8 for p in photos))
    out: dict[str, list[np.ndarray]] = {"lightness": [], "ab": [], "hint_ab": [], "hint_mask": []}
    for i, rgb in enumerate(photos):
        h, w = rgb.shape[:2]
        lightness, ab = lab_planes(rgb[(h - side) // 2:(h - side) // 2 + side, (w - side) // 2:(w - side) // 2 + side])
        hint_ab, mask = hint_sim.simulate(ab, 10, np.random.default_rng(seed + i))
        out["lightness"].append(lightness[None])
        out["ab"].append(block_mean(ab).transpose(2, 0, 1))
        out["hint_ab"].append(hint_ab.transpose(2, 0, 1))
        out["hint_mask"].append(mask[None])
    return {k: np.ascontiguousarray(np.stack(v), np.float32) for k, v in out.items()}


def main(argv: Sequence[str] | None = None) -> Path:
    """Train; returns the path of the final checkpoint."""
    args = parse_args(argv)
    if args.size % 8:
        raise SystemExit(f"--size must be a multiple of 8, not {args.size}")
    rng = seeded(args)
    bins = ab_bins.load_bins(args.data)
    net = ColorNet(args.width, args.deep, bins=len(bins), hint_radii=tuple(args.hint_radii))
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    run = Run("colorize", args, argv, net, opt, rng, args.ckpt_minutes)
    run.begin(args.resume, str(args.init) if args.init else None, new_prefixes=("hint.",))
    log = run.log
    t0 = time.time()
    min_side = max(args.size, 128 if not args.smoke else args.size)
    train, held = training_photos(args, lambda paths: load_photos(paths, args.short_side, min_side=min_side),
                                  4 * args.val + 8)
    if run.iteration == 0 and not args.init:  # the prior is a fact of the training photos: counted once, carried
        prior = ab_bins.smoothed_prior(bin_counts(train, bins), bins)
        net.bins.copy_(torch.from_numpy(bins))
        net.prior.copy_(torch.from_numpy(prior.astype(np.float32)))
    prior = net.prior.numpy().astype(np.float64)
    weights_np = ab_bins.rebalance_weights(prior)
    bins_t, weights = net.bins.clone(), torch.from_numpy(weights_np)
    val = {k: torch.from_numpy(v) for k, v in validation_set(held).items()}
    val_nearest = ab_bins.nearest_bin(val["ab"].numpy().transpose(0, 2, 3, 1), bins)
    val_rebalance = ab_bins.inverse_prior(prior)[val_nearest]
    log(f"model {net.config()}: {sum(p.numel() for p in net.parameters())} params; {len(train)} training photos, "
        f"{len(held)} held out (gray or small photos left out; "
        f"loaded in {time.time() - t0:.0f} s); "
        f"prior entropy {ab_bins.entropy(prior):.2f} nats, weights {weights_np.min():.2f}-"
        f"{weights_np.max():.2f}")

    def evaluate() -> None:
        net.eval()
        with torch.inference_mode():
            zero = torch.zeros_like(val["hint_ab"]), torch.zeros_like(val["hint_mask"])
            auto = torch.softmax(net(encode_inputs(val["lightness"], *zero)), 1).permute(0, 2, 3, 1).numpy()
            hinted = torch.softmax(net(encode_inputs(val["lightness"], val["hint_ab"], val["hint_mask"])), 1)
        net.train()
        truth = val["ab"].numpy().transpose(0, 2, 3, 1)
        pred = ab_bins.annealed_mean(auto, bins, PAPER_T)
        pred10 = ab_bins.annealed_mean(hinted.permute(0, 2, 3, 1).numpy(), bins, PAPER_T)
        metrics = {"val_auc": round(auc(pred, truth), 2), "val_auc_rebal": round(auc(pred, truth, val_rebalance), 2),
                   "val_auc_gray_rebal": round(auc(np.zeros_like(truth), truth, val_rebalance), 2),
                   "val_auc_10hints": round(auc(pred10, truth), 2)}
        best = run.best("val_auc_rebal")
        run.record(metrics)
        if best is None or metrics["val_auc_rebal"] > best:
            run.save_weights("best.pt")
        log(f"eval iter {run.iteration}: " + "  ".join(f"{k} {v:.2f}" for k, v in metrics.items()))

    net.train()
    for it in range(run.iteration, args.iters):
        b = {k: torch.from_numpy(v) for k, v in sample_batch(train, args.batch, args.size, rng, args.min_scale).items()}
        set_lr(opt, cosine_lr(it, args.iters, args.lr, args.lr_min, decay_frac=0.8))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            logits = net(encode_inputs(b["lightness"], b["hint_ab"], b["hint_mask"]))
        loss = rebalanced_ce(logits.float(), b["ab"], bins_t, weights)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run.end_iteration({"loss": loss.item()}, evaluate)
    return run.finish(evaluate)


if __name__ == "__main__":
    main()
