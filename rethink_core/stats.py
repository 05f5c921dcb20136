"""The statistics that claims decide on (scipy), each returning plain numbers for the record."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats


def binomial_pvalue(correct: int, n: int, p: float, alternative: str = "two-sided") -> float:
    """p-value of ``correct`` successes out of ``n`` under a Binomial(n, p) null."""
    return float(stats.binomtest(correct, n, p, alternative=alternative).pvalue)


def accuracy_interval(accuracy: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson (exact) interval for an accuracy measured on ``n`` examples."""
    ci = stats.binomtest(round(accuracy * n), n).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


def chance_test(accuracy: float, n: int, chance: float) -> dict:
    """Is a test accuracy consistent with guessing? Two-sided binomial test against ``chance``."""
    correct = round(accuracy * n)
    return {
        "test": "two-sided binomial vs chance",
        "accuracy": accuracy,
        "n": n,
        "chance": chance,
        "p_value": binomial_pvalue(correct, n, chance),
        "interval95": accuracy_interval(accuracy, n),
    }


def above_test(accuracy: float, n: int, bound: float) -> dict:
    """Is a test accuracy above ``bound``? One-sided binomial test (H0: accuracy <= bound)."""
    correct = round(accuracy * n)
    return {
        "test": "one-sided binomial, H0: accuracy <= bound",
        "accuracy": accuracy,
        "n": n,
        "bound": bound,
        "p_value": binomial_pvalue(correct, n, bound, alternative="greater"),
        "interval95": accuracy_interval(accuracy, n),
        "smallest_attainable_p": float(bound**n),  # every prediction right (0.0: below float range)
    }


def above_in_every_seed(accuracies: Sequence[tuple[float, int]], bound: float) -> dict:
    """Is every seed's network above ``bound``? ``accuracies``: (test accuracy, test images) per seed.
    Given a trained network, its test images are independent draws, so a one-sided binomial test per
    seed is exact for that network's accuracy; the claim holds where every seed rejects (an
    intersection-union test: its p is the largest per-seed p, at the same level, no correction)."""
    per_seed = [above_test(accuracy, n, bound) for accuracy, n in accuracies]
    return {
        "test": "one-sided binomial per seed, H0: accuracy <= bound; every seed must reject",
        "accuracy per seed": [t["accuracy"] for t in per_seed],
        "p per seed": [t["p_value"] for t in per_seed],
        "n per seed": [t["n"] for t in per_seed],
        "bound": bound,
        "p_value": max(t["p_value"] for t in per_seed),
        "smallest_attainable_p": max(t["smallest_attainable_p"] for t in per_seed),
    }


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> dict:
    """Mean with a Student-t interval across seeds (the interval is None for a single value)."""
    values = [float(v) for v in values]
    mean = sum(values) / len(values)
    if len(values) < 2:
        return {"mean": mean, "interval95": None, "n": len(values), "values": values}
    sem = stats.sem(values)
    half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * sem) if sem > 0 else 0.0
    return {"mean": mean, "interval95": (mean - half, mean + half), "n": len(values), "values": values}


def difference_interval(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> dict:
    """Difference of the means of two independent samples, with Welch's t interval (standard error
    sqrt(var_a / n_a + var_b / n_b), Welch-Satterthwaite degrees of freedom)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    diff = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return {"test": "difference of means, Welch t interval", "mean": diff, "interval95": (diff, diff)}
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df) * se)
    return {"test": "difference of means, Welch t interval", "mean": diff, "interval95": (diff - half, diff + half)}


def spearman_trend(
    x: Sequence[float],
    y: Sequence[float],
    blocks: Sequence[object] | None = None,
    resamples: int = 20_000,
    seed: int = 0,
) -> dict:
    """Does ``y`` increase with ``x``? Spearman's rank correlation with a one-sided permutation
    p-value (H0: the pairing of x and y is arbitrary). Exact over all pairings when there are at most
    ``resamples`` of them, Monte Carlo otherwise. (scipy's default t-approximation is far off for a
    few points: it gives p = 0 for three points in order, whose exact p is 1/6.)

    ``blocks`` (one label per point, e.g. the seed of each run) makes it a randomized-block test,
    the idea of Page's trend test: rho is computed within each block and averaged, and y is
    permuted only within blocks, so a difference between blocks (one seed's runs all slower) is
    not counted as noise. Without ``blocks`` all points form one block."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    labels = [0] * len(x) if blocks is None else list(blocks)
    if len(labels) != len(x) or len(y) != len(x):
        raise ValueError(f"x, y and blocks differ in length: {len(x)}, {len(y)}, {len(labels)}")
    members = [[i for i, b in enumerate(labels) if b == block] for block in dict.fromkeys(labels)]
    rank_x = [stats.rankdata(x[idx]) for idx in members]

    def mean_rho(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
        rhos = [
            _pearson(np.broadcast_to(rx, sample.shape), stats.rankdata(sample, axis=axis))
            for rx, sample in zip(rank_x, samples, strict=True)
        ]
        return np.mean(rhos, axis=0)

    result = stats.permutation_test(
        [y[idx] for idx in members],
        mean_rho,
        permutation_type="pairings",
        alternative="greater",
        n_resamples=resamples,
        vectorized=True,
        random_state=np.random.default_rng(seed),
    )
    within = "" if len(members) == 1 else f", within each of {len(members)} blocks (mean rho), permuted within blocks"
    return {
        "test": f"Spearman rank correlation{within}, one-sided permutation test",
        "rho": float(result.statistic),
        "p_value": float(result.pvalue),
        "n": len(x),
        "blocks": len(members),
        "smallest_attainable_p": smallest_trend_p([len(idx) for idx in members], resamples),
    }


def smallest_trend_p(block_sizes: Sequence[int], resamples: int = 20_000) -> float:
    """The smallest p-value :func:`spearman_trend` can return for blocks of these sizes (every point
    in order): one over the number of within-block pairings when exact, 1/(resamples + 1) when
    Monte Carlo. A trend claim on fewer points cannot be decided."""
    pairings = math.prod(math.factorial(n) for n in block_sizes)
    return 1 / pairings if pairings <= resamples else 1 / (resamples + 1)


def _pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    denom = np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    return np.where(denom > 0, (a * b).sum(axis=-1) / np.where(denom > 0, denom, 1), 0.0)


def first_epoch_below(losses: Sequence[float], level: float) -> int | None:
    """1-based epoch at which a loss curve first falls below ``level`` (None if never)."""
    for epoch, loss in enumerate(losses, start=1):
        if loss < level:
            return epoch
    return None


def chance_loss(num_classes: int) -> float:
    """Cross-entropy of a uniform guess, ln(k): where a network that has learnt nothing sits."""
    return math.log(num_classes)


def class_permutation_test(confusions: Sequence[Sequence[Sequence[int]]], draws: int = 20_000, seed: int = 0) -> dict:
    """Is the test accuracy of networks trained on random labels consistent with chance?

    A binomial test over test images is wrong here: a network trained on random labels still maps
    each true class's images (which look alike) mostly to one and the same label, so its correct
    answers come in class-sized clumps, and its accuracy varies far more than a binomial's. What is
    random is the labelling: renaming the random classes by a permutation pi turns a trained
    network's predictions into pi(predictions). So under "nothing about the true labels was
    learnt", the accuracy is distributed as the accuracy of the confusion matrix with its predicted
    classes permuted uniformly at random (independently per seed). Two-sided Monte Carlo p-value of
    the mean accuracy over seeds, about that distribution's mean (chance, 1/k)."""
    mats = [np.asarray(c, dtype=np.float64) for c in confusions]
    k = mats[0].shape[0]
    observed = float(np.mean([np.trace(m) / m.sum() for m in mats]))
    null = _permutation_null(mats, draws, seed)
    center = 1.0 / k
    p_value = (1 + np.sum(np.abs(null - center) >= abs(observed - center) - 1e-12)) / (draws + 1)
    return {
        "test": "two-sided class-permutation test vs chance",
        "accuracy": observed,
        "chance": center,
        "p_value": float(p_value),
        "null_95pct_range": (float(np.quantile(null, 0.025)), float(np.quantile(null, 0.975))),
        "seeds": len(mats),
        "smallest_attainable_p": 1 / (draws + 1),  # the Monte Carlo resolution
    }


def _permutation_null(mats: list[np.ndarray], draws: int, seed: int) -> np.ndarray:
    """The mean accuracy over seeds with each seed's predicted classes renamed by a uniformly random
    permutation (see :func:`class_permutation_test`), ``draws`` times."""
    rng = np.random.default_rng(seed)
    k = mats[0].shape[0]
    null = np.zeros(draws)
    for m in mats:
        perms = np.argsort(rng.random((draws, k)), axis=1)  # perms[d, true class] = predicted class counted correct
        null += m[np.arange(k)[None, :], perms].sum(axis=1) / m.sum()
    return null / len(mats)


SEEDS_FOR_OWN_SPREAD = 5  # from this many seeds on, "at chance" takes its spread from the seeds themselves


def chance_equivalence_test(
    confusions: Sequence[Sequence[Sequence[int]]], margin: float, draws: int = 20_000, seed: int = 0
) -> dict:
    """Is the test accuracy of networks trained on random labels within ``margin`` of chance (1/k)?

    Two one-sided tests (TOST): "accuracy <= chance - margin" and "accuracy >= chance + margin" must
    both be rejected (``p_value``, the larger of the two); ``p_outside`` tests the opposite, "within
    the margin", on the observed side (Bonferroni over the two sides): where it rejects, the accuracy
    is a margin or more away from chance. The spread: with :data:`SEEDS_FOR_OWN_SPREAD` seeds or more,
    the per-seed accuracies' own (one-sample t-tests, roughly normal per-seed accuracies); with fewer,
    the class-permutation null's (see :func:`class_permutation_test`), shifted to each boundary
    (assumption: moving the true accuracy by d moves the observed one by d, its spread unchanged)."""
    mats = [np.asarray(c, dtype=np.float64) for c in confusions]
    k = mats[0].shape[0]
    per_seed = np.array([np.trace(m) / m.sum() for m in mats])
    observed, center = float(per_seed.mean()), 1.0 / k
    if len(mats) >= SEEDS_FOR_OWN_SPREAD:
        se = float(per_seed.std(ddof=1) / math.sqrt(len(mats))) or 1e-12
        df = len(mats) - 1
        p_low = float(stats.t.sf((observed - (center - margin)) / se, df))
        p_high = float(stats.t.cdf((observed - (center + margin)) / se, df))
        beyond = abs(observed - center) - margin
        p_outside = float(min(1.0, 2 * stats.t.sf(beyond / se, df)))
        spread, smallest = f"the {len(mats)} seeds' own (t, {df} degrees of freedom)", 0.0
    else:
        null = _permutation_null(mats, draws, seed)
        p_low = (1 + np.sum(null >= observed + margin - 1e-12)) / (draws + 1)
        p_high = (1 + np.sum(null <= observed - margin + 1e-12)) / (draws + 1)
        side = np.sum(null >= observed - margin - 1e-12) if observed >= center else np.sum(null <= observed + margin)
        p_outside = min(1.0, 2 * (1 + side) / (draws + 1))
        spread, smallest = "the class-permutation null's, shifted to each boundary", 1 / (draws + 1)
    return {
        "test": f"two one-sided tests (TOST) vs chance +- {margin:g}",
        "accuracy": observed,
        "accuracy per seed": per_seed.tolist(),
        "chance": center,
        "margin": margin,
        "spread": spread,
        "p_value": float(max(p_low, p_high)),
        "p_below": float(p_low),
        "p_above": float(p_high),
        "p_outside": float(p_outside),
        "seeds": len(mats),
        "smallest_attainable_p": smallest,
    }


EXACT_UP_TO = 16  # 2^16 sign patterns: beyond that the exact test's table outgrows memory


def paired_order_test(differences: Sequence[float]) -> dict:
    """Is a difference positive, paired by seed? One-sided sign-flip permutation test of the mean of
    per-seed differences (H0: each difference is symmetric about 0), exact over all 2^n sign patterns
    up to :data:`EXACT_UP_TO` differences, else over 2^16 seeded random patterns (a reported statistic
    of many runs). The smallest attainable p-value is 2^-n: seven seeds are needed to reach 0.01."""
    d = np.asarray(differences, dtype=np.float64)
    n = len(d)
    if n <= EXACT_UP_TO:
        signs = 1 - 2 * ((np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1)  # every pattern of +-1
    else:
        signs = np.random.default_rng(0).choice([-1, 1], size=(2**16, n))
    null = (signs * d[None, :]).mean(axis=1)
    observed = float(d.mean())
    return {
        "test": "one-sided sign-flip permutation test on per-seed differences "
        + ("(exact)" if n <= EXACT_UP_TO else "(2^16 random sign patterns)"),
        "mean_difference": observed,
        "differences": d.tolist(),
        "n": n,
        "p_value": float(np.mean(null >= observed - 1e-12)),
        "smallest_attainable_p": 2.0 ** -int(np.count_nonzero(d)),  # a zero difference flips to itself
    }


def best_of_k_gain_test(
    gains: Sequence[float],
    accuracies: Sequence[float],
    evaluations: Sequence[int],
    n_test: int,
    draws: int = 20_000,
    seed: int = 0,
) -> dict:
    """Is the gain of an oracle's early stopping (best test accuracy seen over a run's evaluations
    minus its final one) more than the noise of picking the best of k readings?

    Null: each run's test accuracy was its final accuracy ``a`` at all of its ``k`` evaluations, each
    reading an independent Binomial(n_test, a) / n_test. Simulates the mean gain over the runs under
    that null; one-sided Monte Carlo p-value of the observed mean gain, and the null's 99th
    percentile (the largest mean gain that noise alone gives in 99 of 100 repeats)."""
    rng = np.random.default_rng(seed)
    null = np.zeros(draws)
    for a, k in zip(accuracies, evaluations, strict=True):
        readings = rng.binomial(n_test, a, size=(draws, k)) / n_test
        null += readings.max(axis=1) - readings[:, -1]
    null /= len(gains)
    observed = float(np.mean(gains))
    return {
        "test": "one-sided Monte Carlo test vs the best of k binomial readings",
        "mean_gain": observed,
        "null_mean": float(null.mean()),
        "null_99pct": float(np.quantile(null, 0.99)),
        "runs": len(gains),
        "n_test": n_test,
        "p_value": float((1 + np.sum(null >= observed - 1e-12)) / (draws + 1)),
        "smallest_attainable_p": 1 / (draws + 1),
    }


def held_out_early_stopping_gain(correct: np.ndarray, delta: float) -> dict:
    """What early stopping would gain on images it did not choose on (Figure 2, G4), cross-fitted.

    ``correct``: one row per test evaluation of a run, in order (the last is the final model), one
    column per test image, True where right. The test set is split once, into even- and odd-numbered
    images; the evaluation with the best accuracy on one half (the first of ties) is measured on the
    other against the final model, both ways. Per image, the paired difference d (right at the chosen
    evaluation minus right at the end: -1, 0 or 1); the gain is their mean over all images.
    ``p_value`` tests H0 "gain >= delta" (the claim "no gain" holds where it rejects), ``p_gain`` H0
    "gain <= 0"; one-sided z-tests over images, independent draws given the network (the choice was
    made on the other half). At the boundary delta the spread of d is at least sqrt(delta (1 - delta))
    (d in {-1, 0, 1}), used where the observed one is smaller."""
    correct = np.asarray(correct, dtype=bool)
    halves = (np.arange(correct.shape[1]) % 2 == 0, np.arange(correct.shape[1]) % 2 == 1)
    chosen, d = [], []
    for pick, measure in (halves, halves[::-1]):
        best = int(np.argmax(correct[:, pick].mean(axis=1)))
        chosen.append(best)
        d.append(correct[best, measure].astype(float) - correct[-1, measure].astype(float))
    diffs = np.concatenate(d)
    n, gain, sd = len(diffs), float(diffs.mean()), float(diffs.std(ddof=1)) if len(diffs) > 1 else 0.0
    boundary_se = max(sd, math.sqrt(delta * (1 - delta))) / math.sqrt(n)
    p_gain = float(stats.norm.sf(gain / (sd / math.sqrt(n)))) if sd > 0 else (0.0 if gain > 0 else 1.0)
    return {
        "test": f"one-sided z-tests over held-out test images (cross-fitted halves), H0: gain >= {delta:g}",
        "gain": gain,
        "chosen evaluations (even half, odd half)": chosen,
        "n": n,
        "delta": delta,
        "p_value": float(stats.norm.cdf((gain - delta) / boundary_se)),
        "p_gain": p_gain,
        "smallest_attainable_p": 0.0,  # a z-test's p has no floor
    }


def proportions_contrast(terms: Sequence[tuple[float, int, int]], above: float = 0.0, confidence: float = 0.95) -> dict:
    """Is a weighted sum of proportions, sum of c * (k / n) over ``terms`` (c, k, n), above ``above``?
    Wald normal approximation: standard error sqrt(sum c^2 p (1 - p) / n) with each proportion's own
    variance, treating the proportions as independent. Where two of them were counted on the same
    examples (two models on one test set) they are positively correlated and this overstates the
    error of their difference, so the test is conservative there. One-sided p-value of H0 "contrast
    <= above", and a two-sided ``confidence`` interval."""
    estimate = sum(c * k / n for c, k, n in terms)
    se = math.sqrt(sum(c * c * (k / n) * (1 - k / n) / n for c, k, n in terms))
    z_crit = float(stats.norm.ppf(0.5 + confidence / 2))
    if se == 0:
        p_value = 0.0 if estimate > above else 1.0
    else:
        p_value = float(stats.norm.sf((estimate - above) / se))
    return {
        "test": "one-sided Wald z-test on a contrast of proportions",
        "estimate": estimate,
        "above": above,
        "standard_error": se,
        "p_value": p_value,
        "interval95": (estimate - z_crit * se, estimate + z_crit * se),
        "terms": [list(t) for t in terms],
    }
