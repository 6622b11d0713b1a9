"""Inpainting speed and memory, side by side in one run: the plugin as the app runs it vs OpenCV.

    python bench/inpaint.py [--cases small-strokes 12mp-strokes 12mp-object 24mp-blemish 24mp-scratches]

Each case is one synthetic photo and one fixed hole mask; every method runs in a fresh subprocess:
the ``inpaint`` plugin (crop strategy, working size 1024) as the app runs it (Fill: Automatic; 1
and 4 mirrored passes) and with Fill: Smooth (the network alone, as before the texture fill), and
OpenCV Telea / Navier-Stokes (radius 5) on the whole photo. It prints wall time, peak RSS, the
memory over the process baseline, and the time relative to Telea and to the network alone.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
from common import in_child, photo, timed

CASES = {
    # name: (megapixels, hole description)
    "small-strokes": (1.0, "strokes 10-20 %"),
    "12mp-strokes": (12.0, "strokes 10-20 %"),
    "12mp-object": (12.0, "one object, ~10 %"),
    "24mp-blemish": (24.0, "one 120x80 px blob"),
    "24mp-scratches": (24.0, "thin scratches across"),
}
METHODS = {"ours": "ours (plugin, 1 pass)", "ours-x4": "ours (plugin, 4 passes)",
           "ours-smooth": "network alone (Fill: Smooth)",
           "telea": "OpenCV Telea", "ns": "OpenCV Navier-Stokes"}


def hole_mask(case: str, h: int, w: int) -> np.ndarray:
    from photoai_plugins.inpaint.masks import mask_for_ratio_bucket, scratch_mask

    if case.endswith("scratches"):
        return scratch_mask(7, 0, h, w)
    if case.endswith("object"):  # an upright ellipse, 0.28 x 0.45 of the photo: ~10 %
        hole = np.zeros((h, w), np.uint8)
        yy, xx = np.ogrid[:h, :w]
        hole[((yy - h * 0.55) / (h * 0.225)) ** 2 + ((xx - w * 0.45) / (w * 0.14)) ** 2 <= 1] = 1
        return hole
    if case.endswith("blemish"):
        hole = np.zeros((h, w), np.uint8)
        yy, xx = np.ogrid[:h, :w]
        hole[((yy - h * 0.6) / 40) ** 2 + ((xx - w * 0.3) / 60) ** 2 <= 1] = 1
        return hole
    return mask_for_ratio_bucket(np.random.default_rng(7), h, w, 0.10, 0.20)


def run_one(method: str, case: str) -> dict:
    """In the child: build the photo and mask (not timed), then time one fill."""
    img = photo(CASES[case][0])
    hole = hole_mask(case, *img.shape[:2])
    if method in ("telea", "ns"):
        import cv2

        img8 = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
        flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS

        def call():
            return cv2.inpaint(img8, hole, 5, flag)
    else:
        from photoai.core.image import ImageBuffer
        from photoai.plugin_api.execute import run_plugin
        from photoai.plugin_api.models import open_runtime
        from photoai.plugin_api.registry import discover_plugins

        registry = discover_plugins(entry_point_group=None, paths=[])
        plugin, runtime = registry.get("inpaint"), open_runtime(registry, user_models=False)
        runtime.load("inpaint-pconv")  # not timed
        buf, mask = ImageBuffer(img), hole.astype(np.float32)
        values = {"grow": 0, "passes": 4 if method == "ours-x4" else 1,
                  "fill": "smooth" if method == "ours-smooth" else "auto"}

        def call():
            return run_plugin(plugin, buf, mask, values, runtime=runtime).rgb
    r = timed(call)
    r.pop("out_shape")
    return dict(r, size=f"{img.shape[1]}x{img.shape[0]}", hole_pct=100 * float(hole.mean()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return
    print("| photo | hole | method | wall s | CPU s | peak RSS MiB | over baseline MiB | vs Telea | vs network alone |")
    print("|---|---|---|---|---|---|---|---|---|")
    for case in args.cases:
        rows = {m: in_child(__file__, [m, case]) for m in args.methods}
        ref, net = rows.get("telea", {}).get("wall"), rows.get("ours-smooth", {}).get("wall")
        for method, r in rows.items():
            if "error" in r:
                print(f"| {case} | | {METHODS[method]} | failed: {r['error']} | | | | | |")
                continue
            ratio = f"{r['wall'] / ref:.2f}x" if ref else "-"
            vs_net = f"{r['wall'] / net:.2f}x" if net else "-"
            print(f"| {r['size']} ({CASES[case][0]:g} MP) | {CASES[case][1]} ({r['hole_pct']:.1f} %) | "
                  f"{METHODS[method]} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['peak']:.0f} | "
                  f"{r['peak'] - r['base']:.0f} | {ratio} | {vs_net} |")


if __name__ == "__main__":
    main()
