"""Data sets and the paper's preprocessing (Zhang et al. 2017, Section 2 and Appendix A).

Three sources, one result type:

* ``embedded``: a class-balanced subset of real Fashion-MNIST (10,000 train + 2,000 test) shipped
  inside the package; no network, hash-verified on load.
* ``fashion-mnist``, ``mnist``, ``cifar10``: the full data sets through torchvision, from a data
  root, downloaded only with explicit permission. Fashion-MNIST is also found at Debian's path.
* a path to an ``.npz`` file with ``x_train``, ``y_train``, ``x_test``, ``y_test``.

Every loader returns :class:`ImageData` (uint8 images N x H x W x C, int64 labels), checked by
:func:`validate`. :func:`preprocess` then applies the paper's pipeline: scale to [0, 1], center
crop to 28 x 28, per-image whitening; the result is float32 N x C x H x W.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import shutil
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from rethink_core.cifar import read_cifar10
from rethink_core.errors import DataError

EMBEDDED_DIR = Path(__file__).parent / "embedded"
EMBEDDED_NPZ = EMBEDDED_DIR / "fashion_mnist_subset.npz"
EMBEDDED_MANIFEST = EMBEDDED_DIR / "fashion_mnist_subset.json"
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
REGISTERED = ("embedded", "fashion-mnist", "mnist", "cifar10")
CROP = 28  # "we center-crop the images to 28 x 28" (Appendix A)
ARRAYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass(frozen=True)
class ImageData:
    """Raw images (uint8, N x H x W x C) and integer labels, train and test."""

    name: str
    fingerprint: str  # identifies the exact bytes: part of every run's store key
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int = 10

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) after preprocessing."""
        _, h, w, c = self.x_train.shape
        return (c, min(h, CROP), min(w, CROP))


@dataclass(frozen=True)
class Tensors:
    """Preprocessed data, resident on one device: what the trainer consumes."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    def channels_last(self) -> Tensors:
        fmt = torch.channels_last
        return Tensors(
            self.x_train.contiguous(memory_format=fmt),
            self.y_train,
            self.x_test.contiguous(memory_format=fmt),
            self.y_test,
        )

    def to(self, device: torch.device | str) -> Tensors:
        return Tensors(*(t.to(device) for t in (self.x_train, self.y_train, self.x_test, self.y_test)))


# ----------------------------------------------------------------------------- loading


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(name: str, root: str | Path | None = None, download: bool = False) -> ImageData:
    """Load a registered data set by name, or an ``.npz`` file by path."""
    if name == "embedded":
        return load_embedded()
    if name.endswith(".npz"):
        return load_npz(Path(name))
    if name in ("fashion-mnist", "mnist"):
        return load_mnist_like(name, root, download)
    if name == "cifar10":
        fingerprint, (x_train, y_train, x_test, y_test) = read_cifar10(Path(root) if root else default_root(), download)
        return validate(ImageData("cifar10", fingerprint, x_train, y_train, x_test, y_test))
    raise DataError(f"unknown data set {name!r}: use one of {', '.join(REGISTERED)} or a path to an .npz file")


@lru_cache(maxsize=1)
def load_embedded() -> ImageData:
    """The embedded Fashion-MNIST subset, verified against the sha256 its build script recorded."""
    if not EMBEDDED_NPZ.exists():
        raise DataError(f"embedded data set missing at {EMBEDDED_NPZ}: reinstall the package")
    expected = json.loads(EMBEDDED_MANIFEST.read_text())["sha256"]
    actual = sha256_file(EMBEDDED_NPZ)
    if actual != expected:
        raise DataError(
            f"embedded data set {EMBEDDED_NPZ} is damaged: sha256 {actual[:12]}... != {expected[:12]}...; "
            "reinstall the package or rebuild it with scripts/make_embedded_data.py"
        )
    return _from_npz(EMBEDDED_NPZ, name="embedded", fingerprint=f"embedded-{actual[:16]}")


def load_npz(path: Path) -> ImageData:
    """Bring-your-own data: an ``.npz`` with uint8 ``x_*`` (N x H x W [x C]) and integer ``y_*``."""
    if not path.exists():
        raise DataError(f"data file {path} does not exist")
    return _from_npz(path, name=path.name, fingerprint=f"npz-{sha256_file(path)[:16]}")


def _from_npz(path: Path, name: str, fingerprint: str) -> ImageData:
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in ARRAYS if key not in npz.files]
            if missing:
                raise DataError(f"{path}: missing arrays {missing}; an .npz needs {', '.join(ARRAYS)}")
            arrays = {key: npz[key] for key in ARRAYS}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise DataError(f"{path}: not a readable .npz file ({exc})") from None
    return validate(ImageData(name=name, fingerprint=fingerprint, **_as_nhwc(arrays, path)))


def _as_nhwc(arrays: dict[str, np.ndarray], source: object) -> dict[str, np.ndarray]:
    out = dict(arrays)
    for key in ("x_train", "x_test"):
        x = arrays[key]
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4:
            raise DataError(f"{source}: {key} has shape {arrays[key].shape}; expected N x H x W or N x H x W x C")
        out[key] = x
    return out


def load_mnist_like(name: str, root: str | Path | None, download: bool) -> ImageData:
    """Full MNIST or Fashion-MNIST through torchvision (Fashion-MNIST also from Debian's package)."""
    from torchvision import datasets

    cls = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}[name]
    root = Path(root) if root else default_root()
    if name == "fashion-mnist" and not download:
        _adopt_debian_fashion_mnist(root)
    try:
        train = cls(str(root), train=True, download=download)
        test = cls(str(root), train=False, download=download)
    except RuntimeError as exc:
        if "not found" not in str(exc):  # torchvision: "Dataset not found. You can use download=True ..."
            raise _damaged(name, root, exc) from None
        hint = "apt-get install -y dataset-fashion-mnist, or " if name == "fashion-mnist" else ""
        raise DataError(f"{name} not found under {root}; get it with {hint}--download") from None
    except (AssertionError, ValueError, OSError, EOFError) as exc:  # a truncated or foreign idx file
        raise _damaged(name, root, exc) from None
    arrays = {
        "x_train": train.data.numpy(),
        "y_train": train.targets.numpy(),
        "x_test": test.data.numpy(),
        "y_test": test.targets.numpy(),
    }
    return validate(ImageData(name=name, fingerprint=f"{name}-{_arrays_digest(arrays)}", **_as_nhwc(arrays, name)))


def _damaged(name: str, root: Path, exc: BaseException) -> DataError:
    folder = root / {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}[name]
    return DataError(f"{name} under {folder} is damaged ({exc or type(exc).__name__}); delete it and get it again")


def _arrays_digest(arrays: dict[str, np.ndarray]) -> str:
    """The first 16 hex digits of a sha256 over the arrays' bytes: the data's fingerprint."""
    digest = hashlib.sha256()
    for key in ARRAYS:
        digest.update(np.ascontiguousarray(arrays[key]).tobytes())
    return digest.hexdigest()[:16]


def _adopt_debian_fashion_mnist(root: Path) -> None:
    """torchvision wants gunzipped files under ``root/FashionMNIST/raw``; Debian ships gzipped ones
    (and torchvision does not accept symlinks to them), so unpack copies once."""
    raw = root / "FashionMNIST" / "raw"
    if not DEBIAN_FASHION_MNIST.exists() or (raw / "t10k-labels-idx1-ubyte").exists():
        return
    raw.mkdir(parents=True, exist_ok=True)
    for gz in DEBIAN_FASHION_MNIST.glob("*-ubyte.gz"):
        with gzip.open(gz) as src, open(raw / gz.name[:-3], "wb") as dst:
            shutil.copyfileobj(src, dst)


def default_root() -> Path:
    return Path.home() / ".cache" / "rethink" / "data"


def validate(data: ImageData) -> ImageData:
    """Reject data the experiments cannot use, with a message that says what is wrong."""
    src = data.name
    for split in ("train", "test"):
        x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")
        if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
            raise DataError(f"{src}: x_{split} contains NaN or infinite pixels")
        if x.dtype != np.uint8:
            raise DataError(f"{src}: x_{split} has dtype {x.dtype}; expected uint8 images (0-255)")
        if not np.issubdtype(y.dtype, np.integer):
            raise DataError(f"{src}: y_{split} has dtype {y.dtype}; expected integer labels")
        if y.ndim != 1 or len(y) != len(x):
            raise DataError(f"{src}: y_{split} has shape {y.shape}; expected ({len(x)},) to match x_{split}")
        if len(x) == 0:
            raise DataError(f"{src}: the {split} set is empty")
        if y.min() < 0 or y.max() >= data.num_classes:
            raise DataError(f"{src}: y_{split} has labels outside 0..{data.num_classes - 1}")
    if data.x_train.shape[1:] != data.x_test.shape[1:]:
        raise DataError(f"{src}: train images {data.x_train.shape[1:]} and test images {data.x_test.shape[1:]} differ")
    if len(np.unique(data.y_train)) < 2:
        raise DataError(f"{src}: the training set has a single class; nothing to learn")
    return ImageData(
        name=data.name,
        fingerprint=data.fingerprint,
        x_train=data.x_train,
        y_train=data.y_train.astype(np.int64),
        x_test=data.x_test,
        y_test=data.y_test.astype(np.int64),
        num_classes=data.num_classes,
    )


# ----------------------------------------------------------------------------- subsets


def balanced_subset(labels: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Indices of ``n`` examples, class-balanced and deterministic; smaller subsets nest in larger.

    Classes take turns (round-robin over a seeded shuffle), so any prefix is balanced to within one.
    """
    if n > len(labels):
        raise DataError(f"asked for {n} examples but the set has only {len(labels)}")
    order = np.random.default_rng(seed).permutation(len(labels))
    shuffled = labels[order]
    rank_in_class = np.empty(len(labels), dtype=np.int64)
    for c in np.unique(labels):
        members = np.flatnonzero(shuffled == c)
        rank_in_class[members] = np.arange(len(members))
    turns = np.lexsort((shuffled, rank_in_class))  # by rank in class, then class
    return order[turns[:n]]


def take(data: ImageData, n_train: int, n_test: int) -> ImageData:
    """A class-balanced subset of ``n_train`` training and ``n_test`` test examples."""
    tr = balanced_subset(data.y_train, n_train)
    te = balanced_subset(data.y_test, n_test)
    return ImageData(
        name=data.name,
        fingerprint=data.fingerprint,
        x_train=data.x_train[tr],
        y_train=data.y_train[tr],
        x_test=data.x_test[te],
        y_test=data.y_test[te],
        num_classes=data.num_classes,
    )


# ----------------------------------------------------------------------------- preprocessing


def center_crop(x: torch.Tensor, size: int = CROP) -> torch.Tensor:
    """Center crop N x C x H x W to at most ``size`` x ``size`` (CIFAR-10 32 -> 28)."""
    h, w = x.shape[-2:]
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return x[..., top : top + min(h, size), left : left + min(w, size)]


def whiten_per_image(x: torch.Tensor) -> torch.Tensor:
    """Per-image standardisation as in TensorFlow's ``per_image_standardization``:
    (x - mean) / max(std, 1 / sqrt(number of values)), each image on its own."""
    flat = x.flatten(1)
    mean = flat.mean(dim=1, keepdim=True)
    std = flat.std(dim=1, unbiased=False, keepdim=True)
    floor = 1.0 / math.sqrt(flat.shape[1])
    return ((flat - mean) / std.clamp_min(floor)).view_as(x)


def preprocess_images(x_uint8: np.ndarray) -> torch.Tensor:
    """uint8 N x H x W x C -> float32 N x C x H x W: scale to [0, 1], center crop, whiten."""
    x = torch.from_numpy(np.ascontiguousarray(x_uint8)).permute(0, 3, 1, 2).float().div_(255.0)
    x = center_crop(x).contiguous()
    if not torch.isfinite(x).all():
        raise DataError("images contain NaN or infinite values")
    return whiten_per_image(x)


def preprocess(data: ImageData) -> Tensors:
    """The paper's preprocessing applied to both splits; labels become int64 tensors."""
    return Tensors(
        x_train=preprocess_images(data.x_train),
        y_train=torch.from_numpy(data.y_train),
        x_test=preprocess_images(data.x_test),
        y_test=torch.from_numpy(data.y_test),
    )
