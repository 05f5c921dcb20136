"""Epochs and seconds to fit true and random labels on the embedded data.

Trains from scratch (no results store) and prints one row per run:
    python benchmarks/fit_times.py                       # benchmarks/README.md's table
    python benchmarks/fit_times.py --models mlp1x512 --sizes 1000 --threads 2
"""

from __future__ import annotations

import argparse

import torch

from rethink_core.experiment import Experiment, execute
from rethink_core.models import PAPER_LR
from rethink_core.train import Hyper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mlp1x512", "alexnet:0.5"], help="name[:width]")
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 5000])
    parser.add_argument("--variants", nargs="+", default=["true_labels", "random_labels"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-epochs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--test-every", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads")
    print(
        f"{'model':<16}{'n':>6}  {'variant':<15}{'status':<14}{'epochs':>7}{'seconds':>9}{'s/epoch':>9}{'test acc':>9}"
    )
    for spec in args.models:
        name, _, width = spec.partition(":")
        for n in args.sizes:
            for variant in args.variants:
                exp = Experiment(
                    model=name,
                    width=float(width or 1),
                    variant=variant,
                    n_train=n,
                    seed=args.seed,
                    n_test=args.n_test,
                    hyper=Hyper(lr=PAPER_LR[name], max_epochs=args.max_epochs, test_every=args.test_every),
                )
                r = execute(exp)
                epochs = len(r.history.epochs)
                print(
                    f"{spec:<16}{n:>6}  {variant:<15}{r.history.status:<14}{epochs:>7}{r.seconds:>9.1f}"
                    f"{r.seconds / epochs:>9.2f}{r.test_acc:>9.3f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
