"""Where the shipped configs and data files live.

An installed wheel holds copies of the repository's top-level ``configs/`` and ``data/`` folders
under ``anndl/shipped/`` (copied there by ``setup.py`` at build time); a source checkout or an
editable install reads the top-level folders themselves, which stay the source of truth.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
"""The installed ``anndl`` package folder."""

SHIPPED_DIR = PACKAGE_DIR / "shipped"
"""Where a built wheel keeps its copies of ``configs/`` and ``data/``."""

CHECKOUT_DIR = PACKAGE_DIR.parents[1]
"""The repository root when anndl runs from a source checkout (``src/anndl`` -> the root)."""


def shipped(name: str) -> Path:
    """The folder ``name`` (``configs`` or ``data``): the package's copy, else the checkout's."""
    packaged = SHIPPED_DIR / name
    if packaged.is_dir():
        return packaged
    return CHECKOUT_DIR / name
