"""The torch side: the numpy guided filter equals the network's, each loss term alone decreases on a toy
problem, the plugin's constants match the network's, the denoiser's receptive field."""

from __future__ import annotations

import numpy as np
import pytest

from photoai.core.guided import guided_upsample
from photoai_plugins.lowlight.plugin import S_MIN
from photoai_plugins.lowlight.tone import LUMA, luminance

torch = pytest.importorskip("torch")

from photoai_plugins.lowlight import losses, net  # noqa: E402
from photoai_plugins.lowlight.export import denoise_receptive_field  # noqa: E402


@pytest.mark.parametrize(("low", "full"), [((9, 13), (36, 52)), ((8, 8), (33, 20)), ((16, 24), (16, 24))])
def test_numpy_guided_upsampling_matches_the_networks(low, full):
    rng = np.random.default_rng(0)
    p, g = rng.random((*low, 3), dtype=np.float32), rng.random(low, dtype=np.float32)
    guide = rng.random(full, dtype=np.float32)
    expected = net.guided_upsample(torch.from_numpy(p.transpose(2, 0, 1))[None], torch.from_numpy(g)[None, None],
                                   torch.from_numpy(guide)[None, None], r=2, eps=1e-3)[0].numpy().transpose(1, 2, 0)
    np.testing.assert_allclose(guided_upsample(p, g, guide, r=2, eps=1e-3, band=7), expected, atol=1e-5)


def test_the_plugin_uses_the_networks_luminance_and_floor():
    assert LUMA == net.LUMA and S_MIN == net.S_MIN
    x = np.random.default_rng(1).random((5, 6, 3), dtype=np.float32)
    expected = net.luminance(torch.from_numpy(x.transpose(2, 0, 1))[None])[0, 0].numpy()
    np.testing.assert_allclose(luminance(x), expected, atol=1e-6)


@pytest.mark.parametrize("blocks", [1, 3])
def test_the_denoisers_receptive_field(blocks):
    """A change of one input pixel reaches ``denoise_receptive_field // 2`` pixels on one side (which side
    depends on the pixel-unshuffle parity), so the plugin's tile overlap of ``rf // 2 + 1`` covers it."""
    torch.manual_seed(0)
    d = net.DenoiseNet(8, blocks).eval()
    torch.nn.init.normal_(d.tail.weight, 0.0, 0.1)
    x, gain = torch.rand(1, 3, 96, 96), torch.full((1, 3, 96, 96), 4.0)
    rf = denoise_receptive_field(blocks)
    for at in (47, 48):  # both parities
        y = x.clone()
        y[0, :, at, at] += 0.5
        with torch.no_grad():
            changed = ((d(y, gain) - d(x, gain)).abs().amax(dim=(0, 1)) > 0).any(dim=0)
        cols = torch.nonzero(changed).flatten()
        left, right = at - int(cols.min()), int(cols.max()) - at
        assert left + right + 1 == rf - 1 and max(left, right) == rf // 2


def _toy() -> tuple[net.LowLightNet, torch.Tensor, torch.Tensor]:
    """A tiny net with non-trivial heads and a fixed batch: smooth dark photos and their bright targets."""
    torch.manual_seed(0)
    model = net.LowLightNet(8, 8, 1)
    with torch.no_grad():
        model.illum.head.weight.normal_(0.0, 0.05)
        model.denoise.tail.weight.normal_(0.0, 0.05)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 32), torch.linspace(0, 1, 32), indexing="ij")
    target = torch.stack([0.3 + 0.5 * xx, 0.6 - 0.3 * yy, 0.4 + 0.2 * xx * yy])[None].repeat(2, 1, 1, 1)
    target[1] = target[1].flip(-1)
    dark = (target ** 2.2 * 0.1) ** (1 / 2.2) + 0.01 * torch.randn_like(target)
    return model, dark.clamp(0, 1), target


TERMS = {
    "reconstruction": lambda s, dark, bright, out, target: losses.reconstruction(out, target),
    "smoothness": lambda s, dark, bright, out, target: losses.smoothness(s, dark),
    "colour": lambda s, dark, bright, out, target: losses.colour(out, target),
}


@pytest.mark.parametrize("term", list(TERMS))
def test_each_loss_term_alone_decreases(term):
    model, dark, target = _toy()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    values = []
    for _ in range(12):
        s, bright, out = model(dark)
        loss = TERMS[term](s, dark, bright, out, target)
        values.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert values[-1] < 0.8 * values[0], values


def test_the_total_loss_reports_every_term():
    model, dark, target = _toy()
    s, bright, out = model(dark)
    loss, terms = losses.total(s, dark, bright, out, target)
    assert set(terms) == {"bright", "denoised", "smooth", "colour"} and all(v >= 0 for v in terms.values())
    w = losses.Weights()
    expected = (w.bright * terms["bright"] + w.denoised * terms["denoised"] + w.smooth * terms["smooth"]
                + w.colour * terms["colour"])
    assert loss.item() == pytest.approx(expected, rel=1e-5)
