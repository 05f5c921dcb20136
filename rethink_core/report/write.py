"""Writing a report folder: ``<report dir>/<UTC time>/`` with ``results.json``, ``report.md``,
``report.html`` and the figures, and ``<report dir>/latest`` pointing at it."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from rethink_core.case import ClaimCase
from rethink_core.report.figures import draw_figures
from rethink_core.report.html import page
from rethink_core.report.markdown import markdown
from rethink_core.report.model import merge_tables
from rethink_core.report.schema import document, load
from rethink_core.store import write_json_atomic


def write_report(cases: list[ClaimCase], meta: dict, report_dir: Path) -> Path:
    """Write one report folder from a session's cases and its ``meta`` and point ``latest`` at it;
    returns the folder. The report is rendered from the ``results.json`` written, as a rebuild would."""
    folder = new_folder(Path(report_dir))
    write_json_atomic(folder / "results.json", document(cases, meta))
    render(folder)
    point_latest(Path(report_dir), folder)
    return folder


def render(folder: Path) -> None:
    """(Re)build ``report.md``, ``report.html`` and the figures of a report folder from its
    ``results.json`` (raises :class:`~rethink_core.report.schema.ReportError` where it is unreadable)."""
    folder = Path(folder)
    results = load(folder)
    exhibits = draw_figures(results.cases, folder) + merge_tables(results.cases)
    (folder / "report.md").write_text(markdown(results, exhibits))
    (folder / "report.html").write_text(page(results, exhibits, folder))


def new_folder(report_dir: Path) -> Path:
    """A new, empty ``<report dir>/<UTC time>`` (``-1``, ``-2``... where that exists already)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder, suffix = report_dir / stamp, 1
    while folder.exists():
        folder, suffix = report_dir / f"{stamp}-{suffix}", suffix + 1
    folder.mkdir(parents=True)
    return folder


def point_latest(report_dir: Path, folder: Path) -> None:
    """Point ``<report dir>/latest`` at ``folder``, atomically (a relative symbolic link)."""
    latest = report_dir / "latest"
    tmp = report_dir / f".latest-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(folder.name)
    os.replace(tmp, latest)
