"""The building blocks of ``report.html``: tables, our numbers beside the paper's, statistics, runs,
figures (embedded as base64 data URIs) and merged tables. Recorded text is always escaped."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from rethink_core.report.model import RUN_COLUMNS, Exhibit, cell, fmt, run_row, unique

ESTIMATES = ("mean", "accuracy", "estimate", "value", "rho")


def table(columns: list[str], rows: list[list[str]], row_ids: list[str] | None = None, **attrs: str) -> str:
    """An HTML table; ``rows`` hold HTML already escaped, ``row_ids`` optional ids of the rows."""
    extra = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
    head = "<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr></thead>" if columns else ""
    body = "".join(table_row(row, rid) for rid, row in zip(row_ids or [""] * len(rows), rows, strict=True))
    return f"<table{extra}>{head}<tbody>{body}</tbody></table>"


def table_row(cells: list[str], row_id: str = "") -> str:
    id_attr = f' id="{escape(row_id)}"' if row_id else ""
    return f"<tr{id_attr}>" + "".join(f"<td>{v}</td>" for v in cells) + "</tr>"


def with_interval(value: object) -> str:
    """A number, or a ``{"mean"|"accuracy"|..., "interval95": [lo, hi]}`` statistic as ``x [lo, hi]``."""
    if not isinstance(value, dict):
        return fmt(value)
    estimate = next((value[k] for k in ESTIMATES if k in value), None)
    interval = value.get("interval95")
    text = fmt(estimate) if estimate is not None else ""
    return f"{text} [{fmt(interval[0])}, {fmt(interval[1])}]" if interval else text


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


def statistics(stats: dict) -> str:
    """One row per statistic: the test, the estimate with its 95% interval, the p-value, the rest."""
    if not stats:
        return ""
    shown = {"test", *ESTIMATES, "interval95", "p_value"}
    rows = []
    for name, s in stats.items():
        d = s if isinstance(s, dict) else {}
        rest = fmt({k: v for k, v in d.items() if k not in shown}) if d else ""
        row = [name, str(d.get("test", "")), with_interval(s), cell(d.get("p_value")), rest]
        rows.append([escape(v) for v in row])
    columns = ["statistic", "test", "estimate [95% interval]", "p-value", "details"]
    return f"<h4>statistics</h4>{table(columns, rows, **{'class': 'statistics'})}"


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
