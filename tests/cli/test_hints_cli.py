"""``photoai run --hints FILE.json``: colour hints for a plugin's PointsParam, with one-line errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoai.cli import main
from tests.cli.conftest import error_lines, photoai, write_photo

HINT_PLUGIN = textwrap.dedent('''
    """Test plugins: ``hinted`` paints each hint's colour on its pixel; ``plain`` takes no hints."""
    import numpy as np

    from photoai.plugin_api import BasePlugin, PluginInfo, PointsParam

    class Hinted(BasePlugin):
        info = PluginInfo("hinted", "Hinted", params=(PointsParam("hints", "Colour hints", max_points=3,
                                                                  help="where to put which colour"),))

        def run(self, request, ctx):
            out = request.image.copy()
            for p in request.values["hints"]:
                out[int(p.y), int(p.x)] = np.asarray(p.rgb, np.float32) / 255
            return out

    class Plain(BasePlugin):
        info = PluginInfo("plain", "Plain")

        def run(self, request, ctx):
            return request.image

    plugins = [Hinted(), Plain()]
''')


@pytest.fixture
def hint_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    folder = tmp_path / "hint_plugins"
    folder.mkdir()
    (folder / "hinted.py").write_text(HINT_PLUGIN)
    monkeypatch.setenv("PHOTOAI_PLUGIN_PATH", str(folder))
    return {"PHOTOAI_PLUGIN_PATH": str(folder)}


def _hints(tmp_path: Path, points: object, name: str = "hints.json") -> Path:
    path = tmp_path / name
    path.write_text(points if isinstance(points, str) else json.dumps(points))
    return path


def test_hints_reach_the_plugin_at_their_pixels(tmp_path, hint_env):
    photo = write_photo(tmp_path / "in.png", (60, 40))
    hints = _hints(tmp_path, [{"x": 5, "y": 7, "rgb": [255, 0, 0]}, {"x": 59, "y": 39, "rgb": "#00ff80"}])
    out = tmp_path / "out.png"
    r = photoai("run", "hinted", photo, "-o", out, "--hints", hints, env=hint_env)  # as a user runs it
    assert r.returncode == 0, r.stderr
    a, b = np.asarray(Image.open(photo)), np.asarray(Image.open(out))
    assert tuple(b[7, 5]) == (255, 0, 0) and tuple(b[39, 59]) == (0, 255, 128)
    changed = np.argwhere((a != b).any(axis=2))
    assert sorted(map(tuple, changed)) == [(7, 5), (39, 59)]


def test_no_hints_file_means_no_hints(tmp_path, hint_env, capsys):
    photo = write_photo(tmp_path / "in.png")
    assert main(["run", "hinted", str(photo), "-o", str(tmp_path / "out.png")]) == 0
    assert np.array_equal(np.asarray(Image.open(photo)), np.asarray(Image.open(tmp_path / "out.png")))


@pytest.mark.parametrize("content, message", [
    ("[{\"x\": 1, \"y\": 2, \"rgb\": [1, 2, 3]},", "hints.json: parameter 'hints': not valid JSON"),
    ('{"x": 1, "y": 2, "rgb": [1, 2, 3]}', "hints.json: parameter 'hints': expected a list"),
    ('[{"x": 1, "y": 2, "rgb": [1, 2, 3]}, {"x": 1, "y": 2}]', "hints.json: parameter 'hints': point 2: expected"),
    ('[{"x": 1, "y": 2, "rgb": [1, 2, 300]}]', "hints.json: parameter 'hints': point 1: rgb must be three numbers"),
    ('[{"x": "a", "y": 2, "rgb": [1, 2, 3]}]', "point 1: x and y must be numbers"),
    (json.dumps([{"x": 1, "y": 1, "rgb": [0, 0, 0]}] * 4), "4 points, at most 3"),
    ('[{"x": 60, "y": 2, "rgb": [1, 2, 3]}]', "parameter 'hints': point 1 (x 60, y 2) is outside the 60x40 image"),
    ('[{"x": 3, "y": -0.5, "rgb": [1, 2, 3]}]', "point 1 (x 3, y -0.5) is outside the 60x40 image"),
])
def test_bad_hints_are_one_line_errors_and_nothing_is_written(tmp_path, hint_env, capsys, content, message):
    photo = write_photo(tmp_path / "in.png", (60, 40))
    out = tmp_path / "out.png"
    assert main(["run", "hinted", str(photo), "-o", str(out), "--hints", str(_hints(tmp_path, content))]) == 2
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and message in lines[0], lines
    assert not out.exists()


def test_refusals_hints_for_a_plugin_without_hints_a_batch_or_twice(tmp_path, hint_env, capsys):
    photo = write_photo(tmp_path / "in.png")
    hints = str(_hints(tmp_path, [{"x": 1, "y": 1, "rgb": [9, 9, 9]}]))
    cases = [
        (["plain", str(photo)], "plain takes no colour hints"),
        (["hinted", str(photo), str(photo)], "--hints takes one input photo"),
        (["hinted", str(tmp_path)], "--hints takes one input photo"),
        (["hinted", str(photo), "--set", "hints=[]"], "--hints and --set hints=... both give the hints"),
        (["hinted", str(photo)], "missing.json"),
    ]
    for i, (args, message) in enumerate(cases):
        hints_arg = str(tmp_path / "missing.json") if message == "missing.json" else hints
        out = tmp_path / f"out{i}"
        assert main(["run", *args, "-o", str(out), "--hints", hints_arg]) == 2
        lines = error_lines(capsys.readouterr().err)
        assert len(lines) == 1 and message in lines[0], (message, lines)
        assert not out.exists()


def test_set_takes_the_same_json(tmp_path, hint_env):
    photo = write_photo(tmp_path / "in.png")
    out = tmp_path / "out.png"
    assert main(["run", "hinted", str(photo), "-o", str(out), "--set",
                 'hints=[{"x": 2, "y": 3, "rgb": [0, 0, 255]}]']) == 0
    assert tuple(np.asarray(Image.open(out))[3, 2]) == (0, 0, 255)


def test_plugins_lists_the_hints_option(hint_env, capsys):
    assert main(["plugins"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    ours = lines[next(i for i, ln in enumerate(lines) if ln.startswith("hinted ")) + 1]
    assert ours.split() == ["--hints", "FILE.json", "a", "JSON", "list", "of", "{x,", "y,", "rgb}", "(at", "most",
                            "3),", "default", "none", "where", "to", "put", "which", "colour"]
    assert "--set hints" not in text
    assert main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    hinted = next(p for p in data["plugins"] if p["id"] == "hinted")
    assert hinted["params"] == [{"type": "points", "key": "hints", "label": "Colour hints",
                                 "help": "where to put which colour", "live": False, "applies": [], "default": [],
                                 "max_points": 3}]


def test_plugins_says_when_a_parameter_acts(capsys):
    assert main(["plugins"]) == 0
    lines = capsys.readouterr().out.splitlines()
    source = next(ln for ln in lines if "--set source=" in ln)
    assert "(acts only with model=photo; speed=fast)" in source
    assert "acts only" not in next(ln for ln in lines if "--set scale=" in ln)
