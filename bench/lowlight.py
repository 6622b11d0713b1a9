"""Low-light speed and memory: the plugin as the app runs it, against its parts and a global gamma.

    python bench/lowlight.py [--cases 1mp 12mp 24mp] [--models DIR] [--threads N]

Each case is one synthetic dark photo; every method runs in a fresh subprocess: the ``lowlight`` plugin
with and without its denoiser, the illumination network alone on the proxy (what the photo's size does
not change) and a global gamma (one numpy pass over the photo, for scale). On Linux the peak RSS is the
run's own (the peak of building the photo is reset first). ``--models`` takes another
folder with the two models' manifest (e.g. an export of a checkpoint in progress); default: the plugin's.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
from common import ROOT, in_child, photo, timed

PROC = Path("/proc/self")

CASES = {"1mp": 1.0, "12mp": 12.0, "24mp": 24.0}
METHODS = {"ours": "plugin (denoise 1)", "ours-no-denoise": "plugin (denoise 0)",
           "proxy": "illumination net on the 512 px proxy only", "gamma": "global gamma (numpy)"}
MODELS = ROOT / "plugins" / "lowlight" / "models"


def _vm_mib(key: str) -> float:
    for line in (PROC / "status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def reset_peak() -> bool:
    """Linux: forget the peak RSS so far (building the photo), so the measured peak is the run's own."""
    try:
        (PROC / "clear_refs").write_text("5")
        return True
    except OSError:
        return False


def run_one(method: str, case: str, models: str) -> dict:
    """In the child: build the photo and load the models (not timed), then time one run."""
    img = photo(CASES[case]) * np.float32(0.15)
    if method == "gamma":
        def call():
            return np.power(img, 0.45)
    else:
        from photoai.core.image import ImageBuffer
        from photoai.plugin_api.execute import run_plugin
        from photoai.runtime import Runtime
        from photoai_plugins.lowlight.plugin import DENOISE_ID, ILLUM_ID, LowLightPlugin, nchw, proxy_of

        runtime = Runtime([models], "cpu", user_models=False)
        illum = runtime.load(ILLUM_ID)
        runtime.load(DENOISE_ID)
        if method == "proxy":
            def call():
                return illum(nchw(proxy_of(img)))
        else:
            buf, values = ImageBuffer(img), {"denoise": 0.0 if method == "ours-no-denoise" else 1.0}

            def call():
                return run_plugin(LowLightPlugin(), buf, None, values, runtime=runtime).rgb
    if reset_peak():
        base = _vm_mib("VmRSS")
        r = timed(call)
        r.update(base=base, peak=_vm_mib("VmHWM"))
    else:
        r = timed(call)
    r.pop("out_shape")
    return dict(r, size=f"{img.shape[1]}x{img.shape[0]}", frame=img.nbytes / 2 ** 20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--models", default=str(MODELS))
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads (PHOTOAI_THREADS)")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return
    os.environ["PHOTOAI_THREADS"] = str(args.threads)
    models = str(Path(args.models).resolve())
    print(f"models: {args.models}; {args.threads} ONNX Runtime thread(s)")
    print("| photo | method | wall s | peak RSS MiB | over baseline MiB | over baseline / RGB frame |")
    print("|---|---|---|---|---|---|")
    for case in args.cases:
        for method in args.methods:
            r = in_child(__file__, [method, case, models])
            if "error" in r:
                print(f"| {case} | {METHODS[method]} | failed: {r['error']} | | | |")
                continue
            over = r["peak"] - r["base"]
            print(f"| {r['size']} ({CASES[case]:g} MP) | {METHODS[method]} | {r['wall']:.2f} | {r['peak']:.0f} | "
                  f"{over:.0f} | {over / r['frame']:.1f} |")


if __name__ == "__main__":
    main()
