"""What several claims share when they decide a verdict: chance, the levels of "at chance", "far
above chance" and "a trend", and small summaries of finished runs. Each threshold's reason is here,
beside it; the claim modules assert against these names."""

from __future__ import annotations

from rethink_core.experiment import RunResult
from rethink_core.plan import CRITERION, DOES_NOT_REJECT, T_TEST, AnalysisPlan, FixedCheck, power

NUM_CLASSES = 10
CHANCE = 1 / NUM_CLASSES
# A network trained on random labels has learnt nothing about the true test labels, so its expected
# test accuracy is exactly chance. Its correct answers come in clumps (it maps most images of one
# true class to one label), so a binomial test over images would reject chance far too often; the
# test is a class-permutation test (stats.class_permutation_test). "At chance" unless it rejects at
# this level (a false alarm in 1 of 1,000 cases).
CHANCE_ALPHA = 1e-3
# "Far above chance" (R1, G1, G3): the paper's weakest model (MLP 1x512) reaches 5x chance on
# CIFAR-10. We ask for significantly more than twice chance: a one-sided binomial test of
# H0 "accuracy <= 0.2" must reject at FAR_ABOVE_ALPHA.
FAR_ABOVE_BOUND, FAR_ABOVE_ALPHA = 2 * CHANCE, 1e-6
# A trend ("grows with p", "rises with p", "starts later") holds when a one-sided permutation test
# rejects "no such relation" at this level. A scale with too few runs to reach it skips the case.
TREND_ALPHA = 0.01

# The checks that several cases decided once share (rethink_core.plan.FixedDesign): each case records
# its design's hash and the smallest p each test could reach on its units.
FITS = FixedCheck("every run reaches 100% training accuracy", CRITERION, "run")
AT_CHANCE = FixedCheck(
    "random-label test accuracy at chance",
    "two-sided class-permutation test (Monte Carlo, 20,000 draws)",
    "seed (its confusion matrix)",
    CHANCE_ALPHA,
    DOES_NOT_REJECT,
)
FAR_ABOVE = FixedCheck(
    "test accuracy far above chance (above 2x chance)",
    "one-sided binomial test",
    "test prediction, pooled over seeds (assumes independent errors)",
    FAR_ABOVE_ALPHA,
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
