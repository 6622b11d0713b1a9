"""Inpainting loss terms: what each one measures and that the weights combine them."""

import pytest
import torch

from photoai_plugins.inpaint.losses import InpaintLoss, LossWeights


def _case():
    torch.manual_seed(0)
    gt = torch.rand(2, 3, 16, 16)
    hole = torch.zeros(2, 1, 16, 16)
    hole[..., 4:10, 3:12] = 1
    out = gt + 0.1 * torch.randn_like(gt)
    return out, gt, hole


def test_terms_and_weighted_total():
    out, gt, hole = _case()
    fn = InpaintLoss(LossWeights(perceptual=0, style=0, hole_mse=20.0))
    total, terms = fn(out, gt, hole)
    assert set(terms) == {"hole", "valid", "tv", "hole_mse"}
    assert terms["hole"] == pytest.approx(float((hole * (out - gt)).abs().mean()), rel=1e-5)
    assert terms["hole_mse"] == pytest.approx(float((hole * (out - gt)).square().mean()), rel=1e-5)
    expected = 6 * terms["hole"] + terms["valid"] + 0.1 * terms["tv"] + 20 * terms["hole_mse"]
    assert float(total) == pytest.approx(expected, rel=1e-5)
    assert "hole_mse" not in InpaintLoss(LossWeights(perceptual=0, style=0))(out, gt, hole)[1]


def test_hole_terms_ignore_the_valid_region():
    out, gt, hole = _case()
    exact_hole = torch.where(hole.bool(), gt, out)  # wrong only outside the hole
    _, terms = InpaintLoss(LossWeights(perceptual=0, style=0, hole_mse=1.0))(exact_hole, gt, hole)
    assert terms["hole"] == 0 and terms["hole_mse"] == 0 and terms["valid"] > 0
