"""The claims session: gathers every claim case with its verdict and writes the claim report.

One :class:`ClaimSession` per pytest process, registered as a plugin by :mod:`rethink_core.plugin`
(as pytest-xdist and pytest-benchmark register their session objects). On the controller it turns
test reports (from workers too) into cases: ``pass``, ``fail``, ``deviation`` (a declared
non-reproduction: the test's xfail or XPASS) or ``skip`` (the scale cannot decide it), each with the
numbers it was decided on; at the end it writes ``reports/<UTC time>/`` and prints the verdict table.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rethink_core import data as data_mod
from rethink_core import user_models
from rethink_core.errors import ConfigError, RethinkError
from rethink_core.experiment import TRAINER_VERSION
from rethink_core.paper import STATEMENTS
from rethink_core.provenance import provenance
from rethink_core.scales import DEPARTURES, Scale
from rethink_core.store import Store

RECORD_ATTR = "rethink_record"  # what a claim test recorded: an attribute of its reports
CLAIM_ATTR = "rethink_claim"  # its claim id, collection order and title, added at collection


class ClaimSession:
    """Cases, records and the report of one claims session."""

    def __init__(
        self, config: pytest.Config, scale: Scale, device: str, controller: bool, precision: str = "float32"
    ) -> None:
        self.config, self.scale, self.device, self.controller = config, scale, device, controller
        self.precision = precision
        self.started = time.time()
        self.cases: dict[str, dict] = {}  # nodeid -> case (controller only)
        self.report_path: Path | None = None

    @property
    def dataset_name(self) -> str:
        """The data set's name as runs and reports give it (an ``.npz`` by its file name)."""
        dataset = self.scale.dataset
        return Path(dataset).name if dataset.endswith(".npz") else dataset

    def check_ready(self) -> None:
        """Before any training: the data set loads and holds the scale's images, the results store and
        the report folder can be written. Raises a one-line usage error otherwise."""
        try:
            loaded = data_mod.load(
                self.scale.dataset, self.config.getoption("--data-root"), self.config.getoption("--download")
            )
            _check_size(self.scale, loaded)
            for spec in self.config.getoption("--model"):  # imports, builds and checks each user model
                user_models.build(spec, loaded.image_shape, loaded.num_classes)
            Store(self.config.getoption("--store-dir"))
        except RethinkError as exc:
            raise pytest.UsageError(str(exc)) from None
        _check_writable(Path(self.config.getoption("--report-dir")))

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
            statement = STATEMENTS.get(claim["claim"])
            self.cases[report.nodeid] = {"test": report.nodeid, "verdict": None, **claim}
            if statement:
                self.cases[report.nodeid]["statement"] = statement
        case = self.cases[report.nodeid]
        if entry is not None:
            case.update({k: v for k, v in entry.items() if k not in case or k == "measured"})
            if "deviation" in entry:  # what was declared, and the outcome a report of this test gave
                case["deviation"] = {**entry["deviation"], **case.get("deviation", {})}
        verdict, reason = _verdict(report)
        if verdict is None or case["verdict"] == "fail":
            return
        case["verdict"] = verdict
        if reason:
            case["reason"] = reason
        if verdict == "deviation":
            case["deviation"] = {**case.get("deviation", {}), "outcome": "xpass" if report.passed else "xfail"}
            case["reason"] = case["deviation"].get("reason", reason)

    # ------------------------------------------------------------------------- the report

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.controller or not self.cases:
            return
        from rethink_core import report  # matplotlib and rich: only when there is a report to write

        cases = [self._complete(case) for case in self.cases.values()]
        try:
            self.report_path = report.write_report(cases, self.meta(), Path(self.config.getoption("--report-dir")))
        except OSError as exc:
            sys.stderr.write(f"rethink: could not write the report: {exc}\n")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.controller or not self.cases:
            return
        from rich.console import Console

        from rethink_core import report

        console = Console(file=terminalreporter._tw._file, force_terminal=terminalreporter.hasmarkup, width=160)
        console.print(report.terminal_table([self._complete(case) for case in self.cases.values()]))
        if self.report_path:
            terminalreporter.write_line(f"claim report: {self.report_path / 'report.html'} (and report.md)")

    def meta(self) -> dict:
        """What every number of the report depends on: scale, data, hyperparameters, departures from
        the paper, device, seeds, the command, versions and host."""
        scale = self.scale
        origin = provenance()
        return {
            "scale": scale.name,
            "scale_description": scale.description,
            "dataset": self.dataset_name,
            "n_test": scale.n_test,
            "architectures": scale.architectures,
            "seeds": scale.seeds,
            "ablation_seeds": len(scale.ablation_seed_list()),
            "hyperparameters": {m: asdict(scale.experiment(m).hyper) for m in scale.architectures},
            "user_models": list(self.config.getoption("--model")),
            "departures": list(DEPARTURES),
            "device": self.device,
            "precision": self.precision,
            "rehearsal": scale.rehearsal,
            "wall_seconds": round(time.time() - self.started, 1),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "first_seed": scale.first_seed,
            "seed_list": scale.seed_list(),
            "command": ["pytest", *self.config.invocation_params.args],
            "versions": {**origin["versions"], "trainer": TRAINER_VERSION},
            "host": origin["host"],
        }

    def _complete(self, case: dict) -> dict:
        if case["verdict"] is None:
            case["verdict"], case["reason"] = "fail", "the test did not finish (interrupted, or its worker crashed)"
        case.setdefault("case", case["test"].split("::")[-1])
        case.setdefault("measured", {})
        case.setdefault("paper", None)
        case.setdefault("scale", self.scale.name)
        case.setdefault("dataset", self.dataset_name)
        return case


def _verdict(report: pytest.TestReport) -> tuple[str | None, str | None]:
    """The verdict a test report gives (None: says nothing, e.g. a passed setup) and its reason."""
    if hasattr(report, "wasxfail") and (report.skipped or (report.passed and report.when == "call")):
        return "deviation", report.wasxfail.removeprefix("reason: ")
    if report.passed and report.when == "call":
        return "pass", None
    if report.failed:
        return "fail", _first_line(report.longreprtext)
    if report.skipped:
        return "skip", report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
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
