"""The one place that seeds the process-wide generators (Python's, numpy's legacy global, torch's)."""

from __future__ import annotations

import random

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
