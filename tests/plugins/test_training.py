"""The shared training scaffold (photoai_plugins._training): resume, schedule, data folder, export + manifest."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")

import torch  # noqa: E402

from photoai.core.errors import ModelError  # noqa: E402
from photoai.runtime import onnx_export  # noqa: E402
from photoai.runtime.manifest import read_manifest  # noqa: E402
from photoai_plugins import _training as training  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


class TinyNet(torch.nn.Module):
    def __init__(self, width: int = 3) -> None:
        super().__init__()
        self.width = width
        self.conv = torch.nn.Conv2d(1, width, 3, padding=1)
        self.out = torch.nn.Conv2d(width, 1, 1)

    def config(self) -> dict[str, Any]:
        return {"width": self.width}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.out(torch.relu(self.conv(x)))


def _run(out: Path, argv: list[str], width: int = 3) -> training.Run:
    torch.manual_seed(0)
    net = TinyNet(width)
    args = argparse.Namespace(out=out, steps=int(argv[argv.index("--steps") + 1]))
    return training.Run("tiny", args, argv, net, torch.optim.Adam(net.parameters(), lr=1e-2),
                        np.random.default_rng(0))


def _train(run: training.Run, until: int) -> None:
    """Steps that draw from both RNGs (numpy data, torch noise), so a resume must restore both."""
    while run.iteration < until:
        x = torch.from_numpy(run.rng.random((2, 1, 6, 6), dtype=np.float32))
        loss = ((run.net(x + 0.01 * torch.randn_like(x)) - x.flip(-1)) ** 2).mean()
        run.optimizer.zero_grad()
        loss.backward()
        run.optimizer.step()
        run.iteration += 1
        run.record({"loss": float(loss.detach())})


def _trained(out: Path, argv: list[str], until: int, resume: bool = False) -> training.Run:
    run = _run(out, argv)
    if resume:
        torch.manual_seed(123)  # as in a new process: only the checkpoint can restore the torch RNG state
    run.begin(resume)
    _train(run, until)
    run.finish()
    return run


def test_resume_continues_exactly_like_an_uninterrupted_run(tmp_path: Path) -> None:
    straight = _trained(tmp_path / "a", ["--steps", "6"], 6)
    _trained(tmp_path / "b", ["--steps", "3"], 3)
    second = _trained(tmp_path / "b", ["--steps", "6", "--resume"], 6, resume=True)

    for a, b in zip(straight.net.parameters(), second.net.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    state = torch.load(second.last, weights_only=True)
    assert state["schema"] == training.SCHEMA and state["iteration"] == 6 and state["config"] == {"width": 3}
    assert state["commands"] == [
        {"command": "python -m photoai_plugins.tiny.train --steps 3", "start_iteration": 0},
        {"command": "python -m photoai_plugins.tiny.train --steps 6 --resume", "start_iteration": 3}]
    assert [h["iteration"] for h in state["history"]] == [1, 2, 3, 4, 5, 6]
    assert "resumed from" in (tmp_path / "b" / "train.log").read_text()


def test_resume_without_a_checkpoint_starts_fresh_and_refuses_another_network(tmp_path: Path) -> None:
    run = _trained(tmp_path, ["--steps", "1", "--resume"], 1, resume=True)  # nothing to resume: a fresh start
    assert run.commands == [{"command": "python -m photoai_plugins.tiny.train --steps 1 --resume",
                             "start_iteration": 0}]
    weights = torch.load(run.save_weights("best.pt"), weights_only=True)
    assert set(weights) == set(training.WEIGHTS_KEYS)  # no optimizer or RNG state
    other = _run(tmp_path, ["--steps", "2", "--resume"], width=4)
    with pytest.raises(SystemExit, match="network config"):
        other.begin(resume=True)  # and closes its log


def test_warm_start_labels_the_source_commands(tmp_path: Path) -> None:
    source = _trained(tmp_path / "src", ["--steps", "2"], 2)
    run = _run(tmp_path / "new", ["--steps", "1"])
    run.begin(resume=False, init=str(source.last))
    run.log.close()
    assert [c.get("run") for c in run.commands] == ["warm-start source last.pt, 2 iterations", None]
    torch.testing.assert_close(run.net.conv.weight, source.net.conv.weight)
    with pytest.raises(SystemExit, match="incompatible"):
        training.warm_start(TinyNet(5), source.last)


def test_cosine_schedule_values() -> None:
    assert training.cosine_lr(0, 100, 1.0, 0.1) == 1.0
    assert training.cosine_lr(50, 100, 1.0, 0.1) == pytest.approx(0.55)
    assert training.cosine_lr(100, 100, 1.0, 0.1) == pytest.approx(0.1)
    assert training.cosine_lr(250, 100, 1.0, 0.1) == pytest.approx(0.1)  # resumed past the end: stays low
    # decay over the last quarter only: constant, then a cosine from 2e-4 to 5 % of it
    assert training.cosine_lr(74, 100, 2e-4, 1e-5, decay_frac=0.25) == 2e-4
    assert training.cosine_lr(75, 100, 2e-4, 1e-5, decay_frac=0.25) == pytest.approx(2e-4)
    assert training.cosine_lr(80, 100, 2e-4, 1e-5, decay_frac=0.25) == pytest.approx(
        1e-5 + 0.5 * 1.9e-4 * (1 + math.cos(math.pi * 5 / 25)))
    optimizer = torch.optim.SGD(TinyNet().parameters(), lr=1.0)
    training.set_lr(optimizer, 0.25)
    assert [g["lr"] for g in optimizer.param_groups] == [0.25]


def test_data_dir_env_wins_and_default_is_beside_the_repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(training.DATA_ENV, str(tmp_path))
    assert training.default_data_dir() == tmp_path
    monkeypatch.delenv(training.DATA_ENV)
    assert training.default_data_dir() == REPO.parent / "shared" / "data"
    assert training.portable_path(REPO.parent / "shared" / "data" / "sr") == os.path.join("..", "shared", "data", "sr")
    assert training.portable_path(REPO / "plugins") == "plugins"


def test_command_line_records_the_photoai_plugins_module() -> None:
    assert training.command_line("superres.train", ["--data", "a b"]) == \
        "python -m photoai_plugins.superres.train --data 'a b'"


# --------------------------------------------------------------------------- export helper

def _export(path: Path) -> float:
    """A tiny network exported the way the plugins' export scripts do."""
    torch.manual_seed(0)
    cases = [(np.random.default_rng(0).random((1, 1, h, w), dtype=np.float32),) for h, w in ((5, 7), (16, 12))]
    return onnx_export.export_checked(TinyNet().eval(), (torch.rand(1, 1, 8, 8),), path, cases=cases,
                                      input_names=["x"], output_names=["y"])


def _entry(model_id: str, file: str, **extra: Any) -> dict[str, Any]:
    return {"id": model_id, "file": file, "task": "tiny", "in_channels": 1, "out_channels": 1, "inputs": ["x"],
            "training": {"command": "python -m photoai_plugins.tiny.train"}, **extra}


def test_export_writes_a_checked_onnx_and_upserts_a_schema_valid_entry(tmp_path: Path) -> None:
    assert _export(tmp_path / "tiny.onnx") <= onnx_export.TOLERANCE
    other = {"id": "other", "file": "o.onnx", "sha256": "ab" * 32, "tiling": "supported"}
    old = {"id": "tiny", "file": "old.onnx", "sha256": "cd" * 32}
    (tmp_path / "manifest.json").write_text(json.dumps({"models": [old, other]}))

    specs = training.upsert_manifest(tmp_path, [_entry("tiny", "tiny.onnx", title="Tiny")])

    digest = hashlib.sha256((tmp_path / "tiny.onnx").read_bytes()).hexdigest()
    models = json.loads((tmp_path / "manifest.json").read_text())["models"]
    assert [m["id"] for m in models] == ["tiny", "other"]  # replaced in place, the other one kept as it was
    assert models[1] == other and models[0]["sha256"] == digest and specs[0].sha256 == digest
    spec = read_manifest(tmp_path)[0]
    assert spec.title == "Tiny" and spec.inputs == ("x",) and spec.file == "tiny.onnx"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "tiny.onnx"]  # no temporary files


def test_upsert_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _export(tmp_path / "tiny.onnx")
    training.upsert_manifest(tmp_path, [_entry("tiny", "tiny.onnx")])
    manifest, onnx_bytes = (tmp_path / "manifest.json").read_text(), (tmp_path / "tiny.onnx").read_bytes()

    with pytest.raises(ModelError, match="unknown key"):  # the strict schema, before anything is written
        training.upsert_manifest(tmp_path, [_entry("tiny", "tiny.onnx", colour="rgb")])

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(training.os, "replace", broken_replace)
    with pytest.raises(OSError):
        training.upsert_manifest(tmp_path, [_entry("tiny2", "tiny.onnx")])
    assert (tmp_path / "manifest.json").read_text() == manifest
    assert (tmp_path / "tiny.onnx").read_bytes() == onnx_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "tiny.onnx"]


def test_training_record_splits_own_and_warm_start_commands() -> None:
    state = {"iteration": 9, "commands": [{"run": "warm-start source a.pt, 4 iterations", "command": "A"},
                                          {"command": "B", "start_iteration": 0},
                                          {"command": "B --resume", "start_iteration": 5}]}
    assert training.training_record(state) == {
        "command": "B", "resumed_with": ["B --resume"], "iterations": 9,
        "warm_started_from": [{"run": "warm-start source a.pt, 4 iterations", "command": "A"}]}
