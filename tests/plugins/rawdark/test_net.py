"""The raw denoiser: input convention, identity at initialisation, the render."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from photoai_plugins.rawdark import unprocess  # noqa: E402
from photoai_plugins.rawdark.net import RawDenoiser, noise_map, render  # noqa: E402


def test_keeps_the_size() -> None:
    net = RawDenoiser(8).eval()
    raw = torch.rand(2, 4, 16, 24)
    assert net(raw, torch.tensor([[0.1, 0.01], [0.2, 0.02]])).shape == raw.shape


def test_levels_as_a_constant_map_equal_levels_as_two_numbers() -> None:
    torch.manual_seed(0)
    net = RawDenoiser(8).eval()
    torch.nn.init.normal_(net.tail.weight, std=0.1)
    raw, levels = torch.rand(1, 4, 16, 16), torch.tensor([[0.05, 0.003]])
    with torch.no_grad():
        a = net(raw, levels)
        b = net(raw, levels.view(1, 2, 1, 1).expand(1, 2, 16, 16))
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, net(raw, levels * 4).detach())  # the levels matter


def test_noise_map_is_the_model_std() -> None:
    raw = torch.full((1, 4, 8, 8), 0.25)
    std = noise_map(raw, torch.tensor([[0.04, 0.01]]))
    torch.testing.assert_close(std, torch.full_like(raw, (0.04 * 0.25 + 0.01) ** 0.5))


def test_render_undoes_unprocessing_up_to_the_tone_curve() -> None:
    """A grey sRGB patch unprocessed and rendered back (WB, CCM, gamma; no tone curve) stays grey."""
    cam = unprocess.random_camera(np.random.default_rng(2), "RGGB")
    grey = np.full((8, 8, 3), 0.5, np.float32)
    planes = unprocess.unprocess(grey, cam)
    from photoai_plugins.rawdark.bayer import pack

    packed = torch.from_numpy(pack(planes, "RGGB"))[None]
    rgb = render(packed * cam.brightness_gain, torch.from_numpy(cam.wb)[None],
                 torch.from_numpy(cam.cam2rgb.astype(np.float32))[None])
    assert rgb.shape == (1, 3, 4, 4)
    lin = float(unprocess.inverse_smoothstep(np.array(0.5)) ** 2.2)
    torch.testing.assert_close(rgb, torch.full_like(rgb, lin ** (1 / 2.2)), atol=1e-3, rtol=0)
