"""An experiment is data: one frozen dataclass says everything a training run depends on.

:func:`execute` turns an :class:`Experiment` into a :class:`RunResult` (load and preprocess the
data, apply the randomization, build the model, train). :class:`Lab` adds the results store, so
that every experiment is trained once and reused by every claim that needs it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import torch

from rethink_core import alignment, imagenet, models, randomize, user_models
from rethink_core import data as data_mod
from rethink_core.checkpoint import Checkpoint
from rethink_core.errors import ConfigError, MissingRunError
from rethink_core.parallel import Group, launch
from rethink_core.precision import key_part as precision_key_part
from rethink_core.precision import or_default
from rethink_core.provenance import library_versions
from rethink_core.seeding import derived_seed
from rethink_core.store import Store
from rethink_core.train import EVAL_BATCH, FITTED, Epoch, History, Hyper, confusion_matrix, top_k, train

# Bump when a change to the trainer, models, data pipeline or randomizations changes results:
# it is part of every store key, so old results are not reused.
TRAINER_VERSION = 4  # 3: kept/changed-label accuracy per epoch, eval check at the cap, probes; 4: which test images
# were right at every test evaluation (Epoch.test_correct: G4 picks an epoch on one half, measures on the other)


@dataclass(frozen=True)
class Experiment:
    """One training run: data, randomization, model and hyperparameters."""

    model: str
    variant: str = "true_labels"
    p: float = 0.0  # label-corruption probability (variant "corrupt_labels")
    seed: int = 0
    width: float = 1.0
    dataset: str = "embedded"
    data_fingerprint: str = ""  # the exact data bytes (see data.ImageData.fingerprint)
    model_fingerprint: str = ""  # a user model's source and initial weights (user_models.fingerprint)
    n_train: int = 1000
    n_test: int = 2000
    hyper: Hyper = field(default_factory=Hyper)
    image_size: int = 0  # streamed data (ImageNet): the side images are cropped to; 0: the data set's pipeline
    world_size: int = 1  # GPUs one run trains on, data-parallel (rethink_core.parallel); 1: one process

    def key(self, device_type: str = "cpu", precision: str | None = None) -> str:
        """The store key: a hash of the complete configuration, the kind of device, the precision where
        it is not the device's default (CUDA trains in bf16, the CPU in float32) and the trainer's
        version."""
        config = {"experiment": self.identity(), "device_type": device_type, "trainer_version": TRAINER_VERSION}
        config.update(precision_key_part(precision, device_type))
        blob = json.dumps(config, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def identity(self) -> dict:
        """Every field, as the store keys and checks it; the paper's models (no model fingerprint) as
        before the field existed, so their stored runs stay valid. A run on several GPUs keys its world
        size (BatchNorm's statistics are per GPU, and the float sums differ): another entry than on one."""
        fields = self.as_dict()
        if not fields["model_fingerprint"]:  # added later, keyed only where set
            del fields["model_fingerprint"]
        return fields

    def as_dict(self) -> dict:
        """Every field, as results store and report it (``image_size`` and ``world_size`` only where set:
        the stored runs of every scale but imagenet are as before the fields existed)."""
        fields = asdict(self)
        for name, unset in (("image_size", 0), ("world_size", 1)):
            if fields[name] == unset:
                del fields[name]
        return fields

    def describe(self) -> str:
        label = f"p={self.p:g}" if self.variant == "corrupt_labels" else self.variant
        decay = self.hyper.weight_decay
        regularizers = ("+crop" if self.hyper.augment else "") + (f"+wd{decay:g}" if decay else "")
        model = user_models.display_name(self.model) if user_models.is_user_model(self.model) else self.model
        size = f"units={round(self.width * 512)}" if self.model == "mlp1x512_pool4" else f"w={self.width:g}"
        gpus = f" gpus={self.world_size}" if self.world_size > 1 else ""
        return f"{model}({size}) {label}{regularizers} seed={self.seed} n={self.n_train}{gpus}"

    @classmethod
    def from_dict(cls, d: dict) -> Experiment:
        return cls(**{**d, "hyper": Hyper(**d["hyper"])})


@dataclass
class RunResult:
    """A finished run: its experiment, how it ended, and its per-epoch history."""

    experiment: Experiment
    history: History
    device: str
    seconds: float
    num_params: int
    trained_at: str
    versions: dict
    test_confusion: list[list[int]]  # [true class][predicted class] on the test set, final model
    # a few numbers about the trained weights (no checkpoints): "first_layer_alignment" for a model
    # whose first layer is fully connected on the pixels (alignment.first_layer_alignment)
    probes: dict = field(default_factory=dict)
    precision: str = ""  # "float32" or "bf16" ("": the device's default, before trainer version 3)

    @property
    def fitted(self) -> bool:
        return self.history.status == FITTED

    @property
    def final(self) -> Epoch:
        return self.history.epochs[-1]

    @property
    def test_acc(self) -> float:
        return self.final.test_acc

    @property
    def train_acc(self) -> float:
        """Eval-mode training accuracy at the end (running accuracy if never checked)."""
        last = self.final
        return last.train_acc_eval if last.train_acc_eval is not None else last.train_acc

    def to_dict(self) -> dict:
        return {
            "experiment": self.experiment.as_dict(),
            "history": self.history.to_dict(),
            "device": self.device,
            "seconds": self.seconds,
            "num_params": self.num_params,
            "trained_at": self.trained_at,
            "versions": self.versions,
            "test_confusion": self.test_confusion,
            "probes": self.probes,
            "precision": self.precision,
        }

    @classmethod
    def from_dict(cls, d: dict) -> RunResult:
        return cls(
            experiment=Experiment.from_dict(d["experiment"]),
            history=History.from_dict(d["history"]),
            **{k: d[k] for k in ("device", "seconds", "num_params", "trained_at", "versions", "test_confusion")},
            probes=d.get("probes", {}),
            precision=d.get("precision", ""),
        )


def summarize_runs(results: list[RunResult]) -> list[dict]:
    """How each run a number rests on ended: the record's link back to the results store."""
    return [
        {
            "key": r.experiment.key(torch.device(r.device).type, r.precision or None),
            "precision": or_default(r.precision, torch.device(r.device).type),
            "run": r.experiment.describe(),
            "status": r.history.status,
            "epochs": len(r.history.epochs),
            "train_acc": r.train_acc,
            "test_acc": r.test_acc,
            "seconds": round(r.seconds, 2),
            "num_params": r.num_params,
            "device": r.device,
            "seed": r.experiment.seed,
            "config": r.experiment.as_dict(),
            "versions": r.versions,
            "trained_at": r.trained_at,
        }
        for r in results
    ]


def versions() -> dict:
    """The versions a result depends on: Python, torch, NumPy and the trainer's."""
    return {**library_versions(), "trainer": TRAINER_VERSION}


@lru_cache(maxsize=8)
def prepared(
    dataset: str, root: str | None, download: bool, n_train: int, n_test: int
) -> tuple[data_mod.Tensors, str, int]:
    """Load, subset and preprocess a data set once per process: (tensors, fingerprint, classes)."""
    raw = data_mod.load(dataset, root, download)
    if n_train > len(raw.y_train) or n_test > len(raw.y_test):
        raise ConfigError(
            f"{dataset} has {len(raw.y_train)} training and {len(raw.y_test)} test images; the experiment "
            f"asks for {n_train} and {n_test}: choose a scale that fits this data set"
        )
    raw = data_mod.take(raw, n_train, n_test)
    return data_mod.preprocess(raw), raw.fingerprint, raw.num_classes


@lru_cache(maxsize=8)
def prepared_index(root: str | None, n_train: int, n_test: int) -> tuple[imagenet.ImageIndex, str, int]:
    """ImageNet's subset of a run, once per process: (index, fingerprint, classes)."""
    index = imagenet.load_index(root)
    if n_train > len(index.y_train) or n_test > len(index.y_test):
        raise ConfigError(
            f"ImageNet under {imagenet.folder_of(root)} has {len(index.y_train)} training and {len(index.y_test)} "
            f"validation images; the experiment asks for {n_train} and {n_test}"
        )
    return imagenet.take(index, n_train, n_test), index.fingerprint, index.num_classes


def data_identity(exp: Experiment, root: str | None, download: bool) -> tuple[str, int, tuple[int, ...]]:
    """(fingerprint, classes, input shape) of ``exp``'s data, without streaming any of it."""
    if exp.dataset == imagenet.NAME:
        _, fingerprint, classes = prepared_index(root, exp.n_train, exp.n_test)
        return fingerprint, classes, (3, exp.image_size, exp.image_size)
    tensors, fingerprint, classes = prepared(exp.dataset, root, download, exp.n_train, exp.n_test)
    return fingerprint, classes, tuple(tensors.x_train.shape[1:])


def materialize_streamed(
    exp: Experiment, device: str, root: str | None
) -> tuple[torch.nn.Module, imagenet.Streamed, int]:
    """As :func:`materialize`, for ImageNet: the labels randomized and resident, the images streamed."""
    index, fingerprint, classes = prepared_index(root, exp.n_train, exp.n_test)
    _check_fingerprint(exp, fingerprint)
    if exp.variant not in ("true_labels", "random_labels", "corrupt_labels") or not exp.image_size:
        raise ConfigError(f"{exp.describe()}: ImageNet runs take label variants and an image size")
    labels = data_mod.Tensors(
        torch.empty(0), torch.from_numpy(index.y_train), torch.empty(0), torch.from_numpy(index.y_test)
    )
    y = randomize.apply(labels, exp.variant, derived_seed(exp.seed, "data"), exp.p, classes)
    torch.manual_seed(derived_seed(exp.seed, "init"))
    model = models.build(exp.model, (3, exp.image_size, exp.image_size), classes, exp.width).to(device)
    model = model.to(memory_format=torch.channels_last)
    workers = imagenet.default_workers(device, exp.world_size)
    seed = derived_seed(exp.seed, "augment")
    source = imagenet.Streamed(index, y.y_train.to(device), y.y_test.to(device), exp.image_size, seed, workers)
    return model, source, classes


def _check_fingerprint(exp: Experiment, fingerprint: str) -> None:
    if exp.data_fingerprint and exp.data_fingerprint != fingerprint:
        raise data_mod.DataError(f"{exp.dataset}: data changed (fingerprint {fingerprint} != {exp.data_fingerprint})")


def materialize(
    exp: Experiment, device: str = "cpu", root: str | None = None, download: bool = False
) -> tuple[torch.nn.Module, data_mod.Tensors, int]:
    """The freshly initialised model and the randomized data of ``exp``, on ``device``, ready for
    :func:`~rethink_core.train.train`: (model, data, number of classes)."""
    tensors, fingerprint, classes = prepared(exp.dataset, root, download, exp.n_train, exp.n_test)
    _check_fingerprint(exp, fingerprint)
    variant_data = randomize.apply(tensors, exp.variant, derived_seed(exp.seed, "data"), exp.p, classes)
    torch.manual_seed(derived_seed(exp.seed, "init"))
    model = models.build(exp.model, tuple(tensors.x_train.shape[1:]), classes, exp.width).to(device)
    if models.is_convolutional(exp.model):  # channels-last convolutions: 1.2-1.5x faster on CPU too
        model = model.to(memory_format=torch.channels_last)
        variant_data = variant_data.channels_last()
    return model, variant_data.to(device), classes


def execute(
    exp: Experiment,
    device: str = "cpu",
    root: str | None = None,
    download: bool = False,
    on_epoch: Callable[[Epoch], None] | None = None,
    precision: str = "float32",
    compile_mode: str = "",
    checkpoint: Checkpoint | None = None,
) -> RunResult:
    """Train one experiment (no store): seeded and, on the CPU, deterministic; from its ``checkpoint``
    where one was saved (the same weights as without the interruption). ``precision``: ``float32`` or
    ``bf16``; ``compile_mode``: see :func:`~rethink_core.train.compiled`. An experiment on ``world_size``
    GPUs trains in as many processes, from ``device``'s GPU on (:func:`rethink_core.parallel.launch`)."""
    if exp.world_size != Group.current().world:
        if Group.current().world > 1:
            raise ConfigError(f"{exp.describe()}: started in a process group of {Group.current().world}")
        Group(0, exp.world_size).check(exp.n_train, exp.hyper.batch_size)  # here, not in every rank
        kwargs = {"root": root, "download": download, "precision": precision, "compile_mode": compile_mode}
        return launch(execute, exp.world_size, device, on_epoch, exp=exp, checkpoint=checkpoint, **kwargs)
    streamed = exp.dataset == imagenet.NAME
    if streamed:
        model, on_device, classes = materialize_streamed(exp, device, root)
        clean = torch.from_numpy(prepared_index(root, exp.n_train, exp.n_test)[0].y_train).to(device)
    else:
        model, on_device, classes = materialize(exp, device, root, download)
        clean = prepared(exp.dataset, root, download, exp.n_train, exp.n_test)[0].y_train.to(device)
    subsets = label_subsets(clean, on_device.y_train) if exp.variant in ("corrupt_labels", "random_labels") else None
    first = None if streamed else alignment_layer(model, on_device.x_train)
    initial = first.weight.detach().clone() if first is not None else None
    start = datetime.now(UTC)
    history = train(
        model,
        on_device,
        exp.hyper,
        seed=derived_seed(exp.seed, "order"),
        on_epoch=on_epoch,
        subsets=subsets,
        precision=precision,
        compile_mode=compile_mode,
        checkpoint=checkpoint,
    )
    probes = {}
    if first is not None:
        probes["first_layer_alignment"] = alignment.first_layer_alignment(initial, first.weight, on_device.x_train)
    return RunResult(
        experiment=exp,
        history=history,
        device=str(device),
        seconds=sum(e.seconds for e in history.epochs),
        num_params=models.count_params(model),
        trained_at=start.isoformat(timespec="seconds"),
        versions=versions(),
        test_confusion=test_confusion(model, on_device, classes, precision),
        probes=probes,
        precision=precision,
    )


def test_confusion(
    model: torch.nn.Module, data: data_mod.Tensors | imagenet.Streamed, classes: int, precision: str
) -> list[list[int]]:
    """counts[true class][predicted class] of the final model on the test set (resident or streamed)."""
    if isinstance(data, data_mod.Tensors):
        return confusion_matrix(model, data.x_test, data.y_test, classes, precision)
    predicted = top_k(model, data.images("test", EVAL_BATCH), 1, precision)[:, 0]
    return (
        torch.bincount(data.y_test * classes + predicted, minlength=classes * classes).view(classes, classes).tolist()
    )


def label_subsets(clean: torch.Tensor, trained_on: torch.Tensor) -> dict[str, torch.Tensor]:
    """The training examples whose label the corruption kept and those it changed (Arpit et al. 2017)."""
    kept = trained_on == clean
    return {"kept": kept, "changed": ~kept}


def alignment_layer(model: torch.nn.Module, x_train: torch.Tensor) -> torch.nn.Linear | None:
    """The first layer, where it is fully connected on the flattened pixels (Maennel et al. 2020's
    alignment is measured there); None for a CNN or an MLP on pooled pixels."""
    first = alignment.first_linear(model)
    return first if first is not None and first.in_features == x_train[0].numel() else None


@dataclass
class Lab:
    """Runs experiments through the results store: each is trained once, then reused."""

    store: Store
    device: str = "cpu"
    root: str | None = None
    download: bool = False
    precision: str = "float32"  # "float32" or "bf16", resolved for the device (rethink_core.precision)
    compile_mode: str = ""  # torch.compile's mode, "" for off (rethink_core.train.compiled)
    on_epoch: Callable[[Experiment, Epoch], None] | None = None
    on_finish: Callable[[RunResult, bool], None] | None = None  # (result, reused)
    train: bool = True  # False (--no-train): a run missing from the store is an error, never trained
    executor: Any = None  # a rethink_core.cluster.RayExecutor (--executor ray): missing runs train there

    def run(self, exp: Experiment) -> RunResult:
        """The stored result of ``exp`` on this lab's data, training it first if needed."""
        result = self._run(exp, wait=True)
        assert result is not None
        return result

    def run_all(self, experiments: list[Experiment]) -> list[RunResult]:
        """The results of ``experiments``, in order. Runs another process is training are left for
        last, so that two xdist workers needing the same runs (R3 and R4, G1 and G4) share them
        out instead of one waiting on the other's lock. With an executor, the missing ones are submitted
        together first, so that they train side by side."""
        self.submit(experiments)
        results = [self._run(exp, wait=False) for exp in experiments]
        return [r if r is not None else self.run(exp) for r, exp in zip(results, experiments, strict=True)]

    def submit(self, experiments: list[Experiment]) -> None:
        """Hand the runs of ``experiments`` that the store lacks to the executor (none: nothing to do)."""
        if self.executor is None or not self.train:
            return
        keyed = [(*self._key(exp), exp) for exp in map(self.with_fingerprint, experiments)]
        self.executor.submit(
            [(key, config, exp) for key, config, exp in keyed if self.store.get(key, config, warn=False) is None]
        )

    def stored(self, exp: Experiment) -> RunResult | None:
        """The stored result of ``exp`` on this lab's data, or None: nothing is trained."""
        exp = self.with_fingerprint(exp)
        key, config = self._key(exp)
        found = self.store.get(key, config, warn=False)
        return RunResult.from_dict(found) if found is not None else None

    def key(self, exp: Experiment) -> str:
        """The store key ``exp`` has in this lab (its data's fingerprint, this lab's device and precision)."""
        return self._key(self.with_fingerprint(exp))[0]

    def _key(self, exp: Experiment) -> tuple[str, dict]:
        """The store key of ``exp`` (with its fingerprints) on this lab's device and precision, and its config."""
        device_type = torch.device(self.device).type
        config = {**exp.identity(), "device_type": device_type, **precision_key_part(self.precision, device_type)}
        return exp.key(device_type, self.precision), config

    def _run(self, exp: Experiment, wait: bool) -> RunResult | None:
        exp = self.with_fingerprint(exp)
        key, config = self._key(exp)
        trained = False

        def compute() -> dict:
            nonlocal trained
            if not self.train:
                raise MissingRunError(
                    f"--no-train: {exp.describe()} (store key {key}) is not in the results store {self.store.root}: "
                    "train it (without --no-train, or in its --shard) first"
                )
            trained = True
            if self.executor is not None:
                return self.executor.result(key, config, exp)
            hook = (lambda e: self.on_epoch(exp, e)) if self.on_epoch else None
            saved = Checkpoint.in_store(self.store.root, key)
            return execute(
                exp, self.device, self.root, self.download, hook, self.precision, self.compile_mode, saved
            ).to_dict()

        stored = self.store.get_or_compute(key, config, compute, wait=wait)
        if stored is None:
            return None
        Checkpoint.in_store(self.store.root, key).remove()  # stored now: the run will not resume again
        result = RunResult.from_dict(stored)
        if self.on_finish:
            self.on_finish(result, not trained)
        return result

    def with_fingerprint(self, exp: Experiment) -> Experiment:
        """``exp`` with the fingerprints of its data and, for a user's model, of the model."""
        fingerprint, classes, shape = data_identity(exp, self.root, self.download)
        model = ""
        if user_models.is_user_model(exp.model):
            model = user_models.fingerprint(exp.model, shape, classes)
        return replace(exp, data_fingerprint=fingerprint, model_fingerprint=model)
