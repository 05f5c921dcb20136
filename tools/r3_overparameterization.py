"""R3 probe: does the slowdown from label noise depend on how over-parameterized the network is?

The paper's networks have 24-33 parameters per CIFAR-10 training image; the `default` scale's have
69-349, so that they train on a laptop CPU. This script trains `mlp1x512` (407,050 parameters on
28x28 images at width 1) on the label-noise grid at several training-set sizes and widths, to the
same 100%-training-accuracy criterion as claim R3, and prints epochs to fit relative to the first
level (give 0 first).

    python tools/r3_overparameterization.py --sizes 2000 10000 --levels 0 0.2 0.6 1 --max-epochs 600
    python tools/r3_overparameterization.py --sizes 2000 --widths 1 0.25 0.0625 --max-epochs 600

Runs go through the results store (``--store-dir``), so repeated calls reuse them.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch

from rethink_core.experiment import Lab
from rethink_core.scales import get_scale
from rethink_core.settings import store_dir_default
from rethink_core.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mlp1x512")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--widths", type=float, nargs="+", default=[1.0], help="hidden units / 512")
    parser.add_argument("--levels", type=float, nargs="+", default=[0.0, 0.2, 0.6, 1.0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--max-epochs", type=int, default=600)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--store-dir", default=str(store_dir_default()))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    lab = Lab(Store(args.store_dir))
    base = get_scale("default", seeds=args.seeds)
    print(
        "| images | width | params per image | p | seed | status | epochs | relative to the first level | test acc | "
        "seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, width in [(n, w) for n in args.sizes for w in args.widths]:
        scale = replace(base, architectures={args.model: (width, n)}, max_epochs=args.max_epochs)
        for seed in scale.seed_list():
            first = None
            for p in args.levels:
                start = time.perf_counter()
                result = lab.run(scale.experiment(args.model, "corrupt_labels", p, seed))
                epochs = len(result.history.epochs)
                first = first or epochs
                print(
                    f"| {n} | {width:g} | {result.num_params / n:.0f} | {p:g} | {seed} | {result.history.status} | "
                    f"{epochs} | {epochs / first:.2f} | {result.test_acc:.3f} | {time.perf_counter() - start:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
