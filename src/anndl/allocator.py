"""Keep freed memory in the process for the classic trainers' per-epoch arrays (a process-wide setting).

An epoch of lm or br allocates a Jacobian (N*n_out, n_params) and a few (N, hidden) activation
arrays, each around a megabyte. glibc's malloc serves such sizes with mmap and returns them
to the system on free, so every epoch pays the page faults of touching fresh memory again:
glibc raises its mmap threshold after the first such free, but its trim threshold (twice that)
still hands the top of the heap back when an epoch frees several arrays at once. On a 1-100-1
net with 943 samples (754 KB per layer array) a gd epoch took 971 us with glibc's defaults and
499 us with the thresholds raised (CPU time, fastest of 5 x 50); on 1-50-1 and smaller the arrays
stay below the dynamic threshold and it changes nothing. The batched trainers, whose stacked
arrays are megabytes, gain the same way. Raising the mmap and trim thresholds makes malloc reuse
the freed blocks instead.

The setting is the process's, not a library call's: ``anndl run``, ``report`` and ``sweep`` make
it at their start and in their worker processes (:mod:`anndl.process`); ``train()`` and the
estimators never do. A library user opts in with one call, ``anndl.retain_freed_memory()``.
It cannot be undone in a process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
"""Blocks below this come from the heap (glibc's largest allowed value on 64-bit)."""
TRIM_THRESHOLD_BYTES = 128 * 1024 * 1024
"""Free memory at the top of the heap is given back only above this."""

_done = False


def retain_freed_memory() -> bool:
    """Raise glibc's malloc thresholds once per process; True if they are set (now or before).

    A no-op (False) where the C library is not glibc (macOS, Windows, musl).
    """
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    return _done


def retained() -> bool:
    """Whether :func:`retain_freed_memory` has set the thresholds in this process."""
    return _done
