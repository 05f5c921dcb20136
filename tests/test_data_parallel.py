"""Data parallelism (rethink_core.parallel) on the CPU, two gloo ranks: the same weights and history as one
process on the same global mini-batches (an MLP: no BatchNorm, whose statistics are per rank), resident
and streamed; an interrupted two-rank run resumes to bit-identical weights; the world size is keyed only
where it is more than one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from rethink_core import imagenet
from rethink_core.checkpoint import Checkpoint
from rethink_core.errors import ConfigError
from rethink_core.experiment import Experiment, execute, materialize, materialize_streamed, prepared_index
from rethink_core.parallel import Group, launch
from rethink_core.scales import get_scale
from rethink_core.train import Hyper, train, unpack_hits

# 64 images in batches of 15: the last batch of 4, and shares of 8 and 7 images (the weighting is tested)
RESIDENT = Experiment(
    "mlp1x512", width=0.05, n_train=64, n_test=32, hyper=Hyper(batch_size=15, augment=True, max_epochs=2)
)
STREAMED = Experiment(
    "mlp1x512", width=0.05, dataset=imagenet.NAME, n_train=16, n_test=8, image_size=24,
    hyper=Hyper(batch_size=6, augment=True, max_epochs=2),
)  # fmt: skip


def trained(device: str, on_epoch, exp: Experiment, root: str | None = None, checkpoint=None) -> dict:
    """Train ``exp``'s model (seed 7) on ``device``: its weights (as NumPy arrays: they cross processes)
    and history. Run in this process, or in each rank by :func:`launch`."""
    if exp.dataset == imagenet.NAME:
        model, data, _ = materialize_streamed(exp, device, root)
    else:
        model, data, _ = materialize(exp, device)
    history = train(model, data, exp.hyper, seed=7, on_epoch=on_epoch, checkpoint=checkpoint)
    return {"weights": {k: v.numpy().copy() for k, v in model.state_dict().items()}, "history": history}


@pytest.fixture
def root(tmp_path, data_files):
    data_files.write_imagenet(tmp_path / "data")
    imagenet.load_index.cache_clear()
    prepared_index.cache_clear()
    yield str(tmp_path / "data")
    imagenet.load_index.cache_clear()
    prepared_index.cache_clear()


@pytest.mark.parametrize("streamed", [False, True], ids=["embedded", "imagenet-jpegs"])
def test_two_ranks_train_the_weights_one_process_trains(streamed, root):
    exp = STREAMED if streamed else RESIDENT
    alone = trained("cpu", None, exp, root)
    rows = []
    split = launch(trained, 2, "cpu", rows.append, exp=exp, root=root)
    assert alone["weights"].keys() == split["weights"].keys()
    for name, weight in alone["weights"].items():
        assert np.allclose(weight, split["weights"][name], atol=1e-5), name
    one, two = alone["history"], split["history"]
    assert (one.status, len(one.epochs)) == (two.status, len(two.epochs)) and rows == two.epochs
    assert [e.loss for e in one.epochs] == pytest.approx([e.loss for e in two.epochs], rel=1e-5)
    # the same up to float rounding (a gradient averaged over ranks sums in another order): an image whose
    # two best logits are within rounding may flip, so accuracies may differ by one image, no more
    for field, n in (("train_acc", exp.n_train), ("train_acc_eval", exp.n_train), ("test_acc", exp.n_test)):
        assert [getattr(e, field) for e in one.epochs] == pytest.approx(
            [getattr(e, field) for e in two.epochs], abs=1.01 / n
        ), field
    for a, b in zip(one.epochs, two.epochs, strict=True):
        if a.test_correct is not None:
            assert (unpack_hits(a.test_correct, exp.n_test) != unpack_hits(b.test_correct, exp.n_test)).sum() <= 1
        assert (a.test_top5 is None) == (b.test_top5 is None)


def test_a_two_gpu_experiment_trains_in_two_ranks_with_the_history_of_one():
    """``execute`` launches an experiment's ranks itself; per-subset accuracy (corrupted labels) too."""
    exp = replace(RESIDENT, variant="corrupt_labels", p=0.5)
    rows = []
    one, two = execute(exp), execute(replace(exp, world_size=2), on_epoch=rows.append)
    assert rows == two.history.epochs and two.experiment.world_size == 2
    for a, b in zip(one.history.epochs, two.history.epochs, strict=True):  # up to an image flipped by rounding
        assert a.subset_acc.keys() == b.subset_acc.keys()
        assert all(abs(a.subset_acc[k] - b.subset_acc[k]) <= 1.01 / 20 for k in a.subset_acc)  # subsets of ~32
    assert [e.loss for e in one.history.epochs] == pytest.approx([e.loss for e in two.history.epochs], rel=1e-5)
    moved = np.abs(np.array(one.test_confusion) - np.array(two.test_confusion)).sum()
    assert moved <= 2  # one test image moved from one cell to another, at most


def crash_after_first_epoch(row) -> None:
    if row.epoch == 1:
        raise KeyboardInterrupt


def test_an_interrupted_two_rank_run_resumes_to_bit_identical_weights(tmp_path):
    """With dropout (drawn per rank and epoch), augmentation, momentum and weight decay in play."""
    exp = replace(RESIDENT, model="mlp1x512_dropout", hyper=replace(RESIDENT.hyper, weight_decay=5e-4))
    straight = launch(trained, 2, "cpu", exp=exp)["weights"]
    saved = Checkpoint(tmp_path / "run.pt", "k", every_seconds=0)
    with pytest.raises(KeyboardInterrupt):
        launch(trained, 2, "cpu", crash_after_first_epoch, exp=exp, checkpoint=saved)
    assert torch.load(saved.path, weights_only=True)["state"]["history"]["epochs"][0]["epoch"] == 1
    resumed = launch(trained, 2, "cpu", exp=exp, checkpoint=saved)
    assert len(resumed["history"].epochs) == 2
    assert all(np.array_equal(straight[k], resumed["weights"][k]) for k in straight)


def test_the_world_size_is_keyed_only_where_more_than_one():
    exp = get_scale("imagenet").experiment("inception_v3", "random_labels")
    assert "world_size" not in exp.identity() and "world_size" not in exp.as_dict()
    on_two = replace(exp, world_size=2)
    assert on_two.identity()["world_size"] == 2 and on_two.key() != exp.key()
    assert Experiment.from_dict(on_two.as_dict()) == on_two and "gpus=2" in on_two.describe()
    assert replace(get_scale("imagenet"), gpus_per_run=8).experiment("inception_v3").world_size == 8


def test_a_split_leaving_a_rank_without_images_is_refused():
    Group(0, 2).check(64, 15)  # a last batch of 4: 2 each
    with pytest.raises(ConfigError, match="61 images in batches of 15 leave a batch of 1"):
        execute(replace(RESIDENT, n_train=61, world_size=2))  # refused here, before any rank starts
