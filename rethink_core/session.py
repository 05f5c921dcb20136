"""The claims session: gathers every claim case with its verdict and writes the claim report.

One :class:`ClaimSession` per pytest process, registered as a plugin by :mod:`rethink_core.plugin`
(as pytest-xdist and pytest-benchmark register their session objects) with the session's
:class:`~rethink_core.settings.Settings`. On the controller it turns test reports (from workers too)
into typed cases (:class:`~rethink_core.case.ClaimCase`): ``pass``, ``fail``, ``deviation`` (a
declared non-reproduction: the test's xfail), ``deviation-did-not-occur`` (its XPASS) or ``skip``
(the scale cannot decide it), each with the numbers it was decided on; at the end it writes
``reports/<UTC time>/`` and prints the verdict table.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rethink_core import data as data_mod
from rethink_core import imagenet, user_models
from rethink_core.case import ClaimCase, Verdict
from rethink_core.errors import ConfigError, RethinkError
from rethink_core.experiment import TRAINER_VERSION
from rethink_core.paper import STATEMENTS
from rethink_core.provenance import provenance
from rethink_core.scales import DEPARTURES, Scale
from rethink_core.settings import Settings

UNDECIDED = "undecided: "  # how a claim's skip says its design could not decide it (plugin.Checker.decision)
RECORD_ATTR = "rethink_record"  # what a claim test recorded: an attribute of its reports
CLAIM_ATTR = "rethink_claim"  # its claim id, collection order and title, added at collection
# a rehearsed case: the verdict its checks would have given ("pass", "fail", "undecided") and why
REHEARSED_ATTR = "rethink_rehearsed"


class ClaimSession:
    """Cases, records and the report of one claims session."""

    def __init__(self, settings: Settings, controller: bool) -> None:
        self.settings, self.scale, self.controller = settings, settings.scale, controller
        self.started = time.time()
        self.cases: dict[str, dict] = {}  # nodeid -> what its reports said so far (controller only)
        self.report_path: Path | None = None

    def check_ready(self) -> None:
        """Before any training: the data set loads and holds the scale's images, the results store and
        the report folder can be written. Raises a one-line usage error otherwise."""
        settings = self.settings
        try:
            if settings.dataset == imagenet.NAME:
                loaded = imagenet.load_index(settings.root)  # lists and stats the files; builds the manifest once
            else:
                loaded = data_mod.load(settings.dataset, settings.root, settings.download)
            _check_size(self.scale, loaded)
            for spec in settings.user_models:  # imports, builds and checks each user model
                user_models.build(spec, loaded.image_shape, loaded.num_classes)
            settings.store  # noqa: B018 - opening it checks that it can be written
        except RethinkError as exc:
            raise pytest.UsageError(str(exc)) from None
        _check_writable(settings.report_dir)

    # ------------------------------------------------------------------------- gathering

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Gather every claim case with its verdict, on the controller (reports arrive from workers). A
        case is "pass" only when its call passed; one whose test never finished (interrupted, or its
        worker crashed: that report carries no claim attribute) is completed as a failure."""
        if not self.controller:
            return
        claim, entry = getattr(report, CLAIM_ATTR, None), getattr(report, RECORD_ATTR, None)
        if claim is None and report.nodeid not in self.cases:
            return
        if claim is not None and report.nodeid not in self.cases:
            self.cases[report.nodeid] = {
                "test": report.nodeid,
                "statement": STATEMENTS.get(claim["claim"], ""),
                **claim,
            }
        case = self.cases[report.nodeid]
        if entry is not None:
            case.update({k: v for k, v in entry.items() if k not in case or k == "measured"})
        verdict, reason = _verdict(report)
        if verdict is None or case.get("verdict") is Verdict.FAIL:
            return
        if (rehearsed := getattr(report, REHEARSED_ATTR, None)) is not None:
            case["would_be"] = rehearsed["would_be"]
        case["verdict"], case["reason"] = verdict, reason or case.get("reason", "")
        if case.get("deviation") and verdict in (Verdict.DEVIATION, Verdict.DEVIATION_DID_NOT_OCCUR):
            case["reason"] = case["deviation"].get("reason", reason)

    def claim_cases(self) -> list[ClaimCase]:
        """Every gathered case, typed; a test that never finished is a failure."""
        return [self._complete(case) for case in self.cases.values()]

    # ------------------------------------------------------------------------- the report

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.controller or not self.cases:
            return
        from rethink_core import report  # matplotlib and rich: only when there is a report to write

        try:
            self.report_path = report.write_report(self.claim_cases(), self.meta(), self.settings.report_dir)
        except OSError as exc:
            sys.stderr.write(f"rethink: could not write the report: {exc}\n")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.controller or not self.cases:
            return
        from rich.console import Console

        from rethink_core import report

        console = Console(file=terminalreporter._tw._file, force_terminal=terminalreporter.hasmarkup, width=160)
        console.print(report.terminal_table(self.claim_cases()))
        if self.report_path:
            terminalreporter.write_line(f"claim report: {self.report_path / 'report.html'} (and report.md)")

    def meta(self) -> dict:
        """What every number of the report depends on: scale, data, hyperparameters, departures from
        the paper, device, seeds, the command, versions and host."""
        scale, settings = self.scale, self.settings
        origin = provenance()
        return {
            "scale": scale.name,
            "scale_description": scale.description,
            "dataset": settings.dataset_name,
            "n_test": scale.n_test,
            "architectures": scale.architectures,
            "seeds": scale.seeds,
            "ablation_seeds": len(scale.ablation_seed_list()),
            "hyperparameters": {m: asdict(scale.experiment(m).hyper) for m in scale.architectures},
            "user_models": list(settings.user_models),
            "departures": list(DEPARTURES),
            "device": settings.device,
            "precision": settings.precision,
            "rehearsal": scale.rehearsal,
            "wall_seconds": round(time.time() - self.started, 1),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "first_seed": scale.first_seed,
            "seed_list": scale.seed_list(),
            "command": list(settings.command),
            "versions": {**origin["versions"], "trainer": TRAINER_VERSION},
            "host": origin["host"],
        }

    def _complete(self, case: dict) -> ClaimCase:
        """The typed case of what a test's reports said (a test that never finished: a failure)."""
        if case.get("verdict") is None:
            case = {
                **case,
                "verdict": Verdict.FAIL,
                "reason": "the test did not finish (interrupted, or its worker crashed)",
            }
        defaults = {"scale": self.scale.name, "dataset": self.settings.dataset_name}
        return ClaimCase.from_json({**defaults, **case, "verdict": str(case["verdict"])})


def _verdict(report: pytest.TestReport) -> tuple[Verdict | None, str | None]:
    """The verdict a test report gives (None: says nothing, e.g. a passed setup) and its reason."""
    if (rehearsed := getattr(report, REHEARSED_ATTR, None)) is not None:
        return Verdict.REHEARSED, f"would be {rehearsed['would_be']}: {rehearsed['reason']}".rstrip(": ")
    if hasattr(report, "wasxfail") and report.skipped:
        return Verdict.DEVIATION, report.wasxfail.removeprefix("reason: ")
    if hasattr(report, "wasxfail") and report.passed and report.when == "call":
        return Verdict.DEVIATION_DID_NOT_OCCUR, report.wasxfail.removeprefix("reason: ")
    if report.passed and report.when == "call":
        return Verdict.PASS, None
    if report.failed:
        return Verdict.FAIL, _first_line(report.longreprtext)
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return (Verdict.UNDECIDED if reason.removeprefix("Skipped: ").startswith(UNDECIDED) else Verdict.SKIP), reason
    return None, None


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("E ")]
    return (lines[0][2:].strip() if lines else text.strip().splitlines()[-1] if text.strip() else "")[:500]


def _check_size(scale: Scale, loaded: data_mod.ImageData) -> None:
    """Every run of the scale must find its training and test images in the data set."""
    n_train = max(n for _, n in scale.architectures.values())
    if n_train > len(loaded.y_train) or scale.n_test > len(loaded.y_test):
        raise ConfigError(
            f"{loaded.name} has {len(loaded.y_train)} training and {len(loaded.y_test)} test images; scale "
            f"{scale.name!r} needs {n_train} and {scale.n_test}: use a larger data set or a smaller scale"
        )


def _check_writable(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise pytest.UsageError(f"--report-dir {path} cannot be written: {exc.strerror}") from None
