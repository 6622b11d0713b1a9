"""A training smoke run on tiny fixture photos: checkpoint, history, best.pt."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from photoai_plugins import _training as training  # noqa: E402
from photoai_plugins.rawdark.net import RawDenoiser  # noqa: E402


def test_a_smoke_run_trains_and_evaluates(smoke_checkpoint) -> None:
    net, state = training.load_net(smoke_checkpoint, RawDenoiser)
    assert state["iteration"] == 6 and net.config() == {"width": 4}
    assert state["commands"][0]["command"].startswith("python -m photoai_plugins.rawdark.train --smoke")
    (evaluation,) = state["history"]
    for key in ("psnr_raw_net", "psnr_render_net", "psnr_raw_input", "psnr_render_input", "psnr_raw_blur",
                "psnr_render_blur"):
        assert 0 < evaluation[key] < 80, key
    assert (smoke_checkpoint.parent / "best.pt").is_file()
    assert "eval iter 6" in (smoke_checkpoint.parent / "train.log").read_text()


def test_resume_continues_the_run(smoke_checkpoint, fixture_data, tmp_path) -> None:
    import shutil

    from photoai_plugins.rawdark import train

    from .conftest import FOLDER

    shutil.copy(smoke_checkpoint, tmp_path / "last.pt")
    argv = ["--smoke", "--iters", "8", "--data", str(fixture_data), "--folders", FOLDER, "--out", str(tmp_path),
            "--resume"]
    state = training.load_checkpoint(train.main(argv))
    assert state["iteration"] == 8 and len(state["commands"]) == 2 and len(state["history"]) == 2
