"""Digit images for chapter 3: the course's ``digittrain/digittest_dataset.mat`` reader, and one
loader that picks the shipped MNIST subset, MNIST IDX files or the course files and splits them.

The course files (MATLAB v5) hold ``xTrainImages`` / ``xTestImages``, a 1x5000 cell of 28x28
float images in [0, 1], and ``tTrain`` / ``tTest``, a 10x5000 one-hot matrix with rows for the
digits 1, 2, ..., 9, 0 (synthetic digits:
affine-transformed fonts, the data of MATLAB's stacked-autoencoder example).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

import numpy as np

from anndl.config import param
from anndl.data.mnist import load_mnist, load_mnist_subset
from anndl.data.paths import resolve
from anndl.errors import DataError

SOURCES = ("mnist_subset", "idx", "course_mat")
SIDE = 28
"""Height and width of the digit images every chapter-3 network expects."""


def load_course_digits(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Images float32 (N, 28, 28) in [0, 1] and labels int64 (N,) from a course digit .mat file.

    Accepts either file (train or test): the image cell is the variable whose name starts with
    ``x``, the one-hot targets the one starting with ``t``. Target row k (0-based) is digit k+1
    and the last row is digit 0, so the returned labels are the digits shown.
    """
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    path = resolve(path, "course digit .mat file")
    try:
        contents = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    except (MatReadError, ValueError, OSError, NotImplementedError, TypeError) as exc:
        raise DataError(f"{path}: not a readable MATLAB .mat file ({exc})") from None
    image_keys = [k for k in contents if k.startswith("x")]
    target_keys = [k for k in contents if k.startswith("t")]
    if len(image_keys) != 1 or len(target_keys) != 1:
        raise DataError(f"{path}: expected one image cell (x...) and one target matrix (t...), "
                        f"found variables {sorted(contents)}")
    cell, onehot = contents[image_keys[0]], np.asarray(contents[target_keys[0]])
    if cell.dtype != object:
        raise DataError(f"{path}: {image_keys[0]} must be a cell array of images, got a {cell.dtype} array")
    try:
        images = np.stack([np.asarray(im, dtype=np.float32) for im in cell.ravel()])
    except ValueError:
        raise DataError(f"{path}: the images in {image_keys[0]} do not all have the same size") from None
    if images.ndim != 3 or onehot.ndim != 2 or onehot.shape[1] != len(images):
        raise DataError(f"{path}: expected images (N of HxW) and targets (classes x N), got "
                        f"{images.shape} and {onehot.shape}")
    if not np.all(onehot.sum(axis=0) == 1):
        raise DataError(f"{path}: {target_keys[0]} is not one-hot (every column must hold a single 1)")
    # row k of the targets is digit k+1, the last row digit 0 (MATLAB's 1-based classes)
    return images, ((onehot.argmax(axis=0) + 1) % onehot.shape[0]).astype(np.int64)


@dataclasses.dataclass
class DigitData:
    """Which digit images to use and how to split them into training and test sets."""

    source: Literal["mnist_subset", "idx", "course_mat"] = "mnist_subset"
    """mnist_subset: the shipped 5000 MNIST digits; idx: MNIST IDX files; course_mat: course .mat files."""
    train_images: str | None = None
    """idx: training images IDX file (gzipped or not); course_mat: digittrain_dataset.mat."""
    train_labels: str | None = None
    """idx: training labels IDX file (unused otherwise)."""
    test_images: str | None = None
    """idx: test images IDX file; course_mat: digittest_dataset.mat; null: hold out test_fraction."""
    test_labels: str | None = None
    """idx: test labels IDX file (unused otherwise)."""
    test_fraction: float = param(0.25, gt=0, lt=1)
    """Fraction of each class held out for testing when no test file is given."""
    max_train_per_class: int | None = param(None, ge=1)
    """Keep at most this many training images per class (null: all), to bound the run time."""
    train_per_class: int | None = param(None, ge=1)
    """With a test file: pool the training and test files and draw this many images of each class for
    training, the rest for testing (the course's CNN split: 750 of its 1000 per class); null: the files
    as given."""


@dataclasses.dataclass
class DigitSplit:
    """Training and test digits: images float32 (N, 28, 28) in [0, 1], labels int64 (N,)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    description: str
    """One line saying where the images came from and how they were split."""


def _read(source: str, images: str | None, labels: str | None, role: str) -> tuple[np.ndarray, np.ndarray]:
    if source == "idx":
        if images is None or labels is None:
            raise DataError(f"data.source idx needs data.{role}_images and data.{role}_labels "
                            "(IDX file paths)")
        x, y = load_mnist(images, labels)
    else:
        if images is None:
            raise DataError(f"data.source course_mat needs data.{role}_images (path of the course .mat file)")
        x, y = load_course_digits(images)
    if x.shape[1:] != (SIDE, SIDE):
        raise DataError(f"{images}: images are {x.shape[1:]} pixels; the digit networks expect "
                        f"{SIDE}x{SIDE} images")
    return x, y


def stratified_holdout(labels: np.ndarray, fraction: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(train indices, test indices): round(fraction * count) of each class drawn for testing."""
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = int(round(fraction * len(members)))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def pooled_split(images: np.ndarray, labels: np.ndarray, per_class: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train images, train labels, test images, test labels): ``per_class`` random images of each class
    for training, the rest of that class for testing (each set in the original order)."""
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        if len(members) <= per_class:
            raise DataError(f"class {label} has {len(members)} images; data.train_per_class {per_class} "
                            "leaves none for testing")
        train.append(members[:per_class])
        test.append(members[per_class:])
    train_idx, test_idx = np.sort(np.concatenate(train)), np.sort(np.concatenate(test))
    return images[train_idx], labels[train_idx], images[test_idx], labels[test_idx]


def cap_per_class(labels: np.ndarray, cap: int | None, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices keeping at most ``cap`` random members of each class (all when cap is None)."""
    if cap is None:
        return np.arange(len(labels))
    keep = [rng.permutation(np.flatnonzero(labels == c))[:cap] for c in np.unique(labels)]
    return np.sort(np.concatenate(keep))


def load_digits(spec: DigitData, rng: np.random.Generator) -> DigitSplit:
    """Load the digits ``spec`` names; without a test file, hold out a stratified random test set."""
    if spec.source not in SOURCES:
        raise ValueError(f"unknown digit source {spec.source!r}; known: {', '.join(SOURCES)}")
    if spec.source == "mnist_subset":
        x, y = load_mnist_subset()
        origin = "shipped MNIST subset (500 per class)"
    else:
        x, y = _read(spec.source, spec.train_images, spec.train_labels, "train")
        origin = f"{spec.source} {spec.train_images}"
    if spec.source != "mnist_subset" and spec.test_images is not None:
        x_test, y_test = _read(spec.source, spec.test_images, spec.test_labels, "test")
        split = f"test set {spec.test_images}"
        if spec.train_per_class is not None:
            x, y, x_test, y_test = pooled_split(np.concatenate([x, x_test]), np.concatenate([y, y_test]),
                                                spec.train_per_class, rng)
            split = (f"both files pooled, {spec.train_per_class} of each class drawn for training, "
                     "the rest for testing")
    else:
        train_idx, test_idx = stratified_holdout(y, spec.test_fraction, rng)
        x, y, x_test, y_test = x[train_idx], y[train_idx], x[test_idx], y[test_idx]
        split = f"{spec.test_fraction:.0%} of each class held out for testing"
    keep = cap_per_class(y, spec.max_train_per_class, rng)
    x, y = x[keep], y[keep]
    if x.shape[1:] != x_test.shape[1:]:
        raise DataError(f"training images are {x.shape[1:]} but test images are {x_test.shape[1:]}")
    description = f"{origin}; {split}; {len(y)} training and {len(y_test)} test images"
    return DigitSplit(x, y, x_test, y_test, description)
