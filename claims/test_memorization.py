"""Beyond the paper: Arpit et al. (2017), "A closer look at memorization in deep networks".

A1 (Sections 3-4): with part of the labels corrupted, networks fit the examples whose label was kept
before those whose label was changed; at the epoch of best test accuracy the kept examples are mostly
fit and the changed ones mostly not. The runs are the label-noise sweep's (R3, R4), every level
strictly between 0 and 1; each run records, per epoch, its accuracy on the kept and changed examples.
The seed is the unit: one lag per seed, judged by an analysis plan that adds seeds look by look.
A3 (abstract): dropout degrades training on random labels far more than it degrades test accuracy on
real labels. The MLP 1x512 without dropout and with dropout on its hidden layer at each rate of a grid
fixed before the runs (0.5, 0.7, 0.9: the claim is for a tuned rate), every run within the scale's epoch
budget; one statistic per seed and rate, a third of the level per rate.
"""

from __future__ import annotations

from itertools import chain

import pytest

from rethink_core.experiment import RunResult, summarize_runs
from rethink_core.models import DROPOUT, DROPOUT_RATES
from rethink_core.paper import ARPIT_CLEAN_FIRST, ARPIT_DROPOUT, FIGURE_1B_MODELS
from rethink_core.plan import run_any, run_sequentially
from rethink_core.stats import paired_order_test
from rethink_core.user_models import is_user_model
from rethink_core.verdicts import data_note, decided_by, headline, next_look_hint, plan_for

# A1: "mostly fit" and "mostly not": at the epoch of best test accuracy, more than half of the kept
# examples and fewer than half of the changed ones are classified as labelled (means over runs).
MOSTLY = 0.5

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
    record(
        architecture,
        seeds=used,
        **plan.recorded(),
        **a1_record(scale, architecture, runs, everything, best, at_best, decision),
    )
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


CASE_A3 = "mlp1x512 + dropout " + ", ".join(f"{r:g}" for r in DROPOUT_RATES)
DEFINITIONS_A3 = {
    "budget": "every A3 run (with and without dropout, random and true labels) trains for at most the scale's "
    "dropout_epochs (fixed per scale, whatever any other run did), or until it fits",
    "memorization cost": "eval-mode training accuracy on random labels without dropout minus with it, same seed",
    "generalization cost": "test accuracy on true labels without dropout minus with it, same seed",
    "decision": "the plan of rethink_core/verdicts.py (PLANS['A3 dropout costs memorization more']), one per "
    "rate at a third of 0.01: per seed, memorization cost minus generalization cost; the claim passes where "
    "some rate passes (rejects 'no difference'), fails where every rate fails (rejects 'a difference of at "
    "least the SESOI, 10 points')",
}


@pytest.mark.claim("A3")
def test_dropout_slows_memorization_more_than_learning(scale, lab, record, check):
    """A3: at some rate of the grid, dropout costs far more training accuracy on random labels than test
    accuracy on real labels, within the same epoch budget, seed by seed."""
    skip_without_mlp1x512(scale, record)
    plans = {rate: plan_for("A3 dropout costs memorization more", scale.max_seeds) for rate in DROPOUT_RATES}
    decision, by_rate = run_any(plans, scale.planned_seed_list(), lambda seed: cost_differences(scale, lab, seed))
    used = scale.planned_seed_list()[: decision.seeds_used] or scale.seed_list()
    runs = {(rate, v): [lab.run(scale.dropout_experiment(rate, v, s)) for s in used] for rate, v in a3_cells()}
    record(CASE_A3, seeds=used, **plans[DROPOUT].recorded(), **a3_record(scale, used, runs, by_rate))
    if not plans[DROPOUT].decidable:  # by design (docs/claims.md, "Decisions"): one seed cannot show it
        pytest.skip(f"A3: {scale.max_seeds} seed(s) cannot reach {plans[DROPOUT].alpha} with a test over seeds")
    hint = next_look_hint("A3 dropout costs memorization more", "A3", list(chain(*runs.values())), len(used))
    check.decision("dropout costs memorization more than generalization", decision, hint)


def a3_cells() -> list[tuple[float, str]]:
    """A3's runs of one seed: (dropout rate, 0 for none; variant)."""
    return [(rate, v) for rate in (0.0, *DROPOUT_RATES) for v in ("random_labels", "true_labels")]


def cost_differences(scale, lab, seed: int) -> dict[float, float]:
    """One seed's statistic per rate: memorization cost minus generalization cost."""
    run = dict(zip(a3_cells(), lab.run_all([scale.dropout_experiment(r, v, seed) for r, v in a3_cells()]), strict=True))
    costs = {rate: dropout_costs(run, rate) for rate in DROPOUT_RATES}
    return {rate: memorization - generalization for rate, (memorization, generalization) in costs.items()}


def dropout_costs(run: dict, rate: float) -> tuple[float, float]:
    """(memorization cost, generalization cost) of dropout ``rate`` on one seed's runs."""
    return (
        run[0.0, "random_labels"].train_acc - run[rate, "random_labels"].train_acc,
        run[0.0, "true_labels"].test_acc - run[rate, "true_labels"].test_acc,
    )


def skip_without_mlp1x512(scale, record) -> None:
    """Skip (recorded under A3) where the scale does not train the MLP 1x512 that A3 adds dropout to."""
    if "mlp1x512" not in scale.architectures:
        record("mlp1x512", measured={})
        pytest.skip(f"A3 adds dropout to the paper's MLP 1x512, which scale {scale.name!r} does not run")


def a3_record(scale, seeds, runs, by_rate) -> dict:
    """A3's record: each rate's costs per seed and its plan's decision, and the first seed's curves."""
    per_seed = [{(r, v): rs[i] for (r, v), rs in runs.items()} for i in range(len(seeds))]
    costs = {f"{rate:g}": [dropout_costs(run, rate) for run in per_seed] for rate in DROPOUT_RATES}
    mean = {rate: [sum(c[i] for c in cs) / len(cs) for i in (0, 1)] for rate, cs in costs.items()}
    best = max(mean, key=lambda rate: mean[rate][0] - mean[rate][1])
    return dict(
        measured={
            "budget (epochs)": scale.dropout_epochs,
            "memorization cost, generalization cost per seed, by rate": costs,
            "train acc on random labels without dropout, per seed": [r.train_acc for r in runs[0.0, "random_labels"]],
            "test acc on true labels without dropout, per seed": [r.test_acc for r in runs[0.0, "true_labels"]],
        },
        paper=ARPIT_DROPOUT,
        statistics={f"rate {rate:g}: plan's decision": d.as_dict() for rate, d in by_rate.items()},
        headline=[
            headline(
                f"training accuracy on random labels lost to dropout {best}",
                mean[best][0],
                "degraded",
                "percent",
                data_note(runs[0.0, "random_labels"], "MNIST and CIFAR-10"),
            ),
            headline(
                f"test accuracy on true labels lost to dropout {best}", mean[best][1], "not compromised", "percent"
            ),
        ],
        definitions=DEFINITIONS_A3,
        figures={
            f"A3: random labels with and without dropout (seed {seeds[0]})": {
                "xlabel": "epoch",
                "ylabel": "training-pass accuracy (random labels)",
                "series": {
                    (f"dropout {rate:g}" if rate else "MLP 1x512"): {
                        "x": [e.epoch for e in runs[rate, "random_labels"][0].history.epochs],
                        "y": [e.train_acc for e in runs[rate, "random_labels"][0].history.epochs],
                    }
                    for rate in (0.0, *DROPOUT_RATES)
                },
            }
        },
        runs=summarize_runs(list(chain(*runs.values()))),
    )
