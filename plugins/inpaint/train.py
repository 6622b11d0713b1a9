"""Train the PConv U-Net inpainting model on CPU.

Example (the real run; a folder that does not exist as given is looked up in the data folder,
``$PHOTOAI_DATA`` or else ``../shared/data`` beside the repository)::

    python -m photoai_plugins.inpaint.train --data photos/train/imagenet_sample sr/T91 ... \
        --weights W [W ...] --iterations 40000 --batch 8 --size 128 --out runs/inpaint

``--resume`` continues from ``<out>/last.pt`` (model, optimiser, sampler RNG, iteration). A
checkpoint is written every ``--ckpt-minutes`` and at the end; ``<out>/train.log`` gets one line per
``--log-every`` iterations and a validation line (held-out crops) every ``--val-every``.
``<out>/best.pt`` holds the weights with the best validation PSNR (weights-only checkpoint).
``--init CKPT`` starts a new run (iteration 0, fresh optimiser) from the weights of an earlier one;
layers the new config adds (``--res-blocks``, ``--refine``) start as identity, so the warm start loses nothing.
``--tiny`` trains a tiny net on generated images (smoke tests; no data folders needed).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from photoai.runtime.devices import pick_torch_device

from .._training import Run, cosine_lr, default_data_dir, seeded, set_lr
from .data import CropSampler, build_sources, validation_batch, worker_batches, write_synthetic_images
from .losses import InpaintLoss, LossWeights
from .net import PConvUNet, composite, count_params

LR_FLOOR = 0.05  # the cosine decay ends at this fraction of --lr
NEW_LAYERS = ("res.", "refine.")  # what a warm start (--init) may add: they start as identity


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", nargs="+", default=[],
                   help="image folders (read non-recursively); one that does not exist as given is taken from "
                        "the data folder ($PHOTOAI_DATA, else ../shared/data beside the repository)")
    p.add_argument("--weights", nargs="+", type=float, default=None, help="sampling weight per folder")
    p.add_argument("--iterations", type=int, default=40000)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=128, help="square training crop")
    p.add_argument("--widths", type=int, nargs="+", default=None,
                   help="encoder widths, one per level (default 32 64 128 256 256 256; --tiny: 8 8 16)")
    p.add_argument("--res-blocks", type=int, nargs="+", default=None,
                   help="residual PConv blocks after each decoder level (one count per level, first 0)")
    p.add_argument("--prefill", action="store_true", help="push-pull fill in the full-resolution skip")
    p.add_argument("--refine", type=int, default=0, help="width of a full-resolution refinement head (0: none)")
    p.add_argument("--init", default=None,
                   help="warm start: weights from this checkpoint (new residual blocks start as identity)")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--decay-frac", type=float, default=0.25, help="cosine-decay the LR over this last fraction")
    p.add_argument("--min-scale", type=float, default=0.75, help="random downscale range [min-scale, 1]")
    # Off by default: with random (not VGG) features the paper's weights (0.05, 120) put ~40 % of the
    # loss on Gram matching, which added coloured texture noise and cost ~17 % speed (see losses.py).
    p.add_argument("--perceptual", type=float, default=0.0, help=f"paper: {LossWeights.perceptual}")
    p.add_argument("--style", type=float, default=0.0, help=f"paper: {LossWeights.style}")
    p.add_argument("--tv", type=float, default=LossWeights.tv)
    p.add_argument("--hole", type=float, default=LossWeights.hole, help="L1 weight in the hole (paper: 6)")
    p.add_argument("--hole-mse", type=float, default=0.0, help="squared-error weight in the hole (PSNR fine-tune)")
    p.add_argument("--out", default="runs/inpaint")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu, cuda, or auto (the runtime's pick: cuda, mps, cpu); "
                   "crops and masks are made on the CPU (see --workers)")
    p.add_argument("--bf16", action="store_true",
                   help="bfloat16 autocast for the forward pass (weights and loss stay float32); "
                        "~1.4x faster on CPUs with AVX512-BF16/AMX and on GPUs")
    p.add_argument("--workers", type=int, default=0,
                   help="crop/mask sampling processes (0: in the training process, exactly resumable; "
                        "use several on a GPU, each seeded from (seed, start iteration, worker))")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--ckpt-minutes", type=float, default=5.0)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--val-every", type=int, default=1000)
    p.add_argument("--holdout-every", type=int, default=50, help="hold out every n-th file for validation")
    p.add_argument("--tiny", action="store_true", help="tiny net on generated images (smoke test)")
    args = p.parse_args(argv)
    if args.tiny:
        if not args.data:
            args.data = [str(Path(args.out) / "synthetic")]
            write_synthetic_images(args.data[0], 12, 64, seed=args.seed)
        args.widths = args.widths or [8, 8, 16]
        args.size = min(args.size, 32)
        args.holdout_every = 4
    args.widths = args.widths or [32, 64, 128, 256, 256, 256]
    if not args.data:
        p.error("--data is required (or --tiny)")
    return args


def data_folder(folder: str) -> str:
    """``folder`` as given if it exists, else the same path inside the data folder."""
    return folder if Path(folder).is_dir() else str(default_data_dir() / folder)


@torch.no_grad()
def validate(net: PConvUNet, val: tuple[torch.Tensor, torch.Tensor]) -> dict[str, float]:
    """Hole-region L1 and full-crop PSNR of the composite on the fixed held-out batch."""
    net.eval()
    img, hole = val
    outs = [net(img[i:i + 8], hole[i:i + 8]) for i in range(0, len(img), 8)]
    out = torch.cat(outs).clamp(0, 1)
    comp = composite(img, out, hole)
    mse = ((comp - img) ** 2).mean(dim=(1, 2, 3)).clamp_min(1e-10)
    net.train()
    return {"val_psnr": float((-10 * torch.log10(mse)).mean()),
            "val_hole_l1": float((comp - img).abs().sum() / hole.sum().clamp_min(1) / 3)}


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse_args(argv)
    seeded(args)  # its crops draw from their own generator (CropSampler)
    sources, held = build_sources([data_folder(f) for f in args.data], args.weights, args.holdout_every)
    sampler = CropSampler(sources, args.size, args.seed, args.min_scale)
    device = torch.device(pick_torch_device().torch_name if args.device == "auto" else args.device)
    val = None
    if held:
        val_img, val_hole = validation_batch(held, args.size)
        val = val_img.to(device), val_hole.to(device)
    net = PConvUNet(args.widths, res_blocks=args.res_blocks, prefill=args.prefill,
                    refine=args.refine)
    net.to(device)
    loss_fn = InpaintLoss(LossWeights(hole=args.hole, perceptual=args.perceptual, style=args.style, tv=args.tv,
                                     hole_mse=args.hole_mse)).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    run = Run("inpaint", args, argv, net, opt, sampler.rng, args.ckpt_minutes)
    run.begin(args.resume, args.init, NEW_LAYERS)
    say = run.log
    say(f"device={device} params={count_params(net)} config={json.dumps(net.config())} sources="
        + ", ".join(f"{s.folder.name}:{len(s.files)}x{s.weight:g}" for s in sources)
        + f" held_out={len(held)} loss={json.dumps(loss_fn.weights_dict())}")

    def lr_at(it: int) -> float:
        return cosine_lr(it, args.iterations, args.lr, LR_FLOOR * args.lr, args.decay_frac)

    if args.workers > 0:
        batches = worker_batches(sources, args.size, args.min_scale, args.batch, (args.seed, run.iteration),
                                 args.workers, pin_memory=device.type == "cuda")
    else:
        batches = iter(lambda: sampler.batch(args.batch), None)
    sums: dict[str, float] = {}
    t_log = time.time()
    while run.iteration < args.iterations:
        set_lr(opt, lr_at(run.iteration))
        img, hole = (t.to(device, non_blocking=True) for t in next(batches))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
            out = net(img * (1 - hole), hole)
        loss, terms = loss_fn(out.float(), img, hole)
        if not torch.isfinite(loss):
            say(f"it={run.iteration} non-finite loss {terms}; batch skipped")
            continue
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run.iteration = it = run.iteration + 1
        terms["total"] = float(loss.detach())
        for k, v in terms.items():
            sums[k] = sums.get(k, 0.0) + v
        if it % args.log_every == 0 or it == args.iterations:
            n = args.log_every if it % args.log_every == 0 else it % args.log_every
            now = time.time()
            say(f"it={it} lr={lr_at(it - 1):.2e} " + " ".join(f"{k}={v / n:.4f}" for k, v in sums.items())
                + f" s/it={(now - t_log) / n:.3f}")
            sums, t_log = {}, now
        if val is not None and (it % args.val_every == 0 or it == args.iterations):
            metrics = validate(net, val)
            say(f"it={it} " + " ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
            best = run.best("val_psnr")
            run.record(metrics)
            if best is None or metrics["val_psnr"] > best:
                run.save_weights("best.pt")
        run.save_if_due()
    return run.finish()


if __name__ == "__main__":
    main()
