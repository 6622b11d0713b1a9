"""Edit > Models...: listing, import (off the GUI thread) and removal, with a real runtime and store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from photoai.core.errors import ModelError
from photoai.runtime import Runtime
from photoai.runtime.manifest import sha256_of
from photoai.runtime.store import ModelStore
from photoai.ui import dialogs
from photoai.ui.widgets.models_dialog import ModelsDialog, suggest_id
from tests.runtime.test_runtime import write_scale_model


@pytest.fixture
def builtin(tmp_path):
    folder = tmp_path / "plugin-models"
    folder.mkdir()
    write_scale_model(folder / "b.onnx")
    entry = {"id": "ours-x2", "file": "b.onnx", "sha256": sha256_of(folder / "b.onnx"), "task": "superres",
             "title": "Our network x2", "arch": "srnet"}
    (folder / "manifest.json").write_text(json.dumps({"models": [entry]}))
    return folder


def fake_importer(path: Path, model_id: str, scale: int | None):
    if path.suffix != ".pth":
        raise ModelError(f"{path.name}: unknown architecture")
    store = ModelStore()
    tmp = store.temp_path()
    write_scale_model(tmp)
    return store.add({"id": model_id, "task": "superres", "arch": "fsrcnn", "scale": scale or 2,
                      "source": {"file": path.name}}, tmp)


def rows(dialog):
    return [[dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
            for r in range(dialog.table.rowCount())]


def test_lists_imports_and_removes(qtbot, builtin, photoai_home, monkeypatch):
    runtime = Runtime(builtin)
    dialog = ModelsDialog(runtime, fake_importer, lambda i: ModelStore().remove(i))
    qtbot.addWidget(dialog)
    assert [r[:5] for r in rows(dialog)] == [["Our network x2", "ours-x2", "superres", "srnet", "built-in"]]
    dialog.table.selectRow(0)
    assert not dialog.remove_button.isEnabled()  # built-in models stay
    changed = []
    dialog.changed.connect(lambda: changed.append(1))
    spec = dialog.import_file(Path("/somewhere/FSRCNN_x3.pth"), "fsrcnn-x3", 3)
    assert spec is not None and changed == [1]
    assert rows(dialog)[1][1:5] == ["fsrcnn-x3", "superres", "fsrcnn", "imported from FSRCNN_x3.pth"]
    assert dialog.selected_spec().id == "fsrcnn-x3" and dialog.remove_button.isEnabled()
    assert runtime.spec("fsrcnn-x3").scale == 3  # the runtime sees it at once
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: True)
    dialog.remove_button.click()
    assert len(rows(dialog)) == 1 and changed == [1, 1]
    assert not (photoai_home / "models" / "fsrcnn-x3.onnx").exists()


def test_a_failed_import_is_a_message_and_changes_nothing(qtbot, builtin, photoai_home, monkeypatch):
    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda parent, title, message, details="": shown.append(message))
    dialog = ModelsDialog(Runtime(builtin), fake_importer, lambda i: None)
    qtbot.addWidget(dialog)
    assert dialog.import_file(Path("weights.onnx"), "x") is None
    assert shown == ["weights.onnx: unknown architecture"] and len(rows(dialog)) == 1


def test_problems_with_manifests_are_shown(qtbot, builtin, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text("{")
    dialog = ModelsDialog(Runtime([builtin, bad], user_models=False), fake_importer, lambda i: None)
    qtbot.addWidget(dialog)
    assert "unreadable" in dialog.problems.text() and not dialog.problems.isHidden()


def test_suggested_ids_are_valid():
    assert suggest_id(Path("FSRCNN_x3.pth")) == "fsrcnn_x3"
    assert suggest_id(Path("Zero DCE++ (epoch 99).pth")) == "zero-dce-epoch-99"
    assert suggest_id(Path("...pth")) == "model"


def test_the_editor_imports_weights_and_the_plugin_form_offers_them(qtbot, settings, photoai_home, monkeypatch):
    """Edit > Models...: our own SR weights imported as a x3 model (a real conversion), listed in the
    superres form's Method list at once, and gone from it after removal."""
    pytest.importorskip("torch")
    from photoai.plugin_api.models import open_runtime
    from photoai.plugin_api.registry import discover_plugins
    from photoai.ui.main_window import MainWindow
    from photoai.ui.widgets import models_dialog

    registry = discover_plugins(entry_point_group=None, paths=[])
    window = MainWindow(registry, open_runtime(registry), settings)
    qtbot.addWidget(window)
    window.plugin_panel.select("superres")
    weights = registry.get("superres").models_dir / "superres_net.pt"

    def drive(dialog):
        assert dialog.import_file(weights, "my-sr-x3", 3) is not None
        methods = window.plugin_panel.form.editors["model"]
        assert "my-sr-x3" in methods.param.choices
        methods.set_value("my-sr-x3")
        dialog.select("my-sr-x3")
        dialog.remove("my-sr-x3")
        return 0

    monkeypatch.setattr(models_dialog.ModelsDialog, "exec", drive)
    window.act.models.trigger()
    methods = window.plugin_panel.form.editors["model"]
    assert "my-sr-x3" not in methods.param.choices and methods.value() == methods.param.default == "photo"
    assert not (photoai_home / "models" / "my-sr-x3.onnx").exists()
