"""The first screen of ``report.html``: the verdict counts, the scale and data, one row per claim
(its statement, its cases' verdicts as badges, its headline numbers ours beside the paper's with the
difference, and what decided each case), the notes on the data as footnotes, then every deviation and
skip with its reason, then the session's facts."""

from __future__ import annotations

from html import escape

from rethink_core.report.headline import ClaimLine, Line, claim_line, footnotes
from rethink_core.report.html_blocks import case_badge, table, tally
from rethink_core.report.meta import meta_facts, where_text
from rethink_core.report.model import claim_groups, counts, counts_text, deviation_note, fmt, notes

COLUMNS = [
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


def summary(doc: dict, anchors: list[str]) -> str:
    """The summary section: counts, scale and data, the claims table, deviations and skips, facts."""
    meta, cases = doc["meta"], doc["results"]
    claims = [claim_line(claim, cases, indices) for claim, indices in claim_groups(cases)]
    marks = footnotes([line for c in claims for line in c.shown])
    where = where_text(meta)
    facts = [[f"<strong>{escape(k)}</strong>", escape(v)] for k, v in meta_facts(meta)]
    return (
        '<section id="summary">\n'
        f'<p class="counts">{escape(counts_text(counts(cases)))}</p>\n'
        + (f'<p class="where">{escape(where)}</p>\n' if where else "")
        + claims_table(claims, cases, anchors, marks)
        + footnotes_html(marks)
        + deviations_and_skips(cases, anchors)
        + table([], facts, **{"class": "meta"})
        + setup_html(meta)
        + "\n</section>"
    )


def claims_table(claims: list[ClaimLine], cases: list[dict], anchors: list[str], marks: dict[str, str]) -> str:
    """One ``<tbody>`` per claim: its first row carries the claim, statement and badges (spanning its
    headline rows), each row one headline row of a case."""
    head = "".join(f'<th class="{"num" if c in NUMERIC else ""}">{escape(c)}</th>' for c in COLUMNS)
    bodies = "".join(claim_body(c, cases, anchors, marks) for c in claims)
    return f'<table class="claims"><thead><tr>{head}</tr></thead>{bodies}</table>\n'


def claim_body(c: ClaimLine, cases: list[dict], anchors: list[str], marks: dict[str, str]) -> str:
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
    line: Line, cases: list[dict], anchors: list[str], marks: dict[str, str], decided: dict[int, str], first: bool
) -> list[str]:
    """The six cells of one headline row: case (bordered in its verdict's colour), quantity, ours,
    paper with its note's mark, difference, and what decided the case (on its first row)."""
    c = cases[line.case]
    case = f'<a href="#{escape(anchors[line.case])}">{escape(str(c.get("case", "")))}</a>' if first else ""
    kind = "num" if line.linked else "text"  # a recorded text (older reports) wraps
    mark = f'<sup title="{escape(line.note)}">{escape(marks[line.note])}</sup>' if line.note else ""
    return [
        f'<td class="c-{escape(str(c.get("verdict", "")))}">{case}</td>',
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


def deviations_and_skips(cases: list[dict], anchors: list[str]) -> str:
    """Every deviation with its reason and the command that measured it, then every skip with its reason."""
    anchor = {id(c): a for c, a in zip(cases, anchors, strict=True)}
    parts = []
    if deviating := notes(cases, "deviation"):
        items = "".join(f"<li>{case_link(c, anchor[id(c)])} {case_badge(c)}: {declared(c)}</li>" for c in deviating)
        heading = "<h4>deviations: known not to reproduce at this scale</h4>"
        parts.append(f'{heading}<ul class="deviations notes">{items}</ul>')
    if skipped := notes(cases, "skip"):
        items = "".join(f"<li>{case_link(c, anchor[id(c)])}: {escape(c.get('reason', ''))}</li>" for c in skipped)
        parts.append(f'<h4>skipped</h4><ul class="skips notes">{items}</ul>')
    return "\n".join(parts)


def case_link(c: dict, anchor: str) -> str:
    return f'<a href="#{escape(anchor)}">{escape(c.get("claim", ""))} {escape(c.get("case", ""))}</a>'


def declared(c: dict) -> str:
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
