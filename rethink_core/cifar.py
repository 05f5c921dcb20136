"""CIFAR-10 from its own on-disk format (``cifar-10-batches-py``), loaded without running code.

The batches are Python pickles. Nothing here unpickles arbitrary objects: :class:`SafeUnpickler`
admits only plain containers and NumPy arrays, which is all the real files (and the small files
the tests write in the same format) contain. torchvision fetches the archive when a download is
permitted; every batch is checked against its published md5 sum on every load, so a truncated or
altered file is refused with a message instead of training on it.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np

from rethink_core.errors import DataError

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
FOLDER = "cifar-10-batches-py"
# The published md5 sums of the batches (torchvision.datasets.CIFAR10.train_list and test_list).
MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),
}


class SafeUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, strings, numbers and NumPy arrays; refuses every other global."""

    def find_class(self, module: str, name: str):  # noqa: ANN201 - pickle's signature
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: not plain data")


def read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file -> (uint8 images N x 32 x 32 x 3, int64 labels)."""
    try:
        with open(path, "rb") as f:
            entry = SafeUnpickler(f, encoding="latin1").load()
        data = np.asarray(entry["data"], dtype=np.uint8)
        labels = np.asarray(entry.get("labels", entry.get("fine_labels")), dtype=np.int64)
        images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    except FileNotFoundError:
        raise
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(f"{path}: not a readable CIFAR-10 batch ({exc})") from None
    return images, labels


def md5_file(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "md5").hexdigest()


def verify(folder: Path) -> str:
    """Check every batch against its published md5; returns the data's fingerprint."""
    for name in (*TRAIN_BATCHES, TEST_BATCH):
        path = folder / name
        if not path.exists():
            raise DataError(
                f"CIFAR-10 not found: {path} is missing; pass --data-root to a folder holding "
                f"{FOLDER}/, or --download to fetch it"
            )
        actual = md5_file(path)
        if actual != MD5[name]:
            raise DataError(
                f"{path} is damaged or not CIFAR-10: md5 {actual} != published {MD5[name]}; "
                f"delete {folder} and fetch it again with --download"
            )
    joined = "".join(MD5[name] for name in (*TRAIN_BATCHES, TEST_BATCH))
    return "cifar10-" + hashlib.sha256(joined.encode()).hexdigest()[:16]


def read_cifar10(root: Path, download: bool) -> tuple[str, tuple[np.ndarray, ...]]:
    """CIFAR-10's train (50,000) and test (10,000) arrays from ``root/cifar-10-batches-py``, md5-checked:
    (fingerprint, (x_train, y_train, x_test, y_test)); ``data.load`` builds and validates the ImageData."""
    folder = root / FOLDER
    if download and not (folder / TEST_BATCH).exists():
        from torchvision.datasets import CIFAR10

        CIFAR10(str(root), train=True, download=True)  # fetches and checks the archive's md5
    fingerprint = verify(folder)
    train = [read_batch(folder / name) for name in TRAIN_BATCHES]
    x_test, y_test = read_batch(folder / TEST_BATCH)
    return fingerprint, (np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train]), x_test, y_test)
