"""Imported low-light models (Zero-DCE tiled, Zero-DCE++ whole) run through the plugin exactly as their
authors' forward pass runs on the whole photo, and get their own row in the evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.image import ImageBuffer
from photoai.plugin_api.execute import run_plugin
from photoai.runtime import Runtime
from photoai_plugins.lowlight.plugin import LowLightPlugin

from .conftest import photo

torch = pytest.importorskip("torch")
pytest.importorskip("onnxscript")

from photoai.runtime.importer import import_model  # noqa: E402
from tests.runtime import reference_archs as ref  # noqa: E402


def _import(state, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pth"
    torch.save(state, path)
    return import_model(path, name).id


@pytest.mark.parametrize(("name", "make", "forward", "size"), [
    ("zdce", ref.zerodce_state, ref.zerodce_forward, (600, 700)),  # tiling supported: 2 x 2 tiles
    ("zdcepp", ref.zerodcepp_state, ref.zerodcepp_forward, (600, 708)),  # internal: the whole photo at once
])
def test_an_imported_model_runs_as_its_authors_run_it(name, make, forward, size, tmp_path, photoai_home):
    state = make()
    model_id = _import(state, tmp_path, name)
    image = photo(*size, scale=0.3)
    values = {"model": model_id, "strength": 1.5, "denoise": 0.0}  # our options do not apply to it
    out = run_plugin(LowLightPlugin(), ImageBuffer(image), None, values, runtime=Runtime([], "cpu")).rgb
    with torch.no_grad():
        expected = forward(state, torch.from_numpy(image.transpose(2, 0, 1).copy())[None])[0].numpy()
    np.testing.assert_allclose(out, expected.transpose(1, 2, 0), atol=2e-5)


def test_imported_models_get_a_row_in_the_evaluation(tmp_path, photoai_home):
    pytest.importorskip("cv2")
    from PIL import Image

    from photoai_plugins.lowlight import evaluate

    _import(ref.sci_state(), tmp_path, "my-sci")
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(np.rint(photo(48, 64) * 255).astype(np.uint8)).save(folder / "a.png")
    out = evaluate.main(["--data", str(folder), "--models", str(tmp_path / "no-models")])
    assert list(out["methods"]) == ["input", "gamma", "CLAHE", "MSR", "sci: my-sci"]
