"""The pytest plugin: usage errors, records and verdicts (also under xdist), the report files."""

from __future__ import annotations

import json

import numpy as np
import pytest

CLAIM = '''
import pytest

@pytest.mark.claim("R1")
def test_passes(record, scale):
    """A claim that holds."""
    record("a", measured={"acc": 1.0}, paper={"acc %": 100.0}, curves={"x": {"loss": [2.0, 1.0]}})
    assert scale.name == "smoke"

@pytest.mark.claim("R2")
def test_fails(record):
    """A claim that does not hold."""
    record("b", measured={"acc": 0.5}, paper="paper text")
    assert 0.5 > 0.9, "measured 0.5, needed 0.9"

@pytest.mark.claim("R3")
def test_skipped(record):
    """A claim this scale cannot support."""
    record("c", measured={})
    pytest.skip("needs ImageNet")
'''


def run(pytester, *args, subprocess=True, claim=CLAIM):
    pytester.makepyfile(**{"claims/test_fake": claim})
    base = (
        "-p",
        "rethink_core.plugin",
        "--scale",
        "smoke",
        "--store-dir",
        str(pytester.path / "store"),
        "--report-dir",
        str(pytester.path / "reports"),
        *args,
    )
    return pytester.runpytest_subprocess(*base) if subprocess else pytester.runpytest(*base)


@pytest.mark.parametrize("xdist", [False, True])
def test_records_get_verdicts_and_a_report(pytester, xdist):
    result = run(pytester, *(["-n", "2"] if xdist else []))
    result.assert_outcomes(passed=1, failed=1, skipped=1)
    latest = pytester.path / "reports" / "latest"
    doc = json.loads((latest / "results.json").read_text())
    verdicts = {r["claim"]: r["verdict"] for r in doc["results"]}
    assert verdicts == {"R1": "pass", "R2": "fail", "R3": "skip"}
    by_claim = {r["claim"]: r for r in doc["results"]}
    assert "measured 0.5, needed 0.9" in by_claim["R2"]["reason"]
    assert "needs ImageNet" in by_claim["R3"]["reason"]
    assert by_claim["R1"]["scale"] == "smoke" and by_claim["R1"]["dataset"] == "embedded"
    assert doc["meta"]["scale"] == "smoke"
    report_md = (latest / "report.md").read_text()
    assert all(f"## {claim}" in report_md for claim in ("R1", "R2", "R3"))
    assert (latest / "R1-a.png").exists()
    result.stdout.fnmatch_lines(["*claim report:*report.html*"])


def test_report_rebuilds_from_results_alone(pytester):
    run(pytester)
    latest = pytester.path / "reports" / "latest"
    (latest / "report.md").unlink()
    from rethink_core.report import main

    assert main([str(latest)]) == 0
    assert "R2" in (latest / "report.md").read_text()


def test_cuda_without_a_gpu_is_a_usage_error(pytester):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    result = run(pytester, "--device", "cuda", subprocess=False)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*no CUDA GPU*"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scale", "huge"], "invalid choice: 'huge'"),
        (["--device", "tpu"], "invalid choice: 'tpu'"),
        (["--precision", "fp8"], "unknown precision 'fp8': use one of auto, bf16, float32"),
        (["--dataset", "nope.npz"], "does not exist"),
        (["--dataset", "svhn"], "unknown data set"),
        (["--seeds", "0"], "at least 1"),
        (["--first-seed", "-1"], "--first-seed must be 0 or more, got -1"),
        (["--first-seed", "two"], "invalid int value: 'two'"),
        (["--lr", "0.1"], "--lr: settings of a user's model, given without --model"),
        (["--store-dir", "afile/store"], "cannot create the results store"),
        (["--report-dir", "afile/reports"], "--report-dir * cannot be written"),
        (["--dataset", "bad.npz"], "missing arrays"),
        (["--dataset", "small.npz"], "small.npz has 40 training and 20 test images; scale 'smoke' needs 500 and 1000"),
    ],
)
def test_bad_options_end_the_run_with_a_one_line_usage_error(pytester, args, message, data_files):
    (pytester.path / "afile").write_text("")  # a file where a folder should be
    data_files.write_npz(pytester.path / "small.npz")
    np.savez(pytester.path / "bad.npz", x_train=np.zeros((4, 8, 8), np.uint8))
    args = [str(pytester.path / a) if a.endswith(".npz") or a.startswith("afile") else a for a in args]
    result = run(pytester, *args, subprocess=False)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])
    assert "Traceback" not in result.stderr.str()


SEEDS_CLAIM = """
import pytest
from rethink_core.errors import DataError

@pytest.mark.claim("R1")
def test_seeds(record, scale):
    record("seeds", measured={"seeds": scale.seed_list()})

@pytest.mark.claim("R2")
def test_bad_input_inside_a_claim(record):
    record("bad", measured={})
    raise DataError("x.npz: y_train has labels outside 0..9")
"""


def test_first_seed_draws_other_seeds_and_the_report_records_them(pytester):
    result = run(pytester, "--first-seed", "3", "--seeds", "2", claim=SEEDS_CLAIM)
    result.assert_outcomes(passed=1, failed=1)
    doc = json.loads((pytester.path / "reports" / "latest" / "results.json").read_text())
    by_claim = {r["claim"]: r for r in doc["results"]}
    assert by_claim["R1"]["measured"]["seeds"] == [3, 4]
    assert doc["meta"]["first_seed"] == 3 and doc["meta"]["seed_list"] == [3, 4]
    assert "--first-seed" in doc["meta"]["command"] and doc["meta"]["versions"]["numpy"]
    # bad input met inside a claim: its one-line message, no traceback through the library
    assert by_claim["R2"]["reason"].endswith("DataError: x.npz: y_train has labels outside 0..9")
    assert "Traceback" not in result.stdout.str() and "rethink_core/" not in result.stdout.str()


DEVIATION_CLAIM = '''
import pytest

@pytest.mark.claim("R3")
@pytest.mark.parametrize("holds", [False, True])
def test_declared(record, holds):
    """A claim case declared as a known non-reproduction at this scale."""
    record("mlp trend", measured={"holds": holds})
    assert holds, "the trend did not show"

@pytest.mark.claim("R3")
def test_declared_but_broken(record):
    """Only the claim's own assertion makes a declared case a deviation: any other error fails."""
    record("mlp trend", measured={})
    raise TypeError("a bug, not a finding")

@pytest.mark.claim("R4")
def test_not_declared(record):
    """The same claim case elsewhere is an ordinary failure."""
    record("mlp trend", measured={})
    assert False, "no trend"
'''


def test_a_declared_deviation_is_an_xfail_recorded_as_deviation_with_its_reason(pytester, monkeypatch):
    from rethink_core import deviations

    declared = deviations.Deviation("R3", "mlp trend", ("smoke",), "flat beyond p = 0.2", "pytest claims -k R3")
    monkeypatch.setattr(deviations, "DEVIATIONS", (declared,))
    result = run(pytester, subprocess=False, claim=DEVIATION_CLAIM)
    result.assert_outcomes(xfailed=1, xpassed=1, failed=2)
    doc = json.loads((pytester.path / "reports" / "latest" / "results.json").read_text())
    cases = {(r["claim"], r["test"].split("::")[-1].split("[")[-1]): r for r in doc["results"]}
    xfail, xpass = cases[("R3", "False]")], cases[("R3", "True]")]
    assert (xfail["verdict"], xpass["verdict"]) == ("deviation", "deviation-did-not-occur")
    assert xfail["reason"] == "flat beyond p = 0.2" and xfail["deviation"]["command"] == "pytest claims -k R3"
    assert cases[("R4", "test_not_declared")]["verdict"] == "fail"
    assert cases[("R3", "test_declared_but_broken")]["verdict"] == "fail"


CHECKED_CLAIM = '''
import pytest
from rethink_core.plan import AnalysisPlan, decide

PLAN = AnalysisPlan("epochs later", direction=1, sesoi=2.0, planning_sd=2.0, alpha=0.01, looks=(8,))

@pytest.mark.claim("A1")
@pytest.mark.parametrize("holds", [False, True])
def test_named(record, check, holds):
    """A declared deviation names one check: the case's other checks still decide."""
    record("alexnet", measured={"holds": holds})
    check("every run fitted", True, statistic="runs not fitted", value=0, threshold="= 0")
    check("kept before changed", holds, "changed labels were not fit later", statistic="p", value=0.3,
          threshold="< 0.01")

@pytest.mark.claim("A1")
def test_other_check_fails(record, check):
    record("alexnet", measured={})
    check("every run fitted", False, "2 runs did not fit")

@pytest.mark.claim("R3")
@pytest.mark.parametrize("values", [[5.0] * 8, [0.0] * 8, [4.0, -2.5] * 4], ids=["pass", "fail", "undecided"])
def test_planned(record, check, values):
    """A plan's decision: pass, fail (smaller than matters) or undecided (a skip)."""
    record("trend", measured={"values": values})
    check.decision("grows with noise", decide(values, PLAN), "--seeds 16 would decide it")
'''


def test_named_checks_strict_deviations_and_undecided_plans(pytester, monkeypatch):
    from rethink_core import deviations

    declared = deviations.Deviation(
        "A1", "alexnet", ("smoke",), "changed labels fit together", "cmd", check="kept before changed"
    )
    monkeypatch.setattr(deviations, "FOLLOWUPS", (declared,))
    run(pytester, subprocess=False, claim=CHECKED_CLAIM)
    doc = json.loads((pytester.path / "reports" / "latest" / "results.json").read_text())
    cases = {r["test"].split("::")[-1]: r for r in doc["results"]}
    assert cases["test_named[False]"]["verdict"] == "deviation"
    held = cases["test_named[True]"]
    assert held["verdict"] == "fail" and "declared deviation did not occur" in held["reason"]
    assert [c["name"] for c in held["checks"]] == ["every run fitted", "kept before changed"]
    assert held["checks"][1]["outcome"] == "pass" and held["deviation"]["check"] == "kept before changed"
    assert cases["test_other_check_fails"]["verdict"] == "fail"  # not the declared check: an ordinary failure
    assert cases["test_planned[pass]"]["verdict"] == "pass"
    assert cases["test_planned[pass]"]["smallest_p"] == 2.0**-8 and cases["test_planned[pass]"]["plan_hash"]
    assert cases["test_planned[fail]"]["verdict"] == "fail"
    assert "smaller than matters" in cases["test_planned[fail]"]["reason"]
    undecided = cases["test_planned[undecided]"]
    assert undecided["verdict"] == "undecided" and "--seeds 16 would decide it" in undecided["reason"]


def test_claim_ids_select_tests_with_k(pytester):
    pytester.makepyfile(**{"claims/test_fake": CLAIM})
    result = pytester.runpytest(
        "-p", "rethink_core.plugin", "--scale", "smoke", "--collect-only", "-q", "-k", "R1 or R3"
    )
    result.stdout.fnmatch_lines(["*test_passes*", "*test_skipped*"])
    assert "test_fails" not in result.stdout.str()


def test_collect_only_and_library_tests_touch_no_data_set_or_store(pytester):
    """Only a session that trains claims loads the data set and opens the store."""
    store = pytester.path / "store"
    pytester.makepyfile(**{"claims/test_fake": CLAIM, "tests/test_lib": "def test_lib():\n    assert True\n"})
    common = ("-p", "rethink_core.plugin", "--scale", "smoke", "--dataset", "nope.npz", "--store-dir", str(store))
    assert pytester.runpytest(*common, "--collect-only").ret == pytest.ExitCode.OK
    assert pytester.runpytest(*common, "tests").ret == pytest.ExitCode.OK
    assert not store.exists()
    claims = pytester.runpytest(*common, "claims")
    assert claims.ret == pytest.ExitCode.USAGE_ERROR
    claims.stderr.fnmatch_lines(["*nope.npz does not exist*"])


REHEARSED_CLAIM = (
    CHECKED_CLAIM
    + """
@pytest.mark.claim("R4")
def test_broken_library(record):
    record("broken", measured={})
    {}["a key the library lost"]
"""
)


def test_a_rehearsal_shows_would_be_verdicts_and_fails_only_on_what_is_not_a_claims_judgement(pytester):
    result = run(pytester, "--rehearse", subprocess=False, claim=REHEARSED_CLAIM)
    doc = json.loads((pytester.path / "reports" / "latest" / "results.json").read_text())
    cases = {r["test"].split("::")[-1]: r for r in doc["results"]}
    would_be = {name: (c["verdict"], c.get("would_be")) for name, c in cases.items()}
    assert would_be["test_planned[pass]"] == ("rehearsed", "pass")
    assert would_be["test_planned[fail]"] == ("rehearsed", "fail")
    assert would_be["test_planned[undecided]"] == ("rehearsed", "undecided")
    assert would_be["test_other_check_fails"] == ("rehearsed", "fail")
    assert "2 runs did not fit" in cases["test_other_check_fails"]["reason"]
    assert would_be["test_broken_library"][0] == "fail"  # a KeyError is wiring, not a verdict
    result.assert_outcomes(passed=6, failed=1)


def test_plan_lists_the_runs_of_the_selected_cases_and_trains_nothing(pytester):
    import shutil
    from pathlib import Path

    shutil.copytree(Path(__file__).resolve().parent.parent / "claims", pytester.path / "claims")
    store = pytester.path / "store"
    args = ("claims", "-p", "rethink_core.plugin", "--scale", "smoke", "--plan", "--store-dir", str(store))
    result = pytester.runpytest_subprocess(*args, "--report-dir", str(pytester.path / "reports"), "-k", "R1 or A3")
    assert result.ret == pytest.ExitCode.OK
    # smoke: R1's 2 models x true and random labels x 1 seed; A3: 4 settings x 2 kinds of labels x 1 seed
    result.stdout.fnmatch_lines(["*nothing is trained*", "A3 * 8 * 0 * 8 *", "R1 * 4 * 0 * 4 *", "all: 12 runs*"])
    assert not list(store.rglob("*.json")) and not (pytester.path / "reports" / "latest").exists()


def test_shards_then_no_train_give_the_report_of_one_session(pytester):
    import shutil
    from pathlib import Path

    from rethink_core.report import compare_reports

    shutil.copytree(Path(__file__).resolve().parent.parent / "claims", pytester.path / "claims")

    def session(store: str, report: str, *args: str):
        common = ("claims", "-p", "rethink_core.plugin", "--scale", "smoke", "--rehearse", "-k", "R1 or A3")
        where = ("--store-dir", str(pytester.path / store), "--report-dir", str(pytester.path / report))
        return pytester.runpytest_subprocess(*common, *where, *args)

    assert session("one", "one-report").ret == pytest.ExitCode.OK
    missing = session("empty", "empty-report", "--no-train")
    assert missing.ret == pytest.ExitCode.TESTS_FAILED
    missing.stdout.fnmatch_lines(["*MissingRunError: --no-train: * is not in the results store*"])
    for shard in ("1/2", "2/2"):
        assert session("shared", "unused", "--shard", shard).ret == pytest.ExitCode.OK
    assert not (pytester.path / "unused" / "latest").exists()  # a shard judges nothing
    stored = {p.name for p in (pytester.path / "shared").rglob("*.json")}
    assert stored == {p.name for p in (pytester.path / "one").rglob("*.json")}  # the shards trained it all
    assert session("shared", "merged", "--no-train").ret == pytest.ExitCode.OK
    assert compare_reports(pytester.path / "one-report" / "latest", pytester.path / "merged" / "latest") == []
    assert session("shared", "unused", "--shard", "3/2").ret == pytest.ExitCode.USAGE_ERROR
