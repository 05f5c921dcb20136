"""CIFAR-10 from its own on-disk format (``cifar-10-batches-py``), loaded without running code.

The batches are Python pickles. Nothing here unpickles arbitrary objects: :class:`SafeUnpickler`
admits only plain containers and NumPy arrays, which is all the real files (and the small files
the tests write in the same format) contain. torchvision fetches the archive when a download is
permitted; its published md5 sums are checked by torchvision on download.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from rethink_core.errors import DataError

TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
FOLDER = "cifar-10-batches-py"
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


def load_cifar10(root: str | Path | None, download: bool):  # noqa: ANN201 - ImageData (import cycle)
    """CIFAR-10 train (50,000) and test (10,000) images from ``root/cifar-10-batches-py``."""
    from rethink_core.data import ImageData, default_root, validate

    root = Path(root) if root else default_root()
    folder = root / FOLDER
    if download and not (folder / TEST_BATCH).exists():
        from torchvision.datasets import CIFAR10

        CIFAR10(str(root), train=True, download=True)  # fetches and checks the archive's md5
    try:
        train = [read_batch(folder / name) for name in TRAIN_BATCHES]
        x_test, y_test = read_batch(folder / TEST_BATCH)
    except FileNotFoundError as exc:
        raise DataError(
            f"CIFAR-10 not found: {exc.filename} is missing; pass --data-root to a folder holding "
            f"{FOLDER}/, or --download to fetch it"
        ) from None
    return validate(
        ImageData(
            name="cifar10",
            fingerprint="cifar10-torchvision",
            x_train=np.concatenate([x for x, _ in train]),
            y_train=np.concatenate([y for _, y in train]),
            x_test=x_test,
            y_test=y_test,
        )
    )
