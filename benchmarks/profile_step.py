"""Where one training step's time goes: ms per step and torch's profiler table of the costliest ops.

One model on generated 1x28x28 images, batch 128, the trainer's step (autocast as ``--precision``
says, cross-entropy, SGD with momentum), 5 warm-up steps, 20 timed, 10 profiled:
    python benchmarks/profile_step.py alexnet --width 0.25 --precision bf16
    python benchmarks/profile_step.py inception --width 0.125 --layout nchw    # instead of channels-last
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from rethink_core import models
from rethink_core.precision import autocast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=models.NAMES)
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--precision", default="float32", choices=["float32", "bf16"])
    parser.add_argument("--layout", default="channels-last", choices=["channels-last", "nchw"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", type=int, default=15, help="ops shown")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = models.build(args.model, (1, 28, 28), 10, width=args.width)
    x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    if args.layout == "channels-last" and models.is_convolutional(args.model):
        model, x = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step() -> None:
        with autocast("cpu", args.precision):
            loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    start = time.perf_counter()
    for _ in range(20):
        step()
    ms = (time.perf_counter() - start) / 20 * 1e3
    setting = f"{args.model} width {args.width:g}, {args.precision}, {args.layout}, {args.threads} thread(s)"
    print(f"{setting}: {ms:.1f} ms/step")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(10):
            step()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows))


if __name__ == "__main__":
    main()
