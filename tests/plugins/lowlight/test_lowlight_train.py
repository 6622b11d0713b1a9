"""A training smoke run on the shared photos (skipped without them), and its checkpoint exports."""

from __future__ import annotations

import pytest

from photoai.runtime.manifest import read_manifest

torch = pytest.importorskip("torch")

from photoai_plugins import _training as training  # noqa: E402
from photoai_plugins.lowlight import export, train  # noqa: E402
from photoai_plugins.lowlight.data import TRAIN_FOLDERS, list_photos  # noqa: E402
from photoai_plugins.lowlight.net import LowLightNet  # noqa: E402

DATA = training.default_data_dir()


@pytest.mark.skipif(len(list_photos(DATA, TRAIN_FOLDERS)) < 16, reason="the shared training photos are not here")
def test_a_smoke_run_trains_evaluates_and_exports(tmp_path):
    argv = ["--smoke", "--iters", "4", "--val", "4", "--out", str(tmp_path / "run")]
    last = train.main(argv)
    net, state = training.load_net(last, LowLightNet)
    assert state["iteration"] == 4 and net.config() == {"width": 8, "denoise_width": 8, "denoise_blocks": 1}
    assert state["commands"][0]["command"] == training.command_line("lowlight.train", argv)
    (evaluation,) = state["history"]
    assert evaluation["val_psnr"] > evaluation["val_psnr_input"]  # even 4 steps brighten the dark crops
    assert (tmp_path / "run" / "best.pt").is_file()
    export.main(["--checkpoint", str(last), "--out-dir", str(tmp_path / "models"), "--no-eval"])
    specs = read_manifest(tmp_path / "models")
    assert {s.id for s in specs} == {"lowlight-illum", "lowlight-denoise"}
    assert all(s.training["command"] == state["commands"][0]["command"] for s in specs)
