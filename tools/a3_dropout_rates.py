"""A3 probe: how much does dropout at other rates slow memorization, at a scale's size?

A3 tests one rate, 0.5, fixed before any run (rethink_core.models.DROPOUT). This probe trains the
scale's MLP 1x512 with dropout at each given rate, on random labels and on true labels, for as many
epochs as the network without dropout needs to fit random labels (the same budget as A3), and prints
the memorization cost (training accuracy lost on random labels) and the generalization cost (test
accuracy lost on true labels). Nothing is stored; A3 itself is unchanged.

    python tools/a3_dropout_rates.py --rates 0.5 0.7 0.9 --seeds 2
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import torch

from rethink_core import models
from rethink_core.experiment import materialize
from rethink_core.scales import get_scale
from rethink_core.seeding import derived_seed
from rethink_core.train import accuracy, train


def trained(scale_name: str, variant: str, seed: int, rate: float, epochs: int | None) -> tuple[int, float, float]:
    """(epochs trained, training accuracy, test accuracy) of the scale's MLP with dropout ``rate``."""
    exp = get_scale(scale_name).experiment("mlp1x512", variant, seed=seed)
    if epochs is not None:
        exp = replace(exp, hyper=replace(exp.hyper, max_epochs=epochs))
    net, data, classes = materialize(exp)
    if rate:
        torch.manual_seed(derived_seed(seed, "init"))
        net = models.mlp(tuple(data.x_train.shape[1:]), [512], classes, dropout=rate)
    history = train(net, data, exp.hyper, seed=derived_seed(seed, "order"))
    return len(history.epochs), accuracy(net, data.x_train, data.y_train), accuracy(net, data.x_test, data.y_test)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="default")
    parser.add_argument("--rates", type=float, nargs="+", default=[0.5, 0.7, 0.9])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("rate\tseed\tbudget\ttrain acc (random)\ttest acc (true)\tmemorization cost\tgeneralization cost")
    for seed in range(args.seeds):
        budget, fit_random, _ = trained(args.scale, "random_labels", seed, 0.0, None)
        _, _, test_plain = trained(args.scale, "true_labels", seed, 0.0, None)
        for rate in args.rates:
            _, random_acc, _ = trained(args.scale, "random_labels", seed, rate, budget)
            _, _, test_acc = trained(args.scale, "true_labels", seed, rate, budget)
            print(
                f"{rate:g}\t{seed}\t{budget}\t{random_acc:.4f}\t{test_acc:.4f}\t{fit_random - random_acc:.4f}\t"
                f"{test_plain - test_acc:.4f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
