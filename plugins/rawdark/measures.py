"""PSNR in raw space and after the simple render (:func:`.net.render`), and the Gaussian-blur baseline;
``python -m photoai_plugins.rawdark.measures --checkpoint CKPT`` measures a run's network on its held-out
photos per ratio. torch, imported by the training and export scripts only."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .net import render

__all__ = ["psnr", "gaussian_blur", "scores", "tune_blur", "as_tensors", "evaluate", "held_out_photos", "measure",
           "main", "BLUR_SIGMAS"]

BLUR_SIGMAS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean over the batch of each image's PSNR (peak 1)."""
    mse = ((a - b) ** 2).flatten(1).mean(dim=1).clamp_min(1e-10)
    return float((10 * torch.log10(1.0 / mse)).mean())


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of each plane (reflect padding)."""
    r = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = x.shape[1]
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def scores(out: torch.Tensor, batch: Mapping[str, torch.Tensor]) -> tuple[float, float]:
    """(raw PSNR, rendered PSNR) of packed planes ``out`` against ``batch["clean"]``, both clipped to [0, 1]."""
    out, clean = out.clamp(0.0, 1.0), batch["clean"]
    wb, ccm = batch["wb"], batch["cam2rgb"]
    return psnr(out, clean), psnr(render(out, wb, ccm), render(clean, wb, ccm))


def tune_blur(batch: Mapping[str, torch.Tensor], sigmas: Sequence[float] = BLUR_SIGMAS) -> float:
    """The blur sigma (packed pixels) with the best rendered PSNR on ``batch`` (tuned once, on validation),
    among those whose kernel radius fits in the planes (reflect padding)."""
    side = min(batch["noisy"].shape[-2:])
    fitting = [s for s in sigmas if math.ceil(3 * s) < side] or [min(sigmas)]
    return max(fitting, key=lambda s: scores(gaussian_blur(batch["noisy"], s), batch)[1])


def as_tensors(batch: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in batch.items()}


def evaluate(denoise: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], batch: Mapping[str, torch.Tensor],
             blur_sigma: float) -> dict[str, float]:
    """PSNR (raw, rendered) of the network, of the noisy input and of the blur baseline on ``batch``."""
    with torch.inference_mode():
        out = denoise(batch["noisy"], batch["levels"])
    metrics: dict[str, float] = {}
    for name, x in (("net", out), ("input", batch["noisy"]), ("blur", gaussian_blur(batch["noisy"], blur_sigma))):
        raw, rendered = scores(x, batch)
        metrics[f"psnr_raw_{name}"], metrics[f"psnr_render_{name}"] = round(raw, 3), round(rendered, 3)
    return metrics


def held_out_photos(args: Mapping[str, Any]) -> list[np.ndarray]:
    """The photos a training run (its ``args``) held out for validation: the last ``val`` of its list."""
    from .._training import list_photos
    from .data import load_photos

    photos = load_photos(list_photos(Path(args["data"]), tuple(args["folders"])), int(args["size"]))
    return photos[-int(args["val"]):]


def measure(denoise: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], photos: Sequence[np.ndarray],
            ratios: Sequence[float], blur_sigma: float, seed: int = 4321) -> dict[str, dict[str, float]]:
    """Per ratio, the mean of :func:`evaluate` over whole ``photos`` (cropped to multiples of 8), each
    photo with its own fixed seed."""
    from .data import make_example, stack

    table: dict[str, dict[str, float]] = {}
    for ratio in ratios:
        rows = []
        for i, rgb in enumerate(photos):
            crop = rgb[: rgb.shape[0] // 8 * 8, : rgb.shape[1] // 8 * 8].astype(np.float32) / 255.0
            example = make_example(crop, np.random.default_rng(seed + i), ratio=ratio)
            rows.append(evaluate(denoise, as_tensors(stack([example])), blur_sigma))
        table[f"x{ratio:g}"] = {k: round(float(np.mean([r[k] for r in rows])), 2) for k in rows[0]}
    return table


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """``python -m photoai_plugins.rawdark.measures --checkpoint runs/rawdark/best.pt``: the table of
    :func:`measure` on the run's held-out photos (whole photos, fixed seeds), printed and returned."""
    import argparse
    import json

    from .._training import load_net
    from .net import RawDenoiser

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--checkpoint", type=Path, default=Path("runs/rawdark/best.pt"))
    ap.add_argument("--ratios", type=float, nargs="+", default=[50.0, 100.0, 200.0, 300.0])
    ap.add_argument("--blur-sigma", type=float, default=None, help="default: tuned on the held-out photos at x100")
    ap.add_argument("--json", type=Path, default=None, help="also write the table here")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    net, ckpt = load_net(args.checkpoint, RawDenoiser)
    photos = held_out_photos(ckpt["args"])
    sigma = args.blur_sigma
    if sigma is None:
        from .data import validation_batch

        sigma = tune_blur(as_tensors(validation_batch(photos, int(ckpt["args"]["size"]))))
    table = measure(net, photos, args.ratios, sigma)
    print(f"{len(photos)} held-out photos, blur sigma {sigma}; PSNR dB (raw / after the simple render):")
    for ratio, row in table.items():
        print(f"  {ratio:>5}: net {row['psnr_raw_net']:.2f} / {row['psnr_render_net']:.2f}   input "
              f"{row['psnr_raw_input']:.2f} / {row['psnr_render_input']:.2f}   blur {row['psnr_raw_blur']:.2f} / "
              f"{row['psnr_render_blur']:.2f}")
    result = {"data": f"{len(photos)} held-out training photos (whole, fixed seeds)", "blur_sigma": sigma, **table}
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
