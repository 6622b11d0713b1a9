"""Network: exact bicubic skip, cost bookkeeping and ONNX export parity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from photoai.core.resize import imresize
from photoai_plugins.superres.export import export_onnx, verify_onnx
from photoai_plugins.superres.net import BicubicUpsample, SingleScale, SRNet, macs_per_output_pixel, receptive_field


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_bicubic_skip_equals_matlab_imresize(scale: int) -> None:
    lr = np.random.default_rng(scale).random((9, 13))
    out = BicubicUpsample(scale)(torch.from_numpy(lr).float()[None, None])[0, 0].numpy()
    np.testing.assert_allclose(out, imresize(lr, scale), atol=1e-5)


def test_untrained_net_is_bicubic_and_shapes() -> None:
    net = SRNet(8, 1, (2, 3))
    x = torch.rand(2, 1, 10, 12)
    for s in (2, 3):
        y = net(x, s)
        assert y.shape == (2, 1, 10 * s, 12 * s)
        torch.testing.assert_close(y, BicubicUpsample(s)(x))
        torch.testing.assert_close(SingleScale(net, s)(x), y)


def test_costs() -> None:
    net = SRNet(16, 2, (2, 4))
    body = 9 * 16 + 2 * 2 * 9 * 16 * 16 + 9 * 16 * 16
    assert macs_per_output_pixel(net, 2) == pytest.approx((body + 9 * 16 * 4 + 4 * 25) / 4)
    assert macs_per_output_pixel(net, 4) == pytest.approx((body + 9 * 16 * 16 + 16 * 25) / 16)
    assert receptive_field(net) == 2 * (1 + 4 + 1 + 1) + 1


def test_receptive_field_is_honest() -> None:
    torch.manual_seed(0)
    net = SRNet(4, 1, (2,))
    torch.nn.init.normal_(net.tails["2"].weight)
    rf = receptive_field(net)
    x = torch.rand(1, 1, 41, 41)
    x2 = x.clone()
    x2[0, 0, 20 + rf // 2 + 1:, :] += 1.0  # change only pixels outside the field of LR row 20
    y, y2 = net(x, 2), net(x2, 2)
    torch.testing.assert_close(y[..., 40:42, :], y2[..., 40:42, :])


def test_onnx_matches_torch(tmp_path: Path) -> None:
    import onnx

    torch.manual_seed(0)
    net = SRNet(8, 1, (3,)).eval()
    for p in net.tails.parameters():
        torch.nn.init.normal_(p, std=0.1)
    path = tmp_path / "sr.onnx"
    export_onnx(net, 3, path)
    assert verify_onnx(net, 3, path) <= 1e-4
    model = onnx.load(str(path))
    assert {o.domain: o.version for o in model.opset_import}.get("", None) == 17
