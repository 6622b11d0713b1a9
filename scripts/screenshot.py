"""Take a screenshot of the real editor: open a photo, paint a mask stroke, run a plugin, split view.

    xvfb-run -a -s "-screen 0 1400x900x24" python scripts/screenshot.py docs/screenshot.png [IMAGE]

IMAGE defaults to a landscape generated in code. The plugin is ``--plugin ID`` from the
registry, else an inline demo plugin (tone and colour) registered for the screenshot. The
brush stroke (``--no-mask``: none) and colour hints (``--hint X,Y,#rrggbb``, for a plugin that
takes them: the form's "Place hints", then clicks on the photo) go through the canvas with
synthetic mouse events, like a user's.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from photoai.plugin_api import BasePlugin, BoolParam, ChoiceParam, FloatParam, PluginInfo  # noqa: E402


class ToneDemo(BasePlugin):
    """Exposure, contrast, saturation and warmth: a fast classic plugin for demos."""

    info = PluginInfo(
        "demo.tone",
        "Tone & Colour (demo)",
        "Exposure, contrast, saturation and warmth, on the whole photo or inside the mask.",
        params=(
            FloatParam("exposure", "Exposure", default=0.15, minimum=-2.0, maximum=2.0, step=0.05,
                       help="Brightness in stops"),
            FloatParam("contrast", "Contrast", default=0.35, minimum=-1.0, maximum=1.0, step=0.05,
                       help="S-curve strength"),
            FloatParam("saturation", "Saturation", default=0.45, minimum=-1.0, maximum=1.0, step=0.05),
            FloatParam("warmth", "Warmth", default=0.12, minimum=-1.0, maximum=1.0, step=0.01,
                       help="Shift the white balance towards yellow (positive) or blue"),
            ChoiceParam("where", "Apply to", choices=("all", "mask"), labels=("Whole photo", "Masked area")),
            BoolParam("protect", "Protect highlights", default=True, help="Roll off values near white"),
        ),
    )

    def run(self, request, ctx):
        v = request.values
        x = request.image * (2.0 ** v["exposure"])
        x = x + v["warmth"] * 0.12 * np.array([1.0, 0.35, -1.0], np.float32)
        ctx.progress(1, 3, "Tone curve")
        c = v["contrast"]
        x = np.clip(x, 0, 1)
        x = x + c * (x - 0.5) * (1 - np.abs(2 * x - 1))  # contrast that keeps black and white
        luma = (x @ np.array([0.2126, 0.7152, 0.0722], np.float32))[..., None]
        x = luma + (x - luma) * (1.0 + v["saturation"])
        ctx.progress(2, 3, "Colour")
        if v["protect"]:
            x = np.where(x > 0.85, 0.85 + 0.15 * np.tanh((x - 0.85) / 0.15), x)
        if v["where"] == "mask" and request.mask is not None:
            m = request.mask[..., None]
            x = request.image * (1 - m) + x * m
        return np.clip(x, 0, 1).astype(np.float32)


def synthetic_scene(width: int = 1600, height: int = 1067, seed: int = 3) -> np.ndarray:
    """A muted landscape: sky, sun, mountain ranges, a lake with reflections, a meadow, trees."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = x / width, y / height
    horizon = 0.58
    sky_top, sky_low = np.array([0.32, 0.46, 0.64]), np.array([0.82, 0.78, 0.70])
    t = np.clip(v / horizon, 0, 1)[..., None]
    img = sky_top * (1 - t) + sky_low * t
    # sun and haze
    d = np.hypot(u - 0.72, (v - 0.30) * height / width)
    img += np.clip(0.05 / (d + 0.02) - 0.3, 0, 1)[..., None] * np.array([0.35, 0.28, 0.15])
    img = np.where((d < 0.035)[..., None], np.array([1.0, 0.95, 0.82]), img)
    # clouds
    clouds = np.zeros_like(u)
    for k in range(5):
        f = 2 ** k
        clouds += np.sin(u * 7 * f + rng.uniform(0, 6)) * np.sin(v * 11 * f + rng.uniform(0, 6)) / f
    clouds = np.clip((clouds - 0.45) * 1.4, 0, 1) * np.clip((horizon - 0.1 - v) * 5, 0, 1)
    img = img * (1 - 0.5 * clouds[..., None]) + 0.5 * clouds[..., None] * np.array([0.96, 0.94, 0.92])

    def ridge(base, amp, freqs, phase):
        r = np.full(width, base, np.float32)
        for f, a in zip(freqs, amp, strict=True):
            r += a * np.sin(np.linspace(0, f * np.pi, width) + phase)
        return r

    ranges = [
        (ridge(0.40, (0.05, 0.02, 0.008), (3, 9, 31), 1.0), np.array([0.47, 0.53, 0.64])),
        (ridge(0.47, (0.04, 0.02, 0.006), (4, 13, 41), 2.3), np.array([0.30, 0.38, 0.44])),
        (ridge(0.53, (0.025, 0.012, 0.005), (5, 17, 53), 0.4), np.array([0.20, 0.30, 0.24])),
    ]
    for line, colour in ranges:
        shade = 0.85 + 0.3 * np.clip((v - line[None, :]) * 6, 0, 1)[..., None]
        img = np.where((v > line[None, :])[..., None], colour * shade, img)
    # lake: reflect what is above the horizon, darker and bluer, with ripples
    lake = (v > horizon) & (v < 0.76)
    ry = np.clip((2 * horizon - v) * height, 0, height - 1).astype(int)
    ripple = (np.sin(y * 0.9 + np.sin(x * 0.05) * 3) * 2).astype(int)
    rx = np.clip(x.astype(int) + ripple, 0, width - 1)
    refl = img[ry, rx] * 0.75 + np.array([0.02, 0.05, 0.09])
    img = np.where(lake[..., None], refl, img)
    # meadow with texture and a path
    meadow = v >= 0.76
    grass = np.array([0.36, 0.45, 0.20]) * (0.8 + 0.35 * rng.random((height, width, 1)))
    grass *= (0.85 + 0.3 * (v[..., None] - 0.76))
    img = np.where(meadow[..., None], grass, img)
    path = meadow & (np.abs(u - (0.35 + (v - 0.76) * 0.9)) < 0.01 + (v - 0.76) * 0.25)
    img = np.where(path[..., None], np.array([0.62, 0.55, 0.42]) * (0.9 + 0.1 * rng.random((height, width, 1))), img)
    # a few conifers on the shore
    for cx, h in ((0.10, 0.16), (0.14, 0.12), (0.86, 0.18), (0.91, 0.13), (0.95, 0.15)):
        base = 0.80
        tri = (v < base) & (v > base - h) & (np.abs(u - cx) * width / height < (v - (base - h)) * 0.28)
        img = np.where(tri[..., None], np.array([0.10, 0.20, 0.12]) * (0.8 + 0.4 * rng.random((height, width, 1))), img)
    img = img * 0.92 + 0.03  # a flat, slightly hazy original: a good "before"
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def wait_until(app, condition, timeout: float = 30.0) -> bool:
    t0 = time.monotonic()
    while not condition():
        app.processEvents()
        if time.monotonic() - t0 > timeout:
            return False
        time.sleep(0.005)
    return True


def parse_hint(text: str) -> tuple[int, int, tuple[int, int, int]]:
    """``X,Y,#rrggbb`` -> (x, y, (r, g, b)): a colour hint for ``--hint``."""
    try:
        x, y, color = text.split(",")
        rgb = color.strip().lstrip("#")
        if len(rgb) != 6:
            raise ValueError
        return int(x), int(y), (int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X,Y,#rrggbb, got {text!r}") from None


def place_hints(window, hints: list[tuple[int, int, tuple[int, int, int]]]) -> str | None:
    """Place ``hints`` as a user does: press the form's "Place hints", pick the colour, click the photo.
    An error message, or None."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    from photoai.ui.widgets.hints_editor import PointsEditor

    form = window.plugin_panel.form
    editor = next((e for e in form.editors.values() if isinstance(e, PointsEditor)), None) if form else None
    if editor is None:
        return "the plugin takes no colour hints"
    if not editor.place_button.isChecked():
        QTest.mouseClick(editor.place_button, Qt.MouseButton.LeftButton)
    tool, view, vp = window.hints.tool, window.canvas, window.canvas.viewport()
    for x, y, rgb in hints:
        tool.set_color(rgb)  # what the colour button's dialog does
        before = len(tool.points)
        pos = view.mapFromScene(view.image_item.mapToScene(QPointF(x + 0.5, y + 0.5)))
        QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)
        if len(tool.points) != before + 1:
            return f"the click at {x},{y} placed no hint"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="PNG file to write")
    ap.add_argument("image", nargs="?", type=Path, help="photo to open (default: a generated landscape)")
    ap.add_argument("--plugin", help="plugin id from the registry (default: the inline demo plugin)")
    ap.add_argument("--size", default="1400x900", help="window size, WxH")
    ap.add_argument("--divider", type=float, default=0.5, help="split position, 0..1")
    ap.add_argument("--mask-edit", action="append", default=[], metavar="KIND:PX",
                    help="after the stroke, Mask > Grow/Shrink/Feather, e.g. grow:12 (repeatable)")
    ap.add_argument("--no-run", action="store_true", help="show the painted mask; run no plugin")
    ap.add_argument("--no-mask", action="store_true", help="paint no mask stroke (the plugin works on the whole photo)")
    ap.add_argument("--hint", action="append", default=[], type=parse_hint, metavar="X,Y,#RRGGBB",
                    help="place a colour hint at image pixel X,Y with the hint tool (repeatable)")
    ap.add_argument("--keep", action="store_true", help="press Keep on the result (the view after Keep)")
    ap.add_argument("--menu", help="also grab the screen with this menu bar menu open (e.g. Mask) to OUT-menu.png")
    args = ap.parse_args(argv)

    from PySide6.QtCore import QPointF, QSettings, Qt
    from PySide6.QtTest import QTest

    from photoai.plugin_api.models import open_runtime
    from photoai.plugin_api.registry import PluginRegistry
    from photoai.ui.app import create_app
    from photoai.ui.main_window import MainWindow
    from photoai.ui.qsettings import Settings

    app = create_app()
    tmp = Path(tempfile.mkdtemp(prefix="photoai-shot-"))
    settings = Settings(QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))  # never the user's
    registry = PluginRegistry().discover()
    if args.plugin is None:
        registry.register(ToneDemo(), "scripts/screenshot.py")
    plugin_id = args.plugin or ToneDemo.info.id

    image_path = args.image
    if image_path is None:
        image_path = tmp / "lake.png"
        Image.fromarray(synthetic_scene()).save(image_path)

    window = MainWindow(registry, open_runtime(registry), settings)
    w, h = (int(n) for n in args.size.lower().split("x"))
    window.resize(w, h)
    window.show()
    wait_until(app, lambda: window.isVisible() and window.canvas.viewport().width() > 100, 5)
    if not window.open_path(image_path):
        print(f"could not open {image_path}", file=sys.stderr)
        return 1
    wait_until(app, lambda: window.document is not None, 60)
    for _ in range(5):
        app.processEvents()
    window.canvas.fit()

    # a mask stroke over the left part of the photo, through the canvas like a user's drag
    doc = window.document
    iw, ih = doc.image.size
    view, vp = window.canvas, window.canvas.viewport()
    if not args.no_mask:
        window.brush.set_size(max(8.0, iw / 28))
        points = [(iw * (0.08 + 0.30 * t), ih * (0.70 + 0.06 * np.sin(t * 6.0))) for t in np.linspace(0, 1, 24)]
        pos = [view.mapFromScene(QPointF(x, y)) for x, y in points]
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos[0])
        for p in pos[1:]:
            QTest.mouseMove(vp, p)
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos[-1])
        app.processEvents()
        if not doc.has_mask:
            print("the brush stroke did not reach the mask", file=sys.stderr)
            return 1

    for edit in args.mask_edit:
        kind, px = edit.split(":")
        window.edit_mask(kind, int(px))

    # run the plugin through the panel, as the Run button does
    window.plugin_panel.select(plugin_id)
    if args.hint:
        problem = place_hints(window, args.hint)
        if problem:
            print(problem, file=sys.stderr)
            return 1
    if not args.no_run:
        outcome: list[str] = []
        window.job_ended.connect(outcome.append)
        window.run_plugin(plugin_id, window.plugin_panel.values())
        if not wait_until(app, lambda: bool(outcome), 300) or outcome[0] != "proposed":
            print(f"the plugin did not produce a result: {outcome}", file=sys.stderr)
            return 1
        window.canvas.compare_item.set_fraction(args.divider)
        if args.keep:
            window.keep()
    # park the pointer over the photo so the status bar shows a position, like a live session
    centre = view.mapFromScene(QPointF(iw * 0.3, ih * 0.4))
    QTest.mouseMove(vp, centre)
    for _ in range(10):
        app.processEvents()
        time.sleep(0.01)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(args.out)):
        print(f"could not write {args.out}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({window.width()}x{window.height()})")
    if args.menu:
        menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == args.menu)
        menu.popup(window.mapToGlobal(window.menuBar().actionGeometry(menu.menuAction()).bottomLeft()))
        for _ in range(20):
            app.processEvents()
            time.sleep(0.01)
        menu_out = args.out.with_name(args.out.stem + "-menu.png")
        app.primaryScreen().grabWindow(0).save(str(menu_out))
        menu.close()
        print(f"wrote {menu_out}")
    window.document.history.mark_clean()  # no "unsaved changes" prompt on close
    window.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
