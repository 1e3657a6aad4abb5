"""The one place that seeds the process-wide generators (Python's, numpy's legacy global, torch's)."""

from __future__ import annotations

import contextlib
import random
import sys
from collections.abc import Iterator

import numpy as np

from anndl import deferred_torch


def seed_globals(seed: int) -> None:
    """Seed Python's ``random``, numpy's legacy global and torch's generator (at once when torch is
    imported, else when :mod:`anndl.nn.torchkit` is: :mod:`anndl.deferred_torch`).

    torch is not imported here, so that workers of numpy-only experiments never load it.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    deferred_torch.call("manual_seed", seed)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed the process-wide generators (:func:`seed_globals`) for the ``with`` block and put the
    caller's states back after it: a library call that needs seeded globals (a torch module's
    initial weights, dropout) leaves its caller's random streams as they were."""
    torch = sys.modules.get("torch")
    python_state, numpy_state = random.getstate(), np.random.get_state()
    torch_state = torch.get_rng_state() if torch is not None else None
    cuda_states = torch.cuda.get_rng_state_all() if torch is not None and torch.cuda.is_initialized() else None
    seed_globals(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
        if torch_state is not None:
            torch.set_rng_state(torch_state)
        if cuda_states is not None:
            torch.cuda.set_rng_state_all(cuda_states)
