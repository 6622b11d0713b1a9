import re
import textwrap
from pathlib import Path

import pytest

from photoai.core.errors import PluginError
from photoai.plugin_api.registry import PluginRegistry, discover_plugins

ROOT = Path(__file__).resolve().parents[2]

GOOD = textwrap.dedent('''
    from photoai.plugin_api import BasePlugin, PluginInfo
    class P(BasePlugin):
        info = PluginInfo("folderplug", "From a folder")
        def run(self, request, ctx):
            return request.image
    plugin = P()
''')


def docs_example() -> str:
    text = (ROOT / "docs" / "plugins.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    return next(b for b in blocks if "plugin = " in b)


def test_folder_plugins_and_broken_ones_are_reported(tmp_path):
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "broken.py").write_text("import not_a_module_anywhere\n")
    (tmp_path / "empty.py").write_text("x = 1\n")
    pkg = tmp_path / "pkgplug"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .impl import plugin\n")
    (pkg / "impl.py").write_text(GOOD.replace("folderplug", "pkgplug"))
    reg = PluginRegistry().discover(builtin=False, entry_point_group=None, paths=[tmp_path])
    assert "folderplug" in reg and "pkgplug" in reg
    errors = {Path(f.source).name: f.error for f in reg.failures}
    assert "ModuleNotFoundError" in errors["broken.py"]
    assert "neither 'plugin' nor 'plugins'" in errors["empty.py"]


def test_environment_variable_folder(tmp_path, monkeypatch):
    (tmp_path / "vignette.py").write_text(docs_example())
    monkeypatch.setenv("PHOTOAI_PLUGIN_PATH", str(tmp_path))
    reg = discover_plugins(builtin=False, entry_point_group=None)
    assert reg.get("vignette").info.title == "Vignette"


def test_builtin_plugins_are_found():
    reg = discover_plugins(entry_point_group=None, paths=[])
    assert {"sharpen", "resample"} <= {p.info.id for p in reg.plugins()}


def test_entry_points(monkeypatch):
    from importlib import metadata

    from photoai.plugin_api import registry as regmod

    ep_ok = metadata.EntryPoint("inv", "tests.conftest:InvertPlugin", "photoai.plugins")
    ep_bad = metadata.EntryPoint("bad", "no_such_pkg.mod:thing", "photoai.plugins")
    monkeypatch.setattr(regmod, "entry_points", lambda group: [ep_ok, ep_bad] if group == "photoai.plugins" else [])
    monkeypatch.syspath_prepend(str(ROOT))
    reg = PluginRegistry().discover(builtin=False, paths=[])
    assert "invert" in reg
    assert any("no_such_pkg" in f.error for f in reg.failures)


def test_duplicate_ids_and_bad_objects_are_rejected(registry):
    from tests.conftest import InvertPlugin

    with pytest.raises(PluginError, match="already provided"):
        registry.register(InvertPlugin(), "again")
    with pytest.raises(PluginError, match="PluginInfo"):
        registry.register(object(), "junk")
    with pytest.raises(PluginError, match="unknown plugin 'nope'"):
        registry.get("nope")


