"""Data parallelism: one run split over the GPUs of a node (claim I1's longest runs; issue 30).

:func:`launch` starts ``world`` processes (``torch.multiprocessing``, spawned), one per GPU (``nccl``; on
the CPU, ``gloo``: what the tests use), joined in a process group through a file in a temporary folder.
Each runs the same function; rank 0's return value and its per-epoch rows come back to the caller
through a queue. Inside, the one training loop (:func:`rethink_core.train.train`) asks :meth:`Group.current`
who it is and does the rest:

- every rank draws the same epoch order (the shared order generator) and takes positions ``rank::world``
  of every global mini-batch; the model is wrapped in ``DistributedDataParallel``, and each rank's loss is
  weighted by its share of the batch, so that the averaged gradient is the whole batch's mean, as in one
  process (equal up to float rounding);
- BatchNorm normalizes each rank's share (its running statistics are rank 0's: DDP broadcasts them at
  every step), as Goyal et al. (2017) do with 32 images per GPU, and as Szegedy et al.'s replicas did; not
  ``SyncBatchNorm``, which would all-reduce at each of Inception V3's 94 BatchNorm layers every step.
  So a run at ``world`` GPUs is not the same computation as on one: the world size is in its store key;
- dropout draws from a generator seeded per (run, epoch, rank): the ranks' masks differ, and a resumed
  run draws what it would have drawn;
- the epoch's loss sum and correct counts are all-reduced; evaluation splits the images over the ranks
  (positions ``rank::world``) and sums the right/wrong flags, so every rank has the same history and stops
  at the same epoch; only rank 0 saves checkpoints.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from rethink_core.errors import ConfigError


@dataclass(frozen=True)
class Group:
    """This process's place in a data-parallel run: rank ``rank`` of ``world`` (0 of 1: no parallelism)."""

    rank: int = 0
    world: int = 1

    @classmethod
    def current(cls) -> Group:
        """The initialized process group's rank and size, else a group of one."""
        if dist.is_available() and dist.is_initialized():
            return cls(dist.get_rank(), dist.get_world_size())
        return cls()

    def check(self, n: int, batch_size: int) -> None:
        """Refuse a split where some rank would get an empty share of a mini-batch."""
        last = n % batch_size or batch_size
        if self.world > 1 and min(batch_size, last) < self.world:
            raise ConfigError(
                f"{self.world} GPUs per run: every mini-batch needs at least one image each, but {n} images in "
                f"batches of {batch_size} leave a batch of {min(batch_size, last)}"
            )

    def wrap(self, net: nn.Module, device: torch.device) -> nn.Module:
        """``net`` as it trains: under ``DistributedDataParallel`` where there is more than one rank."""
        if self.world == 1:
            return net
        ids = [device.index] if device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(net, device_ids=ids)

    def share(self, batch: Any) -> Any:
        """This rank's positions of ``batch`` (a tensor or a sequence): ``rank::world``."""
        return batch if self.world == 1 else batch[self.rank :: self.world]

    def weighted(self, loss: torch.Tensor, share: int, batch: int) -> torch.Tensor:
        """The mean ``loss`` over a share of ``share`` images out of ``batch``, weighted so that DDP's
        average over the ranks is the whole batch's mean."""
        return loss if self.world == 1 else loss * (share * self.world / batch)

    def seed_epoch(self, seed: int, epoch: int) -> None:
        """Seed the global generators (dropout) for ``epoch`` on this rank; one process keeps its own stream."""
        if self.world > 1:
            digest = hashlib.sha256(f"{seed}:{epoch}:{self.rank}".encode()).digest()
            torch.manual_seed(int.from_bytes(digest[:7], "big"))

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` summed over the ranks (in place)."""
        if self.world > 1:
            dist.all_reduce(tensor)
        return tensor

    def gather(self, flags: torch.Tensor, n: int) -> torch.Tensor:
        """The flags of all ``n`` positions, from each rank's flags at its positions ``rank::world``."""
        if self.world == 1:
            return flags
        full = torch.zeros(n, dtype=torch.bool, device=flags.device)
        full[self.rank :: self.world] = flags
        return self.union(full)

    def union(self, flags: torch.Tensor) -> torch.Tensor:
        """Boolean ``flags`` set on any rank (each rank sets its own positions)."""
        return flags if self.world == 1 else self.sum(flags.to(torch.uint8)).bool()

    def sync_buffers(self, model: nn.Module) -> None:
        """Rank 0's buffers (BatchNorm's running statistics) on every rank, before an evaluation."""
        if self.world > 1:
            for buffer in model.buffers():
                dist.broadcast(buffer, 0)


ALONE = Group()  # one process: no data parallelism


def rank_device(device: str, rank: int) -> str:
    """Rank ``rank``'s device: the ``rank``-th GPU from ``device``'s (wrapping), or the CPU."""
    dev = torch.device(device)
    if dev.type != "cuda":
        return "cpu"
    return f"cuda:{((dev.index or 0) + rank) % torch.cuda.device_count()}"


def launch(fn: Callable[..., Any], world: int, device: str, on_epoch: Callable | None = None, **kwargs: Any) -> Any:
    """Run ``fn(device=<the rank's>, on_epoch=<a hook or None>, **kwargs)`` in ``world`` spawned processes,
    one process group; rank 0's return value. ``on_epoch`` is called here with every row rank 0 reports
    (``fn``, ``kwargs`` and the result must pickle). A rank that fails stops them all and raises here."""
    threads = max(1, torch.get_num_threads() // world)
    with tempfile.TemporaryDirectory(prefix="rethink-dp-") as folder:
        messages = mp.get_context("spawn").SimpleQueue()
        args = (fn, world, device, str(Path(folder) / "rendezvous"), messages, on_epoch is not None, threads, kwargs)
        context = mp.start_processes(_rank, args=args, nprocs=world, join=False, start_method="spawn")
        try:
            return _collect(context, messages, on_epoch)
        finally:
            for process in context.processes:
                if process.is_alive():
                    process.terminate()
                process.join()


def _collect(context: mp.ProcessContext, messages: Any, on_epoch: Callable | None) -> Any:
    """Pass rank 0's rows to ``on_epoch`` until every rank has exited; rank 0's result."""
    result, done = None, False

    def drain() -> None:
        nonlocal result, done
        while not messages.empty():
            kind, value = messages.get()
            if kind == "result":
                result, done = value, True
            elif on_epoch is not None:
                on_epoch(value)

    while not context.join(timeout=0.1):
        drain()
    drain()
    if not done:
        raise RuntimeError("the data-parallel run ended without a result from rank 0")
    return result


def _rank(
    rank: int,
    fn: Callable[..., Any],
    world: int,
    device: str,
    rendezvous: str,
    messages: Any,
    report: bool,
    threads: int,
    kwargs: dict,
) -> None:
    """One rank: join the group, run ``fn`` on this rank's device, and (rank 0) send back its rows and result."""
    mine = rank_device(device, rank)
    if mine.startswith("cuda"):
        torch.cuda.set_device(mine)
    else:
        torch.set_num_threads(threads)
    backend = "nccl" if mine.startswith("cuda") else "gloo"
    dist.init_process_group(backend, init_method=f"file://{rendezvous}", rank=rank, world_size=world)
    try:
        hook = (lambda row: messages.put(("epoch", row))) if rank == 0 and report else None
        result = fn(device=mine, on_epoch=hook, **kwargs)
        dist.barrier()  # no rank leaves while another still talks to it (gloo aborts on a closed peer)
        if rank == 0:
            messages.put(("result", result))
    finally:
        dist.destroy_process_group()
    # Done, the result sent (a SimpleQueue writes through at once): leave without the interpreter's teardown,
    # where gloo's threads can still abort the process ("terminate called without an active exception",
    # SIGABRT: 1 in about 5 two-rank runs on a loaded machine). A rank that raised never gets here: its
    # error travels to the launcher as usual.
    os._exit(0)
