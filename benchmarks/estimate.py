"""How long a scale's training runs take, before running them: FLOPs from the runs the claims declare.

Every training run of the scale (rethink_core.runplan.planned_runs, what ``pytest claims --plan`` lists;
tests/test_rehearsal.py checks it against what a rehearsal of the claims really trains) costs
epochs x images x FLOPs per training image, plus the eval-mode passes over the training set (from
90% running accuracy on; every epoch where not measured) and the test evaluations. FLOPs per image
are counted with torch.utils.flop_counter (forward + backward of the model at its width, on the
data's input shape). Epochs come from a results store where the run is there (measured), else from
--assume-epochs, else the scale's cap (an upper bound). Time = FLOPs / throughput: each model's own,
measured by benchmarks/throughput.py (--throughput-json), else --flops-per-s, else --peak x --mfu.

    python benchmarks/estimate.py --scale default --store-dir ~/.cache/rethink/runs --flops-per-s 30e9
    python benchmarks/estimate.py --scale paper --peak 989e12 --mfu 0.1 --assume-epochs 60
    python benchmarks/estimate.py --scale imagenet --peak 989e12 --mfu 0.3 --night-hours 12

It also prints the GPUs (workers) that train the scale within ``--night-hours``: runs split over
data-parallel GPUs (``pytest claims --scale imagenet --gpus-per-run N``) at the same throughput each (an
upper bound on what the GPUs of one node achieve).

Not counted: the theory claims T1-T4, which train nothing through the store (seconds at smoke and
default; T3 at paper or full scale solves a 60,000 x 60,000 float64 system on the GPU).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from rethink_core.experiment import Experiment, prepared
from rethink_core.runplan import CLASSES, checked_epochs, flops_per_image, input_shape, planned_runs
from rethink_core.scales import Scale, get_scale


def measured_epochs(store: Path | None) -> dict[str, tuple[int, float, int]]:
    """Store key -> (epochs, seconds, epochs with an eval-mode pass over the training set) of every
    finished run in a results store."""
    found = {}
    for path in store.rglob("*.json") if store else []:
        try:
            result = json.loads(path.read_text())["result"]
            epochs = result["history"]["epochs"]
            checked = sum(e.get("train_acc_eval") is not None for e in epochs)
            found[path.stem] = (len(epochs), result["seconds"], checked)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def estimate(scale: Scale, store: Path | None, assume_epochs: int | None, root: str | None = None) -> list[dict]:
    """One row per planned run: its FLOPs and where its epoch count came from."""
    measured = measured_epochs(store)
    rows = []
    for exp in planned_runs(scale):
        train, forward = flops_per_image(exp.model, exp.width, input_shape(exp), CLASSES.get(exp.dataset, 10))
        key = _stored_key(exp, measured, root)
        epochs, source = (measured[key][0], "measured") if key else (assume_epochs or exp.hyper.max_epochs, "assumed")
        checked = measured[key][2] if key else checked_epochs(exp, epochs)
        evaluations = epochs // exp.hyper.test_every + 1
        flops = exp.n_train * (epochs * train + checked * forward) + evaluations * exp.n_test * forward
        rows.append(
            {
                "run": exp.describe(),
                "model": exp.model,
                "width": exp.width,
                "epochs": epochs,
                "source": source,
                "flops": flops,
                "train_flops_per_image": train,
                "seconds_measured": measured[key][1] if key else None,
            }
        )
    return rows


def _stored_key(exp: Experiment, measured: dict, root: str | None) -> str | None:
    """The run's store key if the store holds it, trained on either kind of device in either precision
    (the key needs the data's fingerprint)."""
    try:
        _, fingerprint, _ = prepared(exp.dataset, root, False, exp.n_train, exp.n_test)
    except Exception:  # the data set is not here: nothing measured can match
        return None
    exp = replace(exp, data_fingerprint=fingerprint)
    keys = [exp.key(device, precision) for device in ("cpu", "cuda") for precision in ("float32", "bf16")]
    return next((key for key in keys if key in measured), None)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="default")
    parser.add_argument("--store-dir", type=Path, default=None, help="a results store with this scale's runs")
    parser.add_argument("--data-root", default=None, help="where the scale's full data set lives")
    parser.add_argument("--assume-epochs", type=int, default=None, help="epochs of a run the store lacks")
    parser.add_argument("--flops-per-s", type=float, default=None, help="measured throughput of the device")
    parser.add_argument(
        "--throughput-json",
        nargs="+",
        type=Path,
        default=[],
        help="benchmarks/throughput.py --json files: each (model, width)'s measured FLOP/s (others: --flops-per-s)",
    )
    parser.add_argument("--peak", type=float, default=None, help="the device's peak FLOP/s (with --mfu)")
    parser.add_argument("--mfu", type=float, default=0.1, help="fraction of --peak achieved (default 0.1)")
    parser.add_argument("--workers", type=int, default=1, help="runs trained side by side (xdist workers, GPUs)")
    parser.add_argument("--night-hours", type=float, default=12.0, help="the wall time of one night (default 12)")
    args = parser.parse_args(argv)
    if args.flops_per_s is None and args.peak is None:
        parser.error("give --flops-per-s, or --peak (and --mfu)")
    rate = args.flops_per_s or args.peak * args.mfu
    per_model = {
        row["model"]: row["achieved_flops"] for f in args.throughput_json for row in json.loads(f.read_text())["rows"]
    }
    rows = estimate(get_scale(args.scale), args.store_dir, args.assume_epochs, args.data_root)
    for r in rows:
        r["seconds"] = r["flops"] / per_model.get((r["model"], r["width"]), rate)
    total = sum(r["flops"] for r in rows)
    by_source = defaultdict(int)
    for r in rows:
        by_source[r["source"]] += 1
    print(f"scale {args.scale}: {len(rows)} training runs ({dict(by_source)}), {total / 1e15:.3f} PFLOP")
    seconds = sum(r["seconds"] for r in rows)
    source = f"{len(per_model)} models' measured throughput, else " if per_model else ""
    print(
        f"at {source}{rate / 1e12:.3g} TFLOP/s on {args.workers} worker(s): {seconds / args.workers / 60:.1f} minutes"
    )
    per_image = sorted({(r["model"], r["train_flops_per_image"]) for r in rows})
    print("training GFLOP per image (forward + backward): " + ", ".join(f"{m} {f / 1e9:.3g}" for m, f in per_image))
    print(
        f"{seconds / 3600:.1f} GPU-hours; {math.ceil(seconds / 3600 / args.night_hours)} GPUs train it in one "
        f"{args.night_hours:g}-hour night (at this throughput each)"
    )
    longest = max(rows, key=lambda r: r["seconds"])
    split = math.ceil(longest["seconds"] / 3600 / args.night_hours)
    print(
        f"the longest run ({longest['run']}, {longest['epochs']} epochs) takes {longest['seconds'] / 3600:.1f} hours "
        "on one GPU"
        + (f": longer than the night, so split it data-parallel (--gpus-per-run {split} or more)" if split > 1 else "")
    )
    done = [r for r in rows if r["seconds_measured"] is not None]
    if done:
        measured = sum(r["seconds_measured"] for r in done)
        predicted = sum(r["seconds"] for r in done)
        print(
            f"the {len(done)} measured runs: {measured / 60:.1f} min of training measured, "
            f"{predicted / 60:.1f} min estimated ({predicted / measured:.2f}x)"
        )


if __name__ == "__main__":
    main()
