"""``python -m rethink_core.report``: see :mod:`rethink_core.report.cli`."""

from rethink_core.report.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
