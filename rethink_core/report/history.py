"""The history of many reports: every ``results.json`` under a folder (e.g. ``reports/`` or a folder of
downloaded nightly artifacts), grouped by what their numbers are of, (scale, data set, precision,
model set), each group's reports oldest to newest, and per claim case its verdict and headline
numbers across them, with the changes marked. Reports of different groups are never mixed in a line.

Written as a self-contained page (``history.html``) and a Markdown table (``history.md``): a section
per group, its reports as columns, a line per case's verdict and per headline number, each change
from the report before marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from rethink_core.case import ClaimCase
from rethink_core.report.html import badge
from rethink_core.report.html_assets import document
from rethink_core.report.markdown import md_table
from rethink_core.report.model import label_verdict, verdict_label
from rethink_core.report.numbers import MISSING, number, short
from rethink_core.report.schema import ReportError, Results, load

VERDICT = "verdict"  # the quantity of a case's verdict row
TITLE = "Claim history: the verdicts and headline numbers of every report found"


@dataclass
class Report:
    """One report found: its folder (relative to the folder searched) and its ``results.json``."""

    name: str
    results: Results

    @property
    def meta(self) -> dict:
        return self.results.meta


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


# ----------------------------------------------------------------------------- finding and grouping


def history(root: Path, skip: Path | None = None) -> tuple[list[Group], list[str], int]:
    """The groups of the reports under ``root``, the lines on those that could not be read, and how
    many results.json files were found."""
    folders = find(Path(root), skip)
    reports, errors = read(Path(root), folders)
    return groups(reports), errors, len(folders)


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
    values = [case_values(r.results.cases) for r in reports]
    lines: dict[tuple[str, str, str], None] = {}
    for v in values:
        lines.update(dict.fromkeys(v))
    out = []
    for claim, case, quantity in lines:
        cells = [v.get((claim, case, quantity)) for v in values]
        changed = [k > 0 and cells[k] != cells[k - 1] for k in range(len(cells))]
        out.append(Row(claim, case, quantity, cells, changed))
    return out


def case_values(cases: list[ClaimCase]) -> dict[tuple[str, str, str], str]:
    """(claim, case, quantity) -> text: each case's verdict (as shown) and headline numbers (ours)."""
    values = {}
    for c in cases:
        values[(c.claim, c.case, VERDICT)] = verdict_label(c)
        for quantity, text in numbers(c):
            values[(c.claim, c.case, quantity)] = text
    return values


def numbers(case: ClaimCase) -> list[tuple[str, str]]:
    """A case's (quantity, ours as shown) pairs; the numbers of ``measured`` for a case without
    headline rows (older reports)."""
    if case.headline:
        return [(row.quantity, number(row.ours, row.unit)) for row in case.headline]
    return [
        (str(k), short(v)) for k, v in case.measured.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]


# ----------------------------------------------------------------------------- the page and the table


def group_title(g: Group) -> str:
    scale, dataset, precision, models = g.key
    n = len(g.reports)
    return f"scale {scale} · data {dataset} · {precision} · models {models or '?'} ({n} report{'s' * (n != 1)})"


def column(report: Report) -> tuple[str, str]:
    """A report's column: its folder, and when it finished, its first seed and git commit."""
    meta = report.meta
    git = str((meta.get("versions") or {}).get("git") or "")
    facts = [
        str(meta.get("finished_at", ""))[:16].replace("T", " "),
        f"seeds from {meta['first_seed']}" if meta.get("first_seed") is not None else "",
        f"git {git[:8]}" if git else "",
    ]
    return report.name, ", ".join(f for f in facts if f)


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
        shown = MISSING if text is None else badge(label_verdict(text), text) if r.quantity == VERDICT else escape(text)
        before = r.cells[k - 1] if k else None
        was = f' <span class="muted">(was {escape(before or MISSING)})</span>' if changed else ""
        cells.append(f'<td class="{"changed" if changed else ""}">{shown}{was}</td>')
    quantity = f"<em>{VERDICT}</em>" if r.quantity == VERDICT else escape(r.quantity)
    return f"<tr><td>{escape(r.claim)}</td><td>{escape(r.case)}</td><td>{quantity}</td>{''.join(cells)}</tr>"


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
        heads = (f"{name} ({facts})" if facts else name for name, facts in map(column, g.reports))
        body = [[r.claim, r.case, r.quantity, *(_md_cell(r, k) for k in range(len(r.cells)))] for r in g.rows]
        lines += [f"## {group_title(g)}", "", *md_table(["claim", "case", "quantity", *heads], body), ""]
    return "\n".join(lines)


def _md_cell(r: Row, k: int) -> str:
    text = r.cells[k] or MISSING
    return f"**{text}** (was {r.cells[k - 1] or MISSING})" if r.changed[k] else text
