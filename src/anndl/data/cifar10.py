"""Reader of the CIFAR-10 batches: the *binary* ones (``data_batch_1.bin`` ... ``data_batch_5.bin``)
and the *python* ones (``cifar-10-batches-py/data_batch_1`` ... ``data_batch_5``, what the course's
notebook loads).

Each binary file is a sequence of 3073-byte records: one label byte (0-9), then 3072 pixel bytes,
the 1024 red, then 1024 green, then 1024 blue values of a 32x32 image in row-major order (CHW). The
official ``cifar-10-binary.tar.gz`` holds 10,000 records per batch. A python batch is a pickled dict
with ``data`` (10000 x 3072 uint8, the same layout) and ``labels``; it is read with an unpickler that
builds only dicts, lists, strings, numbers and numpy arrays (:class:`_ArraysOnly`), so a file that
asks for anything else (the way a malicious pickle runs code) is refused as bad data.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np

from anndl.digests import record_read
from anndl.errors import DataError

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
RECORD_BYTES = 1 + 3 * 32 * 32
TRAIN_BATCH_GLOB = "data_batch_*.bin"
PYTHON_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
"""The training batches of the python version (no suffix)."""
_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}


class _ArraysOnly(pickle.Unpickler):
    """Unpickles plain containers and numpy arrays only; any other global is refused."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refused global {module}.{name}")
        if module == "numpy.core.multiarray":
            module = "numpy._core.multiarray" if hasattr(np, "_core") else module
        return super().find_class(module, name)


def read_python_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One python batch file -> (images uint8 (N, 3, 32, 32), labels int64 (N,))."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: CIFAR-10 python batch not found")
    record_read(path)
    try:
        batch = _ArraysOnly(io.BytesIO(path.read_bytes()), encoding="bytes").load()
    except Exception as exc:  # any unpickling failure is bad data, never code run
        raise DataError(f"{path}: not a CIFAR-10 python batch (a pickled dict of data and labels): "
                        f"{type(exc).__name__}: {exc}") from None
    if not isinstance(batch, dict):
        batch = {}
    batch = {(k.decode() if isinstance(k, bytes) else k): v for k, v in batch.items()}
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 \
            or labels is None or len(labels) != len(data):
        raise DataError(f"{path}: expected 'data' (N x 3072 uint8) and N 'labels' (a CIFAR-10 python batch)")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.min() < 0 or labels.max() >= len(CLASSES):
        raise DataError(f"{path}: labels outside 0-9 (not CIFAR-10)")
    return data.reshape(-1, 3, 32, 32).copy(), labels


def class_index(name: str) -> int:
    """The label of a CIFAR-10 class name (``"dog"`` -> 5); ValueError lists the known names."""
    try:
        return CLASSES.index(name)
    except ValueError:
        raise ValueError(f"unknown CIFAR-10 class {name!r}; known: {', '.join(CLASSES)}") from None


def read_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One binary batch file -> (images uint8 (N, 3, 32, 32), labels int64 (N,))."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: CIFAR-10 batch file not found")
    record_read(path)
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % RECORD_BYTES:
        raise DataError(f"{path}: {raw.size} bytes is not a whole number of {RECORD_BYTES}-byte CIFAR-10 "
                        f"records (1 label byte + 3072 pixel bytes); is this the binary version?")
    records = raw.reshape(-1, RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= len(CLASSES):
        raise DataError(f"{path}: label byte {labels.max()} is not a CIFAR-10 class (0-9)")
    return records[:, 1:].reshape(-1, 3, 32, 32).copy(), labels


def batch_files(path: str | Path) -> list[Path]:
    """The training batch files under ``path``: a batch file itself, or every ``data_batch_*.bin`` in
    the folder or its ``cifar-10-batches-bin`` subfolder, else the python batches ``data_batch_1`` ...
    ``data_batch_5`` in the folder or its ``cifar-10-batches-py`` subfolder (sorted)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"{path}: CIFAR-10 path not found; give the folder holding data_batch_1.bin ... "
                        f"data_batch_5.bin (cifar-10-binary.tar.gz) or cifar-10-batches-py (cifar-10-python.tar.gz)")
    if path.is_file():
        return [path]
    for folder in (path, path / "cifar-10-batches-bin"):
        files = sorted(folder.glob(TRAIN_BATCH_GLOB))
        if files:
            return files
    for folder in (path, path / "cifar-10-batches-py"):
        files = [folder / name for name in PYTHON_BATCHES if (folder / name).is_file()]
        if files:
            return files
    raise DataError(f"{path}: no data_batch_*.bin files (binary CIFAR-10 batches) nor the python batches "
                    f"data_batch_1 ... data_batch_5 in this folder")


def load_class(path: str | Path, class_name: str) -> np.ndarray:
    """Every training image of one class: float32 (N, 3, 32, 32) in [0, 1] (5000 for the full set)."""
    label = class_index(class_name)
    chosen = []
    for file in batch_files(path):
        images, labels = read_batch(file) if file.suffix == ".bin" else read_python_batch(file)
        chosen.append(images[labels == label])
    images = np.concatenate(chosen)
    if len(images) == 0:
        raise DataError(f"{path}: no images of class {class_name!r} (label {label})")
    return images.astype(np.float32) / 255.0
