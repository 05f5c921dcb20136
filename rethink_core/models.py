"""The paper's five architectures (Appendix A, Table 1), built for any input shape and width.

At input (3, 28, 28), 10 classes and ``width=1.0`` the parameter counts are exactly the paper's:
Inception (small) 1,649,402 with or without BatchNorm, AlexNet (small) 1,387,786, MLP 1x512
1,209,866 and MLP 3x512 1,735,178. ``width`` scales every channel and hidden-unit count, so
smaller scales keep the paper's shapes at a CPU-friendly cost.
"""

from __future__ import annotations

import torch
from torch import nn

from rethink_core import user_models
from rethink_core.errors import ConfigError
from rethink_core.lrn import LocalResponseNorm

NAMES = ("inception", "inception_nobn", "alexnet", "mlp1x512", "mlp3x512")
MLPS = ("mlp1x512", "mlp3x512")
# Models of the follow-up claims (docs/claims.md): the MLP 1x512 with dropout on its hidden layer
# (Arpit et al. 2017, A3) and on 4x4-average-pooled images (the double-descent width sweep, D1/D2).
# A3's grid of dropout rates (fixed before its runs; docs/claims.md, "A3"): 0.5, Srivastava et al. (2014)'s
# rate for hidden units, and two higher ones, since Arpit et al. sweep the rate and claim the effect for an
# appropriately tuned one. Each rate is a model of its own: "mlp1x512_dropout" (0.5, its name since A3
# began) and "mlp1x512_dropout0.7", "mlp1x512_dropout0.9".
DROPOUT = 0.5
DROPOUT_RATES = (0.5, 0.7, 0.9)
DROPOUT_MODELS = {
    rate: "mlp1x512_dropout" if rate == DROPOUT else f"mlp1x512_dropout{rate:g}" for rate in DROPOUT_RATES
}
FOLLOWUP_MLPS = (*DROPOUT_MODELS.values(), "mlp1x512_pool4")
# Table 2 (claim I1): Inception V3 on ImageNet (Szegedy et al. 2016), torchvision's, without and with dropout
# before its classifier. The rate: TF-slim's Inception V3 keeps 80% (dropout_keep_prob=0.8); the paper
# names no rate. No auxiliary classifier: the paper does not say it trained one (its loss would be a second,
# regularizing head), and one loss keeps the one training loop.
INCEPTION_V3 = {"inception_v3": 0.0, "inception_v3_dropout": 0.2}
POOL = 4  # 28x28 -> 7x7: 49 inputs, so that a width sweep passes the interpolation threshold on CPU
PAPER_PARAMS = {
    "inception": 1_649_402,
    "inception_nobn": 1_649_402,
    "alexnet": 1_387_786,
    "mlp1x512": 1_209_866,
    "mlp3x512": 1_735_178,
}
# Learning rates of Section 2/Appendix A: 0.01 for AlexNet and the MLPs, 0.1 for Inception
# (the latter from secondary sources, unconfirmed).
PAPER_LR = {"inception": 0.1, "inception_nobn": 0.1, "alexnet": 0.01, "mlp1x512": 0.01, "mlp3x512": 0.01}


def is_convolutional(name: str) -> bool:
    """Whether the model is one of the paper's CNNs (stored channels-last, trained with random crop
    in Table 1). A user's model (``MODULE:CALLABLE``) is none of the paper's."""
    return name not in MLPS + FOLLOWUP_MLPS and not user_models.is_user_model(name)


def table_1_settings(name: str) -> list[tuple[bool, bool]]:
    """Table 1's (random crop, weight decay) settings of a model: random crop only for the CNNs (and a
    user's model, which may be one)."""
    crops = (True, False) if is_convolutional(name) or user_models.is_user_model(name) else (False,)
    return [(crop, decay) for crop in crops for decay in (True, False)]


def scaled(channels: int, width: float) -> int:
    return max(1, round(channels * width))


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def build(
    name: str, input_shape: tuple[int, int, int] = (3, 28, 28), num_classes: int = 10, width: float = 1.0
) -> nn.Module:
    """One of :data:`NAMES`, or a user's ``MODULE:CALLABLE`` (its width is its own), for inputs of
    shape (channels, height, width)."""
    if user_models.is_user_model(name):
        return user_models.build(name, input_shape, num_classes)
    if width <= 0:
        raise ConfigError(f"width must be positive, got {width}")
    if name == "mlp1x512":
        return mlp(input_shape, [scaled(512, width)], num_classes)
    if name == "mlp3x512":
        return mlp(input_shape, [scaled(512, width)] * 3, num_classes)
    if name in DROPOUT_MODELS.values():
        rate = next(r for r, model in DROPOUT_MODELS.items() if model == name)
        return mlp(input_shape, [scaled(512, width)], num_classes, dropout=rate)
    if name == "mlp1x512_pool4":
        c, h, w = input_shape
        pooled = (c, -(-h // POOL), -(-w // POOL))  # ceil_mode pooling keeps a partial border window
        return nn.Sequential(nn.AvgPool2d(POOL, ceil_mode=True), mlp(pooled, [scaled(512, width)], num_classes))
    if name == "alexnet":
        return SmallAlexNet(input_shape, num_classes, width)
    if name in ("inception", "inception_nobn"):
        return SmallInception(input_shape[0], num_classes, width, batchnorm=name == "inception")
    if name in INCEPTION_V3:
        return inception_v3(input_shape, num_classes, width, INCEPTION_V3[name])
    raise ConfigError(f"unknown model {name!r}: use one of {', '.join(NAMES + FOLLOWUP_MLPS + tuple(INCEPTION_V3))}")


# ----------------------------------------------------------------------------- MLPs


def mlp(input_shape: tuple[int, int, int], hidden: list[int], num_classes: int, dropout: float = 0.0) -> nn.Sequential:
    """Multi-layer perceptron with ReLU: flatten -> hidden layers (each followed by dropout, if any) ->
    linear to classes."""
    layers: list[nn.Module] = [nn.Flatten()]
    fan_in = input_shape[0] * input_shape[1] * input_shape[2]
    for units in hidden:
        layers += [nn.Linear(fan_in, units), nn.ReLU(inplace=True)]
        layers += [nn.Dropout(dropout)] if dropout else []
        fan_in = units
    layers.append(nn.Linear(fan_in, num_classes))
    return nn.Sequential(*layers)


# ----------------------------------------------------------------------------- AlexNet


class SmallAlexNet(nn.Sequential):
    """[conv 5x5 64 ("same") -> max-pool 3x3 stride 2 -> local response norm] x 2, then
    fully connected 384 -> 192 -> classes, ReLU after every hidden layer (Appendix A)."""

    def __init__(self, input_shape: tuple[int, int, int], num_classes: int = 10, width: float = 1.0) -> None:
        c, h, w = input_shape
        ch, fc1, fc2 = scaled(64, width), scaled(384, width), scaled(192, width)
        for _ in range(2):  # "same" 3x3/2 pooling halves the size, rounding up: 28 -> 14 -> 7
            h, w = (h + 1) // 2, (w + 1) // 2
        super().__init__(
            *self.block(c, ch),
            *self.block(ch, ch),
            nn.Flatten(),
            nn.Linear(ch * h * w, fc1),
            nn.ReLU(inplace=True),
            nn.Linear(fc1, fc2),
            nn.ReLU(inplace=True),
            nn.Linear(fc2, num_classes),
        )

    @staticmethod
    def block(cin: int, cout: int) -> list[nn.Module]:
        # LRN as in the TensorFlow CIFAR-10 model: depth radius 4, bias 1, alpha 0.001/9, beta 0.75
        # (torch divides alpha by size, so alpha=0.001 with size=9).
        return [
            nn.Conv2d(cin, cout, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
            LocalResponseNorm(9, alpha=0.001, beta=0.75, k=1.0),
        ]


# ----------------------------------------------------------------------------- Inception


class ConvModule(nn.Sequential):
    """conv -> BatchNorm (no learnable affine) -> ReLU; without BatchNorm: conv -> ReLU.

    Conv biases plus affine-free BatchNorm give the paper's parameter count, the same with and
    without BatchNorm (Table 1 lists one number for both)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, batchnorm: bool = True) -> None:
        layers: list[nn.Module] = [nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2)]
        if batchnorm:
            layers.append(nn.BatchNorm2d(cout, affine=False))
        layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class InceptionModule(nn.Module):
    """A 1x1 conv-module (c1 outputs) and a 3x3 conv-module (c3 outputs) in parallel, concatenated."""

    def __init__(self, cin: int, c1: int, c3: int, batchnorm: bool) -> None:
        super().__init__()
        self.branch1 = ConvModule(cin, c1, 1, batchnorm=batchnorm)
        self.branch3 = ConvModule(cin, c3, 3, batchnorm=batchnorm)
        self.out_channels = c1 + c3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch3(x)], dim=1)


class Downsample(nn.Module):
    """A 3x3 stride-2 conv-module (c3 outputs) in parallel with a 3x3 stride-2 max-pool."""

    def __init__(self, cin: int, c3: int, batchnorm: bool) -> None:
        super().__init__()
        self.conv = ConvModule(cin, c3, 3, stride=2, batchnorm=batchnorm)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.out_channels = cin + c3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.conv(x), self.pool(x)], dim=1)


# The small Inception of Appendix A, Figure 3: ("conv", c) | ("inc", c1, c3) | ("down", c3)
INCEPTION_LAYOUT = (
    ("conv", 96),
    ("inc", 32, 32),
    ("inc", 32, 48),
    ("down", 80),
    ("inc", 112, 48),
    ("inc", 96, 64),
    ("inc", 80, 80),
    ("inc", 48, 96),
    ("down", 96),
    ("inc", 176, 160),
    ("inc", 176, 160),
)


class SmallInception(nn.Module):
    """The small Inception network for CIFAR-10 (Appendix A), ending in global mean pooling and a
    linear layer to the classes."""

    def __init__(self, in_channels: int, num_classes: int = 10, width: float = 1.0, batchnorm: bool = True) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for kind, *sizes in INCEPTION_LAYOUT:
            sizes = [scaled(s, width) for s in sizes]
            if kind == "conv":
                layers.append(ConvModule(c, sizes[0], 3, batchnorm=batchnorm))
                c = sizes[0]
            elif kind == "inc":
                layers.append(InceptionModule(c, *sizes, batchnorm=batchnorm))
                c = layers[-1].out_channels
            else:
                layers.append(Downsample(c, *sizes, batchnorm=batchnorm))
                c = layers[-1].out_channels
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, num_classes)
        if not batchnorm:
            he_initialize(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).mean(dim=(2, 3)))


def he_initialize(module: nn.Module) -> None:
    """He (fan-in, ReLU) initialization of every convolution, biases zero. Without BatchNorm the
    signal must survive eleven conv layers on its own: PyTorch's default initialization shrinks it
    layer by layer until the output is constant (measured: the loss stays at ln 10 for 200 epochs at
    learning rates 0.1, 0.03 and 0.01). With BatchNorm the initial scale does not matter."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)


# ----------------------------------------------------------------------------- Inception V3 (ImageNet)


def inception_v3(input_shape: tuple[int, int, int], num_classes: int, width: float, dropout: float) -> nn.Module:
    """torchvision's Inception V3 (Szegedy et al. 2016), untrained, with its own initialization (truncated
    normal, std 0.1), for 3-channel inputs of at least 75 x 75 (299 x 299 at the paper's size)."""
    from torchvision.models import inception_v3 as torchvision_inception_v3

    c, h, w = input_shape
    if width != 1.0 or c != 3 or min(h, w) < 75:
        raise ConfigError(f"Inception V3 takes 3 x 75 x 75 or larger at width 1, not {input_shape} at width {width}")
    return torchvision_inception_v3(
        weights=None, num_classes=num_classes, aux_logits=False, init_weights=True, dropout=dropout
    )
