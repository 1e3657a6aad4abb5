"""Atomic file writes: write to a temporary name in the same folder, then rename over the target.

A reader (or a run killed mid-write) sees either the old file or the complete new one, never half.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed to ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_bytes(target: Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def to_jsonable(obj: Any) -> Any:
    """JSON data from numpy scalars/arrays, tuples and paths; arrays become tagged mappings, so
    :func:`from_jsonable` restores them (non-finite floats are kept: Python's json reads them back)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": to_jsonable(obj.tolist()), "dtype": str(obj.dtype), "shape": list(obj.shape)}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return obj


def from_jsonable(obj: Any) -> Any:
    """Inverse of :func:`to_jsonable`: tagged mappings become numpy arrays again."""
    if isinstance(obj, dict):
        if "__ndarray__" in obj:
            values = np.array(obj["__ndarray__"], dtype=object).reshape(obj["shape"])
            return values.astype(obj["dtype"])
        return {k: from_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_jsonable(v) for v in obj]
    return obj


def plain_json(obj: Any) -> Any:
    """JSON data for people: arrays become nested lists, non-finite floats become strings."""
    if isinstance(obj, np.ndarray):
        return plain_json(obj.tolist())
    if isinstance(obj, dict):
        return {str(k): plain_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain_json(v) for v in obj]
    obj = to_jsonable(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return str(obj)
    return obj


def write_json(target: Path, obj: Any, encode: Callable[[Any], Any] = plain_json) -> Path:
    return write_text(target, json.dumps(encode(obj), indent=2) + "\n")
