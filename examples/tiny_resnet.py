"""A small ResNet (two residual stages, about 78,000 parameters) to point the claims at:

    pytest claims --model examples/tiny_resnet.py:build -k "R1 or R4" -n auto

``build(input_shape, num_classes)`` is the interface ``--model`` expects; ``build.rethink_hyper``
gives the model's own training settings (the command line's --lr etc. override them).
"""

from __future__ import annotations

import torch
from torch import nn


class Block(nn.Module):
    """Two 3x3 convolutions with BatchNorm and a skip connection (He et al. 2016)."""

    def __init__(self, channels_in: int, channels_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels_out)
        same = stride == 1 and channels_in == channels_out
        project = nn.Conv2d(channels_in, channels_out, 1, stride, bias=False)
        self.skip = nn.Identity() if same else nn.Sequential(project, nn.BatchNorm2d(channels_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.skip(x))


class TinyResNet(nn.Module):
    def __init__(self, channels: int, num_classes: int, width: int = 16) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        self.stages = nn.Sequential(Block(width, width, 1), Block(width, 2 * width, 2), Block(2 * width, 4 * width, 2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * width, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stages(self.stem(x)))


def build(input_shape: tuple[int, int, int], num_classes: int) -> nn.Module:
    return TinyResNet(input_shape[0], num_classes)


build.rethink_hyper = {"lr": 0.05}
