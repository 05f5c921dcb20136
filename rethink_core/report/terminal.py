"""The claim table printed at the end of a pytest session (rich)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from rethink_core.report.model import counts, counts_text, deviation_note, fmt, sort_cases, verdict_label

VERDICT_STYLE = {"pass": "green", "fail": "bold red", "deviation": "magenta", "skip": "yellow"}
NOTED = ("deviation", "skip")  # verdicts whose reason the table shows


def terminal_table(cases: list[dict]) -> Table:
    """One row per case in report order: claim, case, measured, paper, verdict and, for a deviation
    or a skip, its reason; the caption counts the verdicts."""
    ordered = sort_cases(cases)
    table = Table(title="rethink: claims of Zhang et al. (2017)", caption=counts_text(counts(ordered)))
    for column in ("claim", "case", "measured", "paper", "verdict", "reason"):
        table.add_column(column, overflow="fold")
    for case in ordered:
        table.add_row(
            escape(case.get("claim", "")),
            escape(case.get("case", "")),
            escape(fmt(case.get("measured", {}))),
            escape(fmt(case.get("paper") or "")),
            f"[{VERDICT_STYLE.get(case.get('verdict', ''), '')}]{escape(verdict_label(case))}[/]",
            escape(reason(case)),
        )
    return table


def reason(case: dict) -> str:
    """A deviation's declared reason, a skip's reason; "" for the other verdicts."""
    if case.get("verdict") == "deviation":
        return deviation_note(case)[0]
    return case.get("reason", "") if case.get("verdict") in NOTED else ""
