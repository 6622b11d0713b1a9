"""Time to the first preview and to the full result when a parameter changes (issue 15: preview < 1 s).

    python bench/previews.py [--mp 12] [--screen 1920 1080] [--scales 2 4] [--mode split|after] [--no-full]
                             [--threads 1]

On a synthetic photo (``common.photo``) it times what the editor's workers do after a parameter change, each
step as the editor runs it (the preview or result and its conversion for the screen, ``display_image``; the
model is loaded before the clock starts, as it is once per editor session):

- super-resolution x2/x4 (``--scales``): the preview (:func:`~photoai.plugin_api.preview.preview_plugin`) of
  the whole photo fitted to the screen ("fit") and of a screen-sized part of the result at 100 % ("1:1"), in
  the split view's result half (``--mode split``, the editor's default: what it previews) or on the whole
  screen (``--mode after``); then the full result, ``run_plugin`` (skipped with ``--no-full``: x4 of 12 MP is a
  192 MP result);
- inpainting (``--inpaint``; ``common.blob_mask``: three discs, ~1 % of the photo): the preview (the network's
  fill, no texture pass) of the fitted view and of a 1:1 view around a disc, then the full result;
- colorize (a live slider moved): the preview render of its analysis at screen size
  (:func:`~photoai.plugin_api.preview.preview_analysis`; the first move / the next one, whose scaled photo is
  kept), then the full-resolution render
  (``render_analysis``).

Wall milliseconds (CPU milliseconds of all threads in brackets); the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from common import blob_mask, load, ms, photo


def timed(call: Callable[[], Any]) -> str:
    """Wall ms (CPU ms) of ``call()``."""
    cpu: list[float] = []
    wall = ms(call, cpu)
    return f"{wall:.0f} ({cpu[0]:.0f})"


def shown(make: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``make(...)``'s image (a preview's or a result's) converted for the screen, as the editor's worker does."""
    from photoai.ui.display import display_image

    made = make(*args, **kwargs)
    return display_image(getattr(made, "image", made))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mp", type=float, default=12.0, help="photo megapixels (default: 12)")
    ap.add_argument("--screen", type=int, nargs=2, default=(1920, 1080), help="device pixels (default: 1920 1080)")
    ap.add_argument("--scales", type=int, nargs="*", default=[2, 4],
                    help="super-resolution scales (default: 2 4; none: skip)")
    ap.add_argument("--mode", choices=("split", "after"), default="split",
                    help="the comparison's mode: split (default; the preview covers the result's half) or after")
    ap.add_argument("--no-full", action="store_true", help="previews only (no full super-resolution run)")
    ap.add_argument("--inpaint", action="store_true", help="also inpainting (three discs, ~1 %% of the photo)")
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads (PHOTOAI_THREADS, default: 1)")
    args = ap.parse_args()
    os.environ["PHOTOAI_THREADS"] = str(args.threads)

    from photoai.core.geometry import Rect, Size
    from photoai.core.image import ImageBuffer
    from photoai.plugin_api.execute import analyze_plugin, render_analysis, run_plugin
    from photoai.plugin_api.models import open_runtime
    from photoai.plugin_api.preview import ScaledInputs, View, preview_analysis, preview_plugin
    from photoai.plugin_api.registry import discover_plugins
    registry = discover_plugins(entry_point_group=None, paths=[])
    runtime = open_runtime(registry, "cpu", user_models=False)
    image = ImageBuffer(photo(args.mp))
    size, screen = image.size, Size(*args.screen)
    fit = View.whole(size, screen)
    if args.mode == "split":  # the editor previews the result's side of the split view only (right of the middle)
        half = Size(screen.width // 2, screen.height)
        fit = View(Rect(size.width // 2, 0, size.width - size.width // 2, size.height),
                   Size(fit.screen.width - fit.screen.width // 2, fit.screen.height))
        screen = half
    print(f"photo {size.width}x{size.height} ({args.mp:g} MP), {args.mode} view on a {args.screen[0]}x{args.screen[1]} "
          "screen, "
          f"{args.threads} ONNX Runtime thread(s), OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; "
          f"{load()}")
    print("| plugin | first preview, fit ms (CPU) | first preview, 1:1 ms (CPU) | full result ms (CPU) |")
    print("|---|---|---|---|", flush=True)

    superres = registry.get("superres")
    for scale in args.scales:
        values = {"scale": scale}
        part = Size(screen.width // scale, screen.height // scale)  # input pixels of a screen at 100 % of the result
        one = View(Rect((size.width - part.width) // 2, (size.height - part.height) // 2, *part), screen)
        warm = View(Rect(0, 0, 64, 64), Size(128, 128))  # the model's session is made once per editor session
        shown(preview_plugin, superres, image, warm, None, values, runtime=runtime)
        first = [timed(partial(shown, preview_plugin, superres, image, v, None, values, runtime=runtime))
                 for v in (fit, one)]
        full = "skipped" if args.no_full else timed(partial(shown, run_plugin, superres, image, None, values,
                                                            runtime=runtime))
        print(f"| superres x{scale} | {first[0]} | {first[1]} | {full} |", flush=True)

    if args.inpaint:
        inpaint, mask = registry.get("inpaint"), blob_mask(size.height, size.width)
        runtime.load(inpaint.info.model_ids[0])  # once per editor session, before the clock starts
        # 1:1 around the second disc (x 0.7, y 0.55 of the photo): a hole in view
        one = View(Rect(int(0.7 * size.width) - screen.width // 2, int(0.55 * size.height) - screen.height // 2,
                        *screen), screen)
        first = [timed(partial(shown, preview_plugin, inpaint, image, v, mask, runtime=runtime)) for v in (fit, one)]
        full = timed(partial(shown, run_plugin, inpaint, image, mask, runtime=runtime))
        print(f"| inpaint (mask ~1 %) | {first[0]} | {first[1]} | {full} |", flush=True)

    colorize = registry.get("colorize")
    analysis = analyze_plugin(colorize, image, runtime=runtime)
    moved = {"temperature": 0.6, "saturation": 1.3}
    inputs = ScaledInputs()  # as the editor's preview worker keeps them: scaled once per view, not per move
    first = []
    for v in (fit, View(Rect(0, 0, *screen), screen)):
        move, next_move = (timed(partial(shown, preview_analysis, colorize, analysis, v, values, None, inputs))
                           for values in (moved, {"temperature": 0.5, "saturation": 1.1}))
        first.append(f"{move} / {next_move}")
    full = timed(partial(shown, render_analysis, colorize, analysis, moved))
    print(f"| colorize (slider) | {first[0]} | {first[1]} | {full} |", flush=True)
    print(load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
