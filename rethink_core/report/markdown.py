"""``report.md``: the claim report in Markdown, in the order of ``report.html``, so that it reads well
as a GitHub job summary. First the summary: the verdict counts, the scale and data, one row per claim
(statement, verdicts, headline numbers ours vs the paper's, what decided each case), the notes on the
data, every deviation, undecided case and skip with its reason, then the session's facts. Then per
claim its figures and tables, one ours-vs-paper table, the reasons, the statistics, and its cases'
full records folded in ``<details>``. Figures are PNG files beside it."""

from __future__ import annotations

from rethink_core.case import ClaimCase, Verdict
from rethink_core.report.family import family_text
from rethink_core.report.model import (
    CHECK_COLUMNS,
    RUN_COLUMNS,
    STATISTIC_COLUMNS,
    Exhibit,
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
    verdict_label,
    with_verdict,
)
from rethink_core.report.numbers import cell, check_text, fmt
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

TITLE = '# Claim report: Zhang et al., "Understanding deep learning requires rethinking generalization"'
SUMMARY_COLUMNS = ["claim", "statement", "verdicts", "ours vs paper (difference)", "decided by (threshold)"]
HEADLINE_COLUMNS = ["case", "verdict", "quantity", "ours", "paper", "difference", "note", "decided by (threshold)"]
NOTED = (  # the lists under the summary: heading, verdicts
    (
        "Deviations (declared in advance: known not to reproduce at this scale):",
        (Verdict.DEVIATION, Verdict.DEVIATION_DID_NOT_OCCUR),
    ),
    ("Undecided (the design could not decide them with the seeds it had):", (Verdict.UNDECIDED,)),
    ("Skipped:", (Verdict.SKIP,)),
)


def markdown(results: Results, exhibits: list[Exhibit]) -> str:
    """The whole ``report.md`` of a ``results.json``."""
    cases = results.cases
    lines = summary(results)
    for claim, indices in claim_groups(cases):
        lines += claim_lines(claim, cases, indices, exhibits)
    return "\n".join(lines) + "\n"


def md_table(columns: list[str], rows: list[list]) -> list[str]:
    """A Markdown table; cells are text (``|`` escaped, newlines made spaces), None is empty."""

    def line(values: list) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in values) + " |"

    return [line(columns), "|" + "---|" * len(columns), *[line([cell(v) for v in row]) for row in rows]]


# ----------------------------------------------------------------------------- the summary


def summary(results: Results) -> list[str]:
    """The summary's lines, from the title to the session's facts."""
    meta, cases = results.meta, results.cases
    claims = [claim_line(claim, cases, indices) for claim, indices in claim_groups(cases)]
    marks = footnotes([line for c in claims for line in c.shown])
    lines = [TITLE, "", f"**{counts_text(cases)}**", ""]
    lines += [where_text(meta), ""] if where_text(meta) else []
    lines += md_table(SUMMARY_COLUMNS, [claim_row(c, cases, marks) for c in claims])
    lines += [""] + [f"<sup>{m}</sup> {note}<br>" for note, m in marks.items()]
    lines += ["", *noted(cases)]
    lines += [family, ""] if (family := family_text(cases)) else []
    lines += [f"- {label}: {text}" for label, text in meta_facts(meta)]
    lines += [f"- hyperparameters of {m}: {fmt(h)}" for m, h in (meta.get("hyperparameters") or {}).items()]
    return lines + [f"- departs from the paper: {d}" for d in meta.get("departures") or []]


def claim_row(c: ClaimLine, cases: list[ClaimCase], marks: dict[str, str]) -> list[str]:
    """A claim's row: its headline rows and what decided each case, one per line (``<br>``)."""
    named = len(c.cases) > 1
    numbers = [headline_text(line, cases, marks, named) for line in c.shown]
    if more := len(c.lines) - len(c.shown):
        numbers.append(f"*+{more} more below*")
    shown = dict.fromkeys(line.case for line in c.shown)
    decided = [f"{cases[i].case}: {c.decided[i]}" if named else c.decided[i] for i in shown if i in c.decided]
    badges = verdicts_text([cases[i] for i in c.cases])
    return [f"**{c.claim}**", c.statement, badges, "<br>".join(numbers), "<br>".join(decided)]


def headline_text(line: Line, cases: list[ClaimCase], marks: dict[str, str], named: bool) -> str:
    """E.g. ``alexnet · random-label test acc: **9.2%** vs 9.8% (-0.6 pts)<sup>a</sup>``."""
    case = f"{cases[line.case].case} · " if named else ""
    quantity = f"{line.quantity}: " if line.quantity else ""
    diff = f" ({line.diff})" if line.diff else ""
    mark = f"<sup>{marks[line.note]}</sup>" if line.note else ""
    return f"{case}{quantity}**{line.ours}** vs {line.paper}{diff}{mark}"


def verdicts_text(cases: list[ClaimCase]) -> str:
    """A claim's verdicts with their counts, e.g. ``pass ×5, **skip**`` (all but passes in bold)."""
    texts = [(v, label + (f" ×{len(names)}" if len(names) > 1 else "")) for v, label, names in verdict_groups(cases)]
    return ", ".join(text if v is Verdict.PASS else f"**{text}**" for v, text in texts)


def noted(cases: list[ClaimCase]) -> list[str]:
    """Every deviation with its reason and command, then every undecided case and every skip with
    its reason."""
    lines = []
    for heading, verdicts in NOTED:
        if listed := with_verdict(cases, *verdicts):
            lines += [heading, "", *(f"- {note_text(c)}" for c in listed), ""]
    return lines


def note_text(c: ClaimCase) -> str:
    """A deviation's verdict, declared reason and command; another case's reason."""
    if not c.is_deviation:
        return f"{c.claim} {c.case}: {c.reason}"
    reason, command = deviation_note(c)
    head = f"{c.claim} {c.case}, **{verdict_label(c)}**: {reason}"
    return head + (f"; measured by `{command}`" if command else "")


# ----------------------------------------------------------------------------- a claim's section


def claim_lines(claim: str, cases: list[ClaimCase], indices: list[int], exhibits: list[Exhibit]) -> list[str]:
    """A claim's section: statement, figures and tables, ours vs the paper's, reasons, statistics,
    then its cases' full records folded."""
    members = [cases[i] for i in indices]
    lines = ["", f"## {claim}: {verdicts_text(members)}", ""]
    lines += [f"*{statement(members)}*", ""] if statement(members) else []
    for e in hosted(exhibits, claim):
        lines += [f"**{e.title}**", ""]
        lines += [*md_table(e.columns, e.rows), ""] if e.kind == "table" else [md_figure(e), ""]
    lines += [md_figure(e) + "\n" for i in indices for e in curves_of(exhibits, i)]
    elsewhere = {e.anchor: e for i in indices for e in pointers(exhibits, i, claim)}.values()
    lines += [f"- see {e.title} (under {e.claim})" for e in elsewhere]
    lines += headline_lines(cases, indices)
    lines += [f"- {reason_text(c)}" for c in members if c.verdict is not Verdict.PASS and (c.reason or c.deviation)]
    stats = statistic_rows(members)
    lines += ["", "Statistics:", "", *md_table(STATISTIC_COLUMNS, stats)] if stats else []
    n = len(indices)
    lines += ["", f"<details><summary>runs and full records of {claim}'s {n} case{'s' if n != 1 else ''}</summary>"]
    for i in indices:
        lines += case_record(cases[i], i, exhibits)
    return [*lines, "", "</details>"]


def md_figure(e: Exhibit) -> str:
    return f"![{e.title}]({e.file})" if e.file else f"*{e.title}: not drawn ({e.error})*"


def headline_lines(cases: list[ClaimCase], indices: list[int]) -> list[str]:
    """The claim's ours-vs-paper table: every headline row of its cases."""
    rows = []
    for i in indices:
        c, decided = cases[i], check_text(cases[i].decided_by)
        for k, line in enumerate(case_lines(c, i)):
            row = [c.case, f"**{verdict_label(c)}**", line.quantity, f"**{line.ours}**", line.paper, line.diff]
            rows.append([*row, line.note, decided if k == 0 else ""])
    return ["", *md_table(HEADLINE_COLUMNS, rows), ""] if rows else []


def reason_text(c: ClaimCase) -> str:
    """Why a case got its verdict, after its verdict."""
    return note_text(c) if c.is_deviation else f"{c.claim} {c.case}, **{verdict_label(c)}**: {c.reason}"


def case_record(c: ClaimCase, index: int, exhibits: list[Exhibit]) -> list[str]:
    """A case's full record: verdict, reason, every number, its design and checks, statistics,
    definitions and runs."""
    lines = ["", f"### {c.claim} {c.case}: {verdict_label(c)}", ""]
    lines += [f"*{c.title}*", ""] if c.title else []
    lines += reason_lines(c)
    lines += [f"- scale `{c.scale}`, data `{c.dataset}`, test `{c.test}`"]
    lines += [f"- measured: {fmt(c.measured)}", f"- paper: {fmt(c.paper or 'n/a')}"]
    lines += [f"- {label}: {text}" for label, text in design_facts(c)]
    lines += [f"- statistic `{name}`: {fmt(stat)}" for name, stat in c.statistics.items()]
    lines += [f"- definition of {name}: {text}" for name, text in c.definitions.items()]
    lines += [f"- see {e.title} (under {e.claim})" for e in pointers(exhibits, index, c.claim)]
    lines += ["", *md_table(CHECK_COLUMNS, check_rows(c))] if c.checks else []
    lines += ["", *md_table(RUN_COLUMNS, [run_row(r, short=True) for r in c.runs])] if c.runs else []
    return lines


def reason_lines(c: ClaimCase) -> list[str]:
    """A deviation's declared reason, command and outcome; any other case's reason."""
    if not c.is_deviation:
        return [f"Reason: {c.reason}", ""] if c.reason else []
    reason, command = deviation_note(c)
    lines = [f"Deviation (known not to reproduce at this scale): {reason}", ""]
    lines += [f"Measured by `{command}`.", ""] if command else []
    return [*lines, f"Outcome: {deviation_outcome(c)}.", ""]
