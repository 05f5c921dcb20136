"""Where to train: the device a choice of ``auto``, ``cpu`` or ``cuda`` resolves to."""

from __future__ import annotations

import torch

from rethink_core.errors import ConfigError

CHOICES = ("auto", "cpu", "cuda")


def resolve_device(choice: str, index: int = 0) -> str:
    """``cpu`` or ``cuda:<index mod GPUs>``; ``auto`` takes a GPU where there is one (one GPU per
    xdist worker: worker ``gw<i>`` passes ``index=i``)."""
    if choice not in CHOICES:
        raise ConfigError(f"unknown device {choice!r}: use one of {', '.join(CHOICES)}")
    if choice == "cuda" and not torch.cuda.is_available():
        raise ConfigError("--device cuda: no CUDA GPU is available here; use --device cpu or auto")
    if choice == "cpu" or not torch.cuda.is_available():
        return "cpu"
    return f"cuda:{index % torch.cuda.device_count()}"


def synchronize(device: str | torch.device) -> None:
    """Wait for queued GPU work, so that a clock read afterwards measures it (no-op on the CPU)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def check_gpus_per_run(gpus: int, device: str) -> None:
    """Refuse ``--gpus-per-run`` below 1, or above the GPUs this machine has (none on ``--device cpu``)."""
    available = torch.cuda.device_count() if device.startswith("cuda") else 0
    if gpus < 1 or (gpus > 1 and gpus > available):
        where = f"this machine has {available}" if device.startswith("cuda") else "the device is the CPU"
        raise ConfigError(f"--gpus-per-run {gpus}: give 1, or at most the GPUs a run can have ({where})")
