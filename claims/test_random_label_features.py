"""Beyond the paper: Maennel et al. (2020), "What do neural networks learn when trained with random
labels?"

M1: training on random labels aligns the principal components of the first layer's weights with
those of the data. Measured on R1's random-label runs of the paper's MLPs (first layer fully
connected on the pixels): the share of the first layer's learnt change (final - initial weights) in the
span of the training inputs' top-k principal directions, per seed, against two nulls side by side: a
change isotropic within the span of the training inputs (k / rank; judged) and one built from random
combinations of them (the inputs' own share; reported) (rethink_core.alignment). M2 (positive transfer from random-label
pre-training) is not built: the paper says later layers can hide it, and it needs a second run per seed.
"""

from __future__ import annotations

import math

import pytest

from rethink_core.alignment import change_nulls
from rethink_core.experiment import prepared, summarize_runs
from rethink_core.models import MLPS
from rethink_core.paper import MAENNEL_ALIGNMENT
from rethink_core.plan import run_sequentially
from rethink_core.verdicts import data_note, headline, next_look_hint, plan_for

# The subspace M1 is judged on: the data's top 10 principal directions (fixed before any run; every run
# also records k = 1, 5, 20 and 50).
M1_K = 10


DEFINITIONS_M1 = {
    "share": "sum over hidden units of the squared norm of their incoming weights projected on the top-k "
    "principal directions of the training inputs, over the same sum unprojected",
    "change": "the first layer's final weights minus its initial ones: what training on random labels learnt",
    "null: isotropic in the span": "k / rank of the training inputs: the share of a change spread evenly over "
    "the span of the training inputs (every gradient step on the first layer lies in it)",
    "null: random combinations": "the training inputs' own share of energy in those directions: the share of a "
    "change built from random combinations of the inputs",
    "decision": "the plan of rethink_core/verdicts.py (PLANS['M1 alignment']): per seed, log2 of the change's "
    "share over the span null; pass when a one-sided t-test rejects 'no more than the null', fail when it "
    "rejects 'at least twice the null'; the combinations null is reported beside it, not judged",
}
# The figure's lines: the probe's key for each.
SERIES_M1 = (
    ("after training on random labels", "final"),
    ("at initialization", "initial"),
    ("random subspace (k/d)", "random_subspace"),
    ("the change (final - initial weights)", "change"),
)


@pytest.mark.claim("M1")
def test_random_labels_align_first_layer_with_data(architecture, scale, lab, record, check):
    """M1: what the first layer learns on random labels, its weights' change, puts more of its energy into
    the data's top-k principal directions than a change spread evenly over the inputs' span would, seed by seed."""
    skip_unless_mlp(architecture, record)
    plan, seeds = plan_for("M1 alignment", scale.max_seeds), scale.planned_seed_list()
    nulls = input_nulls(scale, lab, architecture)
    decision = run_sequentially(
        plan, seeds, lambda seed: log2_over_span(change_share(scale, lab, architecture, seed), nulls)
    )
    used = seeds[: decision.seeds_used] or scale.seed_list()
    runs = lab.run_all([scale.experiment(architecture, "random_labels", seed=s) for s in used])
    record(architecture, seeds=used, **plan.recorded(), **m1_record(architecture, runs, nulls))
    if not plan.decidable:  # by design (docs/claims.md, "Decisions"): one seed cannot show a per-seed effect
        pytest.skip(f"M1: {scale.max_seeds} seed(s) cannot reach {plan.alpha} with a test over seeds")
    hint = next_look_hint("M1 alignment", f"M1 and {architecture}", runs, len(used))
    check.decision("the change aligns with the data beyond its span", decision, hint)


def input_nulls(scale, lab, architecture: str) -> dict[str, float]:
    """The two nulls of :func:`rethink_core.alignment.change_nulls` on the run's training inputs, at M1_K."""
    exp = scale.experiment(architecture, "random_labels")
    inputs = prepared(exp.dataset, lab.root, lab.download, exp.n_train, exp.n_test)[0].x_train
    return change_nulls(inputs, M1_K)


def change_share(scale, lab, architecture: str, seed: int) -> float:
    """The share of one seed's first-layer change in the data's top M1_K directions."""
    probe = lab.run(scale.experiment(architecture, "random_labels", seed=seed)).probes["first_layer_alignment"]
    return probe["change"][probe["k"].index(M1_K)]


def log2_over_span(share: float, nulls: dict[str, float]) -> float:
    """One seed's statistic: log2 of the change's share over the span null."""
    return math.log2(share / nulls["span"])


def skip_unless_mlp(architecture: str, record) -> None:
    """Skip (recorded under M1) an architecture whose first layer is not fully connected on the pixels."""
    if architecture not in MLPS:
        record(architecture, measured={})
        pytest.skip(f"M1 measures a first layer fully connected on the pixels: the paper's MLPs, not {architecture}")


def m1_record(architecture: str, runs, nulls: dict[str, float]) -> dict:
    """M1's record: the change's share at M1_K per seed beside both nulls (and the whole weights' shares at
    initialization and at the end), and the curves over k."""
    probes = [r.probes["first_layer_alignment"] for r in runs]
    at = probes[0]["k"].index(M1_K)
    change = [p["change"][at] for p in probes]
    mean = sum(change) / len(change)
    beats = [name for name, share in nulls.items() if mean > share]
    return dict(
        measured={
            f"change's share in top {M1_K} directions, per seed": change,
            "null: isotropic in the span (k / rank)": nulls["span"],
            "null: random combinations of the inputs": nulls["combinations"],
            "mean share above": beats or "neither null",
            "whole weights' share, final per seed": [p["final"][at] for p in probes],
            "whole weights' share, initial per seed": [p["initial"][at] for p in probes],
            "per run": {r.experiment.describe(): p for r, p in zip(runs, probes, strict=True)},
        },
        paper=MAENNEL_ALIGNMENT,
        statistics={"alignment per run": probes},
        headline=[
            headline(
                f"energy of the learnt change in the data's top {M1_K} directions",
                mean,
                "aligned",
                "percent",
                data_note(runs, "CIFAR-10 and ImageNet"),
            ),
            headline("a change isotropic in the inputs' span (k / rank)", nulls["span"], None, "percent"),
            headline("a change of random combinations of the inputs", nulls["combinations"], None, "percent"),
        ],
        definitions=DEFINITIONS_M1,
        figures={
            f"M1: first-layer energy in the data's top-k directions ({architecture})": {
                "xlabel": "k (principal directions of the training inputs)",
                "ylabel": "share of first-layer weight energy",
                "xscale": "log",
                "series": {
                    name: {
                        "x": probes[0]["k"],
                        "y": [sum(p[key][j] for p in probes) / len(probes) for j in range(len(probes[0]["k"]))],
                        "points": [[kk, p[key][j]] for p in probes for j, kk in enumerate(p["k"])],
                    }
                    for name, key in SERIES_M1
                },
            }
        },
        runs=summarize_runs(runs),
    )
