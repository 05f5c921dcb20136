"""The pytest plugin: options, hooks and fixtures. The only module of the library that imports pytest
(with :mod:`rethink_core.session` and :mod:`rethink_core.progress`, which it owns).

Loaded by the root ``conftest.py``. It reads the options once, into
:class:`~rethink_core.settings.Settings`; nothing else reads an option. A claim test is marked with its
claim id, ``@pytest.mark.claim("R1")``, and gets its fixtures: ``settings`` (the session's settings),
``scale`` (what to run), ``lab`` (trains experiments through the results store) and ``record`` (what
the test measured, the paper's numbers, the statistics). Each record rides on the test's report
(``user_properties``), so it reaches the controller under pytest-xdist too, where
:class:`~rethink_core.session.ClaimSession` adds the verdict (the test's outcome) and writes the
report. ``pytest claims -k R1`` selects a claim's cases.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from rethink_core import deviations, runplan
from rethink_core.devices import CHOICES
from rethink_core.errors import RethinkError
from rethink_core.experiment import Lab
from rethink_core.paper import STATEMENTS
from rethink_core.plan import Decision, Step
from rethink_core.progress import Progress
from rethink_core.scales import SCALES, Scale
from rethink_core.session import CLAIM_ATTR, RECORD_ATTR, REHEARSED_ATTR, UNDECIDED, ClaimSession
from rethink_core.settings import Settings, precision_default, store_dir_default

SESSION_NAME = "rethink-claim-session"
CLAIM = pytest.StashKey[dict]()  # a claim test's id, collection order and title
RECORD = pytest.StashKey[dict]()  # what it recorded


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rethink", "rethink: re-check the claims of Zhang et al. (2017)")
    group.addoption("--scale", choices=list(SCALES), default="default", help="what to run (default: default)")
    group.addoption("--dataset", default=None, help="a registered data set or a path to an .npz (default: the scale's)")
    group.addoption("--data-root", default=None, help="folder holding the full data sets")
    group.addoption("--download", action="store_true", help="allow downloading a missing data set")
    group.addoption("--device", choices=list(CHOICES), default="auto", help="where to train")
    group.addoption(
        "--gpus-per-run",
        type=int,
        default=1,
        metavar="N",
        help="--scale imagenet: train each run data-parallel on N GPUs of this node (default 1; in its store key)",
    )
    group.addoption(
        "--precision",
        default=precision_default(),
        help="auto (bf16 on a GPU or a CPU with bf16 instructions, else float32), bf16 or float32 "
        "(default: $RETHINK_PRECISION or auto)",
    )
    group.addoption("--seeds", type=int, default=None, help="seeds per configuration (default: the scale's)")
    group.addoption(
        "--first-seed",
        type=int,
        default=0,
        help="first seed of every configuration: a fresh draw of the same experiments (default 0)",
    )
    group.addoption(
        "--rehearse",
        action="store_true",
        help="run every claim of the scale on a few dozen images for one epoch: checks wiring, data and report",
    )
    group.addoption(
        "--plan",
        action="store_true",
        help="print the runs the selected cases need (up to each planned case's max seeds), what is stored, and the "
        "FLOPs left; train nothing",
    )
    group.addoption(
        "--shard",
        default=None,
        metavar="I/N",
        help="train only the planned runs of the selected cases whose store key falls in shard I of N (a CI matrix of "
        "N jobs), and judge nothing; then --no-train renders one report from the union of the shards' stores",
    )
    group.addoption(
        "--no-train", action="store_true", help="judge from the results store alone: a missing run is an error"
    )
    group.addoption(
        "--executor",
        default="local",
        help="where runs train: local (this machine; -n for its cores or GPUs) or ray (a Ray cluster: "
        "rethink_core/cluster.py; pip install -e '.[ray]')",
    )
    group.addoption(
        "--ray-address", default=None, help="--executor ray: a running cluster (default: $RAY_ADDRESS, else local)"
    )
    group.addoption("--report-dir", default="reports", help="where claim reports go (default: reports/)")
    group.addoption(
        "--model",
        action="append",
        default=[],
        metavar="MODULE:CALLABLE",
        help="run the claims on your model instead of the paper's (repeatable); CALLABLE(input_shape, num_classes) "
        "returns an nn.Module",
    )
    group.addoption("--lr", type=float, default=None, help="--model's learning rate (default 0.01)")
    group.addoption("--batch-size", type=int, default=None, help="--model's batch size (default 128)")
    group.addoption(
        "--weight-decay", type=float, default=None, help="--model's weight decay where a claim turns it on (5e-4)"
    )
    group.addoption("--max-epochs", type=int, default=None, help="--model's epoch cap (default: the scale's)")
    group.addoption(
        "--train-images", type=int, default=None, help="--model's training images (default: the scale's MLP's)"
    )
    group.addoption(
        "--store-dir",
        default=str(store_dir_default()),
        help="results store: finished training runs, reused across sessions (default: ~/.cache/rethink/runs)",
    )


# ----------------------------------------------------------------------------- configuration


def worker_id(config: pytest.Config) -> str | None:
    """``gw<i>`` in a pytest-xdist worker, None on the controller or without xdist."""
    return getattr(config, "workerinput", {}).get("workerid")


def _set_threads(worker: str | None) -> None:
    """One torch thread per xdist worker's share of the cores: two 2-thread jobs on 2 cores run many
    times slower than two 1-thread jobs."""
    if worker:
        import torch

        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


def pytest_configure(config: pytest.Config) -> None:
    """Resolve the session's settings once (cheap: no data set is loaded, nothing under ~/.cache is
    touched) and register the session object that gathers verdicts and writes the report."""
    config.addinivalue_line("markers", "claim(id): the paper's claim this test checks (R1 ... T4); -k <id> selects it")
    config.addinivalue_line(
        "markers", "start_early: trains a long chain of runs no other test shares; run it before the others"
    )
    worker = worker_id(config)
    _set_threads(worker)
    try:
        settings = Settings.from_options(config.getoption, worker, ("pytest", *config.invocation_params.args))
    except RethinkError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings.executor == "ray" and getattr(config.option, "numprocesses", None):
        raise pytest.UsageError("--executor ray spreads the runs over the cluster itself: run it without -n")
    session = ClaimSession(settings, controller=worker is None)
    if worker is None and runs_claims(config):
        session.check_ready()  # a bad --dataset or store ends the session here, in one line
    config.pluginmanager.register(session, SESSION_NAME)


def runs_claims(config: pytest.Config) -> bool:
    """Whether this session will train claims: it is not ``--collect-only`` and one of its paths is a
    ``claims`` folder, lies inside one, or holds one (``pytest``, ``pytest claims``, ``pytest .``)."""
    if config.option.collectonly:
        return False
    for arg in config.args or [str(config.invocation_params.dir)]:
        path = Path(arg.split("::")[0]).resolve()
        if "claims" in path.parts or (path.is_dir() and (path / "claims").is_dir()):
            return True
    return False


def claim_session(config: pytest.Config) -> ClaimSession:
    return config.pluginmanager.get_plugin(SESSION_NAME)


def claim_rank(claim: str) -> int:
    """A claim's place in the paper's catalogue (rethink_core.paper.STATEMENTS); later claims follow."""
    return list(STATEMENTS).index(claim) if claim in STATEMENTS else len(STATEMENTS)


def claim_id(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("claim")
    return marker.args[0] if marker else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every claim test carries its claim id as a keyword (``-k R1``) and its place in the report:
    claims in the paper's order, then cases in collection order. Tests marked ``start_early`` then go
    first (stable otherwise): under xdist a long chain of runs that only one test needs (G3's Inception
    without BatchNorm) overlaps with the other workers' tests instead of running alone at the end."""
    for position, item in enumerate(items):
        claim = claim_id(item)
        if claim:
            order = claim_rank(claim) * len(items) + position
            item.extra_keyword_matches.add(claim)
            title = (
                " ".join((getattr(item, "function", None).__doc__ or "").split()) if hasattr(item, "function") else ""
            )
            item.stash[CLAIM] = {"claim": claim, "order": order, "title": title}
            item.user_properties.append(("claim", claim))  # shown by --junitxml and CI test views
    items.sort(key=lambda item: item.get_closest_marker("start_early") is None)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A claim the scale does not run (I1 outside the imagenet scale, every other claim at it) is skipped,
    saying which scale runs it; the session records the skip under the claim."""
    claim, scale = claim_id(item), claim_session(item.config).settings.scale
    if claim and not scale.runs_claim(claim):
        runs_at = "|".join(name for name, other in SCALES.items() if other.runs_claim(claim))
        pytest.skip(f"{claim} runs only at --scale {runs_at} (scale {scale.name!r} does not run it)")


def pytest_collection_finish(session: pytest.Session) -> None:
    """``--plan`` and ``--shard``: once -k and -m have selected the cases, print their runs (--plan) or
    train this shard's share of them (--shard), and judge none."""
    settings = claim_session(session.config).settings
    if not any(CLAIM in item.stash for item in session.items):
        return
    if settings.executor == "ray" and not (settings.plan_only or settings.shard):
        submit_first_round(settings, selected_cases(session.items))
    if not (settings.plan_only or settings.shard):
        return
    if settings.plan_only:
        print_plan(session.config, session.items)
    else:
        train_shard(settings, selected_cases(session.items))
    session.items.clear()


def selected_cases(items: list[pytest.Item]) -> list[runplan.Case]:
    """The (claim, architecture) cases of the selected claim tests that the scale runs (the others skip)."""
    params = [getattr(item, "callspec", None) for item in items]
    return [
        (claim_id(item), p.params.get("architecture") if p else None)
        for item, p in zip(items, params, strict=True)
        if claim_id(item) and claim_session(item.config).settings.scale.runs_claim(claim_id(item))
    ]


def submit_first_round(settings: Settings, cases: list[runplan.Case]) -> None:
    """--executor ray: hand the cluster every selected case's runs at the scale's own seeds before the
    first test asks (a planned case's later looks are submitted when it reaches them)."""
    first = replace(settings.scale, max_seeds=settings.scale.seeds)
    settings.lab().submit(runplan.planned_runs(first, cases))


def train_shard(settings: Settings, cases: list[runplan.Case]) -> None:
    """Train the planned runs of ``cases`` whose store key falls in this session's shard (several xdist
    workers share them out through the store's locks)."""
    lab = settings.lab(on_finish=lambda r, reused: reused or print(f"trained {r.experiment.describe()}", flush=True))
    planned = runplan.planned_runs(settings.scale, cases)
    runs = [exp for exp in planned if settings.in_shard(lab.key(exp))]
    index, count = settings.shard
    print(f"shard {index}/{count}: {len(runs)} of the {len(planned)} planned runs", flush=True)
    lab.run_all(runs)


def print_plan(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--plan``: the runs the selected claim cases need (rethink_core.runplan), printed; none trains."""
    settings = claim_session(config).settings
    lines = runplan.plan_table(settings.scale, selected_cases(items), settings.lab().stored)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    write = reporter.write_line if reporter else print
    write(f"the plan of scale {settings.scale.name!r} (store {settings.store_dir}): nothing is trained")
    for line in lines:
        write(line)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A ``--plan`` or ``--shard`` session (which judge nothing) ends with status 0, not "no tests ran"."""
    settings = claim_session(session.config).settings
    if (settings.plan_only or settings.shard) and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def settings(pytestconfig: pytest.Config) -> Settings:
    """The session's settings (rethink_core.settings): scale, data, device, precision, store, report."""
    return claim_session(pytestconfig).settings


@pytest.fixture(scope="session")
def scale(settings: Settings) -> Scale:
    """The scale chosen with --scale (and --dataset, --seeds, --first-seed, --model, --rehearse)."""
    return settings.scale


@pytest.fixture(scope="session")
def lab(pytestconfig: pytest.Config, settings: Settings) -> Lab:
    """Trains experiments through the results store; prints a line per finished run. The store is
    opened here, when a claim first needs it."""
    progress = Progress(pytestconfig, worker_id(pytestconfig))
    return settings.lab(on_epoch=progress.epoch, on_finish=progress.finished)


@pytest.fixture
def record(request: pytest.FixtureRequest, settings: Settings):  # noqa: ANN201 - a recorder callable
    """``record(case, measured, paper=None, statistics=..., figures=..., runs=...)``: what this claim
    test measured, under the claim id of its ``claim`` marker. Call it before asserting: the verdict
    is the test's outcome. A case declared in :mod:`rethink_core.deviations` for this scale becomes an
    xfail with the declared reason (an XPASS, if the claim holds after all, is shown as such)."""
    claim = claim_id(request.node)
    if claim is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses `record` without a @pytest.mark.claim(id) marker")
    scale, dataset = settings.scale, settings.dataset_name

    def _record(case: str, measured: dict, paper: dict | str | None = None, **extra: object) -> None:
        entry = {"claim": claim, "case": case, "measured": measured, "paper": paper, "scale": scale.name, **extra}
        declared = None if scale.rehearsal else deviations.declared(claim, case, scale.name, dataset)
        if declared is not None:
            entry["deviation"] = {"reason": declared.reason, "command": declared.command, "check": declared.check}
        if declared is not None and not declared.check:  # declared before named checks: any assertion of the case
            reason = f"declared deviation: {declared.reason}"
            request.node.add_marker(pytest.mark.xfail(reason=reason, strict=False, raises=AssertionError))
        request.node.stash[RECORD] = entry
        request.node.user_properties.extend(junit_properties(case, extra))

    return _record


@pytest.fixture
def check(request: pytest.FixtureRequest):  # noqa: ANN201 - a checker callable
    """``check(name, holds, message, statistic=..., value=..., threshold=...)``: one named check of the
    case (call ``record`` first), recorded with its outcome, then asserted. A deviation declared in
    :mod:`rethink_core.deviations` names one check and is strict: where that check fails the case is
    the declared deviation (xfail); where it holds the case fails ("declared deviation did not occur").
    ``check.decision(name, decision, to_decide)`` judges an analysis plan's
    :class:`~rethink_core.plan.Decision`: pass, fail, or undecided (a skip saying what would decide it)."""
    return Checker(request.node)


class Checker:
    """The ``check`` fixture's callable; see :func:`check`."""

    def __init__(self, node: pytest.Item) -> None:
        self.node = node

    def __call__(
        self,
        name: str,
        holds: bool,
        message: str = "",
        *,
        statistic: str = "",
        value: float | None = None,
        threshold: str = "",
    ) -> None:
        outcome = "pass" if holds else "fail"
        self._add({"name": name, "statistic": statistic, "value": value, "threshold": threshold, "outcome": outcome})
        if self._declared(name):
            if holds:
                pytest.fail(
                    f"declared deviation did not occur: {name!r} held ({statistic} = {value}, "
                    f"{threshold}); review rethink_core/deviations.py",
                    pytrace=False,
                )
            pytest.xfail(f"declared deviation: {self._entry()['deviation']['reason']}")
        if not holds:
            raise AssertionError(message or f"{name}: {statistic} = {value}, not {threshold}")

    def decision(self, name: str, decision: Decision, to_decide: str) -> None:
        """Judge a plan's decision: pass, fail ("smaller than matters"), or undecided at the cap."""
        entry = self._entry()
        entry.update(plan_hash=decision.plan_hash, smallest_p=decision.smallest_p)
        entry["statistics"] = {**(entry.get("statistics") or {}), f"{name}: plan's decision": decision.as_dict()}
        if decision.step is Step.MORE_SEEDS:
            raise pytest.UsageError(f"{name}: the claim stopped before its plan's look at {decision.next_look} seeds")
        statistic = f"{decision.test} p, no effect (then: effect >= SESOI)"
        threshold = f"<= {decision.level:.3g}"
        if decision.step is Step.UNDECIDED:
            self.undecided(
                name,
                f"on {decision.seeds_used} seeds neither no effect (p {decision.p_effect:.3g}) nor an effect that "
                f"matters (p {decision.p_smaller:.3g}) is excluded at {decision.level:.3g}; {to_decide}",
                statistic=statistic,
                value=decision.p_effect,
                threshold=threshold,
            )
        passed = decision.step is Step.PASS
        value = decision.p_effect if passed else decision.p_smaller
        self(
            name,
            passed,
            f"{name}: the effect is smaller than matters ({decision.test} p of an effect >= the "
            f"SESOI {decision.p_smaller:.3g} <= {decision.level:.3g}; per-seed values {decision.values})",
            statistic=statistic if passed else f"{decision.test} p, effect >= SESOI",
            value=value,
            threshold=threshold,
        )

    def undecided(
        self, name: str, why: str, *, statistic: str = "", value: float | None = None, threshold: str = ""
    ) -> None:
        """A check the design could not decide on the units it had: recorded, and the case skipped as
        undecided (``why`` says what the test showed and what would decide it)."""
        self._add({"name": name, "statistic": statistic, "value": value, "threshold": threshold})
        pytest.skip(f"{UNDECIDED}{name}: {why}")

    def _entry(self) -> dict:
        if RECORD not in self.node.stash:
            raise pytest.UsageError(f"{self.node.nodeid}: call record(...) before check(...)")
        return self.node.stash[RECORD]

    def _add(self, named: dict) -> None:
        self._entry().setdefault("checks", []).append(named)

    def _declared(self, name: str) -> bool:
        return (self._entry().get("deviation") or {}).get("check") == name


# ----------------------------------------------------------------------------- failures on bad input


def junit_properties(case: str, extra: dict) -> list[tuple[str, str]]:
    """The case, its headline numbers and the statistic that decided it, as ``--junitxml`` properties."""
    properties = [("case", case)]
    for row in extra.get("headline", ()):
        properties.append((f"ours: {row['quantity']}", str(row["ours"])))
        if row["paper"] is not None:
            properties.append((f"paper: {row['quantity']}", str(row["paper"])))
    if "decided_by" in extra:
        decided = extra["decided_by"]
        properties.append(("decided by", f"{decided['statistic']} = {decided['value']:.3g} ({decided['threshold']})"))
    return properties


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """A claim test's report carries its claim and record to the controller. A test that failed on bad
    input (a :class:`RethinkError`) reports its one-line message, not a traceback through the library."""
    report = yield
    if CLAIM in item.stash:
        setattr(report, CLAIM_ATTR, item.stash[CLAIM])
    if RECORD in item.stash:
        setattr(report, RECORD_ATTR, item.stash[RECORD])
    if report.failed and call.excinfo is not None and call.excinfo.errisinstance(RethinkError):
        report.longrepr = f"{item.nodeid}: {call.excinfo.typename}: {call.excinfo.value}"
    if report.when == "call" and CLAIM in item.stash and claim_session(item.config).settings.scale.rehearsal:
        rehearsed(report, call, item)
    return report


def rehearsed(report: pytest.TestReport, call: pytest.CallInfo, item: pytest.Item) -> None:
    """A rehearsal checks wiring, not the paper: a claim case that reached its judge passes, carrying the
    verdict its checks would have given. Anything else that broke (data, a model, the store, an
    exception that is not a claim's own assertion) still fails, and a skip that is not "undecided"
    (a case the scale does not run) stays a skip."""
    would_be, reason = None, ""
    if report.passed:
        would_be = "pass"
    elif report.failed and call.excinfo is not None and judged_by_claim(call.excinfo, item):
        would_be, reason = "fail", str(call.excinfo.value).splitlines()[0] if str(call.excinfo.value) else ""
    elif report.skipped and isinstance(report.longrepr, tuple) and UNDECIDED in report.longrepr[2]:
        would_be, reason = "undecided", report.longrepr[2].split(UNDECIDED, 1)[1]
    if would_be is not None:
        report.outcome, report.longrepr = "passed", None
        setattr(report, REHEARSED_ATTR, {"would_be": would_be, "reason": reason[:300]})


def judged_by_claim(excinfo: pytest.ExceptionInfo, item: pytest.Item) -> bool:
    """Whether a failure is a claim's judgement: an assertion raised in the claim's module or by the
    ``check`` fixture, not an error of the library it called."""
    if not excinfo.errisinstance(AssertionError):
        return False
    raised_in = Path(str(excinfo.traceback[-1].path))
    return raised_in == Path(str(item.path)) or raised_in == Path(__file__)
