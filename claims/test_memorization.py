"""Beyond the paper: Arpit et al. (2017), "A closer look at memorization in deep networks".

A1 (Sections 3-4): with part of the labels corrupted, networks fit the examples whose label was kept
before those whose label was changed; at the epoch of best test accuracy the kept examples are mostly
fit and the changed ones mostly not. The runs are the label-noise sweep's (R3, R4), every level
strictly between 0 and 1; each run records, per epoch, its accuracy on the kept and changed examples.
The seed is the unit: one lag per seed, judged by an analysis plan that adds seeds look by look.
A3 (abstract): dropout degrades training on random labels far more than it degrades test accuracy on
real labels. The MLP 1x512 with dropout (0.5) on its hidden layer, trained for as many epochs as the
same network without dropout needed to fit random labels (same seed; R1's run).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from rethink_core.experiment import Experiment, RunResult, summarize_runs
from rethink_core.models import DROPOUT
from rethink_core.paper import ARPIT_CLEAN_FIRST, ARPIT_DROPOUT, FIGURE_1B_MODELS
from rethink_core.plan import run_sequentially
from rethink_core.stats import paired_order_test, proportions_contrast
from rethink_core.user_models import is_user_model
from rethink_core.verdicts import TREND_ALPHA, data_note, decided_by, headline, next_look_hint, plan_for, pooled_correct

# A1: "mostly fit" and "mostly not": at the epoch of best test accuracy, more than half of the kept
# examples and fewer than half of the changed ones are classified as labelled (means over runs).
MOSTLY = 0.5
# A3: "far more": the training accuracy dropout costs on random labels must exceed the test accuracy it
# costs on real labels by more than 10 points (and itself be more than 10 points). A 10-point loss of
# memorization against no loss of test accuracy is the smallest effect we would call "degrading training
# on noise without compromising generalization"; under it the two costs are comparable.
FAR_MORE = 0.10

FIT_EPOCH = (
    "the first epoch after which every example of the subset was classified as labelled, in the training "
    "pass (weights changing) or in the eval-mode check of the whole training set, whichever came first; a "
    "run that never fit the subset counts as one epoch past its end"
)


def fit_epoch(run: RunResult, subset: str) -> int:
    """When ``run`` first had all of ``subset`` right (:data:`FIT_EPOCH`)."""
    for row in run.history.epochs:
        if (row.subset_acc or {}).get(subset) == 1.0 or (row.subset_acc_eval or {}).get(subset) == 1.0:
            return row.epoch
    return len(run.history.epochs) + 1


def at_best_test(run: RunResult) -> dict:
    """The epoch of ``run``'s best test accuracy (first of ties) and its kept and changed accuracy there."""
    tested = [row for row in run.history.epochs if row.test_acc is not None]
    best = max(tested, key=lambda row: row.test_acc)
    return {"epoch": best.epoch, "test_acc": best.test_acc, **(best.subset_acc or {})}


def corrupted_runs(scale, lab, architecture: str, seeds: list[int]) -> dict[float, list[RunResult]]:
    """The sweep's runs at every corruption level strictly between 0 and 1, for ``seeds`` (R3's runs)."""
    if architecture not in FIGURE_1B_MODELS and not is_user_model(architecture):
        pytest.skip(f"the label-noise sweep trains only {', '.join(FIGURE_1B_MODELS)}")
    levels = [p for p in scale.corruption_grid if 0.0 < p < 1.0]
    return {
        p: lab.run_all([scale.experiment(architecture, "corrupt_labels", p, seed) for seed in seeds]) for p in levels
    }


def seed_lag(runs: dict[float, list[RunResult]]) -> float:
    """One seed's statistic: epochs from all kept to all changed labels fit, mean over the levels."""
    lags = [fit_epoch(r, "changed") - fit_epoch(r, "kept") for rs in runs.values() for r in rs]
    return sum(lags) / len(lags)


DEFINITIONS_A1 = {
    "epoch a subset is fit": FIT_EPOCH,
    "kept / changed": "training examples whose corrupted label equals / differs from the true one",
    # a template: {test_every} is the scale's, filled in by a1_record
    "accuracy at best test epoch": "running accuracy of the training pass on the subset, in the epoch "
    "of the run's best test accuracy (the test set is evaluated every {test_every} epochs)",
    "decision": "the plan of rethink_core/verdicts.py (PLANS['A1 kept before changed']): per seed, the mean "
    "over 0 < p < 1 of the epochs from all kept to all changed labels fit; pass when a one-sided t-test "
    "rejects 'no lag', fail when it rejects 'a lag of at least the SESOI, 1 epoch'; looks at 2, 3, 4 (paper: "
    "and 8) seeds, 0.01 split equally over them",
}


@pytest.mark.claim("A1")
def test_kept_labels_are_fit_before_changed_ones(architecture, scale, lab, record, check):
    """A1: the examples whose label the corruption kept are all fit epochs before the changed ones, seed
    by seed, and at the epoch of best test accuracy the kept ones are mostly fit, the changed ones mostly not."""
    plan, seeds = plan_for("A1 kept before changed", scale.max_seeds), scale.planned_seed_list()
    decision = run_sequentially(plan, seeds, lambda seed: seed_lag(corrupted_runs(scale, lab, architecture, [seed])))
    used = seeds[: decision.seeds_used] or scale.seed_list()
    runs = corrupted_runs(scale, lab, architecture, used)
    everything = [r for rs in runs.values() for r in rs]
    best = [at_best_test(r) for r in everything]
    at_best = [sum(b["kept"] for b in best) / len(best), sum(b["changed"] for b in best) / len(best)]
    record(architecture, seeds=used, **a1_record(scale, architecture, runs, everything, best, at_best, decision))
    if not plan.decidable:  # by design (docs/claims.md, "Decisions"): one seed cannot show a per-seed effect
        pytest.skip(f"A1: {scale.max_seeds} seed(s) cannot reach {plan.alpha} with a test over seeds")
    hint = next_look_hint("A1 kept before changed", f"A1 and {architecture}", everything, len(used))
    check.decision("changed labels fit later than kept", decision, hint)
    check(
        "kept mostly fit, changed mostly not, at the best test epoch",
        at_best[0] > MOSTLY > at_best[1],
        f"at the best test epoch the kept labels are {at_best[0]:.1%} fit and the changed ones {at_best[1]:.1%}: "
        f"not 'kept mostly fit, changed mostly not' (threshold {MOSTLY:.0%})",
    )


def a1_record(scale, architecture: str, runs, everything, best, at_best, decision) -> dict:
    """A1's record: fit epochs per run, the per-seed lags the plan decided on, accuracy at the best test
    epoch, and one run's curves (at the level nearest Arpit et al.'s example, 0.4)."""
    kept_at_best, changed_at_best = at_best
    kept = [fit_epoch(r, "kept") for r in everything]
    changed = [fit_epoch(r, "changed") for r in everything]
    gap = paired_order_test([b["kept"] - b["changed"] for b in best])
    shown_p = min(runs, key=lambda p: abs(p - 0.4))  # Arpit et al.'s example level
    shown = runs[shown_p][0]
    return dict(
        measured={
            "epochs to fit kept / changed, per run": {
                r.experiment.describe(): [k, c] for r, k, c in zip(everything, kept, changed, strict=True)
            },
            "kept / changed accuracy at best test epoch (means)": [kept_at_best, changed_at_best],
            "epochs from all kept to all changed fit, mean over levels, per seed": list(decision.values),
        },
        paper=ARPIT_CLEAN_FIRST,
        statistics={"kept more fit at best test epoch (per run, reported)": gap},
        headline=[
            headline(
                "epochs from all kept to all changed fit (mean)",
                sum(c - k for k, c in zip(kept, changed, strict=True)) / len(kept),
                "clean first",
                "number",
                data_note(everything, "CIFAR-10 and MNIST"),
            ),
            headline("kept labels fit at best test epoch", kept_at_best, "mostly", "percent"),
            headline("changed labels fit at best test epoch", changed_at_best, "mostly not", "percent"),
        ],
        decided_by=decided_by(
            "one-sided t-test p over per-seed lags (changed fit later)",
            decision.p_effect or 1.0,
            f"<= {decision.level:.3g}",
        ),
        definitions={name: text.format(test_every=scale.test_every) for name, text in DEFINITIONS_A1.items()},
        figures={
            f"A1: kept vs changed labels ({architecture}, p = {shown_p:g}, seed {shown.experiment.seed})": {
                "xlabel": "epoch",
                "ylabel": "training-pass accuracy on the subset",
                "series": {
                    subset: {
                        "x": [row.epoch for row in shown.history.epochs],
                        "y": [(row.subset_acc or {}).get(subset) for row in shown.history.epochs],
                    }
                    for subset in ("kept", "changed")
                },
            }
        },
        runs=summarize_runs(everything),
    )


CASE_A3 = f"mlp1x512 + dropout {DROPOUT:g}"
DEFINITIONS_A3 = {
    "budget": "epochs the MLP without dropout needed to fit random labels (same seed, R1's run); both "
    "dropout runs train at most that long",
    "memorization cost": "eval-mode training accuracy on random labels without dropout minus with it, "
    "pooled over seeds",
    "generalization cost": "test accuracy on true labels without dropout (trained to fit) minus with it",
}


@pytest.mark.claim("A3")
def test_dropout_slows_memorization_more_than_learning(scale, lab, record, check):
    """A3: with dropout, the training accuracy reached on random labels in the time the network without
    dropout needs to fit them falls by far more than the test accuracy on real labels does."""
    skip_without_mlp1x512(scale, record)
    seeds = scale.seed_list()
    plain_random = lab.run_all([scale.experiment("mlp1x512", "random_labels", seed=s) for s in seeds])
    plain_true = lab.run_all([scale.experiment("mlp1x512", "true_labels", seed=s) for s in seeds])
    budgeted = [(s, len(r.history.epochs)) for s, r in zip(seeds, plain_random, strict=True)]
    dropout_random = lab.run_all([with_dropout(scale, "random_labels", s, b) for s, b in budgeted])
    dropout_true = lab.run_all([with_dropout(scale, "true_labels", s, b) for s, b in budgeted])
    memorization = [counts_on_training_set(plain_random), counts_on_training_set(dropout_random)]
    generalization = [pooled_correct(plain_true), pooled_correct(dropout_true)]
    memorization_cost, difference = dropout_costs(memorization, generalization)
    generalization_cost = memorization_cost["estimate"] - difference["estimate"]
    runs = (plain_random, dropout_random, plain_true, dropout_true)
    costs = (memorization_cost, difference, generalization_cost)
    record(CASE_A3, **a3_record(seeds, runs, memorization, generalization, costs))
    check(
        "dropout costs more than 10 points of memorization",
        memorization_cost["p_value"] < TREND_ALPHA,
        f"dropout cost only {memorization_cost['estimate']:.1%} of training accuracy on random labels: not more "
        f"than {FAR_MORE:.0%} (one-sided p = {memorization_cost['p_value']:.3g})",
        statistic="one-sided z-test p, memorization cost > 10 points",
        value=memorization_cost["p_value"],
        threshold=f"< {TREND_ALPHA}",
    )
    assert difference["p_value"] < TREND_ALPHA, (
        f"dropout cost {memorization_cost['estimate']:.1%} of memorization and {generalization_cost:.1%} of test "
        f"accuracy: the difference is not more than {FAR_MORE:.0%} (one-sided p = {difference['p_value']:.3g})"
    )


def skip_without_mlp1x512(scale, record) -> None:
    """Skip (recorded under A3) where the scale does not train the MLP 1x512 that A3 adds dropout to."""
    if "mlp1x512" not in scale.architectures:
        record("mlp1x512", measured={})
        pytest.skip(f"A3 adds dropout to the paper's MLP 1x512, which scale {scale.name!r} does not run")


def dropout_costs(memorization: list, generalization: list) -> tuple[dict, dict]:
    """One-sided tests, from (right, total) counts without and with dropout, that dropout's memorization
    cost exceeds FAR_MORE, and that it exceeds the generalization cost by more than FAR_MORE."""
    memorization_cost = proportions_contrast([(1, *memorization[0]), (-1, *memorization[1])], above=FAR_MORE)
    difference = proportions_contrast(
        [(1, *memorization[0]), (-1, *memorization[1]), (-1, *generalization[0]), (1, *generalization[1])],
        above=FAR_MORE,
    )
    return memorization_cost, difference


def a3_record(seeds, runs, memorization, generalization, costs) -> dict:
    """A3's record: the budgets, both costs and their tests, and the first seed's random-label curves."""
    plain_random, dropout_random, plain_true, dropout_true = runs
    memorization_cost, difference, generalization_cost = costs
    return dict(
        measured={
            "budget (epochs) per seed": [len(r.history.epochs) for r in plain_random],
            "train acc on random labels without / with dropout": [k / n for k, n in memorization],
            "test acc on true labels without / with dropout": [k / n for k, n in generalization],
            "memorization cost": memorization_cost["estimate"],
            "generalization cost": generalization_cost,
        },
        paper=ARPIT_DROPOUT,
        statistics={
            "memorization cost > FAR_MORE": memorization_cost,
            "memorization cost - generalization cost > FAR_MORE": difference,
        },
        headline=[
            headline(
                "training accuracy on random labels lost to dropout",
                memorization_cost["estimate"],
                "degraded",
                "percent",
                data_note(plain_random, "MNIST and CIFAR-10"),
            ),
            headline("test accuracy on true labels lost to dropout", generalization_cost, "not compromised", "percent"),
        ],
        decided_by=decided_by("one-sided p (cost difference > 10 points)", difference["p_value"], f"< {TREND_ALPHA}"),
        definitions=DEFINITIONS_A3,
        figures={
            f"A3: random labels with and without dropout (seed {seeds[0]})": {
                "xlabel": "epoch",
                "ylabel": "training-pass accuracy (random labels)",
                "series": {
                    name: {"x": [e.epoch for e in r.history.epochs], "y": [e.train_acc for e in r.history.epochs]}
                    for name, r in (("MLP 1x512", plain_random[0]), (f"with dropout {DROPOUT:g}", dropout_random[0]))
                },
            }
        },
        runs=summarize_runs(plain_random + dropout_random + plain_true + dropout_true),
    )


def with_dropout(scale, variant: str, seed: int, epochs: int) -> Experiment:
    """The scale's MLP 1x512 with dropout on ``variant``, trained for at most ``epochs`` epochs."""
    exp = scale.experiment("mlp1x512_dropout", variant, seed=seed)
    return replace(exp, hyper=replace(exp.hyper, max_epochs=epochs))


def counts_on_training_set(runs: list[RunResult]) -> tuple[int, int]:
    """Training examples classified as labelled at the end (eval mode), and training examples, over runs."""
    n = sum(r.experiment.n_train for r in runs)
    return round(sum(r.train_acc * r.experiment.n_train for r in runs)), n
