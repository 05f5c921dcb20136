"""Analysis plans: how a claim case decides, fixed as data before any of its runs train.

The seed is the unit of replication: a case reduces its runs to one statistic per seed (a within-seed
comparison across noise levels, say) and tests the mean of those per-seed values. Its plan states the
statistic and its direction, the level, the smallest effect size of interest (SESOI, argued from the
source in docs/claims.md), the looks (seed counts at which it may decide) and the cap. At each look:

- **pass** when a one-sided test rejects "no effect" (mean <= 0 in the claim's direction);
- **fail** when a one-sided test rejects "an effect that matters" (mean >= SESOI): the effect is
  smaller than the source's claim needs;
- otherwise **more seeds**, up to the next look; after the last look, **undecided**.

The level is split equally over the looks (Bonferroni), so that over the whole sequence "pass" has
probability at most ``alpha`` when there is no effect, and "fail" at most ``alpha`` when the effect is
exactly the SESOI. The exact test is the sign-flip test of the per-seed mean (smallest p ``2^-n`` at
``n`` seeds); a look where it cannot reach its share of the level is dropped. A plan may instead use
a one-sample t-test (assumption: per-seed values roughly normal), with the exact p shown beside it.
Power is computed at the SESOI with a planning standard deviation stated in the plan, never from the
observed effect.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from functools import lru_cache

import numpy as np
from scipy import stats as sps

from rethink_core.errors import ConfigError

SIGN_FLIP, T_TEST = "sign-flip", "t"


class Step(StrEnum):
    """What a look concludes."""

    PASS = "pass"
    FAIL = "fail"
    MORE_SEEDS = "more seeds"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class AnalysisPlan:
    """One case's decision rule; see the module's docstring. ``direction`` +1: the claim says the
    per-seed statistic is positive, -1: negative. ``sesoi`` is in the statistic's units, positive, in
    the claim's direction; ``planning_sd`` the seed-to-seed standard deviation power is computed with."""

    statistic: str
    direction: int
    sesoi: float
    planning_sd: float
    alpha: float = 0.01
    looks: tuple[int, ...] = (2, 3, 5, 8)
    max_seeds: int = 8
    test: str = SIGN_FLIP
    source: str = ""  # where the SESOI comes from

    def __post_init__(self) -> None:
        if self.direction not in (1, -1) or self.sesoi <= 0 or self.planning_sd <= 0 or not 0 < self.alpha < 1:
            raise ConfigError(f"an analysis plan needs direction +-1, SESOI > 0, sd > 0, 0 < alpha < 1: {self}")
        if self.test not in (SIGN_FLIP, T_TEST) or list(self.looks) != sorted(set(self.looks)):
            raise ConfigError(f"an analysis plan needs test {SIGN_FLIP!r} or {T_TEST!r} and increasing looks: {self}")

    @property
    def plan_hash(self) -> str:
        """A short hash of the plan (recorded with every verdict it decides)."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]

    @property
    def active_looks(self) -> tuple[int, ...]:
        """The looks within the cap whose test can reach its share of the level."""
        within = [n for n in self.looks if n <= self.max_seeds]
        if self.test == T_TEST:
            return tuple(n for n in within if n >= 2)
        share = self.alpha / max(1, len(within))
        return tuple(n for n in within if 2.0**-n <= share)

    @property
    def alpha_per_look(self) -> float:
        """Each look's share of the level (Bonferroni over the looks within the cap)."""
        return self.alpha / max(1, len([n for n in self.looks if n <= self.max_seeds]))

    @property
    def smallest_p(self) -> float:
        """The smallest p the design can reach: the exact test's at the last look (a t-test's p can be
        arbitrarily small; its exact companion's is shown)."""
        looks = self.active_looks
        return 2.0 ** -looks[-1] if looks else 1.0

    @property
    def decidable(self) -> bool:
        return bool(self.active_looks)

    def recorded(self) -> dict:
        """``record(...)`` fields of a case this plan decides: its hash and the smallest p it can reach
        (recorded before the case judges, so that a case that stops at an earlier check has them too)."""
        return {"plan_hash": self.plan_hash, "smallest_p": self.smallest_p}

    def capped(self, max_seeds: int) -> AnalysisPlan:
        """The plan under a scale's cap on seeds."""
        return AnalysisPlan(**{**asdict(self), "looks": tuple(self.looks), "max_seeds": max_seeds})


@dataclass(frozen=True)
class Decision:
    """A plan's conclusion on the per-seed values it was given (in seed order: prefixes decide)."""

    step: Step
    seeds_used: int  # the seeds whose values entered the decision (the last look reached)
    next_look: int | None  # where more seeds are needed: how many
    p_effect: float | None  # H0 "no effect" (mean <= 0 in the claim's direction)
    p_smaller: float | None  # H0 "an effect that matters" (mean >= SESOI)
    exact_p_effect: float | None  # the sign-flip test's p beside a t-test
    level: float  # the level each look's tests were held to
    test: str
    plan_hash: str
    smallest_p: float  # the smallest p the plan's design can reach
    values: tuple[float, ...] = field(default=())
    power: float | None = None  # the design's power at the SESOI (run_sequentially fills it in)

    def as_dict(self) -> dict:
        return {**asdict(self), "step": str(self.step), "values": list(self.values)}


def sign_flip_p(values: Sequence[float]) -> float:
    """One-sided exact sign-flip p of H0 "the per-seed values are symmetric about 0" against a positive
    mean (a zero flips to itself: ties are counted against the claim)."""
    d = np.asarray(values, dtype=np.float64)
    signs = 1 - 2 * ((np.arange(2 ** len(d))[:, None] >> np.arange(len(d))[None, :]) & 1)
    null = (signs * d[None, :]).mean(axis=1)
    return float(np.mean(null >= d.mean() - 1e-12))


def t_p(values: Sequence[float]) -> float:
    """One-sided one-sample t-test p of H0 "mean <= 0" (per-seed values roughly normal). Values with no
    spread at all (a quantized statistic can tie, such as lags in quarter epochs) leave the t statistic
    undefined, not infinite: their p is the exact sign-flip test's, 2^-n at best."""
    d = np.asarray(values, dtype=np.float64)
    if len(d) < 2:
        return 1.0
    if np.ptp(d) == 0:
        return sign_flip_p(d)
    t = d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))
    return float(sps.t.sf(t, len(d) - 1))


def decide(values: Sequence[float], plan: AnalysisPlan) -> Decision:
    """Walk the plan's looks over the per-seed ``values`` (seed order); see the module's docstring."""
    x = plan.direction * np.asarray(values, dtype=np.float64)
    level, looks = plan.alpha_per_look, plan.active_looks
    p_of = sign_flip_p if plan.test == SIGN_FLIP else t_p
    last: tuple[float | None, float | None, float | None] = (None, None, None)
    used = 0
    for look in looks:
        if len(x) < look:
            return _decision(Step.MORE_SEEDS, used, look, last, plan, values)
        prefix = x[:look]
        effect, smaller = p_of(prefix), p_of(plan.sesoi - prefix)
        last, used = (effect, smaller, sign_flip_p(prefix) if plan.test == T_TEST else None), look
        if effect <= level:
            return _decision(Step.PASS, used, None, last, plan, values)
        if smaller <= level:
            return _decision(Step.FAIL, used, None, last, plan, values)
    return _decision(Step.UNDECIDED, used, None, last, plan, values)


def _decision(
    step: Step, used: int, next_look: int | None, last: tuple, plan: AnalysisPlan, values: Sequence[float]
) -> Decision:
    return Decision(
        step,
        used,
        next_look,
        *last,
        level=plan.alpha_per_look,
        test=plan.test,
        plan_hash=plan.plan_hash,
        smallest_p=plan.smallest_p,
        values=tuple(float(v) for v in values[:used]),
    )


def decide_at_look(values: Sequence[float], plan: AnalysisPlan) -> Decision:
    """The plan's step at one look, on values computed for exactly that look's seeds (for statistics
    cross-fitted over the look's seeds, whose values change from look to look)."""
    looks = plan.active_looks
    single = replace(plan, looks=(len(values),), max_seeds=len(values), alpha=plan.alpha_per_look)
    decision = decide(values, single)
    if decision.step is Step.UNDECIDED and len(values) < looks[-1]:
        later = [n for n in looks if n > len(values)]
        decision = replace(decision, step=Step.MORE_SEEDS, next_look=later[0])
    return replace(decision, level=plan.alpha_per_look, smallest_p=plan.smallest_p, plan_hash=plan.plan_hash)


def run_on_prefixes(
    plan: AnalysisPlan, seeds: Sequence[int], values_of: Callable[[Sequence[int]], Sequence[float]]
) -> Decision:
    """As :func:`run_sequentially`, for a statistic whose value for one seed is computed with the
    other seeds of the look (cross-fitting): ``values_of(prefix)`` trains the prefix's runs and
    returns one value per seed of it; each look is judged once, on its own values, at the plan's
    per-look level."""
    decision = decide([], plan)
    for look in plan.active_looks:
        decision = decide_at_look(list(values_of(seeds[:look])), plan)
        if decision.step is not Step.MORE_SEEDS:
            break
    return replace(decision, power=power(plan))


def run_any(
    plans: dict[str, AnalysisPlan], seeds: Sequence[int], values_of: Callable[[int], dict[str, float]]
) -> tuple[Decision, dict[str, Decision]]:
    """Several arms of one claim (say, the rates of a grid), each with its plan at an equal share of
    the level (Bonferroni over the arms), on the same seeds: the claim passes where any arm passes,
    fails where every arm fails, and otherwise takes more seeds, look by look. ``values_of(seed)``
    trains that seed's runs and returns one value per arm. Returns the claim's decision (the passing
    arm's, else the least-failing arm's with the claim's step) and each arm's."""
    looks = next(iter(plans.values())).active_looks
    values: dict[str, list[float]] = {arm: [] for arm in plans}
    arms = {arm: decide([], plan) for arm, plan in plans.items()}
    for look in looks:
        for seed in seeds[len(next(iter(values.values()))) : look]:
            for arm, value in values_of(seed).items():
                values[arm].append(value)
        arms = {arm: replace(decide(values[arm], plan), power=power(plan)) for arm, plan in plans.items()}
        if any(d.step is Step.PASS for d in arms.values()) or all(d.step is Step.FAIL for d in arms.values()):
            break
    return _combined(arms), arms


def _combined(arms: dict[str, Decision]) -> Decision:
    steps = [d.step for d in arms.values()]
    if Step.PASS in steps:
        return min((d for d in arms.values() if d.step is Step.PASS), key=lambda d: d.p_effect)
    least_failing = max(arms.values(), key=lambda d: d.p_smaller if d.p_smaller is not None else 1.0)
    if all(step is Step.FAIL for step in steps):
        return least_failing
    step = Step.MORE_SEEDS if Step.MORE_SEEDS in steps else Step.UNDECIDED
    return replace(least_failing, step=step)


def run_sequentially(plan: AnalysisPlan, seeds: Sequence[int], value_of: Callable[[int], float]) -> Decision:
    """Train and judge look by look: ``value_of(seed)`` (which trains that seed's runs) is called for
    the seeds up to the plan's next look, in order, until the plan decides or its last look is
    reached. ``seeds`` are the case's seeds in order (at least ``max_seeds`` of them); a seed beyond
    the stopping point is never trained here, and a stored one never enters the verdict."""
    values: list[float] = []
    decision = decide(values, plan)
    for look in plan.active_looks:
        values += [value_of(seed) for seed in seeds[len(values) : look]]
        decision = decide(values, plan)
        if decision.step is not Step.MORE_SEEDS:
            break
    return replace(decision, power=power(plan))


def operating_characteristics(plan: AnalysisPlan, effect: float, draws: int = 2000, seed: int = 0) -> dict[str, float]:
    """How often the whole sequential design ends in each step when every seed's value is drawn from
    a normal with mean ``effect`` (in the claim's direction) and the plan's ``planning_sd``: at
    ``effect = sesoi`` the PASS share is the design's power, at 0 its false-pass rate. Seeded: the
    same plan always gives the same numbers."""
    rng = np.random.default_rng(seed)
    n = max(plan.active_looks, default=0)
    outcomes = [
        decide(plan.direction * rng.normal(effect, plan.planning_sd, n), plan).step if n else Step.UNDECIDED
        for _ in range(draws)
    ]
    return {str(step): outcomes.count(step) / draws for step in Step}


@lru_cache(maxsize=64)
def power(plan: AnalysisPlan, draws: int = 2000) -> float:
    """The design's power at the SESOI: the share of simulated cases that pass (see
    :func:`operating_characteristics`)."""
    return operating_characteristics(plan, plan.sesoi, draws)[str(Step.PASS)]


# ----------------------------------------------------------------------------- cases decided once

CRITERION = "criterion"
REJECTS, DOES_NOT_REJECT = "rejects", "does not reject"


@dataclass(frozen=True)
class FixedCheck:
    """One check of a case decided once, on every run its scale gives it (no looks, no more seeds): a
    ``test`` at ``level`` whose n counts ``unit``s, or a :data:`CRITERION` (a bound every run or estimate
    must meet, with no p). ``claim_holds_if`` the test :data:`REJECTS` its null (``far above chance``),
    or :data:`DOES_NOT_REJECT` it (``at chance``: the case fails where the test rejects)."""

    check: str
    test: str
    unit: str
    level: float | None = None
    claim_holds_if: str = REJECTS

    def __post_init__(self) -> None:
        if (self.test == CRITERION) != (self.level is None) or self.claim_holds_if not in (REJECTS, DOES_NOT_REJECT):
            raise ConfigError(f"a criterion has no level, a test has one and a direction: {self}")


@dataclass(frozen=True)
class FixedDesign:
    """How a case without looks decides: its checks, fixed with its claim test before the runs, and
    where its thresholds come from (``source``). Recorded with every verdict it decides: its hash and,
    per test, the smallest p the test could reach on this session's units (which depends on the seeds
    and images a scale gives it)."""

    checks: tuple[FixedCheck, ...]
    source: str = ""

    @property
    def plan_hash(self) -> str:
        """A short hash of the design (the same for every scale: the units' counts are recorded apart)."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]

    def recorded(self, tests: dict[str, dict], seeds: Sequence[int] | None = None) -> dict:
        """``record(...)`` fields of a case judged by this design: the design itself (each test with its
        p and the smallest p it could reach here, from ``tests``: the test's result by check name, with
        ``smallest_attainable_p`` and, where computed, ``p_value``), its hash, and the case's smallest
        reachable p: the largest over its tests (what its weakest test can show; None for criteria
        only). ``seeds`` where they are not the seeds of the case's runs (a case with no runs)."""
        if missing := [c.check for c in self.checks if c.test != CRITERION and c.check not in tests]:
            raise ConfigError(f"the result of the test of {missing} was not given")
        smallest = {name: result.get("smallest_attainable_p") for name, result in tests.items()}
        checks = [
            {**asdict(c), "smallest_p": smallest.get(c.check), "p": tests.get(c.check, {}).get("p_value")}
            for c in self.checks
        ]
        reach = [smallest[c.check] for c in self.checks if c.test != CRITERION and smallest[c.check] is not None]
        fields = {"design": checks, "plan_hash": self.plan_hash, "smallest_p": max(reach) if reach else None}
        return fields if seeds is None else {**fields, "seeds": list(seeds)}
