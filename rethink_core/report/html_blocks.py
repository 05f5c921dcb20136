"""The building blocks of ``report.html``: tables, our numbers beside the paper's, statistics, runs,
figures (embedded as base64 data URIs) and merged tables. Recorded text is always escaped."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from rethink_core.report.headline import verdict_groups
from rethink_core.report.model import (
    RUN_COLUMNS,
    STATISTIC_COLUMNS,
    Exhibit,
    cell,
    fmt,
    run_row,
    statistic_rows,
    unique,
    verdict_label,
    with_interval,
)


def table(columns: list[str], rows: list[list[str]], row_ids: list[str] | None = None, **attrs: str) -> str:
    """An HTML table; ``rows`` hold HTML already escaped, ``row_ids`` optional ids of the rows."""
    extra = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
    head = "<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr></thead>" if columns else ""
    body = "".join(table_row(row, rid) for rid, row in zip(row_ids or [""] * len(rows), rows, strict=True))
    return f"<table{extra}>{head}<tbody>{body}</tbody></table>"


def table_row(cells: list[str], row_id: str = "") -> str:
    id_attr = f' id="{escape(row_id)}"' if row_id else ""
    return f"<tr{id_attr}>" + "".join(f"<td>{v}</td>" for v in cells) + "</tr>"


def badge(verdict: str, label: str = "", title: str = "") -> str:
    """A verdict as a coloured badge; ``label`` is the text shown where it is not the verdict itself
    (a deviation whose claim held, ``deviation (xpass)``, is outlined too)."""
    xpass = " xpass" if "xpass" in label else ""
    tip = f' title="{escape(title)}"' if title else ""
    return f'<span class="verdict v-{escape(verdict)}{xpass}"{tip}>{escape(label or verdict)}</span>'


def case_badge(c: dict) -> str:
    return badge(c.get("verdict", "?"), verdict_label(c))


def tally(cases: list[dict]) -> str:
    """A claim's verdicts as badges, one per verdict as shown with its count (e.g. ``pass ×5``); a
    badge's tooltip names its cases."""
    return " ".join(
        badge(verdict, label + (f" ×{len(names)}" if len(names) > 1 else ""), ", ".join(names))
        for verdict, label, names in verdict_groups(cases)
    )


def ours(measured: dict, runs_id: str) -> str:
    """Our numbers, each linked to the runs that produced them (when the case has runs)."""

    def link(text: str) -> str:
        return f'<a href="#{escape(runs_id)}">{escape(text)}</a>' if runs_id else escape(text)

    rows = [[escape(k), link(with_interval(v))] for k, v in measured.items()]
    return f"<div><h4>ours</h4>{table(['quantity', 'measured'], rows, **{'class': 'ours'})}</div>"


def paper(value: object) -> str:
    """The paper's statement or numbers."""
    if isinstance(value, dict):
        body = table(["quantity", "paper"], [[escape(k), escape(fmt(v))] for k, v in value.items()])
    else:
        body = f"<p>{escape(fmt(value) if value is not None else 'n/a')}</p>"
    return f"<div><h4>paper</h4>{body}</div>"


def statistics(items: list[tuple[str, dict]]) -> str:
    """One row per statistic of a claim's cases (``(case, statistics)`` pairs)."""
    rows = [[escape(v) for v in row] for row in statistic_rows(items)]
    return f"<h4>statistics</h4>{table(STATISTIC_COLUMNS, rows, **{'class': 'statistics'})}" if rows else ""


def runs(recorded_runs: list[dict], runs_id: str, run_ids: set[str]) -> str:
    """The runs table; a row's id is ``run-<store key>`` (``-2``, ``-3``... where another case shows it too)."""
    ids = [unique(f"run-{r.get('key', '')}", run_ids) for r in recorded_runs]
    rows = [[escape(cell(v)) for v in run_row(r)] for r in recorded_runs]
    for row in rows:
        row[1] = f"<code>{row[1]}</code>"
    return f"<h4>runs</h4>{table(RUN_COLUMNS, rows, ids, id=runs_id, **{'class': 'runs'})}"


def exhibit_html(e: Exhibit, folder: Path) -> str:
    """A merged table, or a figure with its PNG (from ``folder``) embedded, or why it was not drawn."""
    if e.kind == "table":
        rows = [[escape(cell(v)) for v in row] for row in e.rows]
        return f'<h4 id="{escape(e.anchor)}">{escape(e.title)}</h4>{table(e.columns, rows, **{"class": "merged"})}'
    if not e.file:
        return f'<p id="{escape(e.anchor)}"><em>{escape(e.title)}: not drawn ({escape(e.error)})</em></p>'
    data = base64.b64encode((folder / e.file).read_bytes()).decode("ascii")
    return (
        f'<figure id="{escape(e.anchor)}"><img src="data:image/png;base64,{data}" alt="{escape(e.title)}">'
        f'<figcaption>{escape(e.title)} <span class="muted">({escape(e.file)})</span></figcaption></figure>'
    )
