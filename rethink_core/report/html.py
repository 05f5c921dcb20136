"""``report.html``: the claim report as one self-contained page (figures embedded as base64 data
URIs, inline CSS and a small inline script; it needs no network).

A summary (verdict counts; every deviation with its reason and command and every skip with its
reason; scale, data, hardware, wall time, versions; one row per case), then one section per claim:
per case its verdict, the paper's statement and numbers, ours (each linked to the case's runs table,
whose rows have ``id="run-<store key>"``), the statistics with their 95% intervals, and figures;
merged figures and tables close the section of the first claim recording them. On load, a script
marks ``<html>`` with ``data-images-ok="yes"`` when every image decoded (``"no"`` otherwise), for a
headless browser's check.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from rethink_core.report.html_blocks import exhibit_html, ours, paper, runs, statistics, table
from rethink_core.report.meta import meta_facts
from rethink_core.report.model import (
    Exhibit,
    case_anchors,
    claim_groups,
    counts,
    counts_text,
    curves_of,
    deviation_note,
    deviation_outcome,
    fmt,
    hosted,
    notes,
    pointers,
    verdict_label,
)

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #222; max-width: 1100px; margin: 0 auto; padding: 1em 1.5em; }
h1 { font-size: 1.5em; } h2 { border-bottom: 2px solid #ccc; margin-top: 2em; } h3 { margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.counts { font-size: 1.2em; font-weight: 600; }
.verdict { display: inline-block; padding: 0 .5em; border-radius: .3em; color: #fff; font-weight: 600; }
.v-pass { background: #2e7d32; } .v-fail { background: #c62828; } .v-skip { background: #b58900; }
.v-deviation { background: #7b1fa2; }
.case { border-left: 4px solid #ddd; padding-left: 1em; margin: 1.5em 0; }
.title { font-style: italic; } .muted { color: #666; font-size: .9em; }
.pair { display: flex; gap: 2em; flex-wrap: wrap; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #444; }
code { font-size: .85em; } :target { background: #fff7c0; }
"""

SCRIPT = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var ok = images.every(function (img) { return img.complete && img.naturalWidth > 0; });
  document.documentElement.setAttribute("data-images-ok", ok ? "yes" : "no");
  document.documentElement.setAttribute("data-images", String(images.length));
});
"""

TITLE = 'Claim report: Zhang et al., "Understanding deep learning requires rethinking generalization"'


def page(doc: dict, exhibits: list[Exhibit], folder: Path) -> str:
    """The whole page of a (schema 2) ``results.json`` document; ``folder`` holds the figures' PNGs."""
    cases = doc["results"]
    anchors = case_anchors(cases)
    run_ids: set[str] = set()
    body = [f"<h1>{escape(TITLE)}</h1>", summary(doc, anchors)]
    for claim, indices in claim_groups(cases):
        body.append(f'<section class="claim" id="claim-{escape(claim)}">')
        body.append(f"<h2>{escape(claim)} {tally([cases[i] for i in indices])}</h2>")
        if cases[indices[0]].get("title"):
            body.append(f'<p class="title">{escape(cases[indices[0]]["title"])}</p>')
        for i in indices:
            body.append(case_html(cases[i], i, anchors[i], exhibits, folder, run_ids))
        body += [exhibit_html(e, folder) for e in hosted(exhibits, claim)]
        body.append("</section>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width">\n<title>{escape(TITLE)}</title>\n'
        f'<link rel="icon" href="data:,">\n<style>{STYLE}</style>\n</head>\n<body>\n'
        + "\n".join(body)
        + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def badge(verdict: str, label: str = "") -> str:
    """A verdict as a coloured badge; ``label`` is the text shown where it is not the verdict itself."""
    return f'<span class="verdict v-{escape(verdict)}">{escape(label or verdict)}</span>'


def case_badge(c: dict) -> str:
    return badge(c.get("verdict", "?"), verdict_label(c))


def tally(cases: list[dict]) -> str:
    """A claim's verdicts as badges with counts, e.g. ``pass x2``."""
    return " ".join(badge(v) + (f" &times;{k}" if k > 1 else "") for v, k in counts(cases).items() if k)


# ----------------------------------------------------------------------------- summary


def summary(doc: dict, anchors: list[str]) -> str:
    """Counts, deviations and skips, the session's facts, the setup (folded), a row per case."""
    meta, cases = doc["meta"], doc["results"]
    facts = [[f"<strong>{escape(k)}</strong>", escape(v)] for k, v in meta_facts(meta)]
    rows = [
        [
            f'<a href="#claim-{escape(c.get("claim", ""))}">{escape(c.get("claim", ""))}</a>',
            f'<a href="#{escape(a)}">{escape(c.get("case", ""))}</a>',
            case_badge(c),
            escape(fmt(c.get("measured", {}))),
            escape(fmt(c.get("paper") or "")),
        ]
        for c, a in zip(cases, anchors, strict=True)
    ]
    return (
        '<section id="summary">\n'
        f'<p class="counts">{escape(counts_text(counts(cases)))}</p>\n'
        + deviations_and_skips(cases, anchors)
        + table([], facts, **{"class": "meta"})
        + setup_details(meta)
        + table(["claim", "case", "verdict", "measured", "paper"], rows, **{"class": "verdicts"})
        + "\n</section>"
    )


def deviations_and_skips(cases: list[dict], anchors: list[str]) -> str:
    """Every deviation with its reason and the command that measured it, then every skip with its reason."""
    anchor = {id(c): a for c, a in zip(cases, anchors, strict=True)}
    parts = []
    if deviating := notes(cases, "deviation"):
        items = "".join(f"<li>{_case_link(c, anchor[id(c)])} {case_badge(c)}: {_declared(c)}</li>" for c in deviating)
        parts.append(f'<h4>deviations: known not to reproduce at this scale</h4><ul class="deviations">{items}</ul>')
    if skipped := notes(cases, "skip"):
        items = "".join(f"<li>{_case_link(c, anchor[id(c)])}: {escape(c.get('reason', ''))}</li>" for c in skipped)
        parts.append(f'<h4>skipped</h4><ul class="skips">{items}</ul>')
    return "\n".join(parts)


def _case_link(c: dict, anchor: str) -> str:
    return f'<a href="#{escape(anchor)}">{escape(c.get("claim", ""))} {escape(c.get("case", ""))}</a>'


def _declared(c: dict) -> str:
    """A deviation's reason and the command that measured it, as HTML."""
    reason, command = deviation_note(c)
    return escape(reason) + (f"; measured by <code>{escape(command)}</code>" if command else "")


def setup_details(meta: dict) -> str:
    """Hyperparameters and departures from the paper, folded."""
    hyper = meta.get("hyperparameters") or {}
    items = [f"<li>hyperparameters of {escape(m)}: {escape(fmt(h))}</li>" for m, h in hyper.items()]
    items += [f"<li>departs from the paper: {escape(d)}</li>" for d in meta.get("departures") or []]
    folded = "<summary>hyperparameters and departures from the paper</summary>"
    return f"<details>{folded}<ul>{''.join(items)}</ul></details>"


# ----------------------------------------------------------------------------- one case


def case_html(c: dict, index: int, anchor: str, exhibits: list[Exhibit], folder: Path, run_ids: set[str]) -> str:
    """One case: verdict, reason, ours beside the paper's, statistics, definitions, runs, curves."""
    runs_id = f"runs-{anchor}" if c.get("runs") else ""
    claim = c.get("claim", "")
    parts = [f'<article class="case" id="{escape(anchor)}">']
    parts.append(f"<h3>{escape(claim)} {escape(c.get('case', ''))} {case_badge(c)}</h3>")
    parts.append(reason_html(c))
    where = f"scale {c.get('scale')}, data {c.get('dataset')}, test {c.get('test', '')}"
    parts.append(f'<p class="muted">{escape(where)}</p>')
    parts.append(f'<div class="pair">{ours(c.get("measured") or {}, runs_id)}{paper(c.get("paper"))}</div>')
    parts.append(statistics(c.get("statistics") or {}))
    if c.get("definitions"):
        defs = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in c["definitions"].items())
        parts.append(f"<dl>{defs}</dl>")
    for e in pointers(exhibits, index, claim):
        parts.append(f'<p>See <a href="#{escape(e.anchor)}">{escape(e.title)}</a> (under {escape(e.claim)}).</p>')
    if runs_id:
        parts.append(runs(c["runs"], runs_id, run_ids))
    parts += [exhibit_html(e, folder) for e in curves_of(exhibits, index)]
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def reason_html(c: dict) -> str:
    """A deviation's declared reason, command and outcome; any other case's reason."""
    if c.get("verdict") != "deviation":
        return f"<p><strong>Reason:</strong> {escape(c['reason'])}</p>" if c.get("reason") else ""
    outcome = deviation_outcome(c)
    text = f"<p><strong>Deviation</strong> (known not to reproduce at this scale): {_declared(c)}"
    return text + (f". Outcome: {escape(outcome)}.</p>" if outcome else ".</p>")
