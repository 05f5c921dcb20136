"""SGD on linear least squares finds the minimum-norm interpolant (Zhang et al. 2017, Section 5; T2).

For ``X`` (n x d, n < d, full row rank) and targets ``y``, every SGD update on the loss
``(1/2) (<x_i, w> - y_i)^2`` is a multiple of one row ``x_i``, so the iterates stay in
``w0 + rowspace(X)``. The only interpolant there is ``P_null w0 + X^T (X X^T)^{-1} y``; from
``w0 = 0`` that is the minimum l2-norm solution ``X^T (X X^T)^{-1} y``.

Everything here is numpy float64. :func:`sgd` takes one sample at a time with a constant step
``1 / max_i ||x_i||^2``, which makes every step a relaxed projection onto the hyperplane
``<x_i, w> = y_i``: the distance to every interpolant never grows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rethink_core.errors import ConfigError, DataError


def _check(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ConfigError(f"X must be n x d and y of length n, got {X.shape} and {y.shape}")
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise DataError("X or y contains NaN or infinite values")
    return X, y


def gram_solve(X: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(X X^T)^{-1} b``; raises :class:`DataError` when ``X`` is not of full row rank."""
    G = X @ X.T
    try:
        L = np.linalg.cholesky(G)
    except np.linalg.LinAlgError:
        raise DataError(
            "X X^T is singular: the rows of X are linearly dependent (no unique minimum-norm fit)"
        ) from None
    return np.linalg.solve(L.T, np.linalg.solve(L, b))


def min_norm_solution(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The minimum l2-norm solution of ``X w = y``: ``X^T (X X^T)^{-1} y`` (Section 5)."""
    X, y = _check(X, y)
    return X.T @ gram_solve(X, y)


def project_rowspace(X: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Orthogonal projection of ``v`` onto the row space of ``X``: ``X^T (X X^T)^{-1} X v``."""
    X = np.asarray(X, dtype=np.float64)
    return X.T @ gram_solve(X, X @ np.asarray(v, dtype=np.float64))


def interpolant_from(X: np.ndarray, y: np.ndarray, w0: np.ndarray) -> np.ndarray:
    """The interpolant SGD converges to from ``w0``: ``w0``'s null-space part plus the minimum-norm solution."""
    w0 = np.asarray(w0, dtype=np.float64)
    return w0 - project_rowspace(X, w0) + min_norm_solution(X, y)


def smallest_singular_value(X: np.ndarray) -> float:
    return float(np.linalg.svd(np.asarray(X, dtype=np.float64), compute_uv=False).min())


@dataclass
class SGDResult:
    """Where SGD ended and how it got there."""

    w: np.ndarray
    epochs: int
    steps: int
    residual: float  # ||X w - y|| at the end
    relative_residual: float  # ||X w - y|| / (||X||_F ||w|| + ||y||): a backward error, reachable in float64
    converged: bool
    max_off_rowspace: float  # max over epoch ends of ||(I - P_row)(w_t - w0)||: zero in exact arithmetic
    max_norm: float  # max over epoch ends of ||w_t||


def sgd(
    X: np.ndarray,
    y: np.ndarray,
    w0: np.ndarray | None = None,
    lr: float | None = None,
    tol: float = 1e-10,
    max_epochs: int = 10_000,
    seed: int = 0,
) -> SGDResult:
    """Plain SGD on ``(1/2) sum_i (<x_i, w> - y_i)^2``, one sample at a time in a fresh random order
    each epoch, from ``w0`` (default 0) until ``||X w - y|| <= tol (||X||_F ||w|| + ||y||)`` or
    ``max_epochs``. (Relative to ``||y||`` alone the target can lie below float64's resolution when
    ``||X|| ||w||`` is much larger than ``||y||``.)

    The step ``lr`` defaults to ``1 / max_i ||x_i||^2`` (stable: ``lr ||x_i||^2 <= 1 < 2``)."""
    X, y = _check(X, y)
    n, d = X.shape
    w0 = np.zeros(d) if w0 is None else np.asarray(w0, dtype=np.float64).copy()
    if w0.shape != (d,):
        raise ConfigError(f"w0 must have length {d}, got shape {w0.shape}")
    row_sq = np.einsum("ij,ij->i", X, X)
    if not row_sq.min() > 0:
        raise DataError("X has a zero row: that sample carries no information")
    lr = 1.0 / float(row_sq.max()) if lr is None else float(lr)
    if not 0 < lr * row_sq.max() < 2:
        raise ConfigError(f"step {lr:g} is unstable: lr * max ||x_i||^2 must lie in (0, 2)")
    x_norm, y_norm = float(np.linalg.norm(X)), float(np.linalg.norm(y))
    rng = np.random.default_rng(seed)
    rows = [X[i] for i in range(n)]  # views: the inner loop does two small vector operations per step
    w, start = w0.copy(), w0.copy()
    off, biggest, epoch = 0.0, float(np.linalg.norm(w)), 0

    def backward_error(w: np.ndarray) -> tuple[float, float]:
        r = float(np.linalg.norm(X @ w - y))
        return r, r / max(x_norm * float(np.linalg.norm(w)) + y_norm, np.finfo(np.float64).tiny)

    residual, relative = backward_error(w)
    while relative > tol and epoch < max_epochs:
        for i in rng.permutation(n):
            x = rows[i]
            w -= (lr * (float(x @ w) - y[i])) * x
        epoch += 1
        residual, relative = backward_error(w)
        delta = w - start
        off = max(off, float(np.linalg.norm(delta - project_rowspace(X, delta))))
        biggest = max(biggest, float(np.linalg.norm(w)))
    return SGDResult(
        w=w,
        epochs=epoch,
        steps=epoch * n,
        residual=residual,
        relative_residual=relative,
        converged=relative <= tol,
        max_off_rowspace=off,
        max_norm=biggest,
    )


def distance_bound(X: np.ndarray, y: np.ndarray, result: SGDResult) -> float:
    """An upper bound on ``||w_sgd - interpolant_from(X, y, w0)||`` from what SGD ended with:
    the row-space part of the error is at most ``||X w - y|| / sigma_min(X)``, the null-space part
    is the measured drift off ``w0 + rowspace(X)``."""
    return result.residual / smallest_singular_value(X) + result.max_off_rowspace


def conditioned_problem(n: int, d: int, kappa: float, scale: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random n x d least-squares problem (n < d) whose ``X`` has singular values spread
    log-uniformly over ``scale * [1, kappa]`` (condition number at most ``kappa``), and Gaussian ``y``."""
    if not 0 < n < d:
        raise ConfigError(f"need more parameters than samples, 0 < n < d; got n={n}, d={d}")
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((d, n)))
    s = scale * np.exp(np.linspace(0.0, np.log(kappa), n))
    return (U * s) @ V.T, rng.standard_normal(n)
