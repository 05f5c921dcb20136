"""bf16 against float32 on the CPU: matmul peaks and the trainer's throughput for the suite's models.

For each model, in one process and one after the other (so both precisions see the same machine
state): the trainer's own loop (throughput.py's ``measure``: ``rethink_core.train.train`` on
generated images, batch 128, no checks) in float32 and in bf16, each against the best 2048^3 matmul of
its own precision measured in the same process. Reports the speed-up and each precision's fraction of
its peak.

    python benchmarks/precision_steps.py --threads 1
"""

from __future__ import annotations

import argparse

import torch
from benchlib import machine, matmul_peak, write_json
from throughput import measure

# The default scale's models at their widths, and the CNNs at full width.
MODELS = (
    ("mlp1x512", 1.0),
    ("alexnet", 0.25),
    ("inception", 0.125),
    ("inception_nobn", 0.125),
    ("alexnet", 1.0),
    ("inception", 1.0),
)
PRECISIONS = ("float32", "bf16")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--images", type=int, default=512, help="images per epoch (a multiple of 128)")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs (after one warm-up epoch)")
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cpu")
    peaks = {p: matmul_peak(device, precision=p) for p in PRECISIONS}
    print(
        f"matmul 2048^3: float32 {peaks['float32'] / 1e9:.0f} GFLOP/s, bf16 {peaks['bf16'] / 1e9:.0f} GFLOP/s "
        f"({peaks['bf16'] / peaks['float32']:.2f}x), {args.threads} thread(s)"
    )
    print("model\twidth\tfloat32 images/s\tbf16 images/s\tspeed-up\tfloat32 of its peak\tbf16 of its peak")
    rows = []
    for name, width in MODELS:
        run = argparse.Namespace(
            width=width, shape=[1, 28, 28], images=args.images, epochs=args.epochs, batch=128, compile=False
        )
        both = {p: measure(name, run, device, peaks[p], p) for p in PRECISIONS}
        speedup = both["bf16"]["images_per_s"] / both["float32"]["images_per_s"]
        rows.append({"model": name, "width": width, "speedup": speedup, **both})
        print(
            f"{name}\t{width:g}\t{both['float32']['images_per_s']:.0f}\t{both['bf16']['images_per_s']:.0f}\t"
            f"{speedup:.2f}x\t{both['float32']['fraction_of_peak']:.0%}\t{both['bf16']['fraction_of_peak']:.0%}",
            flush=True,
        )
    write_json(args.json, {"machine": machine(), "threads": args.threads, "peaks": peaks, "rows": rows})


if __name__ == "__main__":
    main()
