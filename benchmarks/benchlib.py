"""Helpers shared by the benchmark scripts: devices, clocks, peaks, FLOP counts, generated data."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from rethink_core import models
from rethink_core.data import Tensors, preprocess_images
from rethink_core.devices import resolve_device, synchronize
from rethink_core.precision import or_default
from rethink_core.provenance import provenance
from rethink_core.train import autocast


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options every generated-data benchmark takes: model width, image shape, device, threads, compile, output."""
    parser.add_argument("--width", type=float, default=1.0, help="width relative to the paper's")
    parser.add_argument("--shape", nargs=3, type=int, default=[3, 32, 32], metavar=("C", "H", "W"))
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=2, help="CPU threads")
    parser.add_argument("--compile", action="store_true", help="train with torch.compile")
    parser.add_argument("--precision", default="auto", help="auto, bf16 or float32 (rethink_core.precision)")
    parser.add_argument("--json", help="also write the results here")


def setup(args: argparse.Namespace) -> torch.device:
    """Apply ``--threads`` and resolve ``--device`` (``auto``: the first GPU if there is one, else the
    CPU; ``cuda`` without a GPU raises :class:`rethink_core.errors.ConfigError`)."""
    torch.set_num_threads(args.threads)
    return torch.device(resolve_device(args.device))


def timed(fn: Callable[[], object], device: torch.device) -> tuple[object, float]:
    """(result, wall seconds) of ``fn()``, with the device's queue drained before and after."""
    synchronize(device)
    start = time.perf_counter()
    out = fn()
    synchronize(device)
    return out, time.perf_counter() - start


def matmul_peak(device: torch.device, rounds: int = 5, precision: str | None = None) -> float:
    """The best FLOP/s of a square matmul over ``rounds``: 2048 x 2048 on the CPU (at the current thread
    count), 8192 x 8192 on a GPU; in ``precision`` (None: float32 on the CPU, bf16 on a GPU)."""
    n = 2048 if device.type == "cpu" else 8192
    precision = or_default(precision, device.type)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    reps = 5 if device.type == "cpu" else 20
    for _ in range(2):
        a @ b
    best = min(timed(lambda: [a @ b for _ in range(reps)], device)[1] for _ in range(rounds))
    return 2 * n**3 * reps / best


def step_flops(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> int:
    """FLOPs of one training step's forward and backward (matmuls and convolutions) on batch ``x``,
    under the trainer's autocast (bf16 on CUDA, float32 on the CPU)."""
    with FlopCounterMode(display=False) as counter, autocast(x.device):
        F.cross_entropy(model(x), y).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()


def build(name: str, width: float, input_shape: tuple[int, int, int], device: torch.device, seed: int = 0) -> nn.Module:
    """A paper architecture as the trainer runs it (channels-last for the CNNs), seeded."""
    torch.manual_seed(seed)
    model = models.build(name, input_shape, 10, width).to(device)
    return model.to(memory_format=torch.channels_last) if models.is_convolutional(name) else model


def generated_images(n: int, shape: tuple[int, int, int], seed: int) -> np.ndarray:
    """``n`` random uint8 images, N x H x W x C for ``shape`` = (C, H, W)."""
    c, h, w = shape
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, c), dtype=np.uint8)


def generated_tensors(
    n_train: int, n_test: int, shape: tuple[int, int, int], device: torch.device, channels_last: bool, seed: int = 0
) -> Tensors:
    """Random images (``shape`` before the paper's crop to 28 x 28, e.g. CIFAR's 3 x 32 x 32) with
    random labels, preprocessed like real data and resident on ``device``."""
    gen = torch.Generator().manual_seed(seed)
    data = Tensors(
        preprocess_images(generated_images(n_train, shape, seed)),
        torch.randint(10, (n_train,), generator=gen),
        preprocess_images(generated_images(n_test, shape, seed + 1)),
        torch.randint(10, (n_test,), generator=gen),
    )
    return (data.channels_last() if channels_last else data).to(device)


def machine() -> dict:
    """What ran the benchmark: the library's provenance (versions, git commit, host: platform, CPU,
    torch threads) and the GPUs, if any."""
    info = provenance()
    if torch.cuda.is_available():
        info["host"]["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return info


def write_json(path: str | None, payload: dict) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(payload, indent=2))
