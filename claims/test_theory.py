"""Sections 2.2, 4 and 5 of Zhang et al. (2017): the theory claims T1-T4.

T1 (Theorem 1): a two-layer ReLU network with 2n + d weights fits any real targets on any n
distinct points in d dimensions.
T2 (Section 5): SGD on under-determined least squares, started at zero, converges to the
minimum-norm solution X^T (X X^T)^-1 y.
T3 (Section 5): exact kernel interpolation (no regularization) generalizes, and the minimum norm
does not predict generalization (what ridge regularization changes is reported).
T4 (Section 2.2): the empirical Rademacher complexity of networks that fit random labels is
about 1, the trivial bound.

These are exact or universally quantified statements: hypothesis draws the samples for T1 and T2,
and T3 and T4 run on real images at the scale's size (``scale.theory``: rethink_core.scales.THEORY).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rethink_core import data as data_mod
from rethink_core import expressivity, kernels, linear, rademacher
from rethink_core.errors import DataError
from rethink_core.paper import RANDOM_LABELS
from rethink_core.plan import CRITERION, FixedCheck, FixedDesign
from rethink_core.stats import above_test, difference_interval, mean_interval
from rethink_core.train import accuracy
from rethink_core.verdicts import decided_by, headline

DATA_NAMES = {"embedded": "Fashion-MNIST (embedded subset)", "fashion-mnist": "Fashion-MNIST", "mnist": "MNIST"}
U = np.finfo(np.float64).eps / 2  # unit roundoff of float64
# T3: "generalizes" is accuracy significantly above this (see the assertion).
GENERALIZES_BOUND = 0.5
# T4: the linear class (halfspaces on this many principal components), its number of sign draws
# (least squares is cheap), "about 1" for the network class and "far below 1" for the linear one
# (see the assertions).
LINEAR_FEATURES, LINEAR_DRAWS = 5, 200
NETWORK_BOUND = 2 * RANDOM_LABELS["mlp1x512"][0] / 100 - 1
FAR_BELOW_ONE = 0.5


# T1-T4 decide once (rethink_core.plan.FixedDesign). T1 and T2 are exact statements checked on every
# example hypothesis draws (derandomized: the same examples every session) to within rounding.
HYPOTHESIS_EXAMPLE = "hypothesis example (derandomized)"
T1_DESIGN = FixedDesign(
    (
        FixedCheck("every drawn sample fitted to within rounding", CRITERION, HYPOTHESIS_EXAMPLE),
        FixedCheck("random labels on real images fitted, with d + n + nk weights", CRITERION, "image"),
    ),
    "Theorem 1",
)
T2_DESIGN = FixedDesign(
    (FixedCheck("SGD ends at the minimum-norm solution to within rounding", CRITERION, HYPOTHESIS_EXAMPLE),),
    "Section 5: SGD from zero on least squares",
)
GENERALIZES = FixedCheck(
    f"interpolation on pixels generalizes (accuracy above {GENERALIZES_BOUND})",
    "one-sided binomial test",
    "test image",
    1e-6,
)
BETTER_WITH_LARGER_NORM = FixedCheck(
    "the filter bank's errors are fewer (and its norm larger)", "exact McNemar test", "test image (paired)", 0.01
)
T3_DESIGN = FixedDesign(
    (FixedCheck("every map interpolates", CRITERION, "training image"), GENERALIZES, BETTER_WITH_LARGER_NORM),
    "Section 5: kernel interpolation on MNIST",
)
ABOUT_ONE = FixedCheck(
    "the network's estimate is about 1", "one-sided t-test (the 95% interval's lower end)", "sign draw", 0.025
)
FAR_BELOW = FixedCheck(
    "the linear estimate is far below 1", "one-sided t-test (the 95% interval's upper end)", "sign draw", 0.025
)
T4_GAP = FixedCheck("the gap between them", "one-sided Welch t-test (the 95% interval's lower end)", "sign draw", 0.025)
T4_DESIGN = FixedDesign((ABOUT_ONE, FAR_BELOW, T4_GAP), "Section 2.2: Rademacher complexity about 1")


@pytest.fixture(autouse=True)
def one_thread():
    """Small linear algebra and tiny networks: a second torch thread gains little alone, and on
    shared cores costs many-fold (docs/findings.md, "Threads")."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def hypothesis_settings(examples: int) -> settings:
    """The same examples on every run (derandomized, no example database): a claim's verdict does
    not depend on what an earlier session happened to find."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


def search(prop) -> BaseException | None:
    """Run a hypothesis property; the (shrunk) failure it raised, or None. Lets a claim record what
    it measured before asserting."""
    try:
        prop()
    except Exception as exc:  # AssertionError, or an error the library raised on a drawn sample
        return exc
    return None


def load_split(name: str, settings, n_train: int, n_test: int) -> data_mod.Tensors:
    raw = data_mod.load(name, settings.root, settings.download)
    if n_train > len(raw.y_train) or n_test > len(raw.y_test):
        pytest.skip(f"{name} has {len(raw.y_train)}/{len(raw.y_test)} images; this claim needs {n_train}/{n_test}")
    return data_mod.preprocess(data_mod.take(raw, n_train, n_test))


# ----------------------------------------------------------------------------- T1


@st.composite
def point_sets(draw):
    """n points in d dimensions and real targets: Gaussian, tightly clustered, near-duplicate pairs,
    integer lattice, or on one line; scaled over 12 orders of magnitude; sometimes with repeated
    points carrying the same target. Near duplicates stay at least 1e-7 apart relative to the data's
    scale, so that distinct points are distinct in float64 projections."""
    n, d = draw(st.integers(1, 40)), draw(st.integers(1, 12))
    kind = draw(st.sampled_from(["gaussian", "clustered", "near_duplicates", "lattice", "line"]))
    scale, offset = 10.0 ** draw(st.integers(-6, 6)), draw(st.sampled_from([0.0, 1.0, 10.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "gaussian":
        z = rng.standard_normal((n, d))
    elif kind == "clustered":
        z = rng.standard_normal((3, d))[rng.integers(0, 3, n)] + 1e-3 * rng.standard_normal((n, d))
    elif kind == "near_duplicates":
        base = rng.standard_normal((math.ceil(n / 2), d))
        z = np.vstack([base, base + 10.0 ** -draw(st.integers(3, 7)) * rng.standard_normal(base.shape)])[:n]
    elif kind == "lattice":
        z = np.unique(rng.integers(0, 3, (n, d)).astype(np.float64), axis=0)
    else:
        z = rng.standard_normal(n)[:, None] * rng.standard_normal(d)[None, :]
        z = np.unique(z, axis=0)
    z = scale * (z + offset * rng.standard_normal(d))
    if draw(st.booleans()):
        y = 10.0 ** draw(st.integers(-3, 3)) * rng.standard_normal(len(z))
    else:
        y = np.array(draw(st.lists(st.floats(-1e3, 1e3), min_size=len(z), max_size=len(z))))
    distinct = len(z)
    if draw(st.booleans()):  # repeat some points with their own targets: still fit, counted once
        again = rng.integers(0, len(z), max(1, len(z) // 4))
        z, y = np.vstack([z, z[again]]), np.concatenate([y, y[again]])
    return kind, z, y, distinct


PAPER_T1 = "2n + d weights fit any real targets on any n distinct points in d dimensions, exactly (Theorem 1)"
DEFINITIONS_T1 = {
    "rounding bound": "4 (n u (|A||w|)_i + d u (|a|.|z_i|) sum_j |w_j|) + 4 u |c(z_i)| + 4 (n + d) eta, "
    "u = 2^-53, eta = 2^-1074: forward substitution's backward error, the projection's rounding, underflow",
    "kinds": "Gaussian, 3 tight clusters (spread 1e-3), near-duplicate pairs (1e-3 to 1e-7 apart), "
    "integer lattice {0,1,2}^d, points on a line; scaled by 1e-6 to 1e6, optionally offset",
}


@pytest.mark.claim("T1")
def test_two_layer_relu_network_with_2n_plus_d_weights_fits_any_labels_on_n_points(scale, settings, record):
    """T1, Theorem 1: there is a two-layer ReLU network with 2n + d weights that represents any
    function on a sample of n distinct points in d dimensions; as a torch module it fits random
    labels on real images through the trainer's own accuracy code."""
    size = scale.theory
    start = time.perf_counter()
    worst = {"error / bound": 0.0, "relative error": 0.0, "examples": 0, "max n": 0, "kinds": set()}
    failure = search(exact_fit_property(size, worst))
    # The same construction on real images with random labels, one output per class (one-hot
    # targets: a and b shared, d + n + n k weights), scored by rethink_core.train.accuracy.
    n = size.t1_images
    images = load_split(scale.dataset, settings, n, 1)
    labels = torch.from_numpy(np.random.default_rng(0).integers(0, 10, n))
    module = expressivity.Theorem1Net.fit(images.x_train, torch.eye(10, dtype=torch.float64)[labels])
    train_acc = accuracy(module, images.x_train, labels)
    weights, d = sum(p.numel() for p in module.parameters()), images.x_train[0].numel()
    rejected = coinciding_points_rejected()
    record("Theorem 1", **t1_record(worst, failure, n, train_acc, weights, rejected, start))
    assert failure is None, f"Theorem 1's construction failed on a drawn sample: {failure!r}"
    assert weights == d + n + 10 * n, f"{weights} weights, expected d + n + n k = {d + n + 10 * n}"
    assert train_acc == 1.0, f"the construction reached training accuracy {train_acc} on random labels, not 1"
    assert rejected is not None, "coinciding points with different targets were not rejected"


def exact_fit_property(size, worst: dict):
    """T1's hypothesis property over :func:`point_sets`: the construction fits every sample exactly
    (numpy and torch) with 2n + d weights; ``worst`` collects the largest errors seen. (Its source,
    decorators and indentation included, seeds hypothesis's derandomized examples: keep it as is.)"""

    @hypothesis_settings(size.t1_examples)
    @given(sample=point_sets())
    def prop(sample):
        kind, z, y, distinct = sample
        net = expressivity.construct(z, y)
        error, bound = np.abs(net(z) - y), net.tolerance(z)
        torch_error = np.abs(expressivity.Theorem1Net(net)(torch.from_numpy(z)).detach().numpy() - y)
        worst["error / bound"] = max(
            worst["error / bound"], float((np.maximum(error, torch_error) / np.maximum(bound, 1e-300)).max())
        )
        worst["relative error"] = max(worst["relative error"], float(error.max() / max(np.abs(y).max(), 1e-300)))
        worst["examples"] += 1
        worst["max n"] = max(worst["max n"], distinct)
        worst["kinds"].add(kind)
        assert net.num_weights == 2 * distinct + z.shape[1], (
            f"{net.num_weights} weights for n={distinct}, d={z.shape[1]}"
        )
        # Exact up to floating point: |c(z_i) - y_i| within the rigorous rounding bound of the
        # construction (forward substitution's backward error n u |A||w| plus the projection's
        # d u |a|.|z| times the Lipschitz constant sum |w|; Construction.tolerance), for numpy and torch.
        assert (error <= bound).all() and (torch_error <= bound).all(), f"{kind}: error {error.max():.3g}"

    return prop


def coinciding_points_rejected() -> str | None:
    """The construction's error message for two coinciding points with different targets (None: accepted)."""
    try:
        expressivity.construct(np.zeros((2, 3)), np.array([0.0, 1.0]))
    except DataError as exc:
        return str(exc)
    return None


def t1_record(worst: dict, failure, n: int, train_acc: float, weights: int, rejected, start: float) -> dict:
    """T1's record: the worst sample, the fit on real images, the rejection of coinciding points."""
    return dict(
        measured={
            "hypothesis examples": worst["examples"],
            "largest n": worst["max n"],
            "kinds": ", ".join(sorted(worst["kinds"])),
            "max |c(z) - y| / rounding bound": worst["error / bound"],
            "max |c(z) - y| / max |y|": worst["relative error"],
            f"random labels on {n} images: train acc": train_acc,
            "weights (d + n + 10 n)": weights,
            "coinciding points, different targets": "DataError" if rejected else "accepted",
            "seconds": round(time.perf_counter() - start, 2),
        },
        paper=PAPER_T1,
        statistics={"first failing example": repr(failure)[:500]} if failure else None,
        headline=[
            headline(f"random labels on {n} images: training accuracy", train_acc, 1.0, "percent"),
            headline("hypothesis samples fitted exactly", worst["examples"] - (failure is not None), None, "number"),
        ],
        decided_by=decided_by("max |c(z) - y| / rounding bound", worst["error / bound"], "<= 1 on every sample"),
        definitions=DEFINITIONS_T1,
        **T1_DESIGN.recorded({}, seeds=[0]),  # seed 0 draws the real images' random labels
    )


# ----------------------------------------------------------------------------- T2


@st.composite
def least_squares_problems(draw):
    """X (n x d, n < d, full row rank, condition number kappa <= 10, scale 1e-3..1e3), Gaussian y,
    and a start w0 (Gaussian, scale 1e-2..1e2). The condition number bounds SGD's epochs
    (about 7 kappa^2 to reach a 1e-10 backward error)."""
    n = draw(st.integers(1, 16))
    d = draw(st.integers(n + 1, 64))
    kappa = draw(st.floats(1.0, 10.0))
    X, y = linear.conditioned_problem(n, d, kappa, 10.0 ** draw(st.integers(-3, 3)), draw(st.integers(0, 2**32 - 1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return X, y * 10.0 ** draw(st.integers(-2, 2)), 10.0 ** draw(st.integers(-2, 2)) * rng.standard_normal(d), kappa


PAPER_T2 = "SGD from w = 0 converges to the minimum-norm solution X^T (X X^T)^-1 y (Section 5)"
DEFINITIONS_T2 = {
    "SGD": "one sample at a time, fresh random order per epoch, constant step 1 / max_i ||x_i||^2, "
    "until ||X w - y|| <= 1e-10 (||X||_F ||w|| + ||y||)",
    "problems": "n in 1..16, d in n+1..64, condition number 1..10, scales 1e-3..1e3",
}


@pytest.mark.claim("T2")
def test_sgd_from_zero_converges_to_the_minimum_norm_solution(scale, record):
    """T2: for linear least squares with more parameters than samples, SGD started at w = 0 stays in
    the span of the data and converges to the minimum-norm solution X^T (X X^T)^-1 y; started at
    w0 it converges to w0's null-space part plus that solution."""
    start = time.perf_counter()
    worst = {"zero: dist / norm": 0.0, "off rowspace / norm": 0.0, "w0: dist / norm": 0.0, "epochs": 0, "examples": 0}
    gaps = []
    failure = search(min_norm_property(scale, worst, gaps))
    record("SGD on least squares", **t2_record(worst, gaps, failure, start))
    assert failure is None, f"T2 failed on a drawn problem: {failure!r}"


def min_norm_property(scale, worst: dict, gaps: list):
    """T2's hypothesis property over :func:`least_squares_problems`: SGD from 0 stays in the row space
    and ends at the minimum-norm solution, from w0 at w0's null-space part plus it, up to rounding;
    ``worst`` and ``gaps`` collect what was seen. (Its source, decorators and indentation included,
    seeds hypothesis's derandomized examples: keep it as is.)"""

    @hypothesis_settings(scale.theory.t2_examples)
    @given(problem=least_squares_problems())
    def prop(problem):
        X, y, w0, kappa = problem
        n, d = X.shape
        w_min = linear.min_norm_solution(X, y)
        from_zero = linear.sgd(X, y)
        from_w0 = linear.sgd(X, y, w0)
        target = linear.interpolant_from(X, y, w0)
        null_part = float(np.linalg.norm(w0 - linear.project_rowspace(X, w0)))
        norm_scale = float(np.linalg.norm(w_min)) + float(np.linalg.norm(w0))
        dist_zero = float(np.linalg.norm(from_zero.w - w_min))
        dist_w0 = float(np.linalg.norm(from_w0.w - target))
        worst["zero: dist / norm"] = max(worst["zero: dist / norm"], dist_zero / float(np.linalg.norm(w_min)))
        worst["off rowspace / norm"] = max(
            worst["off rowspace / norm"], from_zero.max_off_rowspace / from_zero.max_norm
        )
        worst["w0: dist / norm"] = max(worst["w0: dist / norm"], dist_w0 / float(np.linalg.norm(target)))
        worst["epochs"] = max(worst["epochs"], from_zero.epochs, from_w0.epochs)
        worst["examples"] += 1
        gaps.append(float(np.linalg.norm(from_w0.w - w_min)) / max(null_part, 1e-300))
        assert from_zero.converged and from_w0.converged, (
            f"no 1e-10 backward error after {from_zero.epochs}, {from_w0.epochs} epochs"
        )
        # Rounding only: each step moves w by a multiple of x_i, so the drift off the row space is
        # the per-coordinate rounding of the updates, at most 3u (|w| + |step|) per step, plus the
        # projection's own error, about kappa d u |w|.
        drift_bound = 10 * U * (from_zero.steps + kappa * d) * (from_zero.max_norm + norm_scale)
        assert from_zero.max_off_rowspace <= drift_bound, f"left the row space: {from_zero.max_off_rowspace:.3g}"
        # The row-space part of the error is at most ||X w - y|| / sigma_min (linear.distance_bound);
        # the computed targets carry the normal equations' error, about kappa^2 d u times their size.
        slack = 10 * kappa**2 * d * U * norm_scale
        assert dist_zero <= linear.distance_bound(X, y, from_zero) + slack, f"{dist_zero:.3g} from min norm"
        assert dist_w0 <= linear.distance_bound(X, y, from_w0) + slack, f"{dist_w0:.3g} from P_null w0 + w_min"
        # From w0 it ends elsewhere: its distance to the minimum-norm solution is w0's null-space part.
        far = float(np.linalg.norm(from_w0.w - w_min))
        assert abs(far - null_part) <= linear.distance_bound(X, y, from_w0) + slack, f"{far:.3g} vs {null_part:.3g}"

    return prop


def t2_record(worst: dict, gaps: list, failure, start: float) -> dict:
    """T2's record: the worst distances and drift over the drawn problems."""
    return dict(
        measured={
            "hypothesis examples": worst["examples"],
            "from 0: max ||w_sgd - w_min|| / ||w_min||": worst["zero: dist / norm"],
            "from 0: max drift off row space / ||w||": worst["off rowspace / norm"],
            "from w0: max ||w_sgd - (P_null w0 + w_min)|| / norm": worst["w0: dist / norm"],
            "from w0: ||w_sgd - w_min|| / ||P_null w0|| (range)": (min(gaps), max(gaps)) if gaps else None,
            "max epochs": worst["epochs"],
            "seconds": round(time.perf_counter() - start, 2),
        },
        paper=PAPER_T2,
        statistics={"first failing example": repr(failure)[:500]} if failure else None,
        headline=[
            headline("max ||w_sgd - w_min|| / ||w_min|| (from 0)", worst["zero: dist / norm"], 0.0, "number"),
            headline("least-squares problems drawn", worst["examples"], None, "number"),
        ],
        decided_by=decided_by(
            "samples off the minimum-norm solution beyond rounding", float(failure is not None), "= 0"
        ),
        definitions=DEFINITIONS_T2,
        **T2_DESIGN.recorded({}),
    )


# ----------------------------------------------------------------------------- T3


PAPER_T3 = {
    "MNIST Gaussian kernel, raw pixels: test error %": 1.2,
    "MNIST with Gabor-wavelet front end: test error %": 0.6,
    "minimum norm, raw vs wavelets": "about 220 vs about 390",
    "ridge": "does not improve MNIST; CIFAR-10 random conv features 17% -> 15% with l2",
    "CIFAR-10 Gaussian kernel on pixels: test error %": 46,
}
DEFINITIONS_T3 = {
    "kernel": kernels.BANDWIDTH_RULE,
    "norm": "sqrt(trace(alpha^T K alpha)) of the interpolating solution, one-hot targets",
    "ridge": f"(K + lambda I) alpha = Y for lambda in {kernels.RIDGES}; the best on the test set (optimistic)",
    "pixels / filter_bank / random_relu": "preprocessed pixels; modulus of complex Gabor filters "
    "(4 orientations, 2 scales) and the image, 4x4 average-pooled; ReLU of 4,096 fixed Gaussian projections",
    "share kept": "(chance error - interpolation error) / (chance error - best ridge error)",
}


@pytest.mark.claim("T3")
def test_kernel_interpolation_without_regularization_generalizes_and_norm_does_not_predict_it(scale, settings, record):
    """T3: solving K alpha = y exactly, with no regularization, on real images generalizes, and the
    minimum norm does not predict generalization: a wavelet-like front end has the larger norm yet
    the lower test error. (What ridge regularization changes is reported, not asserted.)"""
    n_train, n_test, dataset, device = kernel_case(scale, settings)
    start = time.perf_counter()
    split = load_split(dataset, settings, n_train, n_test)
    x_train, x_test = split.x_train.double().to(device), split.x_test.double().to(device)
    results = {
        name: kernels.interpolate(fmap(x_train), split.y_train, fmap(x_test), split.y_test, 10, name=name)
        for name, fmap in kernels.FEATURE_MAPS.items()
    }
    raw, bank = results["pixels"], results["filter_bank"]
    generalizes = above_test(1 - raw.test_error, n_test, GENERALIZES_BOUND)
    paired = kernels.paired_error_test(bank.test_wrong, raw.test_wrong)
    record("kernel interpolation", **t3_record(results, generalizes, paired, dataset, n_train, n_test, start))
    for name, r in results.items():
        # Exact interpolation: every training point right, and K alpha = Y to a relative 1e-6 (a
        # Cholesky solve's backward error, about n u cond(K), is 1e-12 at cond(K) near 1e6).
        assert r.train_error == 0.0 and r.relative_residual <= 1e-6, f"{name} does not interpolate: {r}"
    # "Generalizes": accuracy significantly above 0.5, five times chance and the paper's weakest
    # network on CIFAR-10 (MLP 1x512, 50.5%), one-sided binomial test at 1e-6.
    assert generalizes["p_value"] < 1e-6, f"pixels: test error {raw.test_error:.4f} is not below 0.5: {generalizes}"
    # "Regularization does not help" (MNIST) is reported, not asserted: the paper gives no bound for
    # "does not help" (on CIFAR-10 it reports l2 taking 17% to 15%), and any threshold we could set
    # here would have been chosen after seeing the numbers. The report shows the best ridge error
    # (picked on the test set, so optimistic for ridge) beside the interpolation error.
    # "The norm does not predict generalization": the front end with a significantly lower test
    # error (exact McNemar test at 0.01) has the larger minimum norm, as wavelets do in the paper.
    assert bank.test_error < raw.test_error and paired["p_value"] < 0.01, (
        f"the filter bank is not clearly better: {bank.test_error:.4f} vs {raw.test_error:.4f}, {paired}"
    )
    assert bank.norm > raw.norm, f"the better front end has the smaller norm: {bank.norm:.1f} vs {raw.norm:.1f}"


def kernel_case(scale, settings) -> tuple[int, int, str, str]:
    """T3's training and test sizes, data set and device at this scale; skips the case where that data
    set cannot be loaded or, for a Gram matrix on the GPU, without a GPU with the memory free."""
    n_train, n_test = scale.theory.t3_train, scale.n_test
    dataset = scale.theory.kernel_dataset or scale.dataset
    device = settings.device if scale.theory.kernel_on_device else "cpu"
    if dataset != scale.dataset:
        try:
            data_mod.load(dataset, settings.root, settings.download)
        except DataError as exc:
            pytest.skip(f"T3 at {scale.name} scale needs {dataset}: {exc}")
    need = kernels.memory_bytes(n_train, n_test)
    if scale.theory.kernel_on_device:
        if not device.startswith("cuda") or torch.cuda.mem_get_info(device)[0] < need:
            pytest.skip(f"T3 at {scale.name} scale needs a GPU with {need / 2**30:.0f} GiB free (float64 Gram matrix)")
    return n_train, n_test, dataset, device


def t3_record(results: dict, generalizes: dict, paired: dict, dataset: str, n_train: int, n_test: int, start) -> dict:
    """T3's record: every feature map's interpolation and ridge errors and norms, and the two tests."""
    raw, bank = results["pixels"], results["filter_bank"]
    kept = {name: ridge_gain_kept(r) for name, r in results.items()}
    measured = {"n train / test": (n_train, n_test), "data": dataset}
    for name, r in results.items():
        lam, err = r.best_ridge
        measured |= {
            f"{name}: test error": r.test_error,
            f"{name}: norm": r.norm,
            f"{name}: best ridge error (lambda)": (err, lam),
        }
    measured |= {
        "max train error": max(r.train_error for r in results.values()),
        "max ||K alpha - Y|| / ||Y||": max(r.relative_residual for r in results.values()),
        "memory MB (per map)": round(kernels.memory_bytes(n_train, n_test) / 2**20, 1),
        "seconds": round(time.perf_counter() - start, 2),
    }
    return dict(
        measured=measured,
        paper=PAPER_T3,
        headline=[
            headline(
                "Gaussian kernel on pixels: test error",
                raw.test_error,
                0.012,
                "percent",
                f"ours: {DATA_NAMES.get(dataset, dataset)}, {n_train:,} training images; paper: MNIST, 60,000",
            ),
            headline("with a filter-bank front end: test error", bank.test_error, 0.006, "percent"),
            headline("minimum norm, pixels", raw.norm, 220.0, "number"),
            headline("minimum norm, filter bank", bank.norm, 390.0, "number"),
        ],
        decided_by=decided_by("McNemar p, filter bank vs pixels", paired["p_value"], "< 0.01 (and larger norm)"),
        statistics={
            "pixels: generalizes (accuracy above 0.5)": generalizes,
            "filter bank vs pixels: errors differ": paired,
            **{f"{name}: share of ridge's gain over chance kept without ridge": v for name, v in kept.items()},
            **{f"{name}: ridge test errors": r.ridge_test_error for name, r in results.items()},
            **{f"{name}: ridge norms": r.ridge_norm for name, r in results.items()},
        },
        definitions=DEFINITIONS_T3,
        **T3_DESIGN.recorded({GENERALIZES.check: generalizes, BETTER_WITH_LARGER_NORM.check: paired}),
    )


def ridge_gain_kept(result: kernels.KernelResult, chance_error: float = 0.9) -> float:
    """Share of the best ridge solution's improvement over chance that interpolation already has."""
    _, best = result.best_ridge
    room = chance_error - min(best, result.test_error)
    return (chance_error - result.test_error) / room if room > 0 else 0.0  # no solution beats chance: none kept


# ----------------------------------------------------------------------------- T4


CASE_T4 = f"MLP 1x512 vs linear on {LINEAR_FEATURES} features"
PAPER_T4 = "R_n(H) is about 1 (the trivial bound) for networks that fit random labels (Section 2.2)"
DEFINITIONS_T4 = {
    "estimate": "mean over draws of sigma in {-1,+1}^n of (1/n) sum sigma_i h(x_i) = 2 x accuracy - 1, h "
    "the classifier fitted to sigma (+1/-1 outputs): a lower bound on R_n since fitting may miss the sup",
    "network": "MLP, one hidden layer of 512 ReLUs, 2 outputs, trained by rethink_core.train.train "
    "(SGD, momentum 0.9, lr 0.01, batch 128) until 100% training accuracy, cap 200 epochs",
    "linear": f"halfspaces on the first {LINEAR_FEATURES} principal components plus a bias "
    "(VC dimension {vc_dim}), fitted by least squares; its estimate stays below the upper "
    "bound sqrt(2 D ln(e n / D) / n) by Massart's and Sauer's lemmas (reported, not asserted)",
}


@pytest.mark.claim("T4")
def test_rademacher_complexity_of_networks_that_fit_random_labels_is_about_one(scale, settings, record):
    """T4: since the networks fit random labels perfectly, the empirical Rademacher complexity of
    the class is about 1, the trivial bound; a linear model on few features (n much larger than d)
    cannot shatter the sample and stays far below 1."""
    n, draws = scale.theory.t4_images, scale.theory.t4_draws
    start = time.perf_counter()
    x = load_split(scale.dataset, settings, n, 1).x_train
    network = rademacher.NetworkFitter(x, precision=settings.precision_on("cpu"))  # its MLPs train on the CPU
    net = rademacher.estimate(network, n, draws, seed=0)
    linear_fit = rademacher.LinearFitter(rademacher.principal_components(x, LINEAR_FEATURES))
    lin = rademacher.estimate(linear_fit, n, LINEAR_DRAWS, seed=1)
    unfitted = [i for i, d in enumerate(net.details) if not d["fitted"]]
    net_ci, lin_ci = mean_interval(net.values), mean_interval(lin.values)
    gap = difference_interval(net.values, lin.values)
    record(CASE_T4, **t4_record(n, network, net, linear_fit, lin, unfitted, net_ci, lin_ci, gap, start))
    # "About 1": the network's estimate, interval included, at least 2 x 0.9934 - 1 = 0.987, the
    # correlation of the paper's least perfect fit of random labels (MLP 1x512, 99.34% training
    # accuracy, Table 1). It falls with every sign draw the network fails to fit.
    low = net_ci["interval95"][0] if net_ci["interval95"] else net_ci["mean"]
    assert low >= NETWORK_BOUND, (
        f"network estimate {net.mean:.4f} (95% interval from {low:.4f}) < {NETWORK_BOUND:.4f}; "
        f"unfitted draws {unfitted}"
    )
    # "Far below 1": the linear model's measured estimate, interval included, at most half the trivial value.
    high = lin_ci["interval95"][1]
    assert high <= FAR_BELOW_ONE, f"linear estimate {lin.mean:.3f} (95% interval up to {high:.3f}) > {FAR_BELOW_ONE}"
    # The gap between them: at least the distance between "about 1" and "far below 1".
    assert gap["interval95"][0] >= NETWORK_BOUND - FAR_BELOW_ONE, (
        f"network - linear = {gap['mean']:.3f} (95% interval from {gap['interval95'][0]:.3f}) < "
        f"{NETWORK_BOUND - FAR_BELOW_ONE:.3f}"
    )


def t4_record(n, network, net, linear_fit, lin, unfitted, net_ci, lin_ci, gap, start) -> dict:
    """T4's record: both classes' estimates over the sign draws, their intervals and their gap."""
    return dict(
        measured={
            "n": n,
            "network: estimate": net.mean,
            "network: draws not fitted": unfitted,
            "network: parameters": network.num_params,
            "network: epochs per draw": [d["epochs"] for d in net.details],
            "network: precision": network.precision,
            "linear: estimate": lin.mean,
            "gap (network - linear)": gap["mean"],
            "linear: VC upper bound (reported)": rademacher.vc_upper_bound(n, linear_fit.vc_dim),
            "seconds": round(time.perf_counter() - start, 2),
        },
        paper=PAPER_T4,
        headline=[
            headline("network: Rademacher estimate", net.mean, 1.0, "number", f"ours: n = {n} images"),
            headline("linear on 5 features: Rademacher estimate", lin.mean, "far below 1", "number"),
        ],
        decided_by=decided_by(
            "network estimate, lower 95% end",
            net_ci["interval95"][0] if net_ci["interval95"] else net.mean,
            f">= {NETWORK_BOUND:.3f}",
        ),
        statistics={
            "network (1/n) sum sigma_i h(x_i) over draws": net_ci,
            "linear (1/n) sum sigma_i h(x_i) over draws": {k: v for k, v in lin_ci.items() if k != "values"},
            "gap, network - linear": gap,
        },
        definitions=DEFINITIONS_T4 | {"linear": DEFINITIONS_T4["linear"].format(vc_dim=linear_fit.vc_dim)},
        # a t-test's p has no floor with two or more draws; seeds 0 and 1 draw the signs
        **T4_DESIGN.recorded({c.check: {"smallest_attainable_p": 0.0} for c in T4_DESIGN.checks}, seeds=[0, 1]),
    )
