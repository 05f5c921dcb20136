"""The command line: ``python -m rethink_core.report REPORT_DIR`` rebuilds a report from its
``results.json``; ``--compare OLD NEW`` prints what changed; ``--history DIR [--out OUTDIR]`` writes
the history of every report under DIR (``history.html`` and ``history.md``, default in DIR/history)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rethink_core.report.compare import compare_reports, describe_changes
from rethink_core.report.history import history, history_html, history_markdown
from rethink_core.report.schema import ReportError
from rethink_core.report.write import render

PROG = "python -m rethink_core.report"


def parser() -> argparse.ArgumentParser:
    """The command line's parser: REPORT_DIR, or --compare OLD_DIR NEW_DIR, or --history DIR [--out OUTDIR]."""
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Rebuild a claim report from its results.json (no training), compare two reports, "
        "or show the history of many.",
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
    p.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="every results.json under DIR: verdicts and headline numbers across reports (history.html, history.md)",
    )
    p.add_argument("--out", type=Path, metavar="OUTDIR", help="where --history writes (default: DIR/history)")
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
        if args.history:
            return write_history(args.history, args.out or args.history / "history")
        return compare(*folders) if args.compare else rebuild(folders[0])
    except ReportError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2


def check_folders(p: argparse.ArgumentParser, args: argparse.Namespace) -> list[Path]:
    """The folders to read: exactly one of REPORT_DIR, --compare and --history; each holding a
    results.json (for --history, the folder searched)."""
    if sum(x is not None for x in (args.report_dir, args.compare, args.history)) != 1:
        p.error("give either REPORT_DIR, --compare OLD_DIR NEW_DIR or --history DIR")
    if args.out is not None and args.history is None:
        p.error("--out goes with --history")
    if args.history:
        return [args.history]
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


def write_history(root: Path, out: Path) -> int:
    """Write ``history.html`` and ``history.md`` of every report under ``root`` into ``out``; a line
    on stderr per results.json that cannot be read; 2 where none can."""
    groups, errors, found = history(root, skip=out)
    for error in errors:
        print(f"{PROG}: skipped: {error}", file=sys.stderr)
    if not groups:
        why = (
            f"none of the {found} results.json under {root} could be read" if found else f"no results.json under {root}"
        )
        print(f"{PROG}: error: {why}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    (out / "history.html").write_text(history_html(groups, errors, root))
    (out / "history.md").write_text(history_markdown(groups, errors, root))
    n = sum(len(g.reports) for g in groups)
    print(f"wrote {out / 'history.html'} and {out / 'history.md'}: {n} reports in {len(groups)} group(s)")
    return 0
