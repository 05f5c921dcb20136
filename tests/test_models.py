"""The paper's architectures: exact parameter counts (Table 1, Appendix A), any input shape."""

from __future__ import annotations

import pytest
import torch

from rethink_core import models
from rethink_core.errors import ConfigError


@pytest.mark.parametrize("name", models.NAMES)
def test_parameter_counts_are_the_papers(name):
    assert models.count_params(models.build(name, (3, 28, 28))) == models.PAPER_PARAMS[name]


@pytest.mark.parametrize("name", models.NAMES)
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (3, 28, 28)])
def test_any_input_shape_and_width(name, shape):
    model = models.build(name, shape, num_classes=7, width=0.25)
    assert model(torch.randn(2, *shape)).shape == (2, 7)
    assert models.count_params(model) < models.PAPER_PARAMS[name]


def test_inception_without_batchnorm_has_no_batchnorm():
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in models.build("inception_nobn").modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in models.build("inception").modules())


def test_bad_names_and_widths():
    with pytest.raises(ConfigError, match="unknown model"):
        models.build("resnet50")
    with pytest.raises(ConfigError, match="width"):
        models.build("mlp1x512", width=0)
