"""Process-wide settings, made only where anndl owns the process.

A library call (``train``, ``MLPRegressor.fit``, ``run_experiment``) changes nothing global in its
caller's interpreter. The ``anndl`` command owns its process, and the executor owns the worker
processes it starts (loky, dask), so there and only there anndl sets:

- glibc's malloc thresholds (:func:`anndl.allocator.retain_freed_memory`; it cannot be undone);
- ``threads`` BLAS/OpenMP threads (threadpoolctl's limits, scoped to the command or the cell, and
  the ``OMP_NUM_THREADS``-style variables that libraries loaded later, and child processes, read)
  and ``threads`` torch intra-op threads, 1 unless ``--threads N`` asks otherwise. ``--threads 0``
  leaves the libraries' own defaults (usually one thread per core, in each worker).

With ``--jobs J``, ``J * threads`` may not exceed the machine's cores (:func:`check_threads`): a
run with one core busy elsewhere then slows by about a core's share instead of oversubscribing
(``benchmarks/bench_threads.py``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from anndl import deferred_torch
from anndl.allocator import retain_freed_memory

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
"""Environment variables through which BLAS and OpenMP runtimes take their thread count when loaded."""

DEFAULT_THREADS = 1
"""Threads per process of a run unless ``--threads`` says otherwise (0: the libraries' defaults)."""

_requested: int | None = None
"""Threads per process asked for by the command or worker running here; None in a library call."""


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def check_threads(threads: int, jobs: int, available: int | None = None) -> int:
    """``threads`` if ``jobs`` workers of ``threads`` threads each fit the cores, else ValueError
    naming the largest count that fits. 0 (no cap) is always accepted."""
    available = cores() if available is None else available
    if threads < 0:
        raise ValueError(f"--threads {threads}: give N >= 1 threads per process, or 0 for the libraries' defaults")
    if threads and jobs * threads > available:
        fits = max(available // max(jobs, 1), 1)
        raise ValueError(f"--threads {threads} with --jobs {jobs} asks for {jobs * threads} threads on "
                         f"{available} cores: give --threads {fits} or fewer --jobs")
    return threads


def requested_threads() -> int | None:
    """Threads per process set by the anndl command or worker running here (None: not set by anndl)."""
    return _requested


def threads_in_force(_cell: object = None) -> dict[str, int | None]:
    """The thread counts in force in this process (what env.json records): the cores, the count per
    process asked for (``--threads``; None where anndl set none, as in a library call), torch's
    intra-op threads (None: torch not loaded) and each loaded BLAS/OpenMP library's (numpy's and
    scipy's OpenBLAS: the larger). ``_cell`` is ignored, so that the executor can map it over workers."""
    from threadpoolctl import threadpool_info

    libraries: dict[str, int] = {}
    for info in threadpool_info():
        libraries[info["internal_api"]] = max(libraries.get(info["internal_api"], 0), info["num_threads"])
    return {"cpu_count": os.cpu_count(), "requested": _requested, "torch": _torch_threads(),
            **dict(sorted(libraries.items()))}


def _torch_threads() -> int | None:
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else None


MKL_REPRODUCIBILITY = ("MKL_CBWR", "AUTO")
"""MKL's conditional numerical reproducibility: with it unset, MKL (torch's BLAS/LAPACK on x86) may
pick kernels by the memory alignment of each operand, so one system solved alone and as a slice of a
batch (``train`` against ``train_many``), or the same run twice, can differ in the last bit (seen on
AMD EPYC). ``AUTO`` keeps MKL's fastest code path for the processor but makes it alignment-independent."""


def reproducible_mkl() -> bool:
    """Ask MKL for alignment-independent results (``MKL_CBWR=AUTO``) unless the variable is already
    set. MKL reads it once, when torch first loads it: call this before ``import torch``. The
    ``anndl`` command does, and its worker processes inherit it; a library user may call it too.
    Returns whether the setting reaches MKL (torch not loaded yet)."""
    name, value = MKL_REPRODUCIBILITY
    os.environ.setdefault(name, value)
    return "torch" not in sys.modules


@contextmanager
def command_settings(threads: int = DEFAULT_THREADS) -> Iterator[None]:
    """What the ``anndl`` command's process runs under, for the command's duration: the allocator's
    thresholds raised, BLAS/OpenMP and torch limited to ``threads`` (0: left alone). Thread settings
    and variables are restored on exit, so a command run in-process (click's CliRunner) leaves its
    caller's as they were; the allocator's cannot be."""
    global _requested
    retain_freed_memory()
    reproducible_mkl()
    before = _requested, {name: os.environ.get(name) for name in THREAD_VARIABLES}, _torch_threads()
    _requested = threads
    try:
        with _limited_threads(threads):
            yield
    finally:
        _requested = before[0]
        for name, value in before[1].items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        deferred_torch.forget("set_num_threads")
        torch = sys.modules.get("torch")
        if threads and torch is not None:
            torch.set_num_threads(before[2] if before[2] is not None else cores())


@contextmanager
def worker_settings(threads: int = DEFAULT_THREADS) -> Iterator[None]:
    """What a worker process of the executor runs one cell under: the allocator's thresholds raised
    (for the rest of the worker's life: the executor started it), torch at ``threads`` threads and
    BLAS/OpenMP limited to ``threads`` for the cell (0: left alone)."""
    global _requested
    retain_freed_memory()
    _requested = threads
    with _limited_threads(threads):
        yield


@contextmanager
def _limited_threads(threads: int) -> Iterator[None]:
    """BLAS/OpenMP (threadpoolctl's scoped limits and the variables libraries loaded later read) and
    torch at ``threads`` threads; 0 leaves them alone. Restoring the variables is the caller's job."""
    if not threads:
        yield
        return
    from threadpoolctl import threadpool_limits

    os.environ.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    deferred_torch.call("set_num_threads", threads)
    with threadpool_limits(limits=threads):
        yield
