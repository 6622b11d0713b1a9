"""Super-resolution speed and memory, side by side in one run.

    python bench/superres.py [--sizes 1 12] [--scales 2 4] [--methods ort torch pillow] [--speed fast|quality]

For each input size (megapixels) and scale it runs, each in a fresh subprocess on the same
synthetic photo: our network (the default Method, Photo, at ``--speed``: default the plugin's) through ONNX
Runtime in float32 and in int8 (the plugin as the app runs it: tiled Y through the network, bicubic chroma),
the same network in torch eager (same tiling), and
Pillow bicubic as the floor. It prints wall time, output megapixels per second, peak RSS and
the extra memory over the process baseline, plus the model's multiply-adds per output pixel.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
from common import in_child, photo, timed


def family_of(speed: str) -> str:
    from photoai_plugins.superres.plugin import family

    return family("photo", speed)


def run_one(method: str, megapixels: float, scale: int, speed: str) -> dict:
    """Runs in the child process: prepare, then time one call of ``method``."""
    from photoai.core.tiling import run_tiled
    from photoai_plugins.superres.plugin import FAMILIES, model_id

    img = photo(megapixels)
    if method == "pillow":
        from PIL import Image

        def call():
            h, w = img.shape[:2]
            out = [np.asarray(Image.fromarray(np.ascontiguousarray(img[..., c]), mode="F").resize(
                (w * scale, h * scale), Image.Resampling.BICUBIC)) for c in range(3)]
            return np.stack(out, axis=2)
    elif method in ("ort", "ort-int8"):
        from photoai.core.image import ImageBuffer
        from photoai.plugin_api.execute import run_plugin
        from photoai.plugin_api.models import open_runtime
        from photoai.plugin_api.registry import discover_plugins

        registry = discover_plugins(entry_point_group=None, paths=[])
        plugin, runtime = registry.get("superres"), open_runtime(registry, user_models=False)
        precision = "int8" if method == "ort-int8" else "float32"
        runtime.load(model_id(scale, precision, family_of(speed)))  # not timed
        buf = ImageBuffer(img)

        def call():
            values = {"scale": scale, "precision": precision, "speed": speed}
            return run_plugin(plugin, buf, values=values, runtime=runtime).rgb
    elif method == "torch":
        import torch

        from photoai.core.resize import imresize, rgb_to_ycbcr, ycbcr_to_rgb
        from photoai_plugins.superres.net import SingleScale, SRNet, receptive_field
        from photoai_plugins.superres.plugin import AUTO_TILES

        ckpt = torch.load(shipped().spec(f"{FAMILIES[family_of(speed)]}torch").path, map_location="cpu",
                          weights_only=True)
        net = SRNet(**ckpt["config"])
        net.load_state_dict(ckpt["model"])
        module = SingleScale(net.eval(), scale).eval()
        overlap = receptive_field(module) // 2 + 1

        def luma(t):
            with torch.inference_mode():
                return module(torch.from_numpy(np.ascontiguousarray(t))[None, None])[0, 0].numpy()

        def call():
            ycc = rgb_to_ycbcr(img)
            y = run_tiled(np.ascontiguousarray(ycc[..., 0]), luma, scale=scale, tile=AUTO_TILES[0], overlap=overlap)
            chroma = imresize(np.ascontiguousarray(ycc[..., 1:]), float(scale))
            return np.clip(ycbcr_to_rgb(np.concatenate([y[..., None], chroma], axis=2)), 0, 1)
    else:
        raise ValueError(method)
    r = timed(call)
    h, w = r.pop("out_shape")[:2]
    return dict(r, out_mp=h * w / 1e6, in_size=f"{img.shape[1]}x{img.shape[0]}")


def shipped() -> Any:
    """The runtime of the built-in plugins' models (no user store)."""
    from photoai.plugin_api.models import open_runtime
    from photoai.plugin_api.registry import discover_plugins

    return open_runtime(discover_plugins(entry_point_group=None, paths=[]), user_models=False)


def macs(scale: int, speed: str) -> str:
    from photoai_plugins.superres.plugin import model_id

    return f"{shipped().spec(model_id(scale, family=family_of(speed))).macs_per_output_pixel / 1e3:.1f}k"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 12])
    ap.add_argument("--scales", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--methods", nargs="+", default=["ort", "ort-int8", "torch", "pillow"])
    ap.add_argument("--speed", choices=("fast", "quality"), default=None, help="default: the plugin's")
    ap.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], float(args.one[1]), int(args.one[2]), args.one[3])))
        return
    from photoai_plugins.superres.plugin import DEFAULT_SPEED

    speed = args.speed or DEFAULT_SPEED
    print(f"Photo, speed {speed}")
    names = {"ort": "ours, ONNX Runtime fp32", "ort-int8": "ours, ONNX Runtime int8", "torch": "ours, torch eager fp32",
             "pillow": "Pillow bicubic"}
    print("| input | scale | method | wall s | out MP/s | peak RSS MiB | over baseline MiB | MACs/out px | vs ORT |")
    print("|---|---|---|---|---|---|---|---|---|")
    for mp in args.sizes:
        for scale in args.scales:
            rows = {}
            for method in args.methods:
                res = in_child(__file__, [method, str(mp), str(scale), speed])
                if "error" in res:
                    print(f"| {mp} MP | x{scale} | {names[method]} | failed: {res['error']} |")
                    continue
                rows[method] = res
            ref = rows.get("ort", {}).get("wall")
            for method, r in rows.items():
                ratio = f"{r['wall'] / ref:.2f}x" if ref else "-"
                cost = macs(scale, speed) if method != "pillow" else "-"
                print(f"| {r['in_size']} ({mp:g} MP) | x{scale} | {names[method]} | {r['wall']:.2f} | "
                      f"{r['out_mp'] / r['wall']:.1f} | {r['peak']:.0f} | {r['peak'] - r['base']:.0f} | {cost} | "
                      f"{ratio} |")


if __name__ == "__main__":
    main()
