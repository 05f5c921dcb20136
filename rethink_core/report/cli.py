"""The command line: ``python -m rethink_core.report REPORT_DIR`` rebuilds a report from its
``results.json``; ``python -m rethink_core.report --compare OLD NEW`` prints what changed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rethink_core.report.compare import compare_reports, describe_changes
from rethink_core.report.schema import ReportError
from rethink_core.report.write import render

PROG = "python -m rethink_core.report"


def parser() -> argparse.ArgumentParser:
    """The command line's parser: REPORT_DIR, or --compare OLD_DIR NEW_DIR."""
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Rebuild a claim report from its results.json (no training), or compare two reports.",
        epilog="exit status: 0 rebuilt or nothing changed, 1 something changed (--compare), 2 bad arguments or input",
    )
    p.add_argument(
        "report_dir",
        nargs="?",
        type=Path,
        metavar="REPORT_DIR",
        help="a report folder: rebuild its report.md, report.html, figures",
    )
    p.add_argument(
        "--compare", nargs=2, type=Path, metavar=("OLD_DIR", "NEW_DIR"), help="print which verdicts and numbers changed"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Rebuild a report (exit 0), or compare two (exit 0: no change, 1: changes); 2 on a usage error
    (with a usage line) or an unreadable ``results.json`` (one line)."""
    p = parser()
    try:
        args = p.parse_args(sys.argv[1:] if argv is None else argv)
        folders = check_folders(p, args)
    except SystemExit as exc:  # argparse printed the usage and the error (or --help)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return compare(*folders) if args.compare else rebuild(folders[0])
    except ReportError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2


def check_folders(p: argparse.ArgumentParser, args: argparse.Namespace) -> list[Path]:
    """The folders to read: exactly one of REPORT_DIR and --compare, each holding a results.json."""
    if (args.report_dir is None) == (args.compare is None):
        p.error("give either REPORT_DIR or --compare OLD_DIR NEW_DIR")
    folders = args.compare or [args.report_dir]
    for folder in folders:
        if not (folder / "results.json").is_file():
            p.error(f"{folder} holds no results.json")
    return folders


def compare(old: Path, new: Path) -> int:
    """Print what changed from ``old`` to ``new``; 1 where something did, else 0."""
    changes = compare_reports(old, new)
    print(describe_changes(changes))
    return 1 if changes else 0


def rebuild(folder: Path) -> int:
    """Rebuild the report in ``folder`` from its results.json."""
    render(folder)
    print(f"rebuilt {folder / 'report.md'} and {folder / 'report.html'}")
    return 0
