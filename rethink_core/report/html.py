"""``report.html``: the claim report as one self-contained page (figures embedded as base64 data
URIs, inline CSS and a small inline script; it needs no network).

First the summary (:mod:`.html_summary`: one row per claim, then the deviations and skips, then the
session's facts); then one section per claim: its figures and tables first, then one ours-vs-paper
table of its cases' headline rows (each of our numbers linked to the case's runs), the reasons of
its failed, deviating and skipped cases, the statistics, and, folded in ``<details>``, each case's
full record and runs table (rows ``id="run-<store key>"``; a link to an anchor inside opens it).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from rethink_core.report.headline import Line, case_lines, statement
from rethink_core.report.html_assets import document
from rethink_core.report.html_blocks import case_badge, exhibit_html, ours, paper, runs, statistics, table, tally
from rethink_core.report.html_summary import declared, summary
from rethink_core.report.model import (
    Exhibit,
    case_anchors,
    claim_groups,
    curves_of,
    deviation_outcome,
    hosted,
    pointers,
)
from rethink_core.report.units import decided_text

TITLE = 'Claim report: Zhang et al., "Understanding deep learning requires rethinking generalization"'
HEADLINE_COLUMNS = ["case", "verdict", "quantity", "ours", "paper", "difference", "note", "decided by (threshold)"]


def page(doc: dict, exhibits: list[Exhibit], folder: Path) -> str:
    """The whole page of a (schema 2) ``results.json`` document; ``folder`` holds the figures' PNGs."""
    cases = doc["results"]
    anchors = case_anchors(cases)
    run_ids: set[str] = set()
    body = [f"<h1>{escape(TITLE)}</h1>", summary(doc, anchors)]
    for claim, indices in claim_groups(cases):
        body.append(claim_section(claim, cases, indices, anchors, exhibits, folder, run_ids))
    return document(TITLE, body)


def claim_section(
    claim: str,
    cases: list[dict],
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
    said, title = statement(members), members[0].get("title") or ""
    parts.append(f'<p class="statement">{escape(said)}</p>' if said else "")
    parts.append(f'<p class="title">{escape(title)}</p>' if title and title != said else "")
    parts += [exhibit_html(e, folder) for e in hosted(exhibits, claim)]
    parts += [exhibit_html(e, folder) for i in indices for e in curves_of(exhibits, i)]
    shown_elsewhere = {e.anchor: e for i in indices for e in pointers(exhibits, i, claim)}.values()
    parts += [
        f'<p>See <a href="#{escape(e.anchor)}">{escape(e.title)}</a> (under {escape(e.claim)}).</p>'
        for e in shown_elsewhere
    ]
    parts.append(headline_table(cases, indices, anchors))
    parts.append(reasons(cases, indices, anchors))
    parts.append(statistics([(str(cases[i].get("case", "")), cases[i].get("statistics") or {}) for i in indices]))
    records = "".join(case_html(cases[i], i, anchors[i], exhibits, run_ids) for i in indices)
    n = len(indices)
    summary_line = f"runs and full records of {claim}'s {n} case{'s' if n != 1 else ''}"
    parts.append(f'<details class="records"><summary>{escape(summary_line)}</summary>{records}</details>')
    parts.append("</section>")
    return "\n".join(p for p in parts if p)


def headline_table(cases: list[dict], indices: list[int], anchors: list[str]) -> str:
    """Every headline row of the claim's cases, ours beside the paper's; our numbers link to the runs."""
    rows = []
    for i in indices:
        decided = decided_text(cases[i].get("decided_by"))
        for k, line in enumerate(case_lines(cases[i], i)):
            rows.append(headline_row(cases[i], line, anchors[i], decided if k == 0 else ""))
    if not rows:
        return ""
    return f"<h4>ours and the paper's</h4>{table(HEADLINE_COLUMNS, rows, **{'class': 'headline'})}"


def headline_row(c: dict, line: Line, anchor: str, decided: str) -> list[str]:
    target = f"runs-{anchor}" if c.get("runs") else anchor
    return [
        f'<a href="#{escape(anchor)}">{escape(str(c.get("case", "")))}</a>',
        case_badge(c),
        escape(line.quantity),
        f'<a href="#{escape(target)}"><strong>{escape(line.ours)}</strong></a>',
        escape(line.paper),
        escape(line.diff),
        f'<span class="muted">{escape(line.note)}</span>',
        escape(decided),
    ]


def reasons(cases: list[dict], indices: list[int], anchors: list[str]) -> str:
    """Why each failed, deviating or skipped case of the claim got its verdict."""
    items = [
        f'<li><a href="#{escape(anchors[i])}">{escape(str(cases[i].get("case", "")))}</a> '
        f"{case_badge(cases[i])}: {reason_text(cases[i])}</li>"
        for i in indices
        if cases[i].get("verdict") != "pass" and (cases[i].get("reason") or cases[i].get("deviation"))
    ]
    return f'<ul class="notes reasons">{"".join(items)}</ul>' if items else ""


def reason_text(c: dict) -> str:
    return declared(c) if c.get("verdict") == "deviation" else escape(c.get("reason", ""))


# ----------------------------------------------------------------------------- one case, folded


def case_html(c: dict, index: int, anchor: str, exhibits: list[Exhibit], run_ids: set[str]) -> str:
    """One case's full record: verdict, reason, every measured number beside the paper's,
    definitions, pointers to figures shown under another claim, and its runs."""
    runs_id = f"runs-{anchor}" if c.get("runs") else ""
    claim = c.get("claim", "")
    parts = [f'<article class="case" id="{escape(anchor)}">']
    parts.append(f"<h3>{escape(claim)} {escape(c.get('case', ''))} {case_badge(c)}</h3>")
    parts.append(reason_html(c))
    where = f"scale {c.get('scale')}, data {c.get('dataset')}, test {c.get('test', '')}"
    parts.append(f'<p class="muted">{escape(where)}</p>')
    parts.append(f'<div class="pair">{ours(c.get("measured") or {}, runs_id)}{paper(c.get("paper"))}</div>')
    if c.get("definitions"):
        defs = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in c["definitions"].items())
        parts.append(f"<dl>{defs}</dl>")
    for e in pointers(exhibits, index, claim):
        parts.append(f'<p>See <a href="#{escape(e.anchor)}">{escape(e.title)}</a> (under {escape(e.claim)}).</p>')
    if runs_id:
        parts.append(runs(c["runs"], runs_id, run_ids))
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def reason_html(c: dict) -> str:
    """A deviation's declared reason, command and outcome; any other case's reason."""
    if c.get("verdict") != "deviation":
        return f"<p><strong>Reason:</strong> {escape(c['reason'])}</p>" if c.get("reason") else ""
    outcome = deviation_outcome(c)
    text = f"<p><strong>Deviation</strong> (known not to reproduce at this scale): {declared(c)}"
    return text + (f". Outcome: {escape(outcome)}.</p>" if outcome else ".</p>")
