"""What several claims share when they decide a verdict: chance, the levels of "at chance", "far
above chance" and "a trend", and small summaries of finished runs. Each threshold's reason is here,
beside it; the claim modules assert against these names."""

from __future__ import annotations

from rethink_core.experiment import RunResult

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
