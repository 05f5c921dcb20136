"""``report.html``: the claim report as one self-contained page (figures embedded as base64 data
URIs, inline CSS and a small inline script from :mod:`.html_assets`; it needs no network).

First the summary: the verdict counts, the scale and data, one row per claim (its statement, its
cases' verdicts as badges, its headline numbers ours beside the paper's with the difference, and what
decided each case), the notes on the data as footnotes, then every deviation, undecided case and skip
with its reason, then the session's facts. Then one section per claim: its figures and tables first,
then one ours-vs-paper table of its cases' headline rows (each of our numbers linked to the case's
runs), the reasons of its cases that did not pass, the statistics, and, folded in ``<details>``, each
case's full record and runs table (rows ``id="run-<store key>"``; a link to an anchor inside opens
it). Recorded text is always escaped.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from rethink_core.case import ClaimCase, Verdict
from rethink_core.report.family import family_text
from rethink_core.report.html_assets import document
from rethink_core.report.model import (
    CHECK_COLUMNS,
    RUN_COLUMNS,
    STATISTIC_COLUMNS,
    Exhibit,
    case_anchors,
    check_rows,
    claim_groups,
    counts_text,
    curves_of,
    design_facts,
    deviation_note,
    deviation_outcome,
    hosted,
    pointers,
    run_row,
    statistic_rows,
    unique,
    verdict_label,
)
from rethink_core.report.numbers import cell, check_text, fmt, with_interval
from rethink_core.report.schema import Results
from rethink_core.report.summary import (
    ClaimLine,
    Line,
    case_lines,
    claim_line,
    footnotes,
    meta_facts,
    statement,
    verdict_groups,
    where_text,
)

TITLE = 'Claim report: Zhang et al., "Understanding deep learning requires rethinking generalization"'
SUMMARY_COLUMNS = [
    "claim",
    "statement",
    "verdicts",
    "case",
    "quantity",
    "ours",
    "paper",
    "difference",
    "decided by (threshold)",
]
NUMERIC = {"ours", "paper", "difference"}
HEADLINE_COLUMNS = ["case", "verdict", "quantity", "ours", "paper", "difference", "note", "decided by (threshold)"]
NOTED = (  # the lists under the summary: heading, class, verdicts
    (
        "deviations: known not to reproduce at this scale",
        "deviations",
        (Verdict.DEVIATION, Verdict.DEVIATION_DID_NOT_OCCUR),
    ),
    ("undecided: the design could not decide them with the seeds it had", "undecided-cases", (Verdict.UNDECIDED,)),
    ("skipped", "skips", (Verdict.SKIP,)),
)


def page(results: Results, exhibits: list[Exhibit], folder: Path) -> str:
    """The whole page of a ``results.json``; ``folder`` holds the figures' PNGs."""
    cases = results.cases
    anchors = case_anchors(cases)
    run_ids: set[str] = set()
    body = [f"<h1>{escape(TITLE)}</h1>", summary(results, anchors)]
    for claim, indices in claim_groups(cases):
        body.append(claim_section(claim, cases, indices, anchors, exhibits, folder, run_ids))
    return document(TITLE, body)


# ----------------------------------------------------------------------------- the first screen


def summary(results: Results, anchors: list[str]) -> str:
    """The summary section: counts, scale and data, the claims table, the noted cases, the facts."""
    meta, cases = results.meta, results.cases
    claims = [claim_line(claim, cases, indices) for claim, indices in claim_groups(cases)]
    marks = footnotes([line for c in claims for line in c.shown])
    where = where_text(meta)
    facts = [[f"<strong>{escape(k)}</strong>", escape(v)] for k, v in meta_facts(meta)]
    return (
        '<section id="summary">\n'
        f'<p class="counts">{escape(counts_text(cases))}</p>\n'
        + (f'<p class="where">{escape(where)}</p>\n' if where else "")
        + claims_table(claims, cases, anchors, marks)
        + footnotes_html(marks)
        + noted(cases, anchors)
        + (f'<p class="family">{escape(family)}</p>\n' if (family := family_text(cases)) else "")
        + table([], facts, **{"class": "meta"})
        + setup_html(meta)
        + "\n</section>"
    )


def claims_table(claims: list[ClaimLine], cases: list[ClaimCase], anchors: list[str], marks: dict[str, str]) -> str:
    """One ``<tbody>`` per claim: its first row carries the claim, statement and badges (spanning its
    headline rows), each row one headline row of a case."""
    head = "".join(f'<th class="{"num" if c in NUMERIC else ""}">{escape(c)}</th>' for c in SUMMARY_COLUMNS)
    bodies = "".join(claim_body(c, cases, anchors, marks) for c in claims)
    return f'<table class="claims"><thead><tr>{head}</tr></thead>{bodies}</table>\n'


def claim_body(c: ClaimLine, cases: list[ClaimCase], anchors: list[str], marks: dict[str, str]) -> str:
    """A claim's ``<tbody>``: claim, statement and badges (with a link to rows not shown) span its rows."""
    link = f'<a href="#claim-{escape(c.claim)}">{escape(c.claim)}</a>'
    rows = ["".join(line_cells(line, cases, anchors, marks, c.decided, first)) for first, line in _firsts(c.shown)]
    rows = rows or ['<td colspan="6"></td>']
    more = len(c.lines) - len(c.shown)
    more_link = f'<br><a class="more" href="#claim-{escape(c.claim)}">+{more} more rows</a>' if more else ""
    span = f' rowspan="{len(rows)}"' if len(rows) > 1 else ""
    lead = (
        f"<td{span}><strong>{link}</strong></td>"
        f'<td class="statement"{span}>{escape(c.statement)}</td>'
        f'<td class="verdicts"{span}>{tally([cases[i] for i in c.cases])}{more_link}</td>'
    )
    trs = "".join(f"<tr>{lead if k == 0 else ''}{cells}</tr>" for k, cells in enumerate(rows))
    return f'<tbody id="summary-{escape(c.claim)}">{trs}</tbody>'


def _firsts(lines: list[Line]) -> list[tuple[bool, Line]]:
    """Each line with whether it is the first shown of its case."""
    seen: set[int] = set()
    out = []
    for line in lines:
        out.append((line.case not in seen, line))
        seen.add(line.case)
    return out


def line_cells(
    line: Line, cases: list[ClaimCase], anchors: list[str], marks: dict[str, str], decided: dict[int, str], first: bool
) -> list[str]:
    """The six cells of one headline row: case (bordered in its verdict's colour), quantity, ours,
    paper with its note's mark, difference, and what decided the case (on its first row)."""
    c = cases[line.case]
    case = f'<a href="#{escape(anchors[line.case])}">{escape(c.case)}</a>' if first else ""
    kind = "num" if line.linked else "text"  # a recorded text (older reports) wraps
    mark = f'<sup title="{escape(line.note)}">{escape(marks[line.note])}</sup>' if line.note else ""
    return [
        f'<td class="c-{escape(c.verdict)}">{case}</td>',
        f'<td class="quantity">{escape(line.quantity)}</td>',
        f'<td class="{kind}"><strong>{escape(line.ours)}</strong></td>',
        f'<td class="{kind}">{escape(line.paper)}{mark}</td>',
        f'<td class="num">{escape(line.diff)}</td>',
        f'<td class="decided">{escape(decided.get(line.case, "")) if first else ""}</td>',
    ]


def footnotes_html(marks: dict[str, str]) -> str:
    """The notes on the data, each with its mark, right under the claims table."""
    if not marks:
        return ""
    items = "".join(f"<li><sup>{escape(m)}</sup> {escape(note)}</li>" for note, m in marks.items())
    return f'<ul class="footnotes" style="list-style: none">{items}</ul>\n'


def noted(cases: list[ClaimCase], anchors: list[str]) -> str:
    """Every deviation (those that did not occur too) with its badge, reason and the command that
    measured it; then every undecided case and every skip with its reason."""
    parts = []
    for heading, kind, verdicts in NOTED:
        items = "".join(noted_item(cases[i], anchors[i]) for i, c in enumerate(cases) if c.verdict in verdicts)
        if items:
            parts.append(f'<h4>{escape(heading)}</h4><ul class="{kind} notes">{items}</ul>')
    return "\n".join(parts)


def noted_item(c: ClaimCase, anchor: str) -> str:
    if c.is_deviation:
        return f"<li>{case_link(c, anchor)} {case_badge(c)}: {declared(c)}</li>"
    return f"<li>{case_link(c, anchor)}: {escape(c.reason)}</li>"


def case_link(c: ClaimCase, anchor: str) -> str:
    return f'<a href="#{escape(anchor)}">{escape(c.claim)} {escape(c.case)}</a>'


def declared(c: ClaimCase) -> str:
    """A deviation's reason and the command that measured it, as HTML."""
    reason, command = deviation_note(c)
    return escape(reason) + (f"; measured by <code>{escape(command)}</code>" if command else "")


def setup_html(meta: dict) -> str:
    """Hyperparameters and departures from the paper, folded."""
    hyper = meta.get("hyperparameters") or {}
    items = [f"<li>hyperparameters of {escape(m)}: {escape(fmt(h))}</li>" for m, h in hyper.items()]
    items += [f"<li>departs from the paper: {escape(d)}</li>" for d in meta.get("departures") or []]
    folded = "<summary>hyperparameters and departures from the paper</summary>"
    return f"<details>{folded}<ul>{''.join(items)}</ul></details>"


# ----------------------------------------------------------------------------- a claim's section


def claim_section(
    claim: str,
    cases: list[ClaimCase],
    indices: list[int],
    anchors: list[str],
    exhibits: list[Exhibit],
    folder: Path,
    run_ids: set[str],
) -> str:
    """A claim: statement, figures and tables, ours vs the paper's, reasons, statistics, then the
    cases' full records folded."""
    members = [cases[i] for i in indices]
    parts = [f'<section class="claim" id="claim-{escape(claim)}">', f"<h2>{escape(claim)} {tally(members)}</h2>"]
    said, title = statement(members), members[0].title
    parts.append(f'<p class="statement">{escape(said)}</p>' if said else "")
    parts.append(f'<p class="title">{escape(title)}</p>' if title and title != said else "")
    parts += [exhibit_html(e, folder) for e in hosted(exhibits, claim)]
    parts += [exhibit_html(e, folder) for i in indices for e in curves_of(exhibits, i)]
    shown_elsewhere = {e.anchor: e for i in indices for e in pointers(exhibits, i, claim)}.values()
    parts += [see(e) for e in shown_elsewhere]
    parts.append(headline_table(cases, indices, anchors))
    parts.append(reasons(cases, indices, anchors))
    parts.append(statistics(members))
    records = "".join(case_html(cases[i], i, anchors[i], exhibits, run_ids) for i in indices)
    n = len(indices)
    summary_line = f"runs and full records of {claim}'s {n} case{'s' if n != 1 else ''}"
    parts.append(f'<details class="records"><summary>{escape(summary_line)}</summary>{records}</details>')
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def see(e: Exhibit) -> str:
    """A pointer to a figure or table shown under another claim."""
    return f'<p>See <a href="#{escape(e.anchor)}">{escape(e.title)}</a> (under {escape(e.claim)}).</p>'


def headline_table(cases: list[ClaimCase], indices: list[int], anchors: list[str]) -> str:
    """Every headline row of the claim's cases, ours beside the paper's; our numbers link to the runs."""
    rows = []
    for i in indices:
        decided = check_text(cases[i].decided_by)
        for k, line in enumerate(case_lines(cases[i], i)):
            rows.append(headline_row(cases[i], line, anchors[i], decided if k == 0 else ""))
    if not rows:
        return ""
    return f"<h4>ours and the paper's</h4>{table(HEADLINE_COLUMNS, rows, **{'class': 'headline'})}"


def headline_row(c: ClaimCase, line: Line, anchor: str, decided: str) -> list[str]:
    target = f"runs-{anchor}" if c.runs else anchor
    return [
        f'<a href="#{escape(anchor)}">{escape(c.case)}</a>',
        case_badge(c),
        escape(line.quantity),
        f'<a href="#{escape(target)}"><strong>{escape(line.ours)}</strong></a>',
        escape(line.paper),
        escape(line.diff),
        f'<span class="muted">{escape(line.note)}</span>',
        escape(decided),
    ]


def reasons(cases: list[ClaimCase], indices: list[int], anchors: list[str]) -> str:
    """Why each of the claim's cases that did not pass got its verdict."""
    items = [
        f'<li><a href="#{escape(anchors[i])}">{escape(cases[i].case)}</a> {case_badge(cases[i])}: '
        f"{declared(cases[i]) if cases[i].is_deviation else escape(cases[i].reason)}</li>"
        for i in indices
        if cases[i].verdict is not Verdict.PASS and (cases[i].reason or cases[i].deviation)
    ]
    return f'<ul class="notes reasons">{"".join(items)}</ul>' if items else ""


def case_html(c: ClaimCase, index: int, anchor: str, exhibits: list[Exhibit], run_ids: set[str]) -> str:
    """One case's full record: verdict, reason, every measured number beside the paper's, its design
    and checks, definitions, pointers to figures shown under another claim, and its runs."""
    runs_id = f"runs-{anchor}" if c.runs else ""
    parts = [f'<article class="case" id="{escape(anchor)}">']
    parts.append(f"<h3>{escape(c.claim)} {escape(c.case)} {case_badge(c)}</h3>")
    parts.append(reason_html(c))
    where = f"scale {c.scale}, data {c.dataset}, test {c.test}"
    design = "".join(f"; {label} {text}" for label, text in design_facts(c))
    parts.append(f'<p class="muted">{escape(where + design)}</p>')
    parts.append(f'<div class="pair">{ours(c.measured, runs_id)}{paper(c.paper)}</div>')
    parts.append(checks(c))
    if c.definitions:
        defs = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in c.definitions.items())
        parts.append(f"<dl>{defs}</dl>")
    parts += [see(e) for e in pointers(exhibits, index, c.claim)]
    parts.append(runs(list(c.runs), runs_id, run_ids) if runs_id else "")
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def reason_html(c: ClaimCase) -> str:
    """A deviation's declared reason, command and outcome; any other case's reason."""
    if not c.is_deviation:
        return f"<p><strong>Reason:</strong> {escape(c.reason)}</p>" if c.reason else ""
    text = f"<p><strong>Deviation</strong> (known not to reproduce at this scale): {declared(c)}"
    return text + f". Outcome: {escape(deviation_outcome(c))}.</p>"


# ----------------------------------------------------------------------------- building blocks


def table(columns: list[str], rows: list[list[str]], row_ids: list[str] | None = None, **attrs: str) -> str:
    """An HTML table; ``rows`` hold HTML already escaped, ``row_ids`` optional ids of the rows."""
    extra = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
    head = "<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr></thead>" if columns else ""
    body = "".join(table_row(row, rid) for rid, row in zip(row_ids or [""] * len(rows), rows, strict=True))
    return f"<table{extra}>{head}<tbody>{body}</tbody></table>"


def table_row(cells: list[str], row_id: str = "") -> str:
    id_attr = f' id="{escape(row_id)}"' if row_id else ""
    return f"<tr{id_attr}>" + "".join(f"<td>{v}</td>" for v in cells) + "</tr>"


def badge(verdict: Verdict, label: str = "", title: str = "") -> str:
    """A verdict as a badge in its colour (``v-<verdict>``; a deviation that did not occur outlined);
    ``label`` is the text shown where it is not the verdict itself."""
    tip = f' title="{escape(title)}"' if title else ""
    return f'<span class="verdict v-{escape(verdict)}"{tip}>{escape(label or verdict)}</span>'


def case_badge(c: ClaimCase) -> str:
    return badge(c.verdict, verdict_label(c))


def tally(cases: list[ClaimCase]) -> str:
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


def statistics(cases: list[ClaimCase]) -> str:
    """One row per statistic of a claim's cases."""
    rows = [[escape(v) for v in row] for row in statistic_rows(cases)]
    return f"<h4>statistics</h4>{table(STATISTIC_COLUMNS, rows, **{'class': 'statistics'})}" if rows else ""


def checks(c: ClaimCase) -> str:
    """The named checks a case judged, with their statistics, thresholds and outcomes."""
    rows = [[escape(v) for v in row] for row in check_rows(c)]
    return f"<h4>checks</h4>{table(CHECK_COLUMNS, rows, **{'class': 'checks'})}" if rows else ""


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
