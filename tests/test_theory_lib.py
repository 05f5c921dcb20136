"""The theory modules (T1-T4): Theorem 1's construction, SGD on least squares, kernel interpolation,
Rademacher estimates. Small and fast; the claims themselves are in claims/test_theory.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rethink_core import expressivity, kernels, linear, rademacher
from rethink_core.errors import ConfigError, DataError
from rethink_core.train import Hyper

# ----------------------------------------------------------------------------- T1: expressivity


def test_construction_interpolates_with_2n_plus_d_weights_and_interleaved_thresholds():
    rng = np.random.default_rng(0)
    z, y = rng.standard_normal((30, 4)), rng.standard_normal(30)
    net = expressivity.construct(z, y)
    assert net.num_weights == 2 * 30 + 4
    assert np.all(np.abs(net(z) - y) <= net.tolerance(z))
    x = np.sort(z @ net.a)
    assert np.all(net.b < x) and np.all(x[:-1] < net.b[1:])  # b_1 < x_1 < b_2 < ... < b_n < x_n
    A = net.hidden(z[np.argsort(z @ net.a)])
    assert np.allclose(np.triu(A, 1), 0) and np.all(np.diag(A) > 0)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 25), d=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_construction_fits_any_gaussian_sample(n, d, seed):
    rng = np.random.default_rng(seed)
    z, y = rng.standard_normal((n, d)), rng.standard_normal(n)
    net = expressivity.construct(z, y)
    assert net.num_weights == 2 * n + d and np.all(np.abs(net(z) - y) <= net.tolerance(z))


def test_repeated_points_with_equal_targets_count_once():
    z = np.array([[0.0, 1.0], [2.0, 3.0], [0.0, 1.0]])
    net = expressivity.construct(z, np.array([5.0, -1.0, 5.0]))
    assert net.num_weights == 2 * 2 + 2
    assert np.allclose(net(z), [5.0, -1.0, 5.0])


def test_coinciding_points_with_different_targets_are_rejected():
    z = np.array([[0.0, 1.0], [2.0, 3.0], [0.0, 1.0]])
    with pytest.raises(DataError, match="points 0 and 2 coincide but have different targets"):
        expressivity.construct(z, np.array([5.0, -1.0, 4.0]))
    with pytest.raises(DataError, match="coincide"):
        expressivity.construct(z, np.eye(3))  # one-hot rows differ too


def test_points_closer_than_float_precision_and_bad_input_are_rejected():
    with pytest.raises(DataError, match="coinciding projections"):
        expressivity.construct(np.array([[1.0, 0.0], [1.0, 1e-300]]), np.array([0.0, 1.0]))
    with pytest.raises(DataError, match="NaN"):
        expressivity.construct(np.array([[np.nan]]), np.array([0.0]))
    with pytest.raises(ConfigError):
        expressivity.construct(np.zeros(3), np.zeros(3))
    with pytest.raises(ConfigError):
        expressivity.construct(np.zeros((3, 2)), np.zeros(2))


def test_torch_module_has_exactly_the_constructions_weights_and_predictions():
    rng = np.random.default_rng(1)
    z, y = rng.standard_normal((12, 3)), rng.standard_normal(12)
    net = expressivity.construct(z, y)
    module = expressivity.Theorem1Net(net)
    assert sum(p.numel() for p in module.parameters()) == 2 * 12 + 3
    out = module(torch.from_numpy(z)).detach().numpy()
    assert out.shape == (12,) and np.all(np.abs(out - y) <= net.tolerance(z))


def test_multi_output_module_fits_one_hot_labels_of_images():
    g = torch.Generator().manual_seed(0)
    x, labels = torch.randn(40, 1, 4, 5, generator=g), torch.randint(0, 10, (40,), generator=g)
    module = expressivity.Theorem1Net.fit(x, torch.eye(10, dtype=torch.float64)[labels])
    assert module(x).shape == (40, 10) and torch.equal(module(x).argmax(1), labels)
    assert sum(p.numel() for p in module.parameters()) == 20 + 40 + 400


# ----------------------------------------------------------------------------- T2: linear


def test_min_norm_solution_is_the_pseudo_inverse_solution_and_smallest_interpolant():
    X, y = linear.conditioned_problem(5, 12, 4.0, 2.0, seed=0)
    w = linear.min_norm_solution(X, y)
    assert np.allclose(w, np.linalg.pinv(X) @ y) and np.allclose(X @ w, y)
    v = np.random.default_rng(1).standard_normal(12)
    null = v - linear.project_rowspace(X, v)
    assert np.allclose(X @ null, 0, atol=1e-10)
    assert np.linalg.norm(w + null) > np.linalg.norm(w)


def test_rowspace_projection_is_an_orthogonal_projection():
    X, _ = linear.conditioned_problem(3, 7, 2.0, 1.0, seed=2)
    v = np.random.default_rng(3).standard_normal(7)
    p = linear.project_rowspace(X, v)
    assert np.allclose(linear.project_rowspace(X, p), p)
    assert abs((v - p) @ p) < 1e-12


def test_sgd_reaches_the_min_norm_solution_from_zero_and_the_shifted_one_from_w0():
    X, y = linear.conditioned_problem(6, 15, 5.0, 3.0, seed=4)
    w0 = np.random.default_rng(5).standard_normal(15)
    r0, r1 = linear.sgd(X, y), linear.sgd(X, y, w0)
    assert r0.converged and r1.converged and r0.steps == r0.epochs * 6
    assert np.linalg.norm(r0.w - linear.min_norm_solution(X, y)) <= linear.distance_bound(X, y, r0) + 1e-12
    assert np.linalg.norm(r1.w - linear.interpolant_from(X, y, w0)) <= linear.distance_bound(X, y, r1) + 1e-12
    assert r0.max_off_rowspace < 1e-12


def test_sgd_stops_on_backward_error_when_targets_are_tiny_beside_the_start():
    # ||y|| far below ||X|| ||w0||: a residual relative to ||y|| alone would be below float64's reach
    X, y = linear.conditioned_problem(1, 2, 1.0, 1.0, seed=7)
    r = linear.sgd(X, 1e-8 * y, w0=np.array([100.0, -30.0]), max_epochs=50)
    assert r.converged and r.epochs < 50 and r.residual <= 1e-10 * (np.linalg.norm(X) * np.linalg.norm(r.w) + 1e-8)


def test_conditioned_problem_has_the_requested_singular_values():
    X, y = linear.conditioned_problem(4, 9, 8.0, 0.5, seed=6)
    s = np.linalg.svd(X, compute_uv=False)
    assert X.shape == (4, 9) and y.shape == (4,)
    assert np.isclose(s.min(), 0.5) and np.isclose(s.max(), 4.0)
    with pytest.raises(ConfigError, match="more parameters"):
        linear.conditioned_problem(5, 5, 1.0, 1.0, seed=0)


def test_linear_rejects_dependent_rows_bad_shapes_and_unstable_steps():
    X = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    with pytest.raises(DataError, match="linearly dependent"):
        linear.min_norm_solution(X, np.array([1.0, 2.0]))
    with pytest.raises(ConfigError):
        linear.sgd(np.eye(2, 3), np.zeros(3))
    with pytest.raises(ConfigError, match="unstable"):
        linear.sgd(np.eye(2, 3), np.ones(2), lr=3.0)
    with pytest.raises(DataError, match="zero row"):
        linear.sgd(np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]), np.ones(2))


# ----------------------------------------------------------------------------- T3: kernels


def test_distances_kernel_and_median_rule():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(7, 5, generator=g, dtype=torch.float64), torch.randn(4, 5, generator=g, dtype=torch.float64)
    assert torch.allclose(kernels.squared_distances(a, b), torch.cdist(a, b) ** 2)
    K = kernels.gaussian_kernel(a, a, 2.0)
    assert torch.allclose(K.diagonal(), torch.ones(7, dtype=torch.float64)) and torch.allclose(K, K.T)
    pairs = torch.pdist(a)
    assert math.isclose(kernels.median_bandwidth(a), float(pairs.median()), rel_tol=1e-12)
    big = torch.randn(50, 3, generator=g, dtype=torch.float64)
    assert kernels.median_bandwidth(big, max_points=20) == kernels.median_bandwidth(big, max_points=20)
    with pytest.raises(DataError):
        kernels.median_bandwidth(torch.zeros(5, 2, dtype=torch.float64))
    with pytest.raises(ConfigError):
        kernels.gaussian_kernel(a, a, 0.0)


def test_solve_interpolates_restores_k_and_norm_matches_trace():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(30, 6, generator=g, dtype=torch.float64)
    K = kernels.gaussian_kernel(x, x, kernels.median_bandwidth(x))
    Y = kernels.one_hot(torch.randint(0, 3, (30,), generator=g), 3)
    before = K.clone()
    alpha = kernels.solve(K, Y)
    assert torch.allclose(K @ alpha, Y, atol=1e-8)
    assert math.isclose(kernels.rkhs_norm(alpha, K), math.sqrt(float((Y * alpha).sum())), rel_tol=1e-8)
    ridge = kernels.solve(K, Y, 0.1)
    assert torch.allclose((K + 0.1 * torch.eye(30, dtype=K.dtype)) @ ridge, Y, atol=1e-10)
    assert torch.allclose(K, before, atol=1e-15)
    assert kernels.rkhs_norm(ridge, K) < kernels.rkhs_norm(alpha, K)


def test_coinciding_training_points_make_the_gram_matrix_singular():
    x = torch.tensor([[0.0, 1.0], [0.0, 1.0], [3.0, 2.0]], dtype=torch.float64)
    with pytest.raises(DataError, match="not numerically positive definite"):
        kernels.solve(kernels.gaussian_kernel(x, x, 1.0), kernels.one_hot(torch.tensor([0, 1, 0]), 2))


def test_interpolation_on_separable_clusters_fits_and_generalizes():
    g = torch.Generator().manual_seed(2)
    centers = 4 * torch.randn(3, 8, generator=g, dtype=torch.float64)
    y_tr, y_te = torch.arange(60) % 3, torch.arange(30) % 3
    x_tr = centers[y_tr] + torch.randn(60, 8, generator=g, dtype=torch.float64)
    x_te = centers[y_te] + torch.randn(30, 8, generator=g, dtype=torch.float64)
    r = kernels.interpolate(x_tr, y_tr, x_te, y_te, 3, ridges=(0.1,), name="toy")
    assert r.train_error == 0.0 and r.relative_residual < 1e-8 and r.test_error < 0.1
    assert set(r.ridge_test_error) == {0.1} and r.best_ridge[0] == 0.1 and r.norm > r.ridge_norm[0.1]
    assert r.test_wrong.shape == (30,) and r.test_wrong.dtype == torch.bool
    with pytest.raises(ConfigError):
        kernels.interpolate(x_tr, y_tr, x_te[:, :3], y_te, 3)


def test_feature_maps_and_memory_estimate():
    x = torch.randn(6, 1, 28, 28, dtype=torch.float64)
    assert kernels.pixels(x).shape == (6, 784)
    bank = kernels.gabor_filters()
    assert bank.shape == (16, 1, 7, 7)
    assert torch.allclose(bank.sum((1, 2, 3)), torch.zeros(16, dtype=bank.dtype), atol=1e-12)
    feats = kernels.filter_bank_features(x)
    assert feats.shape == (6, 9 * 7 * 7) and feats.dtype == torch.float64
    assert torch.allclose(feats[:, :49], torch.nn.functional.avg_pool2d(x, 4).flatten(1), atol=1e-6)
    relu = kernels.random_relu_features(x, width=64, seed=3)
    assert relu.shape == (6, 64) and (relu >= 0).all()
    assert torch.equal(relu, kernels.random_relu_features(x, width=64, seed=3))
    assert kernels.memory_bytes(2000, 2000) == (2 * 2000**2 + 2000**2) * 8


def test_paired_error_test_counts_discordant_examples():
    a = torch.tensor([True, True, True, False, False])
    b = torch.tensor([True, False, False, False, False])
    out = kernels.paired_error_test(a, b)
    assert out["only first wrong"] == 2 and out["only second wrong"] == 0 and out["p_value"] == 0.5
    assert kernels.paired_error_test(a, a)["p_value"] == 1.0


# ----------------------------------------------------------------------------- T4: Rademacher


def test_signs_correlation_and_vc_bound():
    s = rademacher.signs(1000, 3, seed=0)
    assert s.shape == (3, 1000) and set(np.unique(s)) == {-1, 1} and abs(s.mean()) < 0.1
    assert np.array_equal(s, rademacher.signs(1000, 3, seed=0))
    assert rademacher.correlation(s[0], s[0]) == 1.0 and rademacher.correlation(s[0], -s[0]) == -1.0
    with pytest.raises(ConfigError):
        rademacher.correlation(s[0], 2.0 * s[0])
    assert math.isclose(rademacher.vc_upper_bound(500, 6), math.sqrt(12 * math.log(math.e * 500 / 6) / 500))
    with pytest.raises(ConfigError):
        rademacher.vc_upper_bound(5, 6)


def test_linear_class_shatters_when_d_plus_1_reaches_n_and_not_when_n_is_large():
    rng = np.random.default_rng(0)
    shatter = rademacher.estimate(rademacher.LinearFitter(rng.standard_normal((10, 9))), 10, 20)
    assert shatter.mean == 1.0
    fitter = rademacher.LinearFitter(rng.standard_normal((400, 3)))
    small = rademacher.estimate(fitter, 400, 50)
    assert small.mean < rademacher.vc_upper_bound(400, fitter.vc_dim) < 0.5


def test_network_fitter_fits_random_signs_on_a_tiny_sample():
    x = torch.randn(24, 1, 4, 5, generator=torch.Generator().manual_seed(0))
    fitter = rademacher.NetworkFitter(x, width=64, hyper=Hyper(lr=0.05, max_epochs=300, batch_size=8))
    est = rademacher.estimate(fitter, 24, 2, seed=0)
    assert est.mean == 1.0 and all(d["fitted"] for d in est.details) and len(est.values) == 2
    assert fitter.num_params == 20 * 64 + 64 + 64 * 2 + 2


def test_principal_components_are_uncorrelated_scores():
    x = torch.randn(100, 1, 4, 5, generator=torch.Generator().manual_seed(1))
    f = rademacher.principal_components(x, 3)
    cov = np.cov(f.T)
    assert f.shape == (100, 3) and np.allclose(cov - np.diag(np.diag(cov)), 0, atol=1e-8)
    assert np.all(np.diff(np.diag(cov)) <= 0)
