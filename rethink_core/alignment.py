"""How the first layer's weights line up with the data (Maennel et al. 2020, Section 2-3).

Maennel et al. show that training on random labels aligns the principal components of the first
layer's weights with those of the data. We measure it with one number per k: the share of the
first-layer weights' energy, sum_i ||w_i||^2 over the hidden units' incoming weight vectors w_i,
that lies in the span of the data's top-k principal directions (the top-k eigenvectors of the
training inputs' covariance). Weights drawn independently of the data put about k/d of their energy
in any fixed k-dimensional subspace of the d input dimensions; training that aligns them with the
data raises the share. A run stores these shares at initialization and at the end (no weights).
"""

from __future__ import annotations

import torch
from torch import nn

# The subspace sizes whose shares a run stores; M1 asserts at M1_K (rethink_core.verdicts).
KS = (1, 5, 10, 20, 50)


def first_linear(model: nn.Module) -> nn.Linear | None:
    """The model's first layer with weights, if it is fully connected (an MLP on flattened pixels)."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            return module
        if isinstance(module, (nn.Conv2d, nn.Conv1d, nn.Embedding)):
            return None
    return None


def principal_directions(x: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The top-``k`` principal directions of the rows of ``x`` (d x k, orthonormal columns) and the
    share of the total variance each prefix of them carries (k values)."""
    flat = x.reshape(len(x), -1).double()
    centered = flat - flat.mean(dim=0)
    _, s, vh = torch.linalg.svd(centered, full_matrices=False)
    variance = s**2
    return vh[:k].T, (variance.cumsum(0) / variance.sum())[:k]


def energy_share(weight: torch.Tensor, basis: torch.Tensor) -> float:
    """Share of ``weight``'s energy (squared Frobenius norm; rows are units) in the span of ``basis``'s
    orthonormal columns."""
    w = weight.double()
    total = float((w**2).sum())
    return float(((w @ basis) ** 2).sum()) / total if total > 0 else 0.0


def first_layer_alignment(initial: torch.Tensor, final: torch.Tensor, inputs: torch.Tensor) -> dict:
    """Shares of the first layer's weight energy in the inputs' top-k principal directions, for each k
    of :data:`KS` (at most the input dimension): at initialization, at the end, of the change (final -
    initial), of a random subspace (k/d), and the share of the inputs' variance those directions carry."""
    d = initial.shape[1]
    ks = [k for k in KS if k <= min(d, len(inputs))]
    basis, variance = principal_directions(inputs.cpu(), max(ks))
    initial, final = initial.detach().cpu(), final.detach().cpu()
    return {
        "input_dimension": d,
        "k": ks,
        "initial": [energy_share(initial, basis[:, :k]) for k in ks],
        "final": [energy_share(final, basis[:, :k]) for k in ks],
        "change": [energy_share(final - initial, basis[:, :k]) for k in ks],
        "random_subspace": [k / d for k in ks],
        "data_variance": [float(variance[k - 1]) for k in ks],
    }


def change_nulls(inputs: torch.Tensor, k: int) -> dict[str, float]:
    """Two shares a first-layer change unrelated to the labels would put in the inputs' top-``k``
    principal directions (Maennel et al. 2020, Section 2, define alignment against the data's covariance). A
    gradient step on the first layer is a combination of training inputs, so its change lies in their
    span: isotropic within that span, it puts ``k / rank`` there ("span"); built from random
    combinations of the inputs, it puts the inputs' own share of energy there ("combinations")."""
    flat = inputs.reshape(len(inputs), -1).double().cpu()
    basis, _ = principal_directions(flat, k)
    return {"span": k / int(torch.linalg.matrix_rank(flat)), "combinations": energy_share(flat, basis)}
