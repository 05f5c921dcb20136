"""R3 probe: which training examples does the network fit last, as label noise grows (Figure 1b)?

Trains the `default` scale's label-noise runs exactly as claim R3 does (same experiment, seeds and
training loop) and, after every epoch, classifies the whole training set in eval mode, split into
the examples whose label the corruption kept ("kept") and those whose label it changed
("changed"). Per run it prints the time to overfit (epochs to 100%, R3's definition), the epochs
until all kept and until all changed examples are fit at once, the epochs to 95% and 99% of the
training set, and the share of changed examples among the last 1% to be fit (by the last epoch
each was misclassified). Nothing here is stored; R3 itself is unchanged. On the CPU a run repeats
bit for bit with the same number of threads (`pytest -n auto` gives each worker one: `--threads 1`
reproduces the claims' runs); with another number, float sums round differently and the epochs
can differ.

    python tools/r3_fit_order.py --model mlp1x512 --levels 0 0.2 0.4 0.6 0.8 1 --seeds 2
"""

from __future__ import annotations

import argparse
import time

import torch

from rethink_core.experiment import materialize, prepared
from rethink_core.scales import get_scale
from rethink_core.seeding import derived_seed
from rethink_core.train import Epoch, predict, train


def first_epoch(wrong_counts: list[int], at_most: int) -> int | None:
    """The first epoch (1-based) at which at most ``at_most`` examples were wrong."""
    return next((i + 1 for i, w in enumerate(wrong_counts) if w <= at_most), None)


def fit_order(model: str, p: float, seed: int, scale_name: str = "default") -> dict:
    """Train one R3 run of ``scale_name`` and measure when its kept and changed examples are fit."""
    exp = get_scale(scale_name).experiment(model, "corrupt_labels", p, seed)
    net, data, _ = materialize(exp)
    clean, _, _ = prepared(exp.dataset, None, False, exp.n_train, exp.n_test)
    changed = data.y_train != clean.y_train
    last_wrong = torch.zeros(len(changed), dtype=torch.long)
    wrong_kept: list[int] = []
    wrong_changed: list[int] = []

    def record(row: Epoch) -> None:
        wrong = predict(net, data.x_train) != data.y_train
        last_wrong[wrong] = row.epoch
        wrong_kept.append(int((wrong & ~changed).sum()))
        wrong_changed.append(int((wrong & changed).sum()))

    start = time.perf_counter()
    history = train(net, data, exp.hyper, seed=derived_seed(seed, "order"), on_epoch=record)
    n = len(changed)
    wrong_all = [a + b for a, b in zip(wrong_kept, wrong_changed, strict=True)]
    tail = last_wrong.argsort(descending=True)[: max(1, n // 100)]
    return {
        "model": model,
        "p": p,
        "seed": seed,
        "images": n,
        "changed": int(changed.sum()),
        "status": history.status,
        "epochs_to_100": history.epochs_to_fit,
        "kept_fit": first_epoch(wrong_kept, 0),
        "changed_fit": first_epoch(wrong_changed, 0) if changed.any() else None,
        "epochs_to_95": first_epoch(wrong_all, n // 20),
        "epochs_to_99": first_epoch(wrong_all, n // 100),
        "changed_share_of_last_1pct": float(changed[tail].float().mean()),
        "seconds": round(time.perf_counter() - start, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp1x512")
    parser.add_argument("--levels", type=float, nargs="+", default=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--scale", default="default")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    columns = [
        "model", "p", "seed", "images", "changed", "status", "epochs_to_100", "kept_fit", "changed_fit",
        "epochs_to_95", "epochs_to_99", "changed_share_of_last_1pct", "seconds",
    ]  # fmt: skip
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for p in args.levels:
            row = fit_order(args.model, p, seed, args.scale)
            cells = [f"{row[c]:.2f}" if isinstance(row[c], float) and c != "p" else str(row[c]) for c in columns]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
