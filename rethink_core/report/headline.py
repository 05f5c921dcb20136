"""The claims at a glance, shared by every renderer: a claim's plain statement, its cases' headline
rows (ours beside the paper's, in one unit and rounding, with the difference and a note on the data),
what decided each verdict, and the notes as footnote marks.

A case's ``headline`` rows and ``decided_by`` are optional (see :mod:`.schema`); a case without
headline rows (an older report) gets one row of its ``measured`` and ``paper`` values, shortened.
"""

from __future__ import annotations

from dataclasses import dataclass

from rethink_core.report.model import verdict_label
from rethink_core.report.units import decided_text, difference, number, short

SUMMARY_LINES = 1  # headline rows of a claim in a report's first screen; all of them in its section


@dataclass
class Line:
    """One headline row as text: ``case`` is the index of its case (report order)."""

    case: int
    quantity: str
    ours: str
    paper: str
    diff: str
    note: str
    linked: bool  # ours is a measured number (linked to its runs); False for a recorded text


@dataclass
class ClaimLine:
    """One claim of the summary: its statement, its cases (indices), their headline rows, the
    rows shown on the first screen (``shown``) and what decided each case."""

    claim: str
    statement: str
    cases: list[int]
    lines: list[Line]
    shown: list[Line]
    decided: dict[int, str]


def statement(cases: list[dict]) -> str:
    """The claim's one plain sentence: the first case's ``statement``, else its ``title``."""
    first = cases[0] if cases else {}
    return str(first.get("statement") or first.get("title") or "")


def case_lines(case: dict, index: int) -> list[Line]:
    """A case's headline rows as text; one row of its measured and paper values where it has none."""
    rows = case.get("headline")
    if not isinstance(rows, list) or not rows:
        measured, paper = short(case.get("measured") or ""), short(case.get("paper") or "")
        return [Line(index, "measured", measured, paper, "", "", False)] if measured or paper else []
    return [headline_line(row, index) for row in rows if isinstance(row, dict)]


def headline_line(row: dict, index: int) -> Line:
    unit = row.get("unit", "number")
    ours, paper = row.get("ours"), row.get("paper")
    shown = number(ours, unit)
    return Line(
        index,
        str(row.get("quantity", "")),
        shown,
        number(paper, unit),
        difference(ours, paper, unit),
        str(row.get("note") or ""),
        isinstance(ours, (int, float)),
    )


def claim_line(claim: str, cases: list[dict], indices: list[int], limit: int = SUMMARY_LINES) -> ClaimLine:
    """The summary of one claim whose cases are ``cases[i]`` for ``i`` in ``indices``."""
    per_case = [case_lines(cases[i], i) for i in indices]
    lines = [line for rows in per_case for line in rows]
    decided = {i: text for i in indices if (text := decided_text(cases[i].get("decided_by")))}
    ranks = [_rank(cases[i], i in decided) for i in indices]
    shown = first_rows(per_case, ranks, limit)
    return ClaimLine(claim, statement([cases[i] for i in indices]), indices, lines, shown, decided)


def first_rows(per_case: list[list[Line]], ranks: list[int], limit: int) -> list[Line]:
    """Up to ``limit`` rows: every case's first row before any case's second; among those, failures
    and deviations first, then cases with a deciding statistic, then case order. Shown in case order."""
    ranked = sorted((position, ranks[k], k) for k, rows in enumerate(per_case) for position in range(len(rows)))
    return [per_case[k][position] for position, _, k in sorted(ranked[:limit], key=lambda p: (p[2], p[0]))]


def _rank(case: dict, decided: bool) -> int:
    return {"fail": 0, "deviation": 1}.get(case.get("verdict", ""), 2 if decided else 3)


def verdict_groups(cases: list[dict]) -> list[tuple[str, str, list[str]]]:
    """(verdict, label as shown, names of its cases) per label, in order of appearance: a claim's badges."""
    groups: dict[str, tuple[str, str, list[str]]] = {}
    for c in cases:
        label = verdict_label(c)
        groups.setdefault(label, (str(c.get("verdict", "?")), label, []))[2].append(str(c.get("case", "")))
    return list(groups.values())


def footnotes(lines: list[Line]) -> dict[str, str]:
    """Each distinct note -> its mark (``a``, ``b``, ...), in order of appearance."""
    marks: dict[str, str] = {}
    for line in lines:
        if line.note and line.note not in marks:
            marks[line.note] = _mark(len(marks))
    return marks


def _mark(n: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[n] if n < len(letters) else f"n{n + 1}"
