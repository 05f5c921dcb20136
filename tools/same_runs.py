"""Do two results stores hold the same runs? Compares every key the two have in common, times aside.

A speed change that must not change what is computed (e.g. ``rethink_core/lrn.py``) is checked by
running the same claims into an empty store with the code before and after and comparing: every
run's history (losses, accuracies, per epoch), confusion matrices, probes and status must be equal
bit for bit; only clocks, dates and provenance may differ.

    python tools/same_runs.py STORE_A STORE_B

Exit status: 0 when every common run is identical, 1 when one differs, 2 when they share no key.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

IGNORED = ("seconds", "trained_at", "provenance", "versions", "host", "precision")  # clocks, dates, origin


def runs(store: Path) -> dict[str, dict]:
    """Key -> stored record, for every run file in ``store``."""
    return {path.stem: json.loads(path.read_text()) for path in store.glob("*/*.json")}


def comparable(record: dict) -> dict:
    """The record's result without clocks, dates and provenance (``precision`` is in the key already)."""
    result = json.loads(json.dumps(record["result"]))
    for name in IGNORED:
        result.pop(name, None)
    for epoch in result["history"]["epochs"]:
        epoch.pop("seconds", None)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store_a", type=Path)
    parser.add_argument("store_b", type=Path)
    args = parser.parse_args()
    a, b = runs(args.store_a), runs(args.store_b)
    common = sorted(set(a) & set(b))
    differ = [key for key in common if comparable(a[key]) != comparable(b[key])]
    print(f"{len(a)} and {len(b)} runs, {len(common)} keys in both, {len(common) - len(differ)} identical")
    for key in differ:
        left, right = comparable(a[key]), comparable(b[key])
        fields = [name for name in sorted(set(left) | set(right)) if left.get(name) != right.get(name)]
        print(f"differs: {key} {a[key]['config'].get('model')} {a[key]['config'].get('variant')}: {', '.join(fields)}")
    return 2 if not common else 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
