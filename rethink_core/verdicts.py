"""What several claims share when they decide a verdict: chance, the levels of "at chance", "far
above chance" and "a trend", and small summaries of finished runs. Each threshold's reason is here,
beside it; the claim modules assert against these names."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rethink_core.experiment import RunResult
from rethink_core.plan import CRITERION, T_TEST, AnalysisPlan, FixedCheck, power

if TYPE_CHECKING:
    from rethink_core.plugin import Checker


def chance(num_classes: int) -> float:
    """The accuracy of guessing among ``num_classes`` equally frequent classes."""
    return 1 / num_classes


NUM_CLASSES = 10  # CIFAR-10's, MNIST's and Fashion-MNIST's; ImageNet (I1) has 1,000 (chance(1000))
CHANCE = chance(NUM_CLASSES)
# A network trained on random labels has learnt nothing about the true test labels, so its expected
# test accuracy is exactly chance. "At chance" is an equivalence (issue 28): the accuracy lies within
# AT_CHANCE_MARGIN of chance when two one-sided tests (stats.chance_equivalence_test) reject "at least the
# margin below" and "at least the margin above" at AT_CHANCE_ALPHA; it is a margin or more away from chance
# (a fail) when the test of "within the margin" rejects at that level; otherwise undecided. The margin, 3
# points: the paper's random-label test accuracies lie within 0.61 points of chance (Table 1: 9.78% to
# 10.61%), and an accuracy of 13% would be a third more than guessing, a network that learnt something.
# The spread: a random-label network's correct answers come in clumps (it maps most images of one true
# class to one label), so a binomial over images understates it; below 5 seeds it is the class-permutation
# null's (stats.class_permutation_test), from 5 seeds the seeds' own. The level is the family's (0.01).
AT_CHANCE_MARGIN, AT_CHANCE_ALPHA = 0.03, 0.01
# The two-sided class-permutation test of chance itself, reported beside the equivalence (not deciding).
CHANCE_ALPHA = 1e-3
# "Far above chance" (R1, G1, G3): the paper's weakest model (MLP 1x512) reaches 5x chance on
# CIFAR-10. We ask for significantly more than twice chance, seed by seed: for every seed's network a
# one-sided binomial test over its test images of H0 "accuracy <= 0.2" must reject at FAR_ABOVE_ALPHA
# (stats.above_in_every_seed: given a trained network its test images are independent draws, so the
# test is exact per seed; no predictions are pooled over seeds).
FAR_ABOVE_BOUND, FAR_ABOVE_ALPHA = 2 * CHANCE, 1e-6
# A trend ("grows with p", "rises with p", "starts later") holds when a one-sided permutation test
# rejects "no such relation" at this level. A scale with too few runs to reach it skips the case.
TREND_ALPHA = 0.01

# The checks that several cases decided once share (rethink_core.plan.FixedDesign): each case records
# its design's hash and the smallest p each test could reach on its units.
FITS = FixedCheck("every run reaches 100% training accuracy", CRITERION, "run")
AT_CHANCE = FixedCheck(
    "random-label test accuracy at chance",
    f"two one-sided tests (TOST) of chance +- {AT_CHANCE_MARGIN:g}: the spread of the class-permutation null "
    "(20,000 draws) below 5 seeds, of the seeds from 5",
    "seed (its confusion matrix)",
    AT_CHANCE_ALPHA,
)
FAR_ABOVE = FixedCheck(
    "test accuracy far above chance (above 2x chance)",
    "one-sided binomial test per seed; every seed must reject (intersection-union)",
    "test prediction, within each seed's network",
    FAR_ABOVE_ALPHA,
)


def check_at_chance(check: Checker, result: dict, what: str) -> None:
    """Judge :data:`AT_CHANCE` on a :func:`rethink_core.stats.chance_equivalence_test` result with a
    claim's ``check`` fixture: pass, fail (a margin or more from chance), or undecided (a skip)."""
    statistic, threshold = "TOST p (within the margin)", f"<= {AT_CHANCE_ALPHA:g}"
    accuracy, margin = result["accuracy"], result["margin"]
    if result["p_value"] > AT_CHANCE_ALPHA and result["p_outside"] > AT_CHANCE_ALPHA:
        check.undecided(
            AT_CHANCE.check,
            f"{what} {accuracy:.4f}: neither within {margin:g} of chance (TOST p {result['p_value']:.3g}) nor "
            f"outside it (p {result['p_outside']:.3g}) at {AT_CHANCE_ALPHA:g}, with {result['spread']} spread; "
            "more seeds (--seeds) or test images would decide it",
            statistic=statistic,
            value=result["p_value"],
            threshold=threshold,
        )
    check(
        AT_CHANCE.check,
        result["p_value"] <= AT_CHANCE_ALPHA,
        f"{what} {accuracy:.4f} is {margin:g} or more away from chance {CHANCE:g} (test of 'within the margin': "
        f"p = {result['p_outside']:.3g} <= {AT_CHANCE_ALPHA:g}; spread: {result['spread']})",
        statistic=statistic,
        value=result["p_value"],
        threshold=threshold,
    )


def check_bounded_gain(check: Checker, name: str, gain: float, bound: float, what: str, source: str) -> None:
    """Judge a bounded-gain criterion (G1's Table 1, I1's Table 2): the regularizers' largest gain over no
    regularizer, ``gain``, at most ``bound`` (fractions of ``what``, the accuracy it is measured in)."""
    check(
        name,
        gain <= bound,
        f"regularizers add {100 * gain:.1f} points of {what}: more than the bounded amount ({100 * bound:.0f} "
        f"points) {source} allows",
        statistic="largest gain of a regularized setting (points)",
        value=100 * gain,
        threshold=f"<= {100 * bound:.0f}",
    )


def check_far_above(check: Checker, result: dict, what: str, name: str = FAR_ABOVE.check) -> None:
    """Judge :data:`FAR_ABOVE` (or the check ``name`` of the same test at another bound: I1's) on a
    :func:`rethink_core.stats.above_in_every_seed` result."""
    check(
        name,
        result["p_value"] < FAR_ABOVE_ALPHA,
        f"{what} is not far above chance on every seed (H0 accuracy <= {result['bound']:g}: p per seed "
        f"{[float(f'{p:.2g}') for p in result['p per seed']]}, accuracy per seed "
        f"{[round(a, 4) for a in result['accuracy per seed']]}; each must be < {FAR_ABOVE_ALPHA:g})",
        statistic="largest per-seed binomial p",
        value=result["p_value"],
        threshold=f"< {FAR_ABOVE_ALPHA:g}",
    )


# Analysis plans (rethink_core.plan), fixed before any run of their cases: one statistic per seed, the
# smallest effect size of interest (SESOI) argued from the source (docs/claims.md), looks at 2, 3 and 4
# seeds and, at paper scale, 8. A t-test on the per-seed values (the exact sign-flip p shown beside it):
# the exact test cannot reach its share of 0.01 below 8 seeds. The planning standard deviation equals the
# SESOI (a standardized effect of 1): power is computed at the SESOI with it, never from observed effects.
PLAN_LOOKS = (2, 3, 4, 8)


def _plan(statistic: str, sesoi: float, source: str, alpha: float = TREND_ALPHA) -> AnalysisPlan:
    """A plan of the shape every plan here shares (see above): the claim says the statistic is positive."""
    return AnalysisPlan(statistic, 1, sesoi, sesoi, alpha, PLAN_LOOKS, test=T_TEST, source=source)


# A3 tries each rate of its grid (models.DROPOUT_RATES) with a third of the level: the claim is that some
# appropriately tuned rate shows the effect (Bonferroni over the rates it may be picked from).
A3_RATE_ALPHA = TREND_ALPHA / 3


PLANS = {
    # R3, Figure 1b: time to overfit grows with the corruption level p. Per seed, the least-squares slope
    # of epochs-to-fit relative to the same seed's true labels against p (0 to 1). SESOI 0.25: at p = 1 at
    # least 25% slower than on true labels, half the smallest slowdown read off Figure 1b (1.5x).
    "R3 trend": _plan(
        "slope of relative time to overfit against p, per seed",
        0.25,
        "Zhang et al. (2017), Figure 1b: 1.5x to 4x at p = 1 (secondary readings)",
    ),
    # R3, Figure 1b: random labels take longer to fit than true labels (the first half of "grows, but only by a
    # small constant factor"). Per seed, log2 of the epochs to fit random labels over the same seed's true
    # labels. SESOI log2(1.25): 25% slower, as the trend's (half the smallest slowdown read off Figure 1b).
    "R3 random labels take longer": _plan(
        "log2 of time to overfit random labels over true labels, per seed",
        math.log2(1.25),
        "Zhang et al. (2017), Figure 1b: 1.5x to 4x at p = 1 (secondary readings)",
    ),
    # A1 (Arpit et al. 2017): kept labels are fit before changed ones. Per seed, the mean over the levels
    # 0 < p < 1 of (epoch all changed labels are fit - epoch all kept labels are fit). SESOI 1 epoch: a
    # lag shorter than one pass over the data cannot tell "first" from "in the same pass".
    "A1 kept before changed": _plan(
        "epochs from all kept to all changed labels fit, mean over 0 < p < 1, per seed",
        1.0,
        "Arpit et al. (2017), Sections 3-4: clean examples are fit first",
    ),
    # A3 (Arpit et al. 2017): dropout degrades memorization far more than generalization. Per seed and rate,
    # (training accuracy on random labels without dropout - with it) - (test accuracy on true labels without
    # dropout - with it), all runs within the scale's dropout budget. SESOI 10 points: a 10-point loss of
    # memorization against no loss of test accuracy is the smallest "degrades training on noise without
    # compromising generalization" (the threshold A3 used before the seed became its unit).
    "A3 dropout costs memorization more": _plan(
        "memorization cost minus generalization cost of one dropout rate, per seed",
        0.10,
        "Arpit et al. (2017), abstract and Section 5: regularizers 'degrade training on noise without "
        "compromising generalization on real data'",
        alpha=A3_RATE_ALPHA,
    ),
    # M1 (Maennel et al. 2020): random labels align the first layer's principal components with the data's.
    # Per seed, log2 of the share of the first layer's learned change (final - initial weights) in the
    # data's top-k principal directions over k / rank: the share of a change isotropic within the span of
    # the training inputs (a gradient step always lies in that span). SESOI 1: twice that share, the "well
    # above" M1 asked of the whole weights before the seed became its unit.
    "M1 alignment": _plan(
        "log2 of the change's share in the data's top-k directions over k / rank, per seed",
        1.0,
        "Maennel et al. (2020), Section 2: the weights' covariance aligns with the data's",
    ),
    # D1 (Nakkiran et al. 2020): with label noise, test error peaks at the interpolation threshold. Per
    # seed, test error at that seed's threshold minus that of its higher neighbour: the largest width, or
    # the smaller width with the lowest mean test error over the look's *other* seeds (cross-fitted, so that
    # picking it does not bias the seed's own contrast). SESOI 2 points of test error: a peak smaller than
    # that would be invisible in the source's figures, whose peaks rise several points.
    "D1 peak": _plan(
        "test error at the seed's interpolation threshold minus its higher neighbour's, per seed",
        0.02,
        "Nakkiran et al. (2020), Figure 1; Belkin et al. (2019), Figure 2",
    ),
    # D2: label noise makes the peak. Per seed, D1's statistic on the noisy sweep minus the same on the
    # clean sweep (negative where a sweep has no peak). SESOI 2 points, as D1.
    "D2 noise makes the peak": _plan(
        "peak height with label noise minus without, per seed",
        0.02,
        "Nakkiran et al. (2020), Section 5: label noise makes the peak prominent",
    ),
}


def plan_for(name: str, max_seeds: int) -> AnalysisPlan:
    """A case's analysis plan under a scale's cap on seeds."""
    return PLANS[name].capped(max_seeds)


def next_look_hint(name: str, selection: str, runs: list[RunResult], seeds_used: int) -> str:
    """What an undecided case would take next: the plan's last look (8 seeds), the command, the
    training time (from this case's runs per seed) and the design's power there."""
    last = max(PLAN_LOOKS)
    per_seed = sum(r.seconds for r in runs) / max(1, seeds_used)
    return (
        f'the plan\'s last look is at {last} seeds: pytest claims -k "{selection}" --seeds {last} (about '
        f"{per_seed * (last - seeds_used) / 60:.0f} more minutes of training; power at the SESOI there "
        f"{power(plan_for(name, last)):.2f})"
    )


def seed_accuracies(results: list[RunResult]) -> list[tuple[float, int]]:
    """(test accuracy, test predictions) of each run: one network per seed."""
    return [(r.test_acc, sum(map(sum, r.test_confusion))) for r in results]


def pooled_correct(results: list[RunResult]) -> tuple[int, int]:
    """Correct test predictions and test predictions, pooled over seeds (from the confusion matrices)."""
    n = sum(sum(map(sum, r.test_confusion)) for r in results)
    correct = sum(sum(row[k] for k, row in enumerate(r.test_confusion)) for r in results)
    return correct, n


def pooled_accuracy(results: list[RunResult]) -> tuple[float, int]:
    """Test accuracy pooled over seeds, and the number of test predictions it counts."""
    correct, n = pooled_correct(results)
    return correct / n, n


def not_fitted(results: list[RunResult]) -> list[str]:
    """The runs that did not reach 100% training accuracy, described for an assertion message."""
    return [
        f"{r.experiment.describe()}: {r.history.status} after {len(r.history.epochs)} epochs, "
        f"train acc {r.train_acc:.4f}"
        for r in results
        if not r.fitted
    ]


def epochs_to_fit(results: list[RunResult]) -> list[int]:
    """Epochs each run trained (until 100% training accuracy, or the cap)."""
    return [len(r.history.epochs) for r in results]


def headline(quantity: str, ours: float | None, paper: float | str | None, unit: str, note: str = "") -> dict:
    """One row of the report's ours-vs-paper summary. ``unit``: "percent" (values as fractions),
    "epochs", "ratio" or "number"."""
    return {"quantity": quantity, "ours": ours, "paper": paper, "unit": unit, "note": note}


def decided_by(statistic: str, value: float, threshold: str) -> dict:
    """The number a verdict was decided on, and the threshold it was held to (e.g. ">= 0.001")."""
    return {"statistic": statistic, "value": float(value), "threshold": threshold}


def data_note(runs: list[RunResult], paper_data: str = "CIFAR-10") -> str:
    """Says which data set each side of a headline comes from."""
    exp = runs[0].experiment
    data = "Fashion-MNIST (embedded subset)" if exp.dataset == "embedded" else exp.dataset
    return f"ours: {data}, {exp.n_train:,} training images; paper: {paper_data}"
