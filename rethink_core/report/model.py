"""The report's data model, shared by every renderer: verdicts and their counts, the order of claims
and cases, the figures and tables (:class:`Exhibit`) merged across cases, anchors and numbers as text.

A case is a dict of ``results.json`` (see :mod:`rethink_core.report.schema`); nothing here reads or
writes files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VERDICTS = ("pass", "fail", "deviation", "skip")
COUNT_WORDS = {"pass": "passed", "fail": "failed", "deviation": "deviation", "skip": "skipped"}
OUTCOMES = {"xfail": "the claim did not hold, as declared", "xpass": "the claim held this time (xpass)"}
ESTIMATES = ("mean", "accuracy", "estimate", "value", "rho")  # a statistic's estimate, by key
STATISTIC_COLUMNS = ["case", "statistic", "test", "estimate [95% interval]", "p-value", "details"]
RUN_COLUMNS = ["run", "store key", "status", "epochs", "train acc", "test acc", "seconds"]


# ----------------------------------------------------------------------------- numbers and names


def fmt(value: object) -> str:
    """Numbers as a reader wants them: accuracies and ratios to 4 digits, the rest as-is."""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"  # 0.9996 stays 0.9996, never "1"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def with_interval(value: object) -> str:
    """A number, or a ``{"mean"|"accuracy"|..., "interval95": [lo, hi]}`` statistic as ``x [lo, hi]``."""
    if not isinstance(value, dict):
        return fmt(value)
    estimate = next((value[k] for k in ESTIMATES if k in value), None)
    interval = value.get("interval95")
    text = fmt(estimate) if estimate is not None else ""
    return f"{text} [{fmt(interval[0])}, {fmt(interval[1])}]" if interval else text


def statistic_rows(items: list[tuple[str, dict]]) -> list[list[str]]:
    """A row per statistic of (case, statistics) pairs, as text: case, name, test, estimate with its
    95% interval, p-value, the other recorded fields (see ``STATISTIC_COLUMNS``)."""
    shown = {"test", *ESTIMATES, "interval95", "p_value"}
    rows = []
    for case, stats in items:
        for name, s in (stats or {}).items():
            d = s if isinstance(s, dict) else {}
            rest = fmt({k: v for k, v in d.items() if k not in shown}) if d else ""
            rows.append([case, name, str(d.get("test", "")), with_interval(s), cell(d.get("p_value")), rest])
    return rows


def cell(value: object) -> str:
    """A table cell: empty for a missing value."""
    return "" if value is None else fmt(value)


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


def case_anchors(cases: list[dict]) -> list[str]:
    """A unique HTML id per case, e.g. ``case-R1-alexnet``."""
    taken: set[str] = set()
    return [unique(slug(f"case-{c.get('claim', '')}-{c.get('case', '')}"), taken) for c in cases]


# ----------------------------------------------------------------------------- verdicts


def verdict_label(case: dict) -> str:
    """The verdict as shown: ``deviation (xpass)`` where a declared deviation's claim held this time."""
    verdict = case.get("verdict", "?")
    if verdict == "deviation" and (case.get("deviation") or {}).get("outcome") == "xpass":
        return "deviation (xpass)"
    return verdict


def counts(cases: list[dict]) -> dict[str, int]:
    """How many cases have each verdict, every verdict present (0 where none)."""
    return {v: sum(c.get("verdict") == v for c in cases) for v in VERDICTS}


def counts_text(n: dict[str, int]) -> str:
    """E.g. ``27 passed, 1 failed, 2 deviations, 1 skipped``."""
    words = {**COUNT_WORDS, "deviation": "deviation" if n.get("deviation") == 1 else "deviations"}
    return ", ".join(f"{n.get(v, 0)} {words[v]}" for v in VERDICTS)


def deviation_note(case: dict) -> tuple[str, str]:
    """A deviation case's (reason, command that measured it); empty strings where not recorded."""
    declared = case.get("deviation") or {}
    return declared.get("reason") or case.get("reason", ""), declared.get("command", "")


def deviation_outcome(case: dict) -> str:
    """What a deviation case's outcome means (``xfail`` or ``xpass``), or "" where not recorded."""
    return OUTCOMES.get((case.get("deviation") or {}).get("outcome", ""), "")


def notes(cases: list[dict], verdict: str) -> list[dict]:
    """The cases with ``verdict`` (``deviation`` or ``skip``), for the list near the top of a report."""
    return [c for c in cases if c.get("verdict") == verdict]


# ----------------------------------------------------------------------------- order


def sort_cases(cases: list[dict]) -> list[dict]:
    """Claims by the smallest ``order`` among their cases, then cases by ``order``. Cases without
    ``order`` (older reports) keep their order of appearance, after those with one."""
    groups: dict[str, list[dict]] = {}
    for c in cases:
        groups.setdefault(c.get("claim", ""), []).append(c)
    for members in groups.values():
        members.sort(key=_order)
    return [c for members in sorted(groups.values(), key=lambda m: _order(m[0])) for c in members]


def _order(case: dict) -> float:
    order = case.get("order")
    return order if isinstance(order, int) else float("inf")


def claim_groups(cases: list[dict]) -> list[tuple[str, list[int]]]:
    """(claim, indices of its cases) in report order."""
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(cases):
        groups.setdefault(c.get("claim", ""), []).append(i)
    return list(groups.items())


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


def recorded(cases: list[dict], key: str) -> dict[str, list[tuple[int, dict]]]:
    """Title -> [(case index, spec), ...] of every ``figures`` or ``tables`` entry, in report order."""
    found: dict[str, list[tuple[int, dict]]] = {}
    for i, c in enumerate(cases):
        for title, spec in (c.get(key) or {}).items():
            found.setdefault(title, []).append((i, spec))
    return found


def merge_tables(cases: list[dict]) -> list[Exhibit]:
    """Tables of the same title concatenated in report order; columns are the union, in order."""
    tables, taken = [], set()
    for title, parts in recorded(cases, "tables").items():
        columns = list(dict.fromkeys(col for _, spec in parts for col in spec.get("columns", [])))
        rows = [
            [dict(zip(spec.get("columns", []), row, strict=False)).get(col) for col in columns]
            for _, spec in parts
            for row in spec.get("rows", [])
        ]
        anchor = unique(slug(f"table-{title}"), taken)
        claim = cases[parts[0][0]]["claim"]
        tables.append(Exhibit("table", title, anchor, [i for i, _ in parts], claim, columns=columns, rows=rows))
    return tables


def merge_series(cases: list[dict], parts: list[tuple[int, dict]]) -> dict[str, dict]:
    """The series of one figure title from several cases; a label recorded twice gets its case added."""
    series: dict[str, dict] = {}
    for i, spec in parts:
        for label, values in spec.get("series", {}).items():
            series[label if label not in series else f"{label} ({cases[i].get('case', i)})"] = values
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


# ----------------------------------------------------------------------------- runs


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
