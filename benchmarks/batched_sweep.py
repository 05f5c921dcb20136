"""Experiment: the label-noise sweep (Figure 1b/1c) trained one run after another vs. all runs together, batched.

This is an experiment, not the suite's trainer. ``train_batched`` below is a second training loop, written
for this measurement only: it re-implements train.py's schedule, stopping rule and SGD on stacked weights,
and no test checks that it matches ``rethink_core.train.train`` (the one loop the claims use). The only
check is what this script prints: each run's epochs and accuracies both ways. Nothing in rethink_core,
claims or tests imports it.

Same experiments both ways, in one process: the scale's corruption grid x seeds for one architecture.

* sequential: ``rethink_core.experiment.execute`` for each run, one after another (what the suite does);
* batched: every run's model built exactly as ``execute`` builds it (same init seed), its parameters stacked
  (``torch.func.stack_module_state``) and trained together through ``vmap(functional_call)``; each copy keeps
  its own labels (its corruption draw), its own shuffle (its own order generator; the shared resident images are
  indexed by a (K, B) index tensor) and its own SGD momentum; the learning-rate schedule, the eval-mode check of
  the training set (from ``check_from`` running accuracy on) and the test cadence are train.py's. A copy that has
  fitted (or diverged, or reached the cap) is retired: dropped from the parameter, buffer, momentum and label
  stacks, so the batch shrinks as the sweep finishes. BatchNorm (Inception): running statistics are stacked
  buffers passed to ``functional_call`` and updated per copy.

    python benchmarks/batched_sweep.py --arch mlp1x512 --max-epochs 300
    python benchmarks/batched_sweep.py --arch alexnet --levels 0 0.4 1.0 --seeds 1
"""

from __future__ import annotations

import argparse
import copy
import math
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime

import torch
import torch.nn.functional as F
from torch.func import functional_call, stack_module_state, vmap

from rethink_core import models, randomize
from rethink_core.devices import resolve_device, synchronize
from rethink_core.experiment import Experiment, RunResult, execute, prepared, versions
from rethink_core.scales import get_scale
from rethink_core.seeding import derived_seed
from rethink_core.train import DIVERGED, FITTED, NOT_CONVERGED, Epoch, History, autocast, random_crop

EVAL_IMAGES = 4096  # images (summed over copies) per batched eval-mode forward pass


def train_batched(exps: list[Experiment], device: str = "cpu") -> list[RunResult]:
    """Train ``exps`` (same model, width, data, sizes and hyperparameters; any variants, p and seeds) together.

    Returns one RunResult per experiment, as ``execute`` would; a run's ``seconds`` is its share of each batched
    epoch's wall time (the epoch's time divided by the copies still training), so they sum to the total."""
    first = exps[0]
    shared = ("model", "width", "dataset", "n_train", "n_test", "hyper")
    for e in exps:
        if any(getattr(e, f) != getattr(first, f) for f in shared):
            raise ValueError(f"batched runs must share {shared}: {e.describe()} differs from {first.describe()}")
    hyper = first.hyper
    tensors, _, classes = prepared(first.dataset, None, False, first.n_train, first.n_test)
    conv = models.is_convolutional(first.model)
    started = datetime.now(UTC)

    # Each copy exactly as execute() builds it: its labels, then its initial weights from its own init seed.
    mods, labels = [], []
    for e in exps:
        labels.append(randomize.apply(tensors, e.variant, derived_seed(e.seed, "data"), e.p, classes).y_train)
        torch.manual_seed(derived_seed(e.seed, "init"))
        mods.append(models.build(e.model, tuple(tensors.x_train.shape[1:]), classes, e.width).to(device))
    if conv:
        tensors = tensors.channels_last()
    data = tensors.to(device)
    y_act = torch.stack(labels).to(device)  # (k, n): the active copies' training labels
    params, buffers = stack_module_state(mods)
    names = list(params)
    P = [params[k] for k in names]  # stacked leaves (k, ...), requires_grad
    B = dict(buffers)  # stacked BatchNorm statistics (k, ...), updated in place by functional_call
    M: list[torch.Tensor] | None = None  # momentum buffers, created at the first step as torch.optim.SGD does
    base = copy.deepcopy(mods[0]).to("meta")

    def forward(p: dict, b: dict, x: torch.Tensor) -> torch.Tensor:
        return functional_call(base, (p, b), (x,))

    train_fwd = vmap(forward)
    eval_fwd = vmap(forward, in_dims=(0, 0, None))  # one shared input for every copy

    @torch.inference_mode()
    def predict(sel: list[int], x: torch.Tensor) -> torch.Tensor:
        """(len(sel), len(x)) predicted classes of the active copies ``sel``, in eval mode."""
        p = {k: t[sel] for k, t in zip(names, P, strict=True)}
        b = {k: t[sel] for k, t in B.items()}
        chunk = max(1, EVAL_IMAGES // len(sel))
        base.eval()
        with autocast(x.device):
            out = torch.cat([eval_fwd(p, b, x[i : i + chunk]).argmax(-1) for i in range(0, len(x), chunk)], dim=1)
        base.train()
        return out

    n, bs = len(data.x_train), hyper.batch_size
    gens = [torch.Generator().manual_seed(derived_seed(e.seed, "order")) for e in exps]
    histories = [History(steps_per_epoch=math.ceil(n / bs)) for _ in exps]
    confusions: list[list[list[int]] | None] = [None] * len(exps)
    active = list(range(len(exps)))
    base.train()
    for epoch in range(hyper.max_epochs):
        if not active:
            break
        start = time.perf_counter()
        k = len(active)
        lr = hyper.lr * hyper.lr_decay ** (epoch * n / hyper.decay_examples)
        orders = torch.stack([torch.randperm(n, generator=gens[i]) for i in active]).to(device)
        loss_sum = torch.zeros(k, device=device)
        correct = torch.zeros(k, device=device, dtype=torch.long)
        for i in range(0, n, bs):
            idx = orders[:, i : i + bs]  # (k, b): each copy's own mini-batch
            x, y = data.x_train[idx], y_act.gather(1, idx)
            if hyper.augment:
                x = torch.stack([random_crop(x[j], 2, gens[c]) for j, c in enumerate(active)])
            with autocast(x.device):
                logits = train_fwd(dict(zip(names, P, strict=True)), B, x)
                losses = F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none").view(k, -1).mean(1)
            # The copies share no parameters, so the gradient of the summed losses is each copy's own gradient.
            grads = list(torch.autograd.grad(losses.sum(), P))
            with torch.no_grad():  # torch.optim.SGD (dampening 0, no Nesterov), on the stacks
                if hyper.weight_decay:
                    torch._foreach_add_(grads, P, alpha=hyper.weight_decay)
                if M is None:
                    M = [g.clone() for g in grads]
                else:
                    torch._foreach_mul_(M, hyper.momentum)
                    torch._foreach_add_(M, grads)
                torch._foreach_add_(P, M, alpha=-lr)
            loss_sum += losses.detach() * idx.shape[1]
            correct += (logits.detach().argmax(-1) == y).sum(1)
        mean_loss, running_acc = (loss_sum / n).tolist(), (correct.double() / n).tolist()
        rows = [Epoch(epoch + 1, mean_loss[j], running_acc[j], None, lr, 0.0) for j in range(k)]
        check = [j for j in range(k) if math.isfinite(mean_loss[j]) and running_acc[j] >= hyper.check_from]
        if check:
            train_acc = (predict(check, data.x_train) == y_act[check]).double().mean(1).tolist()
            for j, acc in zip(check, train_acc, strict=True):
                rows[j].train_acc_eval = acc
                if acc == 1.0:
                    histories[active[j]].status = FITTED
        for j in range(k):
            if not math.isfinite(mean_loss[j]):
                histories[active[j]].status = DIVERGED
        last = [histories[c].status != NOT_CONVERGED or epoch + 1 == hyper.max_epochs for c in active]
        tested = [j for j in range(k) if last[j] or (epoch + 1) % hyper.test_every == 0]
        if tested:
            preds = predict(tested, data.x_test)
            for j, pred in zip(tested, preds, strict=True):
                rows[j].test_acc = (pred == data.y_test).double().mean().item()
                if last[j]:  # the final model's confusion matrix, as execute() computes it
                    counts = torch.bincount(data.y_test * classes + pred, minlength=classes * classes)
                    confusions[active[j]] = counts.view(classes, classes).tolist()
        seconds = time.perf_counter() - start
        for j, c in enumerate(active):
            rows[j].seconds = seconds / k
            histories[c].epochs.append(rows[j])
        if any(last):  # retire: hand the final weights back to the copy's module, drop it from every stack
            for j, c in enumerate(active):
                if last[j]:
                    state = {**{n_: t[j] for n_, t in zip(names, P, strict=True)}, **{n_: t[j] for n_, t in B.items()}}
                    mods[c].load_state_dict(state)
            keep = [j for j in range(k) if not last[j]]
            P = [t.detach()[keep].requires_grad_() for t in P]
            M = [t[keep] for t in M]
            B = {n_: t[keep] for n_, t in B.items()}
            y_act = y_act[keep]
            active = [active[j] for j in keep]
    return [
        RunResult(
            experiment=e,
            history=h,
            device=str(device),
            seconds=sum(r.seconds for r in h.epochs),
            num_params=models.count_params(m),
            trained_at=started.isoformat(timespec="seconds"),
            versions=versions(),
            test_confusion=cm,
        )
        for e, h, m, cm in zip(exps, histories, mods, confusions, strict=True)
    ]


def sweep(arch: str, scale_name: str, n_train: int | None, max_epochs: int | None, levels, seeds) -> list[Experiment]:
    s = get_scale(scale_name, seeds=seeds)
    grid = levels if levels is not None else s.corruption_grid
    exps = [s.experiment(arch, "corrupt_labels", p, seed) for p in grid for seed in s.seed_list()]
    if n_train is not None:
        exps = [replace(e, n_train=n_train) for e in exps]
    if max_epochs is not None:
        exps = [replace(e, hyper=replace(e.hyper, max_epochs=max_epochs)) for e in exps]
    return exps


def epochs_text(r: RunResult) -> str:
    return str(len(r.history.epochs)) + ("" if r.fitted else f" ({r.history.status})")


def compare(exps: list[Experiment], order: str, device: str = "cpu") -> None:
    e0 = exps[0]
    prepared(e0.dataset, None, False, e0.n_train, e0.n_test)  # load the data once, outside both timings
    print(
        f"\n{e0.model} width {e0.width:g}, {e0.n_train} training / {e0.n_test} test images, {len(exps)} runs, "
        f"max {e0.hyper.max_epochs} epochs, test every {e0.hyper.test_every}",
        flush=True,
    )
    timed: dict[str, tuple[float, list[RunResult]]] = {}
    for way in ("sequential", "batched") if order == "sequential-first" else ("batched", "sequential"):
        start = time.perf_counter()
        results = [execute(e, device) for e in exps] if way == "sequential" else train_batched(exps, device)
        synchronize(device)
        timed[way] = (time.perf_counter() - start, results)
        print(f"  {way}: {timed[way][0]:.1f} s", flush=True)
    (t_seq, seq), (t_bat, bat) = timed["sequential"], timed["batched"]
    print(f"  {'run':<40}{'epochs seq':>12}{'epochs bat':>12}  {'train acc seq/bat':>18}  {'test acc seq/bat':>17}")
    for s, b in zip(seq, bat, strict=True):
        print(
            f"  {s.experiment.describe():<40}{epochs_text(s):>12}{epochs_text(b):>12}  "
            f"{s.train_acc:>8.4f} /{b.train_acc:>7.4f}  {s.test_acc:>8.4f} /{b.test_acc:>7.4f}"
        )
    diffs = [len(b.history.epochs) - len(s.history.epochs) for s, b in zip(seq, bat, strict=True)]
    test_diffs = [abs(b.test_acc - s.test_acc) for s, b in zip(seq, bat, strict=True)]
    print(
        f"  epochs batched - sequential: {sum(d == 0 for d in diffs)}/{len(diffs)} equal, "
        f"mean {statistics.mean(diffs):+.1f}, max |diff| {max(map(abs, diffs))}; "
        f"total epochs {sum(len(r.history.epochs) for r in seq)} seq, {sum(len(r.history.epochs) for r in bat)} bat; "
        f"fitted {sum(r.fitted for r in seq)} seq, {sum(r.fitted for r in bat)} bat; "
        f"max |test acc diff| {max(test_diffs):.4f}"
    )
    print(
        f"  RESULT {e0.model} K={len(exps)}: sequential {t_seq:.1f} s, batched {t_bat:.1f} s, "
        f"ratio {t_seq / t_bat:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="mlp1x512", choices=("mlp1x512", "mlp3x512", "alexnet", "inception"))
    parser.add_argument("--scale", default="default")
    parser.add_argument("--sizes", nargs="+", type=int, default=[None], help="training images (default: the scale's)")
    parser.add_argument("--max-epochs", type=int, default=None, help="epoch cap (default: the scale's)")
    parser.add_argument("--levels", nargs="+", type=float, default=None, help="corruption levels (default: the grid)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per level (default: the scale's)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--order", choices=("sequential-first", "batched-first"), default="sequential-first")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {device}")
    for n in args.sizes:
        compare(sweep(args.arch, args.scale, n, args.max_epochs, args.levels, args.seeds), args.order, device)


if __name__ == "__main__":
    main()
