"""``report.md``: the claim report in Markdown, in the order of ``report.html`` (the summary first,
:mod:`.markdown_summary`; then per claim its figures and tables, one ours-vs-paper table, the
reasons, the statistics, and its cases' full records folded in ``<details>``), so that it reads well
as a GitHub job summary. Figures are PNG files beside it."""

from __future__ import annotations

from rethink_core.report.headline import case_lines, statement
from rethink_core.report.markdown_summary import deviation_line, md_table, summary, verdicts_text
from rethink_core.report.model import (
    RUN_COLUMNS,
    STATISTIC_COLUMNS,
    Exhibit,
    claim_groups,
    curves_of,
    deviation_note,
    deviation_outcome,
    fmt,
    hosted,
    pointers,
    run_row,
    statistic_rows,
    verdict_label,
)
from rethink_core.report.units import decided_text

HEADLINE_COLUMNS = ["case", "verdict", "quantity", "ours", "paper", "difference", "note", "decided by (threshold)"]


def markdown(doc: dict, exhibits: list[Exhibit]) -> str:
    """The whole ``report.md`` of a (schema 2) ``results.json`` document."""
    cases = doc["results"]
    lines = summary(doc)
    for claim, indices in claim_groups(cases):
        lines += claim_lines(claim, cases, indices, exhibits)
    return "\n".join(lines) + "\n"


def md_figure(e: Exhibit) -> str:
    return f"![{e.title}]({e.file})" if e.file else f"*{e.title}: not drawn ({e.error})*"


def claim_lines(claim: str, cases: list[dict], indices: list[int], exhibits: list[Exhibit]) -> list[str]:
    """A claim's section: statement, figures and tables, ours vs the paper's, reasons, statistics,
    then its cases' full records folded."""
    members = [cases[i] for i in indices]
    lines = ["", f"## {claim}: {verdicts_text(members)}", ""]
    lines += [f"*{statement(members)}*", ""] if statement(members) else []
    for e in hosted(exhibits, claim):
        lines += [f"**{e.title}**", ""]
        lines += [*md_table(e.columns, e.rows), ""] if e.kind == "table" else [md_figure(e), ""]
    lines += [md_figure(e) + "\n" for i in indices for e in curves_of(exhibits, i)]
    elsewhere = {e.anchor: e for i in indices for e in pointers(exhibits, i, claim)}.values()
    lines += [f"- see {e.title} (under {e.claim})" for e in elsewhere]
    lines += headline_lines(cases, indices)
    lines += [f"- {reason_text(c)}" for c in members if c.get("verdict") != "pass" and c.get("reason")]
    stats = statistic_rows([(str(c.get("case", "")), c.get("statistics") or {}) for c in members])
    lines += ["", "Statistics:", "", *md_table(STATISTIC_COLUMNS, stats)] if stats else []
    n = len(indices)
    lines += ["", f"<details><summary>runs and full records of {claim}'s {n} case{'s' if n != 1 else ''}</summary>"]
    for i in indices:
        lines += case_lines_full(cases[i], i, exhibits)
    return [*lines, "", "</details>"]


def headline_lines(cases: list[dict], indices: list[int]) -> list[str]:
    """The claim's ours-vs-paper table: every headline row of its cases."""
    rows = []
    for i in indices:
        decided = decided_text(cases[i].get("decided_by"))
        for k, line in enumerate(case_lines(cases[i], i)):
            verdict = f"**{verdict_label(cases[i])}**"
            row = [cases[i].get("case", ""), verdict, line.quantity, f"**{line.ours}**", line.paper, line.diff]
            rows.append([*row, line.note, decided if k == 0 else ""])
    return ["", *md_table(HEADLINE_COLUMNS, rows), ""] if rows else []


def reason_text(c: dict) -> str:
    if c.get("verdict") == "deviation":
        return deviation_line(c)
    return f"{c.get('claim', '')} {c.get('case', '')}, **{verdict_label(c)}**: {c.get('reason', '')}"


def case_lines_full(c: dict, index: int, exhibits: list[Exhibit]) -> list[str]:
    """A case's full record: verdict, reason, every number, statistics, definitions and runs."""
    lines = ["", f"### {c.get('claim', '')} {c.get('case', '')}: {verdict_label(c)}", ""]
    if c.get("title"):
        lines += [f"*{c['title']}*", ""]
    lines += reason_lines(c)
    lines += [f"- scale `{c.get('scale')}`, data `{c.get('dataset')}`, test `{c.get('test', '')}`"]
    lines += [f"- measured: {fmt(c.get('measured', {}))}", f"- paper: {fmt(c.get('paper') or 'n/a')}"]
    lines += [f"- statistic `{name}`: {fmt(stat)}" for name, stat in (c.get("statistics") or {}).items()]
    lines += [f"- definition of {name}: {text}" for name, text in (c.get("definitions") or {}).items()]
    lines += [f"- see {e.title} (under {e.claim})" for e in pointers(exhibits, index, c.get("claim", ""))]
    if c.get("runs"):
        lines += ["", *md_table(RUN_COLUMNS, [run_row(r, short=True) for r in c["runs"]])]
    return lines


def reason_lines(c: dict) -> list[str]:
    """A deviation's declared reason, command and outcome; any other case's reason."""
    if c.get("verdict") != "deviation":
        return [f"Reason: {c['reason']}", ""] if c.get("reason") else []
    reason, command = deviation_note(c)
    outcome = deviation_outcome(c)
    lines = [f"Deviation (known not to reproduce at this scale): {reason}", ""]
    lines += [f"Measured by `{command}`.", ""] if command else []
    return lines + ([f"Outcome: {outcome}.", ""] if outcome else [])
