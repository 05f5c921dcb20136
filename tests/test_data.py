"""Data: the embedded set, .npz input, CIFAR-10's on-disk format, preprocessing, clear errors."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
import torch

from rethink_core import cifar, data
from rethink_core.cifar import TEST_BATCH, TRAIN_BATCHES, read_batch
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


def test_npz_round_trip(data_files, tmp_path):
    d = data.load(str(data_files.write_npz(tmp_path / "mine.npz", shape=(8, 8, 3))))
    assert d.x_train.shape == (40, 8, 8, 3) and d.image_shape == (3, 8, 8)
    assert d.fingerprint.startswith("npz-")


@pytest.mark.parametrize(
    "override, message",
    [
        ({"y_test": None}, "missing arrays"),
        ({"x_train": np.zeros((40, 8), np.uint8)}, "expected N x H x W"),
        ({"x_train": np.zeros((40, 8, 8), np.float32)}, "expected uint8"),
        ({"x_train": np.full((40, 8, 8), np.nan, np.float32)}, "NaN"),
        ({"x_test": np.full((20, 8, 8), np.inf, np.float64)}, "infinite"),
        ({"y_train": np.full(40, 10)}, "outside 0..9"),
        ({"y_test": np.full(20, -1)}, "outside 0..9"),
        ({"y_train": np.zeros(40, np.float32)}, "expected integer labels"),
        ({"y_train": np.zeros(40, int)}, "single class"),
        ({"y_train": np.zeros(39, int)}, "to match"),
        ({"x_test": np.zeros((20, 9, 9), np.uint8)}, "differ"),
        ({"x_train": np.zeros((0, 8, 8), np.uint8), "y_train": np.zeros(0, int)}, "the train set is empty"),
        ({"x_test": np.zeros((0, 8, 8), np.uint8), "y_test": np.zeros(0, int)}, "empty"),
        ({"x_train": np.array([None] * 40, dtype=object)}, "not a readable"),  # would need pickle: refused
    ],
)
def test_bad_npz_gets_a_clear_error(data_files, tmp_path, override, message):
    path = data_files.write_npz(tmp_path / "bad.npz", **override)
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


def test_truncated_npz_gets_a_clear_error(data_files, tmp_path):
    path = data_files.write_npz(tmp_path / "cut.npz")
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(DataError, match="not a readable"):
        data.load(str(path))


@pytest.mark.parametrize("name, hint", [("mnist", "--download"), ("fashion-mnist", "apt-get install")])
def test_missing_mnist_like_set_says_how_to_get_it(tmp_path, monkeypatch, name, hint):
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian-package")
    with pytest.raises(DataError, match=f"{name} not found under .*{hint}"):
        data.load(name, root=tmp_path)


def test_mnist_files_load_and_a_truncated_one_is_refused(data_files, tmp_path):
    raw = data_files.write_mnist(tmp_path)
    d = data.load("mnist", root=tmp_path)
    assert d.x_train.shape == (20, 28, 28, 1) and d.fingerprint.startswith("mnist-")
    images = raw / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-100])
    with pytest.raises(DataError, match="damaged"):
        data.load("mnist", root=tmp_path)


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch, data_files):
    """Small CIFAR-format batches under tmp_path, with their md5 sums taken as the published ones."""
    folder = data_files.write_cifar(tmp_path)
    monkeypatch.setattr(cifar, "MD5", {p.name: cifar.md5_file(p) for p in folder.iterdir()})
    return folder


def test_cifar10_format_loads_and_preprocesses_to_28x28(tmp_path, fake_cifar):
    d = data.load("cifar10", root=tmp_path)
    assert d.x_train.shape == (100, 32, 32, 3) and d.x_test.shape == (20, 32, 32, 3)
    assert d.fingerprint.startswith("cifar10-")
    t = data.preprocess(d)
    assert t.x_train.shape == (100, 3, 28, 28)


def test_cifar10_batch_with_the_wrong_md5_is_refused(tmp_path, fake_cifar):
    batch = fake_cifar / "data_batch_3"
    batch.write_bytes(batch.read_bytes()[:-50])
    with pytest.raises(DataError, match="data_batch_3 is damaged or not CIFAR-10: md5 .*--download"):
        data.load("cifar10", root=tmp_path)


def test_real_cifar10_md5_sums_are_the_published_ones():
    """Our table against torchvision's own lists, not a retyped copy of our literals."""
    from torchvision.datasets import CIFAR10

    published = dict(CIFAR10.train_list + CIFAR10.test_list)
    assert cifar.MD5 == published
    assert set(cifar.MD5) == {*TRAIN_BATCHES, TEST_BATCH}


@pytest.mark.parametrize("cut", [10, 2000])
def test_truncated_cifar10_batch_gets_a_clear_error(data_files, tmp_path, cut):
    batch = data_files.write_cifar(tmp_path) / TEST_BATCH
    batch.write_bytes(batch.read_bytes()[:cut])
    with pytest.raises(DataError, match="not a readable CIFAR-10 batch"):
        read_batch(batch)


def test_cifar10_loader_refuses_code_in_pickles(data_files, tmp_path):
    folder = data_files.write_cifar(tmp_path)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (folder / TEST_BATCH).write_bytes(pickle.dumps({"data": Evil(), "labels": []}))
    with pytest.raises(DataError, match="refusing to load posix.system"):
        read_batch(folder / TEST_BATCH)
    assert not marker.exists()


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
