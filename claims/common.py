"""What several claim modules share: chance, the paper's thresholds for "at chance", and small
summaries of finished runs."""

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
# A trend ("grows with p", "rises with p") holds when a one-sided Spearman permutation test (within
# seeds, test_label_noise.trend_over_seeds) rejects "no monotone relation" at this level. A scale with
# too few runs to reach it skips the trend.
TREND_ALPHA = 0.01


def pooled_accuracy(results: list[RunResult]) -> tuple[float, int]:
    """Test accuracy pooled over seeds, and the number of test predictions it counts."""
    n = sum(sum(map(sum, r.test_confusion)) for r in results)
    correct = sum(sum(row[k] for k, row in enumerate(r.test_confusion)) for r in results)
    return correct / n, n


def not_fitted(results: list[RunResult]) -> list[str]:
    """The runs that did not reach 100% training accuracy, described for an assertion message."""
    return [
        f"{r.experiment.describe()}: {r.history.status} after {len(r.history.epochs)} epochs, "
        f"train acc {r.train_acc:.4f}"
        for r in results
        if not r.fitted
    ]
