"""--executor ray (rethink_core.cluster) on a Ray cluster simulated on this machine: the same verdicts and
stored runs as --executor local, and a worker node killed mid-session costs a retry, not a run.

The scenarios share one test so that one Ray instance runs at a time (also under ``-n``)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from rethink_core.errors import ConfigError
from rethink_core.report import compare_reports
from rethink_core.settings import RAY_ATTEMPTS_ENV as ATTEMPTS_ENV
from rethink_core.settings import executor_choice

CLAIMS = Path(__file__).resolve().parent.parent / "claims"
SELECTION = "R1 and inception"  # two runs of about 15 s each at smoke: long enough to lose a node under one


def test_the_executor_option_is_checked():
    assert executor_choice("local") == "local" and executor_choice("ray") == "ray"
    with pytest.raises(ConfigError, match="choose local or ray"):
        executor_choice("dask")


BROKEN_MODEL = """
import torch.nn as nn


class Broken(nn.Module):
    def __init__(self, input_shape, num_classes):
        super().__init__()
        self.fc = nn.Linear(input_shape[0] * input_shape[1] * input_shape[2], num_classes)

    def forward(self, x):
        if self.training:
            raise RuntimeError("broken in training")
        return self.fc(x.flatten(1))


def build(input_shape, num_classes):
    return Broken(input_shape, num_classes)
"""


def test_without_the_ray_executor_nothing_imports_ray():
    import subprocess
    import sys

    code = "import sys, rethink_core.plugin, rethink_core.settings; assert 'ray' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def stored_runs(store: Path) -> dict[str, list]:
    """Store key -> the run's history without its timings (what was trained), for every run in a store."""
    histories = {p.stem: json.loads(p.read_text())["result"]["history"] for p in store.rglob("*.json")}
    return {key: [{**e, "seconds": 0} for e in h["epochs"]] + [h["status"]] for key, h in histories.items()}


def test_claims_train_on_a_simulated_two_node_ray_cluster_and_survive_a_node_lost(pytester, tmp_path, monkeypatch):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    shutil.copytree(CLAIMS, pytester.path / "claims")
    attempts = tmp_path / "attempts"
    attempts.mkdir()
    monkeypatch.setenv(ATTEMPTS_ENV, str(attempts))  # the nodes' workers inherit it
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")

    def session(name: str, *args: str, wait: bool = True, selection: str | None = SELECTION):
        where = ("--store-dir", str(tmp_path / name), "--report-dir", str(tmp_path / f"{name}-report"))
        chosen = ("-k", selection) if selection else ()
        command = ("claims", "-p", "rethink_core.plugin", "--scale", "smoke", *chosen, *where, *args)
        if wait:
            return pytester.runpytest_subprocess(*command, timeout=600)
        return pytester.popen([*pytester._getpytestargs(), *command], stdin=None)

    # every smoke claim; one torch thread per run, as a Ray task with one CPU has: the same numbers
    assert session("local", "-n", "2", selection=None).ret == pytest.ExitCode.OK
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})  # the head trains nothing
    try:
        cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20)
        cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20)
        on_ray = session("ray", "--executor", "ray", "--ray-address", cluster.address, selection=None)
        assert on_ray.ret == pytest.ExitCode.OK, on_ray.stdout.str()[-2000:]
        # the same runs, trained to the same histories, and the same verdicts and numbers
        assert stored_runs(tmp_path / "ray") == stored_runs(tmp_path / "local")
        changes = compare_reports(tmp_path / "local-report" / "latest", tmp_path / "ray-report" / "latest")
        assert [c for c in changes if c.verdict[0] != c.verdict[1] or set(c.measured) - {"seconds"}] == []
        assert len(list(attempts.iterdir())) == len(stored_runs(tmp_path / "ray"))  # one attempt per run

        # a node lost mid-run: one worker node trains while the session starts, and dies under its run
        for node in list(cluster.worker_nodes):
            cluster.remove_node(node)
        doomed = cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20)
        for marker in attempts.iterdir():
            marker.unlink()
        running = session("lost", "--executor", "ray", "--ray-address", cluster.address, wait=False)
        deadline = time.monotonic() + 300
        while not list(attempts.iterdir()):
            assert time.monotonic() < deadline and running.poll() is None, "no run started on the cluster"
            time.sleep(0.2)
        cluster.remove_node(doomed)  # its run is retried on the node added next
        cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20)
        assert running.wait(timeout=600) == 0, running.stdout.read().decode()[-2000:]
        lost = stored_runs(tmp_path / "lost")
        assert len(lost) == 2 and lost.items() <= stored_runs(tmp_path / "local").items()  # nothing lost, as trained
        assert len(list(attempts.iterdir())) > 2  # the run on the lost node was tried again

        # a run that fails for a reason of its own (a user's model broken in training) is not retried: its
        # error reaches its case as it would without Ray; the model's file travels to the workers
        (pytester.path / "broken.py").write_text(BROKEN_MODEL)
        for marker in attempts.iterdir():
            marker.unlink()
        model = ("--model", "broken.py:build", "--executor", "ray", "--ray-address", cluster.address)
        broken = session("broken", *model, selection="R1")
        assert broken.ret == pytest.ExitCode.TESTS_FAILED
        broken.stdout.fnmatch_lines(["*RuntimeError*broken in training*"])
        assert len(list(attempts.iterdir())) == 2  # R1's two runs, once each
    finally:
        ray.shutdown()
        cluster.shutdown()
