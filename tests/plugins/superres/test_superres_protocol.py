"""Bicubic Set5 self-check of the evaluation protocol (skipped, saying why, without the shared data)."""

from __future__ import annotations

import pytest

from photoai_plugins.superres.evaluate import evaluate, load_pairs, mean_metrics
from tests.conftest import require_data


@pytest.mark.parametrize("scale,expected", [(2, 33.66), (3, 30.39), (4, 28.42)])
def test_set5_bicubic_reproduces_papers(scale: int, expected: float) -> None:
    set5 = require_data("sr/Set5", "the Set5 benchmark")
    value, _ = mean_metrics(evaluate(load_pairs(set5, scale), scale, None))
    assert abs(value - expected) <= 0.05
