"""What a result was made from: a digest of anndl's code and of every data file a run reads.

A run (and each cell it maps) collects the data files it reads: :func:`anndl.data.paths.resolve`
calls :func:`record_read`, which adds the file's digest to every open :func:`collect_reads` block.
Cached results carry these digests, so a result made from other code or other data is recomputed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parent
"""anndl's package folder, whose ``.py`` files make up :func:`code_version`."""

_open: list[dict[str, dict]] = []
_hashes: dict[tuple[str, int, int], tuple[str, str]] = {}


def code_version(source_dir: Path = SOURCE_DIR) -> str:
    """A hash of anndl's source files (12 hex digits): results are reused only while it is unchanged."""
    digest = hashlib.sha256()
    for path in sorted(Path(source_dir).rglob("*.py")):
        digest.update(path.relative_to(source_dir).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def file_digest(path: str | Path) -> dict:
    """``{"size": bytes, "mtime_ns": int, "sha256": hex, "md5": hex}`` of a file (md5 because some data
    sets publish only that, e.g. CIFAR-10); the hashes are recomputed only when size or mtime changed
    since this process last hashed it."""
    stat = os.stat(path)
    gate = (str(path), stat.st_size, stat.st_mtime_ns)
    if gate not in _hashes:
        digest, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                md5.update(block)
        _hashes[gate] = (digest.hexdigest(), md5.hexdigest())
    sha256, md5_hex = _hashes[gate]
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256, "md5": md5_hex}


def record_read(path: str | Path) -> None:
    """Note that the running code reads ``path`` (a no-op outside :func:`collect_reads`)."""
    if not _open:
        return
    key = str(Path(path).resolve())
    digest = file_digest(key)
    for reads in _open:
        reads[key] = digest


def merge_reads(reads: Mapping[str, dict]) -> None:
    """Add reads made elsewhere (a worker process, a cached cell) to every open collection."""
    for collection in _open:
        collection.update(reads)


@contextmanager
def collect_reads() -> Iterator[dict[str, dict]]:
    """Collect ``{absolute path: file_digest}`` of the files read inside the block (blocks nest)."""
    reads: dict[str, dict] = {}
    _open.append(reads)
    try:
        yield reads
    finally:
        _open.remove(reads)


def changed_files(reads: Mapping[str, Mapping]) -> list[str]:
    """The recorded files that are missing now or whose content differs from their recorded digest."""
    changed = []
    for path, recorded in reads.items():
        try:
            stat = os.stat(path)
            if (stat.st_size, stat.st_mtime_ns) == (recorded.get("size"), recorded.get("mtime_ns")):
                continue
            if file_digest(path)["sha256"] != recorded.get("sha256"):
                changed.append(path)
        except OSError:
            changed.append(path)
    return changed


def content_key(reads: Mapping[str, Mapping]) -> dict[str, str]:
    """``{path: sha256}``: the part of a read record that identifies the data (for cache keys)."""
    return {path: str(recorded.get("sha256")) for path, recorded in sorted(reads.items())}
