"""The trend test R3 and R4 decide on (stats.spearman_trend): exact small cases and its blocking."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rethink_core.stats import (
    SEEDS_FOR_OWN_SPREAD,
    above_in_every_seed,
    above_test,
    best_of_k_gain_test,
    chance_equivalence_test,
    class_permutation_test,
    difference_interval,
    held_out_early_stopping_gain,
    mean_interval,
    paired_order_test,
    smallest_trend_p,
    spearman_trend,
)

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


# ----------------------------------------------------------------------------- "at chance", intervals


def clumpy_confusion(rng: np.random.Generator, k: int = 10, per_class: int = 100) -> np.ndarray:
    """A network trained on random labels: each true class's images go mostly to a few labels."""
    return np.stack([rng.multinomial(per_class, rng.dirichlet(np.full(k, 0.3))) for _ in range(k)])


def test_class_permutation_test_is_calibrated_under_the_null():
    """Under "nothing about the true labels was learnt" the labels' names are exchangeable: a random
    permutation of the predicted classes of a clumpy confusion matrix. At level 0.05 the test must
    reject 3% to 7% of 2,000 such matrices."""
    rng = np.random.default_rng(0)
    rejections = 0
    for i in range(2000):
        confusion = clumpy_confusion(rng)[:, rng.permutation(10)]
        rejections += class_permutation_test([confusion], draws=1000, seed=i)["p_value"] < 0.05
    assert 0.03 <= rejections / 2000 <= 0.07, rejections


def test_class_permutation_test_rejects_a_network_that_learnt_the_labels():
    rng = np.random.default_rng(1)
    confusion = clumpy_confusion(rng) + np.diag(np.full(10, 40))  # 40 extra right answers per class
    result = class_permutation_test([confusion, confusion])
    assert result["p_value"] < 1e-3 and result["accuracy"] > 0.3


def diffuse_confusion(rng: np.random.Generator, extra: int = 0, k: int = 10, per_class: int = 200) -> np.ndarray:
    """A network that spreads each true class over every label (and ``extra`` right answers per class)."""
    return np.stack([rng.multinomial(per_class - extra, np.full(k, 1 / k)) for _ in range(k)]) + np.diag(
        np.full(k, extra)
    )


def test_at_chance_is_an_equivalence_within_the_margin():
    """R1/R4: a diffuse random-label network at chance is shown within 3 points of it; one 8 points
    above chance is shown outside; a clumpy one (each true class mostly to one label) leaves the
    margin undecided: its class-permutation spread is too wide for 3 points."""
    rng = np.random.default_rng(0)
    at = chance_equivalence_test([diffuse_confusion(rng), diffuse_confusion(rng)], 0.03)
    assert at["p_value"] <= 0.01 and at["p_outside"] > 0.5 and "permutation" in at["spread"]
    above = chance_equivalence_test([diffuse_confusion(rng, extra=18)] * 2, 0.03)  # ~ 19% accuracy
    assert above["p_value"] > 0.5 and above["p_outside"] <= 0.01
    one_label = np.zeros((10, 10), dtype=int)
    one_label[np.arange(10), rng.permutation(10)] = 100  # every image of a class to one label
    clumpy = chance_equivalence_test([one_label], 0.03)
    assert clumpy["p_value"] > 0.01 and clumpy["p_outside"] > 0.01
    assert at["smallest_attainable_p"] == 1 / 20_001


def test_at_chance_takes_the_seeds_own_spread_from_five_seeds():
    rng = np.random.default_rng(1)
    many = chance_equivalence_test([diffuse_confusion(rng) for _ in range(SEEDS_FOR_OWN_SPREAD)], 0.03)
    assert "seeds' own" in many["spread"] and many["p_value"] < 1e-3 and many["smallest_attainable_p"] == 0.0


def test_far_above_chance_needs_every_seed():
    """R1, G1, G3: the intersection-union test's p is its weakest seed's."""
    both = above_in_every_seed([(0.5, 1000), (0.45, 1000)], 0.2)
    assert both["p_value"] < 1e-50 and len(both["p per seed"]) == 2
    one_weak = above_in_every_seed([(0.5, 1000), (0.21, 1000)], 0.2)
    assert one_weak["p_value"] == pytest.approx(above_test(0.21, 1000, 0.2)["p_value"]) and one_weak["p_value"] > 0.1


def test_mean_interval_is_students_t():
    result = mean_interval([1.0, 2.0, 3.0])
    half = 4.302652729911275 * (1 / math.sqrt(3))  # t(0.975, 2) x standard error
    assert result["mean"] == 2.0 and result["interval95"] == pytest.approx((2 - half, 2 + half))
    assert mean_interval([5.0])["interval95"] is None
    assert mean_interval([0.5, 0.5])["interval95"] == (0.5, 0.5)


def test_above_test_rejects_only_clearly_above_the_bound():
    assert above_test(0.5, 1000, 0.2)["p_value"] < 1e-50
    assert above_test(0.2, 1000, 0.2)["p_value"] > 0.4
    low, high = above_test(0.5, 1000, 0.2)["interval95"]
    assert low < 0.5 < high and high - low < 0.07


def test_paired_order_test_needs_seven_seeds_for_the_trend_level():
    assert paired_order_test([1, 2, 1, 3, 1, 2])["p_value"] == 1 / 64
    assert paired_order_test([1, 2, 1, 3, 1, 2, 4])["p_value"] == 1 / 128 < 0.01
    assert paired_order_test([3, -1, 2, -2])["p_value"] > 0.2
    assert paired_order_test([1, 1])["smallest_attainable_p"] == 0.25
    assert paired_order_test([0, 1, 1])["smallest_attainable_p"] == 0.25  # a tie cannot be flipped


def test_difference_interval_is_welchs_t():
    a, b = [1.0, 1.0, 1.0, 1.0, 0.98], [0.1, 0.2, 0.15, 0.12, 0.13]
    result = difference_interval(a, b)
    assert result["mean"] == pytest.approx(0.856)
    low, high = result["interval95"]
    se = math.sqrt(np.var(a, ddof=1) / 5 + np.var(b, ddof=1) / 5)
    assert low < 0.856 < high and high - low > 2 * 1.96 * se  # wider than a normal interval on 5 draws
    assert difference_interval([1.0, 1.0], [0.0, 0.0])["interval95"] == (1.0, 1.0)


def test_best_of_k_gain_test_tells_noise_from_a_real_gain():
    # 10 runs at accuracy 0.8, 20 evaluations each, 2,000 test images: noise alone gains about 1.4 points.
    noise = best_of_k_gain_test([0.014] * 10, [0.8] * 10, [20] * 10, 2000, draws=5000)
    assert 0.01 < noise["null_mean"] < 0.02 and noise["p_value"] > 0.1
    real = best_of_k_gain_test([0.05] * 10, [0.8] * 10, [20] * 10, 2000, draws=5000)
    assert real["p_value"] < 1e-3 and real["null_99pct"] < 0.05


def test_held_out_early_stopping_gain_sees_a_real_gain_and_not_the_noise_of_picking():
    """G4: a run whose test accuracy peaks 2 points above its end gains about 2 points on the half it
    did not pick on; a run whose every reading is the same accuracy's noise is shown to gain less than
    a point there, although the best of its readings on the same images is above its final one."""
    rng = np.random.default_rng(0)
    n, evals = 2000, 40
    truth = rng.random(n)
    flat = rng.random((evals, n)) < 0.80  # the same accuracy at every evaluation, each reading noisy
    assert flat.mean(axis=1).max() > flat[-1].mean()
    result = held_out_early_stopping_gain(flat, 0.01)
    assert result["p_value"] <= 0.01 and result["p_gain"] > 0.01
    peaked = np.stack([truth < level for level in [0.78] * 10 + [0.84] * 5 + [0.82] * 25])
    real = held_out_early_stopping_gain(peaked, 0.01)
    assert real["gain"] == pytest.approx(0.02, abs=0.008) and real["p_gain"] < 1e-6 and real["p_value"] > 0.5
    assert real["chosen evaluations (even half, odd half)"] == [10, 10]
    one = held_out_early_stopping_gain(flat[-1:], 0.01)  # one evaluation: nothing to pick
    assert one["gain"] == 0.0 and one["p_gain"] == 1.0
