"""One session's settings, resolved once: what to run, on which data, where and in what precision,
where finished runs and reports go. Built by the plugin from pytest's options (as pytest-benchmark's
``BenchmarkSession`` is); fixtures and claims get it from there, and nothing else reads an option or
an environment variable for a setting.

Everything here is as a run trains under it: the device and precision as resolved for the process
that trains, paths absolute (a run may train in another process, or on another machine).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from rethink_core.cluster import RayExecutor
from rethink_core.devices import check_gpus_per_run, resolve_device
from rethink_core.errors import ConfigError
from rethink_core.experiment import Lab
from rethink_core.precision import resolve_precision
from rethink_core.scales import Scale, get_scale, rehearse, with_user_models
from rethink_core.store import Store
from rethink_core.user_models import HYPER_KEYS

# Environment variables that give a setting's default (an option given on the command line wins).
PRECISION_ENV, STORE_ENV, COMPILE_ENV = "RETHINK_PRECISION", "RETHINK_STORE", "RETHINK_COMPILE"
RAY_ATTEMPTS_ENV = "RETHINK_RAY_ATTEMPTS"  # --executor ray: a folder where each task attempt leaves a marker (tests)
# The options that set a user model's training (--lr, --batch-size, ...), with --train-images.
USER_MODEL_OPTIONS = (*HYPER_KEYS, "train_images")


def store_dir_default() -> Path:
    """Where finished runs are kept unless ``--store-dir`` or ``$RETHINK_STORE`` says otherwise."""
    return Path(os.environ.get(STORE_ENV) or Path.home() / ".cache" / "rethink" / "runs")


def precision_default() -> str:
    return os.environ.get(PRECISION_ENV, "auto")


@dataclass(frozen=True)
class Settings:
    """What a claims session runs and how; see the module's docstring."""

    scale: Scale
    data_root: Path | None
    download: bool
    device: str  # "cpu" or "cuda:<i>", resolved for this process
    precision: str  # "float32" or "bf16", resolved for this process's device
    precision_choice: str  # as asked for: auto, bf16 or float32
    store_dir: Path
    report_dir: Path
    user_models: tuple[str, ...] = ()
    compile_mode: str = ""  # torch.compile: "" off, "1" its default mode, else a mode name
    command: tuple[str, ...] = ()  # how the session was started, for the report
    plan_only: bool = False  # --plan: print the runs the selected cases need, train nothing
    shard: tuple[int, int] | None = None  # --shard I/N: train the planned runs of shard I of N, judge nothing
    train: bool = True  # False (--no-train): judge from the store alone; a missing run is an error
    executor: str = "local"  # --executor: "local" (this machine, xdist workers) or "ray" (rethink_core.cluster)
    ray_address: str | None = None  # --ray-address: a running Ray cluster (else $RAY_ADDRESS, else a local one)

    @classmethod
    def from_options(cls, option: Callable[[str], Any], worker: str | None = None, command: tuple = ()) -> Settings:
        """Resolve the settings from ``option(name)`` (pytest's ``config.getoption``); raises
        :class:`~rethink_core.errors.RethinkError` on a bad value, in one line."""
        scale = get_scale(option("--scale"), option("--dataset"), option("--seeds"), first_seed=option("--first-seed"))
        models = tuple(option("--model"))
        given = {key: option("--" + key.replace("_", "-")) for key in USER_MODEL_OPTIONS}
        if any(v is not None for v in given.values()) and not models:
            names = ", ".join("--" + k.replace("_", "-") for k, v in given.items() if v is not None)
            raise ConfigError(f"{names}: settings of a user's model, given without --model")
        if models:
            hyper = {k: given[k] for k in HYPER_KEYS}
            scale = with_user_models(scale, list(models), hyper, given["train_images"])
        if option("--rehearse"):
            scale = rehearse(scale)
        gpus = option("--gpus-per-run")
        device = resolve_device(option("--device"), (int(worker[2:]) if worker else 0) * gpus)
        if gpus != 1:
            scale = with_gpus_per_run(scale, gpus, device)
        root = option("--data-root")
        return cls(
            scale=scale,
            data_root=Path(root).expanduser().resolve() if root else None,
            download=bool(option("--download")),
            device=device,
            precision=resolve_precision(option("--precision"), device.split(":")[0]),
            precision_choice=option("--precision"),
            store_dir=Path(option("--store-dir")).expanduser().resolve(),
            report_dir=Path(option("--report-dir")).expanduser().resolve(),
            user_models=models,
            compile_mode=compile_mode(os.environ.get(COMPILE_ENV, "")),
            command=tuple(command),
            plan_only=bool(option("--plan")),
            shard=parse_shard(option("--shard")),
            train=not option("--no-train"),
            executor=executor_choice(option("--executor")),
            ray_address=option("--ray-address"),
        )

    @property
    def dataset(self) -> str:
        """The data set as it is loaded: a registered name or an ``.npz`` path."""
        return self.scale.dataset

    @property
    def dataset_name(self) -> str:
        """The data set's name as runs and reports give it (an ``.npz`` by its file name)."""
        return Path(self.dataset).name if self.dataset.endswith(".npz") else self.dataset

    @property
    def root(self) -> str | None:
        """The data root as the loaders take it."""
        return str(self.data_root) if self.data_root else None

    def precision_on(self, device_type: str) -> str:
        """The precision asked for, resolved for another kind of device (T4 trains on the CPU)."""
        return resolve_precision(self.precision_choice, device_type)

    @cached_property
    def store(self) -> Store:
        """The results store: opened (and checked writable) once per process, when first needed."""
        return Store(self.store_dir)

    @cached_property
    def ray_executor(self) -> RayExecutor:
        """The session's Ray executor (--executor ray): one per process, connected when first used, with
        Ray's usage statistics off (nothing leaves the machine)."""
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        return RayExecutor(
            self.store,
            self.device,
            self.root,
            self.download,
            self.precision,
            self.compile_mode,
            self.ray_address or os.environ.get("RAY_ADDRESS") or None,
            attempts=os.environ.get(RAY_ATTEMPTS_ENV) or None,
            ship_working_dir=bool(self.user_models),
        )

    def lab(self, **hooks: Callable) -> Lab:
        """A lab training through the store under these settings (``on_epoch``, ``on_finish``: progress)."""
        return Lab(
            executor=self.ray_executor if self.executor == "ray" else None,
            store=self.store,
            device=self.device,
            precision=self.precision,
            root=self.root,
            download=self.download,
            compile_mode=self.compile_mode,
            train=self.train,
            **hooks,
        )

    def in_shard(self, key: str) -> bool:
        """Whether the run with store ``key`` is this session's to train (always, without --shard)."""
        return self.shard is None or int(key, 16) % self.shard[1] == self.shard[0] - 1


def with_gpus_per_run(scale: Scale, gpus: int, device: str) -> Scale:
    """``--gpus-per-run``: the imagenet scale's runs each data-parallel over ``gpus`` GPUs (xdist worker
    *i* takes GPUs *i* x ``gpus`` on); other scales' runs take minutes on one."""
    check_gpus_per_run(gpus, device)
    if scale.dataset != "imagenet":
        raise ConfigError(f"--gpus-per-run {gpus}: only --scale imagenet splits a run over GPUs (-n spreads runs)")
    return replace(scale, gpus_per_run=gpus)


def executor_choice(value: str) -> str:
    """``--executor``: ``local`` or ``ray`` (the plugin refuses ``ray`` with xdist's ``-n``)."""
    if value not in ("local", "ray"):
        raise ConfigError(f"--executor {value!r}: choose local or ray")
    return value


def parse_shard(value: str | None) -> tuple[int, int] | None:
    """``--shard I/N`` as (I, N), 1 <= I <= N; None without it."""
    if value is None:
        return None
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        index = count = 0
    if not 1 <= index <= count:
        raise ConfigError(f"--shard {value!r}: give I/N with 1 <= I <= N, e.g. --shard 1/4")
    return index, count


def compile_mode(value: str) -> str:
    """``$RETHINK_COMPILE`` as a mode: "" (off) for unset or ``0``."""
    return "" if value in ("", "0") else value
