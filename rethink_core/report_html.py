"""``report.html``: the claim report as one self-contained page (figures embedded as base64 data
URIs, inline CSS and a small inline script; it needs no network).

A summary (verdict counts, scale, data, hardware, wall time, versions, one row per case), then one
section per claim: per case its verdict, the paper's statement and numbers, ours (each linked to
the case's runs table, whose rows have ``id="run-<store key>"``), the statistics with their 95%
intervals, and figures; merged figures and tables close the section of the first claim recording
them. On load, a script marks ``<html>`` with ``data-images-ok="yes"`` when every image decoded
(``"no"`` otherwise), for a headless browser's check.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from rethink_core.report import (
    RUN_COLUMNS,
    Exhibit,
    ablation_seeds_note,
    case_anchors,
    cell,
    claim_groups,
    counts,
    fmt,
    hosted,
    pointers,
    run_row,
    unique,
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
    """The whole page; ``folder`` holds the figures' PNGs, which are embedded."""
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


def badge(verdict: str) -> str:
    return f'<span class="verdict v-{escape(verdict)}">{escape(verdict)}</span>'


def tally(cases: list[dict]) -> str:
    """A claim's verdicts as badges with counts, e.g. ``pass x2``."""
    n = counts(cases)
    return " ".join(badge(v) + (f" &times;{k}" if k > 1 else "") for v, k in n.items() if k)


def table(columns: list[str], rows: list[list[str]], row_ids: list[str] | None = None, **attrs: str) -> str:
    """An HTML table; ``rows`` hold HTML already escaped, ``row_ids`` optional ids of the rows."""
    extra = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
    head = "<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr></thead>" if columns else ""
    body = "".join(table_row(row, rid) for rid, row in zip(row_ids or [""] * len(rows), rows, strict=True))
    return f"<table{extra}>{head}<tbody>{body}</tbody></table>"


def table_row(cells: list[str], row_id: str = "") -> str:
    id_attr = f' id="{escape(row_id)}"' if row_id else ""
    return f"<tr{id_attr}>" + "".join(f"<td>{v}</td>" for v in cells) + "</tr>"


# ----------------------------------------------------------------------------- summary


def summary(doc: dict, anchors: list[str]) -> str:
    meta, cases = doc["meta"], doc["results"]
    n = counts(cases)
    host, seed_list = meta.get("host", {}), meta.get("seed_list")
    facts = [
        ("scale", f"{meta.get('scale')}: {meta.get('scale_description', '')}"),
        ("data", f"{meta.get('dataset')}, {meta.get('n_test')} test images"),
        (
            "seeds",
            f"{meta.get('seeds')} per configuration"
            + (f": {fmt(seed_list)}" if seed_list else "")
            + (f"; {note}" if (note := ablation_seeds_note(meta)) else ""),
        ),
        ("architectures (width, training images)", fmt(meta.get("architectures", {}))),
        ("hardware", f"device {meta.get('device')}; {host.get('platform', '?')}; {host.get('cpus', '?')} CPUs"),
        ("wall time", f"{meta.get('wall_seconds')} s; finished {meta.get('finished_at')}"),
        ("versions", fmt(meta.get("versions", {}))),
    ]
    if meta.get("command"):
        facts.append(("command", " ".join(meta["command"])))
    rows = [
        [
            f'<a href="#claim-{escape(c["claim"])}">{escape(c["claim"])}</a>',
            f'<a href="#{escape(a)}">{escape(c.get("case", ""))}</a>',
            badge(c["verdict"]),
            escape(fmt(c.get("measured", {}))),
            escape(fmt(c.get("paper") or "")),
        ]
        for c, a in zip(cases, anchors, strict=True)
    ]
    return (
        '<section id="summary">\n'
        f'<p class="counts">{n["pass"]} passed, {n["fail"]} failed, {n["skip"]} skipped</p>\n'
        + table([], [[f"<strong>{escape(k)}</strong>", escape(v)] for k, v in facts], **{"class": "meta"})
        + setup_details(meta)
        + table(["claim", "case", "verdict", "measured", "paper"], rows, **{"class": "verdicts"})
        + "\n</section>"
    )


def setup_details(meta: dict) -> str:
    """Hyperparameters and departures from the paper, folded."""
    hyper = meta.get("hyperparameters", {})
    items = [f"<li>hyperparameters of {escape(m)}: {escape(fmt(h))}</li>" for m, h in hyper.items()]
    items += [f"<li>departs from the paper: {escape(d)}</li>" for d in meta.get("deviations", [])]
    folded = "<summary>hyperparameters and departures from the paper</summary>"
    return f"<details>{folded}<ul>{''.join(items)}</ul></details>"


# ----------------------------------------------------------------------------- one case


def case_html(c: dict, index: int, anchor: str, exhibits: list[Exhibit], folder: Path, run_ids: set[str]) -> str:
    runs_id = f"runs-{anchor}" if c.get("runs") else ""
    parts = [f'<article class="case" id="{escape(anchor)}">']
    parts.append(f"<h3>{escape(c['claim'])} {escape(c.get('case', ''))} {badge(c['verdict'])}</h3>")
    if c.get("reason"):
        parts.append(f"<p><strong>Reason:</strong> {escape(c['reason'])}</p>")
    where = f"scale {c.get('scale')}, data {c.get('dataset')}, test {c.get('test', '')}"
    parts.append(f'<p class="muted">{escape(where)}</p>')
    parts.append(f'<div class="pair">{ours(c.get("measured") or {}, runs_id)}{paper(c.get("paper"))}</div>')
    parts.append(statistics(c.get("statistics") or {}))
    if c.get("definitions"):
        defs = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in c["definitions"].items())
        parts.append(f"<dl>{defs}</dl>")
    for e in pointers(exhibits, index, c["claim"]):
        parts.append(f'<p>See <a href="#{escape(e.anchor)}">{escape(e.title)}</a> (under {escape(e.claim)}).</p>')
    if runs_id:
        parts.append(runs(c["runs"], runs_id, run_ids))
    parts += [exhibit_html(e, folder) for e in exhibits if e.kind == "curves" and e.cases == [index]]
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def with_interval(value: object) -> str:
    """A number, or a ``{"mean"|"accuracy"|..., "interval95": [lo, hi]}`` statistic as ``x [lo, hi]``."""
    if not isinstance(value, dict):
        return fmt(value)
    estimate = next((value[k] for k in ("mean", "accuracy", "estimate", "value", "rho") if k in value), None)
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
    if isinstance(value, dict):
        body = table(["quantity", "paper"], [[escape(k), escape(fmt(v))] for k, v in value.items()])
    else:
        body = f"<p>{escape(fmt(value) if value is not None else 'n/a')}</p>"
    return f"<div><h4>paper</h4>{body}</div>"


def statistics(stats: dict) -> str:
    """One row per statistic: the test, the estimate with its 95% interval, the p-value, the rest."""
    if not stats:
        return ""
    shown = {"test", "mean", "accuracy", "estimate", "value", "rho", "interval95", "p_value"}
    rows = []
    for name, s in stats.items():
        d = s if isinstance(s, dict) else {}
        rest = fmt({k: v for k, v in d.items() if k not in shown}) if d else ""
        rows.append(
            [
                escape(name),
                escape(str(d.get("test", ""))),
                escape(with_interval(s)),
                escape(cell(d.get("p_value"))),
                escape(rest),
            ]
        )
    columns = ["statistic", "test", "estimate [95% interval]", "p-value", "details"]
    return f"<h4>statistics</h4>{table(columns, rows, **{'class': 'statistics'})}"


def runs(recorded_runs: list[dict], runs_id: str, run_ids: set[str]) -> str:
    """The runs table; a row's id is ``run-<store key>`` (``-2``, ``-3``... where another case shows it too)."""
    ids = [unique(f"run-{r.get('key', '')}", run_ids) for r in recorded_runs]
    rows = [[escape(cell(v)) for v in run_row(r)] for r in recorded_runs]
    for row in rows:
        row[1] = f"<code>{row[1]}</code>"
    return f"<h4>runs</h4>{table(RUN_COLUMNS, rows, ids, id=runs_id, **{'class': 'runs'})}"


# ----------------------------------------------------------------------------- figures and tables


def exhibit_html(e: Exhibit, folder: Path) -> str:
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
