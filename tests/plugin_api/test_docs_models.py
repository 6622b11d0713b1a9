"""docs/plugins.md's plugin-with-a-model example works as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from photoai.core.image import ImageBuffer
from photoai.plugin_api.execute import run_plugin
from photoai.plugin_api.models import open_runtime
from photoai.plugin_api.registry import PluginRegistry

ROOT = Path(__file__).resolve().parents[2]


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "plugins.md").read_text(), re.S)


def test_the_gain_example_ships_and_runs_its_model(tmp_path, photoai_home):
    pytest.importorskip("onnx")
    plugin_src = next(b for b in blocks() if 'plugin = GainPlugin()' in b)
    maker = next(b for b in blocks() if "onnx.save(" in b)
    pkg = tmp_path / "plugins" / "gain"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(plugin_src)
    (pkg / "make_models.py").write_text(maker)
    subprocess.run([sys.executable, "make_models.py"], cwd=pkg, check=True, env=dict(os.environ))
    registry = PluginRegistry().discover(builtin=False, entry_point_group=None, paths=[tmp_path / "plugins"])
    runtime = open_runtime(registry)
    assert runtime.spec("gain-x1.5").manifest == pkg / "models" / "manifest.json"
    out = run_plugin(registry.get("gain"), ImageBuffer(np.full((6, 5, 3), 0.5, np.float32)), runtime=runtime)
    np.testing.assert_allclose(out.rgb, 0.75)
    bright = run_plugin(registry.get("gain"), ImageBuffer(np.full((6, 5, 3), 0.9, np.float32)), runtime=runtime)
    np.testing.assert_allclose(bright.rgb, 1.0)  # clamped to the output range by the runtime
