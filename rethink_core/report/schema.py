"""``results.json``: the one writer of a session's document (:func:`document`) and the one reader
(:func:`load`, schemas 1, 2 and 3).

``{"schema": 3, "meta": {...}, "counts": {verdict: n, ...}, "results": [case, ...]}``: ``counts``
holds every :class:`~rethink_core.case.Verdict` (0 where no case has it); each case is a
:class:`~rethink_core.case.ClaimCase` as :meth:`~rethink_core.case.ClaimCase.to_json` writes it
(empty optional fields left out), in report order. Its free-form fields:

- ``curves``: ``{label: {"loss": [per-epoch values], ...}}``, learning curves of one case.
- ``figures``: ``{title: {"xlabel": str, "ylabel": str, "xscale": "linear" | "log", "series": {label:
  {"x": [...], "y": [...], "lo": [...], "hi": [...], "points": [[x, y], ...]}}}}`` (``lo``/``hi``
  optional: an interval drawn as error bars; ``points`` optional: each seed's value, drawn as dots
  beside the mean line). Figures with the same title from several cases are drawn on one set of axes.
- ``tables``: ``{title: {"columns": [...], "rows": [[...], ...]}}``; rows of tables with the same
  title from several cases are concatenated in report order.
- ``statistics``: ``{name: {"test": str, "mean" | "accuracy" | ...: float, "interval95": [lo, hi],
  "p_value": float, ...}}``; ``definitions``: ``{name: text}``; ``runs``: ``[{"run", "key", "status",
  "epochs", "train_acc", "test_acc", "seconds"}, ...]``.

Schema 2 had four verdicts (a ``deviation`` whose ``deviation.outcome`` was ``xpass`` now reads as
``deviation-did-not-occur``: :meth:`~rethink_core.case.ClaimCase.from_json` upgrades each case);
schema 1 also had no ``counts`` and no ``order`` and called ``meta``'s ``departures`` ``deviations``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rethink_core.case import SCHEMA, ClaimCase, counts
from rethink_core.errors import RethinkError
from rethink_core.report.model import sort_cases

READABLE = (1, 2, SCHEMA)


class ReportError(RethinkError):
    """A ``results.json`` that cannot be read: missing, damaged, or of an unknown schema."""


@dataclass(frozen=True)
class Results:
    """A ``results.json`` as read: the session's ``meta`` and its cases in report order."""

    meta: dict
    cases: list[ClaimCase]


def document(cases: list[ClaimCase], meta: dict) -> dict:
    """The ``results.json`` of a session: its cases in report order, with the count of every verdict."""
    ordered = sort_cases(cases)
    tally = {str(verdict): n for verdict, n in counts(ordered).items()}
    return {"schema": SCHEMA, "meta": meta, "counts": tally, "results": [c.to_json() for c in ordered]}


def load(folder: Path) -> Results:
    """The ``results.json`` of a report folder (schema 1, 2 or 3), its cases in report order."""
    path = Path(folder) / "results.json"
    try:
        doc = json.loads(path.read_text())
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path} is damaged: not JSON ({exc})") from None
    check(doc, path)
    return Results(upgrade_meta(doc.get("meta") or {}), sort_cases(read_cases(doc["results"], path)))


def check(doc: object, path: Path) -> None:
    """Raise :class:`ReportError` where ``doc`` is not a readable ``results.json``."""
    if not isinstance(doc, dict):
        raise ReportError(f"{path} is damaged: not a JSON object")
    if doc.get("schema") not in READABLE:
        readable = ", ".join(map(str, READABLE[:-1])) + f" and {READABLE[-1]}"
        raise ReportError(f"{path} has schema {doc.get('schema')!r}; this version reads schemas {readable}")
    results, meta = doc.get("results"), doc.get("meta", {})
    if not isinstance(results, list) or not all(isinstance(c, dict) for c in results) or not isinstance(meta, dict):
        raise ReportError(f"{path} is damaged: needs a list of results and a meta object")


def read_cases(results: list[dict], path: Path) -> list[ClaimCase]:
    """Each case of ``results`` as a :class:`ClaimCase` (upgraded from schema 1 or 2)."""
    cases = []
    for i, d in enumerate(results):
        try:
            cases.append(ClaimCase.from_json(d))
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ReportError(f"{path} is damaged: result {i} cannot be read ({type(exc).__name__}: {exc})") from None
    return cases


def upgrade_meta(meta: dict) -> dict:
    """``meta`` with schema 1's ``deviations`` called ``departures`` (a copy)."""
    if "departures" in meta or "deviations" not in meta:
        return dict(meta)
    return {("departures" if k == "deviations" else k): v for k, v in meta.items()}
