"""Map a function over cells (repetitions, grid points) serially or in local processes, with resume.

A *cell* is a frozen dataclass (or a JSON-able dict) of keyword values plus ``seed``; the cell
function returns a JSON-able dict (numpy arrays allowed). Each finished cell is written to
``<cache>/<key>.json`` at once, so a re-run (after a crash, Ctrl-C or SIGKILL) loads finished cells
and computes only the rest. Results always pass through the same JSON encoding, so a cached result
equals a fresh one.

A cell's key covers the function, the cell and the caller's ``context`` (a run passes its whole
resolved config, the code version and the digests of the data files read so far). The cell's own
record lists the data files it read with their digests; a cached cell whose files changed since is
recomputed. Results that ``cache_if`` rejects (a failed sweep cell) are never cached.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from tqdm.auto import tqdm

from anndl import atomic, digests, process
from anndl.config import read_yaml
from anndl.errors import ConfigError
from anndl.seeding import seed_globals

CellFn = Callable[[Any], dict]


def cell_fields(cell: Any) -> dict:
    """A cell's values as a dict: a frozen dataclass cell's fields (nested ones too), or the mapping."""
    return dataclasses.asdict(cell) if dataclasses.is_dataclass(cell) else dict(cell)


def cell_key(fn: CellFn, cell: Any, context: Any = None) -> str:
    """A stable name for one cell of one function: a hash of the function's name, the cell and
    ``context`` (what else the result depends on: config, code version, data digests)."""
    parts = [f"{fn.__module__}.{fn.__qualname__}", atomic.to_jsonable(cell_fields(cell))]
    if context is not None:
        parts.append(atomic.to_jsonable(context))
    blob = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


class CellCache:
    """Finished cells of one map call, one JSON file each, under ``directory``."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> dict | None:
        """The saved ``{"cell", "result", "reads"}`` record, or None when absent, unreadable, or made
        from data files that have changed since."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text())
        except json.JSONDecodeError:
            return None
        if not isinstance(record, dict) or "result" not in record:
            return None
        reads = record.setdefault("reads", {})
        if not isinstance(reads, dict) or digests.changed_files(reads):
            return None
        return record

    def save(self, key: str, cell: Any, result: Any, reads: dict | None = None) -> None:
        atomic.write_json(self.path(key), {"cell": atomic.to_jsonable(cell_fields(cell)), "result": result,
                                           "reads": reads or {}}, encode=lambda x: x)


def run_cell(fn: CellFn, cell: Any) -> tuple[Any, dict]:
    """Run one cell with seeded globals; returns the JSON-encoded result and the data files it read."""
    seed_globals(int(cell_fields(cell).get("seed") or 0))
    with digests.collect_reads() as reads:
        result = atomic.to_jsonable(fn(cell if dataclasses.is_dataclass(cell) else dict(cell)))
    return result, reads


class Executor(Protocol):
    """Runs cells and yields ``(index, encoded result, data files read)`` as each finishes, in any order."""

    jobs: int

    def submit_all(self, fn: CellFn, cells: Sequence[tuple[int, dict]]): ...


class SerialExecutor:
    """Cells one after another in this process."""

    jobs = 1

    def submit_all(self, fn: CellFn, cells: Sequence[tuple[int, dict]]):
        for index, cell in cells:
            yield index, *run_cell(fn, cell)


class ProcessExecutor:
    """Cells in ``jobs`` local worker processes (joblib's loky backend), ``threads`` BLAS and torch
    threads each (0: the libraries' defaults), under :func:`anndl.process.worker_settings`."""

    def __init__(self, jobs: int, threads: int = process.DEFAULT_THREADS):
        self.jobs, self.threads = jobs, threads

    def submit_all(self, fn: CellFn, cells: Sequence[tuple[int, dict]]):
        from joblib import Parallel, delayed, parallel_config

        inner = {"inner_max_num_threads": self.threads} if self.threads else {}
        with parallel_config(backend="loky", **inner):  # loky sets OMP_NUM_THREADS & co. as workers start
            parallel = Parallel(n_jobs=self.jobs, return_as="generator_unordered")
        yield from parallel(delayed(_indexed)(fn, index, cell, self.threads) for index, cell in cells)


def _indexed(fn: CellFn, index: int, cell: dict, threads: int = process.DEFAULT_THREADS) -> tuple[int, Any, dict]:
    """A cell in a worker process (loky or dask), under the worker's process-wide settings."""
    _exit_with_parent()
    _leave_interrupts_to_parent()
    _thread_lock_for_progress_bars()
    with process.worker_settings(threads):
        return index, *run_cell(fn, cell)


def _indexed_pickled(fn_pickled: bytes, index: int, cell: dict, threads: int) -> tuple[int, Any, dict]:
    """:func:`_indexed` for a cell function sent as cloudpickle bytes (Dask workers)."""
    import cloudpickle

    return _indexed(cloudpickle.loads(fn_pickled), index, cell, threads)


def _thread_lock_for_progress_bars() -> None:
    """In a worker process: give tqdm a thread lock before it makes its default one, which holds a
    multiprocessing semaphore; a worker stopped while holding that semaphore leaves it to the
    resource tracker, which warns of "leaked semaphore objects" when the run ends."""
    from tqdm import tqdm

    if not isinstance(getattr(tqdm, "_lock", None), type(threading.RLock())):
        tqdm.set_lock(threading.RLock())


def _leave_interrupts_to_parent() -> None:
    """In a worker process: ignore SIGINT. A terminal's Ctrl-C reaches every process of the
    foreground group; the parent stops the pool in order (and keeps the finished cells), whereas
    workers dying of it mid-task leave the pool's semaphores behind ("leaked semaphore objects")."""
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread (a Dask worker's task thread): nothing to do
        pass


_watching_parent = False


def _exit_with_parent(poll_s: float = 1.0) -> None:
    """In a worker process: exit within ``poll_s`` of the process that started it dying (e.g. a run
    killed with SIGKILL), instead of finishing cells nobody will collect."""
    global _watching_parent
    if _watching_parent:
        return
    _watching_parent = True
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)

    threading.Thread(target=watch, name="anndl-exit-with-parent", daemon=True).start()


class DaskExecutor:
    """Cells on a Dask distributed cluster: a LocalCluster of ``jobs`` worker processes by default,
    or the scheduler at ``address`` (``tls://host:8786`` or ``tcp://...``, e.g. from ``dask-scheduler``
    or dask-jobqueue).

    The LocalCluster listens on 127.0.0.1 only, serves no dashboard and no HTTP pages (its HTTP port,
    8787 or a free one, answers 404 to every path), and encrypts its traffic with
    distributed's temporary TLS certificates when the ``cryptography`` package is installed. For
    ``address``, ``security`` (a ``distributed.Security``, see :func:`load_security`) holds the TLS
    certificates; without it, distributed's own config (``distributed.comm.tls``) applies.
    Each worker runs one cell at a time with ``threads`` BLAS and torch threads (0: the libraries'
    defaults). The cluster lives as long as this object; :meth:`close` shuts down a LocalCluster it
    started.
    """

    def __init__(self, jobs: int = 2, address: str | None = None, security: Any = None,
                 threads: int = process.DEFAULT_THREADS):
        from distributed import Client, LocalCluster

        self.jobs, self.threads = jobs, threads
        self._cluster = None
        if address is None:
            import dask

            env = dict.fromkeys(process.THREAD_VARIABLES, str(threads)) if threads else {}
            # no HTTP pages: distributed's scheduler and workers always listen for HTTP, and these
            # empty route lists leave them nothing to serve (every path answers 404)
            with dask.config.set({"distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}):
                self._cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                             host="127.0.0.1", dashboard_address=None, env=env,
                                             security=True if temporary_tls_available() else None)
            self.client = Client(self._cluster)
            self._wait_for_local_workers()
        else:
            self.client = connect(address, security)

    def _wait_for_local_workers(self) -> None:
        try:
            self.client.wait_for_workers(self.jobs, timeout=WORKER_START_TIMEOUT_S)
        except TimeoutError:
            self.close()
            raise RuntimeError(f"the local Dask cluster started fewer than {self.jobs} worker(s) within "
                               f"{WORKER_START_TIMEOUT_S} s; try --executor local") from None

    def submit_all(self, fn: CellFn, cells: Sequence[tuple[int, dict]]):
        import cloudpickle
        from distributed import wait

        # Dask pickles a task's arguments with the standard pickle, by reference, ignoring
        # cloudpickle's by-value registry: a cell function from a module the workers cannot import
        # (a notebook, a test file) would kill the worker. cloudpickle honours the registry.
        fn_pickled = cloudpickle.dumps(fn)
        futures = [self.client.submit(_indexed_pickled, fn_pickled, index, cell, self.threads, pure=False)
                   for index, cell in cells]
        pending, workerless_since = set(futures), None
        try:
            while pending:
                try:
                    done, pending = wait(pending, timeout=POLL_S, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    workerless_since = self._check_workers(workerless_since)
                    continue
                for future in done:
                    yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def _check_workers(self, workerless_since: float | None) -> float | None:
        """Raise when the LocalCluster this object started has had no worker for
        :data:`WORKERLESS_LIMIT_S` (its worker processes died and were not restarted: the cells
        would wait forever). A remote scheduler may legitimately wait for workers (a batch queue),
        so it is never given up on. Returns when the cluster was first seen without workers."""
        if self._cluster is None or self.client.scheduler_info().get("workers"):
            return None
        now = time.monotonic()
        if workerless_since is None:
            return now
        if now - workerless_since > WORKERLESS_LIMIT_S:
            raise RuntimeError(f"the local Dask cluster has had no worker for {WORKERLESS_LIMIT_S} s (its worker "
                               f"processes died); finished cells are kept, run again with --resume")
        return workerless_since

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


POLL_S = 5
"""How often :meth:`DaskExecutor.submit_all` looks at its cluster while no cell finishes (seconds)."""
WORKER_START_TIMEOUT_S = 180
"""How long a new LocalCluster may take to start its worker processes (each imports torch)."""
WORKERLESS_LIMIT_S = 120
"""How long a LocalCluster may stay without any worker before its cells are given up on (seconds)."""

CONNECT_TIMEOUT_S = 10
"""How long a client tries to reach a ``--scheduler`` before giving up (distributed's default is 30 s)."""


def connect(address: str, security: Any = None) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address``; a ConfigError (one line, exit 2) when a
    ``tls://`` address has no certificates (neither ``security`` nor dask's ``distributed.comm.tls``
    config) or the scheduler cannot be reached within :data:`CONNECT_TIMEOUT_S` seconds."""
    import dask
    from distributed import Client

    if address.startswith("tls://") and security is None and not dask.config.get("distributed.comm.tls.ca-file",
                                                                                    None):
        raise ConfigError(f"--scheduler {address}: a tls:// scheduler needs certificates: pass --security "
                          f"distributed.yaml (see the README), or set distributed.comm.tls in dask's config")
    kwargs = {} if security is None else {"security": security}
    try:
        return Client(address, timeout=f"{CONNECT_TIMEOUT_S}s", **kwargs)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"--scheduler {address}: cannot reach it within {CONNECT_TIMEOUT_S} s ({str(exc)[:80]}); "
                          f"check the address and that the scheduler runs") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"--scheduler {address}: cannot connect ({str(exc)[:120]}); check --security and "
                          f"the address") from None


def temporary_tls_available() -> bool:
    """Whether distributed can make temporary TLS certificates (``LocalCluster(security=True)``)."""
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return False
    return True


TLS_KEYS = {"ca-file": "tls_ca_file", "client.cert": "tls_client_cert", "client.key": "tls_client_key"}
"""The ``distributed.comm.tls`` entries a client needs, and the ``Security`` argument each becomes."""


def load_security(path: str | Path) -> Any:
    """A ``distributed.Security`` for a client, from a YAML file in dask's own config layout::

        distributed:
          comm:
            require-encryption: true
            tls: {ca-file: ca.pem, client: {cert: client.pem, key: client-key.pem}}

    (the ``distributed.yaml`` a cluster's users share). Relative paths are taken from the file's
    folder. A missing entry or file is a ConfigError naming the file and the key.
    """
    from distributed import Security

    path = Path(path)
    data = read_yaml(path)
    section = data.get("distributed")
    comm = section.get("comm") if isinstance(section, dict) else None
    tls = comm.get("tls") if isinstance(comm, dict) else None
    if not isinstance(tls, dict):
        raise ConfigError(f"{path}: key 'distributed.comm.tls' is missing; expected ca-file, client.cert "
                          f"and client.key (dask's distributed.yaml layout)")
    kwargs = {}
    for dotted, argument in TLS_KEYS.items():
        value: Any = tls
        for part in dotted.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{path}: key 'distributed.comm.tls.{dotted}' is missing: the path of a PEM file")
        file = Path(value).expanduser()
        file = file if file.is_absolute() else path.parent / file
        if not file.is_file():
            raise ConfigError(f"{path}: key 'distributed.comm.tls.{dotted}': {file} not found")
        kwargs[argument] = str(file)
    return Security(require_encryption=bool(comm.get("require-encryption", True)), **kwargs)


EXECUTORS = ("local", "dask")


def make_executor(jobs: int, kind: str = "local", address: str | None = None,
                  security: str | Path | None = None, threads: int = process.DEFAULT_THREADS) -> Executor:
    """Serial for one local job, local processes for more, or Dask (LocalCluster or ``address``, with
    the TLS certificates named in the ``security`` YAML file, see :func:`load_security`). Workers
    run with ``threads`` BLAS and torch threads each; serial cells run under the caller's settings."""
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; known: {', '.join(EXECUTORS)}")
    if security is not None and (kind != "dask" or address is None):
        raise ConfigError(f"--security {security}: only used with --executor dask --scheduler tls://HOST:PORT")
    if kind == "dask":
        return DaskExecutor(jobs, address, load_security(security) if security is not None else None, threads)
    return SerialExecutor() if jobs <= 1 else ProcessExecutor(jobs, threads)


def close_executor(executor: Executor) -> None:
    """Release an executor's resources (a Dask cluster); a no-op for local ones."""
    close = getattr(executor, "close", None)
    if close is not None:
        close()


def completed(result: Any) -> bool:
    """``cache_if`` for cell functions that return ``{"state": ...}``: keep only completed cells."""
    return isinstance(result, dict) and result.get("state") == "completed"


def map_cells(fn: CellFn, cells: Sequence[dict], *, executor: Executor, cache: CellCache | None = None,
              desc: str = "cells", progress: bool = True, context: Any = None,
              cache_if: Callable[[Any], bool] | None = None) -> list[Any]:
    """Run ``fn`` on every cell (reusing cached results) and return the results in cell order.

    ``context`` joins every cell's cache key; a result for which ``cache_if`` is false is returned
    but not cached. The data files the cells read (computed or cached) join the caller's
    :func:`anndl.digests.collect_reads`.
    """
    results: list[Any] = [None] * len(cells)
    todo: list[tuple[int, dict]] = []
    keys = [cell_key(fn, cell, context) for cell in cells]
    for index, cell in enumerate(cells):
        record = cache.load(keys[index]) if cache is not None else None
        if record is None:
            todo.append((index, cell))
        else:
            results[index] = record["result"]
            digests.merge_reads(record.get("reads", {}))
    bar = tqdm(total=len(cells), initial=len(cells) - len(todo), desc=desc, disable=None if progress else True,
               leave=False, dynamic_ncols=True)
    with bar:
        for index, encoded, reads in executor.submit_all(fn, todo):
            digests.merge_reads(reads)
            if cache is not None and (cache_if is None or cache_if(encoded)):
                cache.save(keys[index], cells[index], encoded, reads)
            results[index] = encoded
            bar.update(1)
    return [atomic.from_jsonable(r) for r in results]
