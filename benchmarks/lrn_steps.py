"""AlexNet's training throughput with torch's LocalResponseNorm and with rethink_core.lrn's, side by side.

For AlexNet at the default scale's width (0.25) and at full width, in float32 and in bf16: throughput.py's
``measure`` (``rethink_core.train.train`` on generated 1x28x28 images, batch 128, no checks) with
torch's module and with ours (the same numbers, bit for bit: tests/test_lrn.py), alternating for
``--rounds`` rounds in one process. Shows each one's best images/s, ours against torch's in the same
precision, and ours in bf16 against torch's in float32 (the trainer before bf16 and this change).

    python benchmarks/lrn_steps.py --threads 1
"""

from __future__ import annotations

import argparse

import torch
from benchlib import machine, write_json
from throughput import measure
from torch import nn

from rethink_core import lrn, models

WIDTHS = (0.25, 1.0)
PRECISIONS = ("float32", "bf16")
MODULES = {"torch": nn.LocalResponseNorm, "ours": lrn.LocalResponseNorm}


def throughput(module: type[nn.Module], width: float, precision: str, args: argparse.Namespace) -> float:
    """Images/s of AlexNet at ``width`` built with ``module`` as its local response normalization."""
    models.LocalResponseNorm = module  # SmallAlexNet.block builds whatever this name holds
    run = argparse.Namespace(width=width, shape=[1, 28, 28], images=args.images, epochs=args.epochs, batch=128)
    run.compile = False
    try:
        return measure("alexnet", run, torch.device("cpu"), 1.0, precision)["images_per_s"]
    finally:
        models.LocalResponseNorm = lrn.LocalResponseNorm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--images", type=int, default=1024, help="images per epoch (a multiple of 128)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after one warm-up epoch)")
    parser.add_argument("--rounds", type=int, default=3, help="times each variant runs, alternating")
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        for width in WIDTHS:
            for precision in PRECISIONS:
                for name, module in MODULES.items():
                    key = f"{width:g}/{precision}/{name}"
                    best[key] = max(best.get(key, 0.0), throughput(module, width, precision, args))
    print(f"{machine()}\n{args.threads} thread(s); best images/s of {args.rounds} round(s)")
    print("width\tprecision\ttorch's LRN\tours\tours / torch's\tours / torch's in float32")
    for width in WIDTHS:
        for precision in PRECISIONS:
            theirs, ours = best[f"{width:g}/{precision}/torch"], best[f"{width:g}/{precision}/ours"]
            baseline = best[f"{width:g}/float32/torch"]
            print(f"{width:g}\t{precision}\t{theirs:.0f}\t{ours:.0f}\t{ours / theirs:.2f}x\t{ours / baseline:.2f}x")
    write_json(args.json, {"machine": machine(), "threads": args.threads, "rounds": args.rounds, "best": best})


if __name__ == "__main__":
    main()
