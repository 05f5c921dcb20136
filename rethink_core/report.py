"""The claim report, built from recorded results alone (no training).

``write_report`` makes ``<report dir>/<UTC time>/`` with ``results.json`` (schema below),
``report.md``, ``report.html`` (self-contained: figures embedded, see ``report_html``) and the
figures as PNGs, and points ``<report dir>/latest`` at it. ``python -m rethink_core.report <dir>``
rebuilds them from a ``results.json``; ``python -m rethink_core.report --compare OLD NEW`` prints
which verdicts and measured numbers changed (``compare_reports`` returns them as data).

results.json: ``{"schema": 1, "meta": {...}, "results": [case, ...]}`` where each case has
``claim`` (id, e.g. ``R1``), ``case``, ``verdict`` (``pass``, ``fail`` or ``skip``), ``measured``,
``paper``, ``scale``, ``dataset``, and optionally ``title``, ``reason``, ``statistics``, ``runs``
(the training runs behind the numbers: store key, status, epochs), ``curves``, ``figures`` and
``tables``:

- ``curves``: ``{label: {"loss": [per-epoch values], ...}}``, learning curves of one case.
- ``figures``: ``{title: {"xlabel": str, "ylabel": str, "series": {label: {"x": [...], "y": [...],
  "lo": [...], "hi": [...]}}}}`` (``lo``/``hi`` optional: an interval drawn as error bars). Figures
  with the same title from several cases are drawn on one set of axes (Figure 1b: one line per
  architecture, each recorded by that architecture's case).
- ``tables``: ``{title: {"columns": [...], "rows": [[...], ...]}}``; rows of tables with the same
  title from several cases are concatenated in report order (Table 1: one row per setting).
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from rethink_core.scales import DEVIATIONS
from rethink_core.store import write_json_atomic

SCHEMA = 1
CLAIM_ORDER = ("R1", "R2", "R3", "R4", "G1", "G2", "G3", "G4", "T1", "T2", "T3", "T4", "I1")
VERDICT_STYLE = {"pass": "green", "fail": "bold red", "skip": "yellow"}


def session_meta(scale: object, data_name: str, device: str, seconds: float) -> dict:
    import torch

    return {
        "scale": scale.name,
        "scale_description": scale.description,
        "dataset": data_name,
        "n_test": scale.n_test,
        "architectures": scale.architectures,
        "seeds": scale.seeds,
        "ablation_seeds": len(scale.ablation_seed_list()),
        "hyperparameters": {m: asdict(scale.experiment(m).hyper) for m in scale.architectures},
        "deviations": list(DEVIATIONS),
        "device": device,
        "wall_seconds": round(seconds, 1),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {"python": platform.python_version(), "torch": torch.__version__},
        "host": {"platform": platform.platform(), "cpus": os.cpu_count()},
    }


def _sort_key(case: dict) -> tuple:
    claim = case.get("claim", "")
    return (CLAIM_ORDER.index(claim) if claim in CLAIM_ORDER else 99, case.get("test", ""))


def fmt(value: object) -> str:
    """Numbers as a reader wants them: accuracies and ratios to 3 digits, the rest as-is."""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"  # 0.9996 stays 0.9996, never "1"
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


# ----------------------------------------------------------------------------- terminal


def terminal_table(cases: list[dict]) -> Table:
    table = Table(title="rethink: claims of Zhang et al. (2017)", show_lines=False)
    for column in ("claim", "case", "measured", "paper", "verdict"):
        table.add_column(column, overflow="fold")
    for case in sorted(cases, key=_sort_key):
        verdict = case.get("verdict", "?")
        table.add_row(
            escape(case.get("claim", "")),
            escape(case.get("case", "")),
            escape(fmt(case.get("measured", {}))),
            escape(fmt(case.get("paper") or "")),
            f"[{VERDICT_STYLE.get(verdict, '')}]{verdict}[/]",
        )
    return table


# ----------------------------------------------------------------------------- files


def write_report(cases: list[dict], meta: dict, report_dir: Path) -> Path:
    """Write one report folder and point ``latest`` at it; returns the folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = report_dir / stamp
    suffix = 1
    while folder.exists():
        folder, suffix = report_dir / f"{stamp}-{suffix}", suffix + 1
    folder.mkdir(parents=True)
    doc = {"schema": SCHEMA, "meta": meta, "results": sorted(cases, key=_sort_key)}
    write_json_atomic(folder / "results.json", doc)
    render(folder)
    _point_latest(report_dir, folder)
    return folder


def _point_latest(report_dir: Path, folder: Path) -> None:
    latest = report_dir / "latest"
    tmp = report_dir / f".latest-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(folder.name)
    os.replace(tmp, latest)


def render(folder: Path) -> None:
    """(Re)build ``report.md``, ``report.html`` and the figures of a report folder from its ``results.json``."""
    from rethink_core.report_html import page

    doc = json.loads((folder / "results.json").read_text())
    exhibits = draw_figures(doc["results"], folder) + merge_tables(doc["results"])
    (folder / "report.md").write_text(markdown(doc, exhibits))
    (folder / "report.html").write_text(page(doc, exhibits, folder))


# ----------------------------------------------------------------------------- figures and tables


@dataclass
class Exhibit:
    """A figure or table of the report. ``kind`` is ``curves`` (one case's learning curves, shown in
    that case), ``figure`` or ``table`` (merged across the cases that record the title, shown once in
    the section of the first one's claim; the others point to it)."""

    kind: str
    title: str
    anchor: str
    cases: list[int]  # indices (report order) of the cases that record it
    claim: str  # the claim whose section shows it
    file: str = ""  # a figure's PNG in the report folder
    columns: list[str] = field(default_factory=list)  # a table's
    rows: list[list] = field(default_factory=list)
    error: str = ""  # why a figure could not be drawn


def slug(text: str) -> str:
    """``text`` as a file name or HTML id: letters, digits, ``.``, ``_`` and ``-`` only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``... if taken; records the result as taken."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    taken.add(candidate)
    return candidate


def case_anchors(cases: list[dict]) -> list[str]:
    """A unique HTML id per case, e.g. ``case-R1-alexnet``."""
    taken: set[str] = set()
    return [unique(slug(f"case-{c.get('claim', '')}-{c.get('case', '')}"), taken) for c in cases]


def recorded(cases: list[dict], key: str) -> dict[str, list[tuple[int, dict]]]:
    """Title -> [(case index, spec), ...] of every ``figures`` or ``tables`` entry, in report order."""
    found: dict[str, list[tuple[int, dict]]] = {}
    for i, c in enumerate(cases):
        for title, spec in (c.get(key) or {}).items():
            found.setdefault(title, []).append((i, spec))
    return found


def merge_tables(cases: list[dict]) -> list[Exhibit]:
    """Tables of the same title concatenated in report order; columns are the union, in order."""
    tables, taken = [], set()
    for title, parts in recorded(cases, "tables").items():
        columns = list(dict.fromkeys(col for _, spec in parts for col in spec.get("columns", [])))
        rows = [
            [dict(zip(spec.get("columns", []), row, strict=False)).get(col) for col in columns]
            for _, spec in parts
            for row in spec.get("rows", [])
        ]
        anchor = unique(slug(f"table-{title}"), taken)
        claim = cases[parts[0][0]]["claim"]
        tables.append(Exhibit("table", title, anchor, [i for i, _ in parts], claim, columns=columns, rows=rows))
    return tables


def merge_series(cases: list[dict], parts: list[tuple[int, dict]]) -> dict[str, dict]:
    """The series of one figure title from several cases; a label recorded twice gets its case added."""
    series: dict[str, dict] = {}
    for i, spec in parts:
        for label, values in spec.get("series", {}).items():
            series[label if label not in series else f"{label} ({cases[i].get('case', i)})"] = values
    return series


def _points(values: dict) -> tuple[list, list, list | None]:
    """x, y and error bar lengths (or None) of one series, skipping points whose x or y is None."""
    n = len(values.get("y", []))
    lo, hi = values.get("lo") or [None] * n, values.get("hi") or [None] * n
    kept = [p for p in zip(values.get("x", []), values.get("y", []), lo, hi, strict=False) if None not in p[:2]]
    xs, ys = [p[0] for p in kept], [p[1] for p in kept]
    if not values.get("lo") and not values.get("hi"):
        return xs, ys, None
    below = [max(0.0, y - lo_) if lo_ is not None else 0.0 for _, y, lo_, _ in kept]
    above = [max(0.0, hi_ - y) if hi_ is not None else 0.0 for _, y, _, hi_ in kept]
    return xs, ys, [below, above]


def _plot(path: Path, title: str, xlabel: str, ylabel: str, series: dict[str, dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    try:
        for label, values in series.items():
            xs, ys, err = _points(values)
            ax.errorbar(xs, ys, yerr=err, label=label, marker="o" if err or len(xs) < 12 else None, capsize=3)
        ax.set(xlabel=xlabel, ylabel=ylabel)
        ax.set_title(title, fontsize=9)
        if series:
            ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)


def draw_figures(cases: list[dict], folder: Path) -> list[Exhibit]:
    """Draw every figure as a PNG in ``folder``: each case's ``curves`` (R2's give the Figure 1a
    analogue: training loss per variant against epochs) and each merged ``figures`` title. A figure
    whose recorded data cannot be drawn is listed with the error instead of ending the report."""
    taken: set[str] = set()
    curves = [_draw_curves(cases, i, folder, taken) for i, c in enumerate(cases) if c.get("curves")]
    merged = [_draw_merged(cases, title, parts, folder, taken) for title, parts in recorded(cases, "figures").items()]
    return curves + merged


def _draw_curves(cases: list[dict], index: int, folder: Path, taken: set[str]) -> Exhibit:
    c = cases[index]
    name = unique(slug(f"{c['claim']}-{c.get('case') or 'curves'}"), taken)
    series = {
        k: {"x": list(range(1, len(v.get("loss", [])) + 1)), "y": v.get("loss", [])} for k, v in c["curves"].items()
    }
    where = f"{c['claim']} {c.get('case', '')} ({c.get('scale')}, {c.get('dataset')})"
    figure = Exhibit(
        "curves", f"{c['claim']} {c.get('case', '')}: training loss per epoch", f"fig-{name}", [index], c["claim"]
    )
    return _drawn(
        figure, folder / f"{name}.png", where, "epochs (passes over the training set)", "average training loss", series
    )


def _draw_merged(
    cases: list[dict], title: str, parts: list[tuple[int, dict]], folder: Path, taken: set[str]
) -> Exhibit:
    name = unique(slug(f"figure-{title}"), taken)
    spec, first = parts[0][1], cases[parts[0][0]]
    where = f"{title} ({first.get('scale')}, {first.get('dataset')})"
    figure = Exhibit("figure", title, f"fig-{name}", [i for i, _ in parts], first["claim"])
    return _drawn(
        figure,
        folder / f"{name}.png",
        where,
        spec.get("xlabel", ""),
        spec.get("ylabel", ""),
        merge_series(cases, parts),
    )


def _drawn(figure: Exhibit, path: Path, *plot_args: object) -> Exhibit:
    """``figure`` with its PNG drawn at ``path``, or with ``error`` set where its data cannot be drawn."""
    try:
        _plot(path, *plot_args)
        figure.file = path.name
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        figure.error = f"{type(exc).__name__}: {exc}"
    return figure


def claim_groups(cases: list[dict]) -> list[tuple[str, list[int]]]:
    """(claim, indices of its cases) in report order."""
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(cases):
        groups.setdefault(c.get("claim", ""), []).append(i)
    return list(groups.items())


def hosted(exhibits: list[Exhibit], claim: str) -> list[Exhibit]:
    """The merged figures and tables shown in ``claim``'s section."""
    return [e for e in exhibits if e.kind != "curves" and e.claim == claim]


def pointers(exhibits: list[Exhibit], index: int, claim: str) -> list[Exhibit]:
    """The merged figures and tables case ``index`` records that are shown in another claim's section."""
    return [e for e in exhibits if e.kind != "curves" and index in e.cases and e.claim != claim]


def cell(value: object) -> str:
    """A table cell: empty for a missing value."""
    return "" if value is None else fmt(value)


# ----------------------------------------------------------------------------- report.md


def markdown(doc: dict, exhibits: list[Exhibit]) -> str:
    cases = doc["results"]
    lines = _md_summary(doc)
    for claim, indices in claim_groups(cases):
        for i in indices:
            lines += _md_case(cases[i], i, exhibits)
        for e in hosted(exhibits, claim):
            lines += ["", f"**{e.title}**", ""]
            lines += _md_table(e.columns, e.rows) if e.kind == "table" else [md_figure(e)]
    return "\n".join(lines) + "\n"


def md_figure(e: Exhibit) -> str:
    return f"![{e.title}]({e.file})" if e.file else f"*{e.title}: not drawn ({e.error})*"


def counts(cases: list[dict]) -> dict[str, int]:
    return {v: sum(c.get("verdict") == v for c in cases) for v in ("pass", "fail", "skip")}


def ablation_seeds_note(meta: dict) -> str:
    """How many seeds Table 1's ablations ran, where it differs from the scale's seeds (else "")."""
    ablation = meta.get("ablation_seeds", meta.get("seeds"))
    return f"Table 1's ablations: {ablation}" if ablation != meta.get("seeds") else ""


def _md_summary(doc: dict) -> list[str]:
    meta, cases = doc["meta"], doc["results"]
    n = counts(cases)
    lines = [
        '# Claim report: Zhang et al., "Understanding deep learning requires rethinking generalization"',
        "",
        f"**{n['pass']} passed, {n['fail']} failed, {n['skip']} skipped** "
        f"at scale `{meta['scale']}` ({meta.get('scale_description', '')}).",
        "",
        f"- data: `{meta['dataset']}`, {meta['n_test']} test images; seeds per configuration: {meta['seeds']}"
        + (f" ({note})" if (note := ablation_seeds_note(meta)) else ""),
        f"- architectures (width relative to the paper's, training images): {fmt(meta['architectures'])}",
        f"- device: {meta['device']}; wall time {meta['wall_seconds']} s; finished {meta['finished_at']}",
        f"- versions: {fmt(meta['versions'])}; host: {fmt(meta.get('host', {}))}",
        *([f"- command: `{' '.join(meta['command'])}`"] if meta.get("command") else []),
        *[f"- hyperparameters of {m}: {fmt(h)}" for m, h in meta.get("hyperparameters", {}).items()],
        *[f"- departs from the paper: {d}" for d in meta.get("deviations", [])],
        "",
    ]
    rows = [
        [c["claim"], c["case"], f"**{c['verdict']}**", fmt(c.get("measured", {})), fmt(c.get("paper") or "")]
        for c in cases
    ]
    return lines + _md_table(["claim", "case", "verdict", "measured", "paper"], rows)


def _md_table(columns: list[str], rows: list[list]) -> list[str]:
    def line(values: list) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"

    return [line(columns), "|" + "---|" * len(columns), *[line([cell(v) for v in row]) for row in rows]]


def _md_case(c: dict, index: int, exhibits: list[Exhibit]) -> list[str]:
    lines = ["", f"## {c['claim']} {c['case']}: {c['verdict']}", ""]
    if c.get("title"):
        lines += [f"*{c['title']}*", ""]
    if c.get("reason"):
        lines += [f"Reason: {c['reason']}", ""]
    lines += [f"- scale `{c['scale']}`, data `{c['dataset']}`, test `{c.get('test', '')}`"]
    lines += [f"- measured: {fmt(c.get('measured', {}))}", f"- paper: {fmt(c.get('paper') or 'n/a')}"]
    lines += [f"- statistic `{name}`: {fmt(stat)}" for name, stat in (c.get("statistics") or {}).items()]
    lines += [f"- definition of {name}: {text}" for name, text in (c.get("definitions") or {}).items()]
    lines += [f"- see {e.title} (under {e.claim})" for e in pointers(exhibits, index, c["claim"])]
    if c.get("runs"):
        lines += ["", *_md_table(RUN_COLUMNS, [run_row(r, short=True) for r in c["runs"]])]
    lines += ["\n" + md_figure(e) for e in exhibits if e.kind == "curves" and e.cases == [index]]
    return lines


RUN_COLUMNS = ["run", "store key", "status", "epochs", "train acc", "test acc", "seconds"]


def run_row(run: dict, short: bool = False) -> list:
    """A training run's row of a runs table (``short``: the store key cut to 12 characters, as code)."""
    key = run.get("key", "")
    return [
        run.get("run", ""),
        f"`{key[:12]}`" if short else key,
        run.get("status"),
        run.get("epochs"),
        run.get("train_acc"),
        run.get("test_acc"),
        run.get("seconds"),
    ]


# ----------------------------------------------------------------------------- comparing two reports


@dataclass
class CaseChange:
    """How one case (claim, case) differs between two reports; values are as recorded (None: absent)."""

    claim: str
    case: str
    change: str  # "changed", "added" or "removed"
    verdict: tuple[str | None, str | None]
    measured: dict[str, tuple[object, object]]  # name -> (old, new), only those that differ


def compare_reports(old_dir: Path, new_dir: Path) -> list[CaseChange]:
    """Which verdicts and measured numbers differ between two report folders, case by case. Numbers
    count as equal when they print the same (4 significant digits)."""
    old, new = (_cases_by_name(Path(d)) for d in (old_dir, new_dir))
    changes = []
    for name in [*old, *(n for n in new if n not in old)]:
        before, after = old.get(name, {}), new.get(name, {})
        verdict = (before.get("verdict"), after.get("verdict"))
        m_old, m_new = before.get("measured") or {}, after.get("measured") or {}
        measured = {
            k: (m_old.get(k), m_new.get(k))
            for k in dict.fromkeys([*m_old, *m_new])
            if k not in m_old or k not in m_new or fmt(m_old[k]) != fmt(m_new[k])
        }
        change = "removed" if not after else "added" if not before else "changed"
        if change != "changed" or verdict[0] != verdict[1] or measured:
            changes.append(CaseChange(name[0], name[1], change, verdict, measured))
    return changes


def _cases_by_name(folder: Path) -> dict[tuple[str, str], dict]:
    cases = json.loads((folder / "results.json").read_text())["results"]
    return {(c.get("claim", ""), c.get("case", "")): c for c in cases}


def describe_changes(changes: list[CaseChange]) -> str:
    """The changes as text, a line per case and an indented line per number."""
    if not changes:
        return "no verdict or measured number changed"
    lines = []
    for ch in changes:
        old, new = ch.verdict
        head = f"{ch.claim} {ch.case}: "
        if ch.change == "changed":
            lines.append(head + (f"verdict {old} -> {new}" if old != new else f"verdict {new} (unchanged)"))
        else:
            lines.append(head + (f"added ({new})" if ch.change == "added" else f"removed (was {old})"))
        lines += [f"  {k}: {cell(a) or '-'} -> {cell(b) or '-'}" for k, (a, b) in ch.measured.items()]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- command line


USAGE = """usage: python -m rethink_core.report REPORT_DIR             rebuild report.md, report.html and figures
       python -m rethink_core.report --compare OLD_DIR NEW_DIR  verdicts and numbers that changed"""


def main(argv: list[str] | None = None) -> int:
    """Rebuild a report from its results.json (exit 0), or compare two (exit 0: no change, 1: changes)."""
    args = sys.argv[1:] if argv is None else argv
    folders = [Path(a) for a in args if a != "--compare"]
    shape_ok = len(args) == 3 and args[0] == "--compare" if "--compare" in args else len(args) == 1
    if not shape_ok or not all((f / "results.json").exists() for f in folders):
        print(USAGE + "\n(each folder must hold a results.json)", file=sys.stderr)
        return 2
    if len(folders) == 2:
        changes = compare_reports(*folders)
        print(describe_changes(changes))
        return 1 if changes else 0
    render(folders[0])
    print(f"rebuilt {folders[0] / 'report.md'} and {folders[0] / 'report.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
