"""Training on a Ray cluster (``--executor ray``): past one machine, same command, store and report.

One process, the controller, runs the claim tests (no ``-n``). Every run a test needs that the store
does not hold becomes a Ray task: one GPU each where the session trains on CUDA, one CPU otherwise.
At the start the controller submits the first round (every selected case at the scale's own seeds,
longest first); a planned case that needs more seeds submits its next look's runs when it gets there,
so runs a case never needs are never trained. As tasks finish, the controller writes their results
to the store (atomically, one by one) and the tests judge as before.

- ``--ray-address`` (or ``$RAY_ADDRESS``) names a running cluster (``ray start --head`` on one node,
  ``ray start --address=...`` on the others; KubeRay; Slurm's ``ray start`` recipes); without one,
  ``ray.init()`` starts a local instance. Ray's usage statistics are off: nothing leaves the machine.
- A worker or node that dies mid-run: Ray runs the task again elsewhere (:data:`RETRIES` times); what
  had finished is already in the store. A run that fails for a reason of its own (a broken model, a
  bad data set) is not retried: its own error reaches the test that needs it.
- Ctrl-C on the controller: every finished run is already stored; a run in flight continues from its
  checkpoint (``rethink_core.checkpoint``, under the store's folder) where that folder is shared by the
  nodes (NFS, a cluster file system): a retried task too; elsewhere it starts over.
- A user's ``--model`` file travels to the workers in Ray's runtime environment (the working folder).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rethink_core.checkpoint import Checkpoint
from rethink_core.errors import ConfigError

RETRIES = 3  # a task whose worker or node died is run again this many times
WORKING_DIR_EXCLUDES = [".venv", ".git", "reports", "**/__pycache__", "*.npz", "*.pt"]


def import_ray() -> Any:
    """Ray; a clear error where the extra is not installed. (The settings turn its usage statistics off.)"""
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs Ray: pip install -e '.[ray]'") from None
    return ray


def train_task(exp: Any, lab: tuple, attempts: str | None, checkpoint: Any = None) -> dict:
    """A Ray task's body: train one experiment on this worker (from its ``checkpoint`` where one was
    saved); its result as a dict. ``lab``: (device, data root, download, precision, compile mode);
    ``attempts``: a folder where each attempt leaves a marker (``$RETHINK_RAY_ATTEMPTS``, for tests), or None."""
    from rethink_core.experiment import execute

    if attempts:
        Path(attempts, f"{exp.describe().replace(' ', '_').replace('/', '_')}.{uuid.uuid4().hex[:8]}").touch()
    device, root, download, precision, compile_mode = lab
    return execute(exp, device, root, download, None, precision, compile_mode, checkpoint).to_dict()


def estimated_cost(exp: Any) -> float:
    """Training FLOPs per epoch (rethink_core.runplan), to submit the longest runs first; 0 if unknown."""
    from rethink_core.runplan import run_flops

    try:
        return run_flops(exp, exp.hyper.max_epochs)
    except Exception:
        return 0.0


@dataclass
class RayExecutor:
    """Submits runs to Ray and stores their results as they arrive (see the module's docstring)."""

    store: Any  # rethink_core.store.Store
    device: str
    root: str | None
    download: bool
    precision: str
    compile_mode: str = ""
    address: str | None = None  # a running cluster, or None: a local instance
    attempts: str | None = None  # a folder for a marker per task attempt (tests), or None
    ship_working_dir: bool = False  # a user's --model file: the working folder travels to the workers
    pending: dict[str, tuple[Any, dict]] = field(default_factory=dict)  # key -> (object ref, config) in flight
    failed: dict[str, Any] = field(default_factory=dict)  # key -> object ref of a run that raised
    _remote: Any = None

    def connect(self) -> None:
        """Join the cluster at ``address`` (or ``$RAY_ADDRESS``), or start a local instance."""
        ray = import_ray()
        if not ray.is_initialized():
            env = {"working_dir": os.getcwd(), "excludes": WORKING_DIR_EXCLUDES} if self.ship_working_dir else None
            ray.init(
                address=self.address,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env=env,
            )
        resources = {"num_gpus": 1} if self.device.startswith("cuda") else {"num_cpus": 1}
        self._remote = ray.remote(max_retries=RETRIES, retry_exceptions=False, **resources)(train_task)

    def submit(self, runs: list[tuple[str, dict, Any]]) -> None:
        """Submit (store key, config, experiment) runs not already in flight, the longest first."""
        if self._remote is None:
            self.connect()
        device = "cuda" if self.device.startswith("cuda") else self.device  # the GPU Ray gives the task
        lab = (device, self.root, self.download, self.precision, self.compile_mode)
        for key, config, exp in sorted(runs, key=lambda run: -estimated_cost(run[2])):
            if key not in self.pending and key not in self.failed:
                remote = self._remote.options(num_gpus=exp.world_size) if exp.world_size > 1 else self._remote
                ref = remote.remote(exp, lab, self.attempts, Checkpoint.in_store(self.store.root, key))
                self.pending[key] = (ref, config)

    def result(self, key: str, config: dict, exp: Any) -> dict:
        """The result of the run with store ``key`` (submitted now if it is not in flight), once it has
        finished. While waiting, every run that finishes is stored at once, so that an interrupted
        session loses only the runs still in flight."""
        if key not in self.pending and key not in self.failed:
            self.submit([(key, config, exp)])
        ray = import_ray()
        ref = self.pending[key][0] if key in self.pending else self.failed[key]
        while key in self.pending:
            ray.wait([r for r, _ in self.pending.values()], num_returns=1)
            self.store_finished()
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # the run's own error, as training locally would raise it
            raise exc.as_instanceof_cause() from None

    def store_finished(self) -> None:
        """Write every finished run in flight to the store; a failed one is kept for its test to raise."""
        ray = import_ray()
        refs = [ref for ref, _ in self.pending.values()]
        ready = set(ray.wait(refs, num_returns=len(refs), timeout=0)[0]) if refs else set()
        for key, (ref, config) in list(self.pending.items()):
            if ref in ready:
                del self.pending[key]
                try:
                    self.store.put(key, config, ray.get(ref))
                except ray.exceptions.RayTaskError:
                    self.failed[key] = ref
