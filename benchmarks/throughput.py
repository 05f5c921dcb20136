"""Training throughput (images/s) and achieved FLOP/s against the machine's measured matmul peak.

Runs the library's loop (rethink_core.train.train) for a fixed number of epochs on generated data
(no eval-mode checks, no test evaluations) and divides. FLOPs per step are counted with
torch.utils.flop_counter.FlopCounterMode (forward and backward of one batch of 128); the peak is
the best of five square matmuls in the same process, in the precision the training runs in
(``--precision``, as the suite resolves it: bf16 on a GPU or a CPU with bf16 instructions; CPU: 2048,
same thread count; GPU: 8192). Images are generated at ``--shape`` and preprocessed like real data (crop to 28 x 28):
    python benchmarks/throughput.py --models mlp1x512 mlp3x512 --shape 1 28 28      # CPU, Fashion-MNIST shape
    python benchmarks/throughput.py --device cuda --shape 3 32 32 --json out.json   # every paper model, CIFAR shape
"""

from __future__ import annotations

import argparse

import torch
from benchlib import (
    add_run_options,
    build,
    generated_tensors,
    machine,
    matmul_peak,
    setup,
    step_flops,
    timed,
    write_json,
)

from rethink_core.models import NAMES, is_convolutional
from rethink_core.precision import resolve_precision
from rethink_core.train import Hyper, train


def measure(name: str, args: argparse.Namespace, device: torch.device, peak: float, precision: str) -> dict:
    """One architecture's throughput, FLOPs per step and fraction of the matmul peak."""
    shape = tuple(args.shape)
    data = generated_tensors(args.images, 256, shape, device, channels_last=is_convolutional(name))
    model = build(name, args.width, tuple(data.x_train.shape[1:]), device)
    flops = step_flops(model, data.x_train[: args.batch], data.y_train[: args.batch])
    hyper = Hyper(lr=0.01, batch_size=args.batch, max_epochs=args.epochs, check_from=2.0)  # 2.0: never check
    compile_mode = "1" if args.compile else ""
    warm_up = Hyper(lr=0.01, batch_size=args.batch, max_epochs=1, check_from=2.0)  # and compile, if asked
    run = {"eval_test": False, "compile_mode": compile_mode, "precision": precision}
    train(model, data, warm_up, **run)
    _, seconds = timed(lambda: train(model, data, hyper, **run), device)
    steps = args.epochs * (args.images // args.batch)
    achieved = steps * flops / seconds
    return {
        "model": name,
        "width": args.width,
        "input": list(data.x_train.shape[1:]),
        "params": sum(p.numel() for p in model.parameters()),
        "flops_per_step": flops,
        "images_per_s": args.epochs * args.images / seconds,
        "achieved_flops": achieved,
        "precision": precision,
        "fraction_of_peak": achieved / peak,
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(NAMES))
    parser.add_argument("--images", type=int, default=4096, help="images per epoch (a multiple of --batch)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs (after one warm-up epoch)")
    parser.add_argument("--batch", type=int, default=128)
    add_run_options(parser)
    args = parser.parse_args()
    device = setup(args)
    precision = resolve_precision(args.precision, device.type)
    peak = matmul_peak(device, precision=precision)
    print(f"{machine()}\nmatmul peak: {peak / 1e9:.1f} GFLOP/s ({precision})")
    print(f"{'model':<16}{'input':>12}{'MFLOP/step':>12}{'images/s':>11}{'GFLOP/s':>10}{'of peak':>9}")
    rows = []
    for name in args.models:
        row = measure(name, args, device, peak, precision)
        rows.append(row)
        shape = "x".join(map(str, row["input"]))
        print(
            f"{name:<16}{shape:>12}{row['flops_per_step'] / 1e6:>12.1f}{row['images_per_s']:>11.0f}"
            f"{row['achieved_flops'] / 1e9:>10.1f}{row['fraction_of_peak']:>9.1%}",
            flush=True,
        )
    peak_after = matmul_peak(device, precision=precision)
    print(f"matmul peak again: {peak_after / 1e9:.1f} GFLOP/s (a large change means a busy machine)")
    write_json(args.json, {"machine": machine(), "args": vars(args), "peak": [peak, peak_after], "rows": rows})


if __name__ == "__main__":
    main()
