"""Digit loaders of chapter 3: the course's .mat files, IDX files, and the stratified split."""

import numpy as np
import pytest
from scipy.io import savemat

from anndl.data.course_digits import (
    DigitData,
    cap_per_class,
    load_course_digits,
    load_digits,
    stratified_holdout,
)
from anndl.data.mnist import write_idx
from anndl.errors import DataError


def _write_course_file(path, images, onehot, names=("xTrainImages", "tTrain")):
    cell = np.empty((1, len(images)), dtype=object)
    for i, image in enumerate(images):
        cell[0, i] = image
    savemat(path, {names[0]: cell, names[1]: onehot})


def test_course_format_round_trip_and_label_order(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.random((4, 28, 28))
    rows = np.array([0, 8, 9, 3])  # MATLAB classes 1, 9, 10 and 4: digits 1, 9, 0 and 4
    onehot = np.zeros((10, 4), dtype=np.uint8)
    onehot[rows, np.arange(4)] = 1
    _write_course_file(tmp_path / "digits.mat", images, onehot, ("xTestImages", "tTest"))
    x, y = load_course_digits(tmp_path / "digits.mat")
    assert x.dtype == np.float32 and np.allclose(x, images, atol=1e-7)
    assert y.tolist() == [1, 9, 0, 4]


def test_course_format_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_course_digits(tmp_path / "missing.mat")
    (tmp_path / "junk.mat").write_bytes(b"not a mat file at all" * 10)
    with pytest.raises(DataError):
        load_course_digits(tmp_path / "junk.mat")
    bad = np.zeros((10, 2), dtype=np.uint8)
    bad[0, 0] = 1  # the second column has no 1
    _write_course_file(tmp_path / "bad.mat", np.zeros((2, 28, 28)), bad)
    with pytest.raises(DataError, match="one-hot"):
        load_course_digits(tmp_path / "bad.mat")


def test_real_course_files(course_file):
    x, y = load_course_digits(course_file("digittrain_dataset.mat"))
    assert x.shape == (5000, 28, 28) and x.min() >= 0 and x.max() <= 1
    assert y[:8].tolist() == [1, 9, 0, 5, 3, 9, 8, 5]  # checked by eye on the images
    x_test, y_test = load_course_digits(course_file("digittest_dataset.mat"))
    assert x_test.shape == (5000, 28, 28) and np.bincount(y_test).tolist() == [500] * 10


def test_stratified_holdout_and_cap():
    labels = np.repeat(np.arange(4), [10, 20, 30, 40])
    train, test = stratified_holdout(labels, 0.25, np.random.default_rng(0))
    assert np.bincount(labels[test]).tolist() == [2, 5, 8, 10]  # round(0.25 * count); 2.5 rounds to 2
    assert np.intersect1d(train, test).size == 0 and np.union1d(train, test).tolist() == list(range(100))
    kept = cap_per_class(labels, 15, np.random.default_rng(1))
    assert np.bincount(labels[kept]).tolist() == [10, 15, 15, 15]


def test_load_digits_from_idx_files(tmp_path):
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    labels = np.tile(np.arange(10, dtype=np.uint8), 3)
    write_idx(tmp_path / "img.gz", images)
    write_idx(tmp_path / "lab", labels)
    files = {"train_images": str(tmp_path / "img.gz"), "train_labels": str(tmp_path / "lab"),
             "test_images": str(tmp_path / "img.gz"), "test_labels": str(tmp_path / "lab")}
    spec = DigitData(source="idx", max_train_per_class=2, **files)
    split = load_digits(spec, np.random.default_rng(0))
    assert np.allclose(split.test_images, images / 255.0) and split.test_labels.tolist() == labels.tolist()
    assert np.bincount(split.train_labels).tolist() == [2] * 10
    with pytest.raises(DataError, match="train_labels"):
        load_digits(DigitData(source="idx", train_images=str(tmp_path / "img.gz")), np.random.default_rng(0))


def test_shipped_subset_split():
    split = load_digits(DigitData(test_fraction=0.5), np.random.default_rng(0))
    assert split.train_images.shape == (2500, 28, 28) and split.test_images.shape == (2500, 28, 28)
    assert np.bincount(split.test_labels).tolist() == [250] * 10
