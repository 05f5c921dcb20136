"""The claim report, built from recorded results alone (no training).

``write_report`` makes ``<report dir>/<UTC time>/`` with ``results.json`` (schema below),
``report.md`` and figures, and points ``<report dir>/latest`` at it. ``python -m
rethink_core.report <dir>`` rebuilds ``report.md`` and the figures from a ``results.json``.

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
import sys
from dataclasses import asdict
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
    """(Re)build ``report.md`` and the figures of a report folder from its ``results.json``."""
    doc = json.loads((folder / "results.json").read_text())
    figures = draw_figures(doc["results"], folder)
    (folder / "report.md").write_text(markdown(doc, figures))


def markdown(doc: dict, figures: dict[str, str]) -> str:
    meta, cases = doc["meta"], doc["results"]
    counts = {v: sum(c["verdict"] == v for c in cases) for v in ("pass", "fail", "skip")}
    lines = [
        '# Claim report: Zhang et al., "Understanding deep learning requires rethinking generalization"',
        "",
        f"**{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped** "
        f"at scale `{meta['scale']}` ({meta.get('scale_description', '')}).",
        "",
        f"- data: `{meta['dataset']}`, {meta['n_test']} test images; seeds per configuration: {meta['seeds']}",
        f"- architectures (width relative to the paper's, training images): {fmt(meta['architectures'])}",
        f"- device: {meta['device']}; wall time {meta['wall_seconds']} s; finished {meta['finished_at']}",
        f"- versions: {fmt(meta['versions'])}; host: {fmt(meta.get('host', {}))}",
        *[f"- hyperparameters of {m}: {fmt(h)}" for m, h in meta.get("hyperparameters", {}).items()],
        *[f"- departs from the paper: {d}" for d in meta.get("deviations", [])],
        "",
        "| claim | case | verdict | measured | paper |",
        "|---|---|---|---|---|",
    ]
    for c in cases:
        measured, paper = fmt(c.get("measured", {})), fmt(c.get("paper") or "")
        lines.append(f"| {c['claim']} | {c['case']} | **{c['verdict']}** | {measured} | {paper} |")
    for c in cases:
        lines += ["", f"## {c['claim']} {c['case']}: {c['verdict']}", ""]
        if c.get("title"):
            lines += [f"*{c['title']}*", ""]
        if c.get("reason"):
            lines += [f"Reason: {c['reason']}", ""]
        lines += [f"- scale `{c['scale']}`, data `{c['dataset']}`, test `{c.get('test', '')}`"]
        lines += [f"- measured: {fmt(c.get('measured', {}))}", f"- paper: {fmt(c.get('paper') or 'n/a')}"]
        for name, stat in (c.get("statistics") or {}).items():
            lines.append(f"- statistic `{name}`: {fmt(stat)}")
        if c.get("definitions"):
            for name, text in c["definitions"].items():
                lines.append(f"- definition of {name}: {text}")
        if c.get("runs"):
            lines += [
                "",
                "| run | store key | status | epochs | train acc | test acc | seconds |",
                "|---|---|---|---|---|---|---|",
            ]
            for r in c["runs"]:
                lines.append(
                    f"| {r['run']} | `{r['key'][:12]}` | {r['status']} | {r['epochs']} | {fmt(r['train_acc'])} | "
                    f"{fmt(r['test_acc'])} | {r['seconds']} |"
                )
        for caption, name in figures.items():
            if name.startswith(c["claim"]) and c.get("curves"):
                lines += ["", f"![{caption}]({name})"]
    return "\n".join(lines) + "\n"


def draw_figures(cases: list[dict], folder: Path) -> dict[str, str]:
    """Learning curves recorded by a claim (``curves``: label -> {"loss": [...], ...}) as PNGs.

    R2's curves give the Figure 1a analogue: training loss per variant against epochs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures: dict[str, str] = {}
    for c in cases:
        curves = c.get("curves")
        if not curves:
            continue
        name = f"{c['claim']}-{c['case'] or 'curves'}.png".replace("/", "_").replace(" ", "_")
        fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
        for label, curve in curves.items():
            ax.plot(range(1, len(curve["loss"]) + 1), curve["loss"], label=label)
        ax.set_xlabel("epochs (passes over the training set)")
        ax.set_ylabel("average training loss")
        ax.set_title(f"{c['claim']} {c['case']} ({c['scale']}, {c['dataset']})", fontsize=9)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(folder / name)
        plt.close(fig)
        figures[f"{c['claim']} {c['case']}: training loss per epoch"] = name
    return figures


def main(argv: list[str] | None = None) -> int:
    """``python -m rethink_core.report <report dir>``: rebuild report.md and figures from results.json."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not (Path(args[0]) / "results.json").exists():
        print("usage: python -m rethink_core.report <report dir holding results.json>", file=sys.stderr)
        return 2
    render(Path(args[0]))
    print(f"rebuilt {Path(args[0]) / 'report.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
