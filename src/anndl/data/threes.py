"""Handwritten threes, 16×16, for PCA.

By default the 500 threes of the shipped MNIST subset, resampled from 28×28 to 16×16 (bilinear,
values in [0, 1]). A config can point at the course's ``threes.mat`` instead: despite its name an
ASCII table of 500 rows × 256 values in [0, 1] (read with ``numpy.loadtxt``), each row a 16×16 image
stored column by column as MATLAB does; rows are reordered to row-major on loading.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from anndl.data.mnist import load_mnist_subset
from anndl.data.paths import resolve
from anndl.errors import DataError

SIDE = 16


def resample(images: np.ndarray, side: int = SIDE) -> np.ndarray:
    """Bilinear resampling of (n, h, w) images to (n, side, side), clipped to [0, 1]."""
    n, h, w = images.shape
    zoomed = ndimage.zoom(images, (1, side / h, side / w), order=1, grid_mode=True, mode="grid-constant")
    return np.clip(zoomed, 0.0, 1.0)


def load_threes(path: str | Path | None = None, count: int = 500) -> np.ndarray:
    """Threes as float64 (count, 256) rows of 16×16 images in [0, 1] (row-major)."""
    if path is None:
        images, labels = load_mnist_subset()
        threes = resample(images[labels == 3].astype(np.float64)).reshape(-1, SIDE * SIDE)
    else:
        path = resolve(path, "threes table")
        try:
            threes = np.loadtxt(path, ndmin=2)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DataError(f"{path}: not an ASCII table of numbers ({exc}); "
                            f"the course's threes.mat is read with numpy.loadtxt") from None
        if threes.shape[1] != SIDE * SIDE:
            raise DataError(f"{path}: expected 256 columns (16×16 images), got shape {threes.shape}")
        threes = threes.reshape(-1, SIDE, SIDE).transpose(0, 2, 1).reshape(-1, SIDE * SIDE)
    if len(threes) < count:
        raise DataError(f"{path or 'MNIST subset'}: asked for {count} threes, only {len(threes)} available")
    return threes[:count]
