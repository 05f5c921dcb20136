"""In what precision to train: float32, or bf16 mixed precision (weights and optimizer state stay
float32; matmuls and convolutions run in bf16 under ``torch.autocast``).

``auto`` is bf16 on a GPU and on a CPU with native bf16 instructions (AMX or AVX-512 BF16, read from
the CPU's flags at run time), float32 on any other CPU, where torch would only emulate bf16. On the
CPU bf16 gave the default suite the same 41 verdicts as float32, 1.23x faster on an AVX-512 BF16
machine without AMX (benchmarks/README.md, "bf16 on the CPU"). The precision is part of every run's
store key where it is not the device's historical default (float32 on a CPU, bf16 on a GPU), so
float32 and bf16 runs are never mixed and stored float32 runs stay valid.
"""

from __future__ import annotations

from pathlib import Path

import torch

from rethink_core.errors import ConfigError

CHOICES = ("auto", "bf16", "float32")
DEVICE_DEFAULT = {"cpu": "float32", "cuda": "bf16"}


def cpu_bf16_instructions() -> list[str]:
    """The CPU's native bf16 instruction sets (``amx_bf16``, ``avx512_bf16``) as Linux reports them;
    empty elsewhere or where none is present."""
    try:
        flags = next(
            (
                line.split(":", 1)[1].split()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("flags")
            ),
            [],
        )
    except OSError:
        return []
    return [flag for flag in ("amx_bf16", "avx512_bf16") if flag in flags]


def resolve_precision(choice: str, device_type: str) -> str:
    """``float32`` or ``bf16`` for a choice of :data:`CHOICES` on a device of this type."""
    if choice not in CHOICES:
        raise ConfigError(f"unknown precision {choice!r}: use one of {', '.join(CHOICES)}")
    if choice == "auto":
        return "bf16" if device_type == "cuda" or cpu_bf16_instructions() else "float32"
    return choice


def or_default(precision: str | None, device_type: str) -> str:
    """``precision``, or where it is None the device's default (bf16 on CUDA, float32 elsewhere)."""
    return precision or DEVICE_DEFAULT.get(device_type, "float32")


def autocast(device_type: str, precision: str) -> torch.autocast:
    """bf16 mixed precision where ``precision`` is ``bf16``; plain float32 otherwise."""
    return torch.autocast(device_type, dtype=torch.bfloat16, enabled=precision == "bf16")


def key_part(precision: str | None, device_type: str) -> dict:
    """What a run's store key and stored configuration say about its precision: nothing where it is the
    device's historical default (so runs stored before the choice existed keep their keys)."""
    return {"precision": precision} if precision and precision != DEVICE_DEFAULT.get(device_type) else {}
