"""Highly correlated spectra for PCA: the NIR/ATR-FTIR coffee spectra shipped as CSV.

Shipped file: ``data/coffee_spectra.csv.gz``, 60 spectra × 1841 wavenumbers (ATR-FTIR absorbance of
coffee from three origins), copied from the ``chemotools`` package (MIT licence, P. Cabaneros);
labels in ``data/coffee_labels.csv``. Any CSV (optionally gzipped) with one header row and one
spectrum per row reads the same way.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np

from anndl.data.paths import resolve
from anndl.errors import DataError

COFFEE_SPECTRA = "coffee_spectra.csv.gz"


def load_spectra(path: str | Path = COFFEE_SPECTRA) -> np.ndarray:
    """Spectra float64 (n_samples, n_wavelengths) from a CSV with one header row, samples in rows."""
    path = resolve(path, "spectra CSV")
    raw = path.read_bytes()
    try:
        text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8")
        table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, ndmin=2)
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"{path}: not a numeric CSV with one header row ({exc})") from None
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise DataError(f"{path}: expected at least 2 spectra of at least 2 values, got shape {table.shape}")
    if not np.all(np.isfinite(table)):
        raise DataError(f"{path}: contains non-finite values")
    return table
