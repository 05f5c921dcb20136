"""The report's data model, shared by every renderer: verdicts as shown and counted, the order of
claims and cases, anchors, the figures and tables (:class:`Exhibit`) merged across cases, and the rows
of the statistics, checks and runs tables. Cases are :class:`~rethink_core.case.ClaimCase` records;
nothing here reads or writes files."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rethink_core.case import ClaimCase, DesignCheck, Verdict, counts
from rethink_core.report.numbers import ESTIMATES, cell, fmt, sig, with_interval

COUNT_ORDER = (
    Verdict.PASS,
    Verdict.FAIL,
    Verdict.DEVIATION,
    Verdict.DEVIATION_DID_NOT_OCCUR,
    Verdict.UNDECIDED,
    Verdict.SKIP,
    Verdict.REHEARSED,
)
ALWAYS_COUNTED = (Verdict.PASS, Verdict.FAIL, Verdict.SKIP)  # in the counts text even when 0
OUTCOMES = {
    Verdict.DEVIATION: "the claim did not hold, as declared",
    Verdict.DEVIATION_DID_NOT_OCCUR: "the claim held this time: the deviation did not occur",
}
PLURALS = {Verdict.DEVIATION: "deviations", Verdict.DEVIATION_DID_NOT_OCCUR: "deviations did not occur"}
STATISTIC_COLUMNS = ["case", "statistic", "test", "estimate [95% interval]", "p-value", "details"]
CHECK_COLUMNS = ["check", "statistic", "value", "threshold", "outcome"]
RUN_COLUMNS = ["run", "store key", "status", "epochs", "train acc", "test acc", "seconds"]


# ----------------------------------------------------------------------------- verdicts


def verdict_label(case: ClaimCase) -> str:
    """The verdict as shown: its word, and for a rehearsed case the verdict its checks gave
    (``rehearsed (would be fail)``)."""
    if case.verdict is Verdict.REHEARSED and case.would_be is not None:
        return f"{case.verdict} (would be {case.would_be})"
    return str(case.verdict)


def label_verdict(label: str) -> Verdict:
    """The verdict of a label made by :func:`verdict_label`."""
    return Verdict(label.partition(" ")[0])


def counts_text(cases: list[ClaimCase]) -> str:
    """E.g. ``27 passed, 1 failed, 2 deviations, 1 skipped``: every verdict some case has, and
    passes, failures and skips always."""
    n = counts(cases)
    return ", ".join(f"{n[v]} {count_words(v, n[v])}" for v in COUNT_ORDER if n[v] or v in ALWAYS_COUNTED)


def count_words(verdict: Verdict, n: int) -> str:
    """``verdict``'s count words for ``n`` cases: ``deviations`` and ``deviations did not occur`` for several."""
    return PLURALS.get(verdict, verdict.words) if n != 1 else verdict.words


def with_verdict(cases: list[ClaimCase], *verdicts: Verdict) -> list[ClaimCase]:
    """The cases with one of ``verdicts``, in report order."""
    return [c for c in cases if c.verdict in verdicts]


def deviation_note(case: ClaimCase) -> tuple[str, str]:
    """A deviation case's (declared reason, command that measured it); "" where not recorded."""
    declared = case.deviation
    return (declared.reason if declared else "") or case.reason, declared.command if declared else ""


def deviation_outcome(case: ClaimCase) -> str:
    """What a deviation case's verdict means: its claim did not hold (as declared) or did."""
    return OUTCOMES.get(case.verdict, "")


# ----------------------------------------------------------------------------- order and anchors


def sort_cases(cases: list[ClaimCase]) -> list[ClaimCase]:
    """Claims by the smallest ``order`` among their cases, then cases by ``order``. Cases without
    ``order`` (older reports) keep their order of appearance, after those with one."""
    groups: dict[str, list[ClaimCase]] = defaultdict(list)
    for c in cases:
        groups[c.claim].append(c)
    for members in groups.values():
        members.sort(key=_order)
    return [c for members in sorted(groups.values(), key=lambda m: _order(m[0])) for c in members]


def _order(case: ClaimCase) -> float:
    return case.order if case.order is not None else float("inf")


def claim_groups(cases: list[ClaimCase]) -> list[tuple[str, list[int]]]:
    """(claim, indices of its cases) in report order."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        groups[c.claim].append(i)
    return list(groups.items())


def slug(text: str) -> str:
    """``text`` as a file name or HTML id: letters, digits, ``.``, ``_`` and ``-`` only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``... if taken; records the result as taken."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    taken.add(candidate)
    return candidate


def case_anchors(cases: list[ClaimCase]) -> list[str]:
    """A unique HTML id per case, e.g. ``case-R1-alexnet``."""
    taken: set[str] = set()
    return [unique(slug(f"case-{c.claim}-{c.case}"), taken) for c in cases]


# ----------------------------------------------------------------------------- figures and tables


@dataclass
class Exhibit:
    """A figure or table of the report. ``kind`` is ``curves`` (one case's learning curves, shown in
    that case), ``figure`` or ``table`` (merged across the cases that record the title, shown once in
    the section of the first one's claim; the others point to it)."""

    kind: str
    title: str
    anchor: str
    cases: list[int]  # indices (report order) of the cases that record it
    claim: str  # the claim whose section shows it
    file: str = ""  # a figure's PNG in the report folder
    columns: list[str] = field(default_factory=list)  # a table's
    rows: list[list] = field(default_factory=list)
    error: str = ""  # why a figure could not be drawn


def recorded(specs: list[dict]) -> dict[str, list[tuple[int, dict]]]:
    """Title -> [(case index, spec), ...] of each case's ``figures`` or ``tables`` (``specs[i]`` is
    case i's), in report order."""
    found: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for i, by_title in enumerate(specs):
        for title, spec in by_title.items():
            found[title].append((i, spec))
    return dict(found)


def merge_tables(cases: list[ClaimCase]) -> list[Exhibit]:
    """Tables of the same title concatenated in report order; columns are the union, in order."""
    tables, taken = [], set()
    for title, parts in recorded([c.tables for c in cases]).items():
        columns = list(dict.fromkeys(col for _, spec in parts for col in spec.get("columns", [])))
        rows = [
            [dict(zip(spec.get("columns", []), row, strict=False)).get(col) for col in columns]
            for _, spec in parts
            for row in spec.get("rows", [])
        ]
        anchor = unique(slug(f"table-{title}"), taken)
        claim = cases[parts[0][0]].claim
        tables.append(Exhibit("table", title, anchor, [i for i, _ in parts], claim, columns=columns, rows=rows))
    return tables


def merge_series(cases: list[ClaimCase], parts: list[tuple[int, dict]]) -> dict[str, dict]:
    """The series of one figure title from several cases; a label recorded twice gets its case added."""
    series: dict[str, dict] = {}
    for i, spec in parts:
        for label, values in spec.get("series", {}).items():
            series[label if label not in series else f"{label} ({cases[i].case})"] = values
    return series


def hosted(exhibits: list[Exhibit], claim: str) -> list[Exhibit]:
    """The merged figures and tables shown in ``claim``'s section."""
    return [e for e in exhibits if e.kind != "curves" and e.claim == claim]


def pointers(exhibits: list[Exhibit], index: int, claim: str) -> list[Exhibit]:
    """The merged figures and tables case ``index`` records that are shown in another claim's section."""
    return [e for e in exhibits if e.kind != "curves" and index in e.cases and e.claim != claim]


def curves_of(exhibits: list[Exhibit], index: int) -> list[Exhibit]:
    """The learning-curve figures of case ``index``."""
    return [e for e in exhibits if e.kind == "curves" and e.cases == [index]]


# ----------------------------------------------------------------------------- rows of a case's tables


def statistic_rows(cases: list[ClaimCase]) -> list[list[str]]:
    """A row per statistic of the cases, as text: case, name, test, estimate with its 95% interval,
    p-value, the other recorded fields (see ``STATISTIC_COLUMNS``)."""
    shown = {"test", *ESTIMATES, "interval95", "p_value"}
    rows = []
    for c in cases:
        for name, s in c.statistics.items():
            d = s if isinstance(s, dict) else {}
            rest = fmt({k: v for k, v in d.items() if k not in shown}) if d else ""
            rows.append([c.case, name, str(d.get("test", "")), with_interval(s), cell(d.get("p_value")), rest])
    return rows


def check_rows(case: ClaimCase) -> list[list[str]]:
    """A row per named check the case judged (see ``CHECK_COLUMNS``)."""
    return [[k.name, k.statistic, cell(k.value), k.threshold, k.outcome] for k in case.checks]


def design_facts(case: ClaimCase) -> list[tuple[str, str]]:
    """(label, text) of what a case's design rests on, those recorded: its seeds, the smallest p it
    can reach, its analysis plan's hash."""
    facts = [
        ("seeds", fmt(list(case.seeds)) if case.seeds else ""),
        ("smallest reachable p", sig(float(case.smallest_p), 2) if case.smallest_p is not None else ""),
        ("analysis plan", case.plan_hash),
        ("decided once by", design_text(case.design)),
    ]
    return [(label, text) for label, text in facts if text]


def design_text(design: tuple[DesignCheck, ...]) -> str:
    """A case decided once (rethink_core.plan.FixedDesign), in one line: each test at its level with the
    smallest p it could reach here, and its criteria."""
    parts = []
    for c in design:
        if c.is_criterion:
            parts.append(f"{c.check}: a criterion (no p)")
        else:
            reach = sig(float(c.smallest_p), 2) if c.smallest_p is not None else "unknown"
            parts.append(
                f"{c.check}: {c.test} on {c.unit}, level {sig(float(c.level), 2)}, the claim holds if it "
                f"{c.claim_holds_if} (smallest p {reach})"
            )
    return "; ".join(parts)


def run_row(run: dict, short: bool = False) -> list:
    """A training run's row of a runs table (``short``: the store key cut to 12 characters, as code)."""
    key = run.get("key", "")
    return [
        run.get("run", ""),
        f"`{key[:12]}`" if short else key,
        run.get("status"),
        run.get("epochs"),
        run.get("train_acc"),
        run.get("test_acc"),
        run.get("seconds"),
    ]
