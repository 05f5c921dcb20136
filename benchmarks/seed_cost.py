"""What each seed of a scale costs: training seconds of the planned runs, per seed, from a results store.

Reads the plan of every run (rethink_core.runplan: each planned case at every seed up to the scale's
``max_seeds``) for one or more draws (``--first-seed``), looks each run up in the store (nothing is
trained) and prints, per seed of the draw (1st, 2nd, 3rd, ...), the training seconds of the runs the
store holds and how many it lacks (a planned case that decided early never trained its later seeds).
The worst case of a session, every planned case at its cap, is the sum over all seeds; on W workers
its training takes about that / W of wall time on top of the start-up and the theory claims.

    python benchmarks/seed_cost.py --store-dir /tmp/store --first-seed 4000 4003 4006
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from rethink_core.experiment import Lab
from rethink_core.runplan import planned_runs
from rethink_core.scales import get_scale
from rethink_core.store import Store


def seed_costs(scale_name: str, store: Path, first_seed: int, precision: str) -> dict[int, tuple[float, int, int]]:
    """Seed offset -> (training seconds stored, runs stored, runs missing) of one draw's plan."""
    scale = get_scale(scale_name, first_seed=first_seed)
    lab = Lab(store=Store(store), precision=precision)
    costs: dict[int, list[float]] = defaultdict(lambda: [0.0, 0, 0])
    for exp in planned_runs(scale):
        found = lab.stored(exp)
        row = costs[exp.seed - first_seed]
        if found is None:
            row[2] += 1
        else:
            row[0] += found.seconds
            row[1] += 1
    return {offset: tuple(row) for offset, row in sorted(costs.items())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="default")
    parser.add_argument("--store-dir", type=Path, required=True)
    parser.add_argument("--first-seed", type=int, nargs="+", default=[0])
    parser.add_argument("--precision", default="bf16", help="the precision the runs trained in (default bf16)")
    args = parser.parse_args(argv)
    print("draw\tseed\ttraining s (stored runs)\tstored\tmissing")
    for first in args.first_seed:
        costs = seed_costs(args.scale, args.store_dir, first, args.precision)
        for offset, (seconds, stored, missing) in costs.items():
            print(f"{first}\t{first + offset}\t{seconds:.0f}\t{stored}\t{missing}")
        total = sum(s for s, _, _ in costs.values())
        print(f"{first}\tall\t{total:.0f}\t{sum(c[1] for c in costs.values())}\t{sum(c[2] for c in costs.values())}")


if __name__ == "__main__":
    main()
