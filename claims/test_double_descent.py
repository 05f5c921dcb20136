"""Beyond the paper: Nakkiran et al. (2020), "Deep double descent"; Belkin et al. (2019).

D1: with label noise, test error against model size falls, peaks at the interpolation threshold
(the smallest model that fits its training set) and falls again: the error at the threshold is above
both a smaller model's and the largest model's. D2: label noise makes the peak: its height above its
neighbours is larger with noise than without. The experiment is the scale's width sweep
(rethink_core.scales.WidthSweep): a one-hidden-layer MLP on 4x4-pooled images, every width on the same
training set, with the sweep's label noise and without; each run stops when it fits or at the epoch
cap (narrow networks cannot fit: their final errors are recorded, they are not failures). The seed is
the unit: each seed has its own threshold, its smaller neighbour is picked on the look's other seeds
(cross-fitted), and one peak height per seed is judged by an analysis plan that adds seeds look by look.
"""

from __future__ import annotations

import pytest

from rethink_core.experiment import RunResult, summarize_runs
from rethink_core.paper import NAKKIRAN_NOISE, NAKKIRAN_PEAK
from rethink_core.plan import run_on_prefixes
from rethink_core.user_models import is_user_model
from rethink_core.verdicts import data_note, headline, next_look_hint, plan_for

THRESHOLD = (
    "a seed's interpolation threshold is the smallest width of the grid at which that seed's run fitted its "
    "training set (100% eval-mode training accuracy) within the epoch cap"
)
LEFT = (
    "the smaller width (below the seed's threshold) with the lowest mean test error over the look's other "
    "seeds: cross-fitted, so that picking it does not bias the seed's own contrast"
)
HEIGHT = (
    "test error at the seed's threshold minus that of its higher neighbour (the smaller width, or the largest "
    "width); negative where there is no peak"
)

Curve = dict[int, dict[int, RunResult]]  # {width: {seed: run}}


def width_sweep(scale, lab, seeds: list[int]) -> dict[bool, Curve]:
    """{noisy: {width: {seed: run}}} of the scale's width sweep, for ``seeds``."""
    if any(is_user_model(m) for m in scale.architectures):
        pytest.skip("D1/D2 sweep the width of the paper's one-hidden-layer MLP: not applicable to a user model")
    if scale.width_sweep is None:
        pytest.skip(f"scale {scale.name!r} cannot afford the width sweep (about 80 s on 2 cores); use --scale default")
    return {
        noisy: {
            w: dict(zip(seeds, lab.run_all([scale.width_sweep_experiment(w, noisy, s) for s in seeds]), strict=True))
            for w in scale.width_sweep.widths
        }
        for noisy in (True, False)
    }


def seed_peak(curve: Curve, seed: int) -> dict:
    """One seed's interpolation threshold, its neighbours and the peak's height (:data:`HEIGHT`)."""
    widths = list(curve)
    error = {w: 1 - runs[seed].test_acc for w, runs in curve.items()}
    fitted = [w for w in widths if curve[w][seed].fitted]
    if not fitted:
        return {"seed": seed, "threshold": None, "reason": "no width fitted its training set within the epoch cap"}
    threshold = fitted[0]
    others = [s for s in curve[threshold] if s != seed]
    smaller = [w for w in widths if w < threshold]
    left = min(smaller, key=lambda w: sum(1 - curve[w][s].test_acc for s in others)) if smaller and others else None
    right = widths[-1] if threshold != widths[-1] else None
    neighbours = {side: w for side, w in (("left", left), ("right", right)) if w is not None}
    result = {"seed": seed, "threshold": threshold, "error": error[threshold], **neighbours}
    if neighbours:
        result["height"] = error[threshold] - max(error[w] for w in neighbours.values())
    return result


def peaks(curve: Curve) -> list[dict]:
    """:func:`seed_peak` for every seed of the curve."""
    return [seed_peak(curve, seed) for seed in next(iter(curve.values()))]


class NoPeak(AssertionError):
    """A seed's sweep has no threshold with the neighbours its claim compares it with."""

    def __init__(self, message: str, peaks: list[dict]) -> None:
        super().__init__(message)
        self.peaks = peaks


def d1_heights(scale, lab, seeds: list[int]) -> list[float]:
    """D1's per-seed statistic at one look: the noisy sweep's peak height, where a smaller and a larger
    width surround the threshold."""
    noisy = peaks(width_sweep(scale, lab, seeds)[True])
    for p in noisy:
        if not ("left" in p and "right" in p):
            raise NoPeak(f"D1: seed {p['seed']}: {p.get('reason', 'the threshold is at an end of the grid')}", noisy)
    return [p["height"] for p in noisy]


def d2_differences(scale, lab, seeds: list[int]) -> list[float]:
    """D2's per-seed statistic at one look: the noisy sweep's peak height minus the clean one's."""
    curves = width_sweep(scale, lab, seeds)
    noisy, clean = peaks(curves[True]), peaks(curves[False])
    for p in noisy + clean:
        if "height" not in p:
            raise NoPeak(f"D2: seed {p['seed']}: a sweep has no threshold with a neighbour", noisy + clean)
    return [n["height"] - c["height"] for n, c in zip(noisy, clean, strict=True)]


def figure(curves: dict[bool, Curve], noise: float, what: str) -> dict:
    """Test error (``what`` "test") or final training accuracy ("train") against width, both sweeps: the
    mean over seeds and each seed's point."""
    series = {}
    for noisy, curve in curves.items():
        label = f"label noise {noise:.0%}" if noisy else "no label noise"
        of = (lambda r: 1 - r.test_acc) if what == "test" else (lambda r: r.train_acc)
        values = {w: [of(r) for r in runs.values()] for w, runs in curve.items()}
        series[label] = {
            "x": list(curve),
            "y": [sum(v) / len(v) for v in values.values()],
            "points": [[w, v] for w, vs in values.items() for v in vs],
        }
    title = "D1/D2: test error against width" if what == "test" else "D1/D2: final training accuracy against width"
    ylabel = "test error (clean test labels)" if what == "test" else "training accuracy (eval mode, at the end)"
    return {title: {"xlabel": "hidden units", "ylabel": ylabel, "xscale": "log", "series": series}}


def judged_sweep(scale, lab, plan_name: str, values_of) -> tuple:
    """Run a D1/D2 plan look by look; (decision, the sweep of the seeds it used, or a NoPeak)."""
    plan, seeds = plan_for(plan_name, scale.max_seeds), scale.planned_seed_list()
    if not plan.decidable:  # one seed: the sweep is still trained and shown, the claim undecided by design
        return plan, None, width_sweep(scale, lab, scale.seed_list()), None
    try:
        decision = run_on_prefixes(plan, seeds, lambda prefix: values_of(scale, lab, list(prefix)))
    except NoPeak as missing:
        used = sorted({p["seed"] for p in missing.peaks})
        return plan, None, width_sweep(scale, lab, used), missing
    return plan, decision, width_sweep(scale, lab, seeds[: decision.seeds_used]), None


PLAN_OF = {"D1": "D1 peak", "D2": "D2 noise makes the peak"}


HAS_A_PEAK_TO_COMPARE = "every seed's sweep has an interpolation threshold with a higher neighbour"


def to_decide(claim: str, plan, decision, curves, missing, check) -> str:
    """Before a D1/D2 plan's decision is judged: a seed without a peak to compare fails the claim's premise
    (a named check), one seed is undecided by design (a skip); otherwise what more seeds would take (the
    decision's hint)."""
    check(HAS_A_PEAK_TO_COMPARE, not missing, str(missing))
    if decision is None:
        pytest.skip(f"{claim}: {plan.max_seeds} seed(s) cannot reach {plan.alpha} with a test over seeds")
    return next_look_hint(PLAN_OF[claim], claim, all_runs(curves), decision.seeds_used)


def all_runs(curves: dict[bool, Curve]) -> list[RunResult]:
    return [r for curve in curves.values() for runs in curve.values() for r in runs.values()]


DEFINITIONS_D1 = {
    "interpolation threshold": THRESHOLD,
    "smaller width": LEFT,
    "peak height": HEIGHT,
    "decision": "the plan of rethink_core/verdicts.py (PLANS['D1 peak']): per seed, the noisy sweep's peak "
    "height; pass when a one-sided t-test rejects 'no peak', fail when it rejects 'a peak of at least 2 points'",
}


@pytest.mark.claim("D1")
def test_label_noise_error_peaks_at_the_interpolation_threshold(scale, lab, record, check):
    """D1: with label noise, test error at each seed's interpolation threshold is above both a smaller
    width's and the largest width's."""
    plan, decision, curves, missing = judged_sweep(scale, lab, PLAN_OF["D1"], d1_heights)
    noisy = peaks(curves[True])
    record(
        f"MLP widths, {scale.width_sweep.noise:.0%} label noise",
        **plan.recorded(),
        **d1_record(scale, curves, noisy, decision),
    )
    hint = to_decide("D1", plan, decision, curves, missing, check)
    check.decision("test error peaks at the interpolation threshold", decision, hint)


def d1_record(scale, curves, noisy: list[dict], decision) -> dict:
    """D1's record: each seed's threshold, neighbours and peak height, the test-error figure."""
    heights = [p["height"] for p in noisy if "height" in p]
    thresholds = [p["threshold"] for p in noisy if p["threshold"] is not None]
    any_run = next(iter(curves[True].values()))
    return dict(
        measured={"noisy sweep, per seed": noisy, "widths": list(curves[True])},
        paper=NAKKIRAN_PEAK,
        statistics={"peak height: plan's decision": decision.as_dict() if decision else None},
        headline=[
            headline(
                "interpolation threshold (hidden units, median over seeds)",
                sorted(thresholds)[len(thresholds) // 2] if thresholds else None,
                "peak there",
                "number",
                data_note(list(any_run.values()), "CIFAR-10 (ResNet18 widths)"),
            ),
            headline("peak height above its higher neighbour (mean)", mean(heights), "above", "percent"),
        ],
        definitions=DEFINITIONS_D1,
        figures=figure(curves, scale.width_sweep.noise, "test"),
        runs=summarize_runs(all_runs(curves)),
    )


DEFINITIONS_D2 = {
    "interpolation threshold": THRESHOLD,
    "smaller width": LEFT,
    "peak height": HEIGHT,
    "decision": "the plan of rethink_core/verdicts.py (PLANS['D2 noise makes the peak']): per seed, the noisy "
    "sweep's peak height minus the clean one's; pass when a one-sided t-test rejects 'no difference', fail "
    "when it rejects 'a difference of at least 2 points'",
}


@pytest.mark.claim("D2")
def test_label_noise_makes_the_peak(scale, lab, record, check):
    """D2: seed by seed, the peak's height above its higher neighbour is larger with label noise than without."""
    plan, decision, curves, missing = judged_sweep(scale, lab, PLAN_OF["D2"], d2_differences)
    noisy, clean = peaks(curves[True]), peaks(curves[False])
    record(
        "MLP widths, with and without label noise",
        **plan.recorded(),
        **d2_record(scale, curves, noisy, clean, decision),
    )
    hint = to_decide("D2", plan, decision, curves, missing, check)
    check.decision("label noise makes the peak higher", decision, hint)


def d2_record(scale, curves, noisy: list[dict], clean: list[dict], decision) -> dict:
    """D2's record: both sweeps' per-seed peaks and heights, the training-accuracy figure."""
    heights = {
        name: mean([p["height"] for p in sweep if "height" in p])
        for name, sweep in (("noisy", noisy), ("clean", clean))
    }
    any_run = next(iter(curves[True].values()))
    return dict(
        measured={"peak height (mean)": heights, "noisy sweep, per seed": noisy, "clean sweep, per seed": clean},
        paper=NAKKIRAN_NOISE,
        statistics={"noisy minus clean height: plan's decision": decision.as_dict() if decision else None},
        headline=[
            headline(
                "peak height with label noise",
                heights["noisy"],
                "prominent",
                "percent",
                data_note(list(any_run.values()), "CIFAR-10 (ResNet18 widths)"),
            ),
            headline("peak height without label noise", heights["clean"], "smaller", "percent"),
        ],
        definitions=DEFINITIONS_D2,
        figures=figure(curves, scale.width_sweep.noise, "train"),
        runs=summarize_runs(all_runs(curves)),
    )


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
