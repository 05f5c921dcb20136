"""A claim case as the report and results.json know it: one frozen record per test, with its verdict.

The session builds a :class:`ClaimCase` from what a claim test recorded and how its test ended;
:func:`ClaimCase.to_json` is the one writer of a case into ``results.json`` and
:func:`ClaimCase.from_json` the one reader (schemas 1 and 2 are upgraded on the way in). Renderers read
fields, never dict keys. The record is built for the decisions of Section 2's randomization tests and
their follow-ups as a referee reads them: each case carries the seeds it used, the smallest p its
design can reach, and the named checks it judged, each with its statistic, threshold and outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

SCHEMA = 3


class Verdict(StrEnum):
    """What a claim case concluded. ``deviation`` is a declared non-reproduction whose named check did
    not hold (as declared); ``deviation-did-not-occur`` one whose check held this time; ``undecided``
    a case its design could not decide with the seeds it had (a skip that says what would decide it);
    ``rehearsed`` a case of a rehearsal, which checks wiring and decides nothing."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"
    UNDECIDED = "undecided"
    DEVIATION = "deviation"
    DEVIATION_DID_NOT_OCCUR = "deviation-did-not-occur"
    REHEARSED = "rehearsed"

    @property
    def words(self) -> str:
        """The verdict as a reader says it: ``passed``, ``deviation did not occur``..."""
        return COUNT_WORDS[self]


COUNT_WORDS = {
    Verdict.PASS: "passed",
    Verdict.FAIL: "failed",
    Verdict.SKIP: "skipped",
    Verdict.UNDECIDED: "undecided",
    Verdict.DEVIATION: "deviation",
    Verdict.DEVIATION_DID_NOT_OCCUR: "deviation did not occur",
    Verdict.REHEARSED: "rehearsed",
}


@dataclass(frozen=True)
class Check:
    """One named check a case judged: its statistic's value held to a threshold (e.g. ``>= 0.001``).
    ``outcome``: ``pass``, ``fail``, or ``""`` where the case did not reach it."""

    name: str
    statistic: str
    value: float | None
    threshold: str
    outcome: str = ""

    @classmethod
    def from_json(cls, d: dict) -> Check:
        name, statistic, threshold = d.get("name", ""), d.get("statistic", ""), d.get("threshold", "")
        return cls(name, statistic, d.get("value"), threshold, d.get("outcome", ""))


@dataclass(frozen=True)
class Headline:
    """One row of ours beside the paper's. ``unit``: ``percent`` (values as fractions), ``epochs``,
    ``ratio`` or ``number``; ``note`` says which data each side is of."""

    quantity: str
    ours: float | None
    paper: float | str | None
    unit: str
    note: str = ""

    @classmethod
    def from_json(cls, d: dict) -> Headline:
        return cls(d["quantity"], d.get("ours"), d.get("paper"), d.get("unit", "number"), d.get("note", ""))


@dataclass(frozen=True)
class DesignCheck:
    """One check of a case decided once (rethink_core.plan.FixedCheck) with the smallest p its test
    could reach on the units this case had (None for a criterion, which has no p)."""

    check: str
    test: str
    unit: str
    level: float | None = None
    claim_holds_if: str = ""
    smallest_p: float | None = None
    p: float | None = None  # the test's p, where it computes one

    @property
    def is_criterion(self) -> bool:
        return self.level is None

    @property
    def holds_if_rejected(self) -> bool:
        """A test whose rejected null is the claim's evidence (not a criterion, not "at chance")."""
        return not self.is_criterion and self.claim_holds_if == "rejects"  # rethink_core.plan.REJECTS

    @classmethod
    def from_json(cls, d: dict) -> DesignCheck:
        names = ("check", "test", "unit")
        level, holds = d.get("level"), d.get("claim_holds_if", "")
        return cls(*(d.get(k, "") for k in names), level, holds, d.get("smallest_p"), d.get("p"))


@dataclass(frozen=True)
class DeclaredDeviation:
    """A deviation declared in :mod:`rethink_core.deviations` for this case: why, what measured it, and
    the named check it is a non-reproduction of ("" for one that covers the whole case)."""

    reason: str
    command: str = ""
    check: str = ""

    @classmethod
    def from_json(cls, d: dict) -> DeclaredDeviation:
        return cls(d.get("reason", ""), d.get("command", ""), d.get("check", ""))


@dataclass(frozen=True)
class ClaimCase:
    """One claim case with its verdict and every number it was decided on."""

    claim: str  # the claim's id, e.g. "R1"
    case: str  # e.g. "alexnet"
    verdict: Verdict
    scale: str
    dataset: str
    test: str = ""  # pytest's node id
    order: int | None = None  # the test's place in pytest's collection order (report order)
    title: str = ""  # the test's docstring, on one line
    statement: str = ""  # the claim's plain sentence (rethink_core.paper.STATEMENTS)
    reason: str = ""  # why it failed, skipped, deviated or was undecided
    measured: dict = field(default_factory=dict)
    paper: dict | str | None = None
    headline: tuple[Headline, ...] = ()
    decided_by: Check | None = None  # the check whose outcome the verdict rests on
    checks: tuple[Check, ...] = ()  # every named check the case judged
    seeds: tuple[int, ...] = ()  # the seeds (the unit of replication) its runs used
    smallest_p: float | None = None  # the smallest p its design can reach
    plan_hash: str = ""  # the hash of its analysis plan (rethink_core.plan: sequential or decided once)
    design: tuple[DesignCheck, ...] = ()  # a case decided once: its checks, tests, levels and reach
    deviation: DeclaredDeviation | None = None
    would_be: Verdict | None = None  # a rehearsed case: the verdict its checks gave
    statistics: dict = field(default_factory=dict)
    definitions: dict = field(default_factory=dict)
    runs: tuple[dict, ...] = ()  # the training runs behind its numbers (store key, status, epochs...)
    curves: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)

    @property
    def plan_decision(self) -> dict:
        """The decision record of a planned case's plan (rethink_core.plan.Decision as recorded), or {}:
        the last one with the case's plan hash (A3 also records each rate's under the same plan)."""
        records = [v for k, v in self.statistics.items() if k.endswith(": plan's decision") and isinstance(v, dict)]
        return next((d for d in reversed(records) if d.get("plan_hash") == self.plan_hash), {})

    @property
    def is_deviation(self) -> bool:
        return self.verdict in (Verdict.DEVIATION, Verdict.DEVIATION_DID_NOT_OCCUR)

    def to_json(self) -> dict:
        """The case as ``results.json`` (schema 3) holds it: empty optional fields left out."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "", (), {}) and f.name not in ("measured", "paper"):
                continue
            out[f.name] = _plain(value)
        return out

    @classmethod
    def from_json(cls, d: dict) -> ClaimCase:
        """A case of ``results.json``, of schema 3 or an older one (``deviation`` with outcome ``xpass``
        reads as :attr:`Verdict.DEVIATION_DID_NOT_OCCUR`)."""
        declared = d.get("deviation") or None
        verdict = Verdict(d.get("verdict") or "fail")
        if verdict is Verdict.DEVIATION and isinstance(declared, dict) and declared.get("outcome") == "xpass":
            verdict = Verdict.DEVIATION_DID_NOT_OCCUR
        decided = d.get("decided_by")
        return cls(
            claim=d.get("claim", ""),
            case=d.get("case") or d.get("test", "").split("::")[-1],
            verdict=verdict,
            scale=d.get("scale", ""),
            dataset=d.get("dataset", ""),
            test=d.get("test", ""),
            order=d["order"] if isinstance(d.get("order"), int) else None,
            title=d.get("title", ""),
            statement=d.get("statement", ""),
            reason=d.get("reason") or "",
            measured=d.get("measured") or {},
            paper=d.get("paper"),
            headline=tuple(Headline.from_json(h) for h in d.get("headline") or ()),
            decided_by=Check.from_json({"name": "decided by", **decided}) if decided else None,
            checks=tuple(Check.from_json(c) for c in d.get("checks") or ()),
            seeds=tuple(d.get("seeds") or sorted({r["seed"] for r in d.get("runs") or () if "seed" in r})),
            smallest_p=d.get("smallest_p"),
            plan_hash=d.get("plan_hash", ""),
            design=tuple(DesignCheck.from_json(c) for c in d.get("design") or ()),
            deviation=DeclaredDeviation.from_json(declared) if isinstance(declared, dict) else None,
            would_be=Verdict(d["would_be"]) if d.get("would_be") else None,
            statistics=d.get("statistics") or {},
            definitions=d.get("definitions") or {},
            runs=tuple(d.get("runs") or ()),
            curves=d.get("curves") or {},
            figures=d.get("figures") or {},
            tables=d.get("tables") or {},
        )


def counts(cases: list[ClaimCase]) -> dict[Verdict, int]:
    """How many cases have each verdict, every verdict present (0 where none)."""
    return {v: sum(c.verdict is v for c in cases) for v in Verdict}


def _plain(value: object) -> object:
    """A field's value as JSON: dataclasses as dicts without empty fields, enums as their strings."""
    if isinstance(value, Verdict):
        return str(value)
    if isinstance(value, (Check, Headline, DeclaredDeviation, DesignCheck)):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value) if getattr(value, f.name) != ""}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value
