"""Build the embedded default data set: a class-balanced subset of real Fashion-MNIST.

Source: Debian's ``dataset-fashion-mnist`` package (Zalando Research, MIT licence), installed with
``apt-get install -y dataset-fashion-mnist``. Writes ``rethink_core/embedded/fashion_mnist_subset.npz``
and ``fashion_mnist_subset.json`` (the sha256 of every source file and of the subset). Loading
verifies the subset's hash (``rethink_core.data.load_embedded``).

Run: ``python scripts/make_embedded_data.py [--source DIR]``. The result is deterministic.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
from pathlib import Path

import numpy as np

SOURCE = Path("/usr/share/datasets/fashion-mnist")
OUT = Path(__file__).resolve().parents[1] / "rethink_core" / "embedded"
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
N_TRAIN_PER_CLASS = 1000
N_TEST_PER_CLASS = 200
SEED = 20170101


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST format): big-endian header, then uint8 data."""
    raw = gzip.decompress(path.read_bytes())
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def balanced_interleaved(labels: np.ndarray, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``per_class`` random indices of each class, ordered round-robin over classes, so that
    every prefix of the result is (nearly) class-balanced."""
    picks = [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in range(10)]
    return np.stack(picks, axis=1).reshape(-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args()
    arrays = {key: read_idx(args.source / name) for key, name in FILES.items()}
    rng = np.random.default_rng(SEED)
    train = balanced_interleaved(arrays["train_labels"], N_TRAIN_PER_CLASS, rng)
    test = balanced_interleaved(arrays["test_labels"], N_TEST_PER_CLASS, rng)
    subset = {
        "x_train": arrays["train_images"][train],
        "y_train": arrays["train_labels"][train],
        "x_test": arrays["test_images"][test],
        "y_test": arrays["test_labels"][test],
    }
    OUT.mkdir(parents=True, exist_ok=True)
    npz = OUT / "fashion_mnist_subset.npz"
    np.savez_compressed(npz, **subset)
    manifest = {
        "description": "Class-balanced subset of Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; MIT licence)",
        "made_by": "scripts/make_embedded_data.py",
        "seed": SEED,
        "sources": {name: sha256(args.source / name) for name in FILES.values()},
        "source_indices_sha256": hashlib.sha256(np.concatenate([train, test]).tobytes()).hexdigest(),
        "shapes": {key: list(value.shape) for key, value in subset.items()},
        "sha256": sha256(npz),
    }
    (OUT / "fashion_mnist_subset.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {npz} ({npz.stat().st_size / 1e6:.2f} MB), sha256 {manifest['sha256']}")


if __name__ == "__main__":
    main()
