"""Were the declared deviations declared before the draws that confirm them?

For every entry of ``rethink_core/deviations.py`` (claim, case, scale), finds the commit that first
declared it (walking the history of that file) and the draw that confirmed it, listed in
``docs/findings.md`` under the marker ``<!-- deviation-confirmations -->`` as a table row
``| claim | case | scale | seeds | first confirming run trained (UTC) | outcome |``; the run's time is
its ``trained_at`` in the results store. A deviation passes when its declaring commit is older than
its first confirming run, and the draw's outcome was the deviation (``xfail``).

    python tools/check_deviations.py

Exit status: 0 when every deviation was declared before its confirmation, 1 otherwise (each problem
on its own line), 2 where the history cannot be read (e.g. a shallow clone).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEVIATIONS = "rethink_core/deviations.py"
FINDINGS = REPO / "docs" / "findings.md"
MARKER = "<!-- deviation-confirmations -->"

Entry = tuple[str, str, str]  # (claim, case, scale)


def entries(source: str) -> set[Entry]:
    """Every (claim, case, scale) that a version of deviations.py declares (its ``Deviation(...)`` calls)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Deviation":
            fields = {k.arg: k.value for k in node.keywords}
            try:
                claim, case = ast.literal_eval(fields["claim"]), ast.literal_eval(fields["case"])
                scales = ast.literal_eval(fields["scales"])
            except (KeyError, ValueError):
                continue  # a computed field: not a declaration this tool can read
            found |= {(claim, case, scale) for scale in scales}
    return found


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout


def declared_at() -> dict[Entry, tuple[str, datetime]]:
    """Each entry's first declaring commit and its commit time, oldest history first."""
    first: dict[Entry, tuple[str, datetime]] = {}
    for line in git("log", "--reverse", "--format=%H %cI", "--", DEVIATIONS).splitlines():
        commit, when = line.split()
        try:
            source = git("show", f"{commit}:{DEVIATIONS}")
        except subprocess.CalledProcessError:
            continue  # the file did not exist at this commit (deleted or renamed)
        for entry in entries(source):
            first.setdefault(entry, (commit[:10], datetime.fromisoformat(when).astimezone(UTC)))
    return first


def confirmations(text: str) -> dict[Entry, tuple[datetime, str]]:
    """The confirmation table of docs/findings.md: (claim, case, scale) -> (first run's time, outcome)."""
    rows: dict[Entry, tuple[datetime, str]] = {}
    lines = text.split(MARKER, 1)[1].splitlines() if MARKER in text else []
    for line in lines[1:]:
        if not line.strip():
            if rows:
                break
            continue
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("claim", "") or set(cells[0]) <= {"-"}:
            continue
        claim, case, scale, _seeds, trained, outcome = cells
        rows[(claim, case, scale)] = (datetime.fromisoformat(trained).replace(tzinfo=UTC), outcome)
    return rows


def problems(current: set[Entry], declared: dict, confirmed: dict) -> list[str]:
    """What is wrong with each current deviation: undeclared in the history, unconfirmed, confirmed
    before it was declared, or confirmed by a draw where it did not occur."""
    found = []
    for entry in sorted(current):
        name = " ".join(entry)
        if entry not in confirmed:
            found.append(f"{name}: no confirming draw in docs/findings.md ({MARKER})")
            continue
        trained, outcome = confirmed[entry]
        if entry not in declared:
            found.append(f"{name}: not found in the history of {DEVIATIONS} (commit it first)")
        elif declared[entry][1] >= trained:
            commit, when = declared[entry]
            found.append(f"{name}: declared in {commit} at {when:%Y-%m-%d %H:%M}, after its confirming run ({trained})")
        if outcome != "xfail":
            found.append(f"{name}: the confirming draw's outcome was {outcome!r}, not the deviation (xfail)")
    return found


def main() -> int:
    try:
        declared = declared_at()
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        print(f"cannot read the history of {DEVIATIONS}: {exc}", file=sys.stderr)
        return 2
    current = entries((REPO / DEVIATIONS).read_text())
    found = problems(current, declared, confirmations(FINDINGS.read_text()))
    for line in found:
        print(line)
    confirmed = len(current) - len({p.split(":")[0] for p in found})
    print(f"{confirmed} of {len(current)} deviations declared before a draw that confirms them")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
