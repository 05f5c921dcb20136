"""Hypothesis profiles: CI and the default run are derandomized, so a statistical property test
cannot fail by chance on one clean clone and pass on the next. `HYPOTHESIS_PROFILE=explore`
searches fresh examples (more of them) when you want hypothesis to hunt for bugs."""

import os
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
import rich.console  # noqa: F401 - see below
from hypothesis import settings

import rethink_core.report  # noqa: F401 - see below
from rethink_core.cifar import FOLDER, TEST_BATCH, TRAIN_BATCHES

# The plugin imports rich and the report lazily, at the end of a claims session. Pytester's in-process
# runs (runpytest) drop every module first imported during a run, so a second in-process run in the same
# worker imported rich afresh while objects of the first import lived on, and rich failed to render its
# table ("Unable to render Segment"), depending on which tests xdist gave a worker. Imported here, once.

settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


# ----------------------------------------------------------------------------- small data files in real formats


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


def write_mnist(root, n=20, folder="MNIST"):
    """Small files in MNIST's idx format, where torchvision looks for them (``FashionMNIST``: the same
    format, Fashion-MNIST's folder)."""
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(2)
    for split in ("train", "t10k"):
        header = np.array([0x803, n, 28, 28], ">i4").tobytes()
        (raw / f"{split}-images-idx3-ubyte").write_bytes(header + rng.integers(0, 256, n * 784, np.uint8).tobytes())
        labels = (np.arange(n) % 10).astype(np.uint8).tobytes()
        (raw / f"{split}-labels-idx1-ubyte").write_bytes(np.array([0x801, n], ">i4").tobytes() + labels)
    return raw


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


def write_imagenet(root, classes=4, train=8, val=6, size=(48, 64)):
    """Small JPEGs in ImageNet's folder layout (rethink_core.imagenet): ``imagenet/train/<wnid>/*.JPEG``
    and ``imagenet/val/<wnid>/*.JPEG``, ``classes`` classes of noise images of ``size`` (height, width)."""
    from PIL import Image

    rng = np.random.default_rng(3)
    folder = root / "imagenet"
    for split, count in (("train", train), ("val", val)):
        for c in range(classes):
            wnid = folder / split / f"n{c:08d}"
            wnid.mkdir(parents=True)
            for i in range(count):
                pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(wnid / f"n{c:08d}_{i}.JPEG", quality=90)
    return folder


@pytest.fixture
def data_files() -> SimpleNamespace:
    """Writers of small generated data files in the real on-disk formats (.npz, MNIST's idx,
    CIFAR-10's pickled batches, ImageNet's folders of JPEGs): a fixture, so tests reach them under any --import-mode."""
    return SimpleNamespace(
        write_npz=write_npz, write_mnist=write_mnist, write_cifar=write_cifar, write_imagenet=write_imagenet
    )
