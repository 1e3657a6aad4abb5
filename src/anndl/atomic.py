"""Atomic file writes: write to a temporary name in the same folder, then rename over the target.

A reader (or a run killed mid-write) sees either the old file or the complete new one, never half.
Inside an output folder with a ledger (:mod:`anndl.ledger`) every file written is recorded there,
and a file the ledger does not list is never replaced.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np

from anndl import ledger


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is flushed to disk and renamed to ``target``.

    The temporary file is created with mode 0666 less the umask (0644 under umask 022), as a plain
    ``open`` would, so the renamed file is as readable as any other file the user writes. Its data
    are fsynced before the rename and the folder after it, so a crash leaves the old or the new file.
    Under a folder with a ledger, ``target`` is recorded there once renamed, and an existing
    ``target`` that the ledger does not list is refused (:class:`anndl.ledger.ForeignFileError`).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    root, listed = ledger.check_replace(target)
    tmp_path = _create_temporary(target)
    try:
        yield tmp_path
        _fsync(tmp_path)
        os.replace(tmp_path, target)
        if root is not None and not listed:
            ledger.record(root, target)
        with suppress(OSError):  # a few file systems cannot sync a folder; the rename still happened
            _fsync(target.parent)
    finally:
        tmp_path.unlink(missing_ok=True)


def _create_temporary(target: Path) -> Path:
    """Create an empty, new ``.<name>.<random>.tmp`` beside ``target`` (mode 0666 & ~umask)."""
    for _ in range(100):
        candidate = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise FileExistsError(f"{target}: no free temporary name beside it")


def _fsync(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
