"""``photoai models import|list|remove`` through ``photoai.cli.main`` (the real plugins, a fresh user store)."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxscript")

from photoai.cli import main  # noqa: E402
from tests.conftest import shipped_runtime  # noqa: E402
from tests.runtime import reference_archs as ref  # noqa: E402


@pytest.fixture
def sci_file(tmp_path):
    path = tmp_path / "medium.pt"
    torch.save(ref.sci_state(), path)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("photoai: error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_import_list_remove(capsys, sci_file, photoai_home):
    code, out, _ = run(capsys, "models", "import", str(sci_file), "--id", "sci-medium")
    assert code == 0 and "imported 'sci-medium'" in out and "(lowlight)" in out
    onnx_file = photoai_home / "models" / "sci-medium.onnx"
    assert onnx_file.is_file()

    code, out, _ = run(capsys, "models", "list")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert rows["sci-medium"].split()[1:4] == ["lowlight", "sci", "imported"] and "medium.pt" in rows["sci-medium"]
    assert "built-in" in rows["superres-x2"]

    code, out, _ = run(capsys, "models", "list", "--json")
    data = json.loads(out)
    mine = next(m for m in data["models"] if m["id"] == "sci-medium")
    assert mine["kind"] == "imported" and mine["source"]["file"] == "medium.pt" and mine["size"] > 0
    assert mine["origin"] == "user store" and data["problems"] == []

    code, out, _ = run(capsys, "models", "remove", "sci-medium")
    assert code == 0 and "removed 'sci-medium'" in out and not onnx_file.exists()
    assert "sci-medium" not in run(capsys, "models", "list")[1]


def test_refusals_are_one_line_errors(capsys, sci_file, tmp_path, photoai_home):
    code, _, err = run(capsys, "models", "remove", "superres-x2")
    line = one_error_line(err)
    assert code == 2 and "'superres-x2' ships with" in line and "only imported models can be removed" in line
    assert shipped_runtime().spec("superres-x2").path.is_file()  # built-in files are never touched

    code, _, err = run(capsys, "models", "remove", "nope")
    assert code == 2 and "'nope' is not an imported model" in one_error_line(err)

    code, _, err = run(capsys, "models", "import", str(sci_file), "--id", "superres-x2")
    assert code == 2 and "'superres-x2' is already taken" in one_error_line(err)

    other = tmp_path / "other.pth"
    torch.save({"body.0.weight": torch.zeros(4, 3, 3, 3)}, other)
    code, _, err = run(capsys, "models", "import", str(other), "--id", "other")
    line = one_error_line(err)
    assert code == 2 and "not an architecture PhotoAI can import" in line and "Zero-DCE++" in line
    assert not (photoai_home / "models" / "other.onnx").exists()


def test_list_shows_manifest_problems(capsys, photoai_home):
    store = photoai_home / "models"
    store.mkdir(parents=True)
    (store / "manifest.json").write_text('{"models": [{"id": "x", "file": "x.onnx", "sha256": "0", "oops": 1}]}')
    code, out, _ = run(capsys, "models", "list")
    assert code == 0 and "(problem)" in out and "unknown key(s) oops" in out
    data = json.loads(run(capsys, "models", "list", "--json")[1])
    assert any("oops" in p for p in data["problems"])
