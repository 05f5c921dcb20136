"""Time to fit random labels: our loop (rethink_core.train.train) against a conventional loop.

The conventional loop trains the way reference implementations of the paper do: a
torchvision-style Dataset that turns each stored uint8 image into a PIL image and applies the
transforms per item (ToTensor, center crop, per-image whitening), a DataLoader that shuffles and
collates, and after every epoch a full eval-mode pass over the training set (the stopping test)
and over the test set. Both sides get the same data, labels, initial weights, hyperparameters and
shuffling order (the DataLoader's sampler draws ``randperm`` from a generator seeded like ours), so
on the CPU they train the same weights; they run in this one process, one after the other, and
both stop at 100% eval-mode training accuracy.
    python benchmarks/vs_conventional.py                                   # mlp1x512, 1,000 images
    python benchmarks/vs_conventional.py --models mlp1x512 inception:0.25 --sizes 1000 2000
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from benchlib import machine
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler
from torchvision import transforms

from rethink_core import data as data_mod
from rethink_core import models, randomize
from rethink_core.experiment import Experiment, execute, prepared
from rethink_core.models import PAPER_LR
from rethink_core.seeding import derived_seed
from rethink_core.train import Hyper


class ImageDataset(Dataset):
    """Like torchvision's MNIST/CIFAR10: uint8 arrays in memory, a PIL image and transforms per item."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform: transforms.Compose) -> None:
        self.images = images[..., 0] if images.shape[-1] == 1 else images  # PIL wants H x W for grey
        self.labels = labels
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.transform(Image.fromarray(self.images[i])), int(self.labels[i])


class Shuffle(Sampler):
    """``shuffle=True`` with our order: one ``randperm`` per epoch from ``generator`` (torch's
    RandomSampler draws a second, unused one at the end of every epoch)."""

    def __init__(self, n: int, generator: torch.Generator) -> None:
        self.n, self.generator = n, generator

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return iter(torch.randperm(self.n, generator=self.generator).tolist())


def whiten(x: torch.Tensor) -> torch.Tensor:
    """Per-image standardisation of one C x H x W image (the paper's; the library's function)."""
    return data_mod.whiten_per_image(x[None])[0]


TRANSFORM = transforms.Compose([transforms.ToTensor(), transforms.CenterCrop(data_mod.CROP), transforms.Lambda(whiten)])


def evaluate(model: nn.Module, loader: DataLoader) -> float:
    """Eval-mode accuracy over a loader, batch by batch."""
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += len(y)
    model.train()
    return correct / total


def conventional_fit(exp: Experiment, workers: int) -> tuple[str, int, float]:
    """Train ``exp`` the conventional way: (status, epochs, test accuracy)."""
    raw = data_mod.take(data_mod.load(exp.dataset), exp.n_train, exp.n_test)
    tensors, _, classes = prepared(exp.dataset, None, False, exp.n_train, exp.n_test)
    labels = randomize.apply(tensors, exp.variant, derived_seed(exp.seed, "data"), exp.p, classes).y_train.numpy()
    train_set = ImageDataset(raw.x_train, labels, TRANSFORM)
    test_set = ImageDataset(raw.x_test, raw.y_test, TRANSFORM)
    hyper = exp.hyper
    order = torch.Generator().manual_seed(derived_seed(exp.seed, "order"))
    loader = DataLoader(train_set, hyper.batch_size, sampler=Shuffle(len(train_set), order), num_workers=workers)
    train_eval = DataLoader(train_set, hyper.batch_size, num_workers=workers)
    test_eval = DataLoader(test_set, hyper.batch_size, num_workers=workers)
    torch.manual_seed(derived_seed(exp.seed, "init"))
    model = models.build(exp.model, tuple(tensors.x_train.shape[1:]), classes, exp.width)
    opt = torch.optim.SGD(model.parameters(), lr=hyper.lr, momentum=hyper.momentum, weight_decay=hyper.weight_decay)
    for epoch in range(hyper.max_epochs):
        for group in opt.param_groups:
            group["lr"] = hyper.lr * hyper.lr_decay ** (epoch * exp.n_train / hyper.decay_examples)
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        train_acc, test_acc = evaluate(model, train_eval), evaluate(model, test_eval)
        if not math.isfinite(loss.item()):
            return "diverged", epoch + 1, test_acc
        if train_acc == 1.0:
            return "fitted", epoch + 1, test_acc
    return "not_converged", hyper.max_epochs, test_acc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mlp1x512"], help="name[:width]")
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000])
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--max-epochs", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes (conventional side)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(machine())
    print(f"{'model':<16}{'n':>6}  {'loop':<13}{'status':<14}{'epochs':>7}{'seconds':>9}{'s/epoch':>9}{'test acc':>9}")
    for spec in args.models:
        name, _, width = spec.partition(":")
        for n in args.sizes:
            exp = Experiment(
                model=name,
                width=float(width or 1),
                variant="random_labels",
                n_train=n,
                n_test=args.n_test,
                seed=args.seed,
                hyper=Hyper(lr=PAPER_LR[name], max_epochs=args.max_epochs, test_every=1),
            )
            ours = run_ours(exp)
            show(spec, n, "ours", *ours)
            theirs = timed_call(lambda exp=exp: conventional_fit(exp, args.workers))
            show(spec, n, "conventional", *theirs)
            print(
                f"{'':<22}ratio conventional / ours: {theirs[-1] / ours[-1]:.1f}x time, "
                f"{(theirs[-1] / theirs[1]) / (ours[-1] / ours[1]):.1f}x per epoch",
                flush=True,
            )


def run_ours(exp: Experiment) -> tuple[str, int, float, float]:
    """Ours through ``execute`` (preprocessing, randomization, model, training), timed from scratch."""
    prepared.cache_clear()
    return timed_call(lambda: summary(execute(exp)))


def summary(result) -> tuple[str, int, float]:
    return result.history.status, len(result.history.epochs), result.test_acc


def timed_call(fn) -> tuple:
    start = time.perf_counter()
    out = fn()
    return (*out, time.perf_counter() - start)


def show(spec: str, n: int, loop: str, status: str, epochs: int, test_acc: float, seconds: float) -> None:
    print(
        f"{spec:<16}{n:>6}  {loop:<13}{status:<14}{epochs:>7}{seconds:>9.1f}{seconds / epochs:>9.3f}{test_acc:>9.3f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
