"""The claim report, built from recorded results alone (no training).

``write_report`` makes ``<report dir>/<UTC time>/`` with ``results.json`` (see :mod:`.schema`),
``report.md``, ``report.html`` (self-contained: figures embedded) and the figures as PNGs, and
points ``<report dir>/latest`` at it; ``terminal_table`` is the table pytest prints.
``python -m rethink_core.report <dir>`` rebuilds a report from its ``results.json``;
``python -m rethink_core.report --compare OLD NEW`` prints which verdicts and measured numbers
changed (``compare_reports`` returns them as data); ``--history DIR`` writes the verdicts and
headline numbers of every report under DIR side by side (``history.html``, ``history.md``).

Modules: :mod:`.model` (verdicts, order, merged figures and tables, numbers as text; shared by
every renderer), :mod:`.units` (numbers by unit: percent, epochs, ratio), :mod:`.headline` (a
claim's statement and headline rows, the first screen's data), :mod:`.meta` (the session's facts),
:mod:`.schema` (``results.json``), :mod:`.figures`, :mod:`.markdown` (with
:mod:`.markdown_summary`), :mod:`.html` (with :mod:`.html_summary`, :mod:`.html_blocks`,
:mod:`.html_assets`), :mod:`.terminal`, :mod:`.compare`, :mod:`.history` (with
:mod:`.history_render`), :mod:`.write` and :mod:`.cli` (``__main__`` runs it).
"""

from rethink_core.report.cli import main
from rethink_core.report.compare import CaseChange, compare_reports, describe_changes
from rethink_core.report.model import VERDICTS, Exhibit, fmt
from rethink_core.report.schema import SCHEMA, ReportError, load
from rethink_core.report.terminal import terminal_table
from rethink_core.report.write import render, write_report

__all__ = [
    "SCHEMA",
    "VERDICTS",
    "CaseChange",
    "Exhibit",
    "ReportError",
    "compare_reports",
    "describe_changes",
    "fmt",
    "load",
    "main",
    "render",
    "terminal_table",
    "write_report",
]
