"""The results store: train once, atomic JSON, damage detected, one trainer across processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from rethink_core.experiment import Experiment, Lab
from rethink_core.store import Store
from rethink_core.train import Hyper


def test_computes_once_then_reuses(tmp_path):
    store, calls = Store(tmp_path), []
    compute = lambda: calls.append(1) or {"value": 1.5}  # noqa: E731
    assert store.get_or_compute("k1", {"a": 1}, compute) == {"value": 1.5}
    assert store.get_or_compute("k1", {"a": 1}, compute) == {"value": 1.5}
    assert len(calls) == 1


@pytest.mark.parametrize("damage", ["truncate", "edit", "other-config"])
def test_damaged_entry_is_detected_and_recomputed(tmp_path, damage):
    store = Store(tmp_path)
    store.put("k1", {"a": 1}, {"value": 1})
    path = store.path("k1")
    if damage == "truncate":
        path.write_text(path.read_text()[:20])
    elif damage == "edit":
        path.write_text(path.read_text().replace('"value": 1', '"value": 2'))
    else:
        entry = json.loads(path.read_text())
        path.write_text(json.dumps({**entry, "config": {"a": 2}}))
    with pytest.warns(UserWarning, match="damaged"):
        assert store.get_or_compute("k1", {"a": 1}, lambda: {"value": 3}) == {"value": 3}
    assert store.get("k1", {"a": 1}) == {"value": 3}


SLOW_COMPUTE = """
import json, sys, time
from rethink_core.store import Store

root, log = sys.argv[1], sys.argv[2]

def compute():
    with open(log, "a") as f:
        f.write("trained\\n")
    time.sleep(1.0)
    return {"value": 42}

print(json.dumps(Store(root).get_or_compute("shared", {"a": 1}, compute)))
"""


def test_two_processes_needing_the_same_run_train_it_once(tmp_path):
    """Two separate Python processes (whatever pytest's import mode) share one store."""
    log = tmp_path / "log.txt"
    command = [sys.executable, "-c", SLOW_COMPUTE, str(tmp_path / "store"), str(log)]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    results = [json.loads(proc.communicate(timeout=120)[0]) for proc in procs]
    assert results == [{"value": 42}] * 2
    assert log.read_text().count("trained") == 1


def test_a_run_another_process_is_computing_is_left_for_later(tmp_path):
    """``wait=False`` returns None while the run's lock is held elsewhere; ``Lab.run_all`` trains the
    free runs first, then waits for the held one, and returns the results in the order asked."""
    from filelock import FileLock

    store = Store(tmp_path)
    store.path("held").parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(store.path("held")) + ".lock"):
        assert store.get_or_compute("held", {"a": 1}, lambda: {"value": 1}, wait=False) is None
    assert store.get_or_compute("held", {"a": 1}, lambda: {"value": 1}, wait=False) == {"value": 1}

    exps = [
        Experiment(model="mlp1x512", width=0.125, n_train=100, n_test=50, seed=s, hyper=Hyper(max_epochs=1))
        for s in (0, 1)
    ]
    trained = []

    def finished(result, reused):
        trained.append(result.experiment.seed)
        if lock.is_locked:
            lock.release()  # "the other process" is done with seed 0 once we have trained seed 1

    lab = Lab(Store(tmp_path / "lab"), on_finish=finished)
    held = lab.store.path(lab.with_fingerprint(exps[0]).key())
    held.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(held) + ".lock", thread_local=False)
    lock.acquire()  # "another process" is training seed 0
    results = lab.run_all(exps)
    assert trained == [1, 0]
    assert [r.experiment.seed for r in results] == [0, 1]


def test_lab_trains_once_and_keys_differ_by_any_setting(tmp_path):
    exp = Experiment(model="mlp1x512", width=0.125, n_train=100, n_test=50, hyper=Hyper(max_epochs=2))
    seen = []
    lab = Lab(Store(tmp_path), on_finish=lambda result, reused: seen.append(reused))
    first, second = lab.run(exp), lab.run(exp)
    assert seen == [False, True]
    assert first.to_dict() == second.to_dict()
    assert (
        exp.key()
        != Experiment(model="mlp1x512", width=0.125, n_train=100, n_test=50, hyper=Hyper(max_epochs=2, lr=0.02)).key()
    )


KILLED_SCRIPT = """
import sys
from rethink_core.experiment import Experiment, Lab
from rethink_core.store import Store
from rethink_core.train import Hyper
lab = Lab(Store(sys.argv[1]))
quick = Experiment(model="mlp1x512", width=0.125, n_train=100, n_test=50, hyper=Hyper(max_epochs=2))
slow = Experiment(model="mlp1x512", width=0.125, n_train=100, n_test=50, hyper=Hyper(max_epochs=100000, lr=0.0))
lab.run(quick)
print("quick done", flush=True)
lab.run(slow)
"""


def test_a_killed_session_keeps_every_finished_run(tmp_path):
    import signal
    import subprocess
    import sys

    store_dir = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SCRIPT, str(store_dir)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "quick done"
    time.sleep(0.5)  # now inside the slow run's training loop
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    entries = list(store_dir.rglob("*.json"))
    assert len(entries) == 1 and not list(store_dir.rglob("*.tmp"))
    quick = Experiment(model="mlp1x512", width=0.125, n_train=100, n_test=50, hyper=Hyper(max_epochs=2))
    seen = []
    Lab(Store(store_dir), on_finish=lambda r, reused: seen.append(reused)).run(quick)
    assert seen == [True]
