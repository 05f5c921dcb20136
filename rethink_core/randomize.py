"""The randomization tests of Section 2: corrupt labels or inputs, once, from a seed.

Every function draws from its own ``torch.Generator`` seeded by the caller, so the same seed
gives the same corrupted data set, drawn once and fixed for the whole run (never redrawn per
epoch). Test labels are never corrupted: test accuracy is always against the true labels.
"""

from __future__ import annotations

import torch

from rethink_core.data import Tensors
from rethink_core.errors import ConfigError

VARIANTS = ("true_labels", "corrupt_labels", "random_labels", "shuffled_pixels", "random_pixels", "gaussian")


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def corrupt_labels(labels: torch.Tensor, p: float, num_classes: int, seed: int) -> torch.Tensor:
    """Partially corrupted labels: each label, independently with probability ``p``, is replaced by
    a class drawn uniformly from all ``num_classes`` (so about (1 - 1/k) p of them change)."""
    if not 0.0 <= p <= 1.0:
        raise ConfigError(f"corruption probability p={p} is outside [0, 1]")
    gen = _generator(seed)
    replace = torch.rand(labels.shape, generator=gen) < p
    drawn = torch.randint(num_classes, labels.shape, generator=gen)
    return torch.where(replace, drawn, labels)


def shuffle_pixels(x_train: torch.Tensor, x_test: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffled pixels: one random permutation of pixel positions, applied to every train and test
    image (a pixel keeps its channels together)."""
    perm = torch.randperm(x_train.shape[-2] * x_train.shape[-1], generator=_generator(seed))
    return _permute_positions(x_train, perm), _permute_positions(x_test, perm)


def randomize_pixels(x: torch.Tensor, seed: int) -> torch.Tensor:
    """Random pixels: an independent random permutation of pixel positions for each image."""
    n, hw = x.shape[0], x.shape[-2] * x.shape[-1]
    perms = torch.rand(n, hw, generator=_generator(seed)).argsort(dim=1)
    return _permute_positions(x, perms)


def _permute_positions(x: torch.Tensor, perm: torch.Tensor) -> torch.Tensor:
    flat = x.flatten(2)  # N x C x HW
    index = perm.expand(flat.shape[0], -1) if perm.dim() == 1 else perm
    return flat.gather(2, index.unsqueeze(1).expand(-1, flat.shape[1], -1)).view_as(x)


def gaussian_like(x_train: torch.Tensor, x_test: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian: every image replaced by Gaussian noise with the training set's per-channel mean and
    variance."""
    dims = (0, 2, 3)
    mean = x_train.mean(dim=dims, keepdim=True)
    std = x_train.std(dim=dims, keepdim=True)
    gen = _generator(seed)
    noise_train = torch.randn(x_train.shape, generator=gen) * std + mean
    noise_test = torch.randn(x_test.shape, generator=gen) * std + mean
    return noise_train, noise_test


def apply(data: Tensors, variant: str, seed: int, p: float = 0.0, num_classes: int = 10) -> Tensors:
    """The data set as one of the paper's six variants (Section 2, "randomization tests")."""
    xtr, ytr, xte, yte = data.x_train, data.y_train, data.x_test, data.y_test
    if variant == "true_labels":
        pass
    elif variant == "corrupt_labels":
        ytr = corrupt_labels(ytr, p, num_classes, seed)
    elif variant == "random_labels":
        ytr = corrupt_labels(ytr, 1.0, num_classes, seed)
    elif variant == "shuffled_pixels":
        xtr, xte = shuffle_pixels(xtr, xte, seed)
    elif variant == "random_pixels":
        xtr, xte = randomize_pixels(xtr, seed), randomize_pixels(xte, seed ^ 0x5EED)
    elif variant == "gaussian":
        xtr, xte = gaussian_like(xtr, xte, seed)
    else:
        raise ConfigError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")
    return Tensors(x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
