"""``results.json``: building it from a session's cases and reading it back (schemas 1 and 2).

``{"schema": 2, "meta": {...}, "counts": {"pass": n, "fail": n, "deviation": n, "skip": n},
"results": [case, ...]}``. Each case has ``claim`` (id, e.g. ``R1``), ``case``, ``verdict``
(``pass``, ``fail``, ``deviation`` or ``skip``), ``measured``, ``paper``, ``scale``, ``dataset``,
and optionally ``order`` (the test's position in pytest's collection order), ``test``, ``title``,
``reason``, ``deviation`` (``{"reason", "command", "outcome": "xfail" | "xpass"}``: a case declared
in advance not to reproduce at this scale), ``statistics``, ``definitions``, ``runs`` (the training
runs behind the numbers: store key, status, epochs), ``curves``, ``figures``, ``tables``, and
(no schema change: older reports lack them) ``statement``, ``headline`` and ``decided_by``:

- ``curves``: ``{label: {"loss": [per-epoch values], ...}}``, learning curves of one case.
- ``figures``: ``{title: {"xlabel": str, "ylabel": str, "series": {label: {"x": [...], "y": [...],
  "lo": [...], "hi": [...], "points": [[x, y], ...]}}}}`` (``lo``/``hi`` optional: an interval drawn
  as error bars; ``points`` optional: each seed's value, drawn as dots beside the mean line). Figures
  with the same title from several cases are drawn on one set of axes.
- ``tables``: ``{title: {"columns": [...], "rows": [[...], ...]}}``; rows of tables with the same
  title from several cases are concatenated in report order.
- ``statement``: the claim's one plain sentence (the same for every case of a claim).
- ``headline``: ``[{"quantity": str, "ours": float | None, "paper": float | str | None, "unit":
  "percent" | "epochs" | "ratio" | "number", "note": str}, ...]``, ours beside the paper's; percent
  values are fractions (0.0868 is 8.7%); ``note`` says which data each side is of.
- ``decided_by``: ``{"statistic": str, "value": float, "threshold": str}``, what decided the verdict.

Schema 1 had no ``counts``, no ``deviation`` verdict and no ``order``, and called ``meta``'s
``departures`` ``deviations``; it is read as schema 2.
"""

from __future__ import annotations

import json
from pathlib import Path

from rethink_core.errors import RethinkError
from rethink_core.report.model import counts, sort_cases

SCHEMA = 2
READABLE = (1, 2)


class ReportError(RethinkError):
    """A ``results.json`` that cannot be read: missing, damaged, or of an unknown schema."""


def document(cases: list[dict], meta: dict) -> dict:
    """The ``results.json`` of a session: its cases in report order, with the verdict counts."""
    ordered = sort_cases(cases)
    return {"schema": SCHEMA, "meta": meta, "counts": counts(ordered), "results": ordered}


def load(folder: Path) -> dict:
    """The ``results.json`` of a report folder as schema 2, its cases in report order."""
    path = Path(folder) / "results.json"
    try:
        doc = json.loads(path.read_text())
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path} is damaged: not JSON ({exc})") from None
    check(doc, path)
    return upgrade(doc)


def check(doc: object, path: Path) -> None:
    """Raise :class:`ReportError` where ``doc`` is not a readable ``results.json``."""
    if not isinstance(doc, dict):
        raise ReportError(f"{path} is damaged: not a JSON object")
    if doc.get("schema") not in READABLE:
        readable = " and ".join(map(str, READABLE))
        raise ReportError(f"{path} has schema {doc.get('schema')!r}; this version reads schemas {readable}")
    results, meta = doc.get("results"), doc.get("meta", {})
    if not isinstance(results, list) or not all(isinstance(c, dict) for c in results) or not isinstance(meta, dict):
        raise ReportError(f"{path} is damaged: needs a list of results and a meta object")


def upgrade(doc: dict) -> dict:
    """``doc`` as schema 2 (a copy): ``departures`` for an older ``deviations``, counts, report order."""
    meta = dict(doc.get("meta") or {})
    if "departures" not in meta and "deviations" in meta:
        meta["departures"] = meta.pop("deviations")
    return document(doc["results"], meta)
