"""The Santa Fe competition data set A (far-infrared laser intensity), and its standard split.

``data/santafe_laser.dat`` holds the 10,093-point series, one integer a line (converted from the
``reservoirpy`` package's ``santafe_laser.npy``). Its first 1000 points are the course's
``lasertrain.dat`` and the next 100 its ``laserpred.dat``; those files load the same way, and
:func:`load_split` takes the pair as the course ships it (training part, test part).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anndl.data.paths import SHIPPED_DATA_DIR
from anndl.digests import record_read
from anndl.errors import DataError

SHIPPED_SERIES = SHIPPED_DATA_DIR / "santafe_laser.dat"
"""The full 10,093-point series shipped with the project."""


def load_series(path: str | Path | None = None) -> np.ndarray:
    """Read a series as float64 (n,): ASCII with one value a line (``.dat``/``.txt``) or ``.npy``.

    ``path`` None reads the shipped Santa Fe laser series.
    """
    path = Path(path) if path is not None else SHIPPED_SERIES
    if not path.is_file():
        raise DataError(f"{path}: series file not found")
    record_read(path)
    try:
        if path.suffix.lower() == ".npy":
            values = np.load(path, allow_pickle=False)
        else:
            values = np.loadtxt(path, dtype=float, ndmin=1)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read a numeric series ({exc})") from None
    values = np.asarray(values, dtype=float)
    if values.ndim == 2 and 1 in values.shape:
        values = values.reshape(-1)
    if values.ndim != 1 or values.size == 0:
        raise DataError(f"{path}: expected one value a line (a 1-D series), got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise DataError(f"{path}: the series holds non-finite values")
    return values


@dataclass(frozen=True)
class Standardiser:
    """``z = (x - mean_) / std_`` with statistics from the training part only."""

    mean_: float
    std_: float

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardiser:
        std = float(np.std(x, ddof=1))
        return cls(mean_=float(np.mean(x)), std_=std if std > 0 else 1.0)

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=float) - self.mean_) / self.std_

    def inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=float) * self.std_ + self.mean_


def train_test_split(
    series: np.ndarray, n_train: int = 1000, n_test: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n_train`` points and the ``n_test`` points that follow them."""
    if n_train < 1 or n_test < 1 or n_train + n_test > series.size:
        raise DataError(
            f"cannot take {n_train} training and {n_test} test points from a series of {series.size}"
        )
    return series[:n_train].copy(), series[n_train : n_train + n_test].copy()


def load_joined(series_path: str | Path | None, test_path: str | Path | None) -> np.ndarray:
    """The whole series: ``series_path`` (None: the shipped one), followed by ``test_path``'s values when given
    (lengths are checked by :func:`load_split`, which every experiment calls first)."""
    series = load_series(series_path)
    return series if test_path is None else np.concatenate([series, load_series(test_path)])


def load_split(series_path: str | Path | None, test_path: str | Path | None, n_train: int,
               n_test: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(series, train, test)``: the training part, the test points that follow it, and both joined.

    Without ``test_path``, one series file (None: the shipped one) is split after ``n_train`` points.
    With it, the two files are the parts as the course ships them (``lasertrain.dat``,
    ``laserpred.dat``), each used whole: their lengths must be ``n_train`` and ``n_test``.
    """
    if test_path is None:
        series = load_series(series_path)
        train, test = train_test_split(series, n_train, n_test)
        return series, train, test
    if series_path is None:
        raise DataError(f"{test_path}: test_path needs series_path, the training part it follows "
                        "(e.g. the course's lasertrain.dat)")
    train, test = load_series(series_path), load_series(test_path)
    for path, part, key, wanted in ((series_path, train, "n_train", n_train), (test_path, test, "n_test", n_test)):
        if part.size != wanted:
            raise DataError(f"{path}: holds {part.size} values but {key} is {wanted}; with test_path each "
                            f"file is used whole, so set {key}={part.size}")
    return np.concatenate([train, test]), train, test
