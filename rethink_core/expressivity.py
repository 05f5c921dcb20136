"""Finite-sample expressivity: Theorem 1 of Zhang et al. (2017), Section 4 (T1).

"There exists a two-layer neural network with ReLU activations and 2n + d weights that can
represent any function on a sample of size n in d dimensions." The construction:
``c(x) = sum_j w_j max(<a, x> - b_j, 0)``. Choose ``a`` so that the projections ``x_i = <a, z_i>``
are distinct, sort them, interleave thresholds ``b_1 < x_1 < b_2 < x_2 < ... < b_n < x_n``;
then ``A_ij = max(x_i - b_j, 0)`` is lower triangular with a positive diagonal and ``A w = y``
has exactly one solution, found by forward substitution. Weights: ``a`` (d), ``b`` (n), ``w`` (n).

:func:`construct` builds it in numpy float64; :class:`Theorem1Net` is the same network as a torch
module (parameters ``a``, ``b``, ``w``), so its predictions run through the same code as the
trained networks (e.g. :func:`rethink_core.train.accuracy`). Targets may be a matrix (n x k, e.g.
one-hot labels): then ``a`` and ``b`` are shared and ``w`` is n x k, ``d + n + n k`` weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rethink_core.errors import ConfigError, DataError

DIRECTIONS = 16  # random directions tried for a; the one that best separates the projections is kept


@dataclass(frozen=True)
class Construction:
    """The network of Theorem 1: ``c(x) = sum_j w_j max(<a, x> - b_j, 0)``."""

    a: np.ndarray  # (d,)
    b: np.ndarray  # (n,), increasing
    w: np.ndarray  # (n,) or (n, k)

    @property
    def num_weights(self) -> int:
        """``2n + d`` for one output (``d + n + n k`` for k outputs): every number the network holds."""
        return self.a.size + self.b.size + self.w.size

    def hidden(self, x: np.ndarray) -> np.ndarray:
        """The n ReLU units on inputs ``x`` (m x d): ``max(<a, x> - b_j, 0)``, m x n."""
        return np.maximum((np.asarray(x, dtype=np.float64) @ self.a)[:, None] - self.b[None, :], 0.0)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.hidden(x) @ self.w

    def tolerance(self, x: np.ndarray) -> np.ndarray:
        """A floating-point error bound for ``self(x)`` against the exact targets, per point (and output).

        Two sources: the triangular solve's backward error (``|A w - y| <= n u |A| |w|``, the
        standard bound for forward substitution, u the unit roundoff) and rounding in the
        projection ``<a, x>`` (at most ``d u |a| . |x|``, times the network's Lipschitz constant in
        the projection, ``sum_j |w_j|``). Both are multiplied by 4 for the evaluation's own sums; an
        absolute ``4 (n + d) eta`` (eta the smallest subnormal) covers underflow of tiny targets."""
        x = np.asarray(x, dtype=np.float64)
        n, d = self.b.size, self.a.size
        u = np.finfo(np.float64).eps / 2
        solve = n * u * (self.hidden(x) @ np.abs(self.w))
        projection = d * u * (np.abs(x) @ np.abs(self.a))
        lipschitz = np.abs(self.w).sum(axis=0)
        if self.w.ndim == 2:
            projection = projection[:, None]
        underflow = 4.0 * (n + d) * np.finfo(np.float64).smallest_subnormal
        return 4.0 * (solve + projection * lipschitz) + 4.0 * u * np.abs(self(x)) + underflow


def coinciding_conflicts(z: np.ndarray, y: np.ndarray) -> list[tuple[int, int]]:
    """Pairs of indices (i, j) of identical points with different targets."""
    _, first, inverse = np.unique(z, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    return [
        (int(first[inverse[i]]), i)
        for i in range(len(z))
        if first[inverse[i]] != i and not np.array_equal(y[i], y[first[inverse[i]]])
    ]


def choose_direction(z: np.ndarray, seed: int = 0, tries: int = DIRECTIONS) -> np.ndarray:
    """A unit vector ``a`` whose projections ``<a, z_i>`` are distinct: of ``tries`` random Gaussian
    directions, the one with the largest smallest gap between sorted projections, relative to their
    spread (any fixed direction fails on some data set; a random one separates distinct points with
    probability 1)."""
    n, d = z.shape
    rng = np.random.default_rng(seed)
    best, best_gap = None, -1.0
    for _ in range(tries):
        a = rng.standard_normal(d)
        a /= np.linalg.norm(a)
        p = np.sort(z @ a)
        gap = float(np.diff(p).min() / max(p[-1] - p[0], np.finfo(np.float64).tiny)) if n > 1 else 1.0
        if gap > best_gap:
            best, best_gap = a, gap
    return best


def construct(z: np.ndarray, y: np.ndarray, seed: int = 0) -> Construction:
    """Theorem 1's network fitting targets ``y`` (n, or n x k) exactly on the points ``z`` (n x d).

    Identical points with identical targets count once (the network needs ``2 n' + d`` weights for
    n' distinct points); identical points with different targets cannot be fit by any function
    and raise :class:`DataError`, as do distinct points whose projections coincide in float64."""
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if z.ndim != 2 or len(z) == 0 or z.shape[1] == 0:
        raise ConfigError(f"points must be a non-empty n x d array, got shape {z.shape}")
    if y.ndim not in (1, 2) or len(y) != len(z):
        raise ConfigError(f"targets must have shape ({len(z)},) or ({len(z)}, k), got {y.shape}")
    if not (np.isfinite(z).all() and np.isfinite(y).all()):
        raise DataError("points or targets contain NaN or infinite values")
    conflicts = coinciding_conflicts(z, y)
    if conflicts:
        i, j = conflicts[0]
        raise DataError(
            f"points {i} and {j} coincide but have different targets ({y[i]} and {y[j]}): no function fits both "
            f"({len(conflicts)} such point(s) in all)"
        )
    _, keep = np.unique(z, axis=0, return_index=True)
    keep.sort()
    z, y = z[keep], y[keep]
    a = choose_direction(z, seed)
    proj = z @ a
    order = np.argsort(proj, kind="stable")
    x, t = proj[order], y[order]
    gaps = np.diff(x)
    if len(gaps) and not gaps.min() > 0:
        raise DataError(
            "distinct points have coinciding projections in float64 (they differ by less than the "
            "precision of <a, x>): the construction cannot separate them"
        )
    first_gap = gaps.min() if len(gaps) else max(1.0, abs(x[0]))
    b = np.concatenate([[x[0] - first_gap], x[:-1] + gaps / 2])  # b_1 < x_1 < b_2 < x_2 < ... < b_n < x_n
    A = np.maximum(x[:, None] - b[None, :], 0.0)  # lower triangular, positive diagonal
    w = _forward_substitution(A, t)
    return Construction(a=a, b=b, w=w)


def _forward_substitution(A: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Solve the lower-triangular system ``A w = y`` row by row."""
    w = np.zeros_like(y)
    for i in range(len(A)):
        w[i] = (y[i] - A[i, :i] @ w[:i]) / A[i, i]
    return w


class Theorem1Net(nn.Module):
    """Theorem 1's network as a torch module: ``forward(x) = relu(x a - b) w`` on flattened inputs.

    Its parameters are exactly ``a``, ``b`` and ``w`` (``2n + d`` numbers for one output). With
    k outputs ``forward`` returns N x k scores (N for one output)."""

    def __init__(self, construction: Construction, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.as_tensor(construction.a, dtype=dtype))
        self.b = nn.Parameter(torch.as_tensor(construction.b, dtype=dtype))
        self.w = nn.Parameter(torch.as_tensor(construction.w, dtype=dtype))

    @classmethod
    def fit(cls, z: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, seed: int = 0) -> Theorem1Net:
        """Construct the network fitting ``y`` on the points ``z`` (any shape N x ...; flattened)."""
        z = z.detach().cpu().double().flatten(1).numpy() if isinstance(z, torch.Tensor) else np.asarray(z)
        y = y.detach().cpu().double().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
        return cls(construct(z.reshape(len(z), -1), y, seed))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(x.flatten(1).to(self.a.dtype) @ self.a[:, None] - self.b[None, :])
        return h @ self.w
