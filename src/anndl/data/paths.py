"""Where shipped data lives, and how user-given paths are resolved."""

from __future__ import annotations

import os
from pathlib import Path

from anndl.digests import record_read
from anndl.errors import DataError

DATA_DIR = Path(os.environ.get("ANNDL_DATA", Path(__file__).resolve().parents[3] / "data"))
"""The repository's ``data/`` folder (override with the ANNDL_DATA environment variable)."""


def resolve(path: str | Path, what: str = "data file") -> Path:
    """An existing file: absolute, relative to the working directory, to DATA_DIR or to the repository.

    The file is recorded as read by the current run (its digest goes into env.json and cache keys).
    """
    candidate = Path(path).expanduser()
    for option in (candidate, DATA_DIR / candidate, DATA_DIR.parent / candidate):
        if option.is_file():
            record_read(option)
            return option
    raise DataError(f"{path}: {what} not found (looked in the working directory and {DATA_DIR})")
