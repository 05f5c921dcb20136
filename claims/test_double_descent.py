"""Beyond the paper: Nakkiran et al. (2020), "Deep double descent"; Belkin et al. (2019).

D1: with label noise, test error against model size falls, peaks at the interpolation threshold
(the smallest model that fits its training set) and falls again: the error at the threshold is above
both a smaller model's and the largest model's. D2: label noise makes the peak: its height above its
neighbours is larger with noise than without. The experiment is the scale's width sweep
(rethink_core.scales.WidthSweep): a one-hidden-layer MLP on 4x4-pooled images, every width on the same
training set, with the sweep's label noise and without; each run stops when it fits or at the epoch
cap (narrow networks cannot fit: their final errors are recorded, they are not failures).
"""

from __future__ import annotations

import pytest

from rethink_core.experiment import RunResult, summarize_runs
from rethink_core.paper import NAKKIRAN_NOISE, NAKKIRAN_PEAK
from rethink_core.stats import accuracy_interval, proportions_contrast
from rethink_core.user_models import is_user_model
from rethink_core.verdicts import TREND_ALPHA, data_note, decided_by, headline, pooled_correct

THRESHOLD = (
    "the interpolation threshold is the smallest width of the grid at which every seed's run fitted its "
    "training set (100% eval-mode training accuracy) within the epoch cap"
)
LEFT = (
    "the smaller width with the lowest pooled test error; its test is Bonferroni-corrected for the number of "
    "smaller widths it was picked from"
)


def width_sweep(scale, lab) -> dict[bool, dict[int, list[RunResult]]]:
    """{noisy: {width: [runs, one per seed]}} of the scale's width sweep."""
    if any(is_user_model(m) for m in scale.architectures):
        pytest.skip("D1/D2 sweep the width of the paper's one-hidden-layer MLP: not applicable to a user model")
    if scale.width_sweep is None:
        pytest.skip(f"scale {scale.name!r} cannot afford the width sweep (about 80 s on 2 cores); use --scale default")
    return {
        noisy: {
            w: lab.run_all([scale.width_sweep_experiment(w, noisy, s) for s in scale.seed_list()])
            for w in scale.width_sweep.widths
        }
        for noisy in (True, False)
    }


def errors(runs: list[RunResult]) -> tuple[int, int]:
    """Wrong test predictions and test predictions, pooled over seeds."""
    correct, n = pooled_correct(runs)
    return n - correct, n


def peak(curve: dict[int, list[RunResult]]) -> dict:
    """The interpolation threshold of one sweep and the tests of its peak against its neighbours."""
    widths = list(curve)
    fitted = [w for w in widths if all(r.fitted for r in curve[w])]
    error = {w: errors(curve[w]) for w in widths}
    if not fitted:
        return {"threshold": None, "reason": "no width fitted its training set within the epoch cap"}
    threshold = fitted[0]
    smaller = [w for w in widths if w < threshold]
    result = {"threshold": threshold, "error": {w: k / n for w, (k, n) in error.items()}}
    if smaller:
        left = min(smaller, key=lambda w: error[w][0] / error[w][1])
        test = proportions_contrast([(1, *error[threshold]), (-1, *error[left])])
        result["left"] = {"width": left, **test, "p_value": min(1.0, test["p_value"] * len(smaller))}
    if threshold != widths[-1]:
        right = proportions_contrast([(1, *error[threshold]), (-1, *error[widths[-1]])])
        result["right"] = {"width": widths[-1], **right}
    neighbours = [result[side]["width"] for side in ("left", "right") if side in result]
    if neighbours:
        higher = max(neighbours, key=lambda w: error[w][0] / error[w][1])
        result["height"] = {"neighbour": higher, "terms": [(1, *error[threshold]), (-1, *error[higher])]}
    return result


def figure(curves: dict[bool, dict[int, list[RunResult]]], noise: float, what: str) -> dict:
    """Test error (``what`` "test") or final training accuracy ("train") against width, both sweeps."""
    series = {}
    for noisy, curve in curves.items():
        label = f"label noise {noise:.0%}" if noisy else "no label noise"
        if what == "test":
            pooled = {w: errors(rs) for w, rs in curve.items()}
            bounds = {w: accuracy_interval(k / n, n) for w, (k, n) in pooled.items()}
            values = {w: [1 - r.test_acc for r in rs] for w, rs in curve.items()}
            y = [pooled[w][0] / pooled[w][1] for w in curve]
            lo, hi = [bounds[w][0] for w in curve], [bounds[w][1] for w in curve]
        else:
            values = {w: [r.train_acc for r in rs] for w, rs in curve.items()}
            y = [sum(v) / len(v) for v in values.values()]
            lo = hi = None
        series[label] = {
            "x": list(curve),
            "y": y,
            "lo": lo,
            "hi": hi,
            "points": [[w, v] for w, vs in values.items() for v in vs],
        }
    title = "D1/D2: test error against width" if what == "test" else "D1/D2: final training accuracy against width"
    ylabel = "test error (clean test labels)" if what == "test" else "training accuracy (eval mode, at the end)"
    return {title: {"xlabel": "hidden units", "ylabel": ylabel, "xscale": "log", "series": series}}


def summary(result: dict) -> dict:
    """What the record keeps of a :func:`peak` result."""
    keep = ("threshold", "error", "reason")
    sides = {s: {k: result[s][k] for k in ("width", "estimate", "p_value")} for s in ("left", "right") if s in result}
    return {**{k: result[k] for k in keep if k in result}, **sides}


DEFINITIONS_D1 = {"interpolation threshold": THRESHOLD, "smaller width": LEFT}


@pytest.mark.claim("D1")
def test_label_noise_error_peaks_at_the_interpolation_threshold(scale, lab, record):
    """D1: with label noise, test error at the interpolation threshold is above both a smaller width's
    and the largest width's."""
    curves = width_sweep(scale, lab)
    noisy = peak(curves[True])
    sides = [noisy[s]["p_value"] for s in ("left", "right") if s in noisy]
    judged = max(sides) if len(sides) == 2 else 1.0
    record(f"MLP widths, {scale.width_sweep.noise:.0%} label noise", **d1_record(scale, curves, noisy, judged))
    assert noisy["threshold"] is not None, f"D1: {noisy['reason']}: the sweep has no interpolation threshold"
    assert len(sides) == 2, (
        f"D1: the threshold ({noisy['threshold']} units) is at an end of the grid {list(curves[True])}: "
        "no peak can be seen"
    )
    assert judged < TREND_ALPHA, (
        f"with label noise, test error at the threshold ({noisy['threshold']} units, "
        f"{noisy['error'][noisy['threshold']]:.1%}) is not above both neighbours: errors {noisy['error']}, "
        f"one-sided p left {noisy['left']['p_value']:.3g}, right {noisy['right']['p_value']:.3g}"
    )


def d1_record(scale, curves, noisy: dict, judged: float) -> dict:
    """D1's record: the noisy sweep's threshold and its tests against both neighbours, the test-error figure."""
    everything = [r for curve in curves.values() for rs in curve.values() for r in rs]
    any_run = next(iter(curves[True].values()))
    return dict(
        measured={"noisy sweep": summary(noisy), "widths": list(curves[True])},
        paper=NAKKIRAN_PEAK,
        statistics={"peak above the smaller width": noisy.get("left"), "peak above the largest": noisy.get("right")},
        headline=[
            headline(
                "interpolation threshold (hidden units)",
                noisy["threshold"],
                "peak there",
                "number",
                data_note(any_run, "CIFAR-10 (ResNet18 widths)"),
            ),
            *(
                headline(f"test error above width {noisy[s]['width']}", noisy[s]["estimate"], "above", "percent")
                for s in ("left", "right")
                if s in noisy
            ),
        ],
        decided_by=decided_by("larger one-sided p of the two sides", judged, f"< {TREND_ALPHA}"),
        definitions=DEFINITIONS_D1,
        figures=figure(curves, scale.width_sweep.noise, "test"),
        runs=summarize_runs(everything),
    )


DEFINITIONS_D2 = {
    "interpolation threshold": THRESHOLD,
    "peak height": "test error at the threshold minus that of its higher neighbour (the smaller width "
    "with the lowest error, or the largest width); negative where there is no peak",
}


@pytest.mark.claim("D2")
def test_label_noise_makes_the_peak(scale, lab, record):
    """D2: the peak's height above its higher neighbour is larger with label noise than without."""
    curves = width_sweep(scale, lab)
    noisy, clean = peak(curves[True]), peak(curves[False])
    decidable = "height" in noisy and "height" in clean
    test = higher_peak_test(noisy, clean) if decidable else None
    heights = peak_heights(noisy, clean)
    record("MLP widths, with and without label noise", **d2_record(scale, curves, noisy, clean, test, heights))
    assert decidable, f"D2: a sweep has no threshold with a neighbour (noisy {summary(noisy)}, clean {summary(clean)})"
    assert test["p_value"] < TREND_ALPHA, (
        f"the peak with label noise ({heights['noisy']:.1%}) is not higher than without ({heights['clean']:.1%}): "
        f"one-sided p = {test['p_value']:.3g}"
    )


def higher_peak_test(noisy: dict, clean: dict) -> dict:
    """One-sided test that the noisy sweep's peak height exceeds the clean one's."""
    return proportions_contrast(noisy["height"]["terms"] + [(-c, k, n) for c, k, n in clean["height"]["terms"]])


def peak_heights(noisy: dict, clean: dict) -> dict[str, float]:
    """Each sweep's peak height (threshold error minus its higher neighbour's), where it has one."""
    return {
        name: sum(c * k / n for c, k, n in result["height"]["terms"])
        for name, result in (("noisy", noisy), ("clean", clean))
        if "height" in result
    }


def d2_record(scale, curves, noisy: dict, clean: dict, test: dict | None, heights: dict) -> dict:
    """D2's record: both sweeps' peaks and heights, the test between them, the training-accuracy figure."""
    everything = [r for curve in curves.values() for rs in curve.values() for r in rs]
    return dict(
        measured={"peak height": heights, "noisy sweep": summary(noisy), "clean sweep": summary(clean)},
        paper=NAKKIRAN_NOISE,
        statistics={"noisy peak higher than clean": test},
        headline=[
            headline(
                "peak height with label noise",
                heights.get("noisy"),
                "prominent",
                "percent",
                data_note(next(iter(curves[True].values())), "CIFAR-10 (ResNet18 widths)"),
            ),
            headline("peak height without label noise", heights.get("clean"), "smaller", "percent"),
        ],
        decided_by=decided_by(
            "one-sided p (noisy height > clean height)", test["p_value"] if test else 1.0, f"< {TREND_ALPHA}"
        ),
        definitions=DEFINITIONS_D2,
        figures=figure(curves, scale.width_sweep.noise, "train"),
        runs=summarize_runs(everything),
    )
