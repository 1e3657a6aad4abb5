"""IDX reading: round trip, gzip, shipped subset, and clear errors for bad files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from anndl.data.mnist import load_mnist, load_mnist_subset, read_idx, write_idx
from anndl.errors import DataError


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_idx_round_trip(tmp_path, name):
    array = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    path = write_idx(tmp_path / name, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    assert np.array_equal(read_idx(path), array)


def test_shipped_subset_has_500_per_class():
    images, labels = load_mnist_subset()
    assert images.shape == (5000, 28, 28) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() == 1.0
    assert np.array_equal(np.bincount(labels), np.full(10, 500))


def test_truncated_and_corrupt_files_are_data_errors(tmp_path):
    good = write_idx(tmp_path / "a-idx3-ubyte", np.zeros((4, 3, 3), dtype=np.uint8))
    truncated = tmp_path / "t-idx3-ubyte"
    truncated.write_bytes(good.read_bytes()[:-5])
    with pytest.raises(DataError, match="truncated or corrupt"):
        read_idx(truncated)
    garbage = tmp_path / "g.gz"
    garbage.write_bytes(b"\x1f\x8b" + b"nonsense")
    with pytest.raises(DataError, match="g.gz"):
        read_idx(garbage)
    not_idx = tmp_path / "n-idx"
    not_idx.write_bytes(gzip.decompress(gzip.compress(b"hello world")))
    with pytest.raises(DataError, match="bad magic"):
        read_idx(not_idx)
    with pytest.raises(DataError, match="not found"):
        read_idx(tmp_path / "missing")


def test_mismatched_images_and_labels(tmp_path):
    images = write_idx(tmp_path / "i", np.zeros((4, 28, 28), dtype=np.uint8))
    labels = write_idx(tmp_path / "l", np.zeros(3, dtype=np.uint8))
    with pytest.raises(DataError, match="expected images"):
        load_mnist(images, labels)
