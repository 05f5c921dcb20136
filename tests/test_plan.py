"""Analysis plans (rethink_core.plan): looks that can reach their level, prefixes that decide, and the
design's error rates held to what the plan promises."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rethink_core.errors import ConfigError
from rethink_core.plan import (
    CRITERION,
    DOES_NOT_REJECT,
    T_TEST,
    AnalysisPlan,
    FixedCheck,
    FixedDesign,
    Step,
    decide,
    operating_characteristics,
    power,
    run_any,
    run_on_prefixes,
    run_sequentially,
    sign_flip_p,
    t_p,
)
from rethink_core.scales import NOISY_LABEL_CAP, SCALES, rehearse
from rethink_core.stats import smallest_trend_p
from rethink_core.verdicts import PLANS, TREND_ALPHA, plan_for

# Cases a scale cannot decide by design (docs/claims.md, "Decisions"): smoke trains one seed.
UNDECIDED_BY_DESIGN = {("smoke", name) for name in PLANS}

PLAN = AnalysisPlan(
    statistic="epochs later", direction=1, sesoi=2.0, planning_sd=2.0, alpha=0.01, looks=(5, 8, 10), max_seeds=10
)


def test_a_look_whose_exact_test_cannot_reach_its_share_of_the_level_is_not_a_look():
    assert PLAN.alpha_per_look == pytest.approx(0.01 / 3)
    assert PLAN.active_looks == (10,)  # 2^-5, 2^-8 > 0.0033; 2^-10 < 0.0033
    assert PLAN.smallest_p == 2.0**-10
    capped = PLAN.capped(8)
    assert capped.active_looks == (8,) and capped.alpha_per_look == pytest.approx(0.005)
    assert not PLAN.capped(4).decidable and PLAN.capped(4).smallest_p == 1.0
    assert AnalysisPlan("x", 1, 1.0, 1.0, looks=(2, 3, 5), test=T_TEST).active_looks == (2, 3, 5)


def test_the_plan_hash_changes_with_any_field():
    assert PLAN.plan_hash == AnalysisPlan(**{**PLAN.__dict__}).plan_hash
    assert PLAN.plan_hash != PLAN.capped(9).plan_hash


def test_prefixes_decide_and_later_seeds_never_enter():
    plan = PLAN.capped(8)
    clear = [5.0] * 8
    assert decide(clear[:7], plan).step is Step.MORE_SEEDS and decide(clear[:7], plan).next_look == 8
    decided = decide([*clear, -100.0, -100.0], plan)
    assert decided.step is Step.PASS and decided.seeds_used == 8 and decided.values == tuple(clear)
    assert decide([0.0] * 8, plan).step is Step.FAIL  # clearly below the SESOI of 2
    assert decide([4.0, -2.5] * 4, plan).step is Step.UNDECIDED  # too noisy to exclude 0 or the SESOI


def test_the_direction_turns_the_statistic():
    plan = AnalysisPlan("ratio", -1, 1.0, 1.0, looks=(8,))
    assert decide([-3.0] * 8, plan).step is Step.PASS
    assert decide([3.0] * 8, plan).step is Step.FAIL


@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=8))
@settings(max_examples=50, deadline=None, derandomize=True)
def test_sign_flip_p_is_a_p_value_at_least_its_smallest(values):
    p = sign_flip_p(values)
    assert 2.0 ** -len(values) <= p <= 1.0


def test_error_rates_of_the_design_are_bounded_by_the_level():
    plan = AnalysisPlan("x", 1, 1.0, 1.0, alpha=0.05, looks=(5, 8), max_seeds=8)
    at_null = operating_characteristics(plan, 0.0, draws=2000)
    at_sesoi = operating_characteristics(plan, plan.sesoi, draws=2000)
    # Monte Carlo with 2,000 draws: a bound of 0.05 with room for its sampling error (sd about 0.005)
    assert at_null["pass"] <= 0.05 + 0.015
    assert at_sesoi["fail"] <= 0.05 + 0.015
    assert power(plan, draws=500) == pytest.approx(at_sesoi["pass"], abs=0.06)


def test_t_test_plans_show_the_exact_p_beside():
    plan = AnalysisPlan("x", 1, 1.0, 1.0, looks=(3,), test=T_TEST)
    d = decide(list(np.linspace(2, 3, 3)), plan)
    assert d.exact_p_effect == pytest.approx(1 / 8) and d.p_effect < d.exact_p_effect


@pytest.mark.parametrize(
    "fields", [{"direction": 0}, {"sesoi": 0.0}, {"planning_sd": -1.0}, {"looks": (5, 3)}, {"test": "z"}]
)
def test_a_malformed_plan_is_refused(fields):
    with pytest.raises(ConfigError):
        AnalysisPlan(**{"statistic": "x", "direction": 1, "sesoi": 1.0, "planning_sd": 1.0, **fields})


def test_every_planned_case_can_reach_its_level_at_every_shipped_scale_or_is_undecided_by_design():
    for scale in SCALES.values():
        for name in [name for name in PLANS if scale.runs_claim(name.split()[0])]:  # imagenet runs I1 alone
            plan = plan_for(name, scale.max_seeds)
            assert plan.decidable or (scale.name, name) in UNDECIDED_BY_DESIGN, (scale.name, name)
            assert plan.decidable != ((scale.name, name) in UNDECIDED_BY_DESIGN), (scale.name, name)


# The cases decided once whose tests' reach depends only on the scale: R2's convergence order (a sign-flip
# test over seeds) and R4's trend (Spearman within seeds); where it cannot reach, the case skips, saying so.
# (Their other tests reach at any scale: binomials over hundreds of test images at 1e-6, Monte Carlo
# tests with 20,000 draws at 1e-3, t-tests; each case records the reach it had.)
# paper and full train 8 seeds so that R2's order can decide there (issue 28, item 9).
DECIDED_ONCE_UNDECIDED_BY_DESIGN = {("smoke", "R2 order"), ("default", "R2 order"), ("smoke", "R4 trend")}


def test_every_case_decided_once_can_reach_its_level_at_every_shipped_scale_or_is_undecided_by_design():
    for scale in SCALES.values():
        reach = {
            "R2 order": 2.0**-scale.seeds,
            "R4 trend": smallest_trend_p([len(scale.corruption_grid)] * scale.seeds),
        }
        for name, smallest in [(name, p) for name, p in reach.items() if scale.runs_claim(name[:2])]:
            assert (smallest <= TREND_ALPHA) != ((scale.name, name) in DECIDED_ONCE_UNDECIDED_BY_DESIGN), (scale, name)


def test_run_sequentially_trains_only_up_to_the_look_that_decides():
    plan = AnalysisPlan("x", 1, 1.0, 1.0, looks=(2, 3, 4), max_seeds=4, test=T_TEST)
    values = {"clear": {100: 10.0, 101: 10.01}, "noisy": {100: 3.0, 101: -1.0, 102: 2.0, 103: 0.5}}
    trained = []

    def value_of(case):
        def value(seed):
            trained.append(seed)
            return values[case][seed]

        return value

    decision = run_sequentially(plan, [100, 101, 102, 103], value_of("clear"))
    assert decision.step is Step.PASS and trained == [100, 101] and decision.seeds_used == 2
    assert 0 < decision.power <= 1
    trained.clear()
    decision = run_sequentially(plan, [100, 101, 102, 103], value_of("noisy"))
    assert decision.step is Step.UNDECIDED and trained == [100, 101, 102, 103] and decision.seeds_used == 4


T_PLAN = AnalysisPlan("x", 1, 1.0, 1.0, alpha=0.01, looks=(2, 3, 4), max_seeds=4, test=T_TEST)


def test_cross_fitted_values_are_judged_once_per_look_on_that_looks_values():
    seen = []

    def values_of(prefix):
        seen.append(list(prefix))
        return [0.5 + 0.1 * len(prefix) + 0.01 * i for i in range(len(prefix))]  # they change with the look

    decision = run_on_prefixes(T_PLAN, [7, 8, 9, 10], values_of)
    assert seen[0] == [7, 8] and decision.seeds_used == len(seen[-1]) and decision.level == T_PLAN.alpha_per_look
    assert decision.step is Step.PASS and decision.values == tuple(values_of(seen[-1]))
    noisy = run_on_prefixes(T_PLAN, [1, 2, 3, 4], lambda prefix: [(-1) ** i * 3.0 for i in range(len(prefix))])
    assert noisy.step is Step.UNDECIDED and noisy.seeds_used == 4


def test_any_arm_passes_the_claim_every_arm_must_fail_it():
    arms = {rate: T_PLAN for rate in ("0.5", "0.9")}
    passed, each = run_any(arms, [1, 2, 3, 4], lambda seed: {"0.5": 0.0 + 0.01 * seed, "0.9": 5.0 + 0.01 * seed})
    assert passed.step is Step.PASS and each["0.9"].step is Step.PASS and each["0.5"].step is Step.FAIL
    failed, _ = run_any(arms, [1, 2, 3, 4], lambda seed: {"0.5": 0.01 * seed, "0.9": -0.01 * seed})
    assert failed.step is Step.FAIL
    trained = []
    run_any(arms, [1, 2, 3, 4], lambda seed: trained.append(seed) or {"0.5": 5.0 + 0.01 * seed, "0.9": 5.0})
    assert trained == [1, 2]  # decided at the first look: later seeds never train


def test_tied_per_seed_values_take_the_exact_p_not_a_t_of_infinity():
    # two seeds whose quantized lags tie (28.5, 28.5): no spread, so no t statistic; the exact p is 1/4
    assert t_p([28.5, 28.5]) == sign_flip_p([28.5, 28.5]) == 0.25
    assert t_p([-1.0, -1.0]) == 1.0 and t_p([28.5, 28.75]) < 0.01
    plan = AnalysisPlan("lag", 1, 1.0, 1.0, looks=(2, 3), max_seeds=3, test=T_TEST)
    assert decide([28.5, 28.5], plan).step is Step.MORE_SEEDS


# ----------------------------------------------------------------------------- cases decided once

AT_CHANCE = FixedCheck("at chance", "permutation", "seed", 1e-3, DOES_NOT_REJECT)
FAR_ABOVE = FixedCheck("far above", "binomial", "test image", 1e-6)
FITS = FixedCheck("fits", CRITERION, "run")


def test_a_case_decided_once_records_its_hash_and_its_weakest_tests_reach():
    design = FixedDesign((FITS, AT_CHANCE, FAR_ABOVE), "Table 1")
    fields = design.recorded(
        {"at chance": {"smallest_attainable_p": 5e-5, "p_value": 0.3}, "far above": {"smallest_attainable_p": 1e-300}}
    )
    assert fields["plan_hash"] == design.plan_hash and fields["smallest_p"] == 5e-5
    assert [(c["smallest_p"], c["p"]) for c in fields["design"]] == [(None, None), (5e-5, 0.3), (1e-300, None)]


def test_a_case_of_criteria_alone_has_no_p_and_a_test_must_say_its_reach():
    assert FixedDesign((FITS,)).recorded({})["smallest_p"] is None
    with pytest.raises(ConfigError, match="far above"):
        FixedDesign((FITS, FAR_ABOVE)).recorded({})  # a test's result must be given
    with pytest.raises(ConfigError):
        FixedCheck("fits", CRITERION, "run", 0.01)  # a criterion has no level
    with pytest.raises(ConfigError):
        FixedCheck("far above", "binomial", "test image")  # a test has one


def test_the_design_hash_changes_with_any_check_and_not_with_the_units_counted():
    design = FixedDesign((FITS, FAR_ABOVE))
    assert design.plan_hash != FixedDesign((FITS, FixedCheck("far above", "binomial", "test image", 1e-5))).plan_hash
    one, other = ({"far above": {"smallest_attainable_p": p}} for p in (0.1, 0.0))
    assert design.recorded(one)["plan_hash"] == design.recorded(other)["plan_hash"]


def test_random_and_corrupted_labels_may_train_long_enough_for_r3s_bound_to_bind():
    """R3 bounds the slowdown of random labels per seed at 5x: their cap is 5x the true-label cap at
    every shipped scale that runs R3 (a function of the scale alone), so a fitted run can show more than 5x.
    (ImageNet's random labels train 2x the epochs of its true labels: rethink_core/scales.py, IMAGENET_HYPER.)"""
    for scale in [scale for scale in SCALES.values() if scale.runs_claim("R3")]:
        for model in scale.architectures:
            true = scale.experiment(model, "true_labels").hyper.max_epochs
            assert scale.experiment(model, "random_labels").hyper.max_epochs == NOISY_LABEL_CAP * true >= 5 * true
            assert scale.experiment(model, "corrupt_labels", 0.4).hyper.max_epochs == NOISY_LABEL_CAP * true
            assert rehearse(scale).experiment(model, "random_labels").hyper.max_epochs == 1
        if "mlp1x512" in scale.architectures:
            assert scale.dropout_experiment(0.5, "random_labels", 0).hyper.max_epochs == scale.dropout_epochs
