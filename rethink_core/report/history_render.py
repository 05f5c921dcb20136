"""The history page (``history.html``, self-contained) and table (``history.md``): a section per group
(scale, data set, precision, model set), its reports as columns oldest to newest, a line per case's
verdict and per headline number, each change from the report before marked."""

from __future__ import annotations

from html import escape
from pathlib import Path

from rethink_core.report.history import VERDICT, Group, Report, Row
from rethink_core.report.html_assets import document
from rethink_core.report.html_blocks import badge
from rethink_core.report.markdown_summary import md_table

TITLE = "Claim history: the verdicts and headline numbers of every report found"


def group_title(g: Group) -> str:
    scale, dataset, precision, models = g.key
    n = len(g.reports)
    return f"scale {scale} · data {dataset} · {precision} · models {models or '?'} ({n} report{'s' * (n != 1)})"


def column(report: Report) -> tuple[str, str]:
    """A report's column: its folder, and when it finished, its first seed and git commit."""
    meta = report.meta
    facts = [
        str(meta.get("finished_at", ""))[:16].replace("T", " "),
        f"seeds from {meta['first_seed']}" if meta.get("first_seed") is not None else "",
        f"git {str((meta.get('versions') or {}).get('git', ''))[:8]}"
        if (meta.get("versions") or {}).get("git")
        else "",
    ]
    return report.name, ", ".join(f for f in facts if f)


# ----------------------------------------------------------------------------- HTML


def history_html(groups: list[Group], errors: list[str], root: Path) -> str:
    """The whole page."""
    body = [
        f"<h1>{escape(TITLE)}</h1>",
        f'<p class="where">under {escape(str(root))}; changes from the report before '
        'are highlighted, with the value before ("was ...")</p>',
    ]
    if errors:
        items = "".join(f"<li>{escape(e)}</li>" for e in errors)
        body.append(f'<h4>not read</h4><ul class="notes errors">{items}</ul>')
    for k, g in enumerate(groups):
        body.append(f'<section class="group" id="group-{k + 1}"><h2>{escape(group_title(g))}</h2>')
        body.append(group_table(g))
        body.append("</section>")
    return document(TITLE, body)


def group_table(g: Group) -> str:
    heads = "".join(
        f"<th>{escape(name)}<br><span class='muted'>{escape(facts)}</span></th>"
        for name, facts in map(column, g.reports)
    )
    head = f"<thead><tr><th>claim</th><th>case</th><th>quantity</th>{heads}</tr></thead>"
    return f'<table class="history">{head}<tbody>{"".join(row_html(r) for r in g.rows)}</tbody></table>'


def row_html(r: Row) -> str:
    cells = []
    for k, (text, changed) in enumerate(zip(r.cells, r.changed, strict=True)):
        shown = "–" if text is None else badge(text.split(" ")[0], text) if r.quantity == VERDICT else escape(text)
        before = r.cells[k - 1] if k else None
        was = f' <span class="muted">(was {escape(before or "–")})</span>' if changed else ""
        cells.append(f'<td class="{"changed" if changed else ""}">{shown}{was}</td>')
    quantity = f"<em>{VERDICT}</em>" if r.quantity == VERDICT else escape(r.quantity)
    return f"<tr><td>{escape(r.claim)}</td><td>{escape(r.case)}</td><td>{quantity}</td>{''.join(cells)}</tr>"


# ----------------------------------------------------------------------------- Markdown


def history_markdown(groups: list[Group], errors: list[str], root: Path) -> str:
    """The same as Markdown: a table per group; a changed cell in bold with the value before."""
    lines = [
        f"# {TITLE}",
        "",
        f"Under `{root}`; a change from the report before is in bold, with the value before.",
        "",
    ]
    lines += [f"- not read: {e}" for e in errors] + ([""] if errors else [])
    for g in groups:
        columns = [
            "claim",
            "case",
            "quantity",
            *(f"{name} ({facts})" if facts else name for name, facts in map(column, g.reports)),
        ]
        rows = [[r.claim, r.case, r.quantity, *(_md_cell(r, k) for k in range(len(r.cells)))] for r in g.rows]
        lines += [f"## {group_title(g)}", "", *md_table(columns, rows), ""]
    return "\n".join(lines)


def _md_cell(r: Row, k: int) -> str:
    text = r.cells[k] or "–"
    return f"**{text}** (was {r.cells[k - 1] or '–'})" if r.changed[k] else text
