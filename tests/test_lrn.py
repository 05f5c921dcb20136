"""The faster local response normalization computes torch's numbers bit for bit (so stored runs stay valid)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from rethink_core import models
from rethink_core.data import Tensors
from rethink_core.lrn import LocalResponseNorm
from rethink_core.train import Hyper, train


def output_and_gradient(module: nn.Module, x: torch.Tensor, grad: torch.Tensor, precision: str):
    x = x.clone().requires_grad_()
    with torch.autocast("cpu", torch.bfloat16, enabled=precision == "bf16"):
        y = module(x.bfloat16() if precision == "bf16" else x)
    y.backward(grad.to(y.dtype))
    return y.detach(), x.grad


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 4),
    channels=st.integers(1, 20),
    side=st.integers(1, 6),
    size=st.integers(1, 10),
    channels_last=st.booleans(),
    precision=st.sampled_from(["float32", "bf16"]),
    seed=st.integers(0, 2**16),
)
def test_forward_and_gradient_equal_torchs_bit_for_bit(n, channels, side, size, channels_last, precision, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, channels, side, side, generator=g) * 3
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    grad = torch.randn(n, channels, side, side, generator=g)
    theirs = output_and_gradient(nn.LocalResponseNorm(size, alpha=0.001, beta=0.75, k=1.0), x, grad, precision)
    ours = output_and_gradient(LocalResponseNorm(size, alpha=0.001, beta=0.75, k=1.0), x, grad, precision)
    for a, b in zip(theirs, ours, strict=True):
        assert a.dtype == b.dtype and a.stride() == b.stride()
        assert torch.equal(a, b)


@pytest.mark.parametrize("precision", ["float32", "bf16"])
def test_alexnet_trains_to_the_same_weights_as_with_torchs_module(precision):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(160, 1, 28, 28, generator=g).contiguous(memory_format=torch.channels_last)
    data = Tensors(x, torch.randint(10, (160,), generator=g), x[:32], torch.randint(10, (32,), generator=g))
    weights = []
    for lrn in (nn.LocalResponseNorm, LocalResponseNorm):
        torch.manual_seed(0)
        model = models.SmallAlexNet((1, 28, 28), width=0.125).to(memory_format=torch.channels_last)
        for i, layer in enumerate(model):
            if isinstance(layer, nn.LocalResponseNorm):
                model[i] = lrn(layer.size, layer.alpha, layer.beta, layer.k)
        history = train(model, data, Hyper(max_epochs=2, check_from=0.0), precision=precision)
        weights.append((model.state_dict(), [e.loss for e in history.epochs]))
    (theirs, their_losses), (ours, our_losses) = weights
    assert their_losses == our_losses
    assert all(torch.equal(theirs[name], ours[name]) for name in theirs)


def test_alexnet_uses_it():
    assert any(type(layer) is LocalResponseNorm for layer in models.build("alexnet", (1, 28, 28), width=0.125))
