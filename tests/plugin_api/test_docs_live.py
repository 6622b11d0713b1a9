"""docs/plugins.md's LivePlugin example works as written: live re-renders give run_plugin's pixels."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from photoai.core.errors import ParamError
from photoai.core.image import ImageBuffer
from photoai.plugin_api import live_keys
from photoai.plugin_api.execute import analyze_plugin, render_analysis, run_plugin
from photoai.plugin_api.registry import PluginRegistry

ROOT = Path(__file__).resolve().parents[2]


def test_the_local_contrast_example_renders_live(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "plugins.md").read_text(), re.S)
    (tmp_path / "local_contrast.py").write_text(next(b for b in blocks if "plugin = LocalContrastPlugin()" in b))
    registry = PluginRegistry().discover(builtin=False, entry_point_group=None, paths=[tmp_path])
    assert not registry.failures
    plugin = registry.get("local_contrast")
    assert live_keys(plugin) == {"amount"}

    rng = np.random.default_rng(0)
    image = ImageBuffer(rng.random((30, 40, 3), dtype=np.float32))
    analysis = analyze_plugin(plugin, image, values={"radius": 3})
    np.testing.assert_allclose(analysis.state.mean(axis=(0, 1)), image.rgb.mean(axis=(0, 1)), atol=0.02)  # a blur
    assert analysis.state.std() < image.rgb.std() / 2
    for amount in (0.0, 0.8, 2.0):
        ran = run_plugin(plugin, image, values={"radius": 3, "amount": amount})
        np.testing.assert_array_equal(render_analysis(plugin, analysis, {"amount": amount}).rgb, ran.rgb)
    np.testing.assert_allclose(render_analysis(plugin, analysis, {"amount": 0.0}).rgb, image.rgb, atol=1e-6)
    with pytest.raises(ParamError, match="radius"):
        render_analysis(plugin, analysis, {"radius": 4})
