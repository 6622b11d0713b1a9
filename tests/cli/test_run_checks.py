"""``photoai run`` refuses bad outputs and masks before any work, survives SIGTERM like Ctrl-C, and keeps
plugin tracebacks out of the console (they go to the log file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli.conftest import Probe, error_lines, photoai, write_photo


def hidden_temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and ".tmp" in p.name)


def assert_refused_before_work(r: subprocess.CompletedProcess[str], probe: Probe, message: str) -> None:
    lines = error_lines(r.stderr)
    assert r.returncode == 2 and len(lines) == 1 and message in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert not probe.ran, "the plugin ran before the output was checked"


@pytest.mark.parametrize("output, extra, message", [
    ("out.xyz", [], "unknown file type '.xyz'"),
    ("nope/out.png", [], "does not exist"),
    ("in.png/out.png", [], "is a file, not a folder"),
    ("out.jpg", ["--quality", "0"], "quality must be 1-100"),
    ("out.jpg", ["--quality", "101"], "quality must be 1-100"),
    ("a" * 252 + ".png", [], "name is too long"),
    ("folder.png", [], "a folder has that name"),
])
def test_single_output_is_checked_before_the_plugin_runs(tmp_path, probe, output, extra, message):
    photo = write_photo(tmp_path / "in.png")
    (tmp_path / "folder.png").mkdir()
    r = photoai("run", "probe", photo, "-o", tmp_path / output, *extra, env=probe.env)
    assert_refused_before_work(r, probe, message)


def test_a_legal_name_at_the_limit_is_written(tmp_path, probe):
    photo = write_photo(tmp_path / "in.png")
    out = tmp_path / ("é" * 60 + "a" * 131 + ".png")  # 255 bytes: the temporary name must still fit
    assert len(out.name.encode()) == 255
    r = photoai("run", "probe", photo, "-o", out, env=probe.env)
    assert r.returncode == 0, r.stderr
    assert out.is_file() and not hidden_temporaries(tmp_path)


def test_the_mask_file_is_never_the_output(tmp_path, probe):
    photo = write_photo(tmp_path / "in.png")
    mask = tmp_path / "mask.png"
    Image.fromarray(np.full((40, 60), 255, np.uint8)).save(mask)
    before = mask.read_bytes()
    for extra in ([], ["--overwrite-source"]):
        r = photoai("run", "probe", photo, "-o", mask, "--mask", mask, *extra, env=probe.env)
        assert_refused_before_work(r, probe, "refusing to overwrite the mask")
    assert mask.read_bytes() == before


def batch_folder(tmp_path: Path, names: tuple[str, ...] = ("a.png", "b.png")) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in names:
        write_photo(folder / name)
    return folder


@pytest.mark.parametrize("case", ["quality", "long name", "input", "mask folder"])
def test_batch_outputs_are_checked_before_the_first_photo(tmp_path, probe, case):
    long_name = "b" * 251 + ".png"  # 255 bytes; as .webp it is one too many
    folder = batch_folder(tmp_path, ("a.png", long_name) if case == "long name" else ("a.png", "b.png"))
    masks = tmp_path / "masks"
    masks.mkdir()
    for name in ("a.png", "b.png"):
        Image.fromarray(np.full((40, 60), 255, np.uint8)).save(masks / name)
    args, message = {
        "quality": (["-o", tmp_path / "out", "--quality", "0"], "quality must be 1-100"),
        "long name": (["-o", tmp_path / "out", "--format", "webp"], "name is too long"),
        "input": (["-o", folder], "refusing to overwrite the input"),
        "mask folder": (["-o", masks, "--mask", masks], "refusing to overwrite the mask"),
    }[case]
    r = photoai("run", "probe", folder, *args, env=probe.env)
    assert_refused_before_work(r, probe, message)
    assert not (tmp_path / "out").exists()  # a refused batch leaves no new folder either


def test_a_given_mask_that_selects_nothing_is_an_error(tmp_path):
    photo = write_photo(tmp_path / "in.png")
    black = tmp_path / "black.png"
    Image.fromarray(np.zeros((40, 60), np.uint8)).save(black)
    for plugin in ("sharpen", "inpaint"):
        r = photoai("run", plugin, photo, "-o", tmp_path / f"{plugin}.png", "--mask", black)
        lines = error_lines(r.stderr)
        assert r.returncode == 2 and len(lines) == 1 and "selects nothing" in lines[0], r.stderr
        assert not (tmp_path / f"{plugin}.png").exists()


def wait_for(condition, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_sigterm_while_a_plugin_runs_cancels_it_and_cleans_up(tmp_path, probe):
    photo = write_photo(tmp_path / "in.png")
    out = tmp_path / "out.png"
    proc = subprocess.Popen([sys.executable, "-m", "photoai", "run", "probe", str(photo), "-o", str(out),
                             "--set", "steps=3000"], env=dict(os.environ, **probe.env), stderr=subprocess.PIPE,
                            text=True)
    wait_for(lambda: probe.ran)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143, stderr
    assert error_lines(stderr) == ["photoai: error: terminated"] and "Traceback" not in stderr
    assert not out.exists() and not hidden_temporaries(tmp_path)


SIGTERM_DURING_SAVE = """
import os, signal, sys, time
from photoai import cli
from photoai.core import export

def writer(fp, job):
    fp.write(b"half a file")
    fp.flush()
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)  # the handler interrupts this
    raise AssertionError("SIGTERM was not handled")

export._WRITERS["PNG"] = writer
sys.exit(cli.main(sys.argv[1:]))
"""


def test_sigterm_while_writing_removes_the_temporary_file(tmp_path, probe):
    photo = write_photo(tmp_path / "in.png")
    out = tmp_path / "out.png"
    r = subprocess.run([sys.executable, "-c", SIGTERM_DURING_SAVE, "run", "probe", str(photo), "-o", str(out)],
                       env=dict(os.environ, **probe.env), capture_output=True, text=True, timeout=60)
    assert r.returncode == 143, r.stderr
    assert not out.exists() and not hidden_temporaries(tmp_path)


BROKEN_PLUGIN = """
from photoai.plugin_api import BasePlugin, PluginInfo

class Broken(BasePlugin):
    info = PluginInfo("broken", "Broken")

    def run(self, request, ctx):
        raise ZeroDivisionError("plugin bug")

plugin = Broken()
"""


def test_a_plugin_error_is_one_line_and_its_traceback_goes_to_the_log_file(tmp_path):
    (tmp_path / "ext").mkdir()
    (tmp_path / "ext" / "broken.py").write_text(BROKEN_PLUGIN)
    home = tmp_path / "home"
    photo = write_photo(tmp_path / "in.png")
    r = photoai("run", "broken", photo, "-o", tmp_path / "out.png",
                env={"PHOTOAI_PLUGIN_PATH": str(tmp_path / "ext"), "PHOTOAI_HOME": str(home)})
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "ERROR" not in r.stderr, r.stderr
    lines = error_lines(r.stderr)
    assert len(lines) == 1 and "Broken failed: ZeroDivisionError: plugin bug" in lines[0], r.stderr
    log = home / "logs" / "photoai.log"
    assert str(log) in lines[0]
    text = log.read_text()
    assert "Traceback" in text and "ZeroDivisionError: plugin bug" in text
