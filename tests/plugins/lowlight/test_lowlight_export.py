"""Export: the two ONNX files match torch, their manifest entries are complete and valid, and the plugin
runs them through the real runtime like the torch pipeline it stands for."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.guided import guided_upsample
from photoai.core.image import ImageBuffer
from photoai.plugin_api.execute import run_plugin
from photoai.runtime import Runtime
from photoai.runtime.manifest import read_manifest
from photoai_plugins.lowlight.plugin import (
    DENOISE_ID,
    ILLUM_ID,
    KEEP_MEAN_RADIUS,
    LowLightPlugin,
    local_detail,
    luminance,
    proxy_of,
)

from .conftest import photo

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from photoai_plugins import _training as training  # noqa: E402
from photoai_plugins.lowlight.export import DENOISE_FILE, ILLUM_FILE, denoise_receptive_field  # noqa: E402
from photoai_plugins.lowlight.net import LowLightNet  # noqa: E402


def _net(checkpoint) -> LowLightNet:
    return training.load_net(checkpoint, LowLightNet)[0]


def test_the_manifest_entries(smoke_models, smoke_checkpoint):
    specs = {s.id: s for s in read_manifest(smoke_models)}
    illum, denoise = specs[ILLUM_ID], specs[DENOISE_ID]
    assert (illum.file, illum.size_multiple, illum.tiling, illum.inputs) == (ILLUM_FILE, 16, "discouraged", ("image",))
    assert (denoise.file, denoise.size_multiple, denoise.tiling) == (DENOISE_FILE, 2, "supported")
    assert denoise.inputs == ("image", "gain") and denoise.receptive_field == denoise_receptive_field(1)
    assert illum.output_range == (0.02, 1.0) and illum.config["proxy_side"] == 512
    for s in (illum, denoise):
        assert s.task == "lowlight" and s.params > 0 and s.macs_per_output_pixel > 0 and s.path.is_file()
        assert s.training["command"] == "python -m photoai_plugins.lowlight.train --smoke"
        assert s.training["iterations"] == 3 and s.training["data"][0]["path"] == "photos/train/imagenet_sample"
        assert "non-commercial" in s.training["data"][0]["terms"]


@pytest.mark.parametrize(("h", "w"), [(48, 80), (112, 64)])
def test_onnx_matches_torch(smoke_models, smoke_checkpoint, h, w):
    net = _net(smoke_checkpoint)
    rng = np.random.default_rng(h)
    x = rng.random((1, 3, h, w), dtype=np.float32)
    gain = (1.0 + 20.0 * rng.random((1, 3, h, w))).astype(np.float32)
    with torch.no_grad():
        s_torch = net.illum(torch.from_numpy(x)).numpy()
        d_torch = net.denoise(torch.from_numpy(x), torch.from_numpy(gain)).numpy()
    illum = ort.InferenceSession(str(smoke_models / ILLUM_FILE), providers=["CPUExecutionProvider"])
    denoise = ort.InferenceSession(str(smoke_models / DENOISE_FILE), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(illum.run(None, {"image": x})[0], s_torch, atol=1e-4)
    np.testing.assert_allclose(denoise.run(None, {"image": x, "gain": gain})[0], d_torch, atol=1e-4)


def test_the_plugin_runs_the_pipeline_the_networks_describe(smoke_models, smoke_checkpoint):
    """The plugin with the exported models (tiled denoiser, tiles at even offsets here) equals the torch
    networks run on the whole photo: S of the proxy (padded to 16 like every model input), guided to full
    resolution, I / S, denoised (the photo mirrored at its edges; the correction's local detail only, and
    what lay above 1)."""
    net = _net(smoke_checkpoint)
    image = photo(600, 1024, scale=0.25)  # 2 x 2 denoiser tiles of 512 / 300 px
    out = run_plugin(LowLightPlugin(), ImageBuffer(image), None, {"auto_exposure": False},
                     runtime=Runtime(smoke_models, "cpu", user_models=False)).rgb
    proxy = proxy_of(image)
    padded = np.pad(proxy, ((0, -proxy.shape[0] % 16), (0, -proxy.shape[1] % 16), (0, 0)), mode="reflect")
    with torch.no_grad():
        s_padded = net.illum(torch.from_numpy(padded.transpose(2, 0, 1).copy())[None])[0].numpy().transpose(1, 2, 0)
    s_proxy = s_padded[: proxy.shape[0], : proxy.shape[1]]
    s = np.clip(guided_upsample(s_proxy, luminance(proxy), luminance(image)), 0.02, 1.0)
    bright = np.clip(image / s, 0.0, 1.0)
    reach = denoise_receptive_field(1) // 2 + 1
    m = reach + reach % 2  # the plugin mirrors each tile outward by this much

    def mirrored(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.pad(a, ((m, m), (m, m), (0, 0)), mode="reflect").transpose(2, 0, 1).copy())[None]

    with torch.no_grad():
        clean = net.denoise(mirrored(bright), mirrored(1.0 / s))[0].numpy().transpose(1, 2, 0)[m:-m, m:-m]
    clean = np.clip(clean, 0.0, 1.0)  # the denoiser's output range (its manifest entry)
    clean = bright + local_detail(clean - bright, KEEP_MEAN_RADIUS) + (image / s - bright)
    assert out.shape == image.shape
    np.testing.assert_allclose(out, np.clip(clean, 0.0, 1.0), atol=3e-4)  # ONNX vs torch, box sums per tile
