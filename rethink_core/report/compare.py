"""Comparing two reports: which verdicts and measured numbers changed, case by case. Both are read as
schema 3, so a schema-2 ``deviation`` whose outcome was ``xpass`` and a ``deviation-did-not-occur``
are the same verdict."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rethink_core.case import ClaimCase
from rethink_core.report.model import verdict_label
from rethink_core.report.numbers import cell, fmt
from rethink_core.report.schema import load


@dataclass
class CaseChange:
    """How one case (claim, case) differs between two reports; values are as recorded (None: absent).
    A verdict is as shown in a report, e.g. ``deviation-did-not-occur``."""

    claim: str
    case: str
    change: str  # "changed", "added" or "removed"
    verdict: tuple[str | None, str | None]
    measured: dict[str, tuple[object, object]]  # name -> (old, new), only those that differ


def compare_reports(old_dir: Path, new_dir: Path) -> list[CaseChange]:
    """Which verdicts and measured numbers differ between two report folders, case by case. Numbers
    count as equal when they print the same (4 significant digits)."""
    old, new = (cases_by_name(Path(d)) for d in (old_dir, new_dir))
    changes = []
    for name in [*old, *(n for n in new if n not in old)]:
        change = case_change(name, old.get(name), new.get(name))
        if change is not None:
            changes.append(change)
    return changes


def case_change(name: tuple[str, str], before: ClaimCase | None, after: ClaimCase | None) -> CaseChange | None:
    """How one case changed, or None where its verdict and every number stayed the same."""
    verdict = (verdict_label(before) if before else None, verdict_label(after) if after else None)
    m_old, m_new = before.measured if before else {}, after.measured if after else {}
    measured = {
        k: (m_old.get(k), m_new.get(k))
        for k in dict.fromkeys([*m_old, *m_new])
        if k not in m_old or k not in m_new or fmt(m_old[k]) != fmt(m_new[k])
    }
    change = "removed" if not after else "added" if not before else "changed"
    if change == "changed" and verdict[0] == verdict[1] and not measured:
        return None
    return CaseChange(name[0], name[1], change, verdict, measured)


def cases_by_name(folder: Path) -> dict[tuple[str, str], ClaimCase]:
    """A report's cases by (claim, case)."""
    return {(c.claim, c.case): c for c in load(folder).cases}


def describe_changes(changes: list[CaseChange]) -> str:
    """The changes as text, a line per case and an indented line per number."""
    if not changes:
        return "no verdict or measured number changed"
    lines = []
    for ch in changes:
        old, new = ch.verdict
        head = f"{ch.claim} {ch.case}: "
        if ch.change == "changed":
            lines.append(head + (f"verdict {old} -> {new}" if old != new else f"verdict {new} (unchanged)"))
        else:
            lines.append(head + (f"added ({new})" if ch.change == "added" else f"removed (was {old})"))
        lines += [f"  {k}: {cell(a) or '-'} -> {cell(b) or '-'}" for k, (a, b) in ch.measured.items()]
    return "\n".join(lines)
