"""ImageNet (ILSVRC-2012) from a local folder, streamed from disk: Table 2 of Zhang et al. (2017), claim I1.

The layout accepted is ``<data root>/imagenet/train/<wnid>/*.JPEG`` and ``.../val/<wnid>/*.JPEG``: the
folders torchvision's ``ImageFolder`` reads, and what ``torchvision.datasets.ImageNet`` leaves after it
has sorted the validation images into class folders (its devkit and ``meta.bin`` are not needed). Nothing
is downloaded. The 1,000 classes are the sorted folder names of ``train/``; ``val/`` must have the same.

The data set's identity is a manifest, ``imagenet/rethink-manifest.json``, written on first use (or by
``python -m rethink_core.imagenet DIR``): every file's path and size, and a sha256 over every file's
bytes (the only time every byte is read: about 150 GB). Each session lists the folder and stats its
files (no reads), and refuses with a :class:`DataError` when the listing's digest differs from the
manifest's; the runs' data fingerprint is the manifest's content digest.

ImageNet does not fit in memory: :class:`Streamed` decodes JPEGs in DataLoader workers, batch by
batch, in the order the training loop draws (``rethink_core.train``). Labels stay resident (the
randomizations act on them). Preprocessing is Inception's (Szegedy et al. 2016, as TF-slim's
``inception_preprocessing``): without augmentation, the shorter side resized to ``size / 0.875`` and
the centre ``size`` x ``size`` crop; with augmentation ("data aug" of Table 2), a random crop of 8-100% of
the area at aspect ratio 3/4-4/3 resized to ``size``, flipped left-right with probability 1/2 (colour
distortion left out); pixels scaled to [-1, 1]. The augmentation of image ``i`` in epoch ``e`` is drawn
from a generator seeded by (seed, e, i): the same whatever the workers, and after a resume.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from rethink_core.data import balanced_subset, default_root
from rethink_core.errors import DataError
from rethink_core.store import write_json_atomic

NAME = "imagenet"
FOLDER, SPLITS = "imagenet", ("train", "val")
MANIFEST = "rethink-manifest.json"
EXTENSIONS = (".jpeg", ".jpg", ".png")
EVAL_RESIZE = 0.875  # Inception's evaluation: centre crop of 87.5% of the resized image


@dataclass(frozen=True)
class ImageIndex:
    """The files and labels of ImageNet's two splits (or a subset): what a run streams."""

    name: str
    fingerprint: str
    train_files: tuple[Path, ...]
    y_train: np.ndarray
    test_files: tuple[Path, ...]
    y_test: np.ndarray
    num_classes: int

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) at Inception V3's size (runs may ask for another)."""
        return (3, 299, 299)


# ----------------------------------------------------------------------------- the folder and its manifest


def folder_of(root: str | Path | None) -> Path:
    return (Path(root) if root else default_root()) / FOLDER


def listing(folder: Path) -> tuple[list[str], dict[str, list[tuple[str, int]]]]:
    """(classes, split -> [(path relative to the folder, size in bytes)]), sorted; stats every file,
    reads none. A missing split or class is a :class:`DataError` that names it."""
    classes = _classes(folder, "train")
    files = {}
    for split in SPLITS:
        if (found := _classes(folder, split)) != classes:
            missing = sorted(set(classes) - set(found))[:5] or sorted(set(found) - set(classes))[:5]
            raise DataError(
                f"ImageNet: {folder / split} and {folder / 'train'} have different classes (e.g. {missing})"
            )
        files[split] = [
            (f"{split}/{wnid}/{entry.name}", entry.stat().st_size)
            for wnid in classes
            for entry in sorted(os.scandir(folder / split / wnid), key=lambda e: e.name)
            if entry.is_file() and entry.name.lower().endswith(EXTENSIONS)
        ]
        if not files[split]:
            raise DataError(f"ImageNet: no images (.JPEG, .jpg, .png) under {folder / split}/<class>/")
    return classes, files


def _classes(folder: Path, split: str) -> list[str]:
    path = folder / split
    if not path.is_dir():
        raise DataError(
            f"ImageNet not found: {path} is missing; --data-root must hold imagenet/train/<wnid>/*.JPEG and "
            "imagenet/val/<wnid>/*.JPEG (torchvision's ImageFolder layout; it is never downloaded)"
        )
    classes = sorted(entry.name for entry in os.scandir(path) if entry.is_dir())
    if len(classes) < 2:
        raise DataError(f"ImageNet: {path} has {len(classes)} class folders; a classification needs at least 2")
    return classes


def listing_digest(files: dict[str, list[tuple[str, int]]]) -> str:
    """sha256 over every file's relative path and size: what a session checks, without reading."""
    digest = hashlib.sha256()
    for split in SPLITS:
        for path, size in files[split]:
            digest.update(f"{path}\t{size}\n".encode())
    return digest.hexdigest()


def build_manifest(folder: Path) -> dict:
    """List the folder and read every file once: the manifest (written atomically beside the data)."""
    classes, files = listing(folder)
    content = hashlib.sha256()
    for split in SPLITS:
        for path, size in files[split]:
            with open(folder / path, "rb") as f:
                content.update(f"{path}\t{size}\t{hashlib.file_digest(f, 'sha256').hexdigest()}\n".encode())
    manifest = {
        "classes": len(classes),
        "files": {split: len(files[split]) for split in SPLITS},
        "bytes": {split: sum(size for _, size in files[split]) for split in SPLITS},
        "listing_sha256": listing_digest(files),
        "content_sha256": content.hexdigest(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        write_json_atomic(folder / MANIFEST, manifest)
    except OSError as exc:
        raise DataError(
            f"cannot write the ImageNet manifest {folder / MANIFEST} ({exc.strerror}): someone who may write "
            f"there runs python -m rethink_core.imagenet {folder.parent}"
        ) from None
    return manifest


def checked_manifest(folder: Path) -> tuple[dict, list[str], dict[str, list[tuple[str, int]]]]:
    """The manifest (built on first use), the classes and the files, after checking that the folder's
    listing (paths and sizes) is the manifest's."""
    classes, files = listing(folder)
    path = folder / MANIFEST
    manifest = json.loads(path.read_text()) if path.exists() else build_manifest(folder)
    if manifest["listing_sha256"] != listing_digest(files):
        now = {split: (len(files[split]), sum(s for _, s in files[split])) for split in SPLITS}
        was = {split: (manifest["files"][split], manifest["bytes"][split]) for split in SPLITS}
        raise DataError(
            f"ImageNet under {folder} changed since its manifest {path} was built ((files, bytes) per split now "
            f"{now}, then {was}): restore the files, or rebuild the manifest with python -m rethink_core.imagenet "
            f"{folder.parent} (reads every byte; runs stored on the old data keep their old keys)"
        )
    return manifest, classes, files


@lru_cache(maxsize=2)
def load_index(root: str | None) -> ImageIndex:
    """ImageNet's files and labels under ``root``, checked against the manifest (once per process)."""
    folder = folder_of(root)
    manifest, classes, files = checked_manifest(folder)
    split = {
        name: (
            tuple(folder / p for p, _ in files[name]),
            np.array([classes.index(p.split("/")[1]) for p, _ in files[name]]),
        )
        for name in SPLITS
    }
    return ImageIndex(
        name=NAME,
        fingerprint=f"imagenet-{manifest['content_sha256'][:16]}",
        train_files=split["train"][0],
        y_train=split["train"][1],
        test_files=split["val"][0],
        y_test=split["val"][1],
        num_classes=len(classes),
    )


def take(index: ImageIndex, n_train: int, n_test: int) -> ImageIndex:
    """A class-balanced subset, as :func:`rethink_core.data.take` picks one from arrays."""
    tr, te = balanced_subset(index.y_train, n_train), balanced_subset(index.y_test, n_test)
    return ImageIndex(
        name=index.name,
        fingerprint=index.fingerprint,
        train_files=tuple(index.train_files[i] for i in tr),
        y_train=index.y_train[tr],
        test_files=tuple(index.test_files[i] for i in te),
        y_test=index.y_test[te],
        num_classes=index.num_classes,
    )


# ----------------------------------------------------------------------------- decoding and augmentation


def item_generator(seed: int, epoch: int, index: int) -> torch.Generator:
    """The generator of image ``index``'s augmentation in ``epoch``."""
    digest = hashlib.sha256(f"{seed}:{epoch}:{index}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little"))


def crop_box(height: int, width: int, gen: torch.Generator) -> tuple[int, int, int, int]:
    """(top, left, h, w) of Inception's random crop: 8-100% of the area, aspect ratio 3/4 to 4/3 (log-
    uniform), ten tries, else the centre crop at the nearest allowed ratio (torchvision's rule)."""
    area, log_ratio = height * width, (math.log(3 / 4), math.log(4 / 3))
    for _ in range(10):
        target = area * (0.08 + 0.92 * torch.rand(1, generator=gen).item())
        ratio = math.exp(log_ratio[0] + (log_ratio[1] - log_ratio[0]) * torch.rand(1, generator=gen).item())
        w, h = round(math.sqrt(target * ratio)), round(math.sqrt(target / ratio))
        if 0 < w <= width and 0 < h <= height:
            top = int(torch.randint(0, height - h + 1, (1,), generator=gen))
            left = int(torch.randint(0, width - w + 1, (1,), generator=gen))
            return top, left, h, w
    ratio = min(max(width / height, 3 / 4), 4 / 3)
    w, h = (width, round(width / ratio)) if width / height < 3 / 4 else (round(height * ratio), height)
    w, h = min(w, width), min(h, height)
    return (height - h) // 2, (width - w) // 2, h, w


def load_image(path: Path, size: int, gen: torch.Generator | None) -> torch.Tensor:
    """One image as float32 3 x size x size in [-1, 1]: augmented with ``gen``, else centre-cropped."""
    from PIL import Image
    from torchvision.transforms.v2 import functional as TF

    try:
        with Image.open(path) as img:
            image = TF.pil_to_tensor(img.convert("RGB"))
    except OSError as exc:
        raise DataError(f"ImageNet: cannot decode {path} ({exc})") from None
    if gen is None:
        image = TF.center_crop(TF.resize(image, round(size / EVAL_RESIZE), antialias=True), size)
    else:
        image = TF.resized_crop(image, *crop_box(*image.shape[-2:], gen), [size, size], antialias=True)
        if torch.rand(1, generator=gen).item() < 0.5:
            image = TF.horizontal_flip(image)
    return image.float().div_(127.5).sub_(1.0)


class Images(torch.utils.data.Dataset):
    """Files decoded on demand; an item is (position, epoch), epoch None for no augmentation."""

    def __init__(self, files: tuple[Path, ...], size: int, seed: int) -> None:
        self.files, self.size, self.seed = files, size, seed

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, item: tuple[int, int | None]) -> torch.Tensor:
        position, epoch = item
        gen = None if epoch is None else item_generator(self.seed, epoch, position)
        return load_image(self.files[position], self.size, gen)


def _whole(positions: torch.Tensor) -> torch.Tensor:
    return positions


@dataclass
class Streamed:
    """A run's data streamed from disk: the files, the (randomized) training labels and the true test
    labels resident on ``device``; batches decoded by ``workers`` DataLoader processes (0: in this one).
    ``rethink_core.train.train`` takes it where it takes resident :class:`~rethink_core.data.Tensors`."""

    index: ImageIndex
    y_train: torch.Tensor
    y_test: torch.Tensor
    size: int
    seed: int
    workers: int = 0
    channels_last: bool = True

    def train_batches(
        self, order: torch.Tensor, batch_size: int, epoch: int, augment: bool, share: Callable = _whole
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """(positions, images) of one epoch, in ``order``; augmented with the epoch's draws; of each
        mini-batch only ``share(batch)`` (a data-parallel rank's: ``rethink_core.parallel.Group.share``)."""
        chunks = [share(chunk) for chunk in order.cpu().split(batch_size)]
        items = [[(int(i), epoch if augment else None) for i in chunk] for chunk in chunks]
        yield from zip(
            (c.to(self.y_train.device) for c in chunks), self._loader(self.index.train_files, items), strict=True
        )

    def images(self, split: str, batch_size: int, share: Callable = _whole) -> Iterator[torch.Tensor]:
        """Every image of ``split`` ("train" or "test") in order, centre-cropped (only ``share(positions)``)."""
        files = self.index.train_files if split == "train" else self.index.test_files
        positions = share(torch.arange(len(files))).split(batch_size)
        yield from self._loader(files, [[(int(i), None) for i in chunk] for chunk in positions])

    def _loader(self, files: tuple[Path, ...], batches: list[list[tuple]]) -> Iterator[torch.Tensor]:
        device = self.y_train.device
        loader = torch.utils.data.DataLoader(
            Images(files, self.size, self.seed),
            batch_sampler=batches,
            num_workers=self.workers,
            pin_memory=device.type == "cuda",
            generator=torch.Generator(),  # the loader's own seed draw, not the global generator's
        )
        fmt = torch.channels_last if self.channels_last else torch.contiguous_format
        for x in loader:
            yield x.to(device, non_blocking=True).contiguous(memory_format=fmt)


def default_workers(device: str, gpus: int = 1) -> int:
    """DataLoader workers: none on the CPU (the decoding would compete with training), up to 8 per GPU (the
    node's cores shared by the ``gpus`` a run trains on)."""
    return 0 if torch.device(device).type == "cpu" else min(8, max(1, (os.cpu_count() or 1) // gpus))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="build ImageNet's manifest (reads every byte once)")
    parser.add_argument("data_root", help="the folder holding imagenet/train and imagenet/val")
    args = parser.parse_args(argv)
    manifest = build_manifest(folder_of(args.data_root))
    print(json.dumps({k: v for k, v in manifest.items() if k != "built_at"}, indent=1))


if __name__ == "__main__":
    main()
