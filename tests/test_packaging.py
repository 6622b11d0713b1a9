"""The built wheel ships every package, every module and every model file the plugins' manifests list.

The wheel is built for real (pip, offline, no build isolation: setuptools comes from the ``test`` extra)
from a copy of the sources in a temporary folder, so the repository never gets a ``build/`` folder and
stale build output can never hide a missing file. Slow-ish (a few seconds: ~40 MB of models), but always run.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from photoai.runtime.manifest import MANIFEST_NAME, read_manifest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]
SOURCE_ROOTS = ("photoai", "plugins")  # every package folder under these must be listed in pyproject.toml
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


@functools.cache
def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def setuptools_config() -> dict[str, Any]:
    return pyproject()["tool"]["setuptools"]


def source_dir(package: str) -> Path:
    """The folder (relative to the repository) setuptools builds ``package`` from, per ``package-dir``."""
    mapping: dict[str, str] = setuptools_config().get("package-dir", {})
    parts = package.split(".")
    for n in range(len(parts), -1, -1):
        prefix = ".".join(parts[:n])
        if prefix in mapping:
            return Path(mapping[prefix], *parts[n:])
    return Path(*parts)


def package_folders() -> set[Path]:
    """Every folder under :data:`SOURCE_ROOTS` holding Python files (relative to the repository)."""
    return {p.parent.relative_to(ROOT) for root in SOURCE_ROOTS for p in (ROOT / root).rglob("*.py")
            if "__pycache__" not in p.parts}


def wheel_path(source: Path) -> str:
    """Where the file ``source`` (relative to the repository) lands in the wheel."""
    by_folder = {source_dir(p): p for p in setuptools_config()["packages"]}
    package = by_folder.get(source.parent)
    if package is None:  # package data (e.g. models/) lies in a subfolder of a package
        package = next(by_folder[f] for f in sorted(by_folder, key=lambda f: -len(f.parts)) if f in source.parents)
        rest = source.relative_to(source_dir(package))
    else:
        rest = Path(source.name)
    return "/".join([*package.split("."), *rest.parts])


def model_files() -> list[Path]:
    """Every plugin's manifest and the files it lists (relative to the repository)."""
    files: list[Path] = []
    for manifest in sorted((ROOT / "plugins").glob(f"*/models/{MANIFEST_NAME}")):
        files.append(manifest.relative_to(ROOT))
        files += [spec.path.relative_to(ROOT) for spec in read_manifest(manifest.parent)]
    return files


def build_wheel(workdir: Path) -> Path:
    """Build the project's wheel from a clean copy of its sources; returns the wheel file."""
    src, dist = workdir / "src", workdir / "dist"
    src.mkdir()
    project = pyproject()["project"]
    for name in {"pyproject.toml", project["readme"]}:
        shutil.copy2(ROOT / name, src / name)
    for top in sorted({source_dir(p).parts[0] for p in setuptools_config()["packages"]}):
        shutil.copytree(ROOT / top, src / top, ignore=IGNORED)
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(dist)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert done.returncode == 0, f"building the wheel failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    (wheel,) = dist.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Iterator[zipfile.ZipFile]:
    with zipfile.ZipFile(build_wheel(tmp_path_factory.mktemp("wheel"))) as zf:
        yield zf


def test_explicit_packages_cover_every_package_folder():
    """``packages`` in pyproject.toml is explicit: a new subpackage must be listed there, with an ``__init__.py``."""
    listed = {source_dir(p) for p in setuptools_config()["packages"]}
    folders = package_folders()
    assert sorted(map(str, folders - listed)) == [], "package folders missing from pyproject.toml's packages"
    assert sorted(map(str, listed - folders)) == [], "listed packages without a source folder"
    no_init = sorted(str(f) for f in folders if not (ROOT / f / "__init__.py").is_file())
    assert no_init == [], "folders with Python files but no __init__.py"


def test_wheel_has_every_module(wheel):
    names = set(wheel.namelist())
    modules = sorted(p.relative_to(ROOT) for f in package_folders() for p in (ROOT / f).glob("*.py"))
    missing = [wheel_path(m) for m in modules if wheel_path(m) not in names]
    assert missing == [], "modules missing from the wheel"


def test_wheel_has_every_model_file_the_manifests_list(wheel):
    names = {info.filename: info for info in wheel.infolist()}
    files = model_files()
    expected = {wheel_path(f): f for f in files}
    assert "photoai_plugins/superres/models/superres_net.pt" in expected  # the torch state dict (torch-state-dict)
    assert all(name.startswith("photoai_plugins/") and "/models/" in name for name in expected)
    missing = sorted(set(expected) - set(names))
    assert missing == [], "model files missing from the wheel"
    for name, source in expected.items():  # whole files, not LFS pointers or truncated copies
        assert names[name].file_size == (ROOT / source).stat().st_size, name
