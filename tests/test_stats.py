"""The trend test R3 and R4 decide on (stats.spearman_trend): exact small cases and its blocking."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rethink_core.stats import smallest_trend_p, spearman_trend

LEVELS = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_points_in_order_reach_exactly_the_smallest_attainable_p():
    assert spearman_trend([0, 0.5, 1], [1, 2, 3])["p_value"] == pytest.approx(1 / 6)
    two_blocks = spearman_trend([0, 0.5, 1] * 2, [1, 2, 3, 10, 20, 30], blocks=[0, 0, 0, 1, 1, 1])
    assert two_blocks["p_value"] == pytest.approx(1 / 36) == two_blocks["smallest_attainable_p"]
    assert smallest_trend_p([6, 6]) == 1 / 20_001  # 518,400 pairings: Monte Carlo


def test_a_decreasing_relation_is_no_evidence_of_growth():
    result = spearman_trend(LEVELS * 2, [6, 5, 4, 3, 2, 1] * 2, blocks=[0] * 6 + [1] * 6)
    assert result["rho"] == -1 and result["p_value"] > 0.99


def test_blocking_removes_a_difference_between_seeds():
    # each seed's runs grow with p, but seed 1 is 20 epochs slower throughout: pooled, the seed
    # difference swamps the trend; within seeds it is perfect
    seed0 = [100, 101, 102, 103, 104, 105]
    seed1 = [e + 20 for e in seed0]
    x, y, blocks = LEVELS * 2, seed0 + seed1, [0] * 6 + [1] * 6
    assert spearman_trend(x, y, blocks=blocks)["p_value"] < 1e-3
    assert spearman_trend(x, y)["p_value"] > spearman_trend(x, y, blocks=blocks)["p_value"]


@settings(max_examples=20, deadline=None)
@given(st.lists(st.integers(30, 200), min_size=12, max_size=12), st.integers(-50, 50), st.floats(0.5, 2.0))
def test_within_seed_trend_ignores_each_seeds_offset_and_scale(epochs, offset, scale):
    blocks = [0] * 6 + [1] * 6
    shifted = epochs[:6] + [scale * e + offset for e in epochs[6:]]
    a, b = spearman_trend(LEVELS * 2, epochs, blocks), spearman_trend(LEVELS * 2, shifted, blocks)
    assert a["rho"] == pytest.approx(b["rho"]) and a["p_value"] == pytest.approx(b["p_value"])


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError, match="differ in length"):
        spearman_trend([0, 1, 2], [1, 2, 3], blocks=[0, 0])
    assert math.isfinite(spearman_trend([0, 1], [1, 1])["rho"])
