"""Regression data of chapter 1: sin(x²) and the personal regression problem.

The personal problem mixes five 2-D functions T1…T5 sampled at the same scattered inputs:
``Tnew = (d1*T1 + … + d5*T5) / (d1 + … + d5)`` with d1 ≥ … ≥ d5 the five largest digits of a
student number. The course ships them as ``Data_Problem1_regression.mat`` (X1, X2, T1…T5, each
13600×1); :func:`load_course_regression` reads that file. Without it, :func:`standin_regression`
generates a documented stand-in with the same layout (see its docstring); it is NOT the course's
data, only a problem of the same kind.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from anndl.data.paths import resolve
from anndl.errors import DataError

SIN_DOMAIN = (0.0, 3.0 * np.pi)
"""The interval of the sin(x²) problem."""

SIN_DATASETS = ("noiseless", "noisy")
"""The two training sets of §1.1: sin(x²) itself, and with Gaussian noise added."""


@dataclasses.dataclass(frozen=True)
class SinSquaredData:
    """One training set of §1.1: inputs x = 0:dx:3π, targets sin(x²) plus Gaussian noise of
    standard deviation ``noise_std`` (0 for the noiseless set)."""

    dataset: str
    dx: float
    noise_std: float

    @classmethod
    def of(cls, dataset: str, dx: float, noise_std: float) -> SinSquaredData:
        """The set ``dataset`` (one of SIN_DATASETS): ``noise_std`` for "noisy", 0 for "noiseless"."""
        return cls(dataset, dx, noise_std if dataset == "noisy" else 0.0)


def sin_squared(x: np.ndarray) -> np.ndarray:
    """y = sin(x²), elementwise."""
    return np.sin(np.asarray(x, dtype=float) ** 2)


def sin_squared_grid(dx: float = 0.01) -> np.ndarray:
    """The training inputs x = 0:dx:3π, (N,) (MATLAB's colon: 943 points for dx = 0.01)."""
    n = int(np.floor(SIN_DOMAIN[1] / dx + 1e-9)) + 1
    return SIN_DOMAIN[0] + dx * np.arange(n)


def noisy(y: np.ndarray, noise_std: float, rng: np.random.Generator) -> np.ndarray:
    """y + noise_std * standard normal noise (MATLAB's y + 0.2*randn)."""
    return y + noise_std * rng.standard_normal(np.shape(y)) if noise_std > 0 else np.array(y, dtype=float)


def personal_target(T: np.ndarray, digits: list[int]) -> np.ndarray:
    """Tnew (N,) from the five columns of T (N, 5) weighted by the digits (largest first)."""
    d = np.asarray(digits, dtype=float)
    if d.shape != (5,) or np.any(d < 0) or d.sum() <= 0 or np.any(np.diff(d) > 0):
        raise ValueError(f"digits must be five non-negative digits in non-increasing order, got {digits}")
    return T @ d / d.sum()


def load_course_regression(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the course's regression data: inputs X (N, 2) = [X1, X2] and the five targets T (N, 5) =
    [T1 … T5], from the 2023 ``Data_Problem1_regression.mat`` or the 2024 ``data.csv`` (a header row
    naming X1, X2, T1…T5 in any order, comma-separated; 13600 rows in the course's file)."""
    file = resolve(path, "course regression file (Data_Problem1_regression.mat or data.csv)")
    names = ["X1", "X2", "T1", "T2", "T3", "T4", "T5"]
    if file.suffix.lower() == ".csv":
        columns = _csv_columns(file, names)
    else:
        from scipy.io import loadmat

        try:
            mat = loadmat(file)
        except Exception as exc:  # scipy raises several types for a corrupt file
            raise DataError(f"{file}: not a readable MATLAB .mat file ({exc})") from None
        missing = [k for k in names if k not in mat]
        if missing:
            raise DataError(f"{file}: missing variables {missing}; expected {names}")
        columns = [np.asarray(mat[k], dtype=float).reshape(-1) for k in names]
    if len({c.size for c in columns}) != 1 or columns[0].size == 0:
        raise DataError(f"{file}: X1, X2, T1…T5 must be vectors of one common length")
    data = np.stack(columns, axis=1)
    if not np.all(np.isfinite(data)):
        raise DataError(f"{file}: holds non-finite values")
    return data[:, :2], data[:, 2:]


def _csv_columns(file: Path, names: list[str]) -> list[np.ndarray]:
    """The named columns of a CSV file with a header row, as float arrays."""
    import csv

    try:
        with open(file, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{file}: cannot read a CSV file ({exc})") from None
    if not rows:
        raise DataError(f"{file}: empty CSV file; expected a header row with {names}")
    header = [h.strip().strip('"') for h in rows[0]]
    missing = [k for k in names if k not in header]
    if missing:
        raise DataError(f"{file}: missing columns {missing}; the header names {header}, expected {names}")
    try:
        body = np.array([[float(v) for v in row] for row in rows[1:] if row], dtype=float)
    except ValueError as exc:
        raise DataError(f"{file}: a value is not a number ({exc})") from None
    if body.ndim != 2 or body.shape[1] != len(header):
        raise DataError(f"{file}: every row needs {len(header)} values, as the header")
    return [body[:, header.index(k)] for k in names]


def standin_regression(n_points: int = 13600, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The built-in stand-in for the course file: X (n_points, 2) uniform in [0,1]², T (n_points, 5).

    Five smooth functions of (x, y), positive and of the course data's scale (values between
    about 0 and 8):

    - T1 = 2 + 1.5 sin(2πx) cos(πy) + x
    - T2 = 3.5 + 4 exp(-r / 0.08) + 0.5 cos(2π(x - y))      (sharp peak at the origin, r = |(x, y)|)
    - T3 = 2 + sin(3x + 2y) - y²
    - T4 = 3 + 3 exp(-r² / 0.2) + 0.5 y                      (broad bump at the origin)
    - T5 = 2.5 + 2 sin(πxy) + 0.5 cos(3πx)

    so every digit mix has a sharp peak near the origin that decays over r ≈ 0.2, as the
    course's Tnew does. The points are fixed by ``seed`` (like a data file), independent of
    an experiment's seed.
    """
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, (n_points, 2))
    x, y = X[:, 0], X[:, 1]
    r2 = x * x + y * y
    r = np.sqrt(r2)
    T = np.stack(
        [
            2 + 1.5 * np.sin(2 * np.pi * x) * np.cos(np.pi * y) + x,
            3.5 + 4 * np.exp(-r / 0.08) + 0.5 * np.cos(2 * np.pi * (x - y)),
            2 + np.sin(3 * x + 2 * y) - y * y,
            3 + 3 * np.exp(-r2 / 0.2) + 0.5 * y,
            2.5 + 2 * np.sin(np.pi * x * y) + 0.5 * np.cos(3 * np.pi * x),
        ],
        axis=1,
    )
    return X, T


def three_samples(n_total: int, sizes: tuple[int, int, int], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Disjoint random index sets {"train", "val", "test"} of the given sizes out of n_total."""
    if sum(sizes) > n_total:
        raise ValueError(f"cannot draw {sum(sizes)} distinct points out of {n_total}")
    perm = rng.permutation(n_total)
    bounds = np.cumsum((0, *sizes))
    return {k: perm[bounds[i] : bounds[i + 1]] for i, k in enumerate(("train", "val", "test"))}


def damped_sinc_surface(points: int = 40, extent: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """The 2024 course's surface z = sin(0.8 r²) / (r²)^0.9 with r² = x² + y², on a ``points`` ×
    ``points`` grid of [-extent, extent]²: inputs (points², 2) as (x, y) rows, x varying slowest, and
    targets (points²,). At r = 0 (an odd grid) z is its limit 0 (z ≈ 0.8 r^0.2 near the origin)."""
    axis = np.linspace(-extent, extent, points)
    x, y = np.meshgrid(axis, axis, indexing="ij")
    r2 = (x**2 + y**2).ravel()
    safe = np.where(r2 > 0, r2, 1.0)
    z = np.where(r2 > 0, np.sin(0.8 * safe) / safe**0.9, 0.0)
    return np.column_stack([x.ravel(), y.ravel()]), z
