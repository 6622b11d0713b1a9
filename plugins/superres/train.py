"""Train the multi-scale Y-channel SR net on CPU (resumable, logs + periodic Set5 eval).

Each iteration trains one scale (round-robin over ``--scales``) with L1 loss, Adam
and a cosine learning-rate decay.  Sources are folders relative to ``--data``,
optionally with extra downscaled copies, e.g. ``sr/T91:1,0.8,0.6``.

    python -m plugins.superres.train --data /work/shared/data --iters 10000 --out runs/superres
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from .._training import TrainLog, save_checkpoint
from .data import DEFAULT_SOURCES, ImageBank, bank_cache_path, build_bank, list_images, sample_batch
from .evaluate import evaluate, load_pairs, mean_metrics, torch_predictor
from .net import SRNet, macs_per_output_pixel, param_count, receptive_field

__all__ = ["main", "load_model", "parse_args"]

DEFAULT_T91_RESCALES = "1,0.9,0.8,0.7,0.6"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"), help="shared data dir")
    ap.add_argument("--sources", nargs="+", default=[f"{DEFAULT_SOURCES[0]}:{DEFAULT_T91_RESCALES}",
                                                      *DEFAULT_SOURCES[1:]],
                    help="folders under --data (not recursive), optional ':f1,f2' rescale copies")
    ap.add_argument("--eval-dir", type=Path, default=None, help="HR eval folder (default DATA/sr/Set5)")
    ap.add_argument("--out", type=Path, default=Path("runs/superres"))
    ap.add_argument("--iters", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--patch", type=int, default=48, help="LR patch size")
    ap.add_argument("--channels", type=int, default=48)
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lr-min", type=float, default=1e-6)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--ckpt-minutes", type=float, default=5.0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    ap.add_argument("--smoke", action="store_true", help="tiny model/batch, no cache, for tests")
    args = ap.parse_args(argv)
    args.resumed_with = []
    args.command = "python -m plugins.superres.train " + shlex.join(list(argv if argv is not None else sys.argv[1:]))
    if args.smoke:
        args.channels, args.blocks, args.batch, args.patch = 8, 1, 2, 8
        args.eval_every = max(args.iters, 1)
    return args


def _parse_source(spec: str, data: Path) -> tuple[Path, tuple[float, ...]]:
    folder, _, rescales = spec.partition(":")
    return data / folder, tuple(float(f) for f in rescales.split(",")) if rescales else (1.0,)


def load_bank(args: argparse.Namespace, log) -> ImageBank:
    """Build (or load the cached) image bank for all sources."""
    sources = [_parse_source(s, args.data) for s in args.sources]
    cache = None if args.smoke else bank_cache_path(args.out, [p for p, _ in sources], args.scales,
                                                    args.patch, [f for _, fs in sources for f in fs])
    if cache is not None and cache.exists():
        log(f"loading bank {cache}")
        return ImageBank.load(cache)
    t0, parts = time.time(), []
    for folder, rescales in sources:
        paths = list_images(folder)
        parts.append(build_bank(paths, args.scales, args.patch, rescales))
        log(f"bank: {folder} {len(paths)} files x {rescales} -> {len(parts[-1])} images")
    bank = ImageBank([a for p in parts for a in p.hr],
                     {s: [a for p in parts for a in p.lr[s]] for s in args.scales})
    log(f"bank: {len(bank)} images, {sum(a.size for a in bank.hr) / 1e6:.1f} MP HR, {time.time() - t0:.0f}s")
    if cache is not None:
        bank.save(cache)
    return bank


def cosine_lr(it: int, total: int, base: float, low: float) -> float:
    """Cosine decay from ``base`` to ``low`` over ``total`` iterations."""
    return low + 0.5 * (base - low) * (1.0 + math.cos(math.pi * min(it, total) / max(total, 1)))


def load_model(path: Path) -> SRNet:
    """SRNet from a checkpoint file (eval mode)."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model = SRNet(**ckpt["config"])
    model.load_state_dict(ckpt["model"])
    return model.eval()


def save_state(path: Path, model: SRNet, opt: torch.optim.Optimizer, it: int,
                    rng: np.random.Generator, args: argparse.Namespace, history: list) -> None:
    """Atomic checkpoint with everything needed to resume and to export."""
    state = {"model": model.state_dict(), "config": model.config(), "opt": opt.state_dict(), "iter": it,
             "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "command": args.command,
             "resumed_with": args.resumed_with,
             "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
             "history": history}
    save_checkpoint(path, state)


def eval_set(model: SRNet, pairs_by_scale: dict, scales: Sequence[int]) -> dict[int, tuple[float, float]]:
    """Mean (PSNR, SSIM) per scale on the eval set."""
    model.eval()
    res = {s: mean_metrics(evaluate(pairs_by_scale[s], s, torch_predictor(model, s))) for s in scales}
    model.train()
    return res


def main(argv: Sequence[str] | None = None) -> Path:
    """Train; returns the path of the final checkpoint."""
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    log = TrainLog(args.out / "train.log")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = SRNet(args.channels, args.blocks, tuple(args.scales))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    ckpt_path, start, history = args.out / "last.pt", 0, []
    if args.resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=True)
        if ckpt["config"] != model.config():
            raise SystemExit(f"checkpoint config {ckpt['config']} != {model.config()}")
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        rng.bit_generator.state = ckpt["rng"]
        torch.set_rng_state(ckpt["torch_rng"])
        start, history = ckpt["iter"], ckpt.get("history", [])
        args.resumed_with = ckpt.get("resumed_with", []) + [args.command]  # every command that shaped the weights
        args.command = ckpt.get("command", args.command)
        log(f"resumed from {ckpt_path} at iter {start}: {args.resumed_with[-1]}")
    else:
        log(f"command: {args.command}")
    log(f"model {model.config()}: {param_count(model)} params, receptive field {receptive_field(model)} LR px, "
        + ", ".join(f"x{s} {macs_per_output_pixel(model, s):.0f} MACs/px" for s in args.scales))

    bank = load_bank(args, log)
    eval_dir = args.eval_dir or args.data / "sr" / "Set5"
    pairs = {s: load_pairs(eval_dir, s) for s in args.scales} if eval_dir.is_dir() else None

    def do_eval(it: int) -> None:
        if pairs is None:
            return
        res = eval_set(model, pairs, args.scales)
        history.append({"iter": it, **{f"x{s}": [round(v, 4) for v in res[s]] for s in args.scales}})
        log(f"eval iter {it} {eval_dir.name}: "
            + "  ".join(f"x{s} {p:.2f} dB / {q:.4f}" for s, (p, q) in res.items()))

    model.train()
    last_save, t_log, loss_acc = time.time(), time.time(), 0.0
    for it in range(start, args.iters):
        scale = args.scales[it % len(args.scales)]
        lr_np, hr_np = sample_batch(bank, scale, args.batch, args.patch, rng)
        for group in opt.param_groups:
            group["lr"] = cosine_lr(it, args.iters, args.lr, args.lr_min)
        loss = torch.nn.functional.l1_loss(model(torch.from_numpy(lr_np), scale), torch.from_numpy(hr_np))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_acc += loss.item()
        done = it + 1
        if done % args.log_every == 0:
            dt = (time.time() - t_log) / args.log_every
            log(f"iter {done}/{args.iters} loss {loss_acc / args.log_every:.5f} "
                f"lr {opt.param_groups[0]['lr']:.2e} {dt:.3f} s/iter")
            loss_acc, t_log = 0.0, time.time()
        if done % args.eval_every == 0 and done < args.iters:
            do_eval(done)
        if time.time() - last_save > args.ckpt_minutes * 60:
            save_state(ckpt_path, model, opt, done, rng, args, history)
            last_save = time.time()
    if not history or history[-1]["iter"] != args.iters:
        do_eval(args.iters)
    save_state(ckpt_path, model, opt, max(args.iters, start), rng, args, history)
    log(f"done: {ckpt_path}")
    log.close()
    return ckpt_path


if __name__ == "__main__":
    main()
