"""Train the multi-scale Y-channel SR net on CPU (resumable, logs + periodic Set5 eval).

Each iteration trains one scale (round-robin over ``--scales``) with L1 loss, Adam
and a cosine learning-rate decay.  Sources are folders relative to ``--data``
(default ``$PHOTOAI_DATA``, else ``../shared/data`` beside the repository),
optionally with extra downscaled copies, e.g. ``sr/T91:1,0.8,0.6``.

    python -m photoai_plugins.superres.train --iters 10000 --out runs/superres

``--resume`` continues from ``OUT/last.pt`` (model, Adam, RNGs, iteration; every command is
recorded in the checkpoint, see ``plugins/_training.py``); ``--init CKPT`` starts a new run from
another run's weights (fresh Adam and schedule), e.g. to fine-tune the shipped model.

``--degrade bicubic`` (default: the shipped model) trains on the MATLAB-bicubic bank of the benchmark
protocol; ``--degrade mixed`` cuts HR RGB patches and degrades each on the fly with
:func:`.degrade.sample_degradation` (resizes with and without antialiasing, blur kernels, noise, JPEG),
for photos as users have them:

    python -m photoai_plugins.superres.train --degrade mixed --init checkpoints/superres_last.pt \
        --iters 3000 --lr 2e-4 --out runs/superres_photo --eval-variants bicubic aliased jpeg
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from .._training import Run, add_run_args, cosine_lr, load_net, save_checkpoint, seeded, set_lr
from .data import (
    DEFAULT_SOURCES,
    DEGRADE_MARGIN,
    ImageBank,
    RGBBank,
    bank_cache_path,
    build_bank,
    build_rgb_bank,
    list_images,
    sample_batch,
    sample_degraded_batch,
)
from .degrade import MIX, P_CLEAN, VARIANTS, mix_probabilities, resize_weights
from .evaluate import evaluate, load_pairs, mean_metrics, pairs_from_paths, torch_predictor
from .net import SRNet, macs_per_output_pixel, param_count, receptive_field

__all__ = ["main", "load_model", "parse_args"]

DEFAULT_T91_RESCALES = "1,0.9,0.8,0.7,0.6"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_args(ap, out="runs/superres", iters=10000, lr=1e-3, lr_min=1e-6, eval_every=500)
    ap.add_argument("--sources", nargs="+", default=[f"{DEFAULT_SOURCES[0]}:{DEFAULT_T91_RESCALES}",
                                                      *DEFAULT_SOURCES[1:]],
                    help="folders under --data (not recursive), optional ':f1,f2' rescale copies")
    ap.add_argument("--eval-dir", type=Path, default=None, help="HR eval folder (default DATA/sr/Set5)")
    ap.add_argument("--holdout", type=int, default=0,
                    help="--degrade mixed: keep the last N images of every source out of training and evaluate "
                         "on them (central --eval-crop px) instead of --eval-dir")
    ap.add_argument("--eval-crop", type=int, default=192, help="HR crop side of the --holdout evaluation")
    ap.add_argument("--keep-evals", action="store_true",
                    help="also write the full checkpoint of every evaluation as OUT/iter_N.pt")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--patch", type=int, default=48, help="LR patch size")
    ap.add_argument("--channels", type=int, default=48)
    ap.add_argument("--blocks", type=int, default=None, help="residual blocks (default 6; --smoke: 1)")
    ap.add_argument("--rep", action="store_true",
                    help="train the body's 3x3 convs as re-parameterized branches (ECBSR-style; exported folded)")
    ap.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    ap.add_argument("--init", type=Path, default=None,
                    help="start from this checkpoint's weights (same network config, or fewer --blocks: the new "
                         "blocks start as identities; ignored when resuming)")
    ap.add_argument("--degrade", choices=("bicubic", "mixed"), default="bicubic",
                    help="LR inputs: the MATLAB-bicubic bank (protocol) or random photo-like degradations")
    ap.add_argument("--clean-fraction", type=float, default=P_CLEAN,
                    help=f"--degrade mixed: share of plain MATLAB-bicubic patches (default {P_CLEAN})")
    ap.add_argument("--resize-weights", nargs="+", default=[], metavar="NAME=W",
                    help="--degrade mixed: change the weights of the resizes (degrade.RESIZE_WEIGHTS), "
                         "e.g. cv-cubic=3")
    ap.add_argument("--mix", nargs="+", default=[], metavar="NAME=P",
                    help="--degrade mixed: change the probabilities of the degradation steps (degrade.MIX: "
                         + ", ".join(f"{k}={v:g}" for k, v in MIX.items()) + ")")
    ap.add_argument("--clip-grad", type=float, default=0.0,
                    help="clip the gradient's global norm to this (0: off); keeps a fast --rep run from spiking")
    ap.add_argument("--edge-weight", type=float, default=0.0,
                    help="weight of an L1 loss on image gradients added to the L1 loss")
    ap.add_argument("--eval-variants", nargs="+", choices=VARIANTS, default=["bicubic"],
                    help="LR variants of the periodic eval (bicubic is recorded as xS, others as xS-NAME)")
    args = ap.parse_args(argv)
    try:
        pairs = (spec.partition("=") for spec in args.resize_weights)
        args.weights = resize_weights({n: float(w) for n, _, w in pairs})
        args.mix_p = mix_probabilities({n: float(v) for n, _, v in (spec.partition("=") for spec in args.mix)})
    except ValueError as e:
        ap.error(str(e))
    if args.holdout and args.degrade != "mixed":
        ap.error("--holdout needs --degrade mixed")
    if args.smoke:
        args.channels, args.batch, args.patch = 8, 2, 8
        args.eval_every = max(args.iters, 1)
    if args.blocks is None:
        args.blocks = 1 if args.smoke else 6
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


def split_sources(args: argparse.Namespace) -> tuple[list[tuple[list[Path], tuple[float, ...]]], list[Path]]:
    """Each source's training files with its rescales, and the held-out files (the last ``--holdout`` of each
    source, sorted by name)."""
    train, held = [], []
    for folder, rescales in (_parse_source(s, args.data) for s in args.sources):
        paths = list_images(folder)
        cut = len(paths) - args.holdout
        if args.holdout and cut < 1:
            raise SystemExit(f"--holdout {args.holdout} leaves no training image in {folder} ({len(paths)} files)")
        train.append((paths[:cut], rescales))
        held += paths[cut:]
    return train, held


def load_rgb_bank(args: argparse.Namespace, log: Callable[[str], None]) -> RGBBank:
    """HR RGB images of all sources (with their rescaled copies, without the held-out files) for
    ``--degrade mixed``."""
    t0, images = time.time(), []
    for paths, rescales in split_sources(args)[0]:
        folder = paths[0].parent if paths else "?"
        part = build_rgb_bank(paths, rescales)
        images += part.images
        log(f"rgb bank: {folder} {len(paths)} files x {rescales} -> {len(part)} images")
    bank = RGBBank(images)
    log(f"rgb bank: {len(bank)} images, {sum(a.nbytes for a in images) / 1e6:.0f} MB, {time.time() - t0:.0f}s")
    return bank


def batch_sampler(args: argparse.Namespace, log: Callable[[str], None]) -> Callable[
        [int, np.random.Generator], tuple[np.ndarray, np.ndarray]]:
    """``sample(scale, rng) -> (lr, hr)`` batches for ``--degrade``."""
    if args.degrade == "bicubic":
        bank = load_bank(args, log)
        return lambda scale, rng: sample_batch(bank, scale, args.batch, args.patch, rng)
    rgb = load_rgb_bank(args, log)
    eligible = {s: rgb.eligible((args.patch + 2 * DEGRADE_MARGIN) * s) for s in args.scales}
    for s, idx in eligible.items():
        if not len(idx):
            raise SystemExit(f"no training image is large enough for x{s} patches of {args.patch} px "
                             f"({(args.patch + 2 * DEGRADE_MARGIN) * s} px HR per side)")
    log("rgb bank: images large enough per scale: " + ", ".join(f"x{s} {len(i)}" for s, i in eligible.items()))
    return lambda scale, rng: sample_degraded_batch(rgb, eligible[scale], scale, args.batch, args.patch, rng,
                                                        args.clean_fraction, args.weights, args.mix_p)


def edge_l1(sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
    """L1 distance of the horizontal and vertical finite differences."""
    return (torch.nn.functional.l1_loss(sr.diff(dim=-1), hr.diff(dim=-1))
            + torch.nn.functional.l1_loss(sr.diff(dim=-2), hr.diff(dim=-2)))


def load_model(path: Path) -> SRNet:
    """SRNet from a checkpoint file (eval mode; a re-parameterized net comes back fused)."""
    return load_net(path, SRNet)[0].fused()


def eval_set(model: SRNet, pairs_by_key: dict, scales: Sequence[int],
             variants: Sequence[str] = ("bicubic",)) -> dict[str, tuple[float, float]]:
    """Mean (PSNR, SSIM) per scale and LR variant on the eval set, keyed ``xS`` (bicubic) or ``xS-VARIANT``."""
    model.eval()
    res = {}
    for s in scales:
        for v in variants:
            key = eval_key(s, v)
            res[key] = mean_metrics(evaluate(pairs_by_key[key], s, torch_predictor(model, s)))
    model.train()
    return res


def eval_key(scale: int, variant: str) -> str:
    """History key of an evaluation: ``x2`` for the protocol, ``x2-jpeg`` for another LR variant."""
    return f"x{scale}" if variant == "bicubic" else f"x{scale}-{variant}"


def eval_pairs(args: argparse.Namespace) -> tuple[str, dict[str, list] | None]:
    """The periodic evaluation's name and LR/HR pairs by :func:`eval_key`: the held-out files (``--holdout``)
    or ``--eval-dir`` (None when that folder is missing)."""
    keys = [(s, v) for s in args.scales for v in args.eval_variants]
    if args.holdout:
        held = split_sources(args)[1]
        return "held-out", {eval_key(s, v): pairs_from_paths(held, s, v, args.eval_crop) for s, v in keys}
    eval_dir = args.eval_dir or args.data / "sr" / "Set5"
    if not eval_dir.is_dir():
        return eval_dir.name, None
    return eval_dir.name, {eval_key(s, v): load_pairs(eval_dir, s, v) for s, v in keys}


def main(argv: Sequence[str] | None = None) -> Path:
    """Train; returns the path of the final checkpoint."""
    args = parse_args(argv)
    rng = seeded(args)
    model = SRNet(args.channels, args.blocks, tuple(args.scales), args.rep)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    run = Run("superres", args, argv, model, opt, rng, args.ckpt_minutes)
    run.begin(args.resume, str(args.init) if args.init else None,
              lambda source: model.deepen_from(source["config"]["blocks"]))  # a shallower source: identity blocks
    log = run.log
    plain = model.fused()
    log(f"model {model.config()}: {param_count(model)} params ({param_count(plain)} deployed), receptive field "
        f"{receptive_field(plain)} LR px, " + ", ".join(f"x{s} {macs_per_output_pixel(plain, s):.0f} MACs/px"
                                                      for s in args.scales))

    sample = batch_sampler(args, log)
    eval_name, pairs = eval_pairs(args)
    if args.holdout and pairs:
        log(f"evaluating on {len(next(iter(pairs.values())))} held-out images (central {args.eval_crop} px)")

    def do_eval() -> None:
        if pairs is None:
            return
        res = eval_set(model, pairs, args.scales, args.eval_variants)
        run.record({k: [round(v, 4) for v in pq] for k, pq in res.items()})
        log(f"eval iter {run.iteration} {eval_name}: "
            + "  ".join(f"{k} {p:.2f} dB / {q:.4f}" for k, (p, q) in res.items()))
        if args.keep_evals:
            save_checkpoint(run.out / f"iter_{run.iteration}.pt", run.state())

    model.train()
    for it in range(run.iteration, args.iters):
        scale = args.scales[it % len(args.scales)]
        lr_np, hr_np = sample(scale, rng)
        set_lr(opt, cosine_lr(it, args.iters, args.lr, args.lr_min))
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            sr = model(torch.from_numpy(lr_np), scale)
        sr, hr = sr.float(), torch.from_numpy(hr_np)
        loss = torch.nn.functional.l1_loss(sr, hr)
        if args.edge_weight:
            loss = loss + args.edge_weight * edge_l1(sr, hr)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip_grad:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_grad)
        opt.step()
        run.end_iteration({"loss": loss.item()}, do_eval)
    return run.finish(do_eval)


if __name__ == "__main__":
    main()
