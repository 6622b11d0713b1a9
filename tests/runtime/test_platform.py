"""The model platform: strict manifests, merged sources, the user store, the call contract, GPU variants."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from photoai.core.errors import ModelError
from photoai.core.models import ModelSpec
from photoai.core.params import ModelParam, validate
from photoai.plugin_api.models import model_sources, open_runtime, resolve_params
from photoai.plugin_api.registry import PluginRegistry
from photoai.runtime import Runtime
from photoai.runtime.manifest import ModelSource, read_manifest, sha256_of, user_models_dir
from photoai.runtime.store import ModelStore
from tests.runtime.test_runtime import write_scale_model


def write_folder(folder, entries, factor=2.0):
    """A models folder: one scale model per entry, sha256 filled in."""
    folder.mkdir(parents=True, exist_ok=True)
    for e in entries:
        write_scale_model(folder / e["file"], factor)
        e.setdefault("sha256", sha256_of(folder / e["file"]))
    (folder / "manifest.json").write_text(json.dumps({"models": entries}))
    return folder


def entry(model_id, **facts):
    return {"id": model_id, "file": f"{model_id}.onnx", "in_channels": 1, "out_channels": 1, **facts}


def test_unknown_key_is_an_error_naming_the_file(tmp_path):
    write_folder(tmp_path, [entry("m", colour_space="rgb")])
    with pytest.raises(ModelError, match=r"manifest\.json.*unknown key\(s\) colour_space"):
        read_manifest(tmp_path)


def test_bad_facts_and_escaping_paths_are_refused(tmp_path):
    write_folder(tmp_path, [entry("m", tiling="sometimes")])
    with pytest.raises(ModelError, match="tiling 'sometimes'"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"models": [{"id": "x", "file": "../x.onnx", "sha256": "0"}]}))
    with pytest.raises(ModelError, match="inside the manifest's folder"):
        read_manifest(tmp_path)


def test_sources_merge_and_a_duplicate_id_names_both_files(tmp_path, photoai_home, monkeypatch):
    plugin_dir = write_folder(tmp_path / "plugin", [entry("a")])
    write_folder(user_models_dir(), [entry("b")])
    env_dir = write_folder(tmp_path / "env", [entry("c"), entry("a")])
    monkeypatch.setenv("PHOTOAI_MODELS_DIR", str(env_dir))
    rt = Runtime([ModelSource(plugin_dir, "plugin p")])
    assert set(rt.manifest.specs) == {"a", "b", "c"}  # the env folder adds, it does not replace
    assert rt.spec("a").root == plugin_dir  # the first source wins
    [failure] = rt.manifest.failures
    assert "'a' is defined twice" in failure and str(plugin_dir) in failure and str(env_dir) in failure
    assert rt.describe()["model_problems"] == [failure]


def test_a_broken_source_does_not_hide_the_others(tmp_path):
    good = write_folder(tmp_path / "good", [entry("a")])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text("{oops")
    rt = Runtime([good, bad], user_models=False)
    assert list(rt.manifest.specs) == ["a"]
    assert "unreadable" in rt.manifest.failures[0] and str(bad) in rt.manifest.failures[0]


def test_call_pads_to_the_size_multiple_crops_and_clamps(tmp_path):
    write_folder(tmp_path, [entry("m", size_multiple=8, min_size=16, output_range=[0.0, 1.5])])
    seen = []
    model = Runtime(tmp_path, user_models=False).load("m")
    real = model.session.run
    model.session.run = lambda out, feeds, opts: seen.append(feeds["x"].shape) or real(out, feeds, opts)
    x = np.linspace(0, 1, 5 * 11, dtype=np.float32).reshape(1, 1, 5, 11)
    y = model(x)
    assert seen == [(1, 1, 16, 16)]  # min size 16 and a multiple of 8
    assert y.shape == x.shape
    np.testing.assert_allclose(y, np.minimum(2 * x, 1.5), rtol=1e-6)


def test_call_checks_channels(tmp_path):
    write_folder(tmp_path, [entry("m")])
    model = Runtime(tmp_path, user_models=False).load("m")
    with pytest.raises(ModelError, match="takes 1 channel"):
        model(np.zeros((1, 3, 4, 4), np.float32))


def test_gpu_variant_runs_only_when_a_gpu_provider_leads(tmp_path):
    write_folder(tmp_path, [entry("m", gpu_variant="m-fp16"), entry("m-fp16", precision="float16")])
    rt = Runtime(tmp_path, user_models=False)
    assert rt.resolve("m", ["CUDAExecutionProvider", "CPUExecutionProvider"]).id == "m-fp16"
    assert rt.resolve("m", ["DmlExecutionProvider", "CPUExecutionProvider"]).id == "m-fp16"
    assert rt.resolve("m", ["CPUExecutionProvider"]).id == "m"
    assert rt.load("m").spec.id == "m"  # this machine has no GPU provider


def test_store_add_and_remove_are_atomic_and_validated(tmp_path, photoai_home):
    store = ModelStore()
    tmp = store.temp_path()
    write_scale_model(tmp)
    spec = store.add({"id": "mine", "task": "superres", "in_channels": 1, "source": {"file": "w.pth"}}, tmp)
    assert spec.path == user_models_dir() / "mine.onnx" and spec.sha256 == sha256_of(spec.path)
    assert not tmp.exists()
    with pytest.raises(ModelError, match="already in"):
        store.add({"id": "mine"}, store.temp_path())
    other = store.temp_path()
    with pytest.raises(ModelError, match="unknown key"):
        store.add({"id": "other", "flavour": 1}, other)
    assert other.exists() and not (user_models_dir() / "other.onnx").exists()  # nothing moved in
    with pytest.raises(ModelError, match="model id"):
        store.add({"id": "Bad Id"}, other)
    assert [s.id for s in Runtime(user_models=True).models("superres")] == ["mine"]
    store.remove("mine")
    assert not spec.path.exists() and store.entries() == []
    with pytest.raises(ModelError, match="not an imported model"):
        store.remove("mine")


def test_spec_round_trips_through_its_manifest_entry(tmp_path):
    spec = ModelSpec.from_dict({"id": "m", "file": "m.onnx", "sha256": "ab", "scale": 3, "inputs": ["y"],
                                "output_range": None, "training": {"command": "x"}}, tmp_path / "manifest.json")
    d = spec.to_dict()
    assert d == {"id": "m", "file": "m.onnx", "sha256": "ab", "scale": 3, "inputs": ["y"], "output_range": None,
                 "training": {"command": "x"}}
    assert ModelSpec.from_dict(d, tmp_path / "manifest.json") == spec


def test_model_param_lists_other_models_of_its_task(tmp_path):
    write_folder(tmp_path, [entry("own", task="superres"), entry("theirs", task="superres", title="FSRCNN x3",
                                                                 source={"file": "fsrcnn_x3.pth"}),
                            entry("dark", task="lowlight"), entry("theirs-gpu", task="superres"),
                            entry("fast", task="superres", gpu_variant="theirs-gpu"),
                            entry("weights", task="superres", format="torch-state-dict")])
    param = ModelParam("model", "Method", choices=("network", "bicubic"), task="superres")
    [resolved] = resolve_params([param], Runtime(tmp_path, user_models=False), own=("own",))
    assert resolved.choices == ("network", "bicubic", "fast", "theirs")
    assert resolved.labels[-1] == "FSRCNN x3 (imported)"
    assert validate([param], {"model": "theirs"}) == {"model": "theirs"}  # any id; the runtime checks it
    with pytest.raises(Exception, match="not one of"):
        validate([param], {"model": "Not An Id!"})


def test_a_folder_plugin_ships_its_own_models(tmp_path):
    pkg = tmp_path / "plugs" / "gain"
    pkg.mkdir(parents=True)
    write_folder(pkg / "models", [entry("gain-x2")])
    (pkg / "__init__.py").write_text(textwrap.dedent('''
        from photoai.plugin_api import BasePlugin, PluginInfo
        class Gain(BasePlugin):
            info = PluginInfo("gain", "Gain", model_ids=("gain-x2",))
            def run(self, request, ctx):
                y = ctx.runtime.load("gain-x2")(request.image.mean(axis=2)[None, None], ctx=ctx)
                return y[0, 0]
        plugin = Gain()
    '''))
    registry = PluginRegistry().discover(builtin=False, entry_point_group=None, paths=[tmp_path / "plugs"])
    assert [s.origin for s in model_sources(registry)] == ["plugin gain"]
    rt = open_runtime(registry, user_models=False)
    assert rt.spec("gain-x2").root == pkg / "models"
    from photoai.core.image import ImageBuffer
    from photoai.plugin_api.execute import run_plugin

    out = run_plugin(registry.get("gain"), ImageBuffer(np.full((8, 8, 3), 0.25, np.float32)), runtime=rt)
    np.testing.assert_allclose(out.rgb, 0.5)


def test_info_warns_when_two_onnx_runtime_builds_are_installed(monkeypatch, tmp_path):
    import importlib.metadata as md

    real = md.version
    monkeypatch.setattr(md, "version", lambda name: "1.20.0" if name == "onnxruntime-gpu" else real(name))
    info = Runtime(tmp_path, user_models=False).describe()
    assert "onnxruntime-gpu 1.20.0" in info["ort_warning"]
    monkeypatch.setattr(md, "version", real)
    assert "ort_warning" not in Runtime(tmp_path, user_models=False).describe()
