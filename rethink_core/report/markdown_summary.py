"""The top of ``report.md`` (also a GitHub job summary): the verdict counts, the scale and data, one
row per claim (statement, verdicts, headline numbers ours vs the paper's, what decided each case),
the notes on the data, every deviation and skip with its reason, then the session's facts."""

from __future__ import annotations

from rethink_core.report.headline import ClaimLine, Line, claim_line, footnotes, verdict_groups
from rethink_core.report.meta import meta_facts, where_text
from rethink_core.report.model import cell, claim_groups, counts, counts_text, deviation_note, fmt, notes, verdict_label

TITLE = '# Claim report: Zhang et al., "Understanding deep learning requires rethinking generalization"'
COLUMNS = ["claim", "statement", "verdicts", "ours vs paper (difference)", "decided by (threshold)"]


def md_table(columns: list[str], rows: list[list]) -> list[str]:
    """A Markdown table; cells are text (``|`` escaped, newlines made spaces), None is empty."""

    def line(values: list) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in values) + " |"

    return [line(columns), "|" + "---|" * len(columns), *[line([cell(v) for v in row]) for row in rows]]


def summary(doc: dict) -> list[str]:
    """The summary's lines, from the title to the session's facts."""
    meta, cases = doc["meta"], doc["results"]
    claims = [claim_line(claim, cases, indices) for claim, indices in claim_groups(cases)]
    marks = footnotes([line for c in claims for line in c.shown])
    lines = [TITLE, "", f"**{counts_text(counts(cases))}**", ""]
    lines += [where_text(meta), ""] if where_text(meta) else []
    lines += md_table(COLUMNS, [claim_row(c, cases, marks) for c in claims])
    lines += [""] + [f"<sup>{m}</sup> {note}<br>" for note, m in marks.items()]
    lines += ["", *deviations_and_skips(cases)]
    lines += [f"- {label}: {text}" for label, text in meta_facts(meta)]
    lines += [f"- hyperparameters of {m}: {fmt(h)}" for m, h in (meta.get("hyperparameters") or {}).items()]
    return lines + [f"- departs from the paper: {d}" for d in meta.get("departures") or []]


def claim_row(c: ClaimLine, cases: list[dict], marks: dict[str, str]) -> list[str]:
    """A claim's row: its headline rows and what decided each case, one per line (``<br>``)."""
    badges = verdicts_text([cases[i] for i in c.cases])
    named = len(c.cases) > 1
    numbers = [headline_text(line, cases, marks, named) for line in c.shown]
    if more := len(c.lines) - len(c.shown):
        numbers.append(f"*+{more} more below*")
    shown = dict.fromkeys(line.case for line in c.shown)
    decided = [
        f"{cases[i].get('case', '')}: {c.decided[i]}" if named else c.decided[i] for i in shown if i in c.decided
    ]
    return [f"**{c.claim}**", c.statement, badges, "<br>".join(numbers), "<br>".join(decided)]


def headline_text(line: Line, cases: list[dict], marks: dict[str, str], named: bool) -> str:
    """E.g. ``alexnet · random-label test acc: **9.2%** vs 9.8% (-0.6 pts)<sup>a</sup>``."""
    case = f"{cases[line.case].get('case', '')} · " if named else ""
    quantity = f"{line.quantity}: " if line.quantity else ""
    diff = f" ({line.diff})" if line.diff else ""
    mark = f"<sup>{marks[line.note]}</sup>" if line.note else ""
    return f"{case}{quantity}**{line.ours}** vs {line.paper}{diff}{mark}"


def verdicts_text(cases: list[dict]) -> str:
    """A claim's verdicts with their counts, e.g. ``pass ×5, **skip**`` (all but passes in bold)."""
    texts = [(v, label + (f" ×{len(names)}" if len(names) > 1 else "")) for v, label, names in verdict_groups(cases)]
    return ", ".join(text if v == "pass" else f"**{text}**" for v, text in texts)


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
