"""The one training loop: stops at 100% training accuracy, caps, divergence, determinism."""

from __future__ import annotations

import math

import torch

from rethink_core import models
from rethink_core.data import Tensors
from rethink_core.experiment import Experiment, execute
from rethink_core.train import DIVERGED, FITTED, NOT_CONVERGED, Hyper, random_crop, train


def separable(n=64, d=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 4, 5, generator=g)
    return Tensors(x, torch.randint(10, (n,), generator=g), x[:16], torch.randint(10, (16,), generator=g))


def test_memorises_small_random_data_and_stops_at_100_percent():
    torch.manual_seed(0)
    model = models.mlp((1, 4, 5), [256], 10)
    h = train(model, separable(), Hyper(lr=0.05, max_epochs=300, batch_size=16))
    assert h.status == FITTED
    assert h.epochs[-1].train_acc_eval == 1.0
    assert all(e.train_acc_eval != 1.0 for e in h.epochs[:-1])
    assert h.steps_to_fit == h.epochs_to_fit * 4


def test_epoch_cap_marks_not_converged():
    torch.manual_seed(0)
    h = train(models.mlp((1, 4, 5), [4], 10), separable(), Hyper(max_epochs=3))
    assert h.status == NOT_CONVERGED and len(h.epochs) == 3 and h.epochs_to_fit is None


def test_divergence_is_detected_and_stops():
    torch.manual_seed(0)
    h = train(models.mlp((1, 4, 5), [64], 10), separable(), Hyper(lr=1e12, max_epochs=50))
    assert h.status == DIVERGED and len(h.epochs) < 50 and not math.isfinite(h.epochs[-1].loss)


def test_learning_rate_decays_by_095_per_50000_examples():
    h = train(models.mlp((1, 4, 5), [4], 10), separable(n=64), Hyper(lr=0.1, max_epochs=3, decay_examples=64))
    assert [round(e.lr, 6) for e in h.epochs] == [0.1, 0.095, 0.09025]


def test_random_crop_shifts_each_image_within_the_padding():
    x = torch.arange(2 * 1 * 6 * 6, dtype=torch.float32).view(2, 1, 6, 6) + 1
    out = random_crop(x, 2, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    for img, crop in zip(x, out, strict=True):  # every nonzero value comes from the image, in order
        kept = crop[crop != 0]
        assert torch.isin(kept, img).all() and (kept.diff() > 0).all()


def test_same_seed_same_history_on_cpu():
    exp = Experiment(
        model="mlp1x512", width=0.125, variant="random_labels", n_train=200, n_test=100, hyper=Hyper(max_epochs=4)
    )
    a, b = execute(exp), execute(exp)
    assert [e.loss for e in a.history.epochs] == [e.loss for e in b.history.epochs]
    assert a.test_confusion == b.test_confusion


def test_which_test_images_were_right_survives_the_store():
    from rethink_core.train import pack_hits, unpack_hits

    hits = torch.rand(2001) > 0.5
    assert (unpack_hits(pack_hits(hits), 2001) == hits.numpy()).all()
