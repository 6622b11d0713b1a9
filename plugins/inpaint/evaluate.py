"""Evaluate inpainting on Kodak24 against OpenCV Telea and Navier-Stokes, per hole-ratio bucket.

    python -m photoai_plugins.inpaint.evaluate --data ../shared/data/photos/kodak24 --texture [--limit 12]

``--texture`` (issue 12) scores object-shaped holes (one or two blobs, 4-15 %), free-form strokes
(10-20 %) and thin scratches with texture measures inside the hole (:mod:`.texture`: HF ratio,
patch SWD) next to PSNR, for Telea, OpenCV contrib's FSR (when ``cv2.xphoto`` is importable), the
plain exemplar fill (no network), the network alone (the plugin with Fill: Smooth, as before) and
the plugin's Fill settings Photo texture and Automatic (the default).

    python -m photoai_plugins.inpaint.evaluate --data ../shared/data/photos/kodak24 \
        [--model onnx plugins/inpaint/models/inpaint_pconv.onnx | --model checkpoint runs/inpaint/best.pt]

Every image gets one fixed-seed free-form mask per bucket (1-10, 10-20, 20-30, 30-40, 40-50 %).
``--scratches`` adds a row of thin scratches across the photo, and ``--upscale N`` enlarges every
image first (Lanczos), a stand-in for the large photos the app's crop strategy is for.
All methods see the same 8-bit input; their 8-bit results keep the pixels outside the mask equal
to the input. The network runs fully convolutionally on the whole image, padded to a multiple of
its ``size_multiple`` and cropped back as the runtime runs every model. Metrics are on the full
image: PSNR on RGB, SSIM on Y (BT.601, [0, 255], Gaussian 11x11 sigma 1.5, Wang et al. 2004) and
mean |error| on RGB in [0, 1].
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from photoai.core.metrics import psnr, ssim, to_y255
from photoai.core.models import ModelSpec
from photoai.runtime.manifest import read_manifest

from .._training import command_line
from .data import list_images, load_rgb
from .exemplar import exemplar_fill
from .masks import BUCKETS, eval_mask, object_mask, scratch_mask
from .texture import texture_scores

Inpainter = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (uint8 HxWx3, uint8 HxW hole) -> uint8 HxWx3
DEFAULT_MULTIPLE = 64  # the shipped net's size multiple, for an ONNX file no manifest entry describes


def opencv_inpainter(flag: int, radius: int) -> Inpainter:
    def run(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        return cv2.inpaint(img, hole, radius, flag)
    return run


def fsr_inpainter() -> Inpainter | None:
    """OpenCV contrib's fast frequency-selective reconstruction, or None without ``cv2.xphoto``."""
    xphoto = getattr(cv2, "xphoto", None)
    if xphoto is None:
        return None

    def run(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        out = np.empty_like(img)
        xphoto.inpaint(img, (1 - hole).astype(np.uint8), out, xphoto.INPAINT_FSR_FAST)  # mask: 1 = known
        return np.where(hole[..., None] > 0, out, img)
    return run


def exemplar_inpainter(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """The plain exemplar fill (:func:`.exemplar.exemplar_fill` from a smooth start, no network)."""
    out = exemplar_fill(img.astype(np.float32) / 255.0, hole > 0)
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)


def onnx_model(path: Path) -> Callable[..., np.ndarray]:
    """The ONNX file (ONNX Runtime, CPU) under the runtime's call contract, with the facts of its
    entry in the manifest beside it (else size multiple :data:`DEFAULT_MULTIPLE`)."""
    from photoai.runtime.backends import OrtModel

    spec = next((s for s in read_manifest(path.parent) if s.file == path.name), None)
    spec = spec or ModelSpec(id=path.stem, file=path.name, sha256="", size_multiple=DEFAULT_MULTIPLE, root=path.parent)
    return OrtModel(spec, path, "cpu")


def checkpoint_model(path: Path) -> Callable[..., np.ndarray]:
    """The net of a training checkpoint (torch) under the runtime's call contract."""
    import torch

    from photoai.runtime.backends import finish_output, pad_inputs

    from .export import load_net
    from .net import InpaintExportWrapper

    net, _ = load_net(path)
    wrapper = InpaintExportWrapper(net).eval()
    spec = ModelSpec(id=path.stem, file=path.name, sha256="", size_multiple=net.size_multiple)

    def call(*inputs: np.ndarray) -> np.ndarray:
        padded, h, w = pad_inputs(inputs, spec)
        with torch.no_grad():
            return finish_output(wrapper(*(torch.from_numpy(x) for x in padded)).numpy(), spec, h, w)
    return call


def network_inpainter(kind: str, path: str) -> tuple[Inpainter, str]:
    """Our model from an ONNX file (onnxruntime) or a training checkpoint (torch); either pads its
    inputs to the net's size multiple and crops its output (the runtime's model call contract)."""
    if kind not in ("onnx", "checkpoint"):
        raise ValueError(f"unknown model kind {kind!r}")
    model = onnx_model(Path(path)) if kind == "onnx" else checkpoint_model(Path(path))

    def run(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        m = hole.astype(np.float32)[None, None]
        x = img.astype(np.float32).transpose(2, 0, 1)[None] / 255.0 * (1.0 - m)
        out = model(x, m)[0].transpose(1, 2, 0)
        out = np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
        return np.where(hole[..., None] > 0, out, img)  # outside the mask: exactly the input
    return run, f"pconv({kind})"


def score(result: np.ndarray, ref: np.ndarray, hole: np.ndarray) -> dict[str, float]:
    """Full-image PSNR/SSIM/L1 and the texture measures inside the hole."""
    a, b = result.astype(np.float64) / 255.0, ref.astype(np.float64) / 255.0
    return {"psnr": psnr(a, b, data_range=1.0), "ssim": ssim(to_y255(a), to_y255(b)),
            "l1": float(np.abs(a - b).mean()), **texture_scores(result, ref, hole)}


def plugin_inpainter(models_dir: Path, working_size: int, passes: int = 1, fill: str = "smooth") -> Inpainter:
    """The ``inpaint`` plugin exactly as the app runs it (crop strategy, working size, quality,
    fill), grow 0."""
    from photoai.core.image import ImageBuffer
    from photoai.plugin_api.execute import run_plugin
    from photoai.runtime import Runtime

    from .plugin import InpaintPlugin

    plugin, runtime = InpaintPlugin(), Runtime(models_dir, user_models=False)

    def run(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        buf = ImageBuffer(img.astype(np.float32) / 255.0)
        values = {"grow": 0, "working_size": working_size, "passes": passes, "fill": fill}
        out = run_plugin(plugin, buf, hole.astype(np.float32), values, runtime=runtime)
        return np.clip(np.rint(out.rgb * 255.0), 0, 255).astype(np.uint8)

    return run


MaskFn = Callable[[int, int, int], np.ndarray]  # (image index, h, w) -> uint8 hole


def mask_sets(seed: int, buckets: Sequence[tuple[float, float]] = BUCKETS,
              scratches: bool = False, objects: bool = False) -> dict[str, MaskFn]:
    """The evaluation's rows: fixed-seed object holes (4-15 %), one fixed-seed mask generator per
    hole-ratio bucket (free-form strokes), scratches."""
    rows: dict[str, MaskFn] = {"objects": partial(object_mask, seed)} if objects else {}
    rows.update({f"{round(b[0] * 100)}-{round(b[1] * 100)}%": partial(eval_mask, seed, b) for b in buckets})
    if scratches:
        rows["scratches"] = lambda i, h, w: scratch_mask(seed, i, h, w)
    return rows


def load_reference(path: Path, upscale: int = 1) -> np.ndarray:
    img = load_rgb(path)
    if upscale == 1:
        return img
    h, w = img.shape[:2]
    return cv2.resize(img, (w * upscale, h * upscale), interpolation=cv2.INTER_LANCZOS4)


def evaluate(images: Sequence[Path], methods: dict[str, Inpainter], seed: int = 2018,
             buckets: Sequence[tuple[float, float]] = BUCKETS, masks: dict[str, MaskFn] | None = None,
             upscale: int = 1, keep: dict[tuple[str, int], dict[str, np.ndarray]] | None = None,
             keep_first: int = 0) -> dict[str, dict[str, dict[str, float]]]:
    """``{row: {method: {psnr, ssim, l1, hf, swd, swd_rgb, hole_psnr, hole_ratio, seconds}}}``
    averaged over the images; the rows are ``masks`` (default: the hole-ratio ``buckets``).
    ``keep`` collects, for the first ``keep_first`` images of each row, the truth, the hole and
    every method's result under ``(row, index)``."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    refs = [load_reference(p, upscale) for p in images]
    for name, make_mask in (masks or mask_sets(seed, buckets)).items():
        acc: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
        for i, ref in enumerate(refs):
            hole = make_mask(i, *ref.shape[:2])
            damaged = ref * (1 - hole[..., None])
            kept = {} if keep is None or i >= keep_first else keep.setdefault((name, i), {"truth": ref, "hole": hole})
            for method, fn in methods.items():
                t = time.perf_counter()
                out = fn(damaged, hole)
                seconds = time.perf_counter() - t
                s = score(out, ref, hole)
                s["seconds"] = seconds
                s["hole_ratio"] = float(hole.mean())
                acc[method].append(s)
                if kept:
                    kept[method] = out
        results[name] = {m: {k: float(np.mean([r[k] for r in rs])) for k in rs[0]} for m, rs in acc.items()}
    return results


CROP_TILE = 176  # px, the longest side of one tile of a side-by-side crop


def save_crops(kept: dict[tuple[str, int], dict[str, np.ndarray]], methods: Sequence[str], folder: Path) -> list[Path]:
    """One PNG per kept (row, image): the hole (shown magenta), each method's result, the truth,
    side by side, cropped to the hole's box plus a margin and fitted to :data:`CROP_TILE` px."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for (row, index), got in kept.items():
        hole, truth = got["hole"], got["truth"]
        ys, xs = np.nonzero(hole)
        m = 12
        y0, y1 = max(0, ys.min() - m), min(hole.shape[0], ys.max() + m + 1)
        x0, x1 = max(0, xs.min() - m), min(hole.shape[1], xs.max() + m + 1)
        shown = np.where(hole[..., None] > 0, np.array([255, 0, 255], np.uint8), truth)
        f = min(1.0, CROP_TILE / max(y1 - y0, x1 - x0))
        size = (max(1, round((x1 - x0) * f)), max(1, round((y1 - y0) * f)))
        gap = np.full((size[1], 4, 3), 255, np.uint8)
        tiles = []
        for img in [shown, *(got[k] for k in methods if k in got), truth]:
            tiles += [cv2.resize(np.ascontiguousarray(img[y0:y1, x0:x1]), size, interpolation=cv2.INTER_AREA), gap]
        path = folder / f"inpaint_{row.replace('%', 'pct')}_{index:02d}.png"
        cv2.imwrite(str(path), cv2.cvtColor(np.concatenate(tiles[:-1], axis=1), cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_PNG_COMPRESSION, 9])
        paths.append(path)
    return paths


def format_table(results: dict[str, dict[str, dict[str, float]]], baseline: str = "telea") -> str:
    lines = [f"{'rows':<9} {'method':<22} {'hole%':>6} {'PSNR':>7} {'SSIM(Y)':>8} {'dPSNR':>7} {'HF':>6} "
             f"{'SWD':>6} {'SWDrgb':>7} {'s/img':>6}"]
    for bucket, rows in results.items():
        base = rows.get(baseline, {}).get("psnr")
        for method, r in rows.items():
            delta = f"{r['psnr'] - base:+.2f}" if base is not None else ""
            lines.append(f"{bucket:<9} {method:<22} {100 * r['hole_ratio']:6.1f} {r['psnr']:7.2f} {r['ssim']:8.4f} "
                         f"{delta:>7} {r['hf']:6.2f} {r['swd']:6.2f} {r['swd_rgb']:7.2f} {r['seconds']:6.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder of evaluation images (Kodak24)")
    p.add_argument("--model", nargs=2, metavar=("KIND", "PATH"), default=None,
                   help="onnx PATH or checkpoint PATH (default: onnx plugins/inpaint/models/inpaint_pconv.onnx)")
    p.add_argument("--no-model", action="store_true", help="only the OpenCV baselines")
    p.add_argument("--plugin-sizes", type=int, nargs="*", default=[],
                   help="also score the app's plugin (crop strategy) at these working sizes (onnx only)")
    p.add_argument("--plugin-passes", type=int, nargs="*", default=[1], choices=(1, 2, 4),
                   help="plugin quality settings to score (mirrored passes averaged)")
    p.add_argument("--radius", type=int, default=5, help="cv2.inpaint radius (5 scores ~0.15 dB above 3 for Telea)")
    p.add_argument("--seed", type=int, default=2018)
    p.add_argument("--limit", type=int, default=0, help="use only the first N images (quick checks)")
    p.add_argument("--scratches", action="store_true", help="add a row of thin scratches across each photo")
    p.add_argument("--only-scratches", action="store_true", help="score the scratches row alone")
    p.add_argument("--upscale", type=int, default=1, help="enlarge each image N times first (Lanczos)")
    p.add_argument("--texture", action="store_true",
                   help="issue 12's comparison: object holes, strokes 10-20 %%, scratches; Telea, FSR, "
                        "exemplar, network, and the plugin's Fill settings")
    p.add_argument("--save-crops", default=None, metavar="DIR",
                   help="write side-by-side crops (hole, methods, truth) of the first row here")
    p.add_argument("--crop-images", type=int, nargs="*", default=[0, 2, 4],
                   help="which images (by index) --save-crops shows")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", default=None, help="write the results (and the command) here")
    args = p.parse_args(argv)
    cv2.setNumThreads(args.threads)
    images = list_images(args.data)[: args.limit or None]
    methods: dict[str, Inpainter] = {}
    from .export import default_onnx_path

    if not args.no_model and not args.texture:  # with --texture the network rows are the plugin's, below
        kind, path = args.model or ("onnx", str(default_onnx_path()))
        if kind == "checkpoint":
            import torch
            torch.set_num_threads(args.threads)
        fn, name = network_inpainter(kind, path)
        methods[name] = fn
        if kind == "onnx":
            for size in args.plugin_sizes:
                for passes in args.plugin_passes:
                    suffix = f" x{passes}" if passes > 1 else ""
                    methods[f"plugin@{size}px{suffix}"] = plugin_inpainter(Path(path).parent, size, passes)
    methods["telea"] = opencv_inpainter(cv2.INPAINT_TELEA, args.radius)
    missing = []
    if args.texture:
        fsr = fsr_inpainter()
        if fsr is None:
            missing.append("opencv-fsr: not installed (pip install opencv-contrib-python-headless)")
        else:
            methods["opencv-fsr"] = fsr
        methods["exemplar"] = exemplar_inpainter
        if not args.no_model:
            models_dir = Path((args.model or ("onnx", str(default_onnx_path())))[1]).parent
            for fill, label in (("smooth", "network (before)"), ("auto", "default (auto)")):
                methods[label] = plugin_inpainter(models_dir, 1024, 1, fill)
        masks = mask_sets(args.seed, [(0.10, 0.20)], scratches=True, objects=True)
    else:
        methods["navier-stokes"] = opencv_inpainter(cv2.INPAINT_NS, args.radius)
        masks = mask_sets(args.seed, () if args.only_scratches else BUCKETS, args.scratches or args.only_scratches)
    kept: dict[tuple[str, int], dict[str, np.ndarray]] = {}
    results = evaluate(images, methods, args.seed, masks=masks, upscale=args.upscale,
                       keep=kept, keep_first=max(args.crop_images, default=-1) + 1 if args.save_crops else 0)
    if args.save_crops:
        chosen = {k: v for k, v in kept.items() if k[0] == next(iter(masks)) and k[1] in args.crop_images}
        order = [m for m in ("telea", "exemplar", "network (before)", "default (auto)") if m in methods]
        for path in save_crops(chosen, order or list(methods), Path(args.save_crops)):
            print(f"wrote {path}")
    print(f"{len(images)} images from {args.data}" + (f" enlarged x{args.upscale}" if args.upscale > 1 else "")
          + f"; masks seed {args.seed}; OpenCV radius {args.radius}")
    print(format_table(results))
    for line in missing:
        print(line)
    command = command_line("inpaint.evaluate", argv)
    out = {"kodak24" if "kodak" in str(args.data).lower() else Path(args.data).name: results,
           "command": command, "ssim": "Y (BT.601), Gaussian 11x11 sigma 1.5", "psnr": "RGB, full image"}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return out


if __name__ == "__main__":
    main()
