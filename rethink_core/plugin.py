"""The pytest plugin: options, the scale, shared fixtures, progress, and the claim report.

Loaded by the root ``conftest.py``. The only module of the library that imports pytest.

Claim tests get three fixtures: ``scale`` (what to run), ``lab`` (trains experiments through the
results store) and ``record`` (what the test measured, the paper's numbers, the statistics). Each
record rides on the test's report (``user_properties``), so it reaches the controller under
pytest-xdist too; the controller adds the verdict (the test's outcome) and writes the report.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

import pytest

from rethink_core import data as data_mod
from rethink_core.errors import ConfigError, RethinkError
from rethink_core.experiment import Experiment, Lab, RunResult, store_dir_default, versions
from rethink_core.scales import SCALES, Scale, get_scale
from rethink_core.store import Store

RECORD_KEY = "rethink_record"
R2_VARIANTS = ("true_labels", "random_labels", "shuffled_pixels", "random_pixels", "gaussian")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rethink", "rethink: re-check the claims of Zhang et al. (2017)")
    group.addoption("--scale", choices=list(SCALES), default="default", help="what to run (default: default)")
    group.addoption("--dataset", default=None, help="a registered data set or a path to an .npz (default: the scale's)")
    group.addoption("--data-root", default=None, help="folder holding the full data sets")
    group.addoption("--download", action="store_true", help="allow downloading a missing data set")
    group.addoption("--device", choices=["auto", "cpu", "cuda"], default="auto", help="where to train")
    group.addoption("--seeds", type=int, default=None, help="seeds per configuration (default: the scale's)")
    group.addoption(
        "--first-seed",
        type=int,
        default=0,
        help="first seed of every configuration: a fresh draw of the same experiments (default 0)",
    )
    group.addoption("--report-dir", default="reports", help="where claim reports go (default: reports/)")
    group.addoption(
        "--store-dir",
        default=os.environ.get("RETHINK_STORE", str(store_dir_default())),
        help="results store: finished training runs, reused across sessions (default: ~/.cache/rethink/runs)",
    )


# ----------------------------------------------------------------------------- configuration


def _worker_id(config: pytest.Config) -> str | None:
    return getattr(config, "workerinput", {}).get("workerid")


def _resolve_device(choice: str, worker: str | None) -> str:
    import torch

    if choice == "cuda" and not torch.cuda.is_available():
        raise pytest.UsageError("--device cuda: no CUDA GPU is available here; use --device cpu or auto")
    if choice == "cpu" or not torch.cuda.is_available():
        return "cpu"
    index = int(worker[2:]) % torch.cuda.device_count() if worker else 0  # worker gw<i> -> GPU i mod count
    return f"cuda:{index}"


def _set_threads(worker: str | None) -> None:
    """One torch thread per xdist worker's share of the cores: two 2-thread jobs on 2 cores run many
    times slower than two 1-thread jobs."""
    import torch

    if worker:
        workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


def pytest_configure(config: pytest.Config) -> None:
    worker = _worker_id(config)
    _set_threads(worker)
    try:
        scale = get_scale(
            config.getoption("--scale"),
            config.getoption("--dataset"),
            config.getoption("--seeds"),
            first_seed=config.getoption("--first-seed"),
        )
        device = _resolve_device(config.getoption("--device"), worker)
        loaded = data_mod.load(scale.dataset, config.getoption("--data-root"), config.getoption("--download"))
        _check_size(scale, loaded)
        store = Store(config.getoption("--store-dir"))
    except RethinkError as exc:
        raise pytest.UsageError(str(exc)) from None
    if worker is None:
        _check_report_dir(Path(config.getoption("--report-dir")))
    config.addinivalue_line(
        "markers", "start_early: trains a long chain of runs no other test shares; run it before the others"
    )
    config.stash[_STATE] = _State(scale=scale, device=device, store=store, data_name=loaded.name)


def _check_size(scale: Scale, loaded: data_mod.ImageData) -> None:
    """Every run of the scale must find its training and test images in the data set."""
    n_train = max(n for _, n in scale.architectures.values())
    if n_train > len(loaded.y_train) or scale.n_test > len(loaded.y_test):
        raise ConfigError(
            f"{loaded.name} has {len(loaded.y_train)} training and {len(loaded.y_test)} test images; scale "
            f"{scale.name!r} needs {n_train} and {scale.n_test}: use a larger data set or a smaller scale"
        )


def _check_report_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise pytest.UsageError(f"--report-dir {path} cannot be written: {exc.strerror}") from None


class _State:
    def __init__(self, scale: Scale, device: str, store: Store, data_name: str) -> None:
        self.scale, self.device, self.store, self.data_name = scale, device, store, data_name
        self.started = time.time()
        self.cases: dict[str, dict] = {}  # nodeid -> record with verdict (controller only)
        self.report_path: Path | None = None


_STATE = pytest.StashKey[_State]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``start_early`` go first (stable order otherwise): under xdist a long chain of
    runs that only one test needs (G3's Inception without BatchNorm) then overlaps with the other
    workers' tests instead of running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("start_early") is None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Claims parametrize over what the scale runs: ``architecture`` and ``variant``."""
    if "architecture" in metafunc.fixturenames:
        metafunc.parametrize("architecture", list(metafunc.config.stash[_STATE].scale.architectures))
    if "variant" in metafunc.fixturenames:
        metafunc.parametrize("variant", R2_VARIANTS)


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def scale(pytestconfig: pytest.Config) -> Scale:
    """The scale chosen with --scale (and --dataset, --seeds)."""
    return pytestconfig.stash[_STATE].scale


@pytest.fixture(scope="session")
def lab(pytestconfig: pytest.Config) -> Lab:
    """Trains experiments through the results store; prints a line per finished run."""
    state = pytestconfig.stash[_STATE]
    say = _Progress(pytestconfig)
    return Lab(
        store=state.store,
        device=state.device,
        root=pytestconfig.getoption("--data-root"),
        download=pytestconfig.getoption("--download"),
        on_epoch=say.epoch,
        on_finish=say.finished,
    )


@pytest.fixture
def record(request: pytest.FixtureRequest, scale: Scale):  # noqa: ANN201 - returns a recorder callable
    """``record(claim, case, measured, paper, statistics=..., figures=..., runs=...)``: what this claim
    test measured. Call it before asserting: the verdict is the test's outcome."""
    state = request.config.stash[_STATE]

    def _record(claim: str, case: str, measured: dict, paper: dict | str | None = None, **extra: object) -> None:
        entry = {
            "claim": claim,
            "case": case,
            "title": " ".join((request.node.function.__doc__ or "").split()),
            "measured": measured,
            "paper": paper,
            "scale": scale.name,
            "dataset": state.data_name,
            "test": request.node.nodeid,
            **extra,
        }
        request.node.user_properties.append((RECORD_KEY, entry))

    return _record


# ----------------------------------------------------------------------------- progress


class _Progress:
    """A line per finished training run on the terminal, under xdist too (workers write to their
    inherited stderr with capture suspended); without xdist, on a TTY, a rich progress bar of the
    run in training (epochs against the cap, loss, running accuracy)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.worker = _worker_id(config)
        self.bar = None
        reporter = config.pluginmanager.getplugin("terminalreporter")
        if self.worker is None and reporter is not None and reporter.isatty:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("  {task.description}"),
                BarColumn(bar_width=20),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                console=Console(file=sys.__stderr__, force_terminal=True, width=config.get_terminal_writer().fullwidth),
                auto_refresh=False,  # drawn only while capture is suspended (below)
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self.task = None

    def _suspended_capture(self):  # noqa: ANN202
        capman = self.config.pluginmanager.getplugin("capturemanager")
        return capman.global_and_fixture_disabled() if capman else contextlib.nullcontext()

    def epoch(self, exp: Experiment, row: object) -> None:
        if self.bar is None:
            return
        status = f"loss {row.loss:.3f} acc {row.train_acc:.3f}"
        with self._suspended_capture():
            if self.task is None:
                self.bar.start()
                self.task = self.bar.add_task(exp.describe(), total=exp.hyper.max_epochs, status=status)
            self.bar.update(self.task, completed=row.epoch, status=status)
            self.bar.refresh()

    def finished(self, result: RunResult, reused: bool) -> None:
        if reused:
            return
        with self._suspended_capture():
            if self.bar is not None and self.task is not None:
                self.bar.remove_task(self.task)
                self.bar.stop()
                self.task = None
            who = f"[{self.worker}] " if self.worker else ""
            sys.stderr.write(
                f"\n  {who}trained {result.experiment.describe()}: {result.history.status} after "
                f"{len(result.history.epochs)} epochs, {result.seconds:.1f} s, test acc {result.test_acc:.3f}\n"
            )
            sys.stderr.flush()


# ----------------------------------------------------------------------------- gathering and the report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """A test that failed on bad input (a :class:`RethinkError`) reports its one-line message, not a
    traceback through the library."""
    report = yield
    if report.failed and call.excinfo is not None and call.excinfo.errisinstance(RethinkError):
        report.longrepr = f"{item.nodeid}: {call.excinfo.typename}: {call.excinfo.value}"
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Gather every claim record with its verdict, on the controller (reports arrive from workers)."""
    config = _CONFIG.get("config")
    if config is None or _worker_id(config) is not None:
        return
    state = config.stash[_STATE]
    entry = next((value for key, value in report.user_properties if key == RECORD_KEY), None)
    case = state.cases.get(report.nodeid)
    if case is None and entry is None and not ((report.skipped or report.failed) and _is_claim(report.nodeid)):
        return
    if case is None:
        case = state.cases[report.nodeid] = {"test": report.nodeid, "verdict": "pass"}
    if entry is not None:
        case.update({k: v for k, v in entry.items() if k not in case or k == "measured"})
    if report.failed:
        case["verdict"] = "fail"
        case["reason"] = _first_line(report.longreprtext)
    elif report.skipped and case["verdict"] != "fail":
        case["verdict"] = "skip"
        case["reason"] = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)


def _is_claim(nodeid: str) -> bool:
    return nodeid.startswith("claims/")


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("E ")]
    return (lines[0][2:].strip() if lines else text.strip().splitlines()[-1] if text.strip() else "")[:500]


_CONFIG: dict[str, pytest.Config] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if _worker_id(config) is not None or _STATE not in config.stash:
        return
    state = config.stash[_STATE]
    if not state.cases:
        return
    from rethink_core import report

    cases = [_complete(case, state) for case in state.cases.values()]
    meta = report.session_meta(state.scale, state.data_name, state.device, time.time() - state.started)
    meta.update(_provenance(meta, state.scale, config))
    try:
        state.report_path = report.write_report(cases, meta, Path(config.getoption("--report-dir")))
    except OSError as exc:
        sys.stderr.write(f"rethink: could not write the report: {exc}\n")


def _provenance(meta: dict, scale: Scale, config: pytest.Config) -> dict:
    """What else every number of the report depends on: the seeds, the command and all versions."""
    return {
        "first_seed": scale.first_seed,
        "seed_list": scale.seed_list(),
        "command": ["pytest", *config.invocation_params.args],
        "versions": {**meta.get("versions", {}), **versions(), "rethink": _package_version(), "git": _git_commit()},
    }


def _package_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rethink")
    except PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    """The commit of the checkout holding this package (``+dirty`` with local changes), if any."""
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return None
    return commit + ("+dirty" if _git("status", "--porcelain", "--untracked-files=no") else "")


def _git(*args: str) -> str | None:
    import subprocess

    repo = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _complete(case: dict, state: _State) -> dict:
    case.setdefault("claim", case["test"].split("::")[-1])
    case.setdefault("case", "")
    case.setdefault("measured", {})
    case.setdefault("paper", None)
    case.setdefault("scale", state.scale.name)
    case.setdefault("dataset", state.data_name)
    return case


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if _STATE not in config.stash or _worker_id(config) is not None:
        return
    state = config.stash[_STATE]
    if not state.cases:
        return
    from rich.console import Console

    from rethink_core import report

    console = Console(file=terminalreporter._tw._file, force_terminal=terminalreporter.hasmarkup, width=160)
    console.print(report.terminal_table(list(state.cases.values())))
    if state.report_path:
        terminalreporter.write_line(f"claim report: {state.report_path / 'report.html'} (and report.md)")
