"""Local response normalization (AlexNet's, Appendix A) that gives torch's numbers bit for bit, faster on the CPU.

``torch.nn.LocalResponseNorm`` sums the squares over a window of channels with ``avg_pool3d`` on a
5-D view whose pooling window runs along the channels. On the CPU that kernel is slow for this
shape: at the default scale its forward and backward took about a third of AlexNet's training step
(torch's profiler, one thread; ``benchmarks/lrn_steps.py`` measures the loop with each).

:class:`LocalResponseNorm` computes the same window mean as a sum of shifted channel slices, in the
order the pooling kernel adds them (forward: window start to end; backward: each output's share
added to its inputs in output order), then the same elementwise steps as ``F.local_response_norm``.
So a float32 run, and a bf16 one under CPU autocast (which runs ``avg_pool3d`` in float32), computes
exactly what torch's module computes: the stored runs stay valid (``tests/test_lrn.py`` checks
forward and gradients bit for bit). Other devices and shapes use torch's own function.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class _ChannelWindowMean(torch.autograd.Function):
    """Mean over ``size`` consecutive channels of an (N, C + size - 1, H, W) tensor: what
    ``avg_pool3d(x[:, None], (size, 1, 1), stride=1)[:, 0]`` computes, in the same order of additions."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, padded: torch.Tensor, size: int) -> torch.Tensor:
        channels = padded.shape[1] - size + 1
        ctx.size, ctx.padded_shape, ctx.padded_stride = size, padded.shape, padded.stride()
        total = padded[:, 0:channels] + padded[:, 1 : channels + 1] if size > 1 else padded[:, 0:channels].clone()
        for start in range(2, size):
            total += padded[:, start : start + channels]
        return total.div_(size)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        size, channels = ctx.size, grad.shape[1]
        share = grad / size
        # in the padded input's layout: adding channels-last slices into a contiguous tensor is several times slower
        grad_padded = torch.empty_strided(ctx.padded_shape, ctx.padded_stride, dtype=grad.dtype, device=grad.device)
        grad_padded.zero_()
        for start in reversed(range(size)):  # outputs in increasing order reach each input
            grad_padded[:, start : start + channels] += share
        return grad_padded, None


def local_response_norm(x: torch.Tensor, size: int, alpha: float, beta: float, k: float) -> torch.Tensor:
    """``F.local_response_norm(x, size, alpha, beta, k)``, computed faster for 4-D CPU tensors."""
    if x.device.type != "cpu" or x.dim() != 4 or x.numel() == 0:
        return F.local_response_norm(x, size, alpha, beta, k)
    squares = x.mul(x)
    if torch.is_autocast_enabled("cpu"):  # CPU autocast runs avg_pool3d in float32
        squares = squares.float()
    padded = F.pad(squares, (0, 0, 0, 0, size // 2, (size - 1) // 2))
    div = _ChannelWindowMean.apply(padded, size)
    div = div.mul(alpha).add(k).pow(beta)
    return x / div


class LocalResponseNorm(nn.LocalResponseNorm):
    """``nn.LocalResponseNorm`` with the faster CPU path of :func:`local_response_norm`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)
