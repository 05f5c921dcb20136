"""Section 2 of Zhang et al. (2017), Figure 1b and 1c: the label-noise sweep.

The same network is trained to 100% training accuracy on labels corrupted with probability p
(each label replaced by a uniformly random class), for p on the scale's grid from 0 to 1.
R3 (Figure 1b): time to overfit grows with p, but only by a small constant factor.
R4 (Figure 1c): after convergence, test error rises steadily with p and approaches chance (90%).
The p = 0 and p = 1 runs are R1's true-label and random-label runs (the same store entries).
"""

from __future__ import annotations

import numpy as np
import pytest

from rethink_core.experiment import RunResult, summarize_runs
from rethink_core.paper import FIGURE_1B, FIGURE_1B_MODELS, FIGURE_1C
from rethink_core.plan import CRITERION, FixedCheck, FixedDesign, run_sequentially
from rethink_core.stats import (
    accuracy_interval,
    chance_equivalence_test,
    class_permutation_test,
    mean_interval,
    spearman_trend,
)
from rethink_core.user_models import is_user_model
from rethink_core.verdicts import (
    AT_CHANCE,
    AT_CHANCE_MARGIN,
    CHANCE,
    FITS,
    TREND_ALPHA,
    check_at_chance,
    data_note,
    decided_by,
    epochs_to_fit,
    headline,
    next_look_hint,
    not_fitted,
    plan_for,
    pooled_accuracy,
)

# "Only a small constant factor" (Figure 1b). Secondary sources read 1.5x to 4x off the figure; we
# call a slowdown at p = 1 "small" while it is at most 5x: above the largest reading, so that a
# measurement inside the paper's range cannot fail, and far below the order-of-magnitude (or worse,
# growing) slowdowns that would contradict the claim. Judged per seed: on the upper end of the 95%
# interval over seeds where there are two or more, on the one value otherwise. Random and corrupted
# labels may train NOISY_LABEL_CAP (5) times the true-label cap, so a seed's slowdown can exceed 5x
# and the bound can bind; with one cap for all it could not (issue 28).
SMALL_FACTOR = 5.0
AT_MOST_SMALL_FACTOR = FixedCheck(
    f"random labels take at most {SMALL_FACTOR:g}x the epochs of true labels",
    f"one-sided t-test of H0 'slowdown >= {SMALL_FACTOR:g}x' (the 95% interval's upper end)",
    "seed",
    0.025,
)
R3_FACTOR_DESIGN = FixedDesign((FITS, AT_MOST_SMALL_FACTOR), "Figure 1b: 'only by a small constant factor'")
# With one seed there is no interval: the one slowdown is held to the bound, a criterion, not a test.
R3_FACTOR_ONE_SEED = FixedDesign(
    (FITS, FixedCheck(f"the one seed's slowdown is at most {SMALL_FACTOR:g}x", CRITERION, "seed")),
    "Figure 1b: 'only by a small constant factor'",
)
# "Random labels take longer" is the other half of the sentence: its own check, decided by the plan
# PLANS["R3 random labels take longer"] (rethink_core/verdicts.py) on the per-seed log2 slowdown at p = 1.
TAKES_LONGER = "random labels take longer to fit than true labels"
RISES = FixedCheck(
    "test error rises with p",
    "Spearman rank correlation within seeds, one-sided permutation test",
    "run (levels permuted within each seed)",
    TREND_ALPHA,
)
R4_DESIGN = FixedDesign((FITS, AT_CHANCE, RISES), "Figure 1c: test error rises steadily and reaches chance at p = 1")

TIME_TO_OVERFIT = (
    "epochs until the whole training set, evaluated in eval mode after an epoch, is classified 100% "
    "correctly against the (corrupted) labels it was trained on; every p trains on the same number of "
    "images with the same batch size, so epochs are proportional to SGD steps"
)


SWEPT = FIGURE_1B_MODELS


def sweep(scale, lab, architecture: str, seeds: list[int] | None = None) -> dict[float, list[RunResult]]:
    """The scale's corruption grid for one architecture: {p: [runs, one per seed]} (``seeds``: the
    scale's unless given)."""
    seeds = scale.seed_list() if seeds is None else seeds
    return {p: sweep_level(scale, lab, architecture, p, seeds) for p in scale.corruption_grid}


def sweep_level(scale, lab, architecture: str, p: float, seeds: list[int]) -> list[RunResult]:
    """One corruption level's runs, one per seed."""
    if architecture not in SWEPT and not is_user_model(architecture):
        pytest.skip(f"Figures 1b and 1c sweep only {', '.join(SWEPT)}")
    return lab.run_all([scale.experiment(architecture, "corrupt_labels", p, seed) for seed in seeds])


def trend_over_seeds(runs: dict[float, list[RunResult]], values: dict[float, list[float]]) -> dict:
    """Do ``values`` ({p: one value per seed}) grow with p? A one-sided Spearman permutation test with
    each seed as a block: one seed's runs share their initial weights, batch order and label draws
    (the changed labels at p are a subset of those at any larger p), so the design is paired by seed,
    and a seed whose runs are all slower says nothing about the trend (stats.spearman_trend)."""
    levels = [p for p in runs for _ in runs[p]]
    seeds = [r.experiment.seed for p in runs for r in runs[p]]
    return spearman_trend(levels, [v for p in runs for v in values[p]], blocks=seeds)


def skip_unless_decidable(trend: dict, what: str) -> None:
    """Skip where the scale has too few runs for the trend test to reach TREND_ALPHA at all."""
    if trend["smallest_attainable_p"] > TREND_ALPHA:
        pytest.skip(
            f"{what}: {trend['n']} runs cannot show a trend at the {TREND_ALPHA} level (the smallest attainable "
            f"p-value is {trend['smallest_attainable_p']:.3g}); use a scale with more levels or seeds"
        )


DEFINITIONS_R3 = {
    "time to overfit": TIME_TO_OVERFIT,
    "epoch cap": "random and corrupted labels train at most 5x the scale's true-label cap "
    "(rethink_core/scales.py, NOISY_LABEL_CAP), so that a seed's slowdown can exceed the bound",
    "slowdown": "time to overfit at p divided by the same seed's time at p = 0, averaged over seeds "
    f"(Student-t interval); 'small constant factor' means at most {SMALL_FACTOR:g}x, judged on the "
    "interval's upper end (on the one value with a single seed)",
    "decision (takes longer)": "the plan of rethink_core/verdicts.py (PLANS['R3 random labels take longer']): "
    "per seed, log2 of the slowdown at p = 1; pass when a one-sided t-test rejects 'no slowdown', fail when "
    "it rejects 'a slowdown of at least 1.25x', looks at 2, 3, 4 (paper: and 8) seeds, 0.01 split over them",
}


@pytest.mark.claim("R3")
def test_time_to_overfit_grows_only_by_a_small_constant_factor(architecture, scale, lab, record, check):
    """R3: every corruption level still fits, random labels take longer to fit than true labels, and
    only by a small constant factor (Figure 1b, "only by a small constant factor"), seed by seed."""
    plan, seeds = plan_for("R3 random labels take longer", scale.max_seeds), scale.planned_seed_list()
    decision = run_sequentially(
        plan, seeds, lambda seed: float(np.log2(slowdown_at_one(scale, lab, architecture, seed)))
    )
    used = seeds[: decision.seeds_used] or scale.seed_list()
    runs = sweep(scale, lab, architecture)  # Figure 1b's levels at the scale's seeds
    ends = sweep_ends(scale, lab, architecture, used)  # p = 0 and p = 1 at the seeds the plan used
    everything = list({r.experiment: r for rs in (*runs.values(), *ends.values()) for r in rs}.values())
    slowdown = mean_interval(slowdowns(ends)[1.0])
    judged = slowdown["interval95"][1] if slowdown["interval95"] else slowdown["mean"]
    facts = r3_factor_record(architecture, runs, everything, slowdown, judged, decision)
    record(architecture, seeds=sorted({r.experiment.seed for r in everything}), **{**facts, **plan.recorded()})
    check(FITS.check, not not_fitted(everything), f"not every corruption level fitted: {not_fitted(everything)}")
    check(
        AT_MOST_SMALL_FACTOR.check,
        judged <= SMALL_FACTOR,
        f"fitting random labels took {slowdown['mean']:.2f}x as long as true labels (judged {judged:.2f}x): more "
        f"than a small constant factor ({SMALL_FACTOR:g}x)",
        statistic="slowdown, upper end of 95% interval" if slowdown["interval95"] else "slowdown",
        value=judged,
        threshold=f"<= {SMALL_FACTOR:g}x",
    )
    if not plan.decidable:  # by design (docs/claims.md, "Decisions"): one seed cannot show a per-seed effect
        check.undecided(TAKES_LONGER, f"{scale.max_seeds} seed(s) cannot reach {plan.alpha} with a test over seeds")
    hint = next_look_hint("R3 random labels take longer", f"R3 and {architecture} and small", everything, len(used))
    check.decision(TAKES_LONGER, decision, hint)


def sweep_ends(scale, lab, architecture: str, seeds: list[int]) -> dict[float, list[RunResult]]:
    """The runs at p = 0 and p = 1 (R1's true- and random-label runs) for ``seeds``."""
    return {p: sweep_level(scale, lab, architecture, p, seeds) for p in (0.0, 1.0)}


def slowdown_at_one(scale, lab, architecture: str, seed: int) -> float:
    """One seed's time to overfit random labels (p = 1) over true labels (p = 0)."""
    return slowdowns(sweep_ends(scale, lab, architecture, [seed]))[1.0][0]


def r3_factor_record(architecture: str, runs, everything, slowdown, judged, decision) -> dict:
    """R3's record of the slowdown: epochs to fit per level, the slowdown at p = 1 on the seeds the plan
    used, Figure 1b's line, the design of the bound and the plan's values."""
    relative = slowdowns(runs)
    return dict(
        measured={
            "epochs to fit per p": {f"{p:g}": epochs_to_fit(rs) for p, rs in runs.items()},
            "log2 slowdown at p=1 per seed (the plan's values)": list(decision.values),
            "slowdown at p=1 (x)": slowdown["mean"],
            "slowdown 95% interval": slowdown["interval95"],
        },
        paper=FIGURE_1B,
        statistics={"slowdown at p=1 over seeds": slowdown},
        headline=[
            headline(
                "slowdown at p = 1 (time to fit / true labels)",
                slowdown["mean"],
                "1.5-4 (read off Fig. 1b)",
                "ratio",
                data_note(runs[0.0]),
            ),
        ],
        decided_by=decided_by(
            "slowdown, upper end of 95% interval" if slowdown["interval95"] else "slowdown",
            judged,
            f"<= {SMALL_FACTOR:g}x",
        ),
        definitions=DEFINITIONS_R3,
        figures=figure_against_p(
            "Figure 1b: time to overfit relative to true labels",
            "time to overfit / time on true labels",
            architecture,
            {p: mean_interval(v) for p, v in relative.items()},
            per_seed=relative,
        ),
        runs=summarize_runs(everything),
        # a t-test's p has no floor with two or more seeds
        **(
            R3_FACTOR_DESIGN.recorded({AT_MOST_SMALL_FACTOR.check: {"smallest_attainable_p": 0.0}})
            if slowdown["interval95"]
            else R3_FACTOR_ONE_SEED.recorded({})
        ),
    )


DEFINITIONS_R3_TREND = {
    "time to overfit": TIME_TO_OVERFIT,
    "slope": "per seed, the least-squares slope of time to overfit relative to the same seed's true labels "
    "against p (0 to 1): the growth Figure 1b plots; the seed is the unit (its runs share initial weights, "
    "batch order and nested label draws)",
    "decision": "the plan of rethink_core/verdicts.py (PLANS['R3 trend']): pass when a one-sided t-test on "
    "the per-seed slopes rejects 'no growth', fail when it rejects 'growth of at least the SESOI 0.25', "
    "looks at 2, 3, 4 (and at paper scale 8) seeds with 0.01 split equally over them",
}


@pytest.mark.claim("R3")
def test_time_to_overfit_grows_with_label_noise(architecture, scale, lab, record, check):
    """R3: with more label noise the network needs longer to fit its training set: time to overfit,
    relative to true labels, grows with the corruption level (Figure 1b's shape), seed by seed."""
    plan, seeds = plan_for("R3 trend", scale.max_seeds), scale.planned_seed_list()
    decision = run_sequentially(plan, seeds, lambda seed: relative_slope(sweep(scale, lab, architecture, [seed])))
    used = seeds[: decision.seeds_used] or scale.seed_list()
    runs = sweep(scale, lab, architecture, used)
    everything = [r for rs in runs.values() for r in rs]
    record(f"{architecture} trend", seeds=used, **plan.recorded(), **r3_trend_record(runs, everything, decision))
    check(
        "every level fitted", not not_fitted(everything), f"not every corruption level fitted: {not_fitted(everything)}"
    )
    if not plan.decidable:  # by design (docs/claims.md, "Decisions"): one seed cannot show a per-seed effect
        pytest.skip(f"R3 trend: {scale.max_seeds} seed(s) cannot reach {plan.alpha} with a test over seeds")
    hint = next_look_hint(
        "R3 trend", f"test_time_to_overfit_grows_with_label_noise and {architecture}", everything, len(used)
    )
    check.decision("time to overfit grows with p", decision, hint)


def relative_slope(runs: dict[float, list[RunResult]]) -> float:
    """One seed's least-squares slope of time to overfit, relative to its true-label run, against p."""
    relative = slowdowns(runs)
    return float(np.polyfit(list(relative), [v[0] for v in relative.values()], 1)[0])


def r3_trend_record(runs: dict[float, list[RunResult]], everything, decision) -> dict:
    """R3's record of the trend: epochs to fit per level and seed, the per-seed slopes and the plan's
    decision; the within-seed Spearman test is reported beside it (not deciding)."""
    epochs = {p: epochs_to_fit(rs) for p, rs in runs.items()}
    spearman = trend_over_seeds(runs, epochs)
    return dict(
        measured={
            "epochs to fit per p": {f"{p:g}": e for p, e in epochs.items()},
            "slope per seed": list(decision.values),
            "Spearman rho within seeds (reported)": spearman["rho"],
        },
        paper=FIGURE_1B,
        statistics={"time to overfit grows with p (Spearman within seeds, reported)": spearman},
        definitions=DEFINITIONS_R3_TREND,
        headline=[
            headline(
                "slope of relative time to fit vs p, mean over seeds",
                float(np.mean(decision.values)) if decision.values else None,
                "grows (1.5-4x at p = 1)",
                "number",
            )
        ],
        decided_by=decided_by(
            "one-sided t-test p over per-seed slopes", decision.p_effect or 1.0, f"<= {decision.level:.3g}"
        ),
        runs=summarize_runs(everything),
    )


def slowdowns(runs: dict[float, list[RunResult]]) -> dict[float, list[float]]:
    """Each seed's time to overfit at p relative to the same seed's true-label run (same data, init
    and batch-order seeds)."""
    base = epochs_to_fit(runs[0.0])
    return {p: [e / e0 for e, e0 in zip(epochs_to_fit(rs), base, strict=True)] for p, rs in runs.items()}


DEFINITIONS_R4 = {
    "test error": "1 - accuracy on the clean test labels after training stopped, pooled over seeds "
    "(Clopper-Pearson 95% interval)",
}


@pytest.mark.claim("R4")
def test_test_error_rises_with_label_noise_to_chance(architecture, scale, lab, record, check):
    """R4: after convergence, test error (against the clean test labels) rises steadily with the
    corruption level and reaches chance, 90%, at p = 1 (Figure 1c)."""
    runs = sweep(scale, lab, architecture)
    everything = [r for rs in runs.values() for r in rs]
    error = {p: _pooled_error(rs) for p, rs in runs.items()}
    trend = trend_over_seeds(runs, {p: [1 - r.test_acc for r in rs] for p, rs in runs.items()})
    at_chance = chance_equivalence_test([r.test_confusion for r in runs[1.0]], AT_CHANCE_MARGIN)
    record(architecture, **r4_record(architecture, runs, everything, error, trend, at_chance))
    check(FITS.check, not not_fitted(everything), f"not every corruption level fitted: {not_fitted(everything)}")
    skip_unless_decidable(trend, "R4 trend")
    check(
        RISES.check,
        trend["p_value"] < TREND_ALPHA,
        f"test error does not rise with p: Spearman rho within seeds = {trend['rho']:.2f}, one-sided p = "
        f"{trend['p_value']:.3g} >= {TREND_ALPHA} (error per p: {[round(e['mean'], 3) for e in error.values()]})",
        statistic="one-sided trend p",
        value=trend["p_value"],
        threshold=f"< {TREND_ALPHA}",
    )
    check_at_chance(check, at_chance, "test accuracy at p = 1")


def r4_record(architecture: str, runs, everything, error, trend, at_chance) -> dict:
    """R4's record: pooled test error per level, the trend and chance tests, Figure 1c's line."""
    return dict(
        measured={
            "test error per p": {f"{p:g}": e["mean"] for p, e in error.items()},
            "test error at p=1": error[1.0]["mean"],
        },
        paper=FIGURE_1C,
        statistics={
            "test error rises with p": trend,
            "p=1 at chance (90% error)": at_chance,
            "p=1: class-permutation test vs chance (reported)": class_permutation_test(
                [r.test_confusion for r in runs[1.0]]
            ),
        },
        headline=[
            headline("test error at p = 0", error[0.0]["mean"], None, "percent", data_note(runs[0.0])),
            headline("test error at p = 1", error[1.0]["mean"], 1 - CHANCE, "percent"),
        ],
        decided_by=decided_by("one-sided trend p", trend["p_value"], f"< {TREND_ALPHA}"),
        definitions=DEFINITIONS_R4,
        figures=figure_against_p(
            "Figure 1c: test error against label corruption",
            "test error (clean test labels)",
            architecture,
            error,
            per_seed={p: [1 - r.test_acc for r in rs] for p, rs in runs.items()},
        ),
        runs=summarize_runs(everything),
        **R4_DESIGN.recorded({AT_CHANCE.check: at_chance, RISES.check: trend}),
    )


def _pooled_error(results: list[RunResult]) -> dict:
    accuracy, n = pooled_accuracy(results)
    low, high = accuracy_interval(accuracy, n)
    return {"mean": 1 - accuracy, "interval95": (1 - high, 1 - low), "n": n}


def figure_against_p(
    title: str, ylabel: str, architecture: str, by_level: dict[float, dict], per_seed: dict[float, list[float]]
) -> dict:
    """One architecture's line of a figure against p, from {p: {"mean", "interval95"}}, with each seed's
    value as a point. Error bars only where an interval informs: a pooled binomial interval, or a
    Student-t interval over three or more seeds (with two, t's single degree of freedom spans most of
    the axis and hides the points). The report draws every architecture's line on one set of axes."""
    ps = list(by_level)
    intervals = [by_level[p]["interval95"] if by_level[p].get("n", 3) >= 3 else None for p in ps]
    series = {
        "x": ps,
        "y": [by_level[p]["mean"] for p in ps],
        "lo": [i[0] if i else None for i in intervals],
        "hi": [i[1] if i else None for i in intervals],
        "points": [[p, v] for p in ps for v in per_seed[p]],
    }
    return {title: {"xlabel": "label corruption p", "ylabel": ylabel, "series": {architecture: series}}}
