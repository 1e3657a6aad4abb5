"""Memory a config will need, checked against this machine before anything runs.

Experiments whose memory follows from their config (a Hopfield study's trajectories grow with the
grid of starts times the steps; a Levenberg–Marquardt step forms a P × P matrix for P weights) call
:func:`check` from their config's ``__post_init__``, so that a config too large for this machine is a
one-line config error (exit 2) naming the keys, instead of a MemoryError after minutes of work.
"""

from __future__ import annotations

import os


def available_bytes() -> int | None:
    """Memory this machine can give a new allocation now (Linux's MemAvailable), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def gigabytes(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:.3g} GB"


def check(estimate_bytes: float, keys: str, what: str) -> None:
    """ValueError ``"<keys>: <what> needs about N GB, this machine has M GB available; ..."`` when the
    estimate exceeds the memory available now (no check where that is unknown)."""
    available = available_bytes()
    if available is not None and estimate_bytes > available:
        raise ValueError(f"{keys}: {what} needs about {gigabytes(estimate_bytes)} of memory, this machine has "
                         f"{gigabytes(available)} available; lower {keys}")
