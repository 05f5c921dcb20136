"""The one training loop (Section 2 and Appendix A): SGD with momentum until the training set is fit.

Data stay resident on the device as tensors; each epoch draws a fresh shuffle and walks it in
mini-batches (no per-item DataLoader). The learning rate is multiplied by 0.95 after every epoch.
Training stops as soon as the whole training set, evaluated in eval mode, is 100% correct
("fitted"), at the epoch cap ("not_converged": never silently a pass), or when the loss stops
being finite ("diverged").

To stay cheap, the eval-mode pass over the training set runs only once the running accuracy of
the epoch (counted on the fly during the training pass) reaches ``check_from``, and at the last
epoch; the per-epoch history records that running accuracy, plus the eval-mode accuracy whenever it
was computed. Given ``subsets`` (masks over the training set, e.g. the examples whose label the
corruption kept and those it changed), each epoch also records the running accuracy of every subset
and, whenever the eval-mode pass ran, its eval-mode accuracy (Arpit et al. 2017: which examples are
fit first); both come from predictions the loop makes anyway.

On a GPU the loop trains in bf16 mixed precision with cuDNN's autotuner on (on the CPU in float32,
or bf16 where asked for: :mod:`rethink_core.precision`); the CNNs arrive
channels-last (``experiment.execute``). ``torch.compile`` is optional and off by default: pass
``compile_mode="1"`` (or a mode name, e.g. ``max-autotune``; the session's ``$RETHINK_COMPILE``). It is
not a hyperparameter and not part of the store key: it changes speed, not what is computed
(results equal up to float rounding, as between two GPUs).

Data too large to stay resident (ImageNet, claim I1) arrive as a streamed source instead of
:class:`~rethink_core.data.Tensors` (:class:`rethink_core.imagenet.Streamed`: labels resident, images
decoded batch by batch in the loop's order); the loop is the same, and records top-5 accuracy too.
A long run survives interruption with a :class:`~rethink_core.checkpoint.Checkpoint`: the loop saves
its state after an epoch (at most every so many seconds) and, given a saved state, continues from it
to the same weights it would have reached without the interruption. Where ``torch.distributed`` is
initialized with more than one rank, the loop trains data-parallel: each rank takes its share of every
mini-batch (:mod:`rethink_core.parallel`, which also launches the ranks).
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rethink_core.checkpoint import Checkpoint
from rethink_core.data import Tensors
from rethink_core.parallel import ALONE, Group
from rethink_core.precision import autocast as precision_autocast

if TYPE_CHECKING:
    from rethink_core.imagenet import Streamed

FITTED, NOT_CONVERGED, DIVERGED = "fitted", "not_converged", "diverged"


@dataclass(frozen=True)
class Hyper:
    """Optimisation settings. Defaults are the paper's (Appendix A): momentum 0.9, learning rate
    decayed by 0.95 per epoch; batch size 128 (not stated in the paper; the common choice).

    The paper's epoch is a pass over CIFAR-10's 50,000 images (390 steps). On a smaller training
    set a per-pass decay would shrink the learning rate hundreds of times faster per step and end
    training before the data are fit, so the decay is tied to examples seen: 0.95 per
    ``decay_examples`` (50,000) examples, i.e. a factor 0.95 ** (n / 50,000) per pass over n
    examples. At the paper's scale this is exactly the paper's schedule.
    """

    lr: float = 0.01
    lr_decay: float = 0.95
    momentum: float = 0.9
    batch_size: int = 128
    weight_decay: float = 0.0
    augment: bool = False  # random crop: pad by 2 and crop back, on the device
    decay_examples: int = 50_000
    max_epochs: int = 200
    check_from: float = 0.9  # running train accuracy at which the exact eval-mode check starts
    test_every: int = 1  # evaluate the test set every this many epochs (and always at the end)


@dataclass
class Epoch:
    """One row of a run's history."""

    epoch: int  # 1-based: epochs completed
    loss: float  # mean training loss over the epoch's mini-batches
    train_acc: float  # running accuracy during the epoch (train mode, weights changing)
    test_acc: float | None  # eval mode, against the true test labels
    lr: float
    seconds: float
    train_acc_eval: float | None = None  # eval-mode accuracy on the whole training set, when checked
    subset_acc: dict[str, float] | None = None  # running accuracy per subset of the training set
    subset_acc_eval: dict[str, float] | None = None  # eval-mode accuracy per subset, when checked
    test_correct: str | None = None  # which test images were right, when tested (pack_hits; G4's halves)
    # top-5 accuracies (Table 2), measured on streamed data only: left out of the stored row where None
    train_top5_eval: float | None = None
    test_top5: float | None = None


TOP5 = ("train_top5_eval", "test_top5")


def epoch_dict(row: Epoch) -> dict:
    """A row as stored: the top-5 fields only where measured, so other scales' stored runs are unchanged."""
    return {k: v for k, v in asdict(row).items() if k not in TOP5 or v is not None}


@dataclass
class History:
    """What one training run did, epoch by epoch, and how it ended."""

    status: str = NOT_CONVERGED
    epochs: list[Epoch] = field(default_factory=list)
    steps_per_epoch: int = 0

    @property
    def epochs_to_fit(self) -> int | None:
        """Epochs until 100% training accuracy (eval mode); None unless fitted."""
        return len(self.epochs) if self.status == FITTED else None

    @property
    def steps_to_fit(self) -> int | None:
        return self.epochs_to_fit * self.steps_per_epoch if self.epochs_to_fit else None

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "steps_per_epoch": self.steps_per_epoch,
            "epochs": [epoch_dict(e) for e in self.epochs],
        }

    @classmethod
    def from_dict(cls, d: dict) -> History:
        return cls(status=d["status"], steps_per_epoch=d["steps_per_epoch"], epochs=[Epoch(**e) for e in d["epochs"]])


def random_crop(x: torch.Tensor, pad: int, generator: torch.Generator) -> torch.Tensor:
    """Pad each image by ``pad`` (zeros) and crop back to its size at a random offset per image."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n, 1), generator=generator).to(x.device)
    dx = torch.randint(0, 2 * pad + 1, (n, 1), generator=generator).to(x.device)
    rows = (dy + torch.arange(h, device=x.device))[:, None, :, None].expand(-1, x.shape[1], -1, w + 2 * pad)
    padded = padded.gather(2, rows)
    cols = (dx + torch.arange(w, device=x.device))[:, None, None, :].expand(-1, x.shape[1], h, -1)
    return padded.gather(3, cols)


def autocast(device: torch.device, precision: str = "float32") -> torch.autocast:
    """Mixed precision as ``precision`` says: ``bf16``, or full ``float32`` (exact and deterministic on
    the CPU). The session resolves it for the device (:mod:`rethink_core.precision`)."""
    return precision_autocast(device.type, precision)


def compiled(model: nn.Module, mode: str = "") -> nn.Module:
    """``model`` under ``torch.compile`` in ``mode`` (``1``: its default mode; ``""`` or ``0``: not
    compiled); the result shares the model's parameters."""
    if mode in ("", "0"):
        return model
    return torch.compile(model) if mode == "1" else torch.compile(model, mode=mode)


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1024, precision: str = "float32") -> torch.Tensor:
    """Predicted classes for ``x``, in eval mode (``precision``: see :func:`autocast`)."""
    was_training = model.training
    model.eval()
    with autocast(x.device, precision):
        out = torch.cat([model(x[i : i + batch_size]).argmax(1) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


def confusion_matrix(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, num_classes: int, precision: str = "float32"
) -> list[list[int]]:
    """counts[true class][predicted class] over ``x``."""
    pred = predict(model, x, precision=precision)
    counts = torch.bincount(y * num_classes + pred, minlength=num_classes * num_classes)
    return counts.view(num_classes, num_classes).tolist()


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, precision: str = "float32") -> float:
    """Fraction of ``x`` classified as ``y``, in eval mode."""
    return (predict(model, x, precision=precision) == y).float().mean().item()


def pack_hits(hits: torch.Tensor) -> str:
    """Per-example right/wrong as text for the store: the booleans packed 8 to a byte, base64."""
    return base64.b64encode(np.packbits(hits.cpu().numpy().astype(bool)).tobytes()).decode()


def unpack_hits(packed: str, n: int) -> np.ndarray:
    """The ``n`` booleans :func:`pack_hits` packed."""
    return np.unpackbits(np.frombuffer(base64.b64decode(packed), dtype=np.uint8))[:n].astype(bool)


def subset_accuracy(hits: torch.Tensor, subsets: dict[str, torch.Tensor]) -> dict[str, float]:
    """Fraction of each subset (a boolean mask) whose ``hits`` (correct/incorrect per example) are True;
    an empty subset is left out."""
    return {name: hits[mask].float().mean().item() for name, mask in subsets.items() if bool(mask.any())}


def batches(
    data: Tensors | Streamed,
    order: torch.Tensor,
    hyper: Hyper,
    gen: torch.Generator,
    epoch: int,
    group: Group = ALONE,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """(positions, images) of one epoch's mini-batches in ``order`` (this rank's share of each: ``group``),
    augmented where ``hyper`` says: resident images sliced and shifted on the device (the shifts drawn for
    the whole batch, so that every rank's ``gen`` stays in step), streamed ones decoded (and augmented)
    by the source."""
    if not isinstance(data, Tensors):
        yield from data.train_batches(order, hyper.batch_size, epoch, hyper.augment, group.share)
        return
    for i in range(0, len(order), hyper.batch_size):
        idx = order[i : i + hyper.batch_size]
        x = data.x_train[idx]
        yield group.share(idx), group.share(random_crop(x, 2, gen) if hyper.augment else x)


@torch.inference_mode()
def top_k(model: nn.Module, images: Iterable[torch.Tensor], k: int, precision: str = "float32") -> torch.Tensor:
    """The ``k`` highest-scoring classes of every image, in eval mode: N x k."""
    was_training = model.training
    model.eval()
    out = []
    for x in images:
        with autocast(x.device, precision):
            logits = model(x)
        out.append(logits.topk(min(k, logits.shape[1]), dim=1).indices)
    model.train(was_training)
    return torch.cat(out)


def evaluate(
    net: nn.Module, data: Tensors | Streamed, split: str, precision: str, group: Group = ALONE
) -> tuple[torch.Tensor, float | None]:
    """Which images of ``split`` ("train" or "test") are right (top-1), and the top-5 accuracy (streamed
    data only; None on resident tensors, whose runs record top-1 alone). With more than one rank, each
    evaluates its share of the images and every rank gets the whole answer."""
    y = data.y_train if split == "train" else data.y_test
    group.sync_buffers(net)
    if isinstance(data, Tensors):
        x = data.x_train if split == "train" else data.x_test
        return group.gather(predict(net, group.share(x), precision=precision) == group.share(y), len(y)), None
    top = top_k(net, data.images(split, EVAL_BATCH, group.share), 5, precision)
    mine = group.share(y)
    top1, top5 = (group.gather(hits, len(y)) for hits in (top[:, 0] == mine, (top == mine[:, None]).any(dim=1)))
    return top1, top5.float().mean().item()


EVAL_BATCH = 256  # images per forward pass when evaluating streamed data


def train(
    model: nn.Module,
    data: Tensors | Streamed,
    hyper: Hyper,
    seed: int = 0,
    on_epoch: Callable[[Epoch], None] | None = None,
    eval_test: bool = True,
    compile_mode: str = "",
    subsets: dict[str, torch.Tensor] | None = None,
    precision: str = "float32",
    checkpoint: Checkpoint | None = None,
) -> History:
    """Train ``model`` on ``data`` (already on the model's device) until it fits or hits the cap;
    ``compile_mode``: see :func:`compiled`; ``subsets``: named masks over the training set whose
    accuracy each epoch records; ``precision``: see :func:`autocast`; ``checkpoint``: where the run's
    state is saved after epochs and, if a state is there, resumed from."""
    device = data.y_train.device
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed shapes: pick the fastest convolution kernels once
    n, group = len(data.y_train), Group.current()
    group.check(n, hyper.batch_size)
    net = compiled(model, compile_mode)
    stepped = group.wrap(net, device)  # what trains: under DistributedDataParallel with more than one rank
    order_gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=hyper.lr, momentum=hyper.momentum, weight_decay=hyper.weight_decay)
    history = History(steps_per_epoch=math.ceil(n / hyper.batch_size))
    if checkpoint is not None and (state := checkpoint.load()) is not None:
        resume(state, model, opt, order_gen, history)
    model.train()
    for epoch in range(len(history.epochs), hyper.max_epochs):
        start = time.perf_counter()
        lr = hyper.lr * hyper.lr_decay ** (epoch * n / hyper.decay_examples)
        for params in opt.param_groups:
            params["lr"] = lr
        group.seed_epoch(seed, epoch)
        loss_sum, correct = torch.zeros((), device=device), torch.zeros((), device=device, dtype=torch.long)
        order = torch.randperm(n, generator=order_gen).to(device)
        hits = torch.zeros(n, dtype=torch.bool, device=device) if subsets else None
        for step, (idx, x) in enumerate(batches(data, order, hyper, order_gen, epoch, group)):
            y = data.y_train[idx]
            with autocast(device, precision):
                logits = stepped(x)
                loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            group.weighted(loss, len(idx), min(hyper.batch_size, n - step * hyper.batch_size)).backward()
            opt.step()
            loss_sum += loss.detach() * len(idx)
            right = logits.detach().argmax(1) == y
            correct += right.sum()
            if hits is not None:
                hits[idx] = right
        mean_loss, running_acc = group.sum(loss_sum).item() / n, group.sum(correct).item() / n
        row = Epoch(epoch + 1, mean_loss, running_acc, None, lr, 0.0)
        if hits is not None:  # each rank flagged the images it trained on
            row.subset_acc = subset_accuracy(group.union(hits), subsets)
        at_cap = epoch + 1 == hyper.max_epochs
        if not math.isfinite(mean_loss):
            history.status = DIVERGED
        elif running_acc >= hyper.check_from or at_cap:
            train_hits, row.train_top5_eval = evaluate(net, data, "train", precision, group)
            row.train_acc_eval = train_hits.float().mean().item()
            if subsets:
                row.subset_acc_eval = subset_accuracy(train_hits, subsets)
            if row.train_acc_eval == 1.0:
                history.status = FITTED
        last = history.status != NOT_CONVERGED or at_cap
        if eval_test and (last or (epoch + 1) % hyper.test_every == 0):
            test_hits, row.test_top5 = evaluate(net, data, "test", precision, group)
            row.test_acc, row.test_correct = test_hits.float().mean().item(), pack_hits(test_hits)
        row.seconds = time.perf_counter() - start
        history.epochs.append(row)
        if checkpoint is not None and group.rank == 0 and history.status == NOT_CONVERGED and not at_cap:
            checkpoint.maybe_save(lambda: snapshot(model, opt, order_gen, history))
        if on_epoch:
            on_epoch(row)
        if history.status != NOT_CONVERGED:
            break
    return history


def snapshot(model: nn.Module, opt: torch.optim.Optimizer, order_gen: torch.Generator, history: History) -> dict:
    """Everything the loop needs to continue after the last finished epoch as if never stopped: weights
    (BatchNorm's running statistics included), momentum, the order-and-crop generator, the global
    generators (dropout) and the history so far."""
    return {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "order_gen": order_gen.get_state(),
        "cpu_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "history": history.to_dict(),
    }


def resume(
    state: dict, model: nn.Module, opt: torch.optim.Optimizer, order_gen: torch.Generator, history: History
) -> None:
    """Put a :func:`snapshot` back: the loop then starts at the epoch after the history's last."""
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    order_gen.set_state(state["order_gen"])
    torch.set_rng_state(state["cpu_rng"])
    if state["cuda_rng"]:
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    restored = History.from_dict(state["history"])
    history.status, history.epochs, history.steps_per_epoch = restored.status, restored.epochs, restored.steps_per_epoch
