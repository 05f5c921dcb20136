"""The claim table printed at the end of a pytest session (rich)."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from rethink_core.case import ClaimCase, Verdict
from rethink_core.report.model import counts_text, deviation_note, sort_cases, verdict_label
from rethink_core.report.numbers import fmt

STYLES = {
    Verdict.PASS: "green",
    Verdict.FAIL: "bold red",
    Verdict.SKIP: "yellow",
    Verdict.UNDECIDED: "dark_orange",
    Verdict.DEVIATION: "magenta",
    Verdict.DEVIATION_DID_NOT_OCCUR: "magenta italic",
    Verdict.REHEARSED: "cyan",
}
UNEXPLAINED = (Verdict.PASS, Verdict.FAIL)  # verdicts whose reason the table leaves out (pytest shows a failure's)


def terminal_table(cases: list[ClaimCase]) -> Table:
    """One row per case in report order: claim, case, measured, paper, verdict and, for the verdicts
    other than pass and fail, its reason (a deviation's declared one); the caption counts the verdicts."""
    ordered = sort_cases(cases)
    table = Table(title="rethink: claims of Zhang et al. (2017)", caption=counts_text(ordered))
    for column in ("claim", "case", "measured", "paper", "verdict", "reason"):
        table.add_column(column, overflow="fold")
    for c in ordered:
        table.add_row(
            escape(c.claim),
            escape(c.case),
            escape(fmt(c.measured)),
            escape(fmt(c.paper or "")),
            f"[{STYLES[c.verdict]}]{escape(verdict_label(c))}[/]",
            escape(reason(c)),
        )
    return table


def reason(case: ClaimCase) -> str:
    """A deviation's declared reason, another case's reason; "" for a pass or a failure."""
    if case.is_deviation:
        return deviation_note(case)[0]
    return "" if case.verdict in UNEXPLAINED else case.reason
