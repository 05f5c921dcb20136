"""Data: the embedded set, .npz input, CIFAR-10's on-disk format, preprocessing, clear errors."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from rethink_core import data
from rethink_core.cifar import FOLDER, TEST_BATCH, TRAIN_BATCHES, read_batch
from rethink_core.errors import DataError


def test_embedded_set_is_real_balanced_fashion_mnist():
    d = data.load("embedded")
    assert d.x_train.shape == (10_000, 28, 28, 1) and d.x_test.shape == (2_000, 28, 28, 1)
    assert d.x_train.dtype == np.uint8
    assert np.bincount(d.y_train).tolist() == [1000] * 10
    assert np.bincount(d.y_test).tolist() == [200] * 10
    assert d.x_train.std() > 50  # real images, not blank


def test_embedded_set_hash_is_verified(tmp_path, monkeypatch):
    damaged = tmp_path / "fashion_mnist_subset.npz"
    damaged.write_bytes(data.EMBEDDED_NPZ.read_bytes()[:-10])
    monkeypatch.setattr(data, "EMBEDDED_NPZ", damaged)
    data.load_embedded.cache_clear()
    with pytest.raises(DataError, match="damaged"):
        data.load_embedded()
    data.load_embedded.cache_clear()


def write_npz(path, n=40, shape=(8, 8), **override):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n, *shape), dtype=np.uint8),
        "y_train": np.arange(n) % 10,
        "x_test": rng.integers(0, 256, (n // 2, *shape), dtype=np.uint8),
        "y_test": np.arange(n // 2) % 10,
    }
    arrays.update(override)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez(path, **arrays)
    return path


def test_npz_round_trip(tmp_path):
    d = data.load(str(write_npz(tmp_path / "mine.npz", shape=(8, 8, 3))))
    assert d.x_train.shape == (40, 8, 8, 3) and d.image_shape == (3, 8, 8)
    assert d.fingerprint.startswith("npz-")


@pytest.mark.parametrize(
    "override, message",
    [
        ({"y_test": None}, "missing arrays"),
        ({"x_train": np.zeros((40, 8), np.uint8)}, "expected N x H x W"),
        ({"x_train": np.zeros((40, 8, 8), np.float32)}, "expected uint8"),
        ({"x_train": np.full((40, 8, 8), np.nan, np.float32)}, "NaN"),
        ({"y_train": np.full(40, 10)}, "outside 0..9"),
        ({"y_train": np.zeros(40, int)}, "single class"),
        ({"y_train": np.zeros(39, int)}, "to match"),
        ({"x_test": np.zeros((0, 8, 8), np.uint8), "y_test": np.zeros(0, int)}, "empty"),
    ],
)
def test_bad_npz_gets_a_clear_error(tmp_path, override, message):
    path = write_npz(tmp_path / "bad.npz", **override)
    with pytest.raises(DataError, match=message):
        data.load(str(path))


def test_missing_and_unknown_data_sets(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        data.load(str(tmp_path / "nope.npz"))
    with pytest.raises(DataError, match="unknown data set"):
        data.load("imagenet-21k")
    with pytest.raises(DataError, match="CIFAR-10 not found"):
        data.load("cifar10", root=tmp_path)
    (tmp_path / "garbage.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="not a readable"):
        data.load(str(tmp_path / "garbage.npz"))


def write_cifar(root, n=20):
    """Small files in CIFAR-10's own format: pickled dicts of a uint8 N x 3072 array and labels."""
    folder = root / FOLDER
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for name in (*TRAIN_BATCHES, TEST_BATCH):
        batch = {
            "batch_label": name,
            "data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            "labels": [i % 10 for i in range(n)],
        }
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    return folder


def test_cifar10_format_loads_and_preprocesses_to_28x28(tmp_path):
    write_cifar(tmp_path)
    d = data.load("cifar10", root=tmp_path)
    assert d.x_train.shape == (100, 32, 32, 3) and d.x_test.shape == (20, 32, 32, 3)
    t = data.preprocess(d)
    assert t.x_train.shape == (100, 3, 28, 28)


def test_cifar10_loader_refuses_code_in_pickles(tmp_path):
    folder = write_cifar(tmp_path)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    (folder / TEST_BATCH).write_bytes(pickle.dumps({"data": Evil(), "labels": []}))
    with pytest.raises(DataError, match="refusing"):
        read_batch(folder / TEST_BATCH)


def test_whitening_is_per_image_with_the_papers_floor():
    x = torch.rand(5, 3, 28, 28)
    w = data.whiten_per_image(x)
    flat = w.flatten(1)
    assert torch.allclose(flat.mean(1), torch.zeros(5), atol=1e-5)
    assert torch.allclose(flat.std(1, unbiased=False), torch.ones(5), atol=1e-4)
    constant = data.whiten_per_image(torch.full((1, 1, 4, 4), 0.3))
    assert constant.abs().max() < 1e-6  # std 0: divided by 1/sqrt(16), not by zero


def test_center_crop_takes_the_middle():
    x = torch.arange(32 * 32, dtype=torch.float32).view(1, 1, 32, 32)
    c = data.center_crop(x)
    assert c.shape == (1, 1, 28, 28) and c[0, 0, 0, 0] == 2 * 32 + 2


def test_balanced_subsets_nest_and_balance():
    labels = np.repeat(np.arange(10), 50)
    small, large = data.balanced_subset(labels, 100), data.balanced_subset(labels, 300)
    assert np.bincount(labels[small]).tolist() == [10] * 10
    assert set(small) <= set(large)
    with pytest.raises(DataError):
        data.balanced_subset(labels, 501)
