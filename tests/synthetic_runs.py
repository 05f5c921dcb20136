"""Synthetic runs for unit tests of the claims' judges: a :class:`RunResult` built for an
:class:`Experiment` without training, a lab that answers every experiment from such runs, and the
``record`` and ``check`` fixtures on a stand-in test node (the real :class:`~rethink_core.plugin.Checker`).

A synthetic run keeps the trainer's design (rethink_core/train.py): it stops at the epoch it fits or,
unfitted, at its experiment's epoch cap; the eval-mode accuracies are recorded from ``check_from`` on
and at the last epoch; the test set is evaluated every ``test_every`` epochs and at the last; corrupted
and random labels carry the accuracy of their kept and changed subsets.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import ModuleType

import pytest

from rethink_core.experiment import Experiment, RunResult
from rethink_core.plugin import RECORD, Checker, junit_properties
from rethink_core.scales import Scale
from rethink_core.train import DIVERGED, FITTED, NOT_CONVERGED, Epoch, History

CLAIMS = Path(__file__).resolve().parent.parent / "claims"
PLATEAU_LOSS = 2.31  # about ln(10): the loss of guessing, before a run starts converging
# Per-seed offsets, in units of a case's spread: the first planned seed has the largest, and no two of
# the first three are equal (a t-test on tied values falls back to the exact test, rethink_core.plan.t_p).
JITTER = (1.0, 0.0, -1.0, 0.5, -0.5, 0.25, -0.25, 0.75)

Outcome = Callable[[Experiment], RunResult]


def claim_module(name: str) -> ModuleType:
    """A module of ``claims/`` (which is not a package), loaded by path, as tests load ``tools/``."""
    spec = importlib.util.spec_from_file_location(f"claims.{name}", CLAIMS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def per_seed(scale: Scale, seed: int, center: float, spread: float) -> float:
    """A per-seed value: ``center`` plus this seed's :data:`JITTER` times ``spread``."""
    return center + spread * JITTER[(seed - scale.first_seed) % len(JITTER)]


# ----------------------------------------------------------------------------- runs


def synthetic_run(
    exp: Experiment,
    fit_epoch: int | None,
    *,
    reached: float = 0.5,
    test_acc: float | Callable[[int], float] = 0.8,
    onset: int = 1,
    subset_acc: dict[str, Callable[[int], float]] | None = None,
    probes: dict | None = None,
) -> RunResult:
    """``exp``'s run, fitted at ``fit_epoch`` (at most the cap), or (None) stopped unfitted at the cap with
    eval-mode training accuracy ``reached``. ``test_acc``: the test accuracy, or a function of the epoch;
    ``onset``: the first epoch whose loss is below the plateau of guessing; ``subset_acc``: each label
    subset's ("kept", "changed") training-pass accuracy by epoch (default: rising linearly to the last's)."""
    cap = exp.hyper.max_epochs
    if fit_epoch is not None and not 1 <= fit_epoch <= cap:
        raise ValueError(f"{exp.describe()}: fits at epoch {fit_epoch}, outside its cap 1-{cap}")
    if callable(test_acc) or subset_acc is not None:
        history = _history(exp, fit_epoch, reached, test_acc, onset, subset_acc)
    else:  # the common case, shared by every run and test that asks for it (no claim changes a run)
        history = _plain_history(exp, fit_epoch, reached, test_acc, onset)
    return RunResult(
        experiment=exp,
        history=history,
        device="cpu",
        seconds=sum(e.seconds for e in history.epochs),
        num_params=0,
        trained_at="2026-01-01T00:00:00+00:00",
        versions={},
        test_confusion=confusion(history.epochs[-1].test_acc, exp.n_test),
        probes=probes or {},
        precision="float32",
    )


def _history(
    exp: Experiment,
    fit_epoch: int | None,
    reached: float,
    test_acc: float | Callable[[int], float],
    onset: int,
    subset_acc: dict[str, Callable[[int], float]] | None,
) -> History:
    last = fit_epoch or exp.hyper.max_epochs

    def linear(t: int) -> float:
        return t / last if fit_epoch else reached * t / last

    if exp.variant not in ("corrupt_labels", "random_labels"):
        subset_acc = None
    elif subset_acc is None:
        subset_acc = {"kept": linear, "changed": linear}
    acc = test_acc if callable(test_acc) else (lambda _: test_acc)
    epochs = [_epoch(exp, t, last, fit_epoch is not None, reached, acc, onset, subset_acc) for t in range(1, last + 1)]
    return History(FITTED if fit_epoch is not None else NOT_CONVERGED, epochs, steps_per_epoch=1)


@lru_cache(maxsize=512)
def _plain_history(exp: Experiment, fit_epoch: int | None, reached: float, test_acc: float, onset: int) -> History:
    return _history(exp, fit_epoch, reached, test_acc, onset, None)


def diverged(run: RunResult) -> RunResult:
    """``run`` with its loss no longer finite in its last epoch, where the trainer then stops (no eval check)."""
    last = replace(run.final, loss=math.nan, train_acc=0.1, train_acc_eval=None, subset_acc_eval=None)
    return replace(run, history=replace(run.history, status=DIVERGED, epochs=[*run.history.epochs[:-1], last]))


def _epoch(
    exp: Experiment,
    t: int,
    last: int,
    fitted: bool,
    reached: float,
    test_acc: Callable[[int], float],
    onset: int,
    subset_acc: dict[str, Callable[[int], float]] | None,
) -> Epoch:
    """Row ``t`` of a run: accuracies rising linearly to the last epoch's, as the trainer records them."""
    hyper, at_end = exp.hyper, t == last
    running = t / last if fitted else reached * t / last
    checked = running >= hyper.check_from or at_end
    subsets = {name: curve(t) for name, curve in subset_acc.items()} if subset_acc else None
    return Epoch(
        epoch=t,
        loss=PLATEAU_LOSS if t < onset else 2.0 * 0.97 ** (t - onset),
        train_acc=running,
        test_acc=test_acc(t) if t % hyper.test_every == 0 or at_end else None,
        lr=hyper.lr,
        seconds=0.01,
        train_acc_eval=(1.0 if fitted and at_end else running) if checked else None,
        subset_acc=subsets,
        subset_acc_eval=(
            {k: 1.0 if fitted and at_end else v for k, v in subsets.items()} if subsets and checked else None
        ),
    )


def confusion(accuracy: float, n: int, classes: int = 10) -> list[list[int]]:
    """A test confusion matrix of ``n`` predictions at ``accuracy``: each class's errors go to the next class."""
    per_class = n // classes
    right = round(accuracy * per_class)
    return [
        [right if j == i else per_class - right if j == (i + 1) % classes else 0 for j in range(classes)]
        for i in range(classes)
    ]


# ----------------------------------------------------------------------------- the lab and the fixtures


@dataclass
class FakeLab:
    """The interface of :class:`rethink_core.experiment.Lab` the claims use, answering each experiment
    from ``outcome(exp)`` with no training; like the store, once per experiment."""

    outcome: Outcome
    root: str | None = None
    download: bool = False
    asked: list[Experiment] = field(default_factory=list)
    results: dict[Experiment, RunResult] = field(default_factory=dict)

    def run(self, exp: Experiment) -> RunResult:
        self.asked.append(exp)
        if exp not in self.results:
            self.results[exp] = self.outcome(exp)
        return self.results[exp]

    def run_all(self, experiments: list[Experiment]) -> list[RunResult]:
        return [self.run(exp) for exp in experiments]


@dataclass
class FakeNode:
    """What the ``record`` and ``check`` fixtures use of a pytest item."""

    nodeid: str
    stash: pytest.Stash = field(default_factory=pytest.Stash)
    user_properties: list[tuple[str, str]] = field(default_factory=list)
    markers: list[pytest.MarkDecorator] = field(default_factory=list)

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker)


def recorder(node: FakeNode, claim: str, scale: Scale) -> Callable[..., None]:
    """The ``record`` fixture (rethink_core.plugin.record) on ``node``. Declared deviations
    (rethink_core.deviations) are not applied: these tests judge the checks themselves."""

    def record(case: str, measured: dict, paper: dict | str | None = None, **extra: object) -> None:
        entry = {"claim": claim, "case": case, "measured": measured, "paper": paper, "scale": scale.name, **extra}
        node.stash[RECORD] = entry
        node.user_properties.extend(junit_properties(case, extra))

    return record


@dataclass
class Judged:
    """How a claim case ended on synthetic runs: "pass", "fail" (an assertion) or "skip", with its message,
    its record, the lab it asked and its scale."""

    outcome: str
    message: str
    entry: dict
    lab: FakeLab
    scale: Scale

    @property
    def checks(self) -> list[dict]:
        """The named checks the case recorded, in order."""
        return self.entry.get("checks", [])

    def decision(self, name: str) -> dict:
        """The plan's decision the named check judged."""
        return self.entry["statistics"][f"{name}: plan's decision"]


def claim_of(test: Callable) -> str:
    """The id of a claim test's ``@pytest.mark.claim``."""
    return next(mark.args[0] for mark in getattr(test, "pytestmark", []) if mark.name == "claim")


def judge(test: Callable, scale: Scale, outcome: Outcome, **params: object) -> Judged:
    """Call the claim test ``test`` at ``scale`` on a lab answering from ``outcome``, with ``params`` (say,
    ``architecture``) and the fixtures it asks for."""
    node, lab = FakeNode(test.__name__), FakeLab(outcome)
    fixtures = {"scale": scale, "lab": lab, "record": recorder(node, claim_of(test), scale), "check": Checker(node)}
    wanted = inspect.signature(test).parameters
    try:
        test(**{name: value for name, value in {**fixtures, **params}.items() if name in wanted})
    except AssertionError as failed:
        return Judged("fail", str(failed), node.stash.get(RECORD, {}), lab, scale)
    except pytest.skip.Exception as skipped:
        return Judged("skip", skipped.msg, node.stash.get(RECORD, {}), lab, scale)
    return Judged("pass", "", node.stash.get(RECORD, {}), lab, scale)
