"""Partial convolution: masking, re-normalisation, mask update, borders; U-Net hole independence."""

import pytest
import torch
import torch.nn.functional as F

from photoai_plugins.inpaint.net import PartialConv2d, PConvUNet, push_pull_fill


def _layer(k: int, stride: int, seed: int = 0) -> PartialConv2d:
    torch.manual_seed(seed)
    layer = PartialConv2d(3, 5, k, stride=stride)
    with torch.no_grad():
        layer.bias.uniform_(-1, 1)
    return layer


def _random_valid(shape, p=0.5, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=g) > p).float()


def _reference(layer: PartialConv2d, x: torch.Tensor, valid: torch.Tensor):
    """Brute force over windows: W.(X*M) * k^2 / sum(M) + b where sum(M) > 0, else 0."""
    k, s, p = layer.kernel_size[0], layer.stride[0], layer.padding[0]
    cols_x = F.unfold(F.pad(x * valid, (p, p, p, p)), k, stride=s)           # B, C*k*k, L
    cols_m = F.unfold(F.pad(valid, (p, p, p, p)), k, stride=s)                # B, k*k, L
    msum = cols_m.sum(1, keepdim=True)
    raw = layer.weight.view(layer.out_channels, -1) @ cols_x                  # B, O, L
    out = torch.where(msum > 0, raw * (k * k) / msum.clamp_min(1) + layer.bias.view(1, -1, 1), torch.zeros_like(raw))
    ho = (x.shape[2] + 2 * p - k) // s + 1
    wo = (x.shape[3] + 2 * p - k) // s + 1
    return out.view(x.shape[0], -1, ho, wo), (msum > 0).float().view(x.shape[0], 1, ho, wo)


@pytest.mark.parametrize("k,stride", [(3, 1), (5, 2), (7, 2)])
def test_matches_bruteforce_reference(k, stride):
    layer = _layer(k, stride)
    x = torch.randn(2, 3, 17, 20)
    valid = _random_valid((2, 1, 17, 20), p=0.7)
    out, new_valid = layer(x, valid)
    ref, ref_valid = _reference(layer, x, valid)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(new_valid, ref_valid)


@pytest.mark.parametrize("k,stride", [(3, 1), (5, 2)])
def test_mask_update_is_any_valid_under_window(k, stride):
    layer = _layer(k, stride)
    valid = _random_valid((1, 1, 24, 24), p=0.9, seed=3)
    _, new_valid = layer(torch.randn(1, 3, 24, 24), valid)
    expected = F.max_pool2d(valid, k, stride=stride, padding=k // 2)  # max pool pads with -inf: no fake holes
    torch.testing.assert_close(new_valid, expected)
    assert 0 < new_valid.mean() < 1


def test_output_independent_of_hole_pixels_and_zero_without_support():
    layer = _layer(3, 1)
    x = torch.randn(1, 3, 16, 16)
    valid = torch.ones(1, 1, 16, 16)
    valid[..., 4:12, 4:12] = 0
    x2 = torch.where(valid.bool(), x, torch.randn_like(x) * 1e3)
    out1, m1 = layer(x, valid)
    out2, _ = layer(x2, valid)
    assert torch.equal(out1, out2)
    # 3x3 windows centred at 5..10 see no valid pixel: output exactly 0 there (bias not added)
    assert torch.all(out1[..., 5:11, 5:11] == 0) and torch.all(m1[..., 5:11, 5:11] == 0)
    assert torch.all(m1[..., 4, 4:12] == 1) and torch.all(out1[..., 4, 4:12] != 0)


def test_all_valid_mask_equals_plain_conv_inside_and_rescales_at_border():
    """Interior: ratio 1, identical to nn.Conv2d. Border: zero padding counts as hole (sum(1) = k*k),
    so the bias-free response is scaled by k*k / (number of in-image pixels in the window)."""
    k = 5
    layer = _layer(k, 1)
    x = torch.randn(2, 3, 14, 15)
    valid = torch.ones(2, 1, 14, 15)
    out, new_valid = layer(x, valid)
    plain = F.conv2d(x, layer.weight, layer.bias, padding=k // 2)
    r = k // 2
    torch.testing.assert_close(out[..., r:-r, r:-r], plain[..., r:-r, r:-r], rtol=1e-5, atol=1e-5)
    assert torch.all(new_valid == 1)
    inside = F.conv2d(valid, torch.ones(1, 1, k, k), padding=r)
    nobias = F.conv2d(x, layer.weight, None, padding=r)
    expected = nobias * (k * k) / inside + layer.bias.view(1, -1, 1, 1)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(out[..., 0, 0], plain[..., 0, 0])


def test_unet_shapes_and_hole_independence():
    torch.manual_seed(0)
    net = PConvUNet((8, 12, 16, 16)).eval()
    assert net.size_multiple == 16
    img = torch.rand(2, 3, 32, 48)
    hole = torch.zeros(2, 1, 32, 48)
    hole[..., 5:20, 10:30] = 1
    noisy = torch.where(hole.bool(), torch.rand_like(img) * 50, img)
    with torch.no_grad():
        a, b = net(img, hole), net(noisy, hole)
    assert a.shape == img.shape
    assert torch.equal(a, b)


def test_push_pull_keeps_known_pixels_and_fills_smoothly():
    x = torch.zeros(1, 3, 32, 32)
    x[:, :, :, :16] = 0.2
    x[:, :, :, 16:] = 0.8
    valid = torch.ones(1, 1, 32, 32)
    valid[..., 8:24, 12:20] = 0
    fill = push_pull_fill(x * valid, valid, levels=5)
    torch.testing.assert_close(fill * valid, x * valid)
    hole = fill[0, 0, 8:24, 12:20]
    assert torch.all((hole > 0.19) & (hole < 0.81))
    assert hole[:, 0].mean() < 0.4 < 0.6 < hole[:, -1].mean()  # each side continues its own level
    empty = push_pull_fill(torch.zeros(1, 3, 8, 8), torch.zeros(1, 1, 8, 8), levels=3)
    assert torch.isfinite(empty).all()


def test_unet_extras_keep_hole_independence_and_warm_start_identity():
    """Residual blocks start as identity (a warm start changes nothing); prefill still ignores
    what lies under the hole; the config round-trips through the constructor."""
    torch.manual_seed(0)
    base = PConvUNet((8, 12, 16, 16)).eval()
    extra = PConvUNet((8, 12, 16, 16), res_blocks=(0, 1, 2, 1), refine=6).eval()
    missing, unexpected = extra.load_state_dict(base.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith(("res.", "refine.")) for k in missing)
    img = torch.rand(1, 3, 32, 48)
    hole = torch.zeros(1, 1, 32, 48)
    hole[..., 4:22, 6:30] = 1
    with torch.no_grad():
        assert torch.equal(base(img, hole), extra(img, hole))
    filled = PConvUNet(**dict(extra.config(), prefill=True)).eval()
    assert filled.config() == dict(extra.config(), prefill=True)
    assert PConvUNet(**base.config()).config() == {"widths": [8, 12, 16, 16], "kernels": [7, 5, 5, 3]}
    noisy = torch.where(hole.bool(), torch.rand_like(img) * 50, img)
    with torch.no_grad():
        assert torch.equal(filled(img, hole), filled(noisy, hole))
    with pytest.raises(ValueError):
        PConvUNet((8, 12), res_blocks=(1, 0))
