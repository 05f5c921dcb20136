"""The claim report, built from recorded results alone (no training).

``write_report(cases, meta, report_dir)`` takes a session's :class:`~rethink_core.case.ClaimCase`
records and its ``meta`` and makes ``<report dir>/<UTC time>/`` with ``results.json`` (schema 3, see
:mod:`.schema`), ``report.md``, ``report.html`` (self-contained: figures embedded) and the figures as
PNGs, and points ``<report dir>/latest`` at it; ``terminal_table(cases)`` is the table pytest prints.
``load(folder)`` reads a ``results.json`` of schema 1, 2 or 3 as :class:`Results` (``meta`` and typed
cases in report order). ``python -m rethink_core.report <dir>`` rebuilds a report from its
``results.json``; ``python -m rethink_core.report --compare OLD NEW`` prints which verdicts and
measured numbers changed (``compare_reports`` returns them as data); ``--history DIR`` writes the
verdicts and headline numbers of every report under DIR side by side (``history.html``, ``history.md``).

Modules, the shared ones first: :mod:`.numbers` (numbers and recorded values as text, by unit),
:mod:`.model` (verdicts as shown and counted, order, anchors, merged figures and tables, rows of a
case's tables), :mod:`.summary` (the first screen's data: statements, headline rows, the session's
facts), :mod:`.schema` (``results.json``: writing and reading it); the renderers :mod:`.figures`,
:mod:`.markdown`, :mod:`.html` (with its CSS and script in :mod:`.html_assets`), :mod:`.terminal`,
:mod:`.compare`, :mod:`.history`; :mod:`.write` (a report folder) and :mod:`.cli` (``__main__`` runs it).
"""

from rethink_core.report.cli import main
from rethink_core.report.compare import CaseChange, compare_reports, describe_changes
from rethink_core.report.model import Exhibit
from rethink_core.report.numbers import fmt
from rethink_core.report.schema import SCHEMA, ReportError, Results, load
from rethink_core.report.terminal import terminal_table
from rethink_core.report.write import render, write_report

__all__ = [
    "SCHEMA",
    "CaseChange",
    "Exhibit",
    "ReportError",
    "Results",
    "compare_reports",
    "describe_changes",
    "fmt",
    "load",
    "main",
    "render",
    "terminal_table",
    "write_report",
]
