"""Kernel interpolation on real data (Zhang et al. 2017, Section 5, "Implicit regularization"; T3).

Solving ``K alpha = Y`` exactly, with no regularization, for a Gaussian kernel on the training
images and one-hot targets ``Y`` gives a classifier ``f(x) = sum_i alpha_i k(x, x_i)`` that fits
the training set perfectly; the paper reports it generalizes (MNIST: 1.2% test error), that ridge
regularization does not help, and that the solution's RKHS norm ``sqrt(trace(alpha^T K alpha))``
does not predict generalization (a wavelet front end has the larger norm, about 390 against 220,
yet halves the error).

The kernel is ``k(x, x') = exp(-||x - x'||^2 / (2 sigma^2))`` with the **median rule** for the
bandwidth: ``sigma`` is the median Euclidean distance between distinct pairs of training points
(computed exactly on up to :data:`MEDIAN_POINTS` points, on a fixed seeded subset beyond), so
that a typical pair of points has kernel value ``exp(-1/2)`` whatever the feature map's scale.

Everything is ``torch.linalg`` in the dtype and on the device of the inputs (the claims use
float64 on the CPU at ``smoke`` and ``default``). Memory: the training Gram matrix and its
Cholesky factor, ``2 n^2`` numbers, plus ``n_test x n`` for the test kernel (see
:func:`memory_bytes`): 8 MB at n = 500 with 1,000 test points, 92 MB at n = 2,000 with 2,000, and
at the paper's MNIST size (n = 60,000, 10,000 test) 62 GB in float64 (31 GB in float32; a GPU).
Time is dominated by the ``n^3 / 3`` flops of each Cholesky factorization.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from rethink_core.errors import ConfigError, DataError

BANDWIDTH_RULE = (
    "Gaussian kernel exp(-||x - x'||^2 / (2 sigma^2)), sigma = median Euclidean distance between distinct "
    "pairs of training points (median heuristic)"
)
MEDIAN_POINTS = 4000  # the median rule is exact up to this many training points
RIDGES = (1e-3, 1e-2, 1e-1, 1.0)  # ridge values relative to the kernel's mean diagonal (1 for a Gaussian)


# ----------------------------------------------------------------------------- kernels


def squared_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """All squared Euclidean distances between the rows of ``a`` (m x D) and ``b`` (n x D): m x n."""
    out = a @ b.T  # one m x n buffer, updated in place: at n = 60,000 every extra copy is 29 GB in float64
    return out.mul_(-2.0).add_(a.pow(2).sum(1)[:, None]).add_(b.pow(2).sum(1)[None, :]).clamp_min_(0.0)


def median_bandwidth(x: torch.Tensor, max_points: int = MEDIAN_POINTS, seed: int = 0) -> float:
    """The median rule: median distance between distinct pairs of rows of ``x`` (on a fixed seeded
    subset of ``max_points`` rows when there are more)."""
    if len(x) < 2:
        raise DataError("the median bandwidth rule needs at least two training points")
    if len(x) > max_points:
        pick = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:max_points]
        x = x[pick.to(x.device)]
    rows, cols = torch.triu_indices(len(x), len(x), offset=1, device=x.device)
    sigma = float(squared_distances(x, x)[rows, cols].median().sqrt())
    if not sigma > 0:
        raise DataError("the median distance between training points is zero: most points coincide")
    return sigma


def gaussian_kernel(a: torch.Tensor, b: torch.Tensor, sigma: float) -> torch.Tensor:
    """``exp(-||a_i - b_j||^2 / (2 sigma^2))`` for all rows of ``a`` and ``b``."""
    if not sigma > 0:
        raise ConfigError(f"the kernel bandwidth must be positive, got {sigma}")
    return squared_distances(a, b).div_(-2.0 * sigma * sigma).exp_()


def one_hot(labels: torch.Tensor, num_classes: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Targets ``Y`` with ``Y[i, labels[i]] = 1`` and zeros elsewhere."""
    return F.one_hot(labels.long(), num_classes).to(dtype)


def solve(K: torch.Tensor, Y: torch.Tensor, ridge: float = 0.0) -> torch.Tensor:
    """``alpha`` with ``(K + ridge * I) alpha = Y``, by Cholesky (``ridge = 0``: exact interpolation).

    A Gaussian Gram matrix of distinct points is positive definite; a failed factorization means
    coinciding points or a matrix too ill-conditioned for the dtype, and raises :class:`DataError`.
    ``K``'s diagonal is shifted in place and restored (up to rounding): no third n x n matrix."""
    if ridge:
        K.diagonal().add_(ridge)
    try:
        L, info = torch.linalg.cholesky_ex(K)
    finally:
        if ridge:
            K.diagonal().sub_(ridge)
    if int(info) != 0:
        raise DataError(
            f"the kernel matrix (ridge {ridge:g}) is not numerically positive definite in {K.dtype} "
            f"(Cholesky failed at column {int(info)}): coinciding training points, or use float64"
        )
    return torch.cholesky_solve(Y, L)


def rkhs_norm(alpha: torch.Tensor, K: torch.Tensor) -> float:
    """The RKHS norm of ``f = sum_i alpha_i k(., x_i)`` (one function per column): ``sqrt(trace(alpha^T K alpha))``."""
    return math.sqrt(max(0.0, float((alpha * (K @ alpha)).sum())))


def memory_bytes(n_train: int, n_test: int, dtype: torch.dtype = torch.float64) -> int:
    """Peak memory of :func:`interpolate` (Gram matrix, its factor, test kernel), in bytes."""
    return (2 * n_train * n_train + n_test * n_train) * torch.finfo(dtype).bits // 8


# ----------------------------------------------------------------------------- feature maps


def pixels(x: torch.Tensor) -> torch.Tensor:
    """Raw (preprocessed) pixels as feature vectors: N x C x H x W -> N x CHW."""
    return x.flatten(1)


def gabor_filters(
    orientations: int = 4,
    wavelengths: tuple[float, ...] = (3.5, 7.0),
    size: int = 7,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """A fixed bank of complex Gabor (Morlet-like) filters, zero-mean: (2 x orientations x scales) x 1 x size x size,
    the real and imaginary parts as separate filters."""
    half = size // 2
    ys, xs = torch.meshgrid(
        torch.arange(-half, half + 1, dtype=dtype), torch.arange(-half, half + 1, dtype=dtype), indexing="ij"
    )
    bank = []
    for wavelength in wavelengths:
        sigma = 0.5 * wavelength
        envelope = torch.exp(-(xs**2 + ys**2) / (2 * sigma**2))
        for k in range(orientations):
            theta = math.pi * k / orientations
            phase = 2 * math.pi * (xs * math.cos(theta) + ys * math.sin(theta)) / wavelength
            for part in (torch.cos(phase), torch.sin(phase)):
                g = envelope * part
                g = g - envelope * (g.sum() / envelope.sum())  # zero mean: responds to edges, not brightness
                bank.append(g / g.norm())
    return torch.stack(bank)[:, None]


def filter_bank_features(x: torch.Tensor, pool: int = 4) -> torch.Tensor:
    """A fixed wavelet-like front end (the analogue of the paper's Gabor-wavelet MNIST features):
    per channel, the modulus of complex Gabor responses at 4 orientations and 2 scales, and the image
    itself, each averaged over ``pool`` x ``pool`` blocks. N x C x H x W -> N x (C * 9 * (H/pool) * (W/pool))."""
    n, c, h, w = x.shape
    bank = gabor_filters(dtype=torch.float32).to(x.device)
    flat = x.reshape(n * c, 1, h, w).float()  # the convolution in float32 (fast); the features return in x's dtype
    resp = F.conv2d(flat, bank, padding=bank.shape[-1] // 2)
    modulus = (resp[:, 0::2] ** 2 + resp[:, 1::2] ** 2).sqrt()  # |real + i imag| per complex filter
    maps = torch.cat([flat, modulus], dim=1)
    return F.avg_pool2d(maps, pool).reshape(n, -1).to(x.dtype)


def random_relu_features(x: torch.Tensor, width: int = 4096, seed: int = 0) -> torch.Tensor:
    """Random ReLU features ``max(0, W x) / sqrt(width)`` with fixed Gaussian ``W`` (entries N(0, 1/D))."""
    flat = x.flatten(1)
    g = torch.Generator().manual_seed(seed)
    W = torch.randn(width, flat.shape[1], generator=g, dtype=flat.dtype).to(flat.device) / math.sqrt(flat.shape[1])
    return torch.relu(flat @ W.T) / math.sqrt(width)


def paired_error_test(wrong_a: torch.Tensor, wrong_b: torch.Tensor) -> dict:
    """Exact McNemar test on the same test examples: do two classifiers' error rates differ?
    Two-sided binomial test on the examples exactly one of them gets wrong."""
    from scipy import stats

    only_a, only_b = int((wrong_a & ~wrong_b).sum()), int((wrong_b & ~wrong_a).sum())
    p = float(stats.binomtest(only_a, only_a + only_b, 0.5).pvalue) if only_a + only_b else 1.0
    return {
        "test": "exact McNemar (paired, two-sided)",
        "only first wrong": only_a,
        "only second wrong": only_b,
        "p_value": p,
        "smallest_attainable_p": min(1.0, 2 * 0.5 ** (only_a + only_b)),  # every discordant example one way
    }


FEATURE_MAPS = {"pixels": pixels, "filter_bank": filter_bank_features, "random_relu": random_relu_features}


# ----------------------------------------------------------------------------- interpolation


@dataclass
class KernelResult:
    """What :func:`interpolate` measured for one feature map."""

    features: str
    n_train: int
    n_test: int
    dim: int
    sigma: float
    train_error: float
    test_error: float
    norm: float  # sqrt(trace(alpha^T K alpha)) of the interpolating (ridge 0) solution
    relative_residual: float  # ||K alpha - Y||_F / ||Y||_F
    ridge_test_error: dict[float, float] = field(default_factory=dict)
    ridge_norm: dict[float, float] = field(default_factory=dict)
    seconds: float = 0.0
    test_wrong: torch.Tensor | None = field(default=None, repr=False)  # per test example: misclassified (bool)

    @property
    def best_ridge(self) -> tuple[float, float]:
        """(ridge, test error) of the best ridge value, chosen on the test set (optimistic for ridge)."""
        return min(self.ridge_test_error.items(), key=lambda item: (item[1], item[0]))


def _wrong(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return scores.argmax(1).ne(labels.to(scores.device)).cpu()


def _errors(scores: torch.Tensor, labels: torch.Tensor) -> float:
    return float(_wrong(scores, labels).double().mean())


def interpolate(
    f_train: torch.Tensor,
    y_train: torch.Tensor,
    f_test: torch.Tensor,
    y_test: torch.Tensor,
    num_classes: int,
    ridges: tuple[float, ...] = RIDGES,
    name: str = "",
) -> KernelResult:
    """Gaussian-kernel interpolation ``K alpha = Y`` of one-hot targets on feature vectors (rows of
    ``f_train``), its test error and RKHS norm, and the same with ridge ``(K + lambda I) alpha = Y``
    for each ``lambda`` in ``ridges`` (relative to the mean of diag K, which is 1)."""
    if f_train.ndim != 2 or f_test.ndim != 2 or f_train.shape[1] != f_test.shape[1]:
        raise ConfigError(
            f"feature matrices must be N x D with the same D, got {tuple(f_train.shape)}, {tuple(f_test.shape)}"
        )
    start = time.perf_counter()
    sigma = median_bandwidth(f_train)
    K = gaussian_kernel(f_train, f_train, sigma)
    K_test = gaussian_kernel(f_test, f_train, sigma)
    Y = one_hot(y_train, num_classes, K.dtype).to(K.device)
    alpha = solve(K, Y)
    fitted = K @ alpha
    wrong = _wrong(K_test @ alpha, y_test)
    result = KernelResult(
        features=name,
        n_train=len(f_train),
        n_test=len(f_test),
        dim=f_train.shape[1],
        sigma=sigma,
        train_error=_errors(fitted, y_train),
        test_error=float(wrong.double().mean()),
        norm=math.sqrt(max(0.0, float((alpha * fitted).sum()))),
        relative_residual=float((fitted - Y).norm() / Y.norm()),
        test_wrong=wrong,
    )
    del fitted, alpha
    for lam in ridges:
        alpha = solve(K, Y, lam)
        result.ridge_test_error[lam] = _errors(K_test @ alpha, y_test)
        result.ridge_norm[lam] = rkhs_norm(alpha, K)
    result.seconds = time.perf_counter() - start
    return result
