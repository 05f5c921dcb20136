"""Every named check of a claim's judge fails alone. For each shipped scale where a case runs: a synthetic
set of runs built with the scale's design (caps, seeds, grids) on which the case passes, and for each of
its checks the same set with one named change that fails that check and no other; a plan that decides
must reject an effect of the SESOI (FAIL), not stay undecided. No training (tests/synthetic_runs.py).

Cases: R1, R2 (fit, convergence order), R3 (small factor, trend), R4, A1, A3, M1, D1, D2, G1-G4, I1, T1-T4. A
test named ``..._cannot_...`` or ``..._does_not_...`` documents a check that cannot fail alone where its
scale's design runs it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from synthetic_runs import JITTER, Judged, Outcome, claim_module, diverged, judge, per_seed, synthetic_run

from rethink_core import plan, verdicts
from rethink_core.data import Tensors
from rethink_core.experiment import Experiment, RunResult
from rethink_core.models import DROPOUT_MODELS, MLPS
from rethink_core.paper import FIGURE_1A_VARIANTS, FIGURE_1B_MODELS
from rethink_core.scales import Scale, get_scale
from rethink_core.train import pack_hits
from rethink_core.verdicts import plan_for

RANDOMIZATION = claim_module("test_randomization_tests")
LABEL_NOISE = claim_module("test_label_noise")
MEMORIZATION = claim_module("test_memorization")
FEATURES = claim_module("test_random_label_features")
DOUBLE_DESCENT = claim_module("test_double_descent")
REGULARIZATION = claim_module("test_regularization")

SCALES = [get_scale(name) for name in ("smoke", "default", "paper", "full")]
FITS, AT_CHANCE, FAR_ABOVE = verdicts.FITS.check, verdicts.AT_CHANCE.check, verdicts.FAR_ABOVE.check


@pytest.fixture(autouse=True)
def no_power_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan's power at the SESOI (2,000 simulated sequences, about a second per plan) is recorded beside
    its decision, never judged: not simulated here, to keep the file fast."""
    monkeypatch.setattr(plan, "power", lambda design, draws=2000: math.nan)
    monkeypatch.setattr(verdicts, "power", lambda design, draws=2000: math.nan)


def scales(where: Callable[[Scale], bool] = lambda scale: True) -> list:
    """The shipped scales ``where`` holds, as parameters named by scale."""
    return [pytest.param(scale, id=scale.name) for scale in SCALES if where(scale)]


def with_models(models: Callable[[Scale], list[str]], where: Callable[[Scale], bool] = lambda scale: True) -> list:
    """(scale, architecture) parameters: each shipped scale ``where`` holds, with its ``models``."""
    return [
        pytest.param(scale, model, id=f"{scale.name}-{model}")
        for scale in SCALES
        if where(scale)
        for model in models(scale)
    ]


def decidable(name: str) -> Callable[[Scale], bool]:
    """Whether a plan can decide at a scale's cap on seeds (one seed cannot: the case skips by design)."""
    return lambda scale: plan_for(name, scale.max_seeds).decidable


def undecidable(name: str) -> Callable[[Scale], bool]:
    return lambda scale: not plan_for(name, scale.max_seeds).decidable


def swept(scale: Scale) -> list[str]:
    """The label-noise sweep's architectures at a scale (R3, A1)."""
    return [m for m in FIGURE_1B_MODELS if m in scale.architectures]


# ----------------------------------------------------------------------------- verdicts


def assert_passes(judged: Judged) -> None:
    """The case passed, every named check held, every plan it judged passed; it asked for runs of its
    scale's seeds only."""
    assert judged.outcome == "pass", judged.message
    assert {exp.seed for exp in judged.lab.asked} <= set(judged.scale.planned_seed_list())
    assert all(c["outcome"] == "pass" for c in judged.checks)
    steps = [d["step"] for name, d in judged.entry.get("statistics", {}).items() if name.endswith("plan's decision")]
    assert all(step == "pass" for step in steps)


def assert_fails_only(judged: Judged, check: str) -> None:
    """The case failed on the named check; every check before it held."""
    assert judged.outcome == "fail", judged.message
    *before, last = judged.checks
    assert (last["name"], last["outcome"]) == (check, "fail")
    assert all(c["outcome"] == "pass" for c in before)


def assert_plan_fails(judged: Judged, check: str) -> None:
    """The case failed on the named check's plan, which rejected an effect of the SESOI (not undecided)."""
    assert_fails_only(judged, check)
    decision = judged.decision(check)
    assert decision["step"] == "fail" and decision["p_smaller"] <= decision["level"]


def assert_undecided(judged: Judged, check: str) -> None:
    assert judged.outcome == "skip" and judged.message.startswith(f"undecided: {check}:"), judged.message
    assert judged.decision(check)["step"] == "undecided"


# ----------------------------------------------------------------------------- R2: Figure 1a

R2_FIT = RANDOMIZATION.test_network_fits_every_randomized_input_to_zero_training_error
R2_ORDER = RANDOMIZATION.test_random_labels_start_converging_later_and_noise_inputs_sooner
VARIANTS = [pytest.param(v, id=v) for v in FIGURE_1A_VARIANTS]
# Healthy Figure 1a runs: every variant fits; random labels leave the plateau of guessing last.
R2_FIT_EPOCH = {"true_labels": 20, "random_labels": 60, "shuffled_pixels": 40, "random_pixels": 30, "gaussian": 30}
R2_ONSET = {"true_labels": 2, "random_labels": 8, "shuffled_pixels": 4, "random_pixels": 3, "gaussian": 3}
SEVEN_SEEDS = get_scale("default", seeds=7)  # what the undecided order's skip asks for: --seeds 7


def r2_outcome(unfitted: tuple[str, int] | None = None, onset: dict[str, int] | None = None) -> Outcome:
    """Figure 1a's runs. ``unfitted``: the (variant, seed) whose run stops at the cap at 95% training
    accuracy; ``onset``: other onsets by variant (past the cap: never leaves the plateau, never fits)."""
    onsets = {**R2_ONSET, **(onset or {})}

    def outcome(exp: Experiment) -> RunResult:
        stays = onsets[exp.variant] > exp.hyper.max_epochs or (exp.variant, exp.seed) == unfitted
        fit = None if stays else R2_FIT_EPOCH[exp.variant]
        return synthetic_run(exp, fit, reached=0.95, test_acc=0.1, onset=onsets[exp.variant])

    return outcome


def order_decidable(scale: Scale) -> bool:
    """Whether the order's exact test over a scale's seeds can reach its level (7 seeds or more)."""
    return 2.0 ** -len(scale.seed_list()) <= RANDOMIZATION.TREND_ALPHA


ORDER_DECIDED = [*scales(order_decidable), pytest.param(SEVEN_SEEDS, id="default-7-seeds")]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("scale", scales())
def test_r2_fit_passes_when_every_variant_fits(scale, variant):
    assert_passes(judge(R2_FIT, scale, r2_outcome(), variant=variant))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("scale", scales())
def test_r2_fit_fails_only_on_a_run_that_stops_unfitted_at_the_cap(scale, variant):
    """Change: the first seed's run stops at the epoch cap at 95% training accuracy."""
    judged = judge(R2_FIT, scale, r2_outcome(unfitted=(variant, scale.first_seed)), variant=variant)
    assert_fails_only(judged, FITS)


@pytest.mark.parametrize("scale", ORDER_DECIDED)
def test_r2_order_passes_when_random_labels_start_converging_last(scale):
    assert_passes(judge(R2_ORDER, scale, r2_outcome()))


@pytest.mark.parametrize("scale", scales())
def test_r2_order_fails_only_on_runs_that_never_start_converging(scale):
    """Change: the random-label runs never leave the plateau of guessing (so stop unfitted at the cap)."""
    judged = judge(R2_ORDER, scale, r2_outcome(onset={"random_labels": 10_000}))
    assert_fails_only(judged, RANDOMIZATION.LEAVES_PLATEAU.check)


@pytest.mark.parametrize("scale", ORDER_DECIDED)
def test_r2_order_fails_only_on_starting_converging_in_order(scale):
    """Change: Gaussian inputs start converging one epoch after random labels, on every seed."""
    judged = judge(R2_ORDER, scale, r2_outcome(onset={"gaussian": R2_ONSET["random_labels"] + 1}))
    assert_fails_only(judged, RANDOMIZATION.STARTS_LATER.check)
    assert judged.message.startswith("not shown that random_labels after gaussian starts converging later")


@pytest.mark.parametrize("scale", scales(lambda scale: not order_decidable(scale)))
def test_r2_order_cannot_fail_on_its_order_below_seven_seeds(scale):
    """Finding: the order's exact test needs 7 seeds with nonzero differences; with fewer the case skips
    ("not decided") even on a reversed order: STARTS_LATER cannot fail at this scale."""
    reversed_order = r2_outcome(onset={"random_labels": 1, "true_labels": 8, "random_pixels": 8, "gaussian": 8})
    for outcome in (r2_outcome(), reversed_order):
        judged = judge(R2_ORDER, scale, outcome)
        assert judged.outcome == "skip" and "not decided" in judged.message
        assert judged.entry["smallest_p"] == 2.0 ** -len(scale.seed_list()) > RANDOMIZATION.TREND_ALPHA


@pytest.mark.parametrize("scale", ORDER_DECIDED)
def test_r2_order_cannot_fail_on_onsets_that_tie(scale):
    """Finding: where Gaussian inputs start converging in the same epoch as random labels on every seed (the
    order not shown), each zero difference flips to itself and the test's reach falls to p = 1: the case
    skips as "not decided" at any number of seeds instead of failing."""
    judged = judge(R2_ORDER, scale, r2_outcome(onset={"gaussian": R2_ONSET["random_labels"]}))
    assert judged.outcome == "skip" and "not decided" in judged.message
    assert judged.entry["smallest_p"] == 1.0


@pytest.mark.parametrize("scale", [*scales(), pytest.param(SEVEN_SEEDS, id="default-7-seeds")])
def test_r2_order_leaves_the_fit_to_r2s_fit_case(scale):
    """R2's order judges onsets: a run that stops unfitted at the cap after leaving the plateau is judged on
    its onset (R2's fit case fails it); its design lists what it checks (fixed after this finding)."""
    judged = judge(R2_ORDER, scale, r2_outcome(unfitted=("random_labels", scale.first_seed)))
    assert judged.outcome == ("pass" if order_decidable(scale) else "skip")
    assert [c["check"] for c in judged.entry["design"]] == [
        RANDOMIZATION.LEAVES_PLATEAU.check,
        RANDOMIZATION.STARTS_LATER.check,
    ]


# ----------------------------------------------------------------------------- R3: Figure 1b's trend

R3_TREND = LABEL_NOISE.test_time_to_overfit_grows_with_label_noise
GROWS, FITTED = "time to overfit grows with p", "every level fitted"


def r3_outcome(scale: Scale, center: float = 0.9, spread: float = 0.1, diverges: int | None = None) -> Outcome:
    """The sweep: per seed, epochs to fit at p = round(e0 (1 + slope p)), e0 half the true labels' cap, the
    slope ``center`` plus the seed's jitter times ``spread``. ``diverges``: the seed whose p = 1 run
    diverges in the epoch the healthy one fits (same epochs: the same slopes)."""

    def outcome(exp: Experiment) -> RunResult:
        e0 = scale.experiment(exp.model, seed=exp.seed).hyper.max_epochs // 2
        p = 1.0 if exp.variant == "random_labels" else exp.p
        run = synthetic_run(exp, round(e0 * (1 + per_seed(scale, exp.seed, center, spread) * p)))
        return diverged(run) if (exp.seed, p) == (diverges, 1.0) else run

    return outcome


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("R3 trend")))
def test_r3_trend_passes_when_time_to_overfit_grows(scale, architecture):
    assert_passes(judge(R3_TREND, scale, r3_outcome(scale), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept))
def test_r3_trend_fails_only_on_every_level_fitted(scale, architecture):
    """Change: the first seed's random-label run diverges in the epoch the healthy one fits."""
    judged = judge(R3_TREND, scale, r3_outcome(scale, diverges=scale.first_seed), architecture=architecture)
    assert_fails_only(judged, FITTED)
    healthy = judge(R3_TREND, scale, r3_outcome(scale), architecture=architecture)
    assert judged.entry["measured"]["slope per seed"] == healthy.entry["measured"]["slope per seed"]


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("R3 trend")))
def test_r3_trend_fails_only_on_time_to_overfit_growing(scale, architecture):
    """Change: time to overfit stays flat: every level fits within a few epochs of the true labels'."""
    judged = judge(R3_TREND, scale, r3_outcome(scale, center=0.0, spread=0.02), architecture=architecture)
    assert_plan_fails(judged, GROWS)


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("R3 trend")))
def test_r3_trend_is_undecided_when_seeds_disagree(scale, architecture):
    """Change: the slopes average half the SESOI and spread two SESOIs between seeds."""
    judged = judge(R3_TREND, scale, r3_outcome(scale, center=0.125, spread=0.5), architecture=architecture)
    assert_undecided(judged, GROWS)


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, undecidable("R3 trend")))
def test_r3_trend_skips_by_design_on_one_seed_after_checking_the_fit(scale, architecture):
    judged = judge(R3_TREND, scale, r3_outcome(scale), architecture=architecture)
    assert judged.outcome == "skip" and "cannot reach" in judged.message
    assert [c["name"] for c in judged.checks] == [FITTED]


# ----------------------------------------------------------------------------- A1: kept labels first

A1 = MEMORIZATION.test_kept_labels_are_fit_before_changed_ones
LATER, MOSTLY = "changed labels fit later than kept", "kept mostly fit, changed mostly not, at the best test epoch"
CHANGED_ALL = 40  # the epoch every changed label is fit (90% of them at 38); the runs fit there
BEST_TEST = 12  # the epoch of best test accuracy: tested at every scale with a plan that decides

Lag = Callable[[int, int], int]  # (seed, level index) -> epochs from all kept to all changed labels fit


def learnt(mostly: int, every: int) -> Callable[[int], float]:
    """A subset's training-pass accuracy: 90% at epoch ``mostly``, all of it from epoch ``every`` on."""

    def accuracy(t: int) -> float:
        if t >= every:
            return 1.0
        return 0.9 * t / mostly if t <= mostly else 0.9 + 0.1 * (t - mostly) / (every - mostly)

    return accuracy


def a1_outcome(scale: Scale, lag: Lag, best_test: int = BEST_TEST) -> Outcome:
    """The sweep's runs strictly between p = 0 and 1: the changed labels learnt late (90% at epoch 38, all at
    40), the kept ones early (90% at 6) but the last of them only ``lag`` epochs before the last changed
    one; test accuracy peaks at epoch ``best_test``."""
    levels = [p for p in scale.corruption_grid if 0 < p < 1]

    def outcome(exp: Experiment) -> RunResult:
        kept_all = CHANGED_ALL - lag(exp.seed, levels.index(exp.p))
        subsets = {"kept": learnt(6, kept_all), "changed": learnt(CHANGED_ALL - 2, CHANGED_ALL)}
        return synthetic_run(
            exp, max(CHANGED_ALL, kept_all), test_acc=lambda t: 0.8 - 0.005 * abs(t - best_test), subset_acc=subsets
        )

    return outcome


def healthy_lag(scale: Scale) -> Lag:
    """About 24 epochs (22 to 26 between seeds) at every level."""
    return lambda seed, level: round(per_seed(scale, seed, 24, 2))


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("A1 kept before changed")))
def test_a1_passes_when_kept_labels_are_fit_first(scale, architecture):
    assert_passes(judge(A1, scale, a1_outcome(scale, healthy_lag(scale)), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("A1 kept before changed")))
def test_a1_fails_only_on_changed_labels_fit_later(scale, architecture):
    """Change: the last kept labels are fit in the same epoch as the last changed ones (but at one level of
    the second seed, one epoch earlier: seeds never tie exactly); most kept labels are still fit first."""
    second = scale.first_seed + 1
    same_epoch = a1_outcome(scale, lambda seed, level: int((seed, level) == (second, 0)))
    judged = judge(A1, scale, same_epoch, architecture=architecture)
    assert_plan_fails(judged, LATER)
    kept, changed = judged.entry["measured"]["kept / changed accuracy at best test epoch (means)"]
    assert kept > MEMORIZATION.MOSTLY > changed  # the next check would hold


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("A1 kept before changed")))
def test_a1_fails_only_on_kept_mostly_fit_at_the_best_test_epoch(scale, architecture):
    """Change: test accuracy keeps rising to the last epoch, when every changed label is fit too."""
    late = a1_outcome(scale, healthy_lag(scale), best_test=CHANGED_ALL + 100)
    judged = judge(A1, scale, late, architecture=architecture)
    assert_fails_only(judged, MOSTLY)
    assert judged.checks[0]["name"] == LATER and judged.decision(LATER)["step"] == "pass"


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("A1 kept before changed")))
def test_a1_is_undecided_when_seeds_disagree(scale, architecture):
    """Change: lags of 1 epoch (the SESOI) on average, from -1 to 3 between seeds."""
    spread = a1_outcome(scale, lambda seed, level: round(per_seed(scale, seed, 1, 2)))
    assert_undecided(judge(A1, scale, spread, architecture=architecture), LATER)


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("A1 kept before changed")))
def test_a1_cannot_fail_on_lags_that_tie_at_zero(scale, architecture):
    """Finding: where the last kept and the last changed labels are fit in the same epoch at every level and
    seed, the per-seed lags tie at 0 and the t-test falls back to the exact sign-flip test (plan.t_p), whose
    smallest p, 2^-seeds, is above the per-look level at every shipped scale: undecided, never FAIL."""
    judged = judge(A1, scale, a1_outcome(scale, lambda seed, level: 0), architecture=architecture)
    assert_undecided(judged, LATER)
    assert judged.decision(LATER)["p_smaller"] == 2.0**-scale.max_seeds > judged.decision(LATER)["level"]


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, undecidable("A1 kept before changed")))
def test_a1_skips_by_design_on_one_seed_before_any_check(scale, architecture):
    judged = judge(A1, scale, a1_outcome(scale, healthy_lag(scale)), architecture=architecture)
    assert judged.outcome == "skip" and "cannot reach" in judged.message and not judged.checks


# ----------------------------------------------------------------------------- A3: dropout

A3 = MEMORIZATION.test_dropout_slows_memorization_more_than_learning
COSTS_MORE = "dropout costs memorization more than generalization"
MEMORIZATION_COST = 0.4  # training accuracy on random labels dropout takes, every rate and seed


def a3_outcome(scale: Scale, center: float = 0.4, spread: float = 0.01) -> Outcome:
    """A3's runs within the dropout budget: without dropout random labels fit (at half the budget), with it
    they stop at the budget 40 points short; on true labels dropout costs 0.4 minus the seed's value of
    test accuracy (``center`` plus jitter times ``spread``: the per-seed statistic, every rate)."""
    dropout = set(DROPOUT_MODELS.values())

    def outcome(exp: Experiment) -> RunResult:
        budget, with_dropout = exp.hyper.max_epochs, exp.model in dropout
        if exp.variant == "random_labels":
            return synthetic_run(exp, None if with_dropout else budget // 2, reached=1 - MEMORIZATION_COST)
        cost = MEMORIZATION_COST - per_seed(scale, exp.seed, center, spread) if with_dropout else 0.0
        return synthetic_run(exp, budget // 2, test_acc=0.8 - cost)

    return outcome


@pytest.mark.parametrize("scale", scales(decidable("A3 dropout costs memorization more")))
def test_a3_passes_when_dropout_costs_memorization_more(scale):
    judged = judge(A3, scale, a3_outcome(scale))
    assert_passes(judged)
    assert {e.hyper.max_epochs for e in judged.lab.asked} == {scale.dropout_epochs}


@pytest.mark.parametrize("scale", scales(decidable("A3 dropout costs memorization more")))
def test_a3_fails_only_on_dropout_costing_memorization_more(scale):
    """Change: at every rate dropout costs as much test accuracy on true labels as training accuracy on
    random labels."""
    assert_plan_fails(judge(A3, scale, a3_outcome(scale, center=0.0, spread=0.005)), COSTS_MORE)


@pytest.mark.parametrize("scale", scales(decidable("A3 dropout costs memorization more")))
def test_a3_is_undecided_when_seeds_disagree(scale):
    """Change: the cost difference averages half the SESOI and spreads two SESOIs between seeds."""
    assert_undecided(judge(A3, scale, a3_outcome(scale, center=0.05, spread=0.2)), COSTS_MORE)


@pytest.mark.parametrize("scale", scales(undecidable("A3 dropout costs memorization more")))
def test_a3_skips_by_design_on_one_seed_before_any_check(scale):
    judged = judge(A3, scale, a3_outcome(scale))
    assert judged.outcome == "skip" and "cannot reach" in judged.message and not judged.checks


# ----------------------------------------------------------------------------- M1: first-layer alignment

M1 = FEATURES.test_random_labels_align_first_layer_with_data
ALIGNS = "the change aligns with the data beyond its span"
# The nulls M1 computes from the training inputs (alignment.change_nulls): fixed here, so no data is loaded.
NULLS = {"span": 0.02, "combinations": 0.5}
KS = [1, 5, 10, 20, 50]


@pytest.fixture
def m1(monkeypatch: pytest.MonkeyPatch) -> Callable:
    """M1's claim test with its nulls fixed (:data:`NULLS`) instead of computed from the data set."""
    monkeypatch.setattr(FEATURES, "input_nulls", lambda scale, lab, architecture: NULLS)
    return M1


def m1_outcome(scale: Scale, center: float = 2.0, spread: float = 0.1) -> Outcome:
    """R1's random-label runs with their alignment probe: the change's share in the top 10 directions is the
    span null times 2 ** the seed's value (``center`` plus jitter times ``spread``)."""

    def outcome(exp: Experiment) -> RunResult:
        share = NULLS["span"] * 2 ** per_seed(scale, exp.seed, center, spread)
        shares = [min(1.0, share * k / 10) for k in KS]
        probe = {
            "input_dimension": 784,
            "k": KS,
            "initial": [k / 784 for k in KS],
            "final": shares,
            "change": shares,
            "random_subspace": [k / 784 for k in KS],
            "data_variance": [min(1.0, 0.1 * k) for k in KS],
        }
        return synthetic_run(exp, exp.hyper.max_epochs // 2, test_acc=0.1, probes={"first_layer_alignment": probe})

    return outcome


def mlps(scale: Scale) -> list[str]:
    return [m for m in MLPS if m in scale.architectures]


@pytest.mark.parametrize(("scale", "architecture"), with_models(mlps, decidable("M1 alignment")))
def test_m1_passes_when_the_change_aligns_with_the_data(m1, scale, architecture):
    assert_passes(judge(m1, scale, m1_outcome(scale), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(mlps, decidable("M1 alignment")))
def test_m1_fails_only_on_the_change_aligning_beyond_its_span(m1, scale, architecture):
    """Change: the change puts the span null's share in the top 10 directions (isotropic in the span)."""
    assert_plan_fails(judge(m1, scale, m1_outcome(scale, center=0.0, spread=0.05), architecture=architecture), ALIGNS)


@pytest.mark.parametrize(("scale", "architecture"), with_models(mlps, decidable("M1 alignment")))
def test_m1_is_undecided_when_seeds_disagree(m1, scale, architecture):
    """Change: log2 of the share over the null averages half the SESOI and spreads two SESOIs between seeds."""
    assert_undecided(judge(m1, scale, m1_outcome(scale, center=0.5, spread=2.0), architecture=architecture), ALIGNS)


@pytest.mark.parametrize(("scale", "architecture"), with_models(mlps, undecidable("M1 alignment")))
def test_m1_skips_by_design_on_one_seed_before_any_check(m1, scale, architecture):
    judged = judge(m1, scale, m1_outcome(scale), architecture=architecture)
    assert judged.outcome == "skip" and "cannot reach" in judged.message and not judged.checks


# ----------------------------------------------------------------------------- D1, D2: double descent

D1 = DOUBLE_DESCENT.test_label_noise_error_peaks_at_the_interpolation_threshold
D2 = DOUBLE_DESCENT.test_label_noise_makes_the_peak
PEAKS, HIGHER = "test error peaks at the interpolation threshold", "label noise makes the peak higher"
LEFT_ERROR, RIGHT_ERROR = 0.30, 0.15  # test error at half the threshold and at the largest width

Threshold = Callable[[bool, int], int | None]  # (noisy, seed) -> the smallest width that fits (None: none)
Height = Callable[[int], float]  # seed -> the peak's height above its higher neighbour


def thresholds(noisy: bool, seed: int) -> int | None:
    """Healthy: 64 hidden units fit noisy labels, 32 clean ones."""
    return 64 if noisy else 32


def sweep_error(width: int, threshold: int, height: float, largest: int) -> float:
    """Test error against width: falling to LEFT_ERROR at half the threshold, LEFT_ERROR + ``height`` at the
    threshold, then falling to RIGHT_ERROR at the largest width (the peak's height is ``height``)."""
    if width < threshold:
        return LEFT_ERROR + 0.02 * math.log2(threshold / 2 / width)
    at = LEFT_ERROR + height
    return at + (RIGHT_ERROR - at) * math.log2(width / threshold) / max(1.0, math.log2(largest / threshold))


def dd_outcome(scale: Scale, noisy: Height, clean: Height, threshold: Threshold = thresholds) -> Outcome:
    """The width sweep: every width from the seed's ``threshold`` on fits in 200 epochs, the narrower ones
    stop at the cap; the peak's height per seed is ``noisy(seed)`` with label noise, ``clean(seed)`` without."""
    largest = scale.width_sweep.widths[-1]

    def outcome(exp: Experiment) -> RunResult:
        width, is_noisy = round(exp.width * 512), exp.variant == "corrupt_labels"
        at = threshold(is_noisy, exp.seed)
        error = sweep_error(width, at or 2 * largest, (noisy if is_noisy else clean)(exp.seed), largest)
        return synthetic_run(exp, 200 if at is not None and width >= at else None, reached=0.9, test_acc=1 - error)

    return outcome


def peak(scale: Scale, center: float, spread: float) -> Height:
    """Per seed, the peak's height: ``center`` plus jitter times ``spread``."""
    return lambda seed: per_seed(scale, seed, center, spread)


def healthy_sweep(scale: Scale, threshold: Threshold = thresholds) -> Outcome:
    """A peak of about 15 points with label noise; none without (error falls 5 points past the threshold)."""
    return dd_outcome(scale, peak(scale, 0.15, 0.01), peak(scale, -0.05, 0.0), threshold)


def below_noisy(scale: Scale, center: float, spread: float) -> Height:
    """The clean sweep's peak: the healthy noisy one's minus ``center`` plus jitter times ``spread``."""
    noisy, gap = peak(scale, 0.15, 0.01), peak(scale, center, spread)
    return lambda seed: noisy(seed) - gap(seed)


def has_sweep(name: str) -> Callable[[Scale], bool]:
    return lambda scale: scale.width_sweep is not None and decidable(name)(scale)


@pytest.mark.parametrize("scale", scales(has_sweep("D1 peak")))
def test_d1_passes_when_noisy_error_peaks_at_the_threshold(scale):
    judged = judge(D1, scale, healthy_sweep(scale))
    assert_passes(judged)
    assert {e.hyper.max_epochs for e in judged.lab.asked} == {scale.width_sweep.max_epochs}


@pytest.mark.parametrize("scale", scales(has_sweep("D1 peak")))
def test_d1_fails_only_on_a_seed_whose_threshold_has_no_higher_neighbour(scale):
    """Change: the first seed's noisy sweep fits only at the largest width (its threshold is the grid's end)."""
    largest = scale.width_sweep.widths[-1]

    def at_the_end(noisy: bool, seed: int) -> int | None:
        return largest if noisy and seed == scale.first_seed else thresholds(noisy, seed)

    judged = judge(D1, scale, healthy_sweep(scale, at_the_end))
    assert_fails_only(judged, DOUBLE_DESCENT.HAS_A_PEAK_TO_COMPARE)
    assert judged.message == f"D1: seed {scale.first_seed}: the threshold is at an end of the grid"


@pytest.mark.parametrize("scale", scales(has_sweep("D1 peak")))
def test_d1_fails_only_on_test_error_peaking_at_the_threshold(scale):
    """Change: noisy test error falls with width through the threshold (5 points below its smaller neighbour)."""
    assert_plan_fails(judge(D1, scale, dd_outcome(scale, peak(scale, -0.05, 0.005), peak(scale, -0.05, 0.0))), PEAKS)


@pytest.mark.parametrize("scale", scales(has_sweep("D1 peak")))
def test_d1_is_undecided_when_seeds_disagree(scale):
    """Change: noisy peaks of half the SESOI on average, spread two SESOIs between seeds."""
    assert_undecided(judge(D1, scale, dd_outcome(scale, peak(scale, 0.01, 0.04), peak(scale, -0.05, 0.0))), PEAKS)


@pytest.mark.parametrize("scale", scales(has_sweep("D2 noise makes the peak")))
def test_d2_passes_when_only_label_noise_makes_a_peak(scale):
    assert_passes(judge(D2, scale, healthy_sweep(scale)))


@pytest.mark.parametrize("scale", scales(has_sweep("D2 noise makes the peak")))
def test_d2_fails_only_on_a_seed_whose_clean_sweep_never_fits(scale):
    """Change: the first seed's clean sweep fits at no width within the epoch cap."""

    def never(noisy: bool, seed: int) -> int | None:
        return None if not noisy and seed == scale.first_seed else thresholds(noisy, seed)

    judged = judge(D2, scale, healthy_sweep(scale, never))
    assert_fails_only(judged, DOUBLE_DESCENT.HAS_A_PEAK_TO_COMPARE)
    assert judged.message == f"D2: seed {scale.first_seed}: a sweep has no threshold with a neighbour"


@pytest.mark.parametrize("scale", scales(has_sweep("D2 noise makes the peak")))
def test_d2_fails_only_on_label_noise_making_the_peak_higher(scale):
    """Change: the clean sweep peaks at its threshold as high as the noisy one does."""
    as_high = dd_outcome(scale, peak(scale, 0.15, 0.01), below_noisy(scale, 0.0, 0.001))
    assert_plan_fails(judge(D2, scale, as_high), HIGHER)


@pytest.mark.parametrize("scale", scales(has_sweep("D2 noise makes the peak")))
def test_d2_is_undecided_when_seeds_disagree(scale):
    """Change: the clean sweep's peak falls short of the noisy one's by half the SESOI on average, spread two
    SESOIs between seeds."""
    spread = dd_outcome(scale, peak(scale, 0.15, 0.01), below_noisy(scale, 0.01, 0.04))
    assert_undecided(judge(D2, scale, spread), HIGHER)


@pytest.mark.parametrize("case", [pytest.param(D1, id="D1"), pytest.param(D2, id="D2")])
@pytest.mark.parametrize("scale", scales(lambda scale: scale.width_sweep is None))
def test_d1_d2_skip_where_the_scale_has_no_width_sweep(case, scale):
    judged = judge(case, scale, lambda exp: pytest.fail(f"trained {exp.describe()}"))
    assert judged.outcome == "skip" and "cannot afford the width sweep" in judged.message


# ----------------------------------------------------------------------------- G2: weight decay, Table 4

G2 = REGULARIZATION.test_networks_with_weight_decay_still_fit_random_labels
DOES_NOT_CONVERGE = REGULARIZATION.DOES_NOT_CONVERGE.check


def g2_outcome(decay_fits: bool = True, plain_fits: bool = True) -> Outcome:
    """Random-label runs: with weight decay they fit at half the cap (``decay_fits``) or stop at the cap at
    95% training accuracy; without it (AlexNet's comparison) likewise (``plain_fits``)."""

    def outcome(exp: Experiment) -> RunResult:
        fits = decay_fits if exp.hyper.weight_decay else plain_fits
        return synthetic_run(exp, exp.hyper.max_epochs // 2 if fits else None, reached=0.95, test_acc=0.1)

    return outcome


def ablated(scale: Scale) -> list[str]:
    """The architectures whose Table 1 ablations the scale runs, but AlexNet (the paper's did not converge)."""
    return [m for m in scale.architectures if m in scale.ablation_models and m != "alexnet"]


def alexnet(scale: Scale) -> list[str]:
    return [m for m in ("alexnet",) if m in scale.architectures and m in scale.ablation_models]


@pytest.mark.parametrize(("scale", "architecture"), with_models(ablated))
def test_g2_passes_when_runs_with_weight_decay_fit(scale, architecture):
    assert_passes(judge(G2, scale, g2_outcome(), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(ablated))
def test_g2_fails_only_on_runs_with_weight_decay_fitting(scale, architecture):
    """Change: with weight decay the run stops at the cap at 95% training accuracy."""
    judged = judge(G2, scale, g2_outcome(decay_fits=False), architecture=architecture)
    assert_fails_only(judged, REGULARIZATION.FITS_WITH_DECAY.check)


@pytest.mark.parametrize(("scale", "architecture"), with_models(alexnet))
def test_g2_alexnet_passes_when_weight_decay_stops_it_converging(scale, architecture):
    assert_passes(judge(G2, scale, g2_outcome(decay_fits=False), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(alexnet))
def test_g2_alexnet_fails_only_on_does_not_converge_with_weight_decay(scale, architecture):
    """Change: with weight decay AlexNet fits random labels, as it does without."""
    assert_fails_only(judge(G2, scale, g2_outcome(), architecture=architecture), DOES_NOT_CONVERGE)


@pytest.mark.parametrize(("scale", "architecture"), with_models(alexnet))
def test_g2_alexnet_skips_where_it_does_not_fit_even_without_weight_decay(scale, architecture):
    """Change: without weight decay AlexNet stops at the cap too: what weight decay does cannot be told."""
    judged = judge(G2, scale, g2_outcome(decay_fits=False, plain_fits=False), architecture=architecture)
    assert judged.outcome == "skip" and "did not fit random labels even without weight decay" in judged.message


# ----------------------------------------------------------------------------- R1 and R4: at chance, far above
# Decided once, with the designs of issue 28: "far above chance" per seed, "at chance" an equivalence.

R1 = RANDOMIZATION.test_networks_fit_random_labels_while_test_accuracy_stays_at_chance
R4 = LABEL_NOISE.test_test_error_rises_with_label_noise_to_chance


def diffuse(accuracy: float, n: int, classes: int = 10) -> list[list[int]]:
    """A confusion matrix whose errors spread evenly over the other classes (no clumps)."""
    per_class = n // classes
    right = round(accuracy * per_class)
    wrong, extra = divmod(per_class - right, classes - 1)
    return [
        [right if j == i else wrong + (1 if (j - i) % classes <= extra and j != i else 0) for j in range(classes)]
        for i in range(classes)
    ]


def one_label_per_class(n: int, classes: int = 10) -> list[list[int]]:
    """A random-label network that sends every image of a true class to one label: class 0 to itself, the
    others round a cycle (10% right, in one clump)."""
    per_class = n // classes
    to = [0, *[(i % (classes - 1)) + 1 for i in range(1, classes)]]
    return [[per_class if j == to[i] else 0 for j in range(classes)] for i in range(classes)]


def labels_outcome(
    scale: Scale,
    random_acc: float = 0.1,
    clumpy: bool = False,
    weak_seed: int | None = None,
    unfitted: float | None = None,
    rises: bool = True,
) -> Outcome:
    """R1's and R4's runs: every run fits (``unfitted``: the level p whose first seed stops at the cap);
    true labels at 80% test accuracy (``weak_seed``: that seed's at 21%, within reach of twice chance);
    accuracy falling with p to ``random_acc`` at p = 1 (``rises`` False: at ``random_acc`` at every p), its errors
    spread evenly (``clumpy``: every class to one label)."""

    def outcome(exp: Experiment) -> RunResult:
        p = {"true_labels": 0.0, "random_labels": 1.0}.get(exp.variant, exp.p)
        acc = 0.21 if (p == 0.0 and exp.seed == weak_seed) else (0.8 - 0.7 * p if rises else random_acc)
        acc = random_acc if p == 1.0 else acc
        fit = None if (p == unfitted and exp.seed == scale.first_seed) else 40
        run = synthetic_run(exp, fit, reached=0.9, test_acc=acc)
        matrix = one_label_per_class(exp.n_test) if clumpy and p == 1.0 else diffuse(acc, exp.n_test)
        return replace(run, test_confusion=matrix)

    return outcome


def all_models(scale: Scale) -> list[str]:
    return list(scale.architectures)


@pytest.mark.parametrize(("scale", "architecture"), with_models(all_models))
def test_r1_passes_when_random_labels_fit_at_chance_and_true_labels_far_above(scale, architecture):
    assert_passes(judge(R1, scale, labels_outcome(scale), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(all_models))
def test_r1_fails_only_on_every_run_fitting(scale, architecture):
    """Change: the first seed's random-label run stops at the cap at 90% training accuracy."""
    assert_fails_only(judge(R1, scale, labels_outcome(scale, unfitted=1.0), architecture=architecture), FITS)


@pytest.mark.parametrize(("scale", "architecture"), with_models(all_models))
def test_r1_fails_only_on_every_seed_far_above_chance(scale, architecture):
    """Change: one seed's true-label network is at 21%, not shown above twice chance (the others at 80%)."""
    weak = scale.seed_list()[-1]
    judged = judge(R1, scale, labels_outcome(scale, weak_seed=weak), architecture=architecture)
    assert_fails_only(judged, FAR_ABOVE)


@pytest.mark.parametrize(("scale", "architecture"), with_models(all_models))
def test_r1_fails_only_on_random_labels_at_chance(scale, architecture):
    """Change: the random-label networks are right 20% of the time, 10 points above chance."""
    judged = judge(R1, scale, labels_outcome(scale, random_acc=0.2), architecture=architecture)
    assert_fails_only(judged, AT_CHANCE)


@pytest.mark.parametrize(("scale", "architecture"), with_models(all_models))
def test_r1_is_undecided_when_the_random_label_network_clumps_every_class(scale, architecture):
    """Change: every true class goes to one label (10% right, in one clump): the permutation null's spread is
    far wider than 3 points. From 5 seeds the seeds' own spread decides (here none: a pass)."""
    judged = judge(R1, scale, labels_outcome(scale, clumpy=True), architecture=architecture)
    if len(scale.seed_list()) >= 5:
        assert judged.outcome == "pass", judged.message
        return
    assert judged.outcome == "skip" and judged.message.startswith(f"undecided: {AT_CHANCE}:"), judged.message


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, lambda s: len(s.corruption_grid) > 3))
def test_r4_passes_when_test_error_rises_to_chance(scale, architecture):
    assert_passes(judge(R4, scale, labels_outcome(scale), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept))
def test_r4_fails_only_on_every_level_fitting(scale, architecture):
    """Change: the first seed's run at the grid's second level stops at the cap."""
    judged = judge(R4, scale, labels_outcome(scale, unfitted=scale.corruption_grid[1]), architecture=architecture)
    assert_fails_only(judged, FITS)


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, lambda s: len(s.corruption_grid) > 3))
def test_r4_fails_only_on_test_error_rising(scale, architecture):
    """Change: test error is at chance, 90%, at every p (the networks learnt nothing at any level)."""
    judged = judge(R4, scale, labels_outcome(scale, rises=False), architecture=architecture)
    assert_fails_only(judged, LABEL_NOISE.RISES.check)


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, lambda s: len(s.corruption_grid) > 3))
def test_r4_fails_only_on_chance_at_p_one(scale, architecture):
    """Change: at p = 1 the networks are right 25% of the time (error still rising to 75%)."""
    judged = judge(R4, scale, labels_outcome(scale, random_acc=0.05), architecture=architecture)
    assert_fails_only(judged, AT_CHANCE)


# ----------------------------------------------------------------------------- R3: a small constant factor

R3_FACTOR = LABEL_NOISE.test_time_to_overfit_grows_only_by_a_small_constant_factor
AT_MOST, LONGER = LABEL_NOISE.AT_MOST_SMALL_FACTOR.check, LABEL_NOISE.TAKES_LONGER


def factor_outcome(scale: Scale, slowdown: float = 2.0, spread: float = 0.05, unfitted: float | None = None) -> Outcome:
    """The sweep: true labels fit in 100 epochs, level p in 100 (1 + (s - 1) p), s the seed's slowdown
    (``slowdown`` times 1 plus its jitter times ``spread``); ``unfitted``: the level whose first seed
    stops at its cap (5x the true-label cap)."""

    def outcome(exp: Experiment) -> RunResult:
        p = {"true_labels": 0.0, "random_labels": 1.0}.get(exp.variant, exp.p)
        s = slowdown * (1 + per_seed(scale, exp.seed, 0.0, spread))
        fit = None if (p == unfitted and exp.seed == scale.first_seed) else round(100 * (1 + (s - 1) * p))
        return synthetic_run(exp, fit)

    return outcome


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("R3 random labels take longer")))
def test_r3_factor_passes_when_random_labels_take_longer_by_a_small_factor(scale, architecture):
    assert_passes(judge(R3_FACTOR, scale, factor_outcome(scale), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept))
def test_r3_factor_fails_only_on_every_level_fitting(scale, architecture):
    """Change: the first seed's run at the grid's second level stops at its cap."""
    judged = judge(
        R3_FACTOR, scale, factor_outcome(scale, unfitted=scale.corruption_grid[1]), architecture=architecture
    )
    assert_fails_only(judged, FITS)


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept))
def test_r3_factor_fails_only_on_at_most_five_times_the_epochs(scale, architecture):
    """Change: random labels take 8x the epochs of true labels (800, within their cap of 5 x 300 or 200):
    possible only because their cap is 5x the true-label cap."""
    judged = judge(R3_FACTOR, scale, factor_outcome(scale, slowdown=8.0), architecture=architecture)
    assert_fails_only(judged, AT_MOST)


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("R3 random labels take longer")))
def test_r3_factor_fails_only_on_random_labels_taking_longer(scale, architecture):
    """Change: random labels fit in the same epochs as true labels, give or take 1-2%."""
    judged = judge(R3_FACTOR, scale, factor_outcome(scale, slowdown=1.0, spread=0.02), architecture=architecture)
    assert_plan_fails(judged, LONGER)


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, decidable("R3 random labels take longer")))
def test_r3_factor_is_undecided_when_seeds_disagree(scale, architecture):
    judged = judge(R3_FACTOR, scale, factor_outcome(scale, slowdown=1.15, spread=0.3), architecture=architecture)
    assert_undecided(judged, LONGER)


@pytest.mark.parametrize(("scale", "architecture"), with_models(swept, undecidable("R3 random labels take longer")))
def test_r3_factor_is_undecided_by_design_on_one_seed_after_the_bound(scale, architecture):
    judged = judge(R3_FACTOR, scale, factor_outcome(scale), architecture=architecture)
    assert judged.outcome == "skip" and judged.message.startswith(f"undecided: {LONGER}:"), judged.message
    assert [(c["name"], c.get("outcome")) for c in judged.checks] == [(FITS, "pass"), (AT_MOST, "pass"), (LONGER, None)]


# ----------------------------------------------------------------------------- G1, G3: Table 1's ablations

G1, G3, G4 = (
    REGULARIZATION.test_explicit_regularizers_are_not_what_makes_networks_generalize,
    REGULARIZATION.test_batchnorm_is_only_a_mild_regularizer,
    REGULARIZATION.test_early_stopping_would_not_have_helped,
)


def ablation_outcome(
    plain: float = 0.8, regularized: float = 0.85, fits: bool = True, nobn: float | None = None
) -> Outcome:
    """Table 1's true-label runs: no regularizer at ``plain`` test accuracy (``fits`` False: stops at the
    cap), any regularizer at ``regularized``; Inception without BatchNorm (G3) at ``nobn`` without one (None:
    ``plain``)."""

    def outcome(exp: Experiment) -> RunResult:
        off = not exp.hyper.augment and not exp.hyper.weight_decay
        acc = (nobn if exp.model == "inception_nobn" and nobn is not None else plain) if off else regularized
        run = synthetic_run(exp, 40 if (fits or not off) else None, reached=0.9, test_acc=acc)
        return replace(run, test_confusion=diffuse(acc, exp.n_test))

    return outcome


def ablation_models(scale: Scale) -> list[str]:
    return [m for m in scale.architectures if m in scale.ablation_models]


def runs_g3(scale: Scale) -> bool:
    return "inception_nobn" in scale.ablation_models


@pytest.mark.parametrize(("scale", "architecture"), with_models(ablation_models))
def test_g1_passes_when_unregularized_networks_generalize_and_regularizers_add_little(scale, architecture):
    assert_passes(judge(G1, scale, ablation_outcome(), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(ablation_models))
def test_g1_fails_only_on_the_unregularized_run_fitting(scale, architecture):
    assert_fails_only(judge(G1, scale, ablation_outcome(fits=False), architecture=architecture), FITS)


@pytest.mark.parametrize(("scale", "architecture"), with_models(ablation_models))
def test_g1_fails_only_on_far_above_chance(scale, architecture):
    """Change: without regularizers the network is at 21%; with them at 25% (a gain within the bound)."""
    judged = judge(G1, scale, ablation_outcome(plain=0.21, regularized=0.25), architecture=architecture)
    assert_fails_only(judged, FAR_ABOVE)


@pytest.mark.parametrize(("scale", "architecture"), with_models(ablation_models))
def test_g1_fails_only_on_a_bounded_gain(scale, architecture):
    """Change: a regularizer adds 15 points (the bound is 10)."""
    judged = judge(G1, scale, ablation_outcome(plain=0.7), architecture=architecture)
    assert_fails_only(judged, REGULARIZATION.BOUNDED_GAIN.check)


@pytest.mark.parametrize("scale", scales(runs_g3))
def test_g3_passes_when_inception_without_batchnorm_generalizes_nearly_as_well(scale):
    assert_passes(judge(G3, scale, ablation_outcome(plain=0.85, nobn=0.8)))


@pytest.mark.parametrize("scale", scales(runs_g3))
def test_g3_fails_only_on_fitting_without_batchnorm(scale):
    assert_fails_only(judge(G3, scale, ablation_outcome(plain=0.85, nobn=0.8, fits=False)), FITS)


@pytest.mark.parametrize("scale", scales(runs_g3))
def test_g3_fails_only_on_far_above_chance(scale):
    """Change: without BatchNorm at 21%, and with it at 25% (a mild cost)."""
    assert_fails_only(judge(G3, scale, ablation_outcome(plain=0.25, nobn=0.21)), FAR_ABOVE)


@pytest.mark.parametrize("scale", scales(runs_g3))
def test_g3_fails_only_on_a_mild_cost(scale):
    """Change: removing BatchNorm costs 25 points."""
    assert_fails_only(judge(G3, scale, ablation_outcome(plain=0.85, nobn=0.6)), REGULARIZATION.MILD.check)


# ----------------------------------------------------------------------------- G4: early stopping, held out

NO_GAIN = REGULARIZATION.NO_EARLY_STOPPING_GAIN.check


def g4_outcome(scale: Scale, peak: float = 0.0, wobble: float = 0.0) -> Outcome:
    """Table 1's runs, each with which test images were right at each evaluation: 80% at the end; in the
    middle of training ``peak`` more of the images are right; at every evaluation but the last a random
    ``wobble`` of the images differ from the end's, a quarter point more of them right than wrong (the
    readings the pick chases: a held-out gain of a quarter point)."""

    def outcome(exp: Experiment) -> RunResult:
        run = synthetic_run(exp, 40, test_acc=0.8)
        rng, n = np.random.default_rng(exp.seed), exp.n_test
        final = np.arange(n) % 10 < 8
        tested = [e for e in run.history.epochs if e.test_acc is not None]
        rows = []
        for i, e in enumerate(tested):
            right = final.copy()
            if i == len(tested) // 2:
                right[np.flatnonzero(~final)[: round(peak * n)]] = True
            if wobble and i < len(tested) - 1:
                right[rng.choice(np.flatnonzero(~final), round((wobble / 2 + 0.0025) * n), replace=False)] = True
                right[rng.choice(np.flatnonzero(final), round((wobble / 2 - 0.0025) * n), replace=False)] = False
            rows.append(replace(e, test_acc=float(right.mean()), test_correct=pack_hits(torch.from_numpy(right))))
        epochs = {e.epoch: e for e in rows}
        history = replace(run.history, epochs=[epochs.get(e.epoch, e) for e in run.history.epochs])
        return replace(run, history=history, test_confusion=diffuse(0.8, n))

    return outcome


@pytest.mark.parametrize(("scale", "architecture"), with_models(ablation_models))
def test_g4_passes_when_no_evaluation_beats_the_final_one_on_held_out_images(scale, architecture):
    assert_passes(judge(G4, scale, g4_outcome(scale), architecture=architecture))


@pytest.mark.parametrize(("scale", "architecture"), with_models(ablation_models))
def test_g4_fails_only_on_no_gain_from_early_stopping(scale, architecture):
    """Change: in the middle of training 5% more test images were right than at the end."""
    assert_fails_only(judge(G4, scale, g4_outcome(scale, peak=0.05), architecture=architecture), NO_GAIN)


@pytest.mark.parametrize(("scale", "architecture"), with_models(ablation_models, lambda s: s.n_test <= 2000))
def test_g4_is_undecided_when_readings_wobble_on_few_test_images(scale, architecture):
    """Change: a tenth of the images differ from the end's at every evaluation but the last: on 1,000-2,000
    test images a held-out gain of a quarter point is neither shown below a point nor above 0."""
    judged = judge(G4, scale, g4_outcome(scale, wobble=0.1), architecture=architecture)
    assert judged.outcome == "skip" and judged.message.startswith(f"undecided: {NO_GAIN}:"), judged.message


# ----------------------------------------------------------------------------- I1: Table 2 (ImageNet)

IMAGENET = claim_module("test_imagenet")
IMAGENET_SCALE = get_scale("imagenet")
I1_RANDOM = IMAGENET.test_inception_v3_fits_random_imagenet_labels
I1_GENERALIZES = IMAGENET.test_inception_v3_generalizes_on_imagenet_without_regularizers
I1_GAIN = IMAGENET.test_regularizers_add_a_bounded_amount_on_imagenet


def i1_outcome(random_top1: float = 0.95, top1: float = 0.55, top5: float = 0.78, regularized: float = 0.75) -> Outcome:
    """Table 2's runs: random labels stop at the cap at ``random_top1`` training accuracy (the paper's:
    95.20%); true labels fit, at ``top1`` / ``top5`` test accuracy without regularizers, ``regularized`` with."""

    def outcome(exp: Experiment) -> RunResult:
        if exp.variant == "random_labels":
            return synthetic_run(exp, None, reached=random_top1, test_acc=0.001)
        plain = not exp.hyper.augment and not exp.hyper.weight_decay and "dropout" not in exp.model
        run = synthetic_run(exp, 80, test_acc=top1 if plain else regularized)
        final = replace(run.final, test_top5=top5 if plain else 0.9)
        return replace(run, history=replace(run.history, epochs=[*run.history.epochs[:-1], final]))

    return outcome


@pytest.mark.parametrize("test", [I1_RANDOM, I1_GENERALIZES, I1_GAIN], ids=["random", "generalizes", "gain"])
def test_i1_passes_on_table_2s_numbers(test):
    assert_passes(judge(test, IMAGENET_SCALE, i1_outcome()))


def test_i1_fails_only_on_fitting_random_labels():
    """Change: random labels reach 80% top-1 training accuracy (the bound is 90%)."""
    assert_fails_only(judge(I1_RANDOM, IMAGENET_SCALE, i1_outcome(random_top1=0.8)), IMAGENET.FITS_RANDOM.check)


def test_i1_fails_only_on_top1_without_regularizers():
    """Change: top-1 test accuracy at 30%, the bound (top-5 still 78%)."""
    assert_fails_only(judge(I1_GENERALIZES, IMAGENET_SCALE, i1_outcome(top1=0.30)), IMAGENET.TOP1.check)


def test_i1_fails_only_on_top5_without_regularizers():
    """Change: top-5 test accuracy at 40%, the bound (top-1 still 55%)."""
    assert_fails_only(judge(I1_GENERALIZES, IMAGENET_SCALE, i1_outcome(top5=0.40)), IMAGENET.TOP5.check)


def test_i1_fails_only_on_a_bounded_gain():
    """Change: without regularizers 35% top-1, with them 75%: a 40-point gain (the bound is 36)."""
    judged = judge(I1_GAIN, IMAGENET_SCALE, i1_outcome(top1=0.35))
    assert_fails_only(judged, IMAGENET.BOUNDED_GAIN.check)


# ----------------------------------------------------------------------------- T1-T4: the theory claims
# They train nothing through the store: each check judges a computation (a hypothesis search, a kernel
# solve, Rademacher estimates). Here the computations are replaced by their results, at each scale's sizes.
# T4's third check (the gap's interval above 0.987 - 0.5) nearly follows from its first two (the bounds'
# difference); no set was found that fails it alone, and none is claimed here.

THEORY = claim_module("test_theory")
T1, T2, T3, T4 = (
    THEORY.test_two_layer_relu_network_with_2n_plus_d_weights_fits_any_labels_on_n_points,
    THEORY.test_sgd_from_zero_converges_to_the_minimum_norm_solution,
    THEORY.test_kernel_interpolation_without_regularization_generalizes_and_norm_does_not_predict_it,
    THEORY.test_rademacher_complexity_of_networks_that_fit_random_labels_is_about_one,
)


@dataclass
class TheorySettings:
    """What the theory claims read of the session's settings."""

    root: str | None = None
    download: bool = False
    device: str = "cpu"

    def precision_on(self, device: str) -> str:
        return "float32"


def small_split(name: str, settings: TheorySettings, n_train: int, n_test: int) -> Tensors:
    """Images of the scale's sizes, without loading a data set (the claims only count and shape them)."""
    return Tensors(
        torch.zeros(n_train, 1, 2, 2),
        torch.zeros(n_train, dtype=torch.long),
        torch.zeros(n_test, 1, 2, 2),
        torch.zeros(n_test, dtype=torch.long),
    )


def theory_judge(test: Callable, scale: Scale, **params: object) -> Judged:
    return judge(
        test,
        scale,
        lambda exp: pytest.fail(f"a theory claim asked for a run: {exp}"),
        settings=TheorySettings(),
        **params,
    )


class Fitted(torch.nn.Module):
    """Theorem 1's network on n images of d pixels and 10 outputs, by its weight count alone."""

    def __init__(self, weights: int) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(weights))


@pytest.fixture
def t1(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """T1's computations replaced: (failure, extra weights, training accuracy, rejected) as given."""

    def set_up(failure=None, extra: int = 0, train_acc: float = 1.0, rejected: str | None = "coinciding") -> None:
        monkeypatch.setattr(THEORY, "search", lambda prop: failure)
        monkeypatch.setattr(THEORY, "load_split", small_split)
        monkeypatch.setattr(
            THEORY.expressivity.Theorem1Net, "fit", staticmethod(lambda x, y: Fitted(4 + len(x) * 11 + extra))
        )
        monkeypatch.setattr(THEORY, "accuracy", lambda module, x, y: train_acc)
        monkeypatch.setattr(THEORY, "coinciding_points_rejected", lambda: rejected)

    return set_up


THEORY_SCALES = scales()


@pytest.mark.parametrize("scale", THEORY_SCALES)
def test_t1_passes_when_the_construction_fits_exactly(t1, scale):
    t1()
    assert theory_judge(T1, scale).outcome == "pass"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"failure": AssertionError("error 1e-3 above the bound")},
            "Theorem 1's construction failed on a drawn sample",
        ),
        ({"extra": 1}, "weights, expected d + n + n k"),
        ({"train_acc": 0.999}, "the construction reached training accuracy 0.999"),
        ({"rejected": None}, "coinciding points with different targets were not rejected"),
    ],
    ids=["exact-fit", "weights", "fits-real-images", "rejects-coinciding"],
)
@pytest.mark.parametrize("scale", THEORY_SCALES)
def test_t1_fails_only_on_each_of_its_checks(t1, scale, change, message):
    t1(**change)
    judged = theory_judge(T1, scale)
    assert judged.outcome == "fail" and message in judged.message, judged.message


@pytest.mark.parametrize("scale", THEORY_SCALES)
def test_t2_passes_without_a_counterexample_and_fails_only_on_one(monkeypatch, scale):
    monkeypatch.setattr(THEORY, "search", lambda prop: None)
    assert theory_judge(T2, scale).outcome == "pass"
    monkeypatch.setattr(THEORY, "search", lambda prop: AssertionError("0.1 from min norm"))
    judged = theory_judge(T2, scale)
    assert judged.outcome == "fail" and judged.message.startswith("T2 failed on a drawn problem")


def kernel_result(name: str, test_error: float, norm: float, wrong: torch.Tensor, train_error: float = 0.0) -> object:
    return THEORY.kernels.KernelResult(
        name, 10, len(wrong), 4, 1.0, train_error, test_error, norm, 1e-9, {0.1: test_error}, {0.1: norm}, 0.0, wrong
    )


@pytest.fixture
def t3(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """T3's kernel solves replaced: pixels wrong on ``raw`` of the test images, the filter bank on ``bank``
    of them (a subset), with the given norms; ``interpolates`` False: the pixels' solve leaves a training error."""

    def set_up(
        raw: float = 0.04,
        bank: float = 0.02,
        raw_norm: float = 200.0,
        bank_norm: float = 400.0,
        interpolates: bool = True,
    ) -> None:
        monkeypatch.setattr(
            THEORY, "kernel_case", lambda scale, settings: (scale.theory.t3_train, scale.n_test, scale.dataset, "cpu")
        )
        monkeypatch.setattr(THEORY, "load_split", small_split)

        def interpolate(xtr, ytr, xte, yte, classes, name):
            n = len(yte)
            error = raw if name == "pixels" else bank
            wrong = torch.arange(n) < round(error * n)
            norm = raw_norm if name == "pixels" else bank_norm
            return kernel_result(name, error, norm, wrong, 0.0 if interpolates or name != "pixels" else 0.01)

        monkeypatch.setattr(THEORY.kernels, "interpolate", interpolate)
        monkeypatch.setattr(THEORY.kernels, "FEATURE_MAPS", {"pixels": lambda x: x, "filter_bank": lambda x: x})

    return set_up


@pytest.mark.parametrize("scale", THEORY_SCALES)
def test_t3_passes_when_interpolation_generalizes_and_the_better_map_has_the_larger_norm(t3, scale):
    t3()
    assert theory_judge(T3, scale).outcome == "pass"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"interpolates": False}, "pixels does not interpolate"),
        ({"raw": 0.5, "bank": 0.3}, "pixels: test error 0.5000 is not below 0.5"),
        ({"bank": 0.04}, "the filter bank is not clearly better"),
        ({"bank_norm": 100.0}, "the better front end has the smaller norm"),
    ],
    ids=["interpolates", "generalizes", "better", "larger-norm"],
)
@pytest.mark.parametrize("scale", THEORY_SCALES)
def test_t3_fails_only_on_each_of_its_checks(t3, scale, change, message):
    t3(**change)
    judged = theory_judge(T3, scale)
    assert judged.outcome == "fail" and judged.message.startswith(message), judged.message


@pytest.fixture
def t4(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """T4's estimates replaced: the network's correlation per sign draw ``network`` (each draw fitted), the
    linear model's ``linear``, with a little spread."""

    def set_up(network: float = 1.0, linear: float = 0.2) -> None:
        monkeypatch.setattr(THEORY, "load_split", small_split)
        monkeypatch.setattr(
            THEORY.rademacher, "NetworkFitter", lambda x, precision: SimpleNamespace(num_params=0, precision=precision)
        )
        monkeypatch.setattr(THEORY.rademacher, "LinearFitter", lambda features: SimpleNamespace(vc_dim=6))
        monkeypatch.setattr(THEORY.rademacher, "principal_components", lambda x, k: None)

        def estimate(fitter, n, draws, seed=0):
            center, spread = (network, 0.0005) if seed == 0 else (linear, 0.02)
            values = [min(1.0, center + spread * JITTER[i % len(JITTER)]) for i in range(draws)]
            return THEORY.rademacher.Estimate(values, n, 0.0, [{"fitted": center == 1.0, "epochs": 10}] * draws)

        monkeypatch.setattr(THEORY.rademacher, "estimate", estimate)

    return set_up


@pytest.mark.parametrize("scale", THEORY_SCALES)
def test_t4_passes_when_the_network_correlates_fully_and_the_linear_model_does_not(t4, scale):
    t4()
    assert theory_judge(T4, scale).outcome == "pass"


@pytest.mark.parametrize(
    ("change", "message"),
    [({"network": 0.9}, "network estimate"), ({"linear": 0.6}, "linear estimate")],
    ids=["about-one", "far-below-one"],
)
@pytest.mark.parametrize("scale", THEORY_SCALES)
def test_t4_fails_only_on_each_of_its_checks(t4, scale, change, message):
    t4(**change)
    judged = theory_judge(T4, scale)
    assert judged.outcome == "fail" and judged.message.startswith(message), judged.message
