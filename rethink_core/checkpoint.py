"""A run's checkpoint: the training loop's state after an epoch, so that a long run (ImageNet: hours per
epoch-sized slice of a GPU-day, claim I1) interrupted or retried continues from its last saved epoch.

One file per run, ``<store>/checkpoints/<key>.pt`` (the run's store key), written atomically (a
temporary file, then ``os.replace``) at the end of an epoch once ``every_seconds`` have passed since the
last save: a run of seconds or minutes (every CIFAR-10 and Fashion-MNIST scale's) never writes one
unless asked to (``every_seconds=0``). The run that finishes deletes it. What it holds is in
:func:`rethink_core.train.snapshot`; it loads with ``weights_only`` (tensors and plain containers only).
A file from another run (its key inside differs) or an unreadable one is ignored: the run starts over.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

EVERY_SECONDS = 600.0  # at most one save per 10 minutes: an ImageNet epoch takes longer than that on 8 GPUs


@dataclass
class Checkpoint:
    """Where one run's state is saved (``key``: the run's store key, kept inside to check it)."""

    path: Path
    key: str
    every_seconds: float = EVERY_SECONDS
    _last: float = field(default_factory=time.monotonic)

    @classmethod
    def in_store(cls, store_root: Path, key: str, every_seconds: float = EVERY_SECONDS) -> Checkpoint:
        return cls(Path(store_root) / "checkpoints" / f"{key}.pt", key, every_seconds)

    def load(self) -> dict | None:
        """The saved state of this run, or None (none saved, another run's, or unreadable: warned)."""
        if not self.path.exists():
            return None
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # a truncated or foreign file: start over rather than fail the run
            warnings.warn(f"checkpoint {self.path} is unreadable ({exc}); the run starts over", stacklevel=2)
            return None
        return state["state"] if state.get("key") == self.key else None

    def maybe_save(self, state: Callable[[], dict]) -> bool:
        """Save ``state()`` if ``every_seconds`` have passed since the last save (or the start)."""
        if time.monotonic() - self._last < self.every_seconds:
            return False
        self.save(state())
        return True

    def save(self, state: dict) -> None:
        """Write ``state`` atomically. Where the folder cannot be written (a Ray worker that does not share
        the controller's store), warn and train on without checkpoints."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as exc:
            warnings.warn(f"cannot write checkpoint {self.path} ({exc.strerror}): no checkpoints", stacklevel=2)
            self.every_seconds = math.inf
            return
        os.close(fd)
        try:
            torch.save({"key": self.key, "state": state}, tmp)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._last = time.monotonic()

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
