"""How the default claim suite's wall time grows with the number of training images.

The full default suite (18 training runs) takes minutes; at 10,000 images per architecture it
would take hours. So this measures a representative part and extrapolates the rest:

* measured: R1's runs of ``mlp1x512`` at each size (random and true labels, seed 0), trained to
  100% training accuracy with the default scale's hyperparameters: epochs and seconds;
* measured: seconds per epoch of AlexNet (width 0.5) and Inception (width 0.25) at each size, the
  default scale's hyperparameters, with the eval-mode check of the training set in every epoch
  (an upper bound: real runs check only from 90% running accuracy);
* extrapolated: the suite's training seconds at each size = sum over its 18 runs of epochs to fit
  times seconds per epoch, with each CNN run's epochs as measured at the default size
  (``--epochs-from``, a default-scale results.json; epochs to fit barely change with the number of
  images, benchmarks/README.md) and the MLP's as measured here (seed 0 for both seeds).

One torch thread, as each of the suite's two xdist workers uses on 2 cores.
    python benchmarks/suite_growth.py --epochs-from reports/<default run>/results.json
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import replace

import torch
from benchlib import machine

from rethink_core.experiment import execute, prepared
from rethink_core.models import build
from rethink_core.scales import SCALES
from rethink_core.seeding import derived_seed
from rethink_core.train import train

SCALE = SCALES["default"]
CNNS = ("alexnet", "inception")


def default_runs(results_json: str) -> list[tuple[str, str, int, float]]:
    """(model, variant, epochs, seconds) of every distinct training run in a default-scale report."""
    runs = {}
    for case in json.loads(open(results_json).read())["results"]:
        for run in case.get("runs") or []:
            model, variant = run["run"].split("(")[0], run["run"].split()[1]
            runs[run["run"]] = (model, variant, run["epochs"], run["seconds"])
    return list(runs.values())


def calibrate(runs: list[tuple[str, str, int, float]]) -> None:
    """The extrapolation's rule applied at the default sizes, against the report's measured seconds."""
    for model in CNNS:
        spe = cnn_seconds_per_epoch(model, SCALE.architectures[model][1])
        mine = [(e, s) for m, _, e, s in runs if m == model]
        predicted, measured = sum(e for e, _ in mine) * spe, sum(s for _, s in mine)
        print(
            f"calibration {model} at {SCALE.architectures[model][1]} images: {spe:.2f} s/epoch x epochs = "
            f"{predicted:.0f} s predicted, {measured:.0f} s in the report"
        )


def cnn_seconds_per_epoch(model: str, n: int, epochs: int = 1) -> float:
    """Seconds per epoch of ``model`` at the default scale's width and hyperparameters on ``n`` images."""
    exp = replace(SCALE.experiment(model, "random_labels"), n_train=n)
    tensors, _, classes = prepared(exp.dataset, None, False, n, exp.n_test)
    torch.manual_seed(derived_seed(0, "init"))
    net = build(model, tuple(tensors.x_train.shape[1:]), classes, exp.width).to(memory_format=torch.channels_last)
    hyper = replace(exp.hyper, max_epochs=epochs, check_from=0.0)  # check the training set every epoch
    start = time.perf_counter()
    train(net, tensors.channels_last(), hyper)
    return (time.perf_counter() - start) / epochs


def mlp_fit(n: int, variant: str) -> tuple[int, float]:
    """(epochs, seconds) of mlp1x512 fitting ``variant`` on ``n`` images at the default scale."""
    result = execute(replace(SCALE.experiment("mlp1x512", variant), n_train=n))
    assert result.fitted, f"mlp1x512 {variant} n={n}: {result.history.status}"
    return len(result.history.epochs), result.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs-from", required=True, help="results.json of a default-scale claim run")
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 2000, 5000, 10000])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    runs = default_runs(args.epochs_from)
    print(machine(), f"{len(runs)} runs in the default suite, {sum(r[3] for r in runs):.0f} s of training")
    calibrate(runs)
    print(
        f"{'images':>7}{'mlp random: ep, s':>20}{'mlp true: ep, s':>18}{'alexnet s/ep':>14}{'inception s/ep':>16}"
        f"{'suite training s':>18}{'wall at 2 workers':>19}"
    )
    for n in args.sizes:
        mlp = {v: mlp_fit(n, v) for v in ("random_labels", "true_labels")}
        per_epoch = {m: cnn_seconds_per_epoch(m, n) for m in CNNS}
        per_epoch["mlp1x512"] = sum(s for _, s in mlp.values()) / sum(e for e, _ in mlp.values())
        epochs = defaultdict(int)
        for model, variant, e, _ in runs:
            epochs[model] += mlp[variant][0] if model == "mlp1x512" else e
        total = sum(epochs[m] * per_epoch[m] for m in epochs)
        fits = [f"{e}, {s:.1f}" for e, s in (mlp["random_labels"], mlp["true_labels"])]
        print(
            f"{n:>7}{fits[0]:>20}{fits[1]:>18}"
            f"{per_epoch['alexnet']:>14.2f}{per_epoch['inception']:>16.2f}{total:>18.0f}{total / 2 / 60:>15.1f} min",
            flush=True,
        )


if __name__ == "__main__":
    main()
