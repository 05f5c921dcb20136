"""Empirical Rademacher complexity (Zhang et al. 2017, Section 2.2; T4).

``R_n(H) = E_sigma [ sup_{h in H} (1/n) sum_i sigma_i h(x_i) ]`` with ``sigma`` uniform in
``{-1, +1}^n`` and ``h`` taking values in ``[-1, 1]``. The paper's argument: the networks fit
random labels perfectly, so for every sign vector some ``h`` in the class reaches the largest
possible value, 1, and ``R_n(H)`` is about 1: the trivial bound, useless for explaining
generalization.

:func:`estimate` replaces the sup by *fitting*: for each of several draws of ``sigma`` it trains a
classifier of the class on the labels ``sigma`` and averages ``(1/n) sum_i sigma_i h(x_i)``
(``h`` = the trained classifier's prediction, +1 or -1). Fitting can only fall short of the sup,
so the average estimates a lower bound on ``R_n(H)``. For a class that cannot shatter the sample
(halfspaces on d features, n much larger than d), :func:`vc_upper_bound` gives an upper bound
from Massart's lemma and Sauer's lemma.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from rethink_core import models
from rethink_core.data import Tensors
from rethink_core.errors import ConfigError
from rethink_core.seeding import derived_seed
from rethink_core.train import FITTED, Hyper, predict, train

Fitter = Callable[[np.ndarray, int], np.ndarray]  # (sigma in {-1, +1}^n, draw) -> h(x_i) in [-1, 1]^n


def signs(n: int, draws: int, seed: int = 0) -> np.ndarray:
    """``draws`` independent Rademacher vectors: draws x n, entries -1 or +1 with probability 1/2."""
    if n < 1 or draws < 1:
        raise ConfigError(f"need n >= 1 and draws >= 1, got n={n}, draws={draws}")
    return np.random.default_rng(seed).integers(0, 2, size=(draws, n)) * 2 - 1


def correlation(sigma: np.ndarray, h: np.ndarray) -> float:
    """``(1/n) sum_i sigma_i h(x_i)``: 1 when ``h`` reproduces every sign."""
    h = np.asarray(h, dtype=np.float64)
    if h.shape != sigma.shape or np.abs(h).max(initial=0.0) > 1.0:
        raise ConfigError("h must give one value in [-1, 1] per point")
    return float(np.mean(sigma * h))


@dataclass
class Estimate:
    """Rademacher estimate of one model class on one sample."""

    values: list[float]  # (1/n) sum sigma_i h(x_i), per draw
    n: int
    seconds: float
    details: list[dict] = field(default_factory=list)  # what each fit reported (epochs, status, ...)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))


def estimate(fitter: Fitter, n: int, draws: int, seed: int = 0) -> Estimate:
    """Average over ``draws`` sign vectors of the correlation that ``fitter`` reaches (a lower bound
    on the sup, hence on the empirical Rademacher complexity)."""
    start = time.perf_counter()
    values, details = [], []
    for k, sigma in enumerate(signs(n, draws, seed)):
        h = fitter(sigma, k)
        values.append(correlation(sigma, h))
        details.append(dict(getattr(fitter, "last", {})))
    return Estimate(values=values, n=n, seconds=time.perf_counter() - start, details=details)


def vc_upper_bound(n: int, vc_dim: int) -> float:
    """``sqrt(2 D ln(e n / D) / n)``: Massart's lemma with Sauer's bound ``(e n / D)^D`` on the number of
    sign patterns a class of VC dimension ``D`` realizes on n points (valid for n >= D)."""
    if not 1 <= vc_dim <= n:
        raise ConfigError(f"the bound needs 1 <= VC dimension <= n, got D={vc_dim}, n={n}")
    return math.sqrt(2 * vc_dim * math.log(math.e * n / vc_dim) / n)


# ----------------------------------------------------------------------------- the two model classes


class NetworkFitter:
    """The over-parameterized class: an MLP (one hidden ReLU layer of ``width`` units, 2 outputs)
    trained by the project's one training loop (:func:`rethink_core.train.train`, the paper's
    SGD with momentum) on labels ``(sigma + 1) / 2`` until it fits or hits ``max_epochs``, in
    ``precision`` (``float32`` or ``bf16``: :mod:`rethink_core.precision`);
    ``h(x) = +1`` where it predicts class 1, else -1."""

    def __init__(
        self, x: torch.Tensor, width: int = 512, hyper: Hyper | None = None, seed: int = 0, precision: str = "float32"
    ) -> None:
        self.x, self.width, self.seed, self.precision = x, width, seed, precision
        self.hyper = hyper or Hyper(lr=models.PAPER_LR["mlp1x512"], max_epochs=200)
        self.last: dict = {}

    @property
    def num_params(self) -> int:
        return models.count_params(models.mlp(tuple(self.x.shape[1:]), [self.width], 2))

    def __call__(self, sigma: np.ndarray, draw: int) -> np.ndarray:
        labels = torch.from_numpy((sigma > 0).astype(np.int64))
        torch.manual_seed(derived_seed(self.seed * 1000 + draw, "rademacher-init"))
        model = models.mlp(tuple(self.x.shape[1:]), [self.width], 2)
        data = Tensors(self.x, labels, self.x[:1], labels[:1])
        order = derived_seed(self.seed * 1000 + draw, "order")
        history = train(model, data, self.hyper, seed=order, eval_test=False, precision=self.precision)
        pred = predict(model, self.x, precision=self.precision).numpy()
        self.last = {"status": history.status, "epochs": len(history.epochs), "fitted": history.status == FITTED}
        return pred * 2.0 - 1.0


class LinearFitter:
    """A class that cannot shatter the sample: halfspaces ``sign(<v, f(x)> + c)`` on d fixed
    features (VC dimension d + 1), fitted by least squares to ``sigma`` (``h = +1`` where the fit
    is >= 0)."""

    def __init__(self, features: np.ndarray) -> None:
        f = np.asarray(features, dtype=np.float64)
        self.design = np.hstack([f, np.ones((len(f), 1))])
        self.vc_dim = self.design.shape[1]
        self.last: dict = {}

    def __call__(self, sigma: np.ndarray, draw: int) -> np.ndarray:
        coef, *_ = np.linalg.lstsq(self.design, sigma.astype(np.float64), rcond=None)
        return np.where(self.design @ coef >= 0, 1.0, -1.0)


def principal_components(x: torch.Tensor, d: int) -> np.ndarray:
    """The first ``d`` principal-component scores of the flattened rows of ``x`` (N x d, float64)."""
    flat = x.flatten(1).double()
    flat = flat - flat.mean(0)
    _, _, vh = torch.linalg.svd(flat, full_matrices=False)
    return (flat @ vh[:d].T).numpy()
