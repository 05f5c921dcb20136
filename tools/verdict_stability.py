"""Verdict stability: do the claims' verdicts hold on fresh seeds?

Runs the claims once per draw of seeds (``pytest claims --scale smoke -n 2 --first-seed K --report-dir
<out>/K``), reads each round's ``results.json`` and prints the verdict of every case per draw and
the number of cases whose verdict flips. The draws do not overlap: round i starts at seed
``first + i * step``, where ``step`` is the most seeds a planned case of the scale may use
(``max_seeds``). The goal is 0 flips: a verdict
that depends on the seed says more about the seed than about the paper. A declared deviation that
occurred (xfail) and one that did not (``deviation-did-not-occur``, an XPASS) are different verdicts,
so a case that moves between them flips; one that never occurs is no deviation, and the tool says so.

A case with an analysis plan can flip by design: near its SESOI its plan passes, fails or is undecided
with the probabilities of its operating characteristics. For each such case the tool pools the per-seed
values of every draw, simulates the plan at that mean and spread (rethink_core.plan), and prints the
verdicts it predicts beside those seen, with a binomial p for each (Bonferroni over the three). A case
whose counts are improbable under its own design (p < 0.01) is to be investigated, not declared.

    python tools/verdict_stability.py [--rounds 10] [--first 0] [--scale smoke] [--workers 2]
    python tools/verdict_stability.py --from-reports <out>   # read the draws of an earlier run again

Exit status: 0 when no verdict flips, 1 when some do, 2 when a round produced no results.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from scipy.stats import binomtest

from rethink_core.case import ClaimCase, Verdict
from rethink_core.errors import ConfigError
from rethink_core.plan import AnalysisPlan, operating_characteristics
from rethink_core.report import load
from rethink_core.scales import get_scale
from rethink_core.verdicts import PLANS, plan_for

REPO = Path(__file__).resolve().parent.parent
MISSING = "-"
ALWAYS_COUNTED = (Verdict.PASS, Verdict.FAIL, Verdict.SKIP)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="how many first seeds to try (default 10)")
    parser.add_argument("--first", type=int, default=0, help="the first seed of the first round (default 0)")
    parser.add_argument(
        "--step",
        type=int,
        default=None,
        help="first seeds of successive rounds differ by this (default: the scale's max_seeds)",
    )
    parser.add_argument("--scale", default="smoke", help="the scale to run (default smoke)")
    parser.add_argument("--workers", default="2", help="pytest-xdist workers, -n (default 2; 0 runs without xdist)")
    parser.add_argument("--claims", default="claims", help="the claims to run (default: claims)")
    parser.add_argument("--out", type=Path, default=None, help="where the rounds' reports go (default: a temp dir)")
    parser.add_argument("--store-dir", default=None, help="the results store (default: the plugin's)")
    parser.add_argument("--from-reports", type=Path, default=None, help="read the draws under this folder; run none")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.first < 0 or (args.step is not None and args.step < 1):
        parser.error("--rounds and --step must be at least 1 and --first at least 0")
    if args.step is None:
        try:
            args.step = get_scale(args.scale).max_seeds  # draws never overlap, even where planned cases add seeds
        except ConfigError as exc:
            parser.error(str(exc))
    return args


def pytest_command(args: argparse.Namespace, first_seed: int, report_dir: Path) -> list[str]:
    command = [sys.executable, "-m", "pytest", args.claims, "--scale", args.scale, "-q"]
    command += ["--first-seed", str(first_seed), "--report-dir", str(report_dir)]
    if args.workers != "0":
        command += ["-n", args.workers]
    if args.store_dir:
        command += ["--store-dir", args.store_dir]
    return command


def run_round(args: argparse.Namespace, first_seed: int, report_dir: Path) -> Path | None:
    """One pytest session of the claims; its ``results.json``, or None if it wrote none."""
    report_dir.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with open(report_dir / "pytest.log", "w") as log:
        code = subprocess.run(pytest_command(args, first_seed, report_dir), cwd=REPO, stdout=log, stderr=log).returncode
    results = report_dir / "latest" / "results.json"
    found = results if code in (0, 1) and results.exists() else None
    outcome = "no results.json" if found is None else _counts(read_cases(found))
    print(f"first seed {first_seed}: {outcome} (pytest exit {code}, {time.monotonic() - start:.0f} s)", file=sys.stderr)
    return found


def read_cases(results: Path) -> dict[str, ClaimCase]:
    """Case name ("R1 alexnet") -> the typed case (verdict, reason, ...) of one report (any schema)."""
    return {f"{c.claim} {c.case}".strip() or c.test: c for c in load(results.parent).cases}


def _counts(cases: dict[str, ClaimCase]) -> str:
    verdicts = [c.verdict for c in cases.values()]
    return ", ".join(f"{verdicts.count(v)} {v.words}" for v in Verdict if v in verdicts or v in ALWAYS_COUNTED)


def flips(rounds: dict[int, dict[str, ClaimCase]]) -> list[str]:
    """The cases whose verdict is not the same in every round that ran them (a deviation that occurred
    and one that did not are different verdicts)."""
    names = sorted({name for cases in rounds.values() for name in cases})
    return [name for name in names if len({c[name].verdict for c in rounds.values() if name in c}) > 1]


def table(rounds: dict[int, dict[str, ClaimCase]]) -> str:
    """Verdict per case (rows) per first seed (columns); flipped cases are marked with ``*``."""
    names = sorted({name for cases in rounds.values() for name in cases})
    flipped = set(flips(rounds))
    header = ["case", *(f"seed {k}" for k in rounds)]
    rows = [
        [("* " if name in flipped else "  ") + name, *(shown(rounds[k].get(name)) for k in rounds)] for name in names
    ]

    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in [header, *rows])


def shown(case: ClaimCase | None) -> str:
    """A case's verdict as the table shows it."""
    return MISSING if case is None else str(case.verdict)


def always_xpass(rounds: dict[int, dict[str, ClaimCase]]) -> list[str]:
    """Declared deviations whose claim held in every round that ran them: no deviation after all."""
    names = sorted({name for cases in rounds.values() for name in cases})
    return [
        name
        for name in names
        if all(c[name].verdict is Verdict.DEVIATION_DID_NOT_OCCUR for c in rounds.values() if name in c)
    ]


def reasons(rounds: dict[int, dict[str, ClaimCase]], name: str) -> list[str]:
    """Why a flipped case did not pass, per seed."""
    return [
        f"    seed {k}: {cases[name].verdict}: {cases[name].reason}"
        for k, cases in rounds.items()
        if name in cases and cases[name].verdict is not Verdict.PASS
    ]


PLAN_OUTCOMES = ("pass", "fail", "undecided")


def plans_by_hash() -> dict[str, AnalysisPlan]:
    """Every plan of verdicts.PLANS under every cap a scale may set, by hash."""
    return {plan_for(name, cap).plan_hash: plan_for(name, cap) for name in PLANS for cap in range(1, 17)}


def arm_values(cases: list[ClaimCase]) -> list[list[float]]:
    """Per-seed values pooled over the draws, one list per arm of the design: a case of several arms
    (A3's rates, plan.run_any) records each arm's decision before the combined one, which is left out
    (it holds whichever arm passed, so its values mix arms); a plain planned case has one arm."""
    pooled: dict[str, list[float]] = {}
    for c in cases:
        records = {
            k: v
            for k, v in c.statistics.items()
            if k.endswith(": plan's decision") and isinstance(v, dict) and v.get("plan_hash") == c.plan_hash
        }
        arms = list(records.items())[:-1] if len(records) > 1 else list(records.items())
        for name, record in arms:
            pooled.setdefault(name, []).extend(record.get("values", []))
    return list(pooled.values())


def predicted_shares(plan: AnalysisPlan, arms: list[list[float]]) -> dict[str, float]:
    """The design's shares of pass, fail and undecided at each arm's pooled mean and spread. Several arms
    combine as run_any does (a pass where any arm passes, a fail where all fail), taken as independent:
    an approximation, since the arms share their seeds."""
    each = [replace(plan, planning_sd=statistics.stdev(v) or plan.planning_sd) for v in arms]
    shares = [
        operating_characteristics(arm_plan, plan.direction * statistics.mean(v))
        for arm_plan, v in zip(each, arms, strict=True)
    ]
    passing, failing = 1 - math.prod(1 - s["pass"] for s in shares), math.prod(s["fail"] for s in shares)
    return {"pass": passing, "fail": failing, "undecided": max(0.0, 1 - passing - failing)}


def against_power(cases: list[ClaimCase], known: dict[str, AnalysisPlan]) -> dict | None:
    """A planned case's verdicts over draws beside what its design predicts at the pooled mean and spread
    of its per-seed values (per arm): {outcome: (seen, predicted share, binomial p)} and the smallest p
    (Bonferroni)."""
    plan = known.get(cases[0].plan_hash) if cases and cases[0].plan_hash else None
    arms = [v for v in arm_values(cases) if len(v) >= 3]
    if plan is None or not arms:
        return None
    share = predicted_shares(plan, arms)
    seen = [c.plan_decision.get("step", "other") for c in cases]  # the plan's step, whatever other checks said
    rows = {}
    for outcome in PLAN_OUTCOMES:
        k, q = seen.count(outcome), min(max(share[outcome], 1e-6), 1 - 1e-6)
        rows[outcome] = (k, share[outcome], binomtest(k, len(seen), q).pvalue)
    return {"rows": rows, "p": min(1.0, 3 * min(p for _, _, p in rows.values())), "other": seen.count("other")}


def power_table(rounds: dict[int, dict[str, ClaimCase]]) -> list[str]:
    """One line per planned case: verdicts seen and predicted over the draws, and whether to investigate."""
    known, lines = plans_by_hash(), []
    names = sorted({name for cases in rounds.values() for name in cases})
    for name in names:
        found = against_power([c[name] for c in rounds.values() if name in c], known)
        if found is None:
            continue
        shown = ", ".join(f"{o} {k} (predicted {q:.2f})" for o, (k, q, _) in found["rows"].items())
        other = f", other {found['other']}" if found["other"] else ""
        flag = "  INVESTIGATE" if found["p"] < 0.01 else ""
        lines.append(f"  {name}: {shown}{other}; p {found['p']:.3g}{flag}")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.from_reports or args.out or Path(tempfile.mkdtemp(prefix="verdict-stability-"))
    seeds = [args.first + i * args.step for i in range(args.rounds)]
    rounds, failed = {}, []
    if args.from_reports:
        found = sorted(args.from_reports.glob("*/latest/results.json"), key=lambda p: int(p.parent.parent.name))
        rounds = {int(p.parent.parent.name): read_cases(p) for p in found}
        seeds = []
    for k in seeds:
        results = run_round(args, k, out / str(k))
        if results is None:
            failed.append(k)
        else:
            rounds[k] = read_cases(results)
    if rounds:
        print(table(rounds))
    flipped = flips(rounds)
    print(f"\n{len(flipped)} of {len({n for c in rounds.values() for n in c})} cases flip over {len(rounds)} draws")
    for name in flipped:
        print(f"  {name}:", *reasons(rounds, name), sep="\n")
    power_lines = power_table(rounds)
    if power_lines:
        print("\nplanned cases: verdicts over the draws beside those their design predicts at the pooled effect")
        print(*power_lines, sep="\n")
    for name in always_xpass(rounds):
        print(f"  {name}: declared a deviation but the claim held in every round: take the declaration out")
    if failed:
        print(f"no results for first seeds {failed}: see {out}/<seed>/pytest.log")
    print(f"reports: {out}")
    return 2 if failed else 1 if flipped else 0


if __name__ == "__main__":
    raise SystemExit(main())
