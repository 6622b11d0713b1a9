"""The dependency direction (core <- runtime <- plugin_api <- ui <- cli; no Qt outside the UI;
plugins never import the UI; the app never imports a plugin) is enforced by import-linter."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed")
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_builtin_plugin_package_is_packaged():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = set(config["tool"]["setuptools"]["packages"])
    for init in (ROOT / "plugins").glob("*/__init__.py"):
        assert f"photoai_plugins.{init.parent.name}" in packages, f"add {init.parent.name} to pyproject packages"
    for init in (ROOT / "photoai").rglob("__init__.py"):
        name = ".".join(init.parent.relative_to(ROOT).parts)
        assert name in packages, f"add {name} to pyproject packages"
