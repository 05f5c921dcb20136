"""``report.md``: the claim report in Markdown, its figures as PNG files beside it."""

from __future__ import annotations

from rethink_core.report.meta import meta_facts
from rethink_core.report.model import (
    RUN_COLUMNS,
    Exhibit,
    cell,
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
    run_row,
    verdict_label,
)

TITLE = '# Claim report: Zhang et al., "Understanding deep learning requires rethinking generalization"'


def markdown(doc: dict, exhibits: list[Exhibit]) -> str:
    """The whole ``report.md`` of a (schema 2) ``results.json`` document."""
    cases = doc["results"]
    lines = summary(doc)
    for claim, indices in claim_groups(cases):
        for i in indices:
            lines += case_lines(cases[i], i, exhibits)
        for e in hosted(exhibits, claim):
            lines += ["", f"**{e.title}**", ""]
            lines += md_table(e.columns, e.rows) if e.kind == "table" else [md_figure(e)]
    return "\n".join(lines) + "\n"


def md_figure(e: Exhibit) -> str:
    return f"![{e.title}]({e.file})" if e.file else f"*{e.title}: not drawn ({e.error})*"


def md_table(columns: list[str], rows: list[list]) -> list[str]:
    def line(values: list) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"

    return [line(columns), "|" + "---|" * len(columns), *[line([cell(v) for v in row]) for row in rows]]


def summary(doc: dict) -> list[str]:
    """Counts, the deviations and skips with their reasons, the session's facts, a row per case."""
    meta, cases = doc["meta"], doc["results"]
    where = f" at scale `{meta['scale']}`" if meta.get("scale") else ""
    about = f" ({meta['scale_description']})" if meta.get("scale_description") else ""
    lines = [TITLE, "", f"**{counts_text(counts(cases))}**{where}{about}.", ""]
    lines += deviations_and_skips(cases)
    lines += [f"- {label}: {text}" for label, text in meta_facts(meta)]
    lines += [f"- hyperparameters of {m}: {fmt(h)}" for m, h in (meta.get("hyperparameters") or {}).items()]
    lines += [f"- departs from the paper: {d}" for d in meta.get("departures") or []]
    rows = [summary_row(c) for c in cases]
    return [*lines, "", *md_table(["claim", "case", "verdict", "measured", "paper"], rows)]


def summary_row(c: dict) -> list[str]:
    measured, paper = fmt(c.get("measured", {})), fmt(c.get("paper") or "")
    return [c.get("claim", ""), c.get("case", ""), f"**{verdict_label(c)}**", measured, paper]


def deviations_and_skips(cases: list[dict]) -> list[str]:
    """Every deviation with its reason and command, then every skip with its reason."""
    lines = []
    if deviating := notes(cases, "deviation"):
        lines += ["Deviations (declared in advance: known not to reproduce at this scale):", ""]
        lines += [f"- {deviation_line(c)}" for c in deviating]
        lines.append("")
    if skipped := notes(cases, "skip"):
        lines += ["Skipped:", ""]
        lines += [f"- {c.get('claim', '')} {c.get('case', '')}: {c.get('reason', '')}" for c in skipped]
        lines.append("")
    return lines


def deviation_line(c: dict) -> str:
    reason, command = deviation_note(c)
    head = f"{c.get('claim', '')} {c.get('case', '')}, **{verdict_label(c)}**: {reason}"
    return head + (f"; measured by `{command}`" if command else "")


def case_lines(c: dict, index: int, exhibits: list[Exhibit]) -> list[str]:
    """A case's section: verdict, reason, numbers, statistics, runs and learning curves."""
    lines = ["", f"## {c.get('claim', '')} {c.get('case', '')}: {verdict_label(c)}", ""]
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
    lines += ["\n" + md_figure(e) for e in curves_of(exhibits, index)]
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
