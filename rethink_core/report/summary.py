"""The claims at a glance, shared by every renderer's first screen: a claim's plain statement, its
cases' headline rows (ours beside the paper's, in one unit and rounding, with the difference and a
note on the data), what decided each verdict, the notes as footnote marks, and the session's facts
(from ``meta``, only the keys it holds: older reports lack some) as (label, text) pairs.

A case without headline rows (an older report) gets one row of its ``measured`` and ``paper``
values, shortened.
"""

from __future__ import annotations

from dataclasses import dataclass

from rethink_core.case import ClaimCase, Headline, Verdict
from rethink_core.report.model import verdict_label
from rethink_core.report.numbers import check_text, difference, fmt, number, short

SUMMARY_LINES = 1  # headline rows of a claim in a report's first screen; all of them in its section
RANKS = {Verdict.FAIL: 0, Verdict.DEVIATION: 1, Verdict.DEVIATION_DID_NOT_OCCUR: 1, Verdict.UNDECIDED: 1}


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


# ----------------------------------------------------------------------------- claims


def statement(cases: list[ClaimCase]) -> str:
    """The claim's one plain sentence: the first case's ``statement``, else its ``title``."""
    return (cases[0].statement or cases[0].title) if cases else ""


def case_lines(case: ClaimCase, index: int) -> list[Line]:
    """A case's headline rows as text; one row of its measured and paper values where it has none."""
    if case.headline:
        return [headline_line(row, index) for row in case.headline]
    measured, paper = short(case.measured or ""), short(case.paper or "")
    return [Line(index, "measured", measured, paper, "", "", False)] if measured or paper else []


def headline_line(row: Headline, index: int) -> Line:
    """One headline row as text, in its unit."""
    ours, paper = number(row.ours, row.unit), number(row.paper, row.unit)
    diff = difference(row.ours, row.paper, row.unit)
    return Line(index, row.quantity, ours, paper, diff, row.note, isinstance(row.ours, (int, float)))


def claim_line(claim: str, cases: list[ClaimCase], indices: list[int], limit: int = SUMMARY_LINES) -> ClaimLine:
    """The summary of one claim whose cases are ``cases[i]`` for ``i`` in ``indices``."""
    per_case = [case_lines(cases[i], i) for i in indices]
    lines = [line for rows in per_case for line in rows]
    decided = {i: text for i in indices if (text := check_text(cases[i].decided_by))}
    ranks = [RANKS.get(cases[i].verdict, 2 if i in decided else 3) for i in indices]
    shown = first_rows(per_case, ranks, limit)
    return ClaimLine(claim, statement([cases[i] for i in indices]), indices, lines, shown, decided)


def first_rows(per_case: list[list[Line]], ranks: list[int], limit: int) -> list[Line]:
    """Up to ``limit`` rows: every case's first row before any case's second; among those, failures,
    deviations and undecided cases first, then cases with a deciding statistic, then case order.
    Shown in case order."""
    ranked = sorted((position, ranks[k], k) for k, rows in enumerate(per_case) for position in range(len(rows)))
    return [per_case[k][position] for position, _, k in sorted(ranked[:limit], key=lambda p: (p[2], p[0]))]


def verdict_groups(cases: list[ClaimCase]) -> list[tuple[Verdict, str, list[str]]]:
    """(verdict, label as shown, names of its cases) per label, in order of appearance: a claim's badges."""
    groups: dict[str, tuple[Verdict, str, list[str]]] = {}
    for c in cases:
        label = verdict_label(c)
        groups.setdefault(label, (c.verdict, label, []))[2].append(c.case)
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


# ----------------------------------------------------------------------------- the session's facts


def meta_facts(meta: dict) -> list[tuple[str, str]]:
    """The session's facts as (label, text), only those whose keys ``meta`` holds."""
    facts = [
        ("scale", _joined(meta.get("scale"), meta.get("scale_description"), ": ")),
        ("data", _joined(meta.get("dataset"), meta.get("n_test") and f"{meta['n_test']} test images", ", ")),
        ("seeds", seeds_text(meta)),
        ("architectures (width, training images)", fmt(meta["architectures"]) if "architectures" in meta else ""),
        ("hardware", hardware_text(meta)),
        ("wall time", _joined(_maybe(meta, "wall_seconds", "{} s"), _maybe(meta, "finished_at", "finished {}"), "; ")),
        ("versions", fmt(meta["versions"]) if meta.get("versions") else ""),
        ("command", " ".join(meta["command"]) if meta.get("command") else ""),
    ]
    return [(label, text) for label, text in facts if text]


def where_text(meta: dict) -> str:
    """The scale, the data and the seeds in one line, for the top of a report (what its numbers are of)."""
    one = meta.get("seeds") == 1
    parts = [
        _joined(_maybe(meta, "scale", "scale {}"), meta.get("scale_description"), ": "),
        _joined(_maybe(meta, "dataset", "data {}"), _maybe(meta, "n_test", "{} test images"), ", "),
        _maybe(meta, "precision", "precision {}"),
        _maybe(meta, "seeds", "{} seed per configuration" if one else "{} seeds per configuration"),
        _maybe(meta, "device", "device {}"),
    ]
    return " · ".join(p for p in parts if p)


def seeds_text(meta: dict) -> str:
    """E.g. ``2 per configuration: [0, 1]; Table 1's ablations: 1``."""
    if "seeds" not in meta:
        return ""
    text = f"{meta['seeds']} per configuration"
    if meta.get("seed_list"):
        text += f": {fmt(meta['seed_list'])}"
    elif meta.get("first_seed") is not None:
        text += f", from seed {meta['first_seed']}"
    ablation = meta.get("ablation_seeds", meta["seeds"])
    return text + (f"; Table 1's ablations: {ablation}" if ablation != meta["seeds"] else "")


def hardware_text(meta: dict) -> str:
    """The device and the host (platform, CPU model, CPUs, torch threads), what of it is recorded."""
    host = meta.get("host") or {}
    parts = [
        _maybe(meta, "device", "device {}"),
        _maybe(host, "platform", "{}"),
        _maybe(host, "cpu", "{}"),
        _maybe(host, "cpus", "{} CPUs"),
        _maybe(host, "threads", "{} torch threads"),
    ]
    return "; ".join(p for p in parts if p)


def _maybe(d: dict, key: str, template: str) -> str:
    return template.format(d[key]) if d.get(key) is not None else ""


def _joined(first: object, second: object, sep: str) -> str:
    return sep.join(str(p) for p in (first, second) if p not in (None, ""))
