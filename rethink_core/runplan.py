"""The plan of every run: the training runs each claim case needs at a scale, listed before any training.

A run's configuration depends only on the scale, the case and the seed (never on another run's
outcome), so the runs of a session can be written down before it trains: a planned case (one with an
analysis plan, rethink_core.verdicts.PLANS) at every seed it may use, up to the scale's ``max_seeds``
(an upper bound: it stops at the first look that decides). ``pytest claims --plan`` prints it for the
selected cases; benchmarks/estimate.py costs it; tests/test_rehearsal.py checks it against what a
rehearsal of the claims really trains. The theory claims T1-T4 train nothing through the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode

from rethink_core import models
from rethink_core.experiment import Experiment, RunResult
from rethink_core.paper import FIGURE_1A_VARIANTS, FIGURE_1B_MODELS
from rethink_core.scales import Scale
from rethink_core.user_models import is_user_model

Case = tuple[str, str | None]  # (claim id, the case's architecture or None)


def _r1(scale: Scale, arch: str) -> list[Experiment]:
    return [scale.experiment(arch, v, seed=s) for v in ("true_labels", "random_labels") for s in scale.seed_list()]


def _r2(scale: Scale, _: str | None) -> list[Experiment]:
    return [scale.experiment(scale.inputs_model, v, seed=s) for v in FIGURE_1A_VARIANTS for s in scale.seed_list()]


def _sweep(scale: Scale, arch: str, seeds: list[int]) -> list[Experiment]:
    """The label-noise sweep of Figure 1b (R3, R4, A1) for ``seeds``."""
    if arch not in FIGURE_1B_MODELS and not is_user_model(arch):
        return []
    return [scale.experiment(arch, "corrupt_labels", p, s) for p in scale.corruption_grid for s in seeds]


def _r3(scale: Scale, arch: str) -> list[Experiment]:
    return _sweep(scale, arch, scale.planned_seed_list())  # its trend is planned


def _r4(scale: Scale, arch: str) -> list[Experiment]:
    return _sweep(scale, arch, scale.seed_list())


def _a1(scale: Scale, arch: str) -> list[Experiment]:
    return [e for e in _sweep(scale, arch, scale.planned_seed_list()) if e.variant == "corrupt_labels"]


def _table_1(scale: Scale, arch: str) -> list[Experiment]:
    """G1 and G4: Table 1's cells of an ablated model."""
    if arch not in scale.ablation_models:
        return []
    cells = models.table_1_settings(arch)
    return [
        scale.experiment(arch, seed=s, crop=c, weight_decay=d) for c, d in cells for s in scale.ablation_seed_list()
    ]


def _g2(scale: Scale, arch: str) -> list[Experiment]:
    if arch not in scale.ablation_models:
        return []
    seeds = scale.ablation_seed_list()
    return [scale.experiment(arch, "random_labels", seed=s, weight_decay=d) for d in (True, False) for s in seeds]


def _g3(scale: Scale, _: str | None) -> list[Experiment]:
    if "inception_nobn" not in scale.ablation_models:
        return []
    pairs = [(m, d) for m in ("inception", "inception_nobn") for d in (True, False)]
    return [scale.experiment(m, seed=s, weight_decay=d) for m, d in pairs for s in scale.ablation_seed_list()]


def _a3(scale: Scale, _: str | None) -> list[Experiment]:
    if "mlp1x512" not in scale.architectures:
        return []
    cells = [(r, v) for r in (0.0, *models.DROPOUT_RATES) for v in ("true_labels", "random_labels")]
    return [scale.dropout_experiment(r, v, s) for r, v in cells for s in scale.planned_seed_list()]


def _m1(scale: Scale, arch: str) -> list[Experiment]:
    if arch not in models.MLPS:
        return []
    return [scale.experiment(arch, "random_labels", seed=s) for s in scale.planned_seed_list()]


def _double_descent(scale: Scale, _: str | None) -> list[Experiment]:
    if not scale.width_sweep or any(is_user_model(m) for m in scale.architectures):
        return []
    widths, seeds = scale.width_sweep.widths, scale.planned_seed_list()
    return [scale.width_sweep_experiment(w, noisy, s) for w in widths for noisy in (True, False) for s in seeds]


def _i1(scale: Scale, _: str | None) -> list[Experiment]:
    """Table 2: Inception V3's true-label cells and its random-label run without regularizers."""
    return [table_2_run(scale, cell, s) for cell in TABLE_2_CELLS for s in scale.ablation_seed_list()]


# Table 2's cells: (data augmentation, dropout, weight decay) on true labels, then random labels without any.
TABLE_2_CELLS = ((False, False, False), (True, False, False), (False, False, True), (True, True, True), "random labels")


def table_2_run(scale: Scale, cell: tuple[bool, bool, bool] | str, seed: int) -> Experiment:
    """One run of Table 2 (claim I1): Inception V3 with the cell's regularizers, or on random labels."""
    if cell == "random labels":
        return scale.experiment(scale.inputs_model, "random_labels", seed=seed)
    augment, dropout, decay = cell
    model = next(m for m, rate in models.INCEPTION_V3.items() if bool(rate) == dropout)
    return scale.experiment(model, seed=seed, crop=augment, weight_decay=decay)


# Each claim's runs for one of its cases (the architecture, where its test is parametrized by one).
RUNS_OF: dict[str, Callable[[Scale, str | None], list[Experiment]]] = {
    "R1": _r1,
    "R2": _r2,
    "R3": _r3,
    "R4": _r4,
    "G1": _table_1,
    "G2": _g2,
    "G3": _g3,
    "G4": _table_1,
    "A1": _a1,
    "A3": _a3,
    "M1": _m1,
    "D1": _double_descent,
    "D2": _double_descent,
    "I1": _i1,
}
PER_ARCHITECTURE = ("R1", "R3", "R4", "G1", "G2", "G4", "A1", "M1")


def every_case(scale: Scale) -> list[Case]:
    """Every (claim, architecture) case of the scale that trains through the store."""
    return [
        (claim, arch)
        for claim in RUNS_OF
        if scale.runs_claim(claim)
        for arch in (scale.architectures if claim in PER_ARCHITECTURE else [None])
    ]


def planned_runs(scale: Scale, cases: Iterable[Case] | None = None) -> list[Experiment]:
    """The runs of ``cases`` (default: every case of the scale), once each, in a stable order."""
    unique: dict[str, Experiment] = {}
    for claim, arch in every_case(scale) if cases is None else cases:
        for exp in RUNS_OF.get(claim, lambda *_: [])(scale, arch):
            unique.setdefault(exp.key(), exp)
    return list(unique.values())


INPUT_SHAPES = {
    "embedded": (1, 28, 28),
    "fashion-mnist": (1, 28, 28),
    "mnist": (1, 28, 28),
    "cifar10": (3, 28, 28),
    "imagenet": (3, 299, 299),
}
CLASSES = {"imagenet": 1000}  # classes where not 10


def input_shape(exp: Experiment) -> tuple[int, int, int]:
    """The shape a run's model sees: the data set's, or its streamed image size."""
    return (3, exp.image_size, exp.image_size) if exp.image_size else INPUT_SHAPES.get(exp.dataset, (1, 28, 28))


@cache
def flops_per_image(model: str, width: float, shape: tuple[int, int, int], classes: int = 10) -> tuple[float, float]:
    """(training, forward-only) FLOPs per image: one batch of 8 counted and divided."""
    net = models.build(model, shape, classes, width)
    x, y = torch.randn(8, *shape), torch.randint(0, classes, (8,))
    with FlopCounterMode(display=False) as counter:
        F.cross_entropy(net(x), y).backward()
    train = counter.get_total_flops() / 8
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net.eval()(x)
    return train, counter.get_total_flops() / 8


def run_flops(exp: Experiment, epochs: int) -> float:
    """A run's FLOPs over ``epochs``: training passes, the eval-mode passes over the training set
    (:func:`checked_epochs`) and the test evaluations."""
    train, forward = flops_per_image(exp.model, exp.width, input_shape(exp), CLASSES.get(exp.dataset, 10))
    evaluations = epochs // exp.hyper.test_every + 1
    return exp.n_train * (epochs * train + checked_epochs(exp, epochs) * forward) + evaluations * exp.n_test * forward


def checked_epochs(exp: Experiment, epochs: int) -> int:
    """Epochs with an eval-mode pass over the training set, at most: every epoch (it starts at 90% running
    accuracy, an upper bound), or only the last where the check waits for 100% (ImageNet: check_from 1.0)."""
    return 1 if exp.hyper.check_from >= 1.0 else epochs


def plan_table(scale: Scale, cases: Iterable[Case], stored: Callable[[Experiment], RunResult | None]) -> list[str]:
    """What ``pytest --plan`` prints: per claim, the runs its selected cases need, how many are stored,
    and the FLOPs still to train at the epoch cap (an upper bound: runs stop when they fit), with the
    training time that takes at each model's throughput measured by its stored runs."""
    cases = sorted(set(cases), key=lambda c: (c[0], c[1] or ""))
    everything = planned_runs(scale, cases)
    found = {exp.key(): stored(exp) for exp in everything}
    todo = [e for e in everything if found[e.key()] is None]
    lines = [f"{'claim':<6}{'runs':>6}{'stored':>8}{'to train':>10}{'TFLOP (cap)':>13}"]
    for claim in dict.fromkeys(c for c, _ in cases):
        runs = planned_runs(scale, [c for c in cases if c[0] == claim])
        if runs:  # the theory claims T1-T4 train nothing through the store
            left = [e for e in runs if found[e.key()] is None]
            flops = sum(run_flops(e, e.hyper.max_epochs) for e in left)
            lines.append(f"{claim:<6}{len(runs):>6}{len(runs) - len(left):>8}{len(left):>10}{flops / 1e12:>13.1f}")
    flops = sum(run_flops(e, e.hyper.max_epochs) for e in todo)
    rates = measured_rates(everything, found)
    timed = [e for e in todo if (e.model, e.width) in rates]
    minutes = sum(run_flops(e, e.hyper.max_epochs) / rates[e.model, e.width] for e in timed) / 60
    lines.append(
        f"all: {len(everything)} runs (shared runs once), {len(everything) - len(todo)} stored, {len(todo)} to "
        f"train, {flops / 1e12:.1f} TFLOP at the epoch cap"
    )
    if todo:
        lines.append(
            f"at most {minutes:.0f} min of training for the {len(timed)} of them whose model has a stored run "
            f"(its throughput); {len(todo) - len(timed)} without one"
        )
    return lines


def measured_rates(runs: list[Experiment], found: dict) -> dict[tuple, float]:
    """FLOP/s of each (model, width) over its stored runs among ``runs``."""
    flops: dict[tuple, float] = {}
    seconds: dict[tuple, float] = {}
    for exp in runs:
        if (result := found[exp.key()]) is not None and result.seconds > 0:
            key = (exp.model, exp.width)
            flops[key] = flops.get(key, 0.0) + run_flops(exp, len(result.history.epochs))
            seconds[key] = seconds.get(key, 0.0) + result.seconds
    return {key: flops[key] / seconds[key] for key in flops}
