"""The library pieces of the follow-up claims (A1, A3, M1, D1/D2), on synthetic data."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from rethink_core import alignment, models
from rethink_core.data import Tensors
from rethink_core.errors import ConfigError
from rethink_core.experiment import label_subsets
from rethink_core.scales import get_scale, rehearse
from rethink_core.stats import proportions_contrast
from rethink_core.train import Hyper, train


def test_isotropic_weights_put_k_over_d_of_their_energy_in_any_subspace():
    torch.manual_seed(0)
    data = torch.randn(500, 64) * torch.linspace(3, 0.1, 64)  # strongly ordered principal directions
    basis, variance = alignment.principal_directions(data, 8)
    share = alignment.energy_share(torch.randn(4096, 64), basis)
    assert share == pytest.approx(8 / 64, rel=0.1)
    assert basis.T @ basis == pytest.approx(torch.eye(8, dtype=torch.float64), abs=1e-9)
    assert 0 < float(variance[0]) < float(variance[-1]) <= 1


def test_weights_in_the_data_span_are_fully_aligned():
    torch.manual_seed(0)
    data = torch.randn(300, 32) * torch.linspace(3, 0.1, 32)
    basis, _ = alignment.principal_directions(data, 4)
    aligned = torch.randn(16, 4).double() @ basis.T  # every row in the top-4 span
    assert alignment.energy_share(aligned, basis) == pytest.approx(1.0)
    result = alignment.first_layer_alignment(torch.randn(16, 32), aligned.float(), data)
    assert result["k"] == [1, 5, 10, 20] and result["random_subspace"][0] == 1 / 32
    assert result["final"][1] == pytest.approx(1.0, abs=1e-5)  # k = 5 contains the top 4


def test_first_linear_is_found_only_where_the_model_starts_fully_connected():
    assert isinstance(alignment.first_linear(models.build("mlp1x512", (1, 28, 28), 10, 0.1)), nn.Linear)
    assert alignment.first_linear(models.build("alexnet", (1, 28, 28), 10, 0.1)) is None


def test_follow_up_models_keep_the_mlps_parameters_and_are_not_convolutional():
    plain = models.count_params(models.build("mlp1x512", (1, 28, 28)))
    assert models.count_params(models.build("mlp1x512_dropout", (1, 28, 28))) == plain
    pooled = models.build("mlp1x512_pool4", (1, 28, 28), 10, 16 / 512)
    assert models.count_params(pooled) == (49 + 1) * 16 + (16 + 1) * 10
    assert pooled(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert not any(models.is_convolutional(m) for m in models.FOLLOWUP_MLPS)
    with pytest.raises(ConfigError, match="mlp1x512_pool4"):
        models.build("nope")


def test_training_records_accuracy_on_kept_and_changed_labels_every_epoch():
    torch.manual_seed(0)
    x = torch.randn(64, 1, 4, 4)
    clean = (x.flatten(1).sum(1) > 0).long()
    noisy = clean.clone()
    noisy[:8] = 1 - noisy[:8]
    data = Tensors(x, noisy, x[:16], clean[:16])
    subsets = label_subsets(clean, noisy)
    assert int(subsets["changed"].sum()) == 8
    net = models.build("mlp1x512", (1, 4, 4), 2, 0.25)
    history = train(net, data, Hyper(lr=0.05, max_epochs=3, check_from=1.1), subsets=subsets)
    assert all(set(e.subset_acc) == {"kept", "changed"} for e in history.epochs)
    assert history.epochs[-1].subset_acc_eval is not None  # the eval-mode check always runs at the cap
    assert history.epochs[0].subset_acc_eval is None  # and before it only from check_from


def test_an_empty_subset_is_left_out():
    labels = torch.tensor([0, 1, 2])
    subsets = label_subsets(labels, labels)
    from rethink_core.train import subset_accuracy

    assert subset_accuracy(torch.tensor([True, False, True]), subsets) == {"kept": pytest.approx(2 / 3)}


def test_proportions_contrast():
    test = proportions_contrast([(1, 60, 100), (-1, 40, 100)])
    assert test["estimate"] == pytest.approx(0.2)
    assert test["standard_error"] == pytest.approx(math.sqrt(2 * 0.24 / 100))
    assert test["p_value"] < 0.01 and test["interval95"][0] > 0
    assert proportions_contrast([(1, 60, 100), (-1, 40, 100)], above=0.3)["p_value"] > 0.5
    assert proportions_contrast([(1, 10, 10), (-1, 0, 10)])["p_value"] == 0.0  # no variance: decided exactly


def test_width_sweep_is_a_default_scale_experiment_and_rehearses():
    default = get_scale("default")
    exp = default.width_sweep_experiment(16, True, 1)
    assert (exp.model, exp.variant, exp.p, exp.n_train) == ("mlp1x512_pool4", "corrupt_labels", 0.2, 1000)
    assert exp.width * 512 == 16 and exp.hyper.test_every == exp.hyper.max_epochs
    assert default.width_sweep_experiment(16, False, 1).variant == "true_labels"
    assert rehearse(default).width_sweep.n_train == 24
    with pytest.raises(ConfigError, match="width sweep"):
        get_scale("smoke").width_sweep_experiment(16, True, 0)
