"""Train the raw denoiser on unprocessed training photos with simulated short exposures (CPU, resumable).

Each iteration unprocesses a batch of crops into clean raw mosaics with freshly drawn cameras, exposes them
``ratio`` times darker with the paper's noise model, quantizes, amplifies back (:mod:`.data`) and fits an
L1 loss after the simple render (:func:`.net.render`: camera white balance, colour matrix, gamma), so errors
weigh as the eye sees them (Brooks et al. 2019), plus L1 in raw space (a gradient where the render clips).
The last ``--val`` photos are held out: PSNR in raw space and after the render, of the network, of the noisy
input and of a Gaussian blur (sigma tuned once on them) at ratios x50-x300 are logged; the best rendered
PSNR picks ``best.pt``.

    python -m photoai_plugins.rawdark.train --iters 8000 --threads 1 --bf16 --out runs/rawdark

``--resume`` continues from ``OUT/last.pt`` (see ``plugins/_training.py``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import torch

from .._training import TRAIN_FOLDERS, Run, add_run_args, cosine_lr, seeded, set_lr, training_photos
from . import measures
from .data import LEVEL_JITTER, load_photos, sample_batch, validation_batch
from .net import RawDenoiser, render

__all__ = ["main", "parse_args"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_args(ap, out="runs/rawdark", iters=8000, lr=3e-4, lr_min=1e-5, eval_every=500)
    ap.add_argument("--folders", nargs="+", default=list(TRAIN_FOLDERS), help="photo folders under --data")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=128, help="crop side in mosaic pixels (even; packed: half)")
    ap.add_argument("--width", type=int, default=32, help="U-Net widths: width, 2x, 4x")
    ap.add_argument("--level-jitter", type=float, default=LEVEL_JITTER,
                    help="log-std of the error of the noise levels the network is told")
    ap.add_argument("--val", type=int, default=32, help="photos held out for validation")
    args = ap.parse_args(argv)
    if args.smoke:
        args.width, args.batch, args.size, args.val = 4, 2, 32, 2
        args.eval_every = max(args.iters, 1)
    if args.size % 8:
        raise SystemExit(f"--size must be a multiple of 8 (the packed planes: of 4), got {args.size}")
    return args


def main(argv: Sequence[str] | None = None) -> Path:
    """Train; returns the path of the final checkpoint."""
    args = parse_args(argv)
    rng = seeded(args)
    net = RawDenoiser(args.width)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    run = Run("rawdark", args, argv, net, opt, rng, args.ckpt_minutes)
    run.begin(args.resume)
    log = run.log
    train, held = training_photos(args, lambda paths: load_photos(paths, args.size), 2 * args.val + 4)
    val = measures.as_tensors(validation_batch(held, args.size))
    sigma = measures.tune_blur(val)
    log(f"model {net.config()}: {sum(p.numel() for p in net.parameters())} params; {len(train)} training photos, "
        f"{len(held)} held out; blur baseline sigma {sigma} (packed px, tuned on the held-out set)")

    def evaluate() -> None:
        net.eval()
        metrics = measures.evaluate(net, val, sigma)
        net.train()
        best = run.best("psnr_render_net")
        run.record(metrics)
        if best is None or metrics["psnr_render_net"] > best:
            run.save_weights("best.pt")
        log(f"eval iter {run.iteration}: " + "  ".join(f"{k} {v:.2f}" for k, v in metrics.items()))

    net.train()
    for it in range(run.iteration, args.iters):
        batch = measures.as_tensors(sample_batch(train, args.batch, args.size, rng, args.level_jitter))
        set_lr(opt, cosine_lr(it, args.iters, args.lr, args.lr_min))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            out = net(batch["noisy"], batch["levels"])
        wb, ccm = batch["wb"], batch["cam2rgb"]
        out = out.float()
        loss = (out - batch["clean"]).abs().mean()\
            + (render(out, wb, ccm) - render(batch["clean"], wb, ccm)).abs().mean()
        if not torch.isfinite(loss):
            raise SystemExit(f"iteration {it}: loss is {loss.item()}; stopping (last.pt keeps the last good state)")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        run.end_iteration({"loss": loss.item()}, evaluate)
    return run.finish(evaluate)


if __name__ == "__main__":
    main()
