"""Table 2 of Zhang et al. (2017) and Section 2.2: the randomization test and the regularizers on ImageNet.

I1: Inception V3 on ImageNet (1,000 classes, 1.28M training images) fits random labels to 95.20% top-1
training accuracy with the hyperparameters of its true-label runs; without any regularizer it still
generalizes (59.80% top-1, 80.38% top-5 test accuracy); data augmentation, dropout and weight decay add
a bounded amount (72.95% with augmentation alone, 77.84% with all three). Runs only at ``--scale imagenet``
(a local ImageNet, GPUs: docs/claims.md, "I1"); one run per cell, as Table 2 reports them.
"""

from __future__ import annotations

import pytest

from rethink_core.experiment import RunResult, summarize_runs
from rethink_core.paper import TABLE_2, TABLE_2_STATEMENT
from rethink_core.plan import CRITERION, FixedCheck, FixedDesign
from rethink_core.runplan import TABLE_2_CELLS, table_2_run
from rethink_core.stats import above_in_every_seed
from rethink_core.verdicts import (
    FAR_ABOVE_ALPHA,
    chance,
    check_bounded_gain,
    check_far_above,
    data_note,
    decided_by,
    headline,
    pooled_accuracy,
    seed_accuracies,
)

NONE, RANDOM = (False, False, False), "random labels"
TRUE_LABEL_CELLS = tuple(cell for cell in TABLE_2_CELLS if cell != RANDOM)
# "Fits random labels": top-1 training accuracy (eval mode, every training image, at the end) of at least
# 90%: within 5 points of the paper's 95.20% (Section 2.2, Table 2), 900 times chance (0.1%). Table 2's
# random-label runs with a regularizer reach 87.81-91.18%; this one has none. Our schedule is not the paper's
# (it states none for ImageNet: rethink_core/scales.py, IMAGENET_HYPER), hence 5 points of room and no more:
# below 90% the network memorized much less than the paper's.
FITS_RANDOM_TOP1 = 0.90
# "Generalizes without regularizers": G1's "far above chance" (2x chance) means nothing at 1,000 classes
# (0.2%). Table 2's claim is that the unregularized network generalizes well: 59.80% top-1 and 80.38% top-5,
# against AlexNet's 83.6% top-5 with every regularizer (Krizhevsky et al. 2012, Table 2's reference row). We
# ask for half of each: significantly above 30% top-1 and 40% top-5 (a one-sided binomial test over the
# 50,000 test images per seed, at G1's level 1e-6), 300 and 80 times chance (top-5 chance: 0.5%). Half
# leaves room for a schedule that is not the paper's; below it the network would not be generalizing "well".
GENERALIZES_TOP1, GENERALIZES_TOP5 = 0.30, 0.40
# "Regularizers add a bounded amount": Table 2's largest gain is 18.04 points (all three regularizers, 77.84%,
# over none, 59.80%), so G1's 10-point bound (twice Table 1's largest gain, 5.15) would fail the paper's own
# numbers. By G1's rule, twice Table 2's largest: 36 points. A larger gain would leave the unregularized
# network with less than half the regularized one's accuracy: the regularizers, not the network, generalizing.
REGULARIZER_GAIN_BOUND = 0.36

FITS_RANDOM = FixedCheck(f"top-1 training accuracy on random labels >= {FITS_RANDOM_TOP1:.0%}", CRITERION, "run")
TOP1 = FixedCheck(
    f"top-1 test accuracy above {GENERALIZES_TOP1:.0%} without regularizers",
    "one-sided binomial test per seed; every seed must reject (intersection-union)",
    "test image, within each seed's network",
    FAR_ABOVE_ALPHA,
)
TOP5 = FixedCheck(
    f"top-5 test accuracy above {GENERALIZES_TOP5:.0%} without regularizers",
    "one-sided binomial test per seed; every seed must reject (intersection-union)",
    "test image, within each seed's network",
    FAR_ABOVE_ALPHA,
)
BOUNDED_GAIN = FixedCheck(
    f"regularizers add at most {100 * REGULARIZER_GAIN_BOUND:.0f} points of top-1 test accuracy",
    CRITERION,
    "top-1 test accuracy pooled over seeds, per cell",
)
RANDOM_DESIGN = FixedDesign((FITS_RANDOM,), "Table 2 and Section 2.2: random labels, 95.20% top-1 training")
GENERALIZES_DESIGN = FixedDesign((TOP1, TOP5), "Table 2: no regularizer, 59.80% top-1, 80.38% top-5 test")
GAIN_DESIGN = FixedDesign((BOUNDED_GAIN,), "Table 2: largest regularizer gain 18.04 points")


def cell_runs(scale, lab, cell) -> list[RunResult]:
    """The runs of one of Table 2's cells, one per seed."""
    return lab.run_all([table_2_run(scale, cell, s) for s in scale.ablation_seed_list()])


@pytest.mark.claim("I1")
def test_inception_v3_fits_random_imagenet_labels(scale, lab, record, check):
    """I1: with the hyperparameters of its true-label runs, Inception V3 fits random ImageNet labels to
    nearly Table 2's 95.20% top-1 training accuracy."""
    runs = cell_runs(scale, lab, RANDOM)
    train_acc = min(r.train_acc for r in runs)
    record("random labels", **random_record(runs, train_acc))
    check(
        FITS_RANDOM.check,
        train_acc >= FITS_RANDOM_TOP1,
        f"on random labels Inception V3 reached {train_acc:.4f} top-1 training accuracy, below {FITS_RANDOM_TOP1}",
        statistic="lowest top-1 training accuracy over seeds",
        value=train_acc,
        threshold=f">= {FITS_RANDOM_TOP1}",
    )


def random_record(runs: list[RunResult], train_acc: float) -> dict:
    """The random-label run beside Table 2's row: training and test accuracy, top-1 and top-5."""
    paper = dict(zip(("top-1 train %", "top-5 train %", "top-1 test %", "top-5 test %"), TABLE_2[RANDOM], strict=True))
    return dict(
        measured={
            "top-1 train acc (min over seeds)": train_acc,
            "top-5 train acc": [r.final.train_top5_eval for r in runs],
            "top-1 test acc": pooled_accuracy(runs)[0],
            "top-5 test acc": [r.final.test_top5 for r in runs],
            "chance (top-1)": chance(len(runs[0].test_confusion)),
            "epochs": [len(r.history.epochs) for r in runs],
        },
        paper={**paper, "statement": TABLE_2_STATEMENT},
        headline=[
            headline(
                "random labels: top-1 training accuracy", train_acc, TABLE_2[RANDOM][0] / 100, "percent", note(runs)
            )
        ],
        decided_by=decided_by("lowest top-1 training accuracy", train_acc, f">= {FITS_RANDOM_TOP1:.0%}"),
        runs=summarize_runs(runs),
        **RANDOM_DESIGN.recorded({}),
    )


@pytest.mark.claim("I1")
def test_inception_v3_generalizes_on_imagenet_without_regularizers(scale, lab, record, check):
    """I1: without data augmentation, dropout or weight decay, Inception V3 still generalizes on ImageNet:
    at least half of Table 2's 59.80% top-1 and 80.38% top-5 test accuracy, seed by seed."""
    runs = cell_runs(scale, lab, NONE)
    top1 = above_in_every_seed(seed_accuracies(runs), GENERALIZES_TOP1)
    images = [n for _, n in seed_accuracies(runs)]
    top5 = above_in_every_seed(
        [(r.final.test_top5 or 0.0, n) for r, n in zip(runs, images, strict=True)], GENERALIZES_TOP5
    )
    record("no regularizer", **generalizes_record(runs, top1, top5))
    check_far_above(check, top1, "without regularizers the top-1 test accuracy", TOP1.check)
    check_far_above(check, top5, "without regularizers the top-5 test accuracy", TOP5.check)


def generalizes_record(runs: list[RunResult], top1: dict, top5: dict) -> dict:
    """The unregularized runs beside Table 2's row, with both binomial tests."""
    paper_top1, paper_top5 = TABLE_2[NONE][2:]
    accuracy = pooled_accuracy(runs)[0]
    return dict(
        measured={
            "top-1 test acc": accuracy,
            "top-5 test acc": top5["accuracy per seed"],
            "chance": chance(len(runs[0].test_confusion)),
        },
        paper={"top-1 test %": paper_top1, "top-5 test %": paper_top5},
        statistics={"top-1 above the bound": top1, "top-5 above the bound": top5},
        headline=[
            headline("no regularizer: top-1 test accuracy", accuracy, paper_top1 / 100, "percent", note(runs)),
            headline(
                "no regularizer: top-5 test accuracy", min(top5["accuracy per seed"]), paper_top5 / 100, "percent"
            ),
        ],
        decided_by=decided_by("largest per-seed binomial p (top-1)", top1["p_value"], f"< {FAR_ABOVE_ALPHA:g}"),
        runs=summarize_runs(runs),
        **GENERALIZES_DESIGN.recorded({TOP1.check: top1, TOP5.check: top5}),
    )


@pytest.mark.claim("I1")
def test_regularizers_add_a_bounded_amount_on_imagenet(scale, lab, record, check):
    """I1: data augmentation, dropout and weight decay, alone or together, add a bounded amount of top-1 test
    accuracy to Inception V3 on ImageNet (Table 2: at most 18.04 points)."""
    runs = {cell: cell_runs(scale, lab, cell) for cell in TRUE_LABEL_CELLS}
    accuracy = {cell: pooled_accuracy(results)[0] for cell, results in runs.items()}
    gain = max(accuracy.values()) - accuracy[NONE]
    record("regularizers", **gain_record(runs, accuracy, gain))
    check_bounded_gain(check, BOUNDED_GAIN.check, gain, REGULARIZER_GAIN_BOUND, "top-1 test accuracy", "Table 2")


TABLE_2_TITLE = "Table 2: Inception V3 on ImageNet (ours vs the paper's)"
TABLE_2_COLUMNS = [
    "data aug",
    "dropout",
    "weight decay",
    "top-1 train % (ours)",
    "top-5 train % (ours)",
    "top-1 test % (ours)",
    "top-5 test % (ours)",
    "top-1 train % (paper)",
    "top-5 train % (paper)",
    "top-1 test % (paper)",
    "top-5 test % (paper)",
    "seeds",
]


def gain_record(runs: dict, accuracy: dict, gain: float) -> dict:
    """Every true-label cell beside Table 2's, and the regularizers' largest gain."""
    all_on = (True, True, True)
    return dict(
        measured={
            **{f"top-1 test acc, {cell_name(cell)}": accuracy[cell] for cell in runs},
            "largest gain (points)": 100 * gain,
        },
        paper={f"top-1 test %, {cell_name(cell)}": TABLE_2[cell][2] for cell in runs},
        headline=[
            headline("all regularizers: top-1 test accuracy", accuracy[all_on], TABLE_2[all_on][2] / 100, "percent"),
            headline("largest gain of regularizers", 100 * gain, 100 * 0.1804, "number", "points of top-1 accuracy"),
        ],
        decided_by=decided_by("largest gain (points)", 100 * gain, f"<= {100 * REGULARIZER_GAIN_BOUND:.0f}"),
        tables={TABLE_2_TITLE: {"columns": TABLE_2_COLUMNS, "rows": [table_row(cell, runs[cell]) for cell in runs]}},
        runs=summarize_runs([r for results in runs.values() for r in results]),
        **GAIN_DESIGN.recorded({}),
    )


def cell_name(cell: tuple[bool, bool, bool]) -> str:
    names = [name for name, on in zip(("aug", "dropout", "wd"), cell, strict=True) if on]
    return "+".join(names) or "none"


def table_row(cell: tuple[bool, bool, bool], results: list[RunResult]) -> list:
    """One row of the Table 2 analogue (the first seed's run: Table 2 has one per cell)."""
    run = results[0].final
    ours = [run.train_acc_eval, run.train_top5_eval, run.test_acc, run.test_top5]
    flags = ["yes" if on else "no" for on in cell]
    return [*flags, *(None if v is None else round(100 * v, 2) for v in ours), *TABLE_2[cell], len(results)]


def note(runs: list[RunResult]) -> str:
    return data_note(runs, "ImageNet (ILSVRC-2012)")
