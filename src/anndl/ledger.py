"""What anndl wrote in an output folder, so that it replaces or deletes nothing else.

A folder that a run, sweep or report writes into holds ``anndl-files.txt``: one path a line,
relative to that folder, for every file anndl wrote there (appended as each file is renamed into
place, by whichever process wrote it, so a run killed with SIGKILL keeps an exact record). The rules:

- :func:`anndl.atomic.atomic_path` records every file it writes under the nearest folder with a
  ledger (that folder or up to :data:`SEARCH_DEPTH` levels above the file), and refuses
  (:class:`ForeignFileError`) to replace a file there that the ledger does not list;
- :func:`remove_recorded` is the only way anndl deletes results: it deletes listed files only;
- :func:`refuse_foreign` refuses a folder holding files the ledger does not list (exit 2), unless the
  user passed ``--keep-others`` (then they are left as they are).

A folder with its own ledger inside another (a run directory of a sweep or report) keeps its own record.
A ledger may govern only some top-level names of its folder (its ``# scope:`` line: a report's
``figures``, ``report.md`` and ``report.html``, so that ``anndl report --out .`` in a checkout governs
nothing else there); without a scope line it governs the whole folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from anndl.errors import AnndlError

LEDGER = "anndl-files.txt"
LOCK_NAME = "run.lock"
"""The per-folder lock file of :func:`anndl.runs.run_lock` (bookkeeping, never listed)."""
SEARCH_DEPTH = 3
"""How many folders above a written file's own folder :func:`find` looks for a ledger."""
HEADER = "# the files anndl wrote in this folder; anndl replaces or deletes only these\n"
SCOPE = "# scope: "
TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
"""The names :func:`anndl.atomic.atomic_path` gives its temporary files."""


class ForeignFileError(AnndlError):
    """anndl was about to replace or write over a file it did not write."""


def find(path: Path) -> Path | None:
    """The folder whose ledger governs a file at ``path`` (None: no folder near it has one whose
    scope holds ``path``)."""
    folder = Path(path).absolute().parent
    for _ in range(SEARCH_DEPTH + 1):
        if (folder / LEDGER).is_file():
            names = scope(folder)
            return folder if names is None or relative(folder, path).split("/", 1)[0] in names else None
        if folder == folder.parent:
            return None
        folder = folder.parent
    return None


def _header(names: Iterable[str] | None) -> str:
    return HEADER + (f"{SCOPE}{' '.join(sorted(names))}\n" if names is not None else "")


def claim(root: Path, names: Iterable[str] | None = None) -> None:
    """Create ``root`` and its (empty) ledger governing the top-level ``names`` (None: everything);
    an existing ledger's scope is widened to hold ``names``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(root / LEDGER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        old = scope(root)
        if old is not None and (names is None or not set(names) <= set(old)):
            _rewrite(root, recorded(root), None if names is None else set(old) | set(names))
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(_header(names))


def _lines(root: Path) -> list[str]:
    try:
        return (Path(root) / LEDGER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []


def scope(root: Path) -> tuple[str, ...] | None:
    """The top-level names ``root``'s ledger governs (None: the whole folder)."""
    for line in _lines(root):
        if line.startswith(SCOPE):
            return tuple(line[len(SCOPE):].split())
    return None


def recorded(root: Path) -> set[str]:
    """The relative paths ``root``'s ledger lists (empty without one)."""
    return {line for line in _lines(root) if line and not line.startswith("#")}


def _rewrite(root: Path, paths: Iterable[str], names: Iterable[str] | None) -> None:
    tmp = Path(root) / f".{LEDGER}.rewrite"
    tmp.write_text(_header(names) + "".join(f"{rel}\n" for rel in sorted(paths)), encoding="utf-8")
    os.replace(tmp, Path(root) / LEDGER)


def relative(root: Path, path: Path) -> str:
    return Path(path).absolute().relative_to(Path(root).absolute()).as_posix()


def record(root: Path, path: Path) -> None:
    """Append ``path`` to ``root``'s ledger (one write with O_APPEND: safe from several processes)."""
    line = (relative(root, path) + "\n").encode("utf-8")
    fd = os.open(Path(root) / LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def check_replace(target: Path) -> tuple[Path | None, bool]:
    """Before writing ``target``: its ledger folder and whether the ledger lists it already.

    Raises :class:`ForeignFileError` when ``target`` exists in a folder with a ledger that does not list it.
    """
    root = find(target)
    if root is None:
        return None, False
    listed = relative(root, target) in recorded(root) if Path(target).exists() else False
    if Path(target).exists() and not listed:
        raise ForeignFileError(f"{target}: exists and anndl did not write it (not in {root / LEDGER}); "
                               f"anndl never replaces such a file: move it away or pass another --out")
    return root, listed


def _bookkeeping(name: str) -> bool:
    return name in (LEDGER, LOCK_NAME, f".{LEDGER}.rewrite") or bool(TEMPORARY.match(name))


def unrecorded(root: Path, within: Iterable[str] | None = None) -> list[str]:
    """Files under ``root`` (only under the top-level names ``within``, when given) that its ledger
    does not list, as relative paths; a sub-folder with its own ledger is judged by that ledger."""
    root = Path(root)
    if not root.is_dir():
        return []
    listed = recorded(root)
    tops = [root / name for name in within] if within is not None else [root]
    tops = [top for top in tops if top.exists() or top.is_symlink()]
    found: list[str] = []
    for top in tops:
        if top.is_file() or top.is_symlink():
            if relative(root, top) not in listed and not _bookkeeping(top.name):
                found.append(relative(root, top))
            continue
        for folder, dirs, files in os.walk(top):
            folder_path = Path(folder)
            if folder_path != root and (folder_path / LEDGER).is_file():
                found += [relative(root, folder_path / p) for p in unrecorded(folder_path)]
                dirs.clear()
                continue
            dirs.sort()
            for name in sorted(files):
                path = folder_path / name
                if not _bookkeeping(name) and relative(root, path) not in listed:
                    found.append(relative(root, path))
    return found


def refuse_foreign(root: Path, keep_others: bool, within: Iterable[str] | None = None) -> None:
    """ForeignFileError (exit 2) when ``root`` holds files anndl did not write, unless ``keep_others``."""
    if keep_others:
        return
    foreign = unrecorded(root, within)
    if foreign:
        count = f"{len(foreign)} files" if len(foreign) > 1 else "a file"
        raise ForeignFileError(f"{root}: holds {count} that anndl did not write (e.g. {foreign[0][:80]}); anndl "
                               f"never replaces or deletes them: pass another --out, or --keep-others to write "
                               f"beside them")


def remove_recorded(root: Path, within: Iterable[str] | None = None, paths: Iterable[str] | None = None
                    ) -> list[str]:
    """Delete the files ``root``'s ledger lists (only those under the top-level names ``within``, or
    only the listed ones among ``paths``, when given), then the folders that this leaves empty; files
    it does not list stay. Returns the removed relative paths and drops them from the ledger."""
    root = Path(root)
    listed = recorded(root)
    tops = tuple(within) if within is not None else None
    chosen = sorted(p for p in listed if tops is None or p.split("/", 1)[0] in tops)
    if paths is not None:
        chosen = sorted(set(chosen) & set(paths))
    for rel in chosen:
        path = root / rel
        if path.is_file() or path.is_symlink():
            path.unlink()
        parent = path.parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    if chosen:
        _rewrite(root, listed - set(chosen), scope(root))
    return chosen
