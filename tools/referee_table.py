"""A referee's table: per claim case of a report, how it decides. For a planned case (an analysis plan of
rethink_core.verdicts.PLANS): the unit, the test, the level per look, the SESOI and its source, the
smallest p its design can reach, its power at the SESOI, and what makes it fail. For a case decided once
(rethink_core.plan.FixedDesign): each of its checks, its test or criterion, level, units, the smallest p
the test could reach on the units the case had, and what makes it fail. Read from a report's
``results.json``, so that it shows what the session recorded, not what the code says today.

    python tools/referee_table.py reports/latest/results.json > table.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rethink_core.case import ClaimCase, DesignCheck, Verdict
from rethink_core.plan import DOES_NOT_REJECT, AnalysisPlan, power
from rethink_core.report.numbers import sig
from rethink_core.verdicts import PLANS, plan_for

COLUMNS = ("case", "unit", "test or criterion", "level", "SESOI (source)", "smallest p", "power at SESOI", "fails when")


def plans_by_hash() -> dict[str, tuple[str, AnalysisPlan]]:
    """Every plan of verdicts.PLANS under every cap a scale may set, by hash, with its name."""
    return {plan_for(name, cap).plan_hash: (name, plan_for(name, cap)) for name in PLANS for cap in range(1, 17)}


def p_text(p: float | None) -> str:
    if p is None:
        return "-"
    return "about 0" if p == 0 else sig(float(p), 2)  # a t-test's (no floor) or a binomial's below 1e-300


def planned_row(case: str, name: str, plan: AnalysisPlan) -> list[str]:
    """One row for a case its analysis plan decides."""
    looks = ", ".join(str(n) for n in plan.active_looks) or "none within the cap"
    test = f"one-sided {'t-test' if plan.test == 't' else 'sign-flip test'} on per-seed values; looks at {looks}"
    return [
        case,
        f"seed ({plan.statistic})",
        test,
        f"{sig(plan.alpha_per_look, 2)} per look",
        f"{sig(plan.sesoi, 2)} ({plan.source})",
        f"{sig(plan.smallest_p, 2)} (sign-flip at the last look)",
        f"{power(plan):.2f}",
        "a look rejects 'an effect of at least the SESOI'",
    ]


# Tests with three outcomes: the claim holds where the test rejects, fails where the opposite test rejects
# ("within the margin" for "at chance", "gain <= 0" for G4), and is undecided where neither does.
THREE_WAY = ("TOST", "H0 'gain >=")


def fixed_row(case: str, check: DesignCheck) -> list[str]:
    """One row for a check of a case decided once."""
    if check.is_criterion:
        return [case, check.unit, f"criterion: {check.check}", "-", "-", "-", "-", "a run or estimate misses it"]
    fails = "the test rejects" if check.claim_holds_if == DOES_NOT_REJECT else "the test does not reject"
    effect = "- (a null rejected, not an effect size)"
    if any(mark in check.test for mark in THREE_WAY):
        fails, effect = "the opposite test rejects (where neither rejects: undecided)", "the margin in the test"
    return [
        case,
        check.unit,
        f"{check.test}: {check.check}",
        sig(float(check.level), 2),
        effect,
        p_text(check.smallest_p),
        "-",
        fails,
    ]


def rows(cases: list[ClaimCase]) -> list[list[str]]:
    """The table's rows, case by case, for the cases the session judged (a skip that never reached its
    design is left out)."""
    known = plans_by_hash()
    out = []
    for c in cases:
        label = f"{c.claim} {c.case}"
        if c.plan_hash in known:  # a planned case; R3's small factor also has checks decided once
            out.append(planned_row(label, *known[c.plan_hash]))
        if c.design:
            out += [fixed_row(label, check) for check in c.design]
        elif c.plan_hash not in known and c.verdict is not Verdict.SKIP:
            out.append([label, "-", "not recorded", "-", "-", "-", "-", "-"])
    return out


def markdown(table: list[list[str]]) -> str:
    cells = [list(COLUMNS), ["---"] * len(COLUMNS), *table]
    return "\n".join("| " + " | ".join(str(x).replace("|", "/") for x in row) + " |" for row in cells)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="a report's results.json")
    args = parser.parse_args(argv)
    doc = json.loads(args.results.read_text())
    cases = [ClaimCase.from_json(d) for d in doc["results"]]
    print(f"Scale {doc['meta'].get('scale')!r}, seeds from {doc['meta'].get('first_seed', 0)}:\n")
    print(markdown(rows(cases)))


if __name__ == "__main__":
    main()
