"""Train the aliasing detector (CPU, resumable): low-resolution Y patches made from the SR training
photos, half shrunk without a prefilter (cv2 cubic or linear, nearest; then the usual noise and JPEG), half
by every other training degradation (30 % plain MATLAB bicubic), binary cross-entropy on each patch's mean
logit. The label is how the patch was made, or with ``--experts BASE ALT`` (two super-resolution checkpoints)
whether ALT's output of the patch is closer to the truth than BASE's, each patch weighted by the dB between
them (at most ``--cap-db``): the detector then learns the routing decision itself, including the aliased
photos whose fold-over it cannot see but on which BASE still loses. The last ``--holdout`` images of every
source are kept out (the same held-out images as ``superres.train --holdout``); the evaluation calls each of
them aliased or not, as the plugin does (:func:`..detect.aliasing_logit`), for the five LR variants at x2, x3
and x4.

    python -m photoai_plugins.superres.detect.train --out runs/alias_detector --iters 10000 --holdout 6
    python -m photoai_plugins.superres.detect.train --out runs/alias_router --init runs/alias_detector/last.pt \
        --experts plugins/superres/models/superres_photo_fast_net.pt \
        plugins/superres/models/superres_photo_fast_aliased_net.pt
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from photoai.core.resize import rgb_to_y

from ... import _training as training
from ..data import DEFAULT_SOURCES
from ..degrade import RESIZES, VARIANTS, lr_variant, mix_probabilities, resize_weights, sample_degradation
from ..train import DEFAULT_T91_RESCALES, load_model, load_rgb_bank, split_sources
from . import THRESHOLD, aliasing_logit

__all__ = ["ALIASED", "Batch", "parse_args", "sample", "expert_targets", "held_out_rates", "main"]

ALIASED = ("cv-cubic", "cv-linear", "nearest")
SCALES = (2, 3, 4)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    training.add_run_args(ap, out="runs/alias_detector", iters=10000, lr=2e-3, lr_min=1e-5, eval_every=2500)
    ap.add_argument("--sources", nargs="+", default=[f"{DEFAULT_SOURCES[0]}:{DEFAULT_T91_RESCALES}",
                                                      *DEFAULT_SOURCES[1:]])
    ap.add_argument("--holdout", type=int, default=6, help="the last N images of every source, kept out")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--patch", type=int, default=32, help="LR patch side (a multiple of 4)")
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--init", type=Path, default=None, help="start from this checkpoint's weights")
    ap.add_argument("--experts", type=Path, nargs=2, default=None, metavar=("BASE", "ALT"),
                    help="label a patch by which of these SR checkpoints upscales it better (1: ALT)")
    ap.add_argument("--cap-db", type=float, default=3.0, help="--experts: largest weight of a patch, in dB")
    ap.add_argument("--context", type=int, default=0,
                    help="--experts: LR px around each patch that the experts see but neither the detector nor the "
                         "score does (keeps the experts' zero-padded borders out of the labels)")
    args = ap.parse_args(argv)
    if args.smoke:
        args.width, args.batch, args.patch = 4, 4, 16
        args.eval_every = max(args.iters, 1)
    return args


@dataclass
class Batch:
    """Training patches: LR Y (N x 1 x patch x patch), their scales, HR Y (one array per patch) and labels
    (1: shrunk without a prefilter, about half of them)."""

    x: np.ndarray
    scales: np.ndarray
    hr_y: list[np.ndarray]
    labels: np.ndarray


def sample(images: Sequence[np.ndarray], batch: int, patch: int, rng: np.random.Generator) -> Batch:
    """``batch`` training patches, each aliased with probability 1/2."""
    aliased = resize_weights({n: (1.0 if n in ALIASED else 0.0) for n in RESIZES})
    other = resize_weights({n: (0.0 if n in ALIASED else w) for n, w in resize_weights().items()})
    no_blur = mix_probabilities({"kernel": 0.0, "preblur": 0.0})
    xs, labels = np.empty((batch, 1, patch, patch), np.float32), np.empty(batch, np.float32)
    scales, hr_y = np.empty(batch, np.int64), []
    for b in range(batch):
        scale = scales[b] = int(rng.choice(SCALES))
        side = patch * scale
        img = images[int(rng.integers(len(images)))]
        while min(img.shape[:2]) < side:
            img = images[int(rng.integers(len(images)))]
        y, x = int(rng.integers(img.shape[0] - side + 1)), int(rng.integers(img.shape[1] - side + 1))
        hr = np.ascontiguousarray(img[y:y + side, x:x + side], np.float32) / 255.0
        labels[b] = float(rng.random() < 0.5)
        degrade = (sample_degradation(rng, scale, 0.0, aliased, no_blur) if labels[b]
                   else sample_degradation(rng, scale, 0.3, other))
        xs[b, 0] = rgb_to_y(degrade(hr))
        hr_y.append(rgb_to_y(hr))
    return Batch(xs, scales, hr_y, labels)


def expert_targets(experts: tuple[Any, Any], batch: Batch, cap_db: float, context: int = 0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Labels (1 where the second SRNet's output is closer to the HR Y than the first's) and weights (the
    PSNR difference in dB, at most ``cap_db``), scored without a border of ``context`` LR px (at least ``scale``
    HR px, as the evaluation does)."""
    import torch

    errors = np.empty((2, len(batch.labels)))
    for scale in np.unique(batch.scales):
        idx = np.flatnonzero(batch.scales == scale)
        x = torch.from_numpy(batch.x[idx])
        cut = max(context, 1) * int(scale)
        hr = np.stack([batch.hr_y[i] for i in idx])[:, cut:-cut, cut:-cut]
        with torch.inference_mode():
            for k, net in enumerate(experts):
                out = np.clip(net(x, int(scale))[:, 0].numpy(), 0.0, 1.0)[:, cut:-cut, cut:-cut]
                errors[k, idx] = np.mean((out - hr) ** 2, axis=(1, 2)) + 1e-10
    db = 10.0 * np.log10(errors[0] / errors[1])  # > 0: the second expert is better
    return (db > 0).astype(np.float32), np.minimum(np.abs(db), cap_db).astype(np.float32)


def held_out_rates(logit_map: Callable[[np.ndarray], np.ndarray], paths: Sequence[Path]) -> dict[str, float]:
    """``{"x2-aliased": % called aliased, ...}`` over the held-out images for every scale and LR variant, each
    image called as the plugin calls it (:func:`..aliasing_logit` with ``logit_map``)."""
    from PIL import Image

    rates: dict[str, float] = {}
    for scale in SCALES:
        for variant in VARIANTS:
            calls = []
            for path in paths:
                with Image.open(path) as im:
                    hr = np.asarray(im.convert("RGB"), np.float64) / 255.0
                hr = hr[: hr.shape[0] // scale * scale, : hr.shape[1] // scale * scale]
                lr = lr_variant(hr, scale, variant).astype(np.float32)
                calls.append(aliasing_logit(lr, logit_map) > THRESHOLD)
            rates[f"x{scale}-{variant}"] = round(100.0 * float(np.mean(calls)), 1)
    return rates


def torch_logits(net: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``logit_map`` of a torch :class:`.net.AliasNet`, the input reflect-padded to multiples of 4 as the runtime
    pads it for the ONNX file."""
    import torch

    def logit_map(y: np.ndarray) -> np.ndarray:
        h, w = y.shape
        padded = np.pad(y, ((0, -h % 4), (0, -w % 4)), mode="reflect" if min(h, w) > 4 else "edge")
        with torch.inference_mode():
            return net(torch.from_numpy(np.ascontiguousarray(padded, np.float32))[None, None])[0, 0].numpy()

    return logit_map


def main(argv: Sequence[str] | None = None) -> Path:
    import torch

    from .net import AliasNet

    args = parse_args(argv)
    rng = training.seeded(args)
    net = AliasNet(args.width)
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    run = training.Run("superres.detect", args, argv, net, optimizer, rng, args.ckpt_minutes)
    run.begin(args.resume, str(args.init) if args.init else None)
    experts = (load_model(args.experts[0]), load_model(args.experts[1])) if args.experts else None
    images = load_rgb_bank(args, run.log).images
    held = split_sources(args)[1] if args.holdout else []
    if args.smoke:
        held = held[:1]

    def evaluate() -> None:
        net.eval()
        rates = held_out_rates(torch_logits(net), held) if held else {}
        net.train()
        run.record(rates)
        run.log(f"eval iter {run.iteration} held-out, % called aliased: "
                + " ".join(f"{k} {v:g}" for k, v in rates.items()))

    net.train()
    while run.iteration < args.iters:
        training.set_lr(optimizer, training.cosine_lr(run.iteration, args.iters, args.lr, args.lr_min))
        c = args.context if experts else 0
        batch = sample(images, args.batch, args.patch + 2 * c, rng)
        labels, weights = (expert_targets(experts, batch, args.cap_db, c) if experts
                           else (batch.labels, np.ones_like(batch.labels)))
        x = np.ascontiguousarray(batch.x[:, :, c:c + args.patch, c:c + args.patch])
        logits = net(torch.from_numpy(x)).mean(dim=(1, 2, 3))
        losses = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(labels),
                                                                      reduction="none")
        w = torch.from_numpy(weights)
        loss = (losses * w).sum() / w.sum().clamp(min=1e-6)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        run.end_iteration({"loss": float(loss.detach())}, evaluate)
    return run.finish(evaluate)


if __name__ == "__main__":
    main()
