"""Helpers for the CLI tests: run ``photoai`` as a user does, and a probe plugin that shows whether it ran."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

PROBE_PLUGIN = textwrap.dedent('''
    """A test plugin: marks a file when it starts, then works ``steps`` x 20 ms, checking Cancel."""
    import os
    import time
    from pathlib import Path

    from photoai.plugin_api import BasePlugin, IntParam, PluginInfo

    class Probe(BasePlugin):
        info = PluginInfo("probe", "Probe", params=(IntParam("steps", "Steps", default=0, minimum=0,
                                                             maximum=100000),))

        def run(self, request, ctx):
            Path(os.environ["PROBE_MARK"]).write_text("ran")
            steps = request.values["steps"]
            for i in range(steps):
                ctx.raise_if_cancelled()
                ctx.progress(i, steps, "Probing")
                time.sleep(0.02)
            return request.image

    plugin = Probe()
''')


def photoai(*args: object, env: dict[str, str] | None = None, cwd: Path | None = None,
            ) -> subprocess.CompletedProcess[str]:
    """``python -m photoai ARGS`` in a subprocess (stdout/stderr captured as text)."""
    return subprocess.run([sys.executable, "-m", "photoai", *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), cwd=cwd)


def error_lines(stderr: str) -> list[str]:
    """The ``photoai: error:`` lines of a run."""
    return [ln for ln in stderr.splitlines() if ln.startswith("photoai: error:")]


@dataclass(frozen=True)
class Probe:
    """The probe plugin installed for one test: ``env`` makes it visible, ``mark`` exists once it ran."""

    env: dict[str, str]
    mark: Path

    @property
    def ran(self) -> bool:
        return self.mark.exists()


@pytest.fixture
def probe(tmp_path: Path) -> Probe:
    folder = tmp_path / "probe_plugins"
    folder.mkdir()
    (folder / "probe.py").write_text(PROBE_PLUGIN)
    mark = tmp_path / "probe_ran"
    return Probe({"PHOTOAI_PLUGIN_PATH": str(folder), "PROBE_MARK": str(mark)}, mark)


def write_photo(path: Path, size: tuple[int, int] = (60, 40), seed: int = 3) -> Path:
    """A random RGB PNG/JPEG/... of ``size`` (width, height) at ``path``."""
    rng = np.random.default_rng(seed)
    Image.fromarray((rng.random((size[1], size[0], 3)) * 255).astype(np.uint8)).save(path)
    return path
