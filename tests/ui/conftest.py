"""UI test fixtures: offscreen Qt, QSettings in tmp_path, no modal dialogs, fake plugins/runtime."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from photoai.core.image import ImageBuffer  # noqa: E402
from photoai.core.tiling import run_tiled  # noqa: E402
from photoai.plugin_api import BasePlugin, BoolParam, ChoiceParam, FloatParam, IntParam, PluginInfo  # noqa: E402
from photoai.plugin_api.registry import PluginLoadFailure, PluginRegistry  # noqa: E402

_counter = itertools.count()


class FormPlugin(BasePlugin):
    """One parameter of each kind (brightens by ``amount``)."""

    info = PluginInfo(
        "form",
        "Form test",
        "Has every kind of parameter",
        params=(
            FloatParam("amount", "Amount", default=0.25, minimum=0.0, maximum=1.0, step=0.05, help="How much"),
            IntParam("radius", "Radius", default=3, minimum=1, maximum=20, help="Pixels"),
            BoolParam("fast", "Fast mode", default=True, help="Trade quality for speed"),
            ChoiceParam("mode", "Mode", choices=("soft", "hard", 3), labels=("Soft", "Hard", "Three"), default="hard",
                        help="Which mode"),
        ),
    )

    def run(self, request, ctx):
        return np.clip(request.image + request.values["amount"], 0.0, 1.0)


class MaskedPlugin(BasePlugin):
    """Needs a mask; paints the masked area white."""

    info = PluginInfo("masked", "Masked fill", "Fills the mask with white", needs_mask=True, consumes_mask=True)

    def run(self, request, ctx):
        m = request.mask[..., None]
        return request.image * (1 - m) + m


class TiledPlugin(BasePlugin):
    """Reports progress per tile through ``core.tiling.run_tiled``, as the model plugins do (130 tiles of
    5 px on the 64x48 test photo, all in a few milliseconds)."""

    info = PluginInfo("tiled", "Tiled", "Runs in 5 px tiles")

    def run(self, request, ctx):
        return run_tiled(request.image, lambda tile: tile, tile=5, overlap=0, ctx=ctx)


class FakeRuntime:
    """What the window uses of photoai.runtime.Runtime, without ONNX Runtime."""

    def __init__(self) -> None:
        self.device_preference = "auto"
        self.last_device_label = ""
        self.calls: list[str] = []

    def set_device_preference(self, device: str) -> None:
        self.calls.append(device)
        self.device_preference = device

    def summary(self) -> str:
        return "Fake runtime · " + ("CPU forced" if self.device_preference == "cpu" else "auto")

    def models(self, task: str | None = None) -> list:
        return []


@pytest.fixture(autouse=True)
def qsettings_in_tmp(tmp_path, qapp):
    """Every QSettings of a test lives in tmp_path under a unique organisation name."""
    from PySide6.QtCore import QCoreApplication, QSettings

    folder = tmp_path / "settings"
    folder.mkdir()
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    old = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    QCoreApplication.setOrganizationName(f"PhotoAITest{os.getpid()}_{next(_counter)}")
    QCoreApplication.setApplicationName("PhotoAI")
    yield folder
    QCoreApplication.setOrganizationName(old[0])
    QCoreApplication.setApplicationName(old[1])


@pytest.fixture
def settings(qsettings_in_tmp):
    from PySide6.QtCore import QSettings

    from photoai.ui.qsettings import Settings

    return Settings(QSettings(str(qsettings_in_tmp / "photoai.ini"), QSettings.Format.IniFormat))


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    """Record message boxes instead of blocking on them; tests set the answers."""
    from photoai.ui import dialogs as mod

    class Recorder:
        errors: list[tuple[str, str, str]] = []
        confirms: list[str] = []
        confirm_answer = False
        save_answer = mod.DISCARD
        save_asked = 0
        mask_answer = mod.DISCARD
        mask_asked = 0

    rec = Recorder()
    rec.errors, rec.confirms = [], []

    def show_error(parent, title, message, details=""):
        rec.errors.append((title, message, details))

    def confirm(parent, title, message, informative="", ok_text="OK"):
        rec.confirms.append(message)
        return rec.confirm_answer

    def ask_save_changes(parent, name):
        rec.save_asked += 1
        return rec.save_answer

    monkeypatch.setattr(mod, "show_error", show_error)
    monkeypatch.setattr(mod, "confirm", confirm)
    def ask_save_mask(parent, name):
        rec.mask_asked += 1
        return rec.mask_answer

    monkeypatch.setattr(mod, "ask_save_changes", ask_save_changes)
    monkeypatch.setattr(mod, "ask_save_mask", ask_save_mask, raising=False)
    return rec


@pytest.fixture
def ui_registry(registry) -> PluginRegistry:
    registry.register(FormPlugin(), "tests")
    registry.register(MaskedPlugin(), "tests")
    registry.register(TiledPlugin(), "tests")
    registry.failures.append(PluginLoadFailure("broken_pkg", "ImportError: No module named 'torchvision'",
                                               "Traceback…"))
    return registry


@pytest.fixture
def runtime() -> FakeRuntime:
    return FakeRuntime()


@pytest.fixture
def photo(tmp_path) -> Path:
    """A 64x48 PNG with a gradient and a square."""
    h, w = 48, 64
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([x * 4, y * 5, np.full_like(x, 90)], axis=-1).astype(np.uint8)
    rgb[10:20, 10:20] = (250, 250, 20)
    path = tmp_path / "photo.png"
    Image.fromarray(rgb).save(path)
    return path


@pytest.fixture
def image() -> ImageBuffer:
    y, x = np.mgrid[0:40, 0:60].astype(np.float32)
    return ImageBuffer(np.stack([x / 60, y / 40, np.full_like(x, 0.5)], axis=-1))


@pytest.fixture
def window(qtbot, ui_registry, runtime, settings):
    from photoai.ui.main_window import MainWindow

    w = MainWindow(ui_registry, runtime, settings)
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.runner.shutdown(2000)
    w.loader.shutdown(2000)


def open_with_plugin(window, photo: Path, plugin) -> None:
    """Register ``plugin`` (once) in the window's list, open ``photo`` and select the plugin."""
    if plugin.info.id not in window.registry:
        window.registry.register(plugin, "tests")
        window.plugin_panel._populate()
    assert window.open_path(photo)
    window.plugin_panel.select(plugin.info.id)
