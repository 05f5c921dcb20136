"""The paper and full scales, rehearsed on CPU: every claim collected and run to a verdict with the
scale's real architectures (full width), grids, seeds and tables, on a few dozen images for one
epoch, reading generated files in CIFAR-10's, MNIST's and Fashion-MNIST's own on-disk formats; the
report renders and --compare reads both. Nothing is asserted about the verdicts: a rehearsal's runs
cannot fit."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from rethink_core import cifar, verdicts
from rethink_core.experiment import Experiment
from rethink_core.paper import STATEMENTS
from rethink_core.report import compare_reports
from rethink_core.runplan import planned_runs
from rethink_core.scales import get_scale, rehearse

CLAIMS = Path(__file__).resolve().parent.parent / "claims"


@pytest.fixture
def data_root(tmp_path, data_files):
    """CIFAR-10 (100 / 20 images), MNIST and Fashion-MNIST (80 / 80 each) in their real formats."""
    root = tmp_path / "data"
    data_files.write_cifar(root)
    data_files.write_mnist(root, n=80)
    data_files.write_mnist(root, n=80, folder="FashionMNIST")
    return root


def md5_override(folder: Path) -> str:
    """A conftest for the rehearsal's own session: CIFAR-10's md5 table replaced by the sums of the
    test's generated files, for this session only."""
    sums = {p.name: cifar.md5_file(p) for p in (folder / cifar.FOLDER).iterdir()}
    return f"from rethink_core import cifar\n\ncifar.MD5 = {sums!r}\n"


@pytest.mark.parametrize("scale", ["paper", "full"])
def test_a_rehearsal_reaches_a_verdict_for_every_claim_and_renders_its_report(pytester, data_root, scale, monkeypatch):
    shutil.copytree(CLAIMS, pytester.path / "claims")
    (pytester.path / "conftest.py").write_text(md5_override(data_root))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # one thread, as an xdist worker's share of 2 cores
    reports = pytester.path / "reports"
    result = pytester.runpytest_subprocess(  # its own process: torch and the claims imported afresh
        "claims",
        "-p",
        "rethink_core.plugin",
        "--scale",
        scale,
        "--rehearse",
        "--device",
        "cpu",
        "--data-root",
        str(data_root),
        "--store-dir",
        str(pytester.path / "store"),
        "--report-dir",
        str(reports),
        "-q",
        "-p",
        "no:cacheprovider",
    )
    # a rehearsal judges wiring: every case reaches its judge, none fails on what its runs measured
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()[-3000:]
    doc = json.loads((reports / "latest" / "results.json").read_text())
    assert {case["claim"] for case in doc["results"]} == set(STATEMENTS)
    assert {case["verdict"] for case in doc["results"]} <= {"rehearsed", "skip"}
    rehearsed = [case for case in doc["results"] if case["verdict"] == "rehearsed"]
    assert {case["would_be"] for case in rehearsed} >= {"pass", "fail"}  # one epoch on 24 images fits nothing
    assert all(case["reason"].startswith("would be") for case in rehearsed)
    # every case that reached its judge records its design (a sequential plan or one decided once): its
    # hash, its seeds, and the smallest p it can reach (none only for a case decided by criteria alone)
    for case in rehearsed:
        assert case.get("plan_hash"), case["test"]
        criteria_only = all(c.get("level") is None for c in case.get("design", [{"level": 0}]))
        assert case.get("smallest_p") is not None or criteria_only, case["test"]
        assert case.get("seeds") or case["claim"] in ("T2", "T3"), case["test"]  # exact, no random draw
    assert doc["meta"]["scale"] == scale and "rehearsal" in doc["meta"]["scale_description"]
    sweeps = [c for c in doc["results"] if c["claim"] == "R3" and "epochs to fit per p" in c["measured"]]
    assert len(sweeps) == 6 and {len(c["measured"]["epochs to fit per p"]) for c in sweeps} == {11}  # the grid
    assert "Table 1" in (reports / "latest" / "report.html").read_text()
    assert compare_reports(reports / "latest", reports / "latest") == []
    # the plan of every run (what --plan prints, what the estimate costs) lists exactly what the claims train
    trained = {
        Experiment.from_dict(json.loads(p.read_text())["result"]["experiment"]).describe()
        for p in (pytester.path / "store").rglob("*.json")
    }
    # ... between the runs of the scale's seeds and the worst case of its planned cases (every look taken)
    rehearsed = rehearse(get_scale(scale))
    # at least every case's runs on the seeds of a plan's first look (2): a planned case may stop there (D1/D2
    # do when no width fits, as none does in one epoch), though the scale has more seeds (8 at paper)
    first_look = min(rehearsed.seeds, min(verdicts.PLAN_LOOKS))
    least = {exp.describe() for exp in planned_runs(replace(rehearsed, seeds=first_look, max_seeds=first_look))}
    assert least <= trained <= {exp.describe() for exp in planned_runs(rehearsed)}
