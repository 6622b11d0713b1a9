"""Bicubic Set5 self-check of the evaluation protocol (skipped without the shared data)."""

from __future__ import annotations

import pytest

from photoai_plugins._training import default_data_dir
from photoai_plugins.superres.evaluate import evaluate, load_pairs, mean_metrics

SET5 = default_data_dir() / "sr/Set5"


@pytest.mark.skipif(not SET5.is_dir(), reason="shared data not available")
@pytest.mark.parametrize("scale,expected", [(2, 33.66), (3, 30.39), (4, 28.42)])
def test_set5_bicubic_reproduces_papers(scale: int, expected: float) -> None:
    value, _ = mean_metrics(evaluate(load_pairs(SET5, scale), scale, None))
    assert abs(value - expected) <= 0.05
