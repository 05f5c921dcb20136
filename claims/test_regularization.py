"""Section 3 of Zhang et al. (2017), Table 1 and Figure 2: explicit regularizers help, but they are
not why these networks generalize.

G1 (Table 1): with random crop and weight decay off, every model still generalizes far above
chance, close to the model with them on.
G2 (Table 4): with weight decay on, the networks still fit random labels (AlexNet: reported).
G3 (Table 1, Figure 2b): Inception without BatchNorm fits and generalizes; BatchNorm is worth a
few points.
G4 (Figure 2): the best test accuracy seen during training is no better than the final one.
"""

from __future__ import annotations

import numpy as np
import pytest

from rethink_core.experiment import RunResult, summarize_runs
from rethink_core.models import table_1_settings
from rethink_core.paper import FIGURE_2, RANDOM_LABELS_WEIGHT_DECAY, TABLE_1
from rethink_core.plan import CRITERION, FixedCheck, FixedDesign
from rethink_core.stats import (
    above_in_every_seed,
    accuracy_interval,
    best_of_k_gain_test,
    held_out_early_stopping_gain,
    mean_interval,
)
from rethink_core.train import History, unpack_hits
from rethink_core.user_models import is_user_model
from rethink_core.verdicts import (
    FAR_ABOVE,
    FAR_ABOVE_BOUND,
    FITS,
    TREND_ALPHA,
    check_bounded_gain,
    check_far_above,
    data_note,
    decided_by,
    epochs_to_fit,
    headline,
    not_fitted,
    pooled_accuracy,
    seed_accuracies,
)

# "Regularizers help by a bounded amount" (G1) and "BatchNorm is worth a few points" (G3): the
# largest gap in the paper's Table 1 is 5.15 points (AlexNet, all regularizers vs none; Inception's
# BatchNorm costs 3-4). We allow twice the largest: a gap above 10 points of test accuracy would make
# the regularizer a main source of generalization, which is what the paper denies.
REGULARIZER_GAP_BOUND = 0.10
# G2: "still fit random labels": training accuracy at least the lowest the paper reports as fitting
# (MLP 1x512 with weight decay: 99.21%).
FITS_RANDOM_LABELS = 0.99
# G4: "the best test accuracy seen during training is no better than the final one". Early stopping picks an
# epoch by its test accuracy; measured on the same images the pick flatters itself (the best of k noisy
# readings), so the epoch is picked on one half of the test set and measured on the other, both ways
# (stats.held_out_early_stopping_gain). "No better" means a gain below EARLY_STOPPING_DELTA, 1 point: about
# what weight decay gives in Table 1 (0.3 to 1.3 points without crop), the smallest gain the paper reports
# for a regularizer. Every run must reject "gain >= 1 point" at TREND_ALPHA; a run whose gain is shown above 0
# (at TREND_ALPHA over the case's runs, Bonferroni) without being shown below 1 point fails the case;
# otherwise it is undecided.
EARLY_STOPPING_DELTA = 0.01

BOUNDED_GAIN = FixedCheck(
    f"a regularizer adds at most {100 * REGULARIZER_GAP_BOUND:.0f} points of test accuracy",
    CRITERION,
    "test accuracy pooled over seeds, per setting",
)
G1_DESIGN = FixedDesign((FITS, FAR_ABOVE, BOUNDED_GAIN), "Table 1: largest regularizer gap 5.15 points")
FITS_WITH_DECAY = FixedCheck(f"every run reaches {FITS_RANDOM_LABELS:.0%} training accuracy", CRITERION, "run")
G2_DESIGN = FixedDesign((FITS_WITH_DECAY,), "Table 4: random labels with weight decay")
DOES_NOT_CONVERGE = FixedCheck("does not converge with weight decay", CRITERION, "run")
G2_ALEXNET_DESIGN = FixedDesign((DOES_NOT_CONVERGE,), "Table 4: AlexNet with weight decay fails to converge")
MILD = FixedCheck(
    f"removing BatchNorm costs at most {100 * REGULARIZER_GAP_BOUND:.0f} points",
    CRITERION,
    "test accuracy pooled over seeds",
)
G3_DESIGN = FixedDesign((FITS, FAR_ABOVE, MILD), "Table 1 and Figure 2b: Inception without BatchNorm")
NO_EARLY_STOPPING_GAIN = FixedCheck(
    f"early stopping gains less than {100 * EARLY_STOPPING_DELTA:g} point on held-out test images, every run",
    f"one-sided z-test per run of H0 'gain >= {100 * EARLY_STOPPING_DELTA:g} point', epoch picked on one half "
    "of the test set and measured on the other (cross-fitted); every run must reject (intersection-union)",
    "test image, within each run",
    TREND_ALPHA,
)
G4_DESIGN = FixedDesign((NO_EARLY_STOPPING_GAIN,), "Figure 2: best test accuracy no better than the final one")


def skip_unless_ablated(scale, model: str, record) -> None:
    """Skip (recorded under the claim's id) where the scale does not run this model's ablations."""
    if model not in scale.ablation_models:
        record(model, measured={})
        if any(is_user_model(m) for m in scale.ablation_models):
            pytest.skip(f"not applicable to a user model: {model} is one of the paper's architectures")
        pytest.skip(f"scale {scale.name!r} runs Table 1's ablations only for {', '.join(scale.ablation_models)}")


def ablation(scale, lab, model: str) -> dict[tuple[bool, bool], list[RunResult]]:
    """True-label runs of every Table 1 setting of ``model``, every seed."""
    return {
        (crop, decay): lab.run_all(
            [scale.experiment(model, seed=s, crop=crop, weight_decay=decay) for s in scale.ablation_seed_list()]
        )
        for crop, decay in table_1_settings(model)
    }


def table_rows(model: str, runs: dict[tuple[bool, bool], list[RunResult]], scale) -> list[list]:
    """Rows of the Table 1 analogue: ours beside the paper's, labelled with scale, data and seeds."""
    rows = []
    for (crop, decay), results in runs.items():
        accuracy, n = pooled_accuracy(results)
        low, high = accuracy_interval(accuracy, n)
        paper_train, paper_test = TABLE_1.get((model, crop, decay), (None, None))
        rows.append(
            [
                model,
                "yes" if crop else "no",
                "yes" if decay else "no",
                round(100 * min(r.train_acc for r in results), 2),
                round(100 * accuracy, 2),
                f"{100 * low:.1f}-{100 * high:.1f}",
                paper_train,
                paper_test,
                f"{scale.name}, {results[0].experiment.dataset}, n={results[0].experiment.n_train}, "
                f"seeds {[r.experiment.seed for r in results]}",
            ]
        )
    return rows


TABLE_1_COLUMNS = [
    "model",
    "random crop",
    "weight decay",
    "train % (ours, min over seeds)",
    "test % (ours, pooled)",
    "test 95% interval",
    "train % (paper)",
    "test % (paper)",
    "scale, data, images, seeds",
]
TABLE_1_TITLE = "Table 1: explicit regularizers on true labels (ours vs the paper's CIFAR-10)"


@pytest.mark.start_early  # Table 1's slowest cells (random crop: about 4x the epochs) overlap the rest
@pytest.mark.claim("G1")
def test_explicit_regularizers_are_not_what_makes_networks_generalize(architecture, scale, lab, record, check):
    """G1: with random crop and weight decay off, the network still generalizes far above chance,
    and the regularizers, when on, add only a bounded amount of test accuracy (Table 1)."""
    skip_unless_ablated(scale, architecture, record)
    runs = ablation(scale, lab, architecture)
    accuracy = {setting: pooled_accuracy(results) for setting, results in runs.items()}
    none_acc, n = accuracy[(False, False)]
    best_gap = max(a for a, _ in accuracy.values()) - none_acc
    unregularized = runs[(False, False)]
    far_above = above_in_every_seed(seed_accuracies(unregularized), FAR_ABOVE_BOUND)
    record(architecture, **g1_record(scale, architecture, runs, accuracy, best_gap, far_above))
    check(FITS.check, not not_fitted(unregularized), f"did not fit the true labels: {not_fitted(unregularized)}")
    check_far_above(check, far_above, "without regularizers the test accuracy")
    check_bounded_gain(
        check, BOUNDED_GAIN.check, best_gap, REGULARIZER_GAP_BOUND, "test accuracy", "the paper's Table 1"
    )


def g1_record(scale, architecture: str, runs, accuracy, best_gap, far_above) -> dict:
    """G1's record: test accuracy without and with all regularizers, the gains, and the Table 1 rows."""
    none_acc = accuracy[(False, False)][0]
    all_on = max(runs)  # (crop, decay) with everything this model has switched on
    gap = accuracy[all_on][0] - none_acc
    return dict(
        measured={
            "test acc, no regularizer": none_acc,
            "test acc, all regularizers": accuracy[all_on][0],
            "gain of all regularizers (points)": 100 * gap,
            "gain of the best setting (points)": 100 * best_gap,
        },
        paper={f"test %, crop={c}, wd={d}": TABLE_1.get((architecture, c, d), (None, None))[1] for c, d in runs},
        statistics={"no regularizer: far above chance": far_above},
        headline=[
            headline(
                "test accuracy, no regularizer",
                none_acc,
                paper_test(architecture, False, False),
                "percent",
                data_note(runs[(False, False)]),
            ),
            headline(
                "test accuracy, all regularizers", accuracy[all_on][0], paper_test(architecture, *all_on), "percent"
            ),
        ],
        decided_by=decided_by(
            "largest gain of a regularizer (points)", 100 * best_gap, f"<= {100 * REGULARIZER_GAP_BOUND:.0f}"
        ),
        tables={TABLE_1_TITLE: {"columns": TABLE_1_COLUMNS, "rows": table_rows(architecture, runs, scale)}},
        runs=summarize_runs([r for rs in runs.values() for r in rs]),
        **G1_DESIGN.recorded({FAR_ABOVE.check: far_above}),
    )


@pytest.mark.claim("G2")
def test_networks_with_weight_decay_still_fit_random_labels(architecture, scale, lab, record, check):
    """G2: weight decay does not stop the network from fitting random labels (Table 4), except for
    AlexNet, which the paper reports fails to converge with weight decay: for AlexNet the case checks
    that outcome."""
    skip_unless_ablated(scale, architecture, record)
    results = lab.run_all(
        [scale.experiment(architecture, "random_labels", seed=s, weight_decay=True) for s in scale.ablation_seed_list()]
    )
    train_acc = min(r.train_acc for r in results)
    paper = RANDOM_LABELS_WEIGHT_DECAY.get(architecture, "not reported")
    fails_in_paper = architecture in RANDOM_LABELS_WEIGHT_DECAY and paper is None
    record(architecture, **g2_record(results, train_acc, paper, fails_in_paper))
    if fails_in_paper:  # the paper's AlexNet with weight decay did not converge on random labels
        # Weight decay's doing only if the same runs without it fit (R1's runs, same seeds and cap).
        plain = lab.run_all(
            [scale.experiment(architecture, "random_labels", seed=s) for s in scale.ablation_seed_list()]
        )
        if not_fitted(plain):
            pytest.skip(
                f"{architecture} did not fit random labels even without weight decay within {scale.max_epochs} epochs: "
                f"this scale cannot tell what weight decay does ({not_fitted(plain)})"
            )
        check(
            DOES_NOT_CONVERGE.check,
            train_acc < FITS_RANDOM_LABELS,
            f"with weight decay {architecture} fitted random labels ({train_acc:.4f} training accuracy, statuses "
            f"{[r.history.status for r in results]}); the paper's failed to converge",
            statistic="lowest training accuracy on random labels",
            value=train_acc,
            threshold=f"< {FITS_RANDOM_LABELS}",
        )
        return
    check(
        FITS_WITH_DECAY.check,
        train_acc >= FITS_RANDOM_LABELS,
        f"with weight decay the network reached only {train_acc:.4f} training accuracy on random labels "
        f"(statuses {[r.history.status for r in results]}); the paper's networks reach at least {FITS_RANDOM_LABELS}",
        statistic="lowest training accuracy on random labels",
        value=train_acc,
        threshold=f">= {FITS_RANDOM_LABELS}",
    )


def g2_record(results, train_acc: float, paper, fails_in_paper: bool) -> dict:
    """G2's record: training accuracy on random labels with weight decay, beside Table 4's."""
    return dict(
        measured={
            "train acc (min over seeds)": train_acc,
            "status": [r.history.status for r in results],
            "epochs": epochs_to_fit(results),
            "test acc": pooled_accuracy(results)[0],
        },
        paper={"random-label train % with weight decay": "fails to converge" if fails_in_paper else paper},
        headline=[
            headline(
                "random labels with weight decay: training accuracy",
                train_acc,
                "did not converge" if fails_in_paper else paper / 100 if isinstance(paper, float) else paper,
                "percent",
                data_note(results),
            ),
        ],
        decided_by=decided_by(
            "lowest training accuracy over seeds",
            train_acc,
            f"{'<' if fails_in_paper else '>='} {FITS_RANDOM_LABELS:.0%}",
        ),
        runs=summarize_runs(results),
        **(G2_ALEXNET_DESIGN if fails_in_paper else G2_DESIGN).recorded({}),
    )


PAPER_G3 = {"test % with BN": TABLE_1[("inception", False, False)][1], "test % without BN": 82.00}
FIGURE_2B = "Figure 2b: Inception with and without BatchNorm (seed 0, no crop, no weight decay)"


@pytest.mark.start_early  # its two runs without BatchNorm (about 270 epochs each at default) are its own
@pytest.mark.claim("G3")
def test_batchnorm_is_only_a_mild_regularizer(scale, lab, record, check):
    """G3: Inception without BatchNorm still fits the training set and generalizes well; removing
    BatchNorm costs only a few points of test accuracy (Table 1, Figure 2b)."""
    skip_unless_ablated(scale, "inception_nobn", record)
    with_bn = lab.run_all([scale.experiment("inception", seed=s) for s in scale.ablation_seed_list()])
    without = {
        (False, decay): lab.run_all(
            [scale.experiment("inception_nobn", seed=s, weight_decay=decay) for s in scale.ablation_seed_list()]
        )
        for decay in (True, False)
    }
    bn_acc, _ = pooled_accuracy(with_bn)
    nobn_acc, _ = pooled_accuracy(without[(False, False)])
    cost = bn_acc - nobn_acc
    far_above = above_in_every_seed(seed_accuracies(without[(False, False)]), FAR_ABOVE_BOUND)
    record("inception without BatchNorm", **g3_record(scale, with_bn, without, bn_acc, nobn_acc, cost, far_above))
    check(FITS.check, not not_fitted(without[(False, False)]), f"did not fit: {not_fitted(without[(False, False)])}")
    check_far_above(check, far_above, "without BatchNorm the test accuracy")
    check(
        MILD.check,
        cost <= REGULARIZER_GAP_BOUND,
        f"removing BatchNorm costs {100 * cost:.1f} points of test accuracy: more than a mild regularizer "
        f"({100 * REGULARIZER_GAP_BOUND:.0f} points)",
        statistic="test accuracy with BatchNorm minus without (points)",
        value=100 * cost,
        threshold=f"<= {100 * REGULARIZER_GAP_BOUND:.0f}",
    )


def g3_record(scale, with_bn, without, bn_acc, nobn_acc, cost, far_above) -> dict:
    """G3's record: test accuracy with and without BatchNorm, Figure 2b's curves, the Table 1 rows."""
    first_bn, first_nobn = with_bn[0].history, without[(False, False)][0].history
    return dict(
        measured={
            "test acc with BatchNorm": bn_acc,
            "test acc without BatchNorm": nobn_acc,
            "cost of removing BatchNorm (points)": 100 * cost,
            "epochs to fit without BatchNorm": epochs_to_fit(without[(False, False)]),
        },
        paper=PAPER_G3,
        statistics={"without BatchNorm: far above chance": far_above},
        headline=[
            headline(
                "test accuracy with BatchNorm",
                bn_acc,
                paper_test("inception", False, False),
                "percent",
                data_note(with_bn),
            ),
            headline(
                "test accuracy without BatchNorm", nobn_acc, paper_test("inception_nobn", False, False), "percent"
            ),
        ],
        decided_by=decided_by(
            "cost of removing BatchNorm (points)", 100 * cost, f"<= {100 * REGULARIZER_GAP_BOUND:.0f}"
        ),
        figures={
            FIGURE_2B: {
                "xlabel": "epoch",
                "ylabel": "accuracy",
                "series": {
                    "with BN, train (running)": _curve(first_bn, "train_acc"),
                    "with BN, test": _curve(first_bn, "test_acc"),
                    "without BN, train (running)": _curve(first_nobn, "train_acc"),
                    "without BN, test": _curve(first_nobn, "test_acc"),
                },
            }
        },
        tables={TABLE_1_TITLE: {"columns": TABLE_1_COLUMNS, "rows": table_rows("inception_nobn", without, scale)}},
        runs=summarize_runs([r for rs in without.values() for r in rs]),
        **G3_DESIGN.recorded({FAR_ABOVE.check: far_above}),
    )


# Templates: {test_every} and {n_test} are the scale's, filled in by g4_record.
DEFINITIONS_G4 = {
    "held-out early-stopping gain": "per run, the test set split once into even- and odd-numbered images: the "
    "evaluation with the best accuracy on one half (evaluated every {test_every} epochs; the first of ties), "
    "measured on the other half against the final model, both ways; the mean over the {n_test} images of "
    "(right at the chosen evaluation - right at the end)",
    "decision": "pass when every run rejects 'gain >= 1 point' (one-sided z-test over held-out images, 0.01); "
    "fail when a run's gain is shown above 0 (0.01 over the runs) without being shown below 1 point; "
    "otherwise undecided",
    "oracle gain (reported)": "best test accuracy at any evaluation minus the final one, on the same images, "
    "against the best of k binomial readings of the final accuracy (the test G4 used before issue 28)",
}


@pytest.mark.claim("G4")
def test_early_stopping_would_not_have_helped(architecture, scale, lab, record, check):
    """G4: on CIFAR-10, the best test accuracy seen during training is no better than the final one
    (Figure 2): an epoch picked on half of the test set gains less than a point on the other half,
    every Table 1 setting, every seed."""
    skip_unless_ablated(scale, architecture, record)
    runs = ablation(scale, lab, architecture)
    everything = [r for rs in runs.values() for r in rs]
    held_out = {r.experiment.describe(): held_out_gain(r) for r in everything}
    record(architecture, **g4_record(scale, runs, everything, held_out))
    shown_below = max(t["p_value"] for t in held_out.values()) <= TREND_ALPHA
    shown_above = [run for run, t in held_out.items() if t["p_gain"] <= TREND_ALPHA / len(held_out)]
    gains = {run: round(100 * t["gain"], 2) for run, t in held_out.items()}
    if not shown_below and not shown_above:
        check.undecided(
            NO_EARLY_STOPPING_GAIN.check,
            f"held-out gains {gains} (points) are neither shown below {100 * EARLY_STOPPING_DELTA:g} point on every "
            f"run nor above 0 on any; more test images (a larger scale) would decide it",
            statistic="largest per-run p of 'gain >= 1 point'",
            value=max(t["p_value"] for t in held_out.values()),
            threshold=f"<= {TREND_ALPHA}",
        )
    check(
        NO_EARLY_STOPPING_GAIN.check,
        shown_below,
        f"early stopping gains more than nothing on held-out test images: {shown_above} (gains in points: {gains})",
        statistic="largest per-run p of 'gain >= 1 point'",
        value=max(t["p_value"] for t in held_out.values()),
        threshold=f"<= {TREND_ALPHA}",
    )


def held_out_gain(run: RunResult) -> dict:
    """One run's cross-fitted early-stopping gain (stats.held_out_early_stopping_gain)."""
    tested = [e for e in run.history.epochs if e.test_acc is not None]
    n = run.experiment.n_test
    correct = np.stack([unpack_hits(e.test_correct, n) for e in tested])
    result = held_out_early_stopping_gain(correct, EARLY_STOPPING_DELTA)
    return {**result, "chosen epochs": [tested[i].epoch for i in result["chosen evaluations (even half, odd half)"]]}


def g4_record(scale, runs, everything, held_out) -> dict:
    """G4's record: the held-out gain per run and its tests; the oracle gain and best-of-k noise, reported."""
    oracle = {setting: [_early_stopping_gain(r) for r in results] for setting, results in runs.items()}
    gain = mean_interval([t["gain"] for t in held_out.values()])
    noise = best_of_k_gain_test(
        [_early_stopping_gain(r) for r in everything],
        [r.test_acc for r in everything],
        [len(_test_readings(r)) for r in everything],
        scale.n_test,
    )
    return dict(
        measured={
            "held-out early-stopping gain per run (points)": {k: 100 * t["gain"] for k, t in held_out.items()},
            "held-out gain, mean over runs (points)": 100 * gain["mean"],
            **{f"oracle gain crop={c} wd={d} (points)": [round(100 * g, 2) for g in v] for (c, d), v in oracle.items()},
        },
        paper=FIGURE_2,
        statistics={
            **{f"held-out gain: {k}": t for k, t in held_out.items()},
            "oracle gain vs best-of-k noise (reported)": noise,
        },
        headline=[
            headline(
                "early-stopping gain on held-out test images",
                gain["mean"],
                "none",
                "percent",
                data_note(everything),
            ),
            headline("oracle gain (best - final, same images)", noise["mean_gain"], None, "percent"),
        ],
        decided_by=decided_by(
            "largest per-run p of 'gain >= 1 point'", max(t["p_value"] for t in held_out.values()), f"<= {TREND_ALPHA}"
        ),
        definitions={
            name: text.format(test_every=scale.test_every, n_test=scale.n_test) for name, text in DEFINITIONS_G4.items()
        },
        runs=summarize_runs(everything),
        **G4_DESIGN.recorded(
            {
                NO_EARLY_STOPPING_GAIN.check: {
                    "p_value": max(t["p_value"] for t in held_out.values()),
                    "smallest_attainable_p": 0.0,
                }
            }
        ),
    )


def paper_test(model: str, crop: bool, decay: bool) -> float | None:
    """The paper's Table 1 test accuracy of a setting, as a fraction."""
    test = TABLE_1.get((model, crop, decay), (None, None))[1]
    return test / 100 if test is not None else None


def _test_readings(result: RunResult) -> list[float]:
    return [e.test_acc for e in result.history.epochs if e.test_acc is not None]


def _early_stopping_gain(result: RunResult) -> float:
    return max(_test_readings(result)) - result.test_acc


def _curve(history: History, field: str) -> dict:
    points = [(e.epoch, getattr(e, field)) for e in history.epochs if getattr(e, field) is not None]
    return {"x": [x for x, _ in points], "y": [y for _, y in points]}
