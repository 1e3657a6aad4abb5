"""The ten digit patterns of the Hopfield digit experiment, as ±1 images 16 tall × 15 wide.

Two sources:
- ``data/hopfield_digits_15x16.txt``, the project's own hand-drawn bitmaps: per digit 16 lines of
  15 characters (``#`` = +1, ``.`` = -1), digits 0..9 in order, separated by blank lines;
- the course's ``digits.mat`` (MATLAB v5): ``X`` is 198×240 uint8 0/1, each row one image in
  MATLAB's ``reshape(x, 15, 16)'`` layout (row-major 16×15), and rows 0, 20, ..., 180 hold the ten
  attractors 0..9.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from anndl.data.paths import SHIPPED_DATA_DIR, resolve
from anndl.errors import DataError

HEIGHT, WIDTH = 16, 15
SHIPPED_DIGITS = SHIPPED_DATA_DIR / "hopfield_digits_15x16.txt"
"""The shipped hand-drawn digit bitmaps."""
COURSE_ATTRACTOR_ROWS = tuple(range(0, 200, 20))
"""0-based rows of ``digits.mat``'s ``X`` that hold the digits 0..9 used as attractors."""


def read_bitmap_text(path: str | Path) -> np.ndarray:
    """Read text bitmaps (``#``/``.``, blank line between images) -> float (n, 16, 15) of ±1."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: digit bitmap file not found")
    blocks, current = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.rstrip()
        if not line:
            if current:
                blocks.append(current)
                current = []
            continue
        if len(line) != WIDTH or set(line) - {"#", "."}:
            raise DataError(
                f"{path}: line {number}: expected {WIDTH} characters of '#' and '.', got {line!r}"
            )
        current.append([1.0 if c == "#" else -1.0 for c in line])
    if current:
        blocks.append(current)
    for i, block in enumerate(blocks):
        if len(block) != HEIGHT:
            raise DataError(f"{path}: image {i} has {len(block)} rows, expected {HEIGHT}")
    if not blocks:
        raise DataError(f"{path}: no images found")
    return np.array(blocks)


def read_course_digits(path: str | Path) -> np.ndarray:
    """Read the ten attractor digits from the course's ``digits.mat`` -> float (10, 16, 15) of ±1."""
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: digits.mat not found")
    try:
        contents = loadmat(path)
    except (MatReadError, ValueError, OSError, NotImplementedError, TypeError) as exc:
        raise DataError(f"{path}: not a readable MATLAB v5 .mat file ({exc})") from None
    if "X" not in contents:
        found = sorted(k for k in contents if not k.startswith("__"))
        raise DataError(f"{path}: no variable 'X' (the 198x240 digit images); found {found}")
    X = np.asarray(contents["X"])
    if X.ndim != 2 or X.shape[1] != HEIGHT * WIDTH or X.shape[0] <= max(COURSE_ATTRACTOR_ROWS):
        raise DataError(f"{path}: X has shape {X.shape}, expected (198, {HEIGHT * WIDTH})")
    rows = np.asarray(X[list(COURSE_ATTRACTOR_ROWS)], dtype=float)
    if not np.all(np.isin(rows, (0.0, 1.0))):
        raise DataError(f"{path}: X must hold only 0 and 1")
    return (2.0 * rows - 1.0).reshape(-1, HEIGHT, WIDTH)


def load_hopfield_digits(path: str | Path | None = None) -> np.ndarray:
    """The ten digit patterns as float (10, 16, 15) of ±1.

    ``path`` None reads the shipped bitmaps; a ``.mat`` path reads the course's ``digits.mat``;
    any other path is read as text bitmaps.
    """
    if path is None:
        images = read_bitmap_text(resolve(SHIPPED_DIGITS, "shipped digit bitmaps"))
    elif Path(path).suffix.lower() == ".mat":
        images = read_course_digits(path)
    else:
        images = read_bitmap_text(path)
    return images
