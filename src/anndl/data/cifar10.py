"""Reader of the CIFAR-10 *binary* batches (``data_batch_1.bin`` ... ``data_batch_5.bin``).

Each file is a sequence of 3073-byte records: one label byte (0-9), then 3072 pixel bytes, the
1024 red, then 1024 green, then 1024 blue values of a 32x32 image in row-major order (CHW). The
official ``cifar-10-binary.tar.gz`` holds 10,000 records per batch. Python-pickle versions of the
data set are never read (unpickling a downloaded file can run arbitrary code).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from anndl.errors import DataError

CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
RECORD_BYTES = 1 + 3 * 32 * 32
TRAIN_BATCH_GLOB = "data_batch_*.bin"


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
    """The training batch files under ``path``: a ``.bin`` file itself, or every
    ``data_batch_*.bin`` in the folder or in its ``cifar-10-batches-bin`` subfolder (sorted)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: CIFAR-10 path not found; give the folder holding data_batch_1.bin ... "
                        f"data_batch_5.bin (from cifar-10-binary.tar.gz)")
    if path.is_file():
        return [path]
    for folder in (path, path / "cifar-10-batches-bin"):
        files = sorted(folder.glob(TRAIN_BATCH_GLOB))
        if files:
            return files
    raise DataError(f"{path}: no {TRAIN_BATCH_GLOB} files in this folder (binary CIFAR-10 batches expected)")


def load_class(path: str | Path, class_name: str) -> np.ndarray:
    """Every training image of one class: float32 (N, 3, 32, 32) in [0, 1] (5000 for the full set)."""
    label = class_index(class_name)
    chosen = []
    for file in batch_files(path):
        images, labels = read_batch(file)
        chosen.append(images[labels == label])
    images = np.concatenate(chosen)
    if len(images) == 0:
        raise DataError(f"{path}: no images of class {class_name!r} (label {label})")
    return images.astype(np.float32) / 255.0
