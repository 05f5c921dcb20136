"""The history of many reports: every ``results.json`` under a folder (e.g. ``reports/`` or a folder of
downloaded nightly artifacts), grouped by what their numbers are of, (scale, data set, precision,
model set), each group's reports oldest to newest, and per claim case its verdict and headline
numbers across them, with the changes marked. Reports of different groups are never mixed in a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rethink_core.report.model import verdict_label
from rethink_core.report.schema import ReportError, load
from rethink_core.report.units import number, short

VERDICT = "verdict"  # the quantity of a case's verdict row


@dataclass
class Report:
    """One report found: its folder (relative to the folder searched) and its (schema 2) document."""

    name: str
    doc: dict

    @property
    def meta(self) -> dict:
        return self.doc["meta"]


@dataclass
class Row:
    """One line of a group's table: a case's verdict (``quantity == "verdict"``) or one of its headline
    numbers, one cell per report (None: not in that report); ``changed[k]``: differs from report k-1."""

    claim: str
    case: str
    quantity: str
    cells: list[str | None]
    changed: list[bool] = field(default_factory=list)


@dataclass
class Group:
    """The reports of one (scale, data set, precision, model set), oldest to newest, and their rows."""

    key: tuple[str, str, str, str]
    reports: list[Report]
    rows: list[Row]


def find(root: Path, skip: Path | None = None) -> list[Path]:
    """Every folder under ``root`` (recursively, not through symbolic links) holding a results.json,
    except those under ``skip``."""
    found = {p.parent.resolve(): p.parent for p in Path(root).rglob("results.json") if p.is_file()}
    skipped = skip.resolve() if skip else None
    return sorted(f for r, f in found.items() if skipped is None or not r.is_relative_to(skipped))


def read(root: Path, folders: list[Path]) -> tuple[list[Report], list[str]]:
    """The reports that can be read, and one line per one that cannot (damaged, unknown schema)."""
    reports, errors = [], []
    for folder in folders:
        try:
            reports.append(Report(folder.relative_to(root).as_posix() or ".", load(folder)))
        except ReportError as exc:
            errors.append(str(exc))
    return reports, errors


def group_key(meta: dict) -> tuple[str, str, str, str]:
    """(scale, data set, precision, model set) of a report: what its numbers are of."""
    models = ", ".join(sorted(meta.get("architectures") or {}))
    scale = str(meta.get("scale", "?")) + (" (rehearsal)" if meta.get("rehearsal") else "")
    return (scale, str(meta.get("dataset", "?")), str(meta.get("precision", "float32")), models)


def when(report: Report) -> str:
    """A sortable time: ``meta.finished_at``'s digits, else the folder name's (``20261201-150941``)."""
    stamp = report.meta.get("finished_at") or Path(report.name).name
    return "".join(re.findall(r"\d", str(stamp)))[:14] or str(stamp)


def groups(reports: list[Report]) -> list[Group]:
    """The reports grouped by :func:`group_key` (groups in order of their newest report, newest first)."""
    by_key: dict[tuple, list[Report]] = {}
    for report in reports:
        by_key.setdefault(group_key(report.meta), []).append(report)
    found = [Group(k, sorted(rs, key=lambda r: (when(r), r.name)), []) for k, rs in by_key.items()]
    for g in found:
        g.rows = rows(g.reports)
    return sorted(found, key=lambda g: when(g.reports[-1]), reverse=True)


def rows(reports: list[Report]) -> list[Row]:
    """Per case (in order of first appearance), its verdict row then a row per headline quantity."""
    values = [case_values(r.doc["results"]) for r in reports]
    lines: dict[tuple[str, str, str], None] = {}
    for v in values:
        lines.update(dict.fromkeys(v))
    out = []
    for claim, case, quantity in lines:
        cells = [v.get((claim, case, quantity)) for v in values]
        changed = [k > 0 and cells[k] != cells[k - 1] for k in range(len(cells))]
        out.append(Row(claim, case, quantity, cells, changed))
    return out


def case_values(cases: list[dict]) -> dict[tuple[str, str, str], str]:
    """(claim, case, quantity) -> text: each case's verdict and headline numbers (ours); the
    numbers of ``measured`` for a case without headline rows (older reports)."""
    values = {}
    for c in cases:
        claim, case = str(c.get("claim", "")), str(c.get("case", ""))
        values[(claim, case, VERDICT)] = verdict_label(c)
        for quantity, text in numbers(c):
            values[(claim, case, quantity)] = text
    return values


def numbers(case: dict) -> list[tuple[str, str]]:
    """A case's (quantity, ours as shown) pairs."""
    headline = case.get("headline")
    if isinstance(headline, list) and headline:
        return [
            (str(r.get("quantity", "")), number(r.get("ours"), r.get("unit", "number")))
            for r in headline
            if isinstance(r, dict)
        ]
    measured = case.get("measured") or {}
    return [(str(k), short(v)) for k, v in measured.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]


def history(root: Path, skip: Path | None = None) -> tuple[list[Group], list[str], int]:
    """The groups of the reports under ``root``, the lines on those that could not be read, and how
    many results.json files were found."""
    folders = find(Path(root), skip)
    reports, errors = read(Path(root), folders)
    return groups(reports), errors, len(folders)
