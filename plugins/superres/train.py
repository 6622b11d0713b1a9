"""Train the multi-scale Y-channel SR net on CPU (resumable, logs + periodic Set5 eval).

Each iteration trains one scale (round-robin over ``--scales``) with L1 loss, Adam
and a cosine learning-rate decay.  Sources are folders relative to ``--data``
(default ``$PHOTOAI_DATA``, else ``../shared/data`` beside the repository),
optionally with extra downscaled copies, e.g. ``sr/T91:1,0.8,0.6``.

    python -m photoai_plugins.superres.train --iters 10000 --out runs/superres

``--resume`` continues from ``OUT/last.pt`` (model, Adam, RNGs, iteration; every command is
recorded in the checkpoint, see ``plugins/_training.py``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from .._training import Run, cosine_lr, default_data_dir, load_net, set_lr
from .data import DEFAULT_SOURCES, ImageBank, bank_cache_path, build_bank, list_images, sample_batch
from .evaluate import evaluate, load_pairs, mean_metrics, torch_predictor
from .net import SRNet, macs_per_output_pixel, param_count, receptive_field

__all__ = ["main", "load_model", "parse_args"]

DEFAULT_T91_RESCALES = "1,0.9,0.8,0.7,0.6"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=default_data_dir(),
                    help="shared data dir (default: $PHOTOAI_DATA, else ../shared/data beside the repository)")
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
    if args.smoke:
        args.channels, args.blocks, args.batch, args.patch = 8, 1, 2, 8
        args.eval_every = max(args.iters, 1)
    return args


def _parse_source(spec: str, data: Path) -> tuple[Path, tuple[float, ...]]:
    folder, _, rescales = spec.partition(":")
    return data / folder, tuple(float(f) for f in rescales.split(",")) if rescales else (1.0,)


def load_bank(args: argparse.Namespace, log: Callable[[str], None]) -> ImageBank:
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


def load_model(path: Path) -> SRNet:
    """SRNet from a checkpoint file (eval mode)."""
    return load_net(path, SRNet)[0]


def eval_set(model: SRNet, pairs_by_scale: dict, scales: Sequence[int]) -> dict[int, tuple[float, float]]:
    """Mean (PSNR, SSIM) per scale on the eval set."""
    model.eval()
    res = {s: mean_metrics(evaluate(pairs_by_scale[s], s, torch_predictor(model, s))) for s in scales}
    model.train()
    return res


def main(argv: Sequence[str] | None = None) -> Path:
    """Train; returns the path of the final checkpoint."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = SRNet(args.channels, args.blocks, tuple(args.scales))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    run = Run("superres", args, argv, model, opt, rng, args.ckpt_minutes)
    run.begin(args.resume)
    log = run.log
    log(f"model {model.config()}: {param_count(model)} params, receptive field {receptive_field(model)} LR px, "
        + ", ".join(f"x{s} {macs_per_output_pixel(model, s):.0f} MACs/px" for s in args.scales))

    bank = load_bank(args, log)
    eval_dir = args.eval_dir or args.data / "sr" / "Set5"
    pairs = {s: load_pairs(eval_dir, s) for s in args.scales} if eval_dir.is_dir() else None

    def do_eval() -> None:
        if pairs is None:
            return
        res = eval_set(model, pairs, args.scales)
        run.record({f"x{s}": [round(v, 4) for v in res[s]] for s in args.scales})
        log(f"eval iter {run.iteration} {eval_dir.name}: "
            + "  ".join(f"x{s} {p:.2f} dB / {q:.4f}" for s, (p, q) in res.items()))

    model.train()
    t_log, loss_acc = time.time(), 0.0
    for it in range(run.iteration, args.iters):
        scale = args.scales[it % len(args.scales)]
        lr_np, hr_np = sample_batch(bank, scale, args.batch, args.patch, rng)
        set_lr(opt, cosine_lr(it, args.iters, args.lr, args.lr_min))
        loss = torch.nn.functional.l1_loss(model(torch.from_numpy(lr_np), scale), torch.from_numpy(hr_np))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_acc += loss.item()
        run.iteration = done = it + 1
        if done % args.log_every == 0:
            dt = (time.time() - t_log) / args.log_every
            log(f"iter {done}/{args.iters} loss {loss_acc / args.log_every:.5f} "
                f"lr {opt.param_groups[0]['lr']:.2e} {dt:.3f} s/iter")
            loss_acc, t_log = 0.0, time.time()
        if done % args.eval_every == 0 and done < args.iters:
            do_eval()
        run.save_if_due()
    if not run.history or run.history[-1]["iteration"] != run.iteration:
        do_eval()
    return run.finish()


if __name__ == "__main__":
    main()
