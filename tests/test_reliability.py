"""Reliability: a claims run killed mid-training resumes, workers share runs and lose no record,
training is deterministic, a diverged run fails its claim saying so, and nothing loads code from a
data file. (Bad inputs: tests/test_data.py and tests/test_plugin.py; the store: tests/test_store.py.)"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from rethink_core.experiment import Experiment, Lab
from rethink_core.store import Store
from rethink_core.train import DIVERGED, Hyper

CONFTEST = 'pytest_plugins = ["rethink_core.plugin"]\n'

# Four quick claims on 100 images at smoke scale; the first session is killed in the last one's training.
CRASH_CLAIMS = """
import time
from dataclasses import replace

import pytest

from rethink_core.experiment import summarize_runs

pytestmark = pytest.mark.claim("R1")


def small(scale, variant, **hyper):
    exp = scale.experiment("mlp1x512", variant, seed=scale.seed_list()[0])
    return replace(exp, width=0.125, n_train=100, n_test=100, hyper=replace(exp.hyper, **hyper))


def check(lab, record, case, exp):
    result = lab.run(exp)
    record(case, measured={"status": result.history.status}, runs=summarize_runs([result]))
    return result


def test_random_labels(scale, lab, record):
    assert check(lab, record, "random", small(scale, "random_labels")).fitted


def test_true_labels(scale, lab, record):
    assert check(lab, record, "true", small(scale, "true_labels")).fitted


def test_diverges(scale, lab, record):
    result = check(lab, record, "diverges", small(scale, "true_labels", lr=1e9))
    assert result.fitted, f"did not fit: {result.history.status} after {len(result.history.epochs)} epochs"


def test_killed(scale, lab, record, pytestconfig):
    marker = pytestconfig.rootpath / "in-training"

    def pause_once(exp, epoch):  # the first session waits here, inside the training loop, to be killed
        if not marker.exists():
            marker.touch()
            time.sleep(600)

    exp = small(scale, "gaussian", lr=0.0, max_epochs=200)  # never fits: ends at the cap
    result = check(replace(lab, on_epoch=pause_once), record, "killed", exp)
    assert result.history.status == "not_converged"
"""


def pytest_command(root: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "claims",
        "-p",
        "no:cacheprovider",
        "--scale",
        "smoke",
        "--store-dir",
        str(root / "store"),
        "--report-dir",
        str(root / "reports"),
        *extra,
    ]


# One torch thread per session: on a loaded machine, torch's default (every core) runs these tiny
# models many times slower.
SESSION_ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def write_claims(root: Path, source: str) -> None:
    (root / "claims").mkdir()
    (root / "conftest.py").write_text(CONFTEST)
    (root / "claims" / "test_quick.py").write_text(source)


def store_entries(root: Path) -> dict[str, dict]:
    """Each finished run in the store by its variant (or lr, for the diverging one), checked whole."""
    entries = {}
    for path in (root / "store").rglob("*.json"):
        entry = json.loads(path.read_text())  # never half-written: parses whole
        experiment = entry["config"]
        name = "diverges" if experiment["hyper"]["lr"] > 1 else experiment["variant"]
        entries[name] = {"path": path, **entry}
    return entries


def curve(entry: dict) -> list[tuple]:
    """A run's history without its timings."""
    return [(e["loss"], e["train_acc"], e["test_acc"], e["lr"]) for e in entry["result"]["history"]["epochs"]]


def kill_when(proc: subprocess.Popen, ready: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready.exists():
        assert proc.poll() is None, "the claims run ended before it was killed"
        assert time.monotonic() < deadline, "the claims run never reached the last run"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_a_claims_run_killed_in_training_resumes_and_completes(tmp_path):
    write_claims(tmp_path, CRASH_CLAIMS)
    command = pytest_command(tmp_path)
    first = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=SESSION_ENV,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kill_when(first, tmp_path / "in-training")

    finished = store_entries(tmp_path)
    assert set(finished) == {"random_labels", "true_labels", "diverges"}  # the last run was in training
    assert not list((tmp_path / "store").rglob("*.tmp")) and not list(tmp_path.rglob("results.json"))
    true_curve = curve(finished["true_labels"])
    finished["true_labels"]["path"].write_text('{"config": {"trunc')  # a damaged entry, to be recomputed

    again = subprocess.run(command, cwd=tmp_path, env=SESSION_ENV, capture_output=True, text=True, timeout=300)
    assert again.returncode == 1, again.stdout[-3000:]  # exactly the diverged claim fails
    trained = re.findall(r"trained mlp1x512\(w=0.125\) (\w+) seed", again.stderr)
    assert sorted(trained) == ["gaussian", "true_labels"], again.stderr  # the others were reused
    assert "damaged entry" in again.stdout
    assert curve(store_entries(tmp_path)["true_labels"]) == true_curve  # the same run in another process

    doc = json.loads((tmp_path / "reports" / "latest" / "results.json").read_text())
    verdicts = {c["case"]: c["verdict"] for c in doc["results"]}
    assert verdicts == {"random": "pass", "true": "pass", "diverges": "fail", "killed": "pass"}
    diverged = next(c for c in doc["results"] if c["case"] == "diverges")
    assert "did not fit: diverged" in diverged["reason"] and diverged["runs"][0]["status"] == DIVERGED
    assert doc["meta"]["seed_list"] == [0] and {"torch", "numpy", "trainer", "git"} <= set(doc["meta"]["versions"])
    for case in doc["results"]:  # every number traces to its configuration, seed and versions
        (run,) = case["runs"]
        assert run["config"]["seed"] == run["seed"] == 0 and run["config"]["n_train"] == 100
        assert run["versions"]["torch"] and run["key"]


SHARED_CLAIMS = """
import os
from dataclasses import replace

import pytest


@pytest.mark.claim("C")
@pytest.mark.parametrize("i", range(12))
def test_case(i, scale, lab, record):
    exp = replace(scale.experiment("mlp1x512", "random_labels"), width=0.125, n_train=100, n_test=100)
    reused = []
    replace(lab, on_finish=lambda result, was_reused: reused.append(was_reused)).run(exp)
    lab.store.put(f"case-{i}", {"i": i}, {"i": i})
    record(str(i), measured={"reused": reused[0], "worker": os.environ.get("PYTEST_XDIST_WORKER")})
"""


def test_two_workers_train_a_shared_run_once_and_lose_no_record(tmp_path):
    write_claims(tmp_path, SHARED_CLAIMS)
    done = subprocess.run(
        pytest_command(tmp_path, "-n", "2"), cwd=tmp_path, env=SESSION_ENV, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:]
    cases = json.loads((tmp_path / "reports" / "latest" / "results.json").read_text())["results"]
    assert sorted(int(c["case"]) for c in cases) == list(range(12))
    assert {c["measured"]["worker"] for c in cases} == {"gw0", "gw1"}
    assert [c["measured"]["reused"] for c in cases].count(False) == 1
    store = Store(tmp_path / "store")
    assert all(store.get(f"case-{i}", {"i": i}) == {"i": i} for i in range(12))


def tiny(seed: int = 0, **hyper: float) -> Experiment:
    return Experiment(model="mlp1x512", width=0.125, seed=seed, n_train=100, n_test=50, hyper=Hyper(**hyper))


def test_same_seed_same_history_through_the_store_and_another_seed_differs(tmp_path):
    a, b = Lab(Store(tmp_path / "a")), Lab(Store(tmp_path / "b"))
    runs = [a.run(tiny(max_epochs=5)), b.run(tiny(max_epochs=5)), a.run(tiny(seed=1, max_epochs=5))]
    same, again, other = ([(e.loss, e.train_acc, e.test_acc) for e in r.history.epochs] for r in runs)
    assert same == again and runs[0].test_confusion == runs[1].test_confusion
    assert same != other


def test_a_diverging_run_is_marked_stored_and_ends_at_once(tmp_path):
    lab = Lab(Store(tmp_path))
    result = lab.run(tiny(lr=1e9, max_epochs=10_000))
    assert result.history.status == DIVERGED and len(result.history.epochs) < 10 and not result.fitted
    assert lab.run(tiny(lr=1e9, max_epochs=10_000)).history.status == DIVERGED  # reused, not retrained


LOADERS = {  # a call that can load data, and what must be on the same line for it to run no code
    "torch.load(": "weights_only=True",
    "np.load(": "allow_pickle=False",
    "pickle.load(": None,  # never: CIFAR-10 batches go through cifar.SafeUnpickler
    "pickle.loads(": None,
    "pickle.Unpickler(": None,
}


def test_no_loader_can_run_code_from_a_data_file():
    package = Path(__file__).parent.parent / "rethink_core"
    unsafe = [
        f"{source.name}:{number}: {line.strip()}"
        for source in sorted(package.glob("*.py"))
        for number, line in enumerate(source.read_text().splitlines(), 1)
        for call, required in LOADERS.items()
        if call in line and not (required and required in line)
    ]
    assert not unsafe


def load_tool(name: str):
    import importlib.util

    path = Path(__file__).parent.parent / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_results(path: Path, verdicts: dict[str, str]) -> Path:
    """A results.json with one case per "claim case" name."""
    cases = []
    for name, verdict in verdicts.items():
        claim, case = name.split()
        cases.append({"claim": claim, "case": case, "verdict": verdict, "reason": "why"})
    path.write_text(json.dumps({"schema": 1, "meta": {}, "results": cases}))
    return path


def test_verdict_stability_counts_the_cases_that_flip(tmp_path, capsys):
    tool = load_tool("verdict_stability")
    draws = [
        {"R1 mlp": "pass", "R2 order": "pass", "T1 x": "skip"},
        {"R1 mlp": "pass", "R2 order": "fail", "T1 x": "skip"},
        {"R1 mlp": "pass", "R2 order": "pass"},
    ]
    for k, verdicts in enumerate(draws):
        (tmp_path / str(k)).mkdir()
        write_results(tmp_path / str(k) / "results.json", verdicts)
    rounds = {k: tool.read_cases(tmp_path / str(k) / "results.json") for k in range(len(draws))}
    assert tool.flips(rounds) == ["R2 order"]
    lines = tool.table(rounds).splitlines()
    assert lines[0].split() == ["case", "seed", "0", "seed", "1", "seed", "2"]
    assert lines[2].split() == ["*", "R2", "order", "pass", "fail", "pass"]
    assert lines[3].split() == ["T1", "x", "skip", "skip", tool.MISSING]  # missing in a round: not a flip
    assert tool.reasons(rounds, "R2 order") == ["    seed 1: fail: why"]
    args = tool.parse_args(["--first", "5", "--workers", "0"])
    command = tool.pytest_command(args, 7, tmp_path)
    assert command[command.index("--first-seed") + 1] == "7" and "-n" not in command and args.rounds == 10


def test_verdict_stability_holds_a_planned_cases_verdicts_to_its_own_design():
    tool = load_tool("verdict_stability")
    from rethink_core.case import ClaimCase, Verdict
    from rethink_core.verdicts import plan_for

    plan = plan_for("A1 kept before changed", 3)

    def case(step: str, values: list[float]) -> ClaimCase:
        decision = {"step": step, "values": values, "plan_hash": plan.plan_hash}
        verdict = Verdict.SKIP if step == "undecided" else Verdict(step)
        return ClaimCase(
            "A1",
            "mlp",
            verdict,
            "default",
            "embedded",
            plan_hash=plan.plan_hash,
            statistics={"changed later: plan's decision": decision},
        )

    clear = [case("pass", [20.0 + i, 21.0 - i]) for i in range(3)]  # far above the SESOI, every draw passes
    assert tool.against_power(clear, tool.plans_by_hash())["p"] > 0.01
    odd = [case("fail", [20.0 + i, 21.0 - i]) for i in range(5)]  # fails where its design says it passes
    found = tool.against_power(odd, tool.plans_by_hash())
    assert found["p"] < 0.01 and found["rows"]["fail"][0] == 5
    assert tool.against_power([case("pass", [1.0])], tool.plans_by_hash()) is None  # too few values to say


def test_check_deviations_wants_each_declaration_before_its_confirming_draw():
    tool = load_tool("check_deviations")
    source = (
        'DEVIATIONS = (Deviation(claim="G2", case="alexnet", scales=("default", "paper"), reason="r", command="c"),)'
    )
    assert tool.entries(source) == {("G2", "alexnet", "default"), ("G2", "alexnet", "paper")}
    findings = f"""text
{tool.MARKER}
| claim | case | scale | seeds | first confirming run trained (UTC) | outcome |
|---|---|---|---|---|---|
| G2 | alexnet | default | 1000 | 2026-12-02T04:40:00 | xfail |
| A3 | mlp | smoke | 1000 | 2026-12-01T00:00:00 | xpass |

more text"""
    confirmed = tool.confirmations(findings)
    assert set(confirmed) == {("G2", "alexnet", "default"), ("A3", "mlp", "smoke")}
    from datetime import UTC, datetime

    before, after = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC)
    current = {("G2", "alexnet", "default"), ("A3", "mlp", "smoke"), ("M1", "mlp", "smoke")}
    declared = {("G2", "alexnet", "default"): ("abc", before), ("A3", "mlp", "smoke"): ("def", after)}
    found = tool.problems(current, declared, confirmed)
    assert any(p.startswith("A3 mlp smoke: declared in def") for p in found)
    assert any(p.startswith("A3 mlp smoke: the confirming draw's outcome was 'xpass'") for p in found)
    assert any(p.startswith("M1 mlp smoke: no confirming draw") for p in found)
    assert not any(p.startswith("G2") for p in found)


def test_the_referee_table_shows_each_cases_design_as_recorded():
    from rethink_core.case import ClaimCase, DesignCheck, Verdict
    from rethink_core.plan import power
    from rethink_core.verdicts import plan_for

    tool = load_tool("referee_table")
    plan = plan_for("A1 kept before changed", 3)
    planned = ClaimCase("A1", "mlp1x512", Verdict.PASS, "default", "embedded", plan_hash=plan.plan_hash)
    design = (
        DesignCheck("every run fits", "criterion", "run"),
        DesignCheck("at chance", "class-permutation test", "seed", 1e-3, "does not reject", 5e-5),
    )
    once = ClaimCase("R1", "mlp1x512", Verdict.PASS, "default", "embedded", design=design)
    skipped = ClaimCase("G3", "inception_nobn", Verdict.SKIP, "default", "embedded")
    rows = tool.rows([planned, once, skipped])
    assert [row[0] for row in rows] == ["A1 mlp1x512", "R1 mlp1x512", "R1 mlp1x512"]
    assert rows[0][3] == "0.0050 per look" and rows[0][6] == f"{power(plan):.2f}"
    assert rows[1][2] == "criterion: every run fits" and rows[2][5] == "5.0e-05" and rows[2][7] == "the test rejects"
