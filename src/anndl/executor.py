"""Map a function over cells (repetitions, grid points) serially or in local processes, with resume.

A *cell* is a frozen dataclass (or a JSON-able dict) of keyword values plus ``seed``; the cell
function returns a JSON-able dict (numpy arrays allowed). Each finished cell is written to
``<cache>/<key>.json`` at once, so a re-run (after a crash, Ctrl-C or SIGKILL) loads finished cells
and computes only the rest. Results always pass through the same JSON encoding, so a cached result
equals a fresh one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from tqdm.auto import tqdm

from anndl import atomic
from anndl.seeding import seed_globals

CellFn = Callable[[Any], dict]


def cell_fields(cell: Any) -> dict:
    """A cell's values as a dict: a frozen dataclass cell's fields (nested ones too), or the mapping."""
    return dataclasses.asdict(cell) if dataclasses.is_dataclass(cell) else dict(cell)


def cell_key(fn: CellFn, cell: Any) -> str:
    """A stable name for one cell of one function: a hash of the function's name and the cell."""
    blob = json.dumps([f"{fn.__module__}.{fn.__qualname__}", atomic.to_jsonable(cell_fields(cell))], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


class CellCache:
    """Finished cells of one map call, one JSON file each, under ``directory``."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> dict | None:
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text())["result"]
        except (json.JSONDecodeError, KeyError):
            return None

    def save(self, key: str, cell: Any, result: Any) -> None:
        atomic.write_json(self.path(key), {"cell": atomic.to_jsonable(cell_fields(cell)), "result": result},
                          encode=lambda x: x)


def run_cell(fn: CellFn, cell: Any, single_thread: bool = False) -> Any:
    """Run one cell with seeded globals; returns the JSON-encoded result."""
    if single_thread:
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(1)
    seed_globals(int(cell_fields(cell).get("seed") or 0))
    return atomic.to_jsonable(fn(cell if dataclasses.is_dataclass(cell) else dict(cell)))


class Executor(Protocol):
    """Runs cells and yields ``(index, encoded result)`` as each finishes, in any order."""

    jobs: int

    def submit_all(self, fn: CellFn, cells: Sequence[tuple[int, dict]]): ...


class SerialExecutor:
    """Cells one after another in this process."""

    jobs = 1

    def submit_all(self, fn: CellFn, cells: Sequence[tuple[int, dict]]):
        for index, cell in cells:
            yield index, run_cell(fn, cell)


class ProcessExecutor:
    """Cells in ``jobs`` local worker processes (joblib's loky backend), one torch thread each."""

    def __init__(self, jobs: int):
        self.jobs = jobs

    def submit_all(self, fn: CellFn, cells: Sequence[tuple[int, dict]]):
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=self.jobs, return_as="generator_unordered")
        yield from parallel(delayed(_indexed)(fn, index, cell) for index, cell in cells)


def _indexed(fn: CellFn, index: int, cell: dict) -> tuple[int, Any]:
    return index, run_cell(fn, cell, single_thread=True)


class DaskExecutor:
    """Cells on a Dask distributed cluster: a LocalCluster of ``jobs`` worker processes by default,
    or the scheduler at ``address`` (``tcp://host:8786``, e.g. from ``dask-scheduler`` or dask-jobqueue).

    Each worker runs one cell at a time with one torch thread. The cluster lives as long as this
    object; :meth:`close` shuts down a LocalCluster it started.
    """

    def __init__(self, jobs: int = 2, address: str | None = None):
        from distributed import Client, LocalCluster

        self.jobs = jobs
        self._cluster = None
        if address is None:
            self._cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                         host="127.0.0.1", dashboard_address=None)
            self.client = Client(self._cluster)
        else:
            self.client = Client(address, timeout="30s")

    def submit_all(self, fn: CellFn, cells: Sequence[tuple[int, dict]]):
        from distributed import as_completed

        futures = [self.client.submit(_indexed, fn, index, cell, pure=False) for index, cell in cells]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


EXECUTORS = ("local", "dask")


def make_executor(jobs: int, kind: str = "local", address: str | None = None) -> Executor:
    """Serial for one local job, local processes for more, or Dask (LocalCluster or ``address``)."""
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; known: {', '.join(EXECUTORS)}")
    if kind == "dask":
        return DaskExecutor(jobs, address)
    return SerialExecutor() if jobs <= 1 else ProcessExecutor(jobs)


def close_executor(executor: Executor) -> None:
    """Release an executor's resources (a Dask cluster); a no-op for local ones."""
    close = getattr(executor, "close", None)
    if close is not None:
        close()


def map_cells(fn: CellFn, cells: Sequence[dict], *, executor: Executor, cache: CellCache | None = None,
              desc: str = "cells", progress: bool = True) -> list[Any]:
    """Run ``fn`` on every cell (reusing cached results) and return the results in cell order."""
    results: list[Any] = [None] * len(cells)
    todo: list[tuple[int, dict]] = []
    keys = [cell_key(fn, cell) for cell in cells]
    for index, cell in enumerate(cells):
        cached = cache.load(keys[index]) if cache is not None else None
        if cached is None:
            todo.append((index, cell))
        else:
            results[index] = cached
    bar = tqdm(total=len(cells), initial=len(cells) - len(todo), desc=desc, disable=None if progress else True,
               leave=False, dynamic_ncols=True)
    with bar:
        for index, encoded in executor.submit_all(fn, todo):
            if cache is not None:
                cache.save(keys[index], cells[index], encoded)
            results[index] = encoded
            bar.update(1)
    return [atomic.from_jsonable(r) for r in results]
