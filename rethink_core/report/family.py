"""The session as a family of tests: which passes survive Holm's correction over every case judged.

Each case holds its own level (a plan's per look, a decided-once test's own); a session of forty
cases at 0.01 each will pass some by chance alone. The report therefore states, beside the verdicts
(which it does not change), how many cases were judged and which passes that rest on rejected nulls
survive Holm's step-down correction at :data:`FAMILY_ALPHA` over those passes. A pass's p is put on
the family's scale as p x FAMILY_ALPHA / (its own level), so that "p <= its level" reads "<=
FAMILY_ALPHA" (a plan's level per look already divides by its looks and arms); a case with several
rejecting tests takes the largest (it needs them all). Passes that rest on criteria or on a test that
must not reject (R1's "at chance") have no such p and are counted apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from rethink_core.case import ClaimCase, Verdict

FAMILY_ALPHA = 0.01


def family_p(case: ClaimCase) -> float | None:
    """A pass's p on the family's scale (see the module's docstring), or None where it has none."""
    if case.verdict is not Verdict.PASS:
        return None
    decision = case.plan_decision
    if decision.get("p_effect") is not None and decision.get("level"):
        return min(1.0, decision["p_effect"] * FAMILY_ALPHA / decision["level"])
    rejecting = [c for c in case.design if c.holds_if_rejected]
    if not rejecting or any(c.p is None for c in rejecting):
        return None
    return min(1.0, max(c.p * FAMILY_ALPHA / c.level for c in rejecting))


def holm(pvalues: Sequence[float], alpha: float) -> list[bool]:
    """Holm's step-down procedure: which hypotheses of a family are rejected at family-wise level
    ``alpha`` (the i-th smallest p against alpha / (m - i + 1), stopping at the first that is not)."""
    rejected = [False] * len(pvalues)
    for rank, i in enumerate(sorted(range(len(pvalues)), key=lambda i: pvalues[i])):
        if pvalues[i] > alpha / (len(pvalues) - rank):
            break
        rejected[i] = True
    return rejected


def holm_family(cases: list[ClaimCase]) -> list[tuple[ClaimCase, float, bool]]:
    """(case, p on the family's scale, survives Holm at FAMILY_ALPHA) for each pass with such a p."""
    scored = [(c, p) for c in cases if (p := family_p(c)) is not None]
    kept = holm([p for _, p in scored], FAMILY_ALPHA)
    return [(c, p, k) for (c, p), k in zip(scored, kept, strict=True)]


def family_text(cases: list[ClaimCase]) -> str:
    """One line for a report's summary: cases judged, passes on rejected nulls, those Holm keeps."""
    judged = [c for c in cases if c.verdict in (Verdict.PASS, Verdict.FAIL, Verdict.UNDECIDED, Verdict.DEVIATION)]
    family = holm_family(cases)
    if not family:
        return ""
    lost = [f"{c.claim} {c.case}" for c, _, kept in family if not kept]
    passes = sum(c.verdict is Verdict.PASS for c in cases)
    return (
        f"As a family: {len(judged)} cases judged; {len(family)} of the {passes} passes rest on rejected nulls "
        f"with a recorded p, and {len(family) - len(lost)} of those survive Holm's correction at "
        f"{FAMILY_ALPHA} over them" + (f" (not: {', '.join(lost)})" if lost else "") + ". Reported, not asserted."
    )
