"""bf16 against float32 on the CPU: matmul peaks and whole training steps of the suite's models.

Measures, in one process and interleaved (so both precisions see the same machine state): the best
2048^3 matmul rate in float32 and in bf16, and for each model the median time of a training step
(batch 128, SGD with momentum, the trainer's channels-last layout) in float32 and under
``torch.autocast("cpu", torch.bfloat16)``. Reports each step's ratio and the fraction of the
precision's own matmul peak it reaches.

    python benchmarks/precision_steps.py --threads 1
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from benchlib import build, generated_tensors, machine, step_flops, write_json

from rethink_core.models import is_convolutional

# (model, width, training images' shape): the default scale's models, and full width
MODELS = (
    ("mlp1x512", 1.0),
    ("alexnet", 0.25),
    ("inception", 0.125),
    ("inception_nobn", 0.125),
    ("alexnet", 1.0),
    ("inception", 1.0),
)


def matmul_rate(dtype: torch.dtype, n: int = 2048, reps: int = 3, rounds: int = 3) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    best = min(_seconds(lambda: [a @ b for _ in range(reps)]) for _ in range(rounds))
    return 2 * n**3 * reps / best


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def step_time(name: str, width: float, bf16: bool, steps: int) -> tuple[float, float]:
    """(median seconds per step, FLOPs per step) of ``name`` at ``width`` on batches of 128."""
    device = torch.device("cpu")
    model = build(name, width, (1, 28, 28), device)
    data = generated_tensors(128, 8, (1, 28, 28), device, is_convolutional(name))
    x, y = data.x_train, data.y_train
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    flops = step_flops(model, x, y)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    return statistics.median(_seconds(step) for _ in range(steps)), flops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    peaks = {"float32": matmul_rate(torch.float32), "bf16": matmul_rate(torch.bfloat16)}
    print(
        f"matmul 2048^3: float32 {peaks['float32'] / 1e9:.0f} GFLOP/s, bf16 {peaks['bf16'] / 1e9:.0f} GFLOP/s "
        f"({peaks['bf16'] / peaks['float32']:.2f}x), {args.threads} thread(s)"
    )
    print("model\twidth\tfloat32 ms/step\tbf16 ms/step\tspeed-up\tfloat32 % of peak\tbf16 % of peak")
    rows = []
    for name, width in MODELS:
        (f32, flops), (b16, _) = step_time(name, width, False, args.steps), step_time(name, width, True, args.steps)
        row = {"model": name, "width": width, "float32_s": f32, "bf16_s": b16, "speedup": f32 / b16, "flops": flops}
        row["float32_fraction"] = flops / f32 / peaks["float32"]
        row["bf16_fraction"] = flops / b16 / peaks["bf16"]
        rows.append(row)
        print(
            f"{name}\t{width:g}\t{1e3 * f32:.1f}\t{1e3 * b16:.1f}\t{f32 / b16:.2f}x\t"
            f"{100 * row['float32_fraction']:.0f}%\t{100 * row['bf16_fraction']:.0f}%",
            flush=True,
        )
    write_json(args.json, {"machine": machine(), "threads": args.threads, "peaks": peaks, "steps": rows})


if __name__ == "__main__":
    main()
