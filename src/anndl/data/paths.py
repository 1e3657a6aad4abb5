"""Where shipped data lives, and how user-given paths are resolved.

Relative data paths are looked up in the working directory, then in the folder named by the
``ANNDL_DATA`` environment variable (when set), then in the shipped data (inside the installed
package, or the checkout's ``data/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from anndl.digests import record_read
from anndl.errors import DataError
from anndl.resources import shipped

SHIPPED_DATA_DIR = shipped("data")
"""The data files that ship with anndl (the package's copy of the repository's ``data/``)."""

DATA_DIR = Path(os.environ["ANNDL_DATA"]).expanduser() if os.environ.get("ANNDL_DATA") else SHIPPED_DATA_DIR
"""The first data folder searched after the working directory: ``$ANNDL_DATA``, else the shipped data."""


def data_dirs() -> list[Path]:
    """The data folders searched for a relative path, in order: ``$ANNDL_DATA`` (read now), shipped."""
    user = os.environ.get("ANNDL_DATA")
    folders = [Path(user).expanduser()] if user else []
    return [*folders, SHIPPED_DATA_DIR]


def resolve(path: str | Path, what: str = "data file") -> Path:
    """An existing file: absolute or relative to the working directory, else found in a data folder.

    ``data/NAME`` also finds a shipped file, so paths written relative to the checkout keep working.

    The file is recorded as read by the current run (its digest goes into env.json and cache keys).
    """
    candidate = Path(path).expanduser()
    options = [candidate, *(folder / candidate for folder in data_dirs()), SHIPPED_DATA_DIR.parent / candidate]
    for option in options:
        if option.is_file():
            record_read(option)
            return option
    looked = ", ".join(str(d) for d in data_dirs())
    raise DataError(f"{path}: {what} not found (looked in the working directory and {looked}; "
                    "set ANNDL_DATA to add a folder)")
