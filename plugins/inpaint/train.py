"""Train the PConv U-Net inpainting model on CPU.

Example (the real run)::

    python -m plugins.inpaint.train --data DIR [DIR ...] --weights W [W ...] \
        --iterations 40000 --batch 8 --size 128 --out runs/inpaint

``--resume`` continues from ``<out>/last.pt`` (model, optimiser, sampler RNG, iteration). A
checkpoint is written every ``--ckpt-minutes`` and at the end; ``<out>/train.log`` gets one line per
``--log-every`` iterations and a validation line (held-out crops) every ``--val-every``.
``<out>/best.pt`` holds the weights with the best validation PSNR (model only).
``--init CKPT`` starts a new run (iteration 0, fresh optimiser) from the weights of an earlier one;
layers the new config adds (``--res-blocks``, ``--refine``) start as identity, so the warm start loses nothing.
``--tiny`` trains a tiny net on generated images (smoke tests; no data folders needed).
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from photoai.runtime.devices import pick_torch_device

from .._training import TrainLog, save_checkpoint
from .data import CropSampler, build_sources, validation_batch, worker_batches, write_synthetic_images
from .losses import InpaintLoss, LossWeights
from .net import PConvUNet, composite, count_params


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", nargs="+", default=[], help="image folders (read non-recursively)")
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


def lr_at(it: int, args: argparse.Namespace) -> float:
    start = int(args.iterations * (1.0 - args.decay_frac))
    if it < start:
        return args.lr
    t = (it - start) / max(1, args.iterations - start)
    return args.lr * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * min(t, 1.0))))


def warm_start(net: PConvUNet, path: str) -> tuple[str, list[dict]]:
    """Load matching weights from ``path``; only residual blocks and the refine head may be missing.
    Returns a log line and the commands that produced those weights (kept for the manifest)."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    try:
        missing, unexpected = net.load_state_dict(state["model"], strict=False)
    except RuntimeError as exc:  # shape mismatch
        raise SystemExit(f"--init {path}: incompatible weights: {exc}") from None
    if unexpected or any(not k.startswith(("res.", "refine.")) for k in missing):
        raise SystemExit(f"--init {path}: incompatible weights (missing {missing}, unexpected {unexpected})")
    label = f"warm-start source {Path(path).name}, {state.get('iteration')} iterations"
    history = [{"run": label, **c} for c in state.get("commands", [])]  # older sources keep their label
    return (f"warm start from {path} (iteration {state.get('iteration')}, config {state.get('config')}); "
            f"{len(missing)} new tensors start as identity blocks"), history


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
            "val_hole_l1": float(((comp - img).abs().sum() / hole.sum().clamp_min(1) / 3))}


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = out_dir / "last.pt"
    say = TrainLog(out_dir / "train.log")

    sources, held = build_sources(args.data, args.weights, args.holdout_every)
    sampler = CropSampler(sources, args.size, args.seed, args.min_scale)
    device = torch.device(pick_torch_device().torch_name if args.device == "auto" else args.device)
    val = tuple(t.to(device) for t in validation_batch(held, args.size)) if held else None
    net = PConvUNet(args.widths, res_blocks=args.res_blocks, prefill=args.prefill,
                    refine=args.refine)
    net.to(device)
    loss_fn = InpaintLoss(LossWeights(hole=args.hole, perceptual=args.perceptual, style=args.style, tv=args.tv,
                                     hole_mse=args.hole_mse)).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    it, best, commands = 0, -1.0, []
    if args.resume and ckpt_path.exists():
        state = torch.load(ckpt_path, map_location="cpu", weights_only=True)
        if state["config"] != net.config():
            raise SystemExit(f"checkpoint net config {state['config']} != requested {net.config()}")
        net.load_state_dict(state["model"])
        opt.load_state_dict(state["optim"])
        sampler.load_state_dict(state["sampler"])
        torch.set_rng_state(state["torch_rng"])
        it, best, commands = state["iteration"], state.get("best_val_psnr", -1.0), state.get("commands", [])
        say(f"resumed from {ckpt_path} at iteration {it}")
    elif args.init:
        msg, commands = warm_start(net, args.init)
        say(msg)
    command = " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1], "-m", "plugins.inpaint.train",
                                                *(sys.argv[1:] if argv is None else argv)])
    commands = commands + [{"command": command, "start_iteration": it}]
    say(f"start: {command}")
    say(f"device={device} params={count_params(net)} config={json.dumps(net.config())} sources="
        + ", ".join(f"{s.folder.name}:{len(s.files)}x{s.weight:g}" for s in sources)
        + f" held_out={len(held)} loss={json.dumps(loss_fn.weights_dict())}")

    def checkpoint() -> None:
        save_checkpoint(ckpt_path, dict(model=net.state_dict(), optim=opt.state_dict(), sampler=sampler.state_dict(),
                                        torch_rng=torch.get_rng_state(), iteration=it, config=net.config(),
                                        args=vars(args), commands=commands, best_val_psnr=best))

    if args.workers > 0:
        batches = worker_batches(sources, args.size, args.min_scale, args.batch, (args.seed, it), args.workers,
                                 pin_memory=device.type == "cuda")
    else:
        batches = iter(lambda: sampler.batch(args.batch), None)
    sums: dict[str, float] = {}
    t_log = t_ckpt = time.time()
    while it < args.iterations:
        for g in opt.param_groups:
            g["lr"] = lr_at(it, args)
        img, hole = (t.to(device, non_blocking=True) for t in next(batches))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
            out = net(img * (1 - hole), hole)
        loss, terms = loss_fn(out.float(), img, hole)
        if not torch.isfinite(loss):
            say(f"it={it} non-finite loss {terms}; batch skipped")
            continue
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        it += 1
        terms["total"] = float(loss.detach())
        for k, v in terms.items():
            sums[k] = sums.get(k, 0.0) + v
        if it % args.log_every == 0 or it == args.iterations:
            n = args.log_every if it % args.log_every == 0 else it % args.log_every
            now = time.time()
            say(f"it={it} lr={lr_at(it - 1, args):.2e} " + " ".join(f"{k}={v / n:.4f}" for k, v in sums.items())
                + f" s/it={(now - t_log) / n:.3f}")
            sums, t_log = {}, now
        if val is not None and (it % args.val_every == 0 or it == args.iterations):
            metrics = validate(net, val)
            say(f"it={it} " + " ".join(f"{k}={v:.4f}" for k, v in metrics.items()))
            if metrics["val_psnr"] > best:
                best = metrics["val_psnr"]
                save_checkpoint(out_dir / "best.pt", dict(model=net.state_dict(), iteration=it, config=net.config(),
                                                          args=vars(args), commands=commands, val=metrics))
        if time.time() - t_ckpt > args.ckpt_minutes * 60:
            checkpoint()
            t_ckpt = time.time()
    checkpoint()
    say(f"done at iteration {it}; checkpoint {ckpt_path}")
    say.close()
    return ckpt_path


if __name__ == "__main__":
    main()
