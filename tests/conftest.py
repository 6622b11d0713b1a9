"""Shared fixtures: tiny synthetic images and fake plugins (no data set, no model needed)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The user's model store and PHOTOAI_MODELS_DIR must never leak into (or be written by) a test run.
os.environ.pop("PHOTOAI_MODELS_DIR", None)
os.environ["PHOTOAI_HOME"] = tempfile.mkdtemp(prefix="photoai-test-home-")

from photoai.core.geometry import Size  # noqa: E402
from photoai.core.image import ImageBuffer  # noqa: E402
from photoai.plugin_api import BasePlugin, FloatParam, IntParam, PluginInfo, Request, RunContext  # noqa: E402
from photoai.plugin_api.registry import PluginRegistry  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def require_data(relative: str, what: str = "test data") -> Path:
    """``relative`` in the shared data folder (``$PHOTOAI_DATA``, else ``../shared/data`` beside the repository:
    ``photoai_plugins._training.default_data_dir``); skips the test saying where it looked when it is missing."""
    from photoai_plugins._training import DATA_ENV, default_data_dir

    path = default_data_dir() / relative
    if not path.exists():
        pytest.skip(f"{what} not found: {path} does not exist (set {DATA_ENV} to the data folder; without it "
                    f"the tests look in ../shared/data beside the repository)")
    return path


class InvertPlugin(BasePlugin):
    info = PluginInfo("invert", "Invert", "Negative of the masked area or the whole image",
                      params=(FloatParam("strength", "Strength", default=1.0),))

    def run(self, request: Request, ctx: RunContext):
        out = 1.0 - request.image
        s = request.values["strength"]
        out = request.image * (1 - s) + out * s
        if request.mask is not None:
            m = request.mask[..., None]
            out = request.image * (1 - m) + out * m
        return out


class DoublePlugin(BasePlugin):
    info = PluginInfo("double", "Double size", params=(IntParam("scale", "Scale", default=2, minimum=1, maximum=4),),
                      changes_size=True)

    def output_size(self, size, values):
        return Size(size.width * values["scale"], size.height * values["scale"])

    def run(self, request, ctx):
        s = request.values["scale"]
        return request.image.repeat(s, axis=0).repeat(s, axis=1)


class SlowPlugin(BasePlugin):
    info = PluginInfo("slow", "Slow", params=(IntParam("steps", "Steps", default=200, minimum=1, maximum=10000),))

    def run(self, request, ctx):
        n = request.values["steps"]
        for i in range(n):
            ctx.raise_if_cancelled()
            ctx.progress(i, n, "Working")
            time.sleep(0.01)
        return request.image


class BrokenPlugin(BasePlugin):
    info = PluginInfo("broken", "Broken")

    def run(self, request, ctx):
        raise ZeroDivisionError("plugin bug")


@pytest.fixture
def registry() -> PluginRegistry:
    reg = PluginRegistry()
    for p in (InvertPlugin(), DoublePlugin(), SlowPlugin(), BrokenPlugin()):
        reg.register(p, "tests")
    return reg


@pytest.fixture
def small_image() -> ImageBuffer:
    rng = np.random.default_rng(0)
    return ImageBuffer(rng.random((24, 32, 3), dtype=np.float32))


@pytest.fixture
def photoai_home(tmp_path, monkeypatch):
    """A fresh, empty PhotoAI data folder (user model store) for one test."""
    monkeypatch.setenv("PHOTOAI_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def shipped_runtime(device: str = "auto"):
    """A runtime over the built-in plugins' shipped models only."""
    from photoai.plugin_api.models import open_runtime
    from photoai.plugin_api.registry import discover_plugins

    return open_runtime(discover_plugins(entry_point_group=None, paths=[]), device, user_models=False)
